package controllers

import (
	"context"
	"maps"
	"slices"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/equality"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/tools/events"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/builder"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/controller"
	"sigs.k8s.io/controller-runtime/pkg/event"
	"sigs.k8s.io/controller-runtime/pkg/handler"
	"sigs.k8s.io/controller-runtime/pkg/predicate"
	"sigs.k8s.io/controller-runtime/pkg/reconcile"

	governancev1alpha1 "github.com/cunshe/cunshe-operator/api/v1alpha1"
	"github.com/cunshe/cunshe-operator/internal/listindex"
	"github.com/cunshe/cunshe-operator/internal/metrics"
	"github.com/cunshe/cunshe-operator/internal/rules"
	"github.com/cunshe/cunshe-operator/internal/status"
)

// Field indexes of the audit.
const (
	IndexTaskItem       = "spec.itemRef"
	IndexReportTask     = "spec.taskRef"
	IndexReportDept     = "status.department"
	IndexDecisionReport = "spec.report"
)

// Events of the audit and the reports.
const (
	EventNotOnLists        = "NotOnLists"
	EventBackOnLists       = "BackOnLists"
	EventEmergencyAdmitted = "EmergencyAdmitted"
	EventEmergencyExpired  = "EmergencyExpired"
	EventReportUpheld      = "ReportUpheld"
	EventReportDecided     = "ReportDecided"
	// EventAdmittedUnderWarn: the task breaks the lists but stands, its
	// counties or department being in Warn (a pilot).
	EventAdmittedUnderWarn = "AdmittedUnderWarn"
)

// maxTaskFindings caps the findings a task's status lists.
const maxTaskFindings = 10

// TaskAuditReconciler keeps every task's standing current (S7): it
// re-evaluates a task with the admission rules whenever its item, the
// published lists or its reports change, marks violations upheld on report
// (S8), and lets emergency exemptions expire (S6).
type TaskAuditReconciler struct {
	client.Client
	Index    *listindex.Index
	Recorder events.EventRecorder
	Now      func() time.Time
	// MaxConcurrentReconciles bounds parallel audits: a new revision
	// re-audits every task of the city, and each that changes is one write.
	MaxConcurrentReconciles int
	// written: the task statuses this controller wrote that its cache may
	// not hold yet.
	written writeExpectations
}

// ownWriteRequeue is how soon a pass that found the cache behind its own
// write looks again: about one watch event's delay on a busy API server.
const ownWriteRequeue = 20 * time.Millisecond

// +kubebuilder:rbac:groups=governance.cunshe.io,resources=tasks,verbs=get;list;watch
// +kubebuilder:rbac:groups=governance.cunshe.io,resources=tasks/status,verbs=get;update;patch
// +kubebuilder:rbac:groups=governance.cunshe.io,resources=villagereports,verbs=get;list;watch
// +kubebuilder:rbac:groups="",resources=namespaces,verbs=get;list;watch

func (r *TaskAuditReconciler) Reconcile(ctx context.Context, req ctrl.Request) (ctrl.Result, error) {
	task := &governancev1alpha1.Task{}
	if err := r.Get(ctx, req.NamespacedName, task); err != nil {
		r.written.forget(req.NamespacedName)
		return ctrl.Result{}, client.IgnoreNotFound(err)
	}
	if r.written.behind(task, time.Now()) {
		// The item's own status (Retired) follows its retirement at once and
		// queues the task again while the cache still holds it from before
		// this controller's last write: look once that write is in.
		return ctrl.Result{RequeueAfter: ownWriteRequeue}, nil
	}
	upheld, err := r.upheldReports(ctx, task)
	if err != nil {
		return ctrl.Result{}, err
	}
	dept := r.Index.Department(ctx, task.Namespace)
	snap := r.Index.Snapshot(ctx)
	now := r.Now()
	verdict := rules.EvaluateTask(task, rules.TaskContext{Department: dept, Created: task.CreationTimestamp.Time, Now: now}, snap)
	// Optimistic: a pass that read a stale task is refused and retried, so
	// a change of standing is announced (and counted) once.
	patcher, was, wasAction := status.NewPatcher(r.Client, task, status.WithOptimisticLock()), task.Status.Phase, task.Status.AdmissionAction
	juris := snap.Jurisdictions()
	before := task.Status.DeepCopy()
	r.setStatus(task, dept, verdict, upheld, r.Index.NewestRevision(ctx, juris, rules.TaskCity(task, juris)), now)
	keepAuditedRevision(before, &task.Status)
	read := task.ResourceVersion
	if err := patcher.Patch(ctx, task); err != nil {
		return ctrl.Result{}, err
	}
	if task.ResourceVersion != read {
		r.written.expect(task, time.Now())
	}
	r.announce(task, was, wasAction, verdict, dept)
	if e := task.Spec.Emergency; e != nil && e.Expires != nil && e.Expires.After(now) {
		return ctrl.Result{RequeueAfter: e.Expires.Sub(now)}, nil
	}
	if verdict.Action == governancev1alpha1.AdmissionWarn {
		// A Warn override ends with its last day: look again when the city's next day begins.
		return ctrl.Result{RequeueAfter: untilTomorrow(now, juris.Location(rules.TaskCity(task, juris)))}, nil
	}
	return ctrl.Result{}, nil
}

