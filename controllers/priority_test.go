package controllers

import (
	"context"
	"fmt"
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/controller/priorityqueue"
	"sigs.k8s.io/controller-runtime/pkg/event"
	"sigs.k8s.io/controller-runtime/pkg/reconcile"

	governancev1alpha1 "github.com/cunshe/cunshe-operator/api/v1alpha1"
)

// A new revision queues every task of the city at low priority; the tasks
// whose item then retires are queued normally and are audited first,
// whether or not the fan-out had queued them already (S7).
func TestAffectedTasksAreAuditedBeforeTheFanOut(t *testing.T) {
	task := func(i int) reconcile.Request {
		return reconcile.Request{NamespacedName: types.NamespacedName{Namespace: "dept-tjj", Name: fmt.Sprintf("task-%03d", i)}}
	}
	var city []reconcile.Request
	for i := range 100 {
		city = append(city, task(i))
	}
	q := priorityqueue.New[reconcile.Request]("taskaudit-test")
	defer q.ShutDown()

	fanOut := enqueueAtLowPriority(func(context.Context, client.Object) []reconcile.Request { return city })
	fanOut.Create(t.Context(), event.CreateEvent{Object: &governancev1alpha1.ListRevision{ObjectMeta: metav1.ObjectMeta{Name: "lists-2"}}}, q)
	affected := []reconcile.Request{task(57), task(99), task(100)} // two already queued by the fan-out, one not
	for _, req := range affected {
		q.Add(req)
	}

	for i, want := range affected {
		got, _ := q.Get()
		if got != want {
			t.Fatalf("request %d out of the queue is %v, want the affected task %v", i, got, want)
		}
		q.Done(got)
	}
	if n := q.Len(); n != 98 {
		t.Errorf("%d requests left, want the 98 other tasks of the fan-out", n)
	}
}
