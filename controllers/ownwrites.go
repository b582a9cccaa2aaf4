package controllers

import (
	"context"
	"reflect"
	"sync"
	"time"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/util/wait"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/cunshe/cunshe-operator/internal/tenant"
)

// How often and how long a pass waits for its sources to see its own writes.
const (
	cachePollInterval = 5 * time.Millisecond
	cacheWaitTimeout  = 5 * time.Second
)

// observeFunc reads what a controller's sources hold of an object.
type observeFunc func(context.Context, client.Object) (tenant.Observed, bool, error)

// waitForOwnWrite polls until observe holds obj at the resourceVersion this
// pass wrote, or newer (as Cluster API's MachineSet controller does): the
// write's own event queues the object again at once, and a pass reading a
// stale copy would write again, or be refused with a conflict. After
// cacheWaitTimeout it gives up, which costs at most one redundant write.
func waitForOwnWrite(ctx context.Context, obj client.Object, observe observeFunc) {
	err := wait.PollUntilContextTimeout(ctx, cachePollInterval, cacheWaitTimeout, true, func(ctx context.Context) (bool, error) {
		have, found, err := observe(ctx, obj)
		if err != nil || !found {
			return false, err
		}
		return have.Reached(obj.GetResourceVersion())
	})
	if err != nil {
		ctrl.LoggerFrom(ctx).V(1).Info("Sources did not catch up with a write", "name", obj.GetName(), "error", err.Error())
	}
}

// observeVersion reads only the resourceVersion a cached reader holds of
// obj: a wait polls it every few milliseconds, so it copies neither obj nor
// the cached object (the digest, observeCached's, is not needed to wait).
func observeVersion(reader client.Reader) observeFunc {
	return func(ctx context.Context, obj client.Object) (tenant.Observed, bool, error) {
		cached := emptyLike(obj)
		if err := reader.Get(ctx, client.ObjectKeyFromObject(obj), cached, client.UnsafeDisableDeepCopy); err != nil {
			return tenant.Observed{}, false, client.IgnoreNotFound(err)
		}
		return tenant.Observed{ResourceVersion: tenant.ResourceVersion(cached)}, true, nil
	}
}

// emptyLike is an empty object of obj's type, for a cached Get to fill in;
// an unstructured one keeps its kind, by which the cache finds its informer.
func emptyLike(obj client.Object) client.Object {
	if u, ok := obj.(*unstructured.Unstructured); ok {
		empty := &unstructured.Unstructured{}
		empty.SetGroupVersionKind(u.GroupVersionKind())
		return empty
	}
	return reflect.New(reflect.TypeOf(obj).Elem()).Interface().(client.Object)
}

// observeCached reads an object's record from a cached reader.
func observeCached(reader client.Reader) observeFunc {
	return func(ctx context.Context, obj client.Object) (tenant.Observed, bool, error) {
		cached := obj.DeepCopyObject().(client.Object)
		if err := reader.Get(ctx, client.ObjectKeyFromObject(obj), cached); err != nil {
			return tenant.Observed{}, false, client.IgnoreNotFound(err)
		}
		return tenant.Observe(cached), true, nil
	}
}

// writeExpectations remembers, per object, the resourceVersion a pass
// wrote until the cache holds it, so that a later pass finding the cache
// behind puts itself back in the queue for a moment instead of holding a
// worker while it waits (kube-controller-manager's expectations). A
// controller that writes hundreds of objects in a burst, each queued again
// by the same change, keeps its workers for the writes.
type writeExpectations struct {
	mu      sync.Mutex
	written map[types.NamespacedName]expectedWrite
}

type expectedWrite struct {
	resourceVersion string
	at              time.Time
}

// expectationsSwept is the size at which expect forgets the writes older
// than cacheWaitTimeout (of objects no pass looked at again).
const expectationsSwept = 1024

// expect records that this pass wrote obj at its current resourceVersion.
func (w *writeExpectations) expect(obj client.Object, now time.Time) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.written == nil {
		w.written = map[types.NamespacedName]expectedWrite{}
	}
	if len(w.written) >= expectationsSwept {
		for key, e := range w.written {
			if now.Sub(e.at) > cacheWaitTimeout {
				delete(w.written, key)
			}
		}
	}
	w.written[client.ObjectKeyFromObject(obj)] = expectedWrite{resourceVersion: obj.GetResourceVersion(), at: now}
}

// behind reports whether cached, as a cache holds it now, is older than
// the last write expected of it; after cacheWaitTimeout it gives up, as
// waitForOwnWrite does, which costs at most one redundant write.
func (w *writeExpectations) behind(cached client.Object, now time.Time) bool {
	w.mu.Lock()
	defer w.mu.Unlock()
	key := client.ObjectKeyFromObject(cached)
	e, ok := w.written[key]
	if !ok {
		return false
	}
	reached, err := tenant.Observed{ResourceVersion: tenant.ResourceVersion(cached)}.Reached(e.resourceVersion)
	if err == nil && !reached && now.Sub(e.at) <= cacheWaitTimeout {
		return true
	}
	delete(w.written, key)
	return false
}

// forget drops what was expected of an object that is gone.
func (w *writeExpectations) forget(key types.NamespacedName) {
	w.mu.Lock()
	defer w.mu.Unlock()
	delete(w.written, key)
}