// keepAuditedRevision leaves auditedRevision as it was when a new revision
// changes nothing else of the task's standing: every revision re-audits
// every task of the city, and only a task whose standing changed is
// written (10,000 tasks would otherwise each be written per revision).
func keepAuditedRevision(before, after *governancev1alpha1.TaskStatus) {
	if before.AuditedRevision == 0 || before.AuditedRevision == after.AuditedRevision {
		return
	}
	revised := after.AuditedRevision
	after.AuditedRevision = before.AuditedRevision
	if !equality.Semantic.DeepEqual(before, after) {
		after.AuditedRevision = revised
	}
}

// untilTomorrow is how long from now until the next midnight in loc.
func untilTomorrow(now time.Time, loc *time.Location) time.Duration {
	y, m, d := now.In(loc).Date()
	return time.Date(y, m, d+1, 0, 0, 0, 0, loc).Sub(now)
}

func (r *TaskAuditReconciler) upheldReports(ctx context.Context, task *governancev1alpha1.Task) ([]string, error) {
	reports := &governancev1alpha1.ReportList{}
	if err := r.List(ctx, reports, client.MatchingFields{IndexReportTask: task.Namespace + "/" + task.Name}); err != nil {
		return nil, err
	}
	var upheld []string
	for _, rep := range reports.Items {
		if rep.Status.Phase == governancev1alpha1.ReportUpheld {
			upheld = append(upheld, rep.Namespace+"/"+rep.Name)
		}
	}
	slices.Sort(upheld)
	return upheld, nil
}

// setStatus writes the task's standing (rules.TaskPhase) and findings.
func (r *TaskAuditReconciler) setStatus(task *governancev1alpha1.Task, dept string, v rules.TaskVerdict, upheld []string, revision int64, now time.Time) {
	s := &task.Status
	s.Department, s.TargetVillages = dept, int32(v.TargetVillages)
	s.AuditedRevision = revision
	s.Findings, s.FindingRules = nil, nil
	for _, e := range v.Findings() {
		if len(s.Findings) == maxTaskFindings {
			break
		}
		s.Findings = append(s.Findings, rules.Sentence(e))
		s.FindingRules = append(s.FindingRules, rules.RuleOf(e))
	}
	s.AdmissionAction = v.Action
	s.UpheldReports = upheld
	s.Phase = rules.TaskPhase(task, v, len(upheld), now)
	r.setConditions(task, v, upheld, rules.EmergencyExpired(task, now))
}

