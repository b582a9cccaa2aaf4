package controllers

import (
	"context"
	"fmt"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/equality"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/selection"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/builder"
	"sigs.k8s.io/controller-runtime/pkg/cache"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/controller"
	"sigs.k8s.io/controller-runtime/pkg/event"
	"sigs.k8s.io/controller-runtime/pkg/handler"
	"sigs.k8s.io/controller-runtime/pkg/predicate"
	"sigs.k8s.io/controller-runtime/pkg/reconcile"
	"sigs.k8s.io/controller-runtime/pkg/source"

	governancev1alpha1 "github.com/cunshe/cunshe-operator/api/v1alpha1"
	"github.com/cunshe/cunshe-operator/internal/openreports"
	"github.com/cunshe/cunshe-operator/internal/rules"
)

// IndexTaskTarget indexes tasks by what their targets name: "village/<code>",
// "county/<code>" or "all", so a village's report finds the tasks that may
// reach it without reading every task.
const IndexTaskTarget = "spec.targets"

// OpenReportsReconciler keeps one report in each village tenant, about the
// tasks that reach the village, and one in each department namespace, about
// the department's tasks: their standing as the audit left it
// (internal/openreports). The report is an OpenReports Report (openreports.io,
// which Policy Reporter reads), or a wg-policy PolicyReport where the
// cluster serves only that (openreports.Choose): Kind says which. A request
// is the report's key. It is set up only where the cluster serves one of
// them, and writes only a report whose content changed.
type OpenReportsReconciler struct {
	client.Client
	// Kind is the kind of report written.
	Kind openreports.Kind
	// Reports reads the reports: the manager's cache, which serves a
	// PolicyReport (unstructured) too, where the client would read it live.
	Reports                 client.Reader
	MaxConcurrentReconciles int

	// departments caches the department namespaces (their label), as the
	// list index does: few objects, not the whole cluster's namespaces.
	departments cache.Cache
}

// +kubebuilder:rbac:groups=openreports.io,resources=reports,verbs=get;list;watch;create;update;patch;delete
// +kubebuilder:rbac:groups=wgpolicyk8s.io,resources=policyreports,verbs=get;list;watch;create;update;patch;delete

func (r *OpenReportsReconciler) Reconcile(ctx context.Context, req ctrl.Request) (ctrl.Result, error) {
	content, err := r.report(ctx, req.Namespace)
	if err != nil {
		return ctrl.Result{}, err
	}
	if content == nil {
		return ctrl.Result{}, r.remove(ctx, req.Namespace)
	}
	want, err := r.Kind.Build(*content)
	if err != nil {
		return ctrl.Result{}, err
	}
	return ctrl.Result{}, r.write(ctx, want)
}

// report is what a namespace's report says: a provisioned village's tenant
// of the tasks that reach the village, a department's namespace of its
// tasks; nil for any other namespace.
func (r *OpenReportsReconciler) report(ctx context.Context, ns string) (*openreports.Content, error) {
	if code := rules.VillageOfNamespace(ns); code != "" {
		v := &governancev1alpha1.Village{}
		if err := r.Get(ctx, client.ObjectKey{Name: code}, v); err != nil || v.Status.TenantNamespace != ns {
			return nil, client.IgnoreNotFound(err)
		}
		tasks, err := r.tasksReaching(ctx, v)
		if err != nil {
			return nil, err
		}
		content := openreports.VillageContent(v, tasks)
		return &content, nil
	}
	dept := &corev1.Namespace{}
	if err := r.departments.Get(ctx, client.ObjectKey{Name: ns}, dept); err != nil || !dept.DeletionTimestamp.IsZero() {
		return nil, client.IgnoreNotFound(err)
	}
	list := &governancev1alpha1.TaskList{}
	if err := r.List(ctx, list, client.InNamespace(ns)); err != nil {
		return nil, err
	}
	content := openreports.DepartmentContent(ns, list.Items)
	return &content, nil
}

