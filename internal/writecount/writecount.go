// Package writecount wraps a client to count the API writes it makes; the
// tests assert zero writes on converged objects and the benchmarks report
// writes per village, by verb and kind, with it.
package writecount

import (
	"context"
	"fmt"
	"reflect"
	"sort"
	"strings"
	"sync"
	"sync/atomic"

	"k8s.io/apimachinery/pkg/runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
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
func Wrap(c client.Client) *Client { return &Client{Client: c, byKind: map[string]int{}} }

// Writes is the number of write requests made so far.
func (c *Client) Writes() int64 { return c.writes.Load() }

func (c *Client) record(verb string, obj any) {
	c.writes.Add(1)
	t := reflect.TypeOf(obj)
	if t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	c.mu.Lock()
	c.byKind[verb+" "+t.Name()]++
	c.mu.Unlock()
}

// Summary lists the writes by verb and kind, e.g. "create Namespace=3685".
func (c *Client) Summary() string {
	c.mu.Lock()
	defer c.mu.Unlock()
	keys := make([]string, 0, len(c.byKind))
	for k := range c.byKind {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = fmt.Sprintf("%s=%d", k, c.byKind[k])
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

func (c *Client) Create(ctx context.Context, obj client.Object, opts ...client.CreateOption) error {
	c.record("create", obj)
	return c.Client.Create(ctx, obj, opts...)
}

func (c *Client) Update(ctx context.Context, obj client.Object, opts ...client.UpdateOption) error {
	c.record("update", obj)
	return c.Client.Update(ctx, obj, opts...)
}

func (c *Client) Patch(ctx context.Context, obj client.Object, patch client.Patch, opts ...client.PatchOption) error {
	c.record("patch", obj)
	return c.Client.Patch(ctx, obj, patch, opts...)
}

func (c *Client) Apply(ctx context.Context, obj runtime.ApplyConfiguration, opts ...client.ApplyOption) error {
	c.record("apply", obj)
	return c.Client.Apply(ctx, obj, opts...)
}

func (c *Client) Delete(ctx context.Context, obj client.Object, opts ...client.DeleteOption) error {
	c.record("delete", obj)
	return c.Client.Delete(ctx, obj, opts...)
}

func (c *Client) DeleteAllOf(ctx context.Context, obj client.Object, opts ...client.DeleteAllOfOption) error {
	c.record("deleteall", obj)
	return c.Client.DeleteAllOf(ctx, obj, opts...)
}

func (c *Client) Status() client.SubResourceWriter { return c.SubResource("status") }

func (c *Client) SubResource(name string) client.SubResourceClient {
	return &subResource{SubResourceClient: c.Client.SubResource(name), parent: c, name: name}
}

type subResource struct {
	client.SubResourceClient
	parent *Client
	name   string
}

func (s *subResource) Create(ctx context.Context, obj, sub client.Object, opts ...client.SubResourceCreateOption) error {
	s.parent.record(s.name+" create", obj)
	return s.SubResourceClient.Create(ctx, obj, sub, opts...)
}

func (s *subResource) Update(ctx context.Context, obj client.Object, opts ...client.SubResourceUpdateOption) error {
	s.parent.record(s.name+" update", obj)
	return s.SubResourceClient.Update(ctx, obj, opts...)
}

func (s *subResource) Patch(ctx context.Context, obj client.Object, patch client.Patch, opts ...client.SubResourcePatchOption) error {
	s.parent.record(s.name+" patch", obj)
	return s.SubResourceClient.Patch(ctx, obj, patch, opts...)
}

func (s *subResource) Apply(ctx context.Context, obj runtime.ApplyConfiguration, opts ...client.SubResourceApplyOption) error {
	s.parent.record(s.name+" apply", obj)
	return s.SubResourceClient.Apply(ctx, obj, opts...)
}