func (r *TaskAuditReconciler) setConditions(task *governancev1alpha1.Task, v rules.TaskVerdict, upheld []string, expired bool) {
	gen := task.Generation
	compliant := metav1.Condition{Type: governancev1alpha1.CompliantCondition, Status: metav1.ConditionTrue, Reason: governancev1alpha1.ReasonListed,
		Message: "任务在已公布清单之内 / the task is on the published lists", ObservedGeneration: gen}
	switch {
	case expired:
		compliant.Status, compliant.Reason = metav1.ConditionFalse, governancev1alpha1.ReasonEmergencyExpired
		compliant.Message = rules.S6 + " 紧急豁免已到期，任务失效 / the emergency exemption has expired; the task no longer stands"
	case !v.Allowed():
		compliant.Status, compliant.Reason, compliant.Message = metav1.ConditionFalse, governancev1alpha1.ReasonOffLists, strings.Join(task.Status.Findings, "; ")
	case v.Action == governancev1alpha1.AdmissionWarn:
		compliant.Status, compliant.Reason, compliant.Message = metav1.ConditionFalse, governancev1alpha1.ReasonAdmittedUnderWarn, strings.Join(v.Warnings, "; ")
	case task.IsEmergency():
		compliant.Reason, compliant.Message = governancev1alpha1.ReasonEmergency, v.Warnings[0]
	}
	meta.SetStatusCondition(&task.Status.Conditions, compliant)
	violation := metav1.Condition{Type: governancev1alpha1.ViolationCondition, Status: metav1.ConditionFalse, Reason: governancev1alpha1.ReasonNoUpheldReport,
		Message: "没有被认定属实的反映 / no report upheld against the task", ObservedGeneration: gen}
	if len(upheld) > 0 {
		violation.Status, violation.Reason = metav1.ConditionTrue, governancev1alpha1.ReasonReportUpheld
		violation.Message = rules.S8 + " 联审单位认定村（社区）反映属实：" + strings.Join(upheld, ", ") + " / review units upheld villages' reports: " + strings.Join(upheld, ", ")
	}
	meta.SetStatusCondition(&task.Status.Conditions, violation)
	message := compliant.Message
	if len(upheld) > 0 {
		message = violation.Message
	}
	status.Summarise(task, string(task.Status.Phase), message)
}

// announce emits an Event (and counts the finding) when a task's standing
// changes: its phase, or whether it stands under Warn.
func (r *TaskAuditReconciler) announce(task *governancev1alpha1.Task, was governancev1alpha1.TaskPhase, wasAction governancev1alpha1.AdmissionAction, v rules.TaskVerdict, dept string) {
	now := task.Status.Phase
	if now == was && task.Status.AdmissionAction == wasAction {
		return
	}
	switch now {
	case governancev1alpha1.TaskNonCompliant:
		for _, e := range v.Errs {
			metrics.AuditFindings.WithLabelValues(dept, rules.RuleOf(e)).Inc()
		}
		r.Recorder.Eventf(task, nil, corev1.EventTypeWarning, EventNotOnLists, "Audit", "%s", strings.Join(task.Status.Findings, "; "))
	case governancev1alpha1.TaskExpired:
		r.Recorder.Eventf(task, nil, corev1.EventTypeNormal, EventEmergencyExpired, "Audit", "%s 紧急豁免已到期 / the emergency exemption expired", rules.S6)
	case governancev1alpha1.TaskAdmitted:
		if v.Action == governancev1alpha1.AdmissionWarn {
			r.Recorder.Eventf(task, nil, corev1.EventTypeWarning, EventAdmittedUnderWarn, "Audit", "%s", strings.Join(v.Warnings, "; "))
			return
		}
		if was == "" && task.IsEmergency() {
			r.Recorder.Eventf(task, nil, corev1.EventTypeWarning, EventEmergencyAdmitted, "Audit", "%s", v.Warnings[0])
		}
		if was != "" {
			r.Recorder.Eventf(task, nil, corev1.EventTypeNormal, EventBackOnLists, "Audit", "任务重新符合清单 / the task is on the lists again")
		}
	}
}

// SetupWithManager registers the audit's indexes and watches: the task
// itself, its item, every new revision and rollout progress (what villages
// hold), its reports, and the cities' settings (a pilot's Warn ending).
func (r *TaskAuditReconciler) SetupWithManager(ctx context.Context, mgr ctrl.Manager) error {
	if r.Now == nil {
		r.Now = time.Now
	}
	if err := setupTaskIndexes(ctx, mgr); err != nil {
		return err
	}
	return ctrl.NewControllerManagedBy(mgr).
		For(&governancev1alpha1.Task{}, builder.WithPredicates(predicate.Or(predicate.GenerationChangedPredicate{}, predicate.LabelChangedPredicate{}))).
		Watches(&governancev1alpha1.ListItem{}, handler.EnqueueRequestsFromMapFunc(r.tasksOfItem)).
		Watches(&governancev1alpha1.ListRevision{}, enqueueAtLowPriority(r.allTasks), builder.WithPredicates(predicate.GenerationChangedPredicate{})).
		Watches(&governancev1alpha1.ListRollout{}, enqueueAtLowPriority(r.allTasks), builder.WithPredicates(villagesMayHaveMoved)).
		Watches(&governancev1alpha1.Report{}, handler.EnqueueRequestsFromMapFunc(taskOfReport)).
		Watches(&governancev1alpha1.Jurisdiction{}, enqueueAtLowPriority(r.allTasks), builder.WithPredicates(predicate.GenerationChangedPredicate{})).
		Named("taskaudit").
		WithOptions(controller.Options{MaxConcurrentReconciles: max(1, r.MaxConcurrentReconciles)}).
		Complete(r)
}