// tasksReaching are the tasks whose targets name the village and which
// reach it (rules.TaskReaches).
func (r *OpenReportsReconciler) tasksReaching(ctx context.Context, v *governancev1alpha1.Village) ([]governancev1alpha1.Task, error) {
	juris, err := readJurisdictions(ctx, r.Client)
	if err != nil {
		return nil, err
	}
	place, items := rules.PlaceOf(v), itemReader{Reader: r.Client, read: map[string]*governancev1alpha1.ListItem{}}
	var out []governancev1alpha1.Task
	for _, key := range targetKeys(place) {
		list := &governancev1alpha1.TaskList{}
		if err := r.List(ctx, list, client.MatchingFields{IndexTaskTarget: key}); err != nil {
			return nil, err
		}
		for _, t := range list.Items {
			item, err := items.get(ctx, t.Spec.ItemRef)
			if err != nil {
				return nil, err
			}
			if rules.TaskReaches(&t, item, place, juris) {
				out = append(out, t)
			}
		}
	}
	return out, nil
}

// write creates or updates the report when its content changed, then
// waits for the cache to hold the write, so the next pass compares with it.
// The API server validates strictly: a field the kind's schema lacks is
// refused, not silently dropped (which would make every pass a write).
func (r *OpenReportsReconciler) write(ctx context.Context, want client.Object) error {
	have := r.Kind.New()
	err := r.Reports.Get(ctx, client.ObjectKeyFromObject(want), have)
	switch {
	case apierrors.IsNotFound(err):
		if err := r.Create(ctx, want, client.FieldValidation(metav1.FieldValidationStrict)); err != nil {
			// A namespace deleted or being deleted has no report to keep.
			if apierrors.IsNotFound(err) || apierrors.HasStatusCause(err, corev1.NamespaceTerminatingCause) {
				return nil
			}
			return fmt.Errorf("creating %s %s/%s: %w", r.Kind, want.GetNamespace(), want.GetName(), err)
		}
		have = want
	case err != nil:
		return err
	case r.Kind.Same(have, want):
		return nil
	default:
		r.Kind.Set(have, want)
		if err := r.Update(ctx, have, client.FieldValidation(metav1.FieldValidationStrict)); err != nil {
			return fmt.Errorf("updating %s %s/%s: %w", r.Kind, have.GetNamespace(), have.GetName(), err)
		}
	}
	waitForOwnWrite(ctx, have, observeVersion(r.Reports))
	return nil
}

// remove deletes the operator's report of a namespace that is no longer a
// village's tenant or a department's.
func (r *OpenReportsReconciler) remove(ctx context.Context, ns string) error {
	have := r.Kind.New()
	if err := r.Reports.Get(ctx, client.ObjectKey{Namespace: ns, Name: openreports.Name}, have); err != nil {
		return client.IgnoreNotFound(err)
	}
	return client.IgnoreNotFound(r.Delete(ctx, have))
}

// itemReader reads each item once per pass; nil for a task citing none
// or one that does not exist.
type itemReader struct {
	client.Reader
	read map[string]*governancev1alpha1.ListItem
}

func (x itemReader) get(ctx context.Context, name string) (*governancev1alpha1.ListItem, error) {
	if name == "" {
		return nil, nil
	}
	if item, ok := x.read[name]; ok {
		return item, nil
	}
	item := &governancev1alpha1.ListItem{}
	if err := x.Get(ctx, client.ObjectKey{Name: name}, item); err != nil {
		if !apierrors.IsNotFound(err) {
			return nil, err
		}
		item = nil
	}
	x.read[name] = item
	return item, nil
}

// targetKeys are the IndexTaskTarget (and IndexInboxTarget) values of the
// tasks that may reach a place.
func targetKeys(p rules.Place) []string {
	return []string{"village/" + p.Code, "county/" + p.County, "all"}
}

