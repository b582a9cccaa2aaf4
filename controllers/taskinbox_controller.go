package controllers

import (
	"cmp"
	"context"
	"fmt"
	"sync"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/equality"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/builder"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/controller"
	"sigs.k8s.io/controller-runtime/pkg/event"
	"sigs.k8s.io/controller-runtime/pkg/handler"
	"sigs.k8s.io/controller-runtime/pkg/predicate"
	"sigs.k8s.io/controller-runtime/pkg/reconcile"

	governancev1alpha1 "github.com/cunshe/cunshe-operator/api/v1alpha1"
	"github.com/cunshe/cunshe-operator/internal/rules"
	"github.com/cunshe/cunshe-operator/internal/status"
	"github.com/cunshe/cunshe-operator/internal/tenant"
	"github.com/cunshe/cunshe-operator/internal/webhooks"
)

// IndexInboxTarget indexes tasks by what their targets name (taskTargetKeys:
// "village/<code>", "county/<code>" or "all"), so a village's inbox reads
// only the tasks that may reach it.
const IndexInboxTarget = "inbox.spec.targets"

// tenantNotReadyRequeue is how soon an inbox is tried again whose tenant
// namespace is not there yet (the village controller is provisioning it).
const tenantNotReadyRequeue = 5 * time.Second

// DefaultInboxInterval is the least time between two writes of one inbox:
// a county's or the city's task reaches hundreds of inboxes, and while the
// audit goes through a department's tasks one by one, each would otherwise
// rewrite them all as each task's standing changes. Changes within the
// interval are written together, at its end.
const DefaultInboxInterval = 5 * time.Second

// TaskInboxReconciler keeps in each village's tenant the TaskInbox its
// cadres read (kubectl cunshe tasks): the tasks that reach the village
// (rules.TaskReaches) and their standing as the audit left it (S1, S8). A
// village no task has reached has no inbox; one is written only when what
// it shows changed (its contentHash).
type TaskInboxReconciler struct {
	client.Client
	MaxConcurrentReconciles int
	// Interval is the least time between two writes of one inbox
	// (DefaultInboxInterval when zero).
	Interval time.Duration
	// Gather is how long a task's change waits in the queue
	// (DefaultViewGather when zero, none when negative): a
	// county's task is in hundreds of inboxes.
	Gather time.Duration

	// written is when each inbox was last written, by its key.
	written sync.Map
}

// +kubebuilder:rbac:groups=governance.cunshe.io,resources=taskinboxes,verbs=get;list;watch;create
// +kubebuilder:rbac:groups=governance.cunshe.io,resources=taskinboxes/status,verbs=get;update;patch

func (r *TaskInboxReconciler) Reconcile(ctx context.Context, req ctrl.Request) (ctrl.Result, error) {
	v := &governancev1alpha1.Village{}
	if err := r.Get(ctx, client.ObjectKey{Name: rules.VillageOfNamespace(req.Namespace)}, v); err != nil || !v.DeletionTimestamp.IsZero() {
		return ctrl.Result{}, client.IgnoreNotFound(err) // its tenant, and the inbox, go with it
	}
	want, err := r.inboxOf(ctx, v)
	if err != nil {
		return ctrl.Result{}, err
	}
	inbox := &governancev1alpha1.TaskInbox{}
	err = r.Get(ctx, req.NamespacedName, inbox)
	switch {
	case apierrors.IsNotFound(err) && want.TasksTotal == 0:
		return ctrl.Result{}, nil
	case apierrors.IsNotFound(err):
		inbox = &governancev1alpha1.TaskInbox{ObjectMeta: metav1.ObjectMeta{Namespace: req.Namespace, Name: req.Name,
			Labels: tenant.Labels(v)}}
		if err := r.Create(ctx, inbox); err != nil {
			if apierrors.IsNotFound(err) || apierrors.HasStatusCause(err, corev1.NamespaceTerminatingCause) {
				return ctrl.Result{RequeueAfter: tenantNotReadyRequeue}, nil
			}
			return ctrl.Result{}, fmt.Errorf("creating the TaskInbox of %s: %w", v.Name, err)
		}
	case err != nil:
		return ctrl.Result{}, err
	case inbox.Status.ContentHash == want.ContentHash && inbox.Status.ObservedGeneration == inbox.Generation:
		return ctrl.Result{}, nil
	}
	if wait := r.untilWritable(req.NamespacedName); wait > 0 {
		return ctrl.Result{RequeueAfter: wait}, nil
	}
	patcher := status.NewPatcher(r.Client, inbox, status.WithWholeStatus())
	want.Conditions = inbox.Status.Conditions
	inbox.Status = want
	status.Summarise(inbox, governancev1alpha1.ReasonSummarised, "已汇总 / summarised")
	if err := patcher.Patch(ctx, inbox); err != nil {
		return ctrl.Result{}, err
	}
	r.written.Store(req.NamespacedName, time.Now())
	// The next pass compares with this write, not a cache a moment behind it.
	waitForOwnWrite(ctx, inbox, observeVersion(r.Client))
	return ctrl.Result{}, nil
}

