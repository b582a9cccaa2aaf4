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
	"sigs.k8s.io/controller-runtime/pkg/predicate"
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

// An item's retirement writes the rollout's awaited items and its Ready
// condition; neither moves a village, so neither re-audits the city's
// tasks. A step, a revision, villages updated or an annotation does (S7).
func TestOnlyARolloutThatMovesVillagesReauditsTheCity(t *testing.T) {
	base := &governancev1alpha1.ListRollout{ObjectMeta: metav1.ObjectMeta{Name: "wenzhou", Generation: 3},
		Status: governancev1alpha1.ListRolloutStatus{CurrentRevision: 4, PreviousRevision: 3, CurrentStep: 2, UpdatedVillages: 3685, TotalVillages: 3685}}
	cases := map[string]updateCase[*governancev1alpha1.ListRollout]{
		"an awaited item": {func(ro *governancev1alpha1.ListRollout) {
			ro.Status.AwaitingItems = []governancev1alpha1.AwaitedItem{{Name: "ls-tjj-001"}}
		}, false},
		"the Ready condition": {func(ro *governancev1alpha1.ListRollout) {
			ro.Status.Conditions = []metav1.Condition{{Type: "Ready", Status: metav1.ConditionFalse, Reason: "AwaitingItems"}}
		}, false},
		"a new revision":        {func(ro *governancev1alpha1.ListRollout) { ro.Status.CurrentRevision = 5 }, true},
		"villages updated":      {func(ro *governancev1alpha1.ListRollout) { ro.Status.UpdatedVillages = 100 }, true},
		"the next step":         {func(ro *governancev1alpha1.ListRollout) { ro.Status.CurrentStep = 3 }, true},
		"the plan (generation)": {func(ro *governancev1alpha1.ListRollout) { ro.Generation = 4 }, true},
		"an annotation (a re-audit asked for)": {func(ro *governancev1alpha1.ListRollout) {
			ro.Annotations = map[string]string{"cunshe.io/reaudit": "1"}
		}, true},
	}
	checkUpdatePredicate(t, villagesMayHaveMoved, base, cases, "re-audit the city")
}

// updateCase is a change to an object and whether a predicate passes it.
type updateCase[T client.Object] struct {
	change func(T)
	want   bool
}

// checkUpdatePredicate runs each case's change on a copy of base and
// checks what pred says of the update (what: what passing it causes).
func checkUpdatePredicate[T interface {
	client.Object
	DeepCopy() T
}](t *testing.T, pred predicate.Funcs, base T, cases map[string]updateCase[T], what string) {
	t.Helper()
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			cur := base.DeepCopy()
			tc.change(cur)
			if got := pred.Update(event.UpdateEvent{ObjectOld: base, ObjectNew: cur}); got != tc.want {
				t.Errorf("%s = %v, want %v", what, got, tc.want)
			}
		})
	}
}
