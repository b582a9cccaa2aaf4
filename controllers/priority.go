package controllers

import (
	"context"
	"time"

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

// enqueueGathered queues what mapFn names for an object's events after
// gather: a view (a summary of a department's or a county's thousands of
// tasks) is computed once for the events of that time, not once per event,
// and yields the CPU to the verdicts that make those events.
func enqueueGathered(gather time.Duration, mapFn handler.MapFunc) handler.EventHandler {
	queue := func(ctx context.Context, o client.Object, q requestQueue) { addGathered(q, gather, mapFn(ctx, o)...) }
	return handler.Funcs{
		CreateFunc:  func(ctx context.Context, e event.CreateEvent, q requestQueue) { queue(ctx, e.Object, q) },
		UpdateFunc:  func(ctx context.Context, e event.UpdateEvent, q requestQueue) { queue(ctx, e.ObjectNew, q) },
		DeleteFunc:  func(ctx context.Context, e event.DeleteEvent, q requestQueue) { queue(ctx, e.Object, q) },
		GenericFunc: func(ctx context.Context, e event.GenericEvent, q requestQueue) { queue(ctx, e.Object, q) },
	}
}

// addGathered adds reqs to wait gather in the queue (the events of that
// time make one request each), or at once when gather is not positive.
func addGathered(q requestQueue, gather time.Duration, reqs ...reconcile.Request) {
	for _, req := range reqs {
		if gather > 0 {
			q.AddAfter(req, gather)
		} else {
			q.Add(req)
		}
	}
}

// DefaultViewGather is how long a task's change waits before the views it
// shows in (the villages' inboxes, the departments' and counties'
// summaries) are computed again: views yield to verdicts. While the audit
// turns a retired item's tasks one by one, each view is computed once for
// all of them, not once per task, and the CPU goes to the verdicts first.
const DefaultViewGather = 2 * time.Second

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