// villagesMayHaveMoved passes a rollout's events that may change which
// revision villages hold (its plan, revisions, step or progress), and a
// change of its annotations (an operator asking for a re-audit), not those
// of its conditions or awaited items: the item controller writes those as
// an item retires, and each would re-audit every task of the city while the
// retired item's own tasks are being audited.
var villagesMayHaveMoved = predicate.Funcs{UpdateFunc: func(e event.UpdateEvent) bool {
	old, cur := e.ObjectOld.(*governancev1alpha1.ListRollout), e.ObjectNew.(*governancev1alpha1.ListRollout)
	return old.Generation != cur.Generation || !maps.Equal(old.Annotations, cur.Annotations) ||
		!equality.Semantic.DeepEqual(villageHoldings(old), villageHoldings(cur))
}}

// villageHoldings is the part of a rollout's status that says which
// revision its villages hold.
func villageHoldings(ro *governancev1alpha1.ListRollout) governancev1alpha1.ListRolloutStatus {
	s := ro.Status
	return governancev1alpha1.ListRolloutStatus{CurrentRevision: s.CurrentRevision, PreviousRevision: s.PreviousRevision, CurrentStep: s.CurrentStep,
		UpdatedVillages: s.UpdatedVillages, TotalVillages: s.TotalVillages, Counties: s.Counties}
}

func setupTaskIndexes(ctx context.Context, mgr ctrl.Manager) error {
	idx := mgr.GetFieldIndexer()
	if err := idx.IndexField(ctx, &governancev1alpha1.Task{}, IndexTaskItem, func(o client.Object) []string {
		return []string{o.(*governancev1alpha1.Task).Spec.ItemRef}
	}); err != nil {
		return err
	}
	if err := idx.IndexField(ctx, &governancev1alpha1.Report{}, IndexReportTask, func(o client.Object) []string {
		if ref := o.(*governancev1alpha1.Report).Spec.TaskRef; ref != nil {
			return []string{ref.Namespace + "/" + ref.Name}
		}
		return nil
	}); err != nil {
		return err
	}
	if err := idx.IndexField(ctx, &governancev1alpha1.Report{}, IndexReportDept, func(o client.Object) []string {
		return []string{o.(*governancev1alpha1.Report).Status.Department}
	}); err != nil {
		return err
	}
	return idx.IndexField(ctx, &governancev1alpha1.ReportDecision{}, IndexDecisionReport, func(o client.Object) []string {
		return []string{o.(*governancev1alpha1.ReportDecision).Spec.Report}
	})
}

func (r *TaskAuditReconciler) tasksOfItem(ctx context.Context, o client.Object) []reconcile.Request {
	return r.requests(ctx, client.MatchingFields{IndexTaskItem: o.GetName()})
}

func (r *TaskAuditReconciler) allTasks(ctx context.Context, _ client.Object) []reconcile.Request {
	return r.requests(ctx)
}

func (r *TaskAuditReconciler) requests(ctx context.Context, opts ...client.ListOption) []reconcile.Request {
	tasks := &governancev1alpha1.TaskList{}
	if err := r.List(ctx, tasks, append(opts, client.UnsafeDisableDeepCopy)...); err != nil {
		ctrl.LoggerFrom(ctx).Error(err, "Listing tasks to audit")
		return nil
	}
	reqs := make([]reconcile.Request, len(tasks.Items))
	for i, t := range tasks.Items {
		reqs[i] = reconcile.Request{NamespacedName: client.ObjectKeyFromObject(&t)}
	}
	return reqs
}

func taskOfReport(_ context.Context, o client.Object) []reconcile.Request {
	if ref := o.(*governancev1alpha1.Report).Spec.TaskRef; ref != nil {
		return []reconcile.Request{{NamespacedName: client.ObjectKey{Namespace: ref.Namespace, Name: ref.Name}}}
	}
	return nil
}
