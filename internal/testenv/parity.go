package testenv

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"time"

	authenticationv1 "k8s.io/api/authentication/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/client/apiutil"
	"sigs.k8s.io/controller-runtime/pkg/client/interceptor"
	"sigs.k8s.io/yaml"

	governancev1alpha1 "github.com/cunshe/cunshe-operator/api/v1alpha1"
	"github.com/cunshe/cunshe-operator/internal/cli"
	"github.com/cunshe/cunshe-operator/internal/operator"
)

// Options.OfflineParity makes every create that the API server refuses —
// a webhook's rule, the schema or a CEL rule — a case of the offline
// check too (issue 16: kubectl cunshe validate runs every rule admission
// runs). The refused object is validated beside the cluster's objects, as
// manifests, --as the user who sent it; validate must report it with every
// rule the refusal names. Mismatches fail the package when its tests end,
// each with the refusal and what validate said.

// parity records the refusals validate did not reproduce.
type parity struct {
	mu         sync.Mutex
	mismatches []string
}

func (p *parity) add(s string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.mismatches = append(p.mismatches, s)
}

// report prints the mismatches and tells whether there were any.
func (p *parity) report() bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, m := range p.mismatches {
		fmt.Fprintf(os.Stderr, "--- FAIL: offline parity (kubectl cunshe validate does not refuse what admission refused):\n%s\n", m)
	}
	return len(p.mismatches) > 0
}

// withParity wraps c, which acts as the user of cfg: its refused creates
// are checked offline.
func (e *Env) withParity(c client.WithWatch) (client.Client, error) {
	review := &authenticationv1.SelfSubjectReview{}
	if err := c.Create(context.Background(), review); err != nil {
		return nil, fmt.Errorf("asking the API server who the client is: %w", err)
	}
	who := review.Status.UserInfo
	return interceptor.NewClient(c, interceptor.Funcs{
		Create: func(ctx context.Context, inner client.WithWatch, obj client.Object, opts ...client.CreateOption) error {
			sent := obj.DeepCopyObject().(client.Object)
			err := inner.Create(ctx, obj, opts...)
			if refusedByAdmission(err) {
				e.checkOffline(ctx, sent, err, who)
			}
			return err
		},
	}), nil
}

// refusedByAdmission: a webhook's or the schema's refusal, not RBAC's (a
// Forbidden that names no webhook), nor a conflict or an outage.
func refusedByAdmission(err error) bool {
	switch {
	case apierrors.IsInvalid(err):
		return true
	case apierrors.IsForbidden(err):
		return strings.Contains(err.Error(), "admission webhook")
	}
	return false
}

// refusalRule finds the rule IDs a refusal's causes start with.
var refusalRule = regexp.MustCompile(`(?:: |\[|, )(S[0-9]{1,2}|P1) `)

