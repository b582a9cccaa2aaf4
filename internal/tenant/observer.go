package tenant

import (
	"context"
	"fmt"
	"reflect"
	"sync"
	"sync/atomic"
	"time"

	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/apimachinery/pkg/watch"
	toolscache "k8s.io/client-go/tools/cache"
	"k8s.io/client-go/util/workqueue"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/reconcile"

	governancev1alpha1 "github.com/cunshe/cunshe-operator/api/v1alpha1"
)

// Observer watches the tenant children nothing but the village controller
// reads (namespaces, role bindings, quotas, limit ranges, network
// policies) and keeps of each only its Observed record: about 140 bytes
// with its map slot, where even a trimmed cached copy costs 1.5 KiB, so a
// province's tenants fit in a few MiB. It is also the village controller's
// source of their events: it queues a village when a child of its appears,
// changes what the operator declares, starts deleting or goes. Status-only
// updates (a quota's usage) queue nothing.
//
// The lists ConfigMaps are not observed here: the rollout and the admission
// index read their annotations, so the manager caches them (TrimListsForCache).
type Observer struct {
	kinds    []*observedKind
	client   client.WithWatch
	selector string
}

// NewObserver observes the operator's own children (selected by the
// managed-by label) through c.
func NewObserver(c client.WithWatch) *Observer {
	selector := metav1.FormatLabelSelector(&metav1.LabelSelector{MatchLabels: map[string]string{
		governancev1alpha1.LabelManagedBy: governancev1alpha1.ManagedByValue}})
	o := &Observer{client: c, selector: selector}
	for _, kind := range observedKinds {
		o.kinds = append(o.kinds, newObservedKind(kind.example, kind.list))
	}
	return o
}

var observedKinds = []struct {
	example client.Object
	list    client.ObjectList
}{
	{&corev1.Namespace{}, &corev1.NamespaceList{}},
	{&rbacv1.RoleBinding{}, &rbacv1.RoleBindingList{}},
	{&corev1.ResourceQuota{}, &corev1.ResourceQuotaList{}},
	{&corev1.LimitRange{}, &corev1.LimitRangeList{}},
	{&networkingv1.NetworkPolicy{}, &networkingv1.NetworkPolicyList{}},
}

// ObservedKinds are the kinds an Observer keeps records of.
func ObservedKinds() []client.Object {
	out := make([]client.Object, 0, len(observedKinds))
	for _, kind := range observedKinds {
		out = append(out, kind.example.DeepCopyObject().(client.Object))
	}
	return out
}

// Observes reports whether obj's kind is one the Observer keeps.
func (o *Observer) Observes(obj client.Object) bool { return o.kind(obj) != nil }

// Get returns the record of the child with obj's kind and key, if observed.
func (o *Observer) Get(obj client.Object) (Observed, bool) {
	k := o.kind(obj)
	if k == nil {
		return Observed{}, false
	}
	return k.get(types.NamespacedName{Namespace: obj.GetNamespace(), Name: obj.GetName()})
}

func (o *Observer) kind(obj client.Object) *observedKind {
	for _, k := range o.kinds {
		if reflect.TypeOf(k.example) == reflect.TypeOf(obj) {
			return k
		}
	}
	return nil
}

// Start starts one reflector per kind, feeding the records; the queue gets
// the villages whose children changed. It does not block.
func (o *Observer) Start(ctx context.Context, queue workqueue.TypedRateLimitingInterface[reconcile.Request]) error {
	for _, k := range o.kinds {
		k.queue = queue
		r := toolscache.NewReflectorWithOptions(k.listWatch(o.client, o.selector), k.example, k, toolscache.ReflectorOptions{
			Name: "tenant " + k.name(),
		})
		go r.RunWithContext(ctx)
	}
	return nil
}

// WaitForSync returns once every kind has been listed: the village
// controller's workers start only then, so no pass mistakes a child not yet
// listed for a missing one.
func (o *Observer) WaitForSync(ctx context.Context) error {
	err := wait.PollUntilContextCancel(ctx, 10*time.Millisecond, true, func(context.Context) (bool, error) {
		for _, k := range o.kinds {
			if !k.synced.Load() {
				return false, nil
			}
		}
		return true, nil
	})
	if err != nil {
		return fmt.Errorf("listing the tenant children: %w", err)
	}
	return nil
}

func (o *Observer) String() string { return "tenant children" }

