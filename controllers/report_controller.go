package controllers

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"unicode/utf8"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/tools/events"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/handler"
	"sigs.k8s.io/controller-runtime/pkg/reconcile"

	governancev1alpha1 "github.com/cunshe/cunshe-operator/api/v1alpha1"
	"github.com/cunshe/cunshe-operator/internal/listindex"
	"github.com/cunshe/cunshe-operator/internal/rules"
	"github.com/cunshe/cunshe-operator/internal/status"
)

// ReportReconciler follows each village report's decisions (S8): its phase
// is the latest decision's outcome, every decision stays listed, and an
// upheld report sends a notice to the department (S19). The task's
// Violation condition is the audit's to write.
type ReportReconciler struct {
	client.Client
	Index    *listindex.Index
	Recorder events.EventRecorder
}

// +kubebuilder:rbac:groups=governance.cunshe.io,resources=villagereports/status,verbs=get;update;patch
// +kubebuilder:rbac:groups=governance.cunshe.io,resources=reportdecisions,verbs=get;list;watch
// +kubebuilder:rbac:groups=governance.cunshe.io,resources=publicnotices,verbs=get;list;watch;create

func (r *ReportReconciler) Reconcile(ctx context.Context, req ctrl.Request) (ctrl.Result, error) {
	report := &governancev1alpha1.Report{}
	if err := r.Get(ctx, req.NamespacedName, report); err != nil {
		return ctrl.Result{}, client.IgnoreNotFound(err)
	}
	decisions := &governancev1alpha1.ReportDecisionList{}
	if err := r.List(ctx, decisions, client.InNamespace(report.Namespace), client.MatchingFields{IndexDecisionReport: report.Name}); err != nil {
		return ctrl.Result{}, err
	}
	outcome := rules.DecideReport(decisions.Items)
	// Optimistic: a pass that read a stale report is refused and retried,
	// so a decision is announced once.
	patcher, was := status.NewPatcher(r.Client, report, status.WithOptimisticLock()), report.Status.Phase
	s := &report.Status
	s.Phase, s.Findings, s.Decisions = outcome.Phase, outcome.Findings, outcome.Decisions
	s.Department = r.department(ctx, report)
	message := "等待联审单位处理 / awaiting the review units"
	if outcome.Findings != "" {
		message = outcome.Findings
	}
	status.Summarise(report, string(outcome.Phase), message)
	if err := patcher.Patch(ctx, report); err != nil {
		return ctrl.Result{}, err
	}
	if was != s.Phase && len(s.Decisions) > 0 {
		r.announce(ctx, report)
	}
	return ctrl.Result{}, r.publishNotice(ctx, report)
}

// department is who the report is against: the task's namespace label, or
// the department named in the demand.
func (r *ReportReconciler) department(ctx context.Context, report *governancev1alpha1.Report) string {
	if ref := report.Spec.TaskRef; ref != nil {
		return r.Index.Department(ctx, ref.Namespace)
	}
	return report.Spec.Demand.Department
}

// announce records the decision on the report and, when upheld, sends the
// notice (通报, S8/S19) to the department: on the task, in the department's
// namespace; for a demand outside any task, on the department's compliance
// summary (a cluster-scoped object, so the API server files that Event in
// the default namespace).
func (r *ReportReconciler) announce(ctx context.Context, report *governancev1alpha1.Report) {
	last := report.Status.Decisions[len(report.Status.Decisions)-1]
	r.Recorder.Eventf(report, nil, corev1.EventTypeNormal, EventReportDecided, "Decide", "%s 联审单位 %s 处理意见：%s / review unit %s decided: %s",
		rules.S8, last.Unit, last.Outcome, last.Unit, last.Outcome)
	if report.Status.Phase != governancev1alpha1.ReportUpheld {
		return
	}
	var regarding client.Object = &governancev1alpha1.DepartmentCompliance{ObjectMeta: metav1.ObjectMeta{Name: report.Status.Department}}
	if ref := report.Spec.TaskRef; ref != nil {
		task := &governancev1alpha1.Task{}
		if err := r.Get(ctx, client.ObjectKey{Namespace: ref.Namespace, Name: ref.Name}, task); err == nil {
			regarding = task
		}
	} else if err := r.Get(ctx, client.ObjectKey{Name: report.Status.Department}, regarding); err != nil {
		return // the summary appears with the department's first counted object
	}
	r.Recorder.Eventf(regarding, report, corev1.EventTypeWarning, EventReportUpheld, "Notice",
		"%s 通报：村（社区）反映 %s/%s（%s）经 %s 认定属实，请立即纠正：%s / notice: the village's report %s/%s (%s) was upheld by %s; correct it: %s",
		rules.S19, report.Namespace, report.Name, report.Spec.Reason, last.Unit, report.Status.Findings,
		report.Namespace, report.Name, report.Spec.Reason, last.Unit, report.Status.Findings)
}