// checkOffline validates obj beside the cluster's objects as who and
// records a mismatch with the refusal err.
func (e *Env) checkOffline(ctx context.Context, obj client.Object, refusal error, who authenticationv1.UserInfo) {
	gvk, err := apiutil.GVKForObject(obj, operator.Scheme())
	if err != nil || gvk.Group != governancev1alpha1.GroupVersion.Group {
		return
	}
	obj.GetObjectKind().SetGroupVersionKind(gvk)
	ref := gvk.Kind + "/" + obj.GetName()
	dir, err := os.MkdirTemp("", "offline-parity-")
	if err != nil {
		e.parity.add(fmt.Sprintf("%s: %v", ref, err))
		return
	}
	defer func() { _ = os.RemoveAll(dir) }()
	if err := e.dumpCluster(ctx, filepath.Join(dir, "cluster.yaml"), obj); err != nil {
		e.parity.add(fmt.Sprintf("%s: dumping the cluster: %v", ref, err))
		return
	}
	if err := writeManifests(filepath.Join(dir, "refused.yaml"), []client.Object{obj}); err != nil {
		e.parity.add(fmt.Sprintf("%s: %v", ref, err))
		return
	}
	args := []string{"validate", dir, "-o", "json", "--as", who.Username}
	for _, g := range who.Groups {
		args = append(args, "--as-group", g)
	}
	if e.opts.RefuseSampleKeys {
		args = append(args, "--refuse-sample-keys")
	}
	if e.opts.Now != nil { // admission's clock
		args = append(args, "--at", e.opts.Now().Format(time.RFC3339Nano))
	}
	var stdout, stderr bytes.Buffer
	cli.Execute(ctx, args, strings.NewReader(""), &stdout, &stderr)
	var out struct {
		Findings []struct{ Object, Severity, Rule, Field, Message string }
	}
	if err := json.Unmarshal(stdout.Bytes(), &out); err != nil {
		e.parity.add(fmt.Sprintf("%s: validate: %v\n%s", ref, err, stderr.String()))
		return
	}
	var said []string
	rules, refused := map[string]bool{}, false
	for _, f := range out.Findings {
		if f.Object != ref || (f.Severity != "error" && f.Severity != "warning") {
			continue
		}
		said = append(said, fmt.Sprintf("    %s %s %s: %s", f.Severity, f.Rule, f.Field, f.Message))
		rules[f.Rule] = true
		refused = refused || f.Severity == "error"
	}
	var missing []string
	for _, m := range refusalRule.FindAllStringSubmatch(refusal.Error(), -1) {
		if !rules[m[1]] && !slices.Contains(missing, m[1]) {
			missing = append(missing, m[1])
		}
	}
	if len(missing) == 0 && (refused || len(rules) > 0) {
		return
	}
	e.parity.add(fmt.Sprintf("  %s, created as %s %v, was refused with:\n    %v\n  validate did not report %s; of the object it said:\n%s",
		ref, who.Username, who.Groups, refusal, strings.Join(cmpOr(missing, "an error"), ", "), strings.Join(cmpOr(said, "    (nothing)"), "\n")))
}

func cmpOr(s []string, none string) []string {
	if len(s) == 0 {
		return []string{none}
	}
	return s
}

// dumpCluster writes the cluster's objects of the group, and its
// namespaces, as manifests a GitOps folder would hold: no status, no
// server-set metadata, none being deleted, none named like except.
func (e *Env) dumpCluster(ctx context.Context, file string, except client.Object) error {
	scheme := operator.Scheme()
	var objs []client.Object
	kinds := []string{"Namespace"}
	for kind := range scheme.KnownTypes(governancev1alpha1.GroupVersion) {
		if strings.HasSuffix(kind, "List") && scheme.Recognizes(governancev1alpha1.GroupVersion.WithKind(strings.TrimSuffix(kind, "List"))) {
			kinds = append(kinds, strings.TrimSuffix(kind, "List"))
		}
	}
	slices.Sort(kinds)
	for _, kind := range kinds {
		gvk := governancev1alpha1.GroupVersion.WithKind(kind)
		if kind == "Namespace" {
			gvk = corev1.SchemeGroupVersion.WithKind(kind)
		}
		list := &unstructured.UnstructuredList{}
		list.SetGroupVersionKind(gvk.GroupVersion().WithKind(kind + "List"))
		if err := e.Client.List(ctx, list); err != nil {
			if meta.IsNoMatchError(err) {
				continue
			}
			return err
		}
		for i := range list.Items {
			o := &list.Items[i]
			if o.GetDeletionTimestamp() != nil || (o.GetKind() == except.GetObjectKind().GroupVersionKind().Kind && o.GetName() == except.GetName()) {
				continue
			}
			asManifest(o)
			objs = append(objs, o)
		}
	}
	return writeManifests(file, objs)
}

// asManifest drops what the API server sets: status and server metadata.
func asManifest(o *unstructured.Unstructured) {
	delete(o.Object, "status")
	for _, f := range []string{"uid", "resourceVersion", "generation", "creationTimestamp", "managedFields", "ownerReferences", "finalizers"} {
		unstructured.RemoveNestedField(o.Object, "metadata", f)
	}
}

func writeManifests(file string, objs []client.Object) error {
	var b bytes.Buffer
	for _, o := range objs {
		content, err := runtime.DefaultUnstructuredConverter.ToUnstructured(o)
		if err != nil {
			return err
		}
		if u, ok := o.(*unstructured.Unstructured); ok {
			content = u.Object
		} else {
			asManifest(&unstructured.Unstructured{Object: content})
		}
		data, err := yaml.Marshal(content)
		if err != nil {
			return err
		}
		b.WriteString("---\n")
		b.Write(data)
	}
	return os.WriteFile(file, b.Bytes(), 0o600)
}