// untilWritable is how long an inbox must wait before its next write.
func (r *TaskInboxReconciler) untilWritable(key client.ObjectKey) time.Duration {
	last, ok := r.written.Load(key)
	if !ok {
		return 0
	}
	return cmp.Or(r.Interval, DefaultInboxInterval) - time.Since(last.(time.Time))
}

// inboxOf is what v's inbox shows: the tasks whose targets may name it
// (IndexInboxTarget), as tenant.Inbox keeps those that reach it.
func (r *TaskInboxReconciler) inboxOf(ctx context.Context, v *governancev1alpha1.Village) (governancev1alpha1.TaskInboxStatus, error) {
	juris, err := readJurisdictions(ctx, r.Client)
	if err != nil {
		return governancev1alpha1.TaskInboxStatus{}, err
	}
	var tasks []*governancev1alpha1.Task
	for _, key := range targetKeys(rules.PlaceOf(v)) {
		// Read only (tenant.Inbox copies what it shows): the informer's own objects.
		list := &governancev1alpha1.TaskList{}
		if err := r.List(ctx, list, client.MatchingFields{IndexInboxTarget: key}, client.UnsafeDisableDeepCopy); err != nil {
			return governancev1alpha1.TaskInboxStatus{}, err
		}
		for i := range list.Items {
			tasks = append(tasks, &list.Items[i])
		}
	}
	read := map[string]*governancev1alpha1.ListItem{}
	var readErr error
	item := func(name string) *governancev1alpha1.ListItem {
		if it, ok := read[name]; ok || name == "" {
			return it
		}
		it := &governancev1alpha1.ListItem{}
		if err := r.Get(ctx, client.ObjectKey{Name: name}, it); err != nil {
			if !apierrors.IsNotFound(err) && readErr == nil {
				readErr = err
			}
			it = nil // an unknown item limits nothing (rules.TaskReaches)
		}
		read[name] = it
		return it
	}
	s := tenant.Inbox(v, tasks, item, juris)
	return s, readErr
}

// inboxRequest is the work item of village code's inbox.
func inboxRequest(code string) reconcile.Request {
	return reconcile.Request{NamespacedName: client.ObjectKey{Namespace: governancev1alpha1.TenantNamespaceName(code), Name: governancev1alpha1.TaskInboxName}}
}

// inboxesOfTask are the inboxes a task may be in: those of the villages
// its targets name (Reconcile keeps those it reaches).
func (r *TaskInboxReconciler) inboxesOfTask(ctx context.Context, t *governancev1alpha1.Task) []reconcile.Request {
	targets := t.Spec.Targets
	if !targets.All && len(targets.Counties) == 0 {
		reqs := make([]reconcile.Request, 0, len(targets.Villages))
		for _, code := range targets.Villages {
			reqs = append(reqs, inboxRequest(code))
		}
		return reqs
	}
	var lists []*governancev1alpha1.VillageList
	if targets.All {
		lists = append(lists, &governancev1alpha1.VillageList{})
	}
	for _, county := range targets.Counties {
		lists = append(lists, &governancev1alpha1.VillageList{})
		// The admission snapshot's index, which the manager always registers.
		if err := r.List(ctx, lists[len(lists)-1], client.MatchingFields{webhooks.IndexVillageCounty: county}, client.UnsafeDisableDeepCopy); err != nil {
			ctrl.LoggerFrom(ctx).Error(err, "Listing a county's villages to find a task's inboxes")
			return nil
		}
	}
	if targets.All {
		if err := r.List(ctx, lists[0], client.UnsafeDisableDeepCopy); err != nil {
			ctrl.LoggerFrom(ctx).Error(err, "Listing villages to find a task's inboxes")
			return nil
		}
	}
	var reqs []reconcile.Request
	for _, l := range lists {
		for i := range l.Items {
			reqs = append(reqs, inboxRequest(l.Items[i].Name))
		}
	}
	return reqs
}

