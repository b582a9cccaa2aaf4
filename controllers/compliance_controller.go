package controllers

import (
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"

	"k8s.io/apimachinery/pkg/api/equality"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/handler"
	"sigs.k8s.io/controller-runtime/pkg/reconcile"

	governancev1alpha1 "github.com/cunshe/cunshe-operator/api/v1alpha1"
	"github.com/cunshe/cunshe-operator/internal/metrics"
)

// maxComplianceFindings caps a summary's detail: a department with thousands
// of findings still has one small object.
const maxComplianceFindings = 50

// ComplianceReconciler keeps one DepartmentCompliance per department (S7,
// S19): its tasks by standing and the villages' reports against it, with
// capped detail, and the same figures as metrics.
type ComplianceReconciler struct {
	client.Client
}

// +kubebuilder:rbac:groups=governance.cunshe.io,resources=departmentcompliances,verbs=get;list;watch;create
// +kubebuilder:rbac:groups=governance.cunshe.io,resources=departmentcompliances/status,verbs=get;update;patch

func (r *ComplianceReconciler) Reconcile(ctx context.Context, req ctrl.Request) (ctrl.Result, error) {
	dept := req.Name
	tasks := &governancev1alpha1.TaskList{}
	if err := r.List(ctx, tasks, client.MatchingLabels{governancev1alpha1.LabelDepartment: dept}); err != nil {
		return ctrl.Result{}, err
	}
	reports := &governancev1alpha1.ReportList{}
	if err := r.List(ctx, reports, client.MatchingFields{IndexReportDept: dept}); err != nil {
		return ctrl.Result{}, err
	}
	status := summarise(tasks.Items, reports.Items)
	publishMetrics(dept, status)
	dc := &governancev1alpha1.DepartmentCompliance{}
	err := r.Get(ctx, client.ObjectKey{Name: dept}, dc)
	switch {
	case apierrors.IsNotFound(err):
		dc.Name = dept
		if err := r.Create(ctx, dc); err != nil {
			return ctrl.Result{}, err
		}
	case err != nil:
		return ctrl.Result{}, err
	}
	status.Conditions = slices.Clone(dc.Status.Conditions)
	meta.SetStatusCondition(&status.Conditions, summaryCondition(dc.Generation, status))
	if equality.Semantic.DeepEqual(dc.Status, status) {
		return ctrl.Result{}, nil
	}
	// The whole status as a merge patch: the summary has one writer, so a
	// cache a moment behind our own last write must not cost a conflict, and
	// zero counts are written too (kubectl shows 0, not a blank).
	body, err := json.Marshal(map[string]any{"status": status})
	if err != nil {
		return ctrl.Result{}, err
	}
	return ctrl.Result{}, r.Status().Patch(ctx, dc, client.RawPatch(types.MergePatchType, body))
}

// summarise counts a department's tasks and reports; the detail lists
// non-compliant tasks, violations and emergencies, capped.
func summarise(tasks []governancev1alpha1.Task, reports []governancev1alpha1.Report) governancev1alpha1.DepartmentComplianceStatus {
	var s governancev1alpha1.DepartmentComplianceStatus
	var findings []governancev1alpha1.ComplianceFinding
	for _, t := range tasks {
		s.Tasks++
		obj := t.Namespace + "/" + t.Name
		switch t.Status.Phase {
		case governancev1alpha1.TaskNonCompliant:
			s.NonCompliant++
			findings = append(findings, governancev1alpha1.ComplianceFinding{Object: obj, Kind: string(t.Status.Phase), Message: strings.Join(t.Status.Findings, "; ")})
		case governancev1alpha1.TaskViolation:
			s.Violations++
			findings = append(findings, governancev1alpha1.ComplianceFinding{Object: obj, Kind: string(t.Status.Phase), Message: "S8 upheld: " + strings.Join(t.Status.UpheldReports, ", ")})
		case governancev1alpha1.TaskExpired:
			s.Expired++
		case governancev1alpha1.TaskAdmitted:
			s.Admitted++
			if t.IsEmergency() {
				s.Emergencies++
				findings = append(findings, governancev1alpha1.ComplianceFinding{Object: obj, Kind: "Emergency",
					Message: fmt.Sprintf("S6 %s until %s", t.Spec.Emergency.Category, t.Spec.Emergency.Expires.UTC().Format("2006-01-02T15:04:05Z"))})
			}
		}
	}
	for _, rep := range reports {
		switch {
		case rep.Status.Phase == governancev1alpha1.ReportUpheld:
			s.Reports.Upheld++
			if rep.Spec.Demand != nil {
				s.Violations++
				findings = append(findings, governancev1alpha1.ComplianceFinding{Object: rep.Namespace + "/" + rep.Name, Kind: "Violation",
					Message: "S8 upheld: unlisted demand: " + rep.Spec.Demand.Description})
			}
		case rep.Status.Phase == governancev1alpha1.ReportDismissed:
			s.Reports.Dismissed++
		default:
			s.Reports.Open++
		}
	}
	slices.SortFunc(findings, func(a, b governancev1alpha1.ComplianceFinding) int {
		return cmp.Or(cmp.Compare(a.Kind, b.Kind), cmp.Compare(a.Object, b.Object))
	})
	if len(findings) > maxComplianceFindings {
		findings, s.Truncated = findings[:maxComplianceFindings], true
	}
	s.Findings = findings
	return s
}

func summaryCondition(gen int64, s governancev1alpha1.DepartmentComplianceStatus) metav1.Condition {
	c := metav1.Condition{Type: governancev1alpha1.CompliantCondition, Status: metav1.ConditionTrue, Reason: governancev1alpha1.ReasonSummarised, ObservedGeneration: gen,
		Message: fmt.Sprintf("任务 %d 项，均在清单之内 / %d tasks, all on the lists", s.Tasks, s.Tasks)}
	if s.NonCompliant+s.Violations > 0 {
		c.Status = metav1.ConditionFalse
		c.Message = fmt.Sprintf("S7/S19 清单外任务 %d 项，被认定属实的反映 %d 件 / %d tasks off the lists, %d reports upheld",
			s.NonCompliant, s.Reports.Upheld, s.NonCompliant, s.Reports.Upheld)
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
// reports changes.
func (r *ComplianceReconciler) SetupWithManager(mgr ctrl.Manager) error {
	return ctrl.NewControllerManagedBy(mgr).
		For(&governancev1alpha1.DepartmentCompliance{}).
		Watches(&governancev1alpha1.Task{}, handler.EnqueueRequestsFromMapFunc(func(_ context.Context, o client.Object) []reconcile.Request {
			return departmentRequest(o.GetLabels()[governancev1alpha1.LabelDepartment])
		})).
		Watches(&governancev1alpha1.Report{}, handler.EnqueueRequestsFromMapFunc(func(_ context.Context, o client.Object) []reconcile.Request {
			return departmentRequest(o.(*governancev1alpha1.Report).Status.Department)
		})).
		Named("departmentcompliance").
		Complete(r)
}

func departmentRequest(dept string) []reconcile.Request {
	if dept == "" {
		return nil
	}
	return []reconcile.Request{{NamespacedName: client.ObjectKey{Name: dept}}}
}