// observedKind is one kind's records; it is the store its reflector fills
// (toolscache.ReflectorStore).
type observedKind struct {
	example client.Object
	list    client.ObjectList
	queue   workqueue.TypedRateLimitingInterface[reconcile.Request]
	synced  atomic.Bool

	mu      sync.RWMutex
	records map[types.NamespacedName]Observed
}

func newObservedKind(example client.Object, list client.ObjectList) *observedKind {
	return &observedKind{example: example, list: list, records: map[types.NamespacedName]Observed{}}
}

func (k *observedKind) name() string { return fmt.Sprintf("%T", k.example)[1:] }

func (k *observedKind) listWatch(c client.WithWatch, selector string) toolscache.ListerWatcher {
	return &toolscache.ListWatch{
		ListWithContextFunc: func(ctx context.Context, opts metav1.ListOptions) (runtime.Object, error) {
			opts.LabelSelector = selector
			list := k.list.DeepCopyObject().(client.ObjectList)
			return list, c.List(ctx, list, &client.ListOptions{Raw: &opts})
		},
		WatchFuncWithContext: func(ctx context.Context, opts metav1.ListOptions) (watch.Interface, error) {
			opts.LabelSelector = selector
			return c.Watch(ctx, k.list.DeepCopyObject().(client.ObjectList), &client.ListOptions{Raw: &opts})
		},
	}
}

func (k *observedKind) get(key types.NamespacedName) (Observed, bool) {
	k.mu.RLock()
	defer k.mu.RUnlock()
	rec, ok := k.records[key]
	return rec, ok
}

func keyOf(obj client.Object) types.NamespacedName {
	return types.NamespacedName{Namespace: intern(obj.GetNamespace()), Name: intern(obj.GetName())}
}

// Add records a child the watch reports.
func (k *observedKind) Add(obj any) error { return k.put(obj) }

// Update records a child the watch reports changed.
func (k *observedKind) Update(obj any) error { return k.put(obj) }

func (k *observedKind) put(obj any) error {
	o, ok := obj.(client.Object)
	if !ok {
		return fmt.Errorf("observing %s: got %T", k.name(), obj)
	}
	key, rec := keyOf(o), Observe(o)
	k.mu.Lock()
	old, had := k.records[key]
	k.records[key] = rec
	k.mu.Unlock()
	if had {
		k.changed(old, rec)
	} else {
		k.notify(rec.Village)
	}
	return nil
}

// Delete forgets a child the watch reports deleted.
func (k *observedKind) Delete(obj any) error {
	o, ok := obj.(client.Object)
	if !ok {
		return fmt.Errorf("observing %s: got %T", k.name(), obj)
	}
	key := keyOf(o)
	k.mu.Lock()
	old, had := k.records[key]
	delete(k.records, key)
	k.mu.Unlock()
	if !had {
		old.Village = villageOf(o)
	}
	k.notify(old.Village)
	return nil
}

// Replace takes a fresh list. The first one queues nothing: the villages'
// own informer queues every village at start. A later one (the watch was
// lost) queues the villages whose children changed in between.
func (k *observedKind) Replace(list []any, _ string) error {
	fresh := make(map[types.NamespacedName]Observed, len(list))
	for _, obj := range list {
		o, ok := obj.(client.Object)
		if !ok {
			return fmt.Errorf("observing %s: got %T", k.name(), obj)
		}
		fresh[keyOf(o)] = Observe(o)
	}
	k.mu.Lock()
	old := k.records
	k.records = fresh
	k.mu.Unlock()
	if !k.synced.Swap(true) {
		return nil
	}
	for key, rec := range fresh {
		if was, had := old[key]; !had {
			k.notify(rec.Village)
		} else {
			k.changed(was, rec)
		}
	}
	for key, was := range old {
		if _, kept := fresh[key]; !kept {
			k.notify(was.Village)
		}
	}
	return nil
}

// Resync has nothing to do: records are not reprocessed on a timer.
func (k *observedKind) Resync() error { return nil }

// changed queues the village(s) of a child whose declared parts changed.
func (k *observedKind) changed(was, now Observed) {
	if was.Digest == now.Digest && was.Deleting == now.Deleting && was.Village == now.Village {
		return
	}
	k.notify(was.Village)
	if now.Village != was.Village {
		k.notify(now.Village)
	}
}

func (k *observedKind) notify(village string) {
	if village != "" && k.queue != nil {
		k.queue.Add(reconcile.Request{NamespacedName: types.NamespacedName{Name: village}})
	}
}
