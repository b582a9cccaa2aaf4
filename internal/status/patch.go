// Package status is the reconcilers' one status toolkit: a Patcher that
// writes, once at the end of a pass, what the pass changed in an object's
// status (as Cluster API's patch helper does), and Summarise, which sets
// observedGeneration and the kstatus conditions Ready, Reconciling and
// Stalled from the kind's condition table (api/v1alpha1.ReadyReasons, as
// Flux's summarize does).
package status

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/client"
)

// Patcher remembers an object's status as a pass read it and writes the
// difference when the pass ends. A status the pass left as it was costs no
// write.
type Patcher struct {
	client client.Client
	before client.Object
	opts   options
}

type options struct {
	optimisticLock bool
	wholeStatus    bool
}

// Option changes how a Patcher writes.
type Option func(*options)

// WithOptimisticLock sends the resourceVersion the pass read: a status
// another writer changed meanwhile is not written over, and Patch returns
// the conflict (the ListRollout, which the item controller marks too).
func WithOptimisticLock() Option { return func(o *options) { o.optimisticLock = true } }

// WithWholeStatus sends every field of the status, zeros included, and
// nulls for what the pass removed: for summaries with one writer, whose
// counts of 0 must be stored (kubectl prints 0, not a blank) and which must
// not depend on a cache a moment behind the last write.
func WithWholeStatus() Option { return func(o *options) { o.wholeStatus = true } }

// NewPatcher remembers obj's status as it is now; call it right after
// reading obj, before the pass changes it.
func NewPatcher(c client.Client, obj client.Object, opts ...Option) *Patcher {
	p := &Patcher{client: c, before: obj.DeepCopyObject().(client.Object)}
	for _, o := range opts {
		o(&p.opts)
	}
	return p
}

// Patch writes the status changes made to obj since NewPatcher or the last
// Patch, and updates obj from the API server's answer. An object deleted
// meanwhile is not an error: there is nothing left to record.
func (p *Patcher) Patch(ctx context.Context, obj client.Object) error {
	before, err := statusJSON(p.before)
	if err != nil {
		return err
	}
	after, err := statusJSON(obj)
	if err != nil {
		return err
	}
	if bytes.Equal(before, after) {
		return nil
	}
	patch, err := p.patch(before, after)
	if err != nil {
		return err
	}
	err = p.client.Status().Patch(ctx, obj, patch)
	switch {
	case apierrors.IsNotFound(err):
		return nil
	case err != nil:
		return fmt.Errorf("patching status of %s: %w", obj.GetName(), err)
	}
	p.before = obj.DeepCopyObject().(client.Object)
	return nil
}

// patch is the request body: the difference, or the whole status.
func (p *Patcher) patch(before, after []byte) (client.Patch, error) {
	if p.opts.wholeStatus {
		body, err := wholeStatusPatch(before, after)
		if err != nil {
			return nil, err
		}
		return client.RawPatch(types.MergePatchType, body), nil
	}
	if p.opts.optimisticLock {
		return client.MergeFromWithOptions(p.before, client.MergeFromWithOptimisticLock{}), nil
	}
	return client.MergeFrom(p.before), nil
}

// statusJSON is the JSON of obj's status field.
func statusJSON(obj client.Object) ([]byte, error) {
	whole, err := json.Marshal(obj)
	if err != nil {
		return nil, err
	}
	var parts struct {
		Status json.RawMessage `json:"status"`
	}
	if err := json.Unmarshal(whole, &parts); err != nil {
		return nil, err
	}
	return parts.Status, nil
}

// wholeStatusPatch is a JSON merge patch that sets every field of after and
// removes the fields of before that after lacks, at every depth.
func wholeStatusPatch(before, after []byte) ([]byte, error) {
	var b, a map[string]any
	if len(before) > 0 {
		if err := json.Unmarshal(before, &b); err != nil {
			return nil, err
		}
	}
	if err := json.Unmarshal(after, &a); err != nil {
		return nil, err
	}
	return json.Marshal(map[string]any{"status": withRemovals(b, a)})
}

// withRemovals is after with a null for each key of before it lacks; maps
// present in both are merged the same way.
func withRemovals(before, after map[string]any) map[string]any {
	out := make(map[string]any, len(after))
	for k, v := range after {
		bm, bok := before[k].(map[string]any)
		am, aok := v.(map[string]any)
		if bok && aok {
			out[k] = withRemovals(bm, am)
			continue
		}
		out[k] = v
	}
	for k := range before {
		if _, kept := after[k]; !kept {
			out[k] = nil
		}
	}
	return out
}