// taskTargetKeys are a task's IndexTaskTarget (and IndexInboxTarget) values.
func taskTargetKeys(t governancev1alpha1.TaskTargets) []string {
	switch { // the most specific decides, as rules.TargetsName reads them
	case len(t.Villages) > 0:
		keys := make([]string, len(t.Villages))
		for i, v := range t.Villages {
			keys[i] = "village/" + v
		}
		return keys
	case len(t.Counties) > 0:
		keys := make([]string, len(t.Counties))
		for i, c := range t.Counties {
			keys[i] = "county/" + c
		}
		return keys
	case t.All:
		return []string{"all"}
	}
	return nil
}

// reportRequest is the work item of a namespace's report.
func reportRequest(ns string) reconcile.Request {
	return reconcile.Request{NamespacedName: client.ObjectKey{Namespace: ns, Name: openreports.Name}}
}

// reportsOfTask are the reports that speak of a task: its department's and
// those of the villages it reaches.
func (r *OpenReportsReconciler) reportsOfTask(ctx context.Context, t *governancev1alpha1.Task) []reconcile.Request {
	reqs := []reconcile.Request{reportRequest(t.Namespace)}
	juris, err := readJurisdictions(ctx, r.Client)
	if err != nil {
		ctrl.LoggerFrom(ctx).Error(err, "Reading jurisdictions to find a task's villages")
		return reqs
	}
	item, err := itemReader{Reader: r.Client, read: map[string]*governancev1alpha1.ListItem{}}.get(ctx, t.Spec.ItemRef)
	if err != nil {
		ctrl.LoggerFrom(ctx).Error(err, "Reading a task's item to find its villages")
		return reqs
	}
	for _, v := range r.namedVillages(ctx, t.Spec.Targets) {
		if v.Status.TenantNamespace != "" && rules.TaskReaches(t, item, rules.PlaceOf(&v), juris) {
			reqs = append(reqs, reportRequest(v.Status.TenantNamespace))
		}
	}
	return reqs
}

// namedVillages are the villages a task's targets name: those it lists,
// or every village (the targets' counties, or all, are checked after).
func (r *OpenReportsReconciler) namedVillages(ctx context.Context, t governancev1alpha1.TaskTargets) []governancev1alpha1.Village {
	if len(t.Villages) > 0 {
		out := make([]governancev1alpha1.Village, 0, len(t.Villages))
		for _, code := range t.Villages {
			v := governancev1alpha1.Village{}
			if err := r.Get(ctx, client.ObjectKey{Name: code}, &v); err == nil {
				out = append(out, v)
			}
		}
		return out
	}
	list := &governancev1alpha1.VillageList{}
	if err := r.List(ctx, list, client.UnsafeDisableDeepCopy); err != nil {
		ctrl.LoggerFrom(ctx).Error(err, "Listing villages to find a task's reports")
		return nil
	}
	return list.Items
}

// taskEvents queue the reports a task's event changes: on an update, only
// when what a report says of it (or whom it reaches) changed, so the audit
// re-writing a standing's revision number costs no report a pass.
func (r *OpenReportsReconciler) taskEvents() handler.TypedEventHandler[client.Object, reconcile.Request] {
	return taskEventHandler(r.reportsOfTask, reportedTheSame, 0)
}

// reportedTheSame: the task reaches the same villages and reads the same in a report.
func reportedTheSame(old, cur *governancev1alpha1.Task) bool {
	return equality.Semantic.DeepEqual(old.Spec.Targets, cur.Spec.Targets) && old.Spec.ItemRef == cur.Spec.ItemRef &&
		old.IsEmergency() == cur.IsEmergency() &&
		equality.Semantic.DeepEqual(openreports.TaskResults(old), openreports.TaskResults(cur))
}

