package controllers

import (
	"context"
	"time"

	"k8s.io/client-go/util/workqueue"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/event"
	"sigs.k8s.io/controller-runtime/pkg/handler"
	"sigs.k8s.io/controller-runtime/pkg/reconcile"

	governancev1alpha1 "github.com/cunshe/cunshe-operator/api/v1alpha1"
)

// taskEventHandler queues what of(task) names for a task's create and
// delete, and on an update, unless same(old, new) says the change shows
// nowhere it is read, for both the old and the new task (whom it reached
// and whom it reaches). With a gather time, each request waits that long
// in the queue, and the events of that time make one request.
func taskEventHandler(of func(context.Context, *governancev1alpha1.Task) []reconcile.Request,
	same func(old, cur *governancev1alpha1.Task) bool, gather time.Duration) handler.TypedEventHandler[client.Object, reconcile.Request] {
	add := func(ctx context.Context, q workqueue.TypedRateLimitingInterface[reconcile.Request], objs ...client.Object) {
		for _, o := range objs {
			addGathered(q, gather, of(ctx, o.(*governancev1alpha1.Task))...)
		}
	}
	return handler.Funcs{
		CreateFunc: func(ctx context.Context, e event.CreateEvent, q workqueue.TypedRateLimitingInterface[reconcile.Request]) {
			add(ctx, q, e.Object)
		},
		UpdateFunc: func(ctx context.Context, e event.UpdateEvent, q workqueue.TypedRateLimitingInterface[reconcile.Request]) {
			if same(e.ObjectOld.(*governancev1alpha1.Task), e.ObjectNew.(*governancev1alpha1.Task)) {
				return
			}
			add(ctx, q, e.ObjectOld, e.ObjectNew)
		},
		DeleteFunc: func(ctx context.Context, e event.DeleteEvent, q workqueue.TypedRateLimitingInterface[reconcile.Request]) {
			add(ctx, q, e.Object)
		},
	}
}
