package controllers

import (
	"context"

	"k8s.io/client-go/util/workqueue"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/controller/priorityqueue"
	"sigs.k8s.io/controller-runtime/pkg/event"
	"sigs.k8s.io/controller-runtime/pkg/handler"
	"sigs.k8s.io/controller-runtime/pkg/reconcile"
)

type requestQueue = workqueue.TypedRateLimitingInterface[reconcile.Request]

// enqueueAtLowPriority queues what mapFn names for an object's create,
// update (the new object), delete and generic events behind every request
// of normal priority: a fan-out to every task of the city (a new revision,
// a rollout moving) must not delay the few tasks an event is about (their
// item retired, a report upheld), which would otherwise wait behind 10,000.
func enqueueAtLowPriority(mapFn handler.MapFunc) handler.EventHandler {
	queue := func(ctx context.Context, o client.Object, q requestQueue) { addLowPriority(q, mapFn(ctx, o)...) }
	return handler.Funcs{
		CreateFunc:  func(ctx context.Context, e event.CreateEvent, q requestQueue) { queue(ctx, e.Object, q) },
		UpdateFunc:  func(ctx context.Context, e event.UpdateEvent, q requestQueue) { queue(ctx, e.ObjectNew, q) },
		DeleteFunc:  func(ctx context.Context, e event.DeleteEvent, q requestQueue) { queue(ctx, e.Object, q) },
		GenericFunc: func(ctx context.Context, e event.GenericEvent, q requestQueue) { queue(ctx, e.Object, q) },
	}
}

// addLowPriority adds reqs at controller-runtime's low priority where the
// queue has priorities (the default), plainly where it has not.
func addLowPriority(q requestQueue, reqs ...reconcile.Request) {
	if pq, ok := q.(priorityqueue.PriorityQueue[reconcile.Request]); ok {
		pq.AddWithOpts(priorityqueue.AddOpts{Priority: ptr.To(handler.LowPriority)}, reqs...)
		return
	}
	for _, req := range reqs {
		q.Add(req)
	}
}