// reportsOfItem: an item's scope or city decides which villages its tasks
// reach, so a change of its spec queues the reports of its tasks.
func (r *OpenReportsReconciler) reportsOfItem(ctx context.Context, o client.Object) []reconcile.Request {
	tasks := &governancev1alpha1.TaskList{}
	if err := r.List(ctx, tasks, client.MatchingFields{IndexTaskItem: o.GetName()}); err != nil {
		ctrl.LoggerFrom(ctx).Error(err, "Listing an item's tasks to find their reports")
		return nil
	}
	var reqs []reconcile.Request
	for i := range tasks.Items {
		reqs = append(reqs, r.reportsOfTask(ctx, &tasks.Items[i])...)
	}
	return reqs
}

// villageReport is a provisioned village's report.
func villageReport(_ context.Context, o client.Object) []reconcile.Request {
	if ns := o.(*governancev1alpha1.Village).Status.TenantNamespace; ns != "" {
		return []reconcile.Request{reportRequest(ns)}
	}
	return nil
}

// villageMoved: a village's report changes when its tenant is provisioned
// or when it stands elsewhere for the tasks (its county or type).
var villageMoved = predicate.Funcs{
	UpdateFunc: func(e event.UpdateEvent) bool {
		old, cur := e.ObjectOld.(*governancev1alpha1.Village), e.ObjectNew.(*governancev1alpha1.Village)
		return old.Status.TenantNamespace != cur.Status.TenantNamespace || rules.PlaceOf(old) != rules.PlaceOf(cur)
	},
	DeleteFunc: func(event.DeleteEvent) bool { return false }, // the tenant, and its report, go with it
}

// SetupWithManager registers the task target index, the department
// namespaces' cache and the watches: the reports themselves (a report
// edited or deleted by hand is put back), tasks, items, villages and
// department namespaces.
func (r *OpenReportsReconciler) SetupWithManager(ctx context.Context, mgr ctrl.Manager) error {
	if err := mgr.GetFieldIndexer().IndexField(ctx, &governancev1alpha1.Task{}, IndexTaskTarget, func(o client.Object) []string {
		return taskTargetKeys(o.(*governancev1alpha1.Task).Spec.Targets)
	}); err != nil {
		return err
	}
	if err := r.cacheDepartments(mgr); err != nil {
		return err
	}
	return ctrl.NewControllerManagedBy(mgr).
		For(r.Kind.New(), builder.WithPredicates(predicate.NewPredicateFuncs(func(o client.Object) bool {
			return o.GetName() == openreports.Name
		}))).
		Watches(&governancev1alpha1.Task{}, r.taskEvents()).
		Watches(&governancev1alpha1.ListItem{}, handler.EnqueueRequestsFromMapFunc(r.reportsOfItem), builder.WithPredicates(predicate.GenerationChangedPredicate{})).
		Watches(&governancev1alpha1.Village{}, handler.EnqueueRequestsFromMapFunc(villageReport), builder.WithPredicates(villageMoved)).
		WatchesRawSource(source.Kind(r.departments, client.Object(&corev1.Namespace{}), handler.EnqueueRequestsFromMapFunc(func(_ context.Context, o client.Object) []reconcile.Request {
			return []reconcile.Request{reportRequest(o.GetName())}
		}))).
		WithOptions(controller.Options{MaxConcurrentReconciles: max(r.MaxConcurrentReconciles, 1)}).
		Named("openreports").
		Complete(r)
}

// cacheDepartments starts a cache of the namespaces labelled with a department.
func (r *OpenReportsReconciler) cacheDepartments(mgr ctrl.Manager) error {
	isDept, err := labels.NewRequirement(governancev1alpha1.LabelDepartment, selection.Exists, nil)
	if err != nil {
		return err
	}
	r.departments, err = cache.New(mgr.GetConfig(), cache.Options{
		Scheme: mgr.GetScheme(), Mapper: mgr.GetRESTMapper(), HTTPClient: mgr.GetHTTPClient(),
		ByObject: map[client.Object]cache.ByObject{&corev1.Namespace{}: {Label: labels.NewSelector().Add(*isDept)}},
	})
	if err != nil {
		return err
	}
	return mgr.Add(r.departments)
}
