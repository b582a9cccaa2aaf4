package controllers

import (
	"context"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/controller/priorityqueue"
	"sigs.k8s.io/controller-runtime/pkg/event"
	"sigs.k8s.io/controller-runtime/pkg/reconcile"

	governancev1alpha1 "github.com/cunshe/cunshe-operator/api/v1alpha1"
)

// While the audit turns a retired item's tasks one by one, a village's
// inbox is queued once for all of them, after the gather time: not once
// per task, and not ahead of the verdicts (S1, S7).
func TestAnInboxGathersItsTasksChanges(t *testing.T) {
	const gather = 300 * time.Millisecond
	r := &TaskInboxReconciler{Gather: gather}
	q := priorityqueue.New[reconcile.Request]("taskinbox-test")
	defer q.ShutDown()
	h := r.taskEvents()
	for _, name := range []string{"task-1", "task-2", "task-3"} {
		old := &governancev1alpha1.Task{ObjectMeta: metav1.ObjectMeta{Namespace: "dept-tjj", Name: name},
			Spec:   governancev1alpha1.TaskSpec{Targets: governancev1alpha1.TaskTargets{Villages: []string{"330302001001"}}},
			Status: governancev1alpha1.TaskStatus{Phase: governancev1alpha1.TaskAdmitted}}
		cur := old.DeepCopy()
		cur.Status.Phase = governancev1alpha1.TaskNonCompliant
		h.Update(t.Context(), event.UpdateEvent{ObjectOld: old, ObjectNew: cur}, q)
	}
	expectOneGathered(t, q, gather, "the village's inbox")
	if got, _ := q.Get(); got != inboxRequest("330302001001") {
		t.Errorf("queued %v, want the inbox of 330302001001", got)
	}
}

// An item's retirement does not queue its tasks' inboxes (the tasks' own
// standing changes do); a change of its scope or city, which decides whom
// its tasks reach, does.
func TestOnlyAnItemsReachQueuesItsTasksInboxes(t *testing.T) {
	base := &governancev1alpha1.ListItem{ObjectMeta: metav1.ObjectMeta{Name: "ls-tjj-001", Generation: 2},
		Spec: governancev1alpha1.ListItemSpec{Title: "统计调查入户协助", Jurisdiction: "3303"}}
	cases := map[string]updateCase[*governancev1alpha1.ListItem]{
		"its retirement": {func(it *governancev1alpha1.ListItem) {
			it.Spec.Retirement = &governancev1alpha1.Retirement{Reason: "改由调查员直接入户", Effective: "2026-12-07"}
			it.Generation++
		}, false},
		"its status (Retired)": {func(it *governancev1alpha1.ListItem) { it.Status.Phase = governancev1alpha1.PhaseRetired }, false},
		"its scope": {func(it *governancev1alpha1.ListItem) {
			it.Spec.Scope.Counties = []string{"330302"}
			it.Generation++
		}, true},
		"its city": {func(it *governancev1alpha1.ListItem) { it.Spec.Jurisdiction = "3301"; it.Generation++ }, true},
	}
	checkUpdatePredicate(t, itemReachChanged, base, cases, "queue the inboxes")
}

// The department's and counties' summaries (S19) likewise gather the
// audit's burst: three tasks turning queue one summary, after the gather.
func TestASummaryGathersItsTasksChanges(t *testing.T) {
	const gather = 300 * time.Millisecond
	q := priorityqueue.New[reconcile.Request]("summary-test")
	defer q.ShutDown()
	h := enqueueGathered(gather, func(_ context.Context, o client.Object) []reconcile.Request {
		return departmentRequest(o.GetLabels()[governancev1alpha1.LabelDepartment])
	})
	for _, name := range []string{"task-1", "task-2", "task-3"} {
		task := &governancev1alpha1.Task{ObjectMeta: metav1.ObjectMeta{Namespace: "dept-tjj", Name: name,
			Labels: map[string]string{governancev1alpha1.LabelDepartment: "tjj"}}}
		h.Update(t.Context(), event.UpdateEvent{ObjectOld: task, ObjectNew: task}, q)
	}
	expectOneGathered(t, q, gather, "the department's summary")
}

// expectOneGathered checks that nothing is ready at once and that one
// request (what) is, once the gather time has passed.
func expectOneGathered(t *testing.T, q priorityqueue.PriorityQueue[reconcile.Request], gather time.Duration, what string) {
	t.Helper()
	if n := q.Len(); n != 0 {
		t.Fatalf("%d requests ready at once, want none before the gather time", n)
	}
	time.Sleep(2 * gather)
	if n := q.Len(); n != 1 {
		t.Fatalf("%d requests after the gather time, want %s once", n, what)
	}
}
