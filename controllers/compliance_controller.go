package controllers

import (
	"context"
	"fmt"
	"strings"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/handler"
	"sigs.k8s.io/controller-runtime/pkg/reconcile"

	governancev1alpha1 "github.com/cunshe/cunshe-operator/api/v1alpha1"
	"github.com/cunshe/cunshe-operator/internal/metrics"
	"github.com/cunshe/cunshe-operator/internal/rules"
	"github.com/cunshe/cunshe-operator/internal/status"
)

// ComplianceReconciler keeps one DepartmentCompliance per department (S7,
// S19): its tasks by standing and the villages' reports against it, with
// capped detail, and the same figures as metrics.
type ComplianceReconciler struct {
	client.Client
	// Now is the clock of the rectification deadline; tests set it.
	Now func() time.Time
}

func (r *ComplianceReconciler) now() time.Time {
	if r.Now == nil {
		return time.Now()
	}
	return r.Now()
}

// +kubebuilder:rbac:groups=governance.cunshe.io,resources=departmentcompliances,verbs=get;list;watch;create
// +kubebuilder:rbac:groups=governance.cunshe.io,resources=departmentcompliances/status,verbs=get;update;patch

func (r *ComplianceReconciler) Reconcile(ctx context.Context, req ctrl.Request) (ctrl.Result, error) {
	dept := req.Name
	// Read only (the summary copies what it names): the informer's own
	// objects, not a copy of a department's thousands of tasks per pass.
	tasks := &governancev1alpha1.TaskList{}
	if err := r.List(ctx, tasks, client.MatchingLabels{governancev1alpha1.LabelDepartment: dept}, client.UnsafeDisableDeepCopy); err != nil {
		return ctrl.Result{}, err
	}
	reports := &governancev1alpha1.ReportList{}
	if err := r.List(ctx, reports, client.MatchingFields{IndexReportDept: dept}, client.UnsafeDisableDeepCopy); err != nil {
		return ctrl.Result{}, err
	}
	summary := rules.SummariseDepartment(tasks.Items, reports.Items)
	exemptions := &governancev1alpha1.EmergencyExemptionList{}
	if err := r.List(ctx, exemptions, client.MatchingLabels{governancev1alpha1.LabelDepartment: dept}); err != nil {
		return ctrl.Result{}, err
	}
	rules.SummariseExemptions(&summary, exemptions.Items)
	juris, err := readJurisdictions(ctx, r.Client)
	if err != nil {
		return ctrl.Result{}, err
	}
	city := juris.Default()
	summary.Rectification = rules.Rectify(rectificationDeadline(juris, city), juris.Today(city, r.now()), rules.DepartmentRemaining(&summary))
	publishMetrics(dept, summary)
	metrics.SetRectification("department", dept, summary.Rectification)
	dc := &governancev1alpha1.DepartmentCompliance{}
	err = r.Get(ctx, client.ObjectKey{Name: dept}, dc)
	switch {
	case apierrors.IsNotFound(err):
		dc.Name = dept
		if err := r.Create(ctx, dc); apierrors.IsAlreadyExists(err) {
			// An earlier pass created it; the cache has not caught up yet.
			return ctrl.Result{RequeueAfter: ownWriteRequeue}, nil
		} else if err != nil {
			return ctrl.Result{}, err
		}
	case err != nil:
		return ctrl.Result{}, err
	}
	// The whole status: the summary has one writer, so it must not depend
	// on a cache a moment behind its last write, and zero counts are
	// written too (kubectl shows 0, not a blank).
	patcher := status.NewPatcher(r.Client, dc, status.WithWholeStatus())
	summary.Conditions = dc.Status.Conditions
	dc.Status = summary
	meta.SetStatusCondition(&dc.Status.Conditions, summaryCondition(dc.Generation, summary))
	if summary.Rectification != nil {
		meta.SetStatusCondition(&dc.Status.Conditions, rules.RectificationCondition(dc.Generation, rules.DepartmentRectifier(dept), summary.Rectification))
	} else {
		meta.RemoveStatusCondition(&dc.Status.Conditions, governancev1alpha1.RectifiedCondition)
	}
	status.Summarise(dc, governancev1alpha1.ReasonSummarised, "已汇总 / summarised")
	return untilNextCityDay(juris, city, r.now(), summary.Rectification), patcher.Patch(ctx, dc)
}