// NoticeName is the name of the notice issued for an upheld report:
// report-<namespace>-<name>, or, beyond 253 characters, its first 240 and
// a hash of the whole.
func NoticeName(namespace, name string) string {
	full := "report-" + namespace + "-" + name
	if len(full) <= 253 {
		return full
	}
	sum := sha256.Sum256([]byte(full))
	return full[:240] + "-" + hex.EncodeToString(sum[:])[:12]
}

// publishNotice issues the durable notice (通报, S8/S19) of an upheld
// report, once: its name is the report's, and a notice that exists (even
// withdrawn) is never issued again. The Event says it to whoever looks now;
// the notice stays on the portal until a review unit withdraws it.
func (r *ReportReconciler) publishNotice(ctx context.Context, report *governancev1alpha1.Report) error {
	if report.Status.Phase != governancev1alpha1.ReportUpheld || len(report.Status.Decisions) == 0 {
		return nil
	}
	name := NoticeName(report.Namespace, report.Name)
	if err := r.Get(ctx, client.ObjectKey{Name: name}, &governancev1alpha1.PublicNotice{}); !apierrors.IsNotFound(err) {
		return err
	}
	code := rules.VillageOfNamespace(report.Namespace)
	village, city := r.village(ctx, code)
	last := report.Status.Decisions[len(report.Status.Decisions)-1]
	dept := report.Status.Department
	about := string(report.Spec.Reason)
	if ref := report.Spec.TaskRef; ref != nil {
		about = ref.Namespace + "/" + ref.Name
	}
	notice := &governancev1alpha1.PublicNotice{
		ObjectMeta: metav1.ObjectMeta{Name: name},
		Spec: governancev1alpha1.PublicNoticeSpec{
			Kind: governancev1alpha1.NoticeReportUpheld, Rule: rules.S8, Department: dept, Villages: []string{code},
			Jurisdiction: city,
			Title:        fmt.Sprintf("关于 %s 向%s摊派清单外事项的通报", dept, village),
			Text: truncateRunes(fmt.Sprintf("%s 通报：村（社区）反映 %s/%s（%s，%s）经联审单位 %s 认定属实，请 %s 立即纠正：%s / "+
				"notice: the village's report %s/%s (%s, %s) was upheld by review unit %s; %s must correct it: %s",
				rules.S19, report.Namespace, report.Name, report.Spec.Reason, about, last.Unit, dept, report.Status.Findings,
				report.Namespace, report.Name, report.Spec.Reason, about, last.Unit, dept, report.Status.Findings), rules.MaxNoticeText),
			Source: &governancev1alpha1.NoticeSource{Kind: "Report", Namespace: report.Namespace, Name: report.Name},
		},
	}
	ctrl.LoggerFrom(ctx).Info("Issuing public notice", "PublicNotice", name, "department", dept)
	if err := r.Create(ctx, notice); err != nil && !apierrors.IsAlreadyExists(err) {
		return fmt.Errorf("issuing notice %s: %w", name, err)
	}
	return nil
}

// village names the village for the notice's title (its name and code, or
// its code alone when it is gone) and gives its city's jurisdiction ("" when
// the cluster declares none or the village is not known).
func (r *ReportReconciler) village(ctx context.Context, code string) (name, city string) {
	v := r.Index.Snapshot(ctx).Village(code)
	if v == nil {
		return "村（社区）" + code, ""
	}
	return v.Spec.Name + "（" + code + "）", r.Index.Jurisdictions(ctx).CityOf(v.Spec.County.Code)
}

// truncateRunes keeps at most n characters of s.
func truncateRunes(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	return string([]rune(s)[:n-1]) + "…"
}

// SetupWithManager watches reports and their decisions.
func (r *ReportReconciler) SetupWithManager(mgr ctrl.Manager) error {
	return ctrl.NewControllerManagedBy(mgr).
		For(&governancev1alpha1.Report{}).
		Watches(&governancev1alpha1.ReportDecision{}, handler.EnqueueRequestsFromMapFunc(func(_ context.Context, o client.Object) []reconcile.Request {
			return []reconcile.Request{{NamespacedName: client.ObjectKey{Namespace: o.GetNamespace(), Name: o.(*governancev1alpha1.ReportDecision).Spec.Report}}}
		})).
		Named("report").
		Complete(r)
}