// taskEvents queue the inboxes a task's event changes: on an update only
// when whom it may reach or how it reads in an inbox changed, so the audit
// re-writing a standing's revision number costs no inbox a pass.
func (r *TaskInboxReconciler) taskEvents() handler.TypedEventHandler[client.Object, reconcile.Request] {
	return taskEventHandler(r.inboxesOfTask, func(old, cur *governancev1alpha1.Task) bool {
		return equality.Semantic.DeepEqual(old.Spec.Targets, cur.Spec.Targets) && equality.Semantic.DeepEqual(tenant.StandingOf(old), tenant.StandingOf(cur)) &&
			old.IsEmergency() == cur.IsEmergency()
	}, max(0, cmp.Or(r.Gather, DefaultViewGather)))
}

// itemReachChanged passes an item's creation and deletion, and an update
// of what decides which villages its tasks reach (rules.ItemReaches: its
// city and scope). A retirement does not pass: it changes the tasks'
// standing, and their own events queue their inboxes.
var itemReachChanged = predicate.Funcs{UpdateFunc: func(e event.UpdateEvent) bool {
	old, cur := e.ObjectOld.(*governancev1alpha1.ListItem), e.ObjectNew.(*governancev1alpha1.ListItem)
	return old.Spec.Jurisdiction != cur.Spec.Jurisdiction || !equality.Semantic.DeepEqual(old.Spec.Scope, cur.Spec.Scope)
}}

// inboxesOfItem: an item's scope or city decides which villages its tasks
// reach, so a change of either queues the inboxes of its tasks.
func (r *TaskInboxReconciler) inboxesOfItem(ctx context.Context, o client.Object) []reconcile.Request {
	tasks := &governancev1alpha1.TaskList{}
	if err := r.List(ctx, tasks, client.MatchingFields{IndexTaskItem: o.GetName()}); err != nil {
		ctrl.LoggerFrom(ctx).Error(err, "Listing an item's tasks to find their inboxes")
		return nil
	}
	var reqs []reconcile.Request
	for i := range tasks.Items {
		reqs = append(reqs, r.inboxesOfTask(ctx, &tasks.Items[i])...)
	}
	return reqs
}

// allInboxes: a city's settings (its province, its counties) decide which
// villages items reach.
func (r *TaskInboxReconciler) allInboxes(ctx context.Context, _ client.Object) []reconcile.Request {
	return r.inboxesOfTask(ctx, &governancev1alpha1.Task{Spec: governancev1alpha1.TaskSpec{Targets: governancev1alpha1.TaskTargets{All: true}}})
}

// SetupWithManager registers the task target index and the watches: the inboxes themselves (one deleted or edited by hand is
// put back), tasks, items, a village's arrival, and the cities.
func (r *TaskInboxReconciler) SetupWithManager(ctx context.Context, mgr ctrl.Manager) error {
	if err := mgr.GetFieldIndexer().IndexField(ctx, &governancev1alpha1.Task{}, IndexInboxTarget, func(o client.Object) []string {
		return taskTargetKeys(o.(*governancev1alpha1.Task).Spec.Targets)
	}); err != nil {
		return err
	}
	arrivals := predicate.Funcs{UpdateFunc: func(event.UpdateEvent) bool { return false }, DeleteFunc: func(event.DeleteEvent) bool { return false }}
	return ctrl.NewControllerManagedBy(mgr).
		For(&governancev1alpha1.TaskInbox{}).
		Watches(&governancev1alpha1.Task{}, r.taskEvents()).
		Watches(&governancev1alpha1.ListItem{}, handler.EnqueueRequestsFromMapFunc(r.inboxesOfItem), builder.WithPredicates(itemReachChanged)).
		Watches(&governancev1alpha1.Village{}, handler.EnqueueRequestsFromMapFunc(func(_ context.Context, o client.Object) []reconcile.Request {
			return []reconcile.Request{inboxRequest(o.GetName())}
		}), builder.WithPredicates(arrivals)).
		Watches(&governancev1alpha1.Jurisdiction{}, handler.EnqueueRequestsFromMapFunc(r.allInboxes), builder.WithPredicates(predicate.GenerationChangedPredicate{})).
		WithOptions(controller.Options{MaxConcurrentReconciles: max(r.MaxConcurrentReconciles, 1)}).
		Named("taskinbox").
		Complete(r)
}
