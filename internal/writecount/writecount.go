// Package writecount wraps a client to count the API writes it makes; the
// tests assert zero writes on converged objects and the benchmarks report
// writes per village, by verb and kind, with it. The counting is done by
// controller-runtime's client/interceptor, so every write method, the
// subresource ones included, goes through one hook.
package writecount

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"reflect"
	"slices"
	"strings"
	"sync"
	"sync/atomic"

	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/watch"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/client/interceptor"
)

// Client counts every write request (create, update, patch, apply, delete,
// and their subresource forms) that passes through it, failed ones included.
type Client struct {
	client.Client
	writes atomic.Int64
	mu     sync.Mutex
	byKind map[string]int // "verb Kind", subresource writes as "status patch Kind"
}

// Wrap returns a counting client around c.
func Wrap(c client.Client) *Client {
	w := &Client{byKind: map[string]int{}}
	w.Client = interceptor.NewClient(withoutWatch{c}, w.funcs())
	return w
}

// Writes is the number of write requests made so far.
func (c *Client) Writes() int64 { return c.writes.Load() }

// Summary lists the writes by verb and kind, e.g. "create Namespace=3685".
func (c *Client) Summary() string { return c.SummarySince(nil) }

// Snapshot is the count of writes by verb and kind so far, for SummarySince.
func (c *Client) Snapshot() map[string]int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return maps.Clone(c.byKind)
}

// SummarySince lists the writes made since a Snapshot, as Summary does.
func (c *Client) SummarySince(before map[string]int) string {
	c.mu.Lock()
	defer c.mu.Unlock()
	var parts []string
	for _, k := range slices.Sorted(maps.Keys(c.byKind)) {
		if n := c.byKind[k] - before[k]; n > 0 {
			parts = append(parts, fmt.Sprintf("%s=%d", k, n))
		}
	}
	return strings.Join(parts, " ")
}

// SubresourceWrites is the number of writes to the named subresource, e.g. "status".
func (c *Client) SubresourceWrites(name string) int {
	c.mu.Lock()
	defer c.mu.Unlock()
	n := 0
	for k, v := range c.byKind {
		if strings.HasPrefix(k, name+" ") {
			n += v
		}
	}
	return n
}

func (c *Client) record(verb string, obj any) {
	c.writes.Add(1)
	c.mu.Lock()
	c.byKind[verb+" "+kindOf(obj)]++
	c.mu.Unlock()
}

// kindOf names an object's kind: its Go type's name, or for an unstructured
// object (a kind the operator has no Go type for) the kind it carries.
func kindOf(obj any) string {
	if u, ok := obj.(runtime.Unstructured); ok {
		if kind := u.GetObjectKind().GroupVersionKind().Kind; kind != "" {
			return kind
		}
	}
	t := reflect.TypeOf(obj)
	if t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	return t.Name()
}

// funcs record each write, then make it with the wrapped client.
func (c *Client) funcs() interceptor.Funcs {
	return interceptor.Funcs{
		Create: func(ctx context.Context, cl client.WithWatch, obj client.Object, opts ...client.CreateOption) error {
			c.record("create", obj)
			return cl.Create(ctx, obj, opts...)
		},
		Update: func(ctx context.Context, cl client.WithWatch, obj client.Object, opts ...client.UpdateOption) error {
			c.record("update", obj)
			return cl.Update(ctx, obj, opts...)
		},
		Patch: func(ctx context.Context, cl client.WithWatch, obj client.Object, patch client.Patch, opts ...client.PatchOption) error {
			c.record("patch", obj)
			return cl.Patch(ctx, obj, patch, opts...)
		},
		Apply: func(ctx context.Context, cl client.WithWatch, obj runtime.ApplyConfiguration, opts ...client.ApplyOption) error {
			c.record("apply", obj)
			return cl.Apply(ctx, obj, opts...)
		},
		Delete: func(ctx context.Context, cl client.WithWatch, obj client.Object, opts ...client.DeleteOption) error {
			c.record("delete", obj)
			return cl.Delete(ctx, obj, opts...)
		},
		DeleteAllOf: func(ctx context.Context, cl client.WithWatch, obj client.Object, opts ...client.DeleteAllOfOption) error {
			c.record("deleteall", obj)
			return cl.DeleteAllOf(ctx, obj, opts...)
		},
		SubResourceCreate: func(ctx context.Context, cl client.Client, sub string, obj, subObj client.Object, opts ...client.SubResourceCreateOption) error {
			c.record(sub+" create", obj)
			return cl.SubResource(sub).Create(ctx, obj, subObj, opts...)
		},
		SubResourceUpdate: func(ctx context.Context, cl client.Client, sub string, obj client.Object, opts ...client.SubResourceUpdateOption) error {
			c.record(sub+" update", obj)
			return cl.SubResource(sub).Update(ctx, obj, opts...)
		},
		SubResourcePatch: func(ctx context.Context, cl client.Client, sub string, obj client.Object, patch client.Patch, opts ...client.SubResourcePatchOption) error {
			c.record(sub+" patch", obj)
			return cl.SubResource(sub).Patch(ctx, obj, patch, opts...)
		},
		SubResourceApply: func(ctx context.Context, cl client.Client, sub string, obj runtime.ApplyConfiguration, opts ...client.SubResourceApplyOption) error {
			c.record(sub+" apply", obj)
			return cl.SubResource(sub).Apply(ctx, obj, opts...)
		},
	}
}

// withoutWatch gives a manager's client, which cannot watch, the Watch
// method the interceptor's client.WithWatch asks for.
type withoutWatch struct{ client.Client }

func (withoutWatch) Watch(context.Context, client.ObjectList, ...client.ListOption) (watch.Interface, error) {
	return nil, errors.New("writecount: the wrapped client cannot watch")
}