// summaryCondition is Compliant=False while the department has tasks off
// the lists, upheld reports, or emergency exemptions unratified or
// rejected (S6, S7, S19); its message names each.
func summaryCondition(gen int64, s governancev1alpha1.DepartmentComplianceStatus) metav1.Condition {
	c := metav1.Condition{Type: governancev1alpha1.CompliantCondition, Status: metav1.ConditionTrue, Reason: governancev1alpha1.ReasonSummarised, ObservedGeneration: gen,
		Message: fmt.Sprintf("任务 %d 项，均在清单之内 / %d tasks, all on the lists", s.Tasks, s.Tasks)}
	var against []string
	if s.NonCompliant+s.Violations > 0 {
		against = append(against, fmt.Sprintf("S7/S19 清单外任务 %d 项，被认定属实的反映 %d 件 / %d tasks off the lists, %d reports upheld",
			s.NonCompliant, s.Reports.Upheld, s.NonCompliant, s.Reports.Upheld))
	}
	if s.UnratifiedEmergencies+s.RejectedEmergencies > 0 {
		against = append(against, fmt.Sprintf("S6/S19 逾期未追认的紧急豁免 %d 项，被否决的 %d 项 / %d emergency exemptions unratified in time, %d rejected",
			s.UnratifiedEmergencies, s.RejectedEmergencies, s.UnratifiedEmergencies, s.RejectedEmergencies))
	}
	if len(against) > 0 {
		c.Status, c.Message = metav1.ConditionFalse, strings.Join(against, "; ")
	}
	return c
}

func publishMetrics(dept string, s governancev1alpha1.DepartmentComplianceStatus) {
	for phase, n := range map[governancev1alpha1.TaskPhase]int32{
		governancev1alpha1.TaskAdmitted: s.Admitted, governancev1alpha1.TaskNonCompliant: s.NonCompliant,
		governancev1alpha1.TaskViolation: s.Violations, governancev1alpha1.TaskExpired: s.Expired,
	} {
		metrics.DepartmentTasks.WithLabelValues(dept, string(phase)).Set(float64(n))
	}
	metrics.DepartmentReports.WithLabelValues(dept, "open").Set(float64(s.Reports.Open))
	metrics.DepartmentReports.WithLabelValues(dept, "upheld").Set(float64(s.Reports.Upheld))
	metrics.DepartmentReports.WithLabelValues(dept, "dismissed").Set(float64(s.Reports.Dismissed))
}

// SetupWithManager summarises a department whenever one of its tasks or
// reports changes; a task's change waits DefaultViewGather, so the audit
// going through a department's tasks costs one summary, not one per task.
func (r *ComplianceReconciler) SetupWithManager(mgr ctrl.Manager) error {
	return ctrl.NewControllerManagedBy(mgr).
		For(&governancev1alpha1.DepartmentCompliance{}).
		Watches(&governancev1alpha1.Task{}, enqueueGathered(DefaultViewGather, func(_ context.Context, o client.Object) []reconcile.Request {
			return departmentRequest(o.GetLabels()[governancev1alpha1.LabelDepartment])
		})).
		Watches(&governancev1alpha1.Report{}, handler.EnqueueRequestsFromMapFunc(func(_ context.Context, o client.Object) []reconcile.Request {
			return departmentRequest(o.(*governancev1alpha1.Report).Status.Department)
		})).
		Watches(&governancev1alpha1.EmergencyExemption{}, handler.EnqueueRequestsFromMapFunc(func(_ context.Context, o client.Object) []reconcile.Request {
			return departmentRequest(o.GetLabels()[governancev1alpha1.LabelDepartment])
		})).
		Watches(&governancev1alpha1.Jurisdiction{}, handler.EnqueueRequestsFromMapFunc(r.allDepartments)).
		Named("departmentcompliance").
		Complete(r)
}

// allDepartments requeues every summary when a city's deadline changes.
func (r *ComplianceReconciler) allDepartments(ctx context.Context, _ client.Object) []reconcile.Request {
	list := &governancev1alpha1.DepartmentComplianceList{}
	if err := r.List(ctx, list); err != nil {
		return nil
	}
	reqs := make([]reconcile.Request, 0, len(list.Items))
	for _, dc := range list.Items {
		reqs = append(reqs, reconcile.Request{NamespacedName: client.ObjectKey{Name: dc.Name}})
	}
	return reqs
}

// rectificationDeadline is the city's deadline (S18), "" when it sets none.
func rectificationDeadline(juris rules.Jurisdictions, city string) string {
	if j := juris.Get(city); j != nil {
		return j.Spec.RectificationDeadline
	}
	return ""
}

// untilNextCityDay requeues a summary with a deadline at the start of the
// city's next day: its days left change then, and it may become named.
func untilNextCityDay(juris rules.Jurisdictions, city string, now time.Time, r *governancev1alpha1.Rectification) ctrl.Result {
	if r == nil {
		return ctrl.Result{}
	}
	local := now.In(juris.Location(city))
	y, m, d := local.Date()
	return ctrl.Result{RequeueAfter: time.Date(y, m, d+1, 0, 0, 1, 0, local.Location()).Sub(local)}
}

func departmentRequest(dept string) []reconcile.Request {
	if dept == "" {
		return nil
	}
	return []reconcile.Request{{NamespacedName: client.ObjectKey{Name: dept}}}
}
