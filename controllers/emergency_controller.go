package controllers

import (
	"context"
	"fmt"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/tools/events"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/builder"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/controller/controllerutil"
	"sigs.k8s.io/controller-runtime/pkg/handler"
	"sigs.k8s.io/controller-runtime/pkg/predicate"
	"sigs.k8s.io/controller-runtime/pkg/reconcile"

	governancev1alpha1 "github.com/cunshe/cunshe-operator/api/v1alpha1"
	"github.com/cunshe/cunshe-operator/internal/listindex"
	"github.com/cunshe/cunshe-operator/internal/rules"
	"github.com/cunshe/cunshe-operator/internal/status"
)

// IndexEmergencyDecision indexes EmergencyDecisions by the exemption they decide.
const IndexEmergencyDecision = "spec.exemption"

// Events of the emergency records (S6, S19).
const (
	EventEmergencyRecorded   = "EmergencyRecorded"
	EventEmergencyUnratified = "EmergencyUnratified"
	EventEmergencyRejected   = "EmergencyRejected"
	EventEmergencyRatified   = "EmergencyRatified"
)

// EmergencyRecordReconciler writes the record of every emergency task's
// exemption (S6): an EmergencyExemption in the department's namespace that
// outlives the task. Admission gives an emergency task a finalizer, and
// this reconciler removes it only once the record exists, so a task deleted
// at once still leaves its record, and recreating it renews nothing.
type EmergencyRecordReconciler struct {
	client.Client
	Index    *listindex.Index
	Recorder events.EventRecorder
}

// +kubebuilder:rbac:groups=governance.cunshe.io,resources=tasks,verbs=get;list;watch;update;patch
// +kubebuilder:rbac:groups=governance.cunshe.io,resources=emergencyexemptions,verbs=get;list;watch;create

func (r *EmergencyRecordReconciler) Reconcile(ctx context.Context, req ctrl.Request) (ctrl.Result, error) {
	task := &governancev1alpha1.Task{}
	if err := r.Get(ctx, req.NamespacedName, task); err != nil {
		return ctrl.Result{}, client.IgnoreNotFound(err)
	}
	if task.IsEmergency() {
		if err := r.ensureRecord(ctx, task); err != nil {
			return ctrl.Result{}, err
		}
	}
	if !controllerutil.ContainsFinalizer(task, governancev1alpha1.FinalizerEmergencyRecord) || (task.DeletionTimestamp.IsZero() && task.IsEmergency()) {
		return ctrl.Result{}, nil
	}
	// Deleted, or no longer an emergency: its record exists, nothing to hold.
	patch := client.MergeFromWithOptions(task.DeepCopy(), client.MergeFromWithOptimisticLock{})
	controllerutil.RemoveFinalizer(task, governancev1alpha1.FinalizerEmergencyRecord)
	return ctrl.Result{}, client.IgnoreNotFound(r.Patch(ctx, task, patch))
}

// ensureRecord creates the task's record unless it exists; it is never
// changed afterwards (the schema keeps its spec).
func (r *EmergencyRecordReconciler) ensureRecord(ctx context.Context, task *governancev1alpha1.Task) error {
	juris := r.Index.Jurisdictions(ctx)
	named, _ := r.Index.Villages.TargetVillages(task.Spec.Targets)
	reached, _ := rules.Reached(task, nil, named, juris)
	villages := 0
	for _, g := range reached {
		villages += g.Count
	}
	dept := r.Index.Department(ctx, task.Namespace)
	rec := rules.ExemptionFor(task, dept, r.Index.Area(ctx, task.Namespace), juris, villages)
	if err := r.Get(ctx, client.ObjectKeyFromObject(rec), &governancev1alpha1.EmergencyExemption{}); !apierrors.IsNotFound(err) {
		return err
	}
	ctrl.LoggerFrom(ctx).Info("Recording emergency exemption", "EmergencyExemption", rec.Name, "department", dept)
	if err := r.Create(ctx, rec); err != nil && !apierrors.IsAlreadyExists(err) {
		return fmt.Errorf("recording emergency exemption %s: %w", rec.Name, err)
	}
	r.Recorder.Eventf(task, rec, corev1.EventTypeNormal, EventEmergencyRecorded, "Record",
		"%s 紧急豁免已记录为 %s，至 %s；结束后由联审单位追认 / the emergency exemption is recorded as %s until %s; the review units ratify it once it ends",
		rules.S6, rec.Name, rec.Spec.Expires.UTC().Format(time.RFC3339), rec.Name, rec.Spec.Expires.UTC().Format(time.RFC3339))
	return nil
}

// SetupWithManager watches the tasks that are emergencies or still hold
// the finalizer.
func (r *EmergencyRecordReconciler) SetupWithManager(mgr ctrl.Manager) error {
	emergencies := predicate.NewPredicateFuncs(func(o client.Object) bool {
		t, ok := o.(*governancev1alpha1.Task)
		return ok && (t.IsEmergency() || controllerutil.ContainsFinalizer(t, governancev1alpha1.FinalizerEmergencyRecord))
	})
	return ctrl.NewControllerManagedBy(mgr).
		For(&governancev1alpha1.Task{}, builder.WithPredicates(emergencies)).
		Named("emergencyrecord").
		Complete(r)
}

// EmergencyExemptionReconciler follows each exemption's clock and the
// review units' decisions (S6, S19): rules.StandingOf decides its phase;
// Events tell the department when it is ratified, rejected, or left
// unratified.
type EmergencyExemptionReconciler struct {
	client.Client
	Recorder events.EventRecorder
	Now      func() time.Time
}

// +kubebuilder:rbac:groups=governance.cunshe.io,resources=emergencyexemptions/status,verbs=get;update;patch
// +kubebuilder:rbac:groups=governance.cunshe.io,resources=emergencydecisions,verbs=get;list;watch

func (r *EmergencyExemptionReconciler) Reconcile(ctx context.Context, req ctrl.Request) (ctrl.Result, error) {
	rec := &governancev1alpha1.EmergencyExemption{}
	if err := r.Get(ctx, req.NamespacedName, rec); err != nil {
		return ctrl.Result{}, client.IgnoreNotFound(err)
	}
	decisions := &governancev1alpha1.EmergencyDecisionList{}
	if err := r.List(ctx, decisions, client.InNamespace(rec.Namespace), client.MatchingFields{IndexEmergencyDecision: rec.Name}); err != nil {
		return ctrl.Result{}, err
	}
	juris, err := readJurisdictions(ctx, r.Client)
	if err != nil {
		return ctrl.Result{}, err
	}
	now := r.Now()
	standing := rules.StandingOf(rec, decisions.Items, rules.RatificationWindow(rec, juris), now)
	// Optimistic: a pass that read a stale record is refused and retried,
	// so a change of phase is announced once.
	patcher, was := status.NewPatcher(r.Client, rec, status.WithOptimisticLock()), rec.Status.Phase
	rec.Status.Phase, rec.Status.Decisions = standing.Phase, standing.Decisions
	rec.Status.RatifyBy = &metav1.Time{Time: standing.RatifyBy}
	status.Summarise(rec, string(standing.Phase), standing.Message)
	if err := patcher.Patch(ctx, rec); err != nil {
		return ctrl.Result{}, err
	}
	if was != standing.Phase {
		r.announce(rec, standing)
	}
	if standing.Next.IsZero() {
		return ctrl.Result{}, nil
	}
	return ctrl.Result{RequeueAfter: standing.Next.Sub(now) + time.Second}, nil
}

// announce tells the department, on the record, what became of it.
func (r *EmergencyExemptionReconciler) announce(rec *governancev1alpha1.EmergencyExemption, s rules.ExemptionStanding) {
	reason, kind := "", corev1.EventTypeWarning
	switch s.Phase {
	case governancev1alpha1.ExemptionUnratified:
		reason = EventEmergencyUnratified
	case governancev1alpha1.ExemptionRejected:
		reason = EventEmergencyRejected
	case governancev1alpha1.ExemptionRatified:
		reason, kind = EventEmergencyRatified, corev1.EventTypeNormal
	default:
		return
	}
	r.Recorder.Eventf(rec, nil, kind, reason, "Ratify", "%s", s.Message)
}

// SetupWithManager indexes decisions by exemption and follows them and the
// cities' ratification windows.
func (r *EmergencyExemptionReconciler) SetupWithManager(ctx context.Context, mgr ctrl.Manager) error {
	if r.Now == nil {
		r.Now = time.Now
	}
	if err := mgr.GetFieldIndexer().IndexField(ctx, &governancev1alpha1.EmergencyDecision{}, IndexEmergencyDecision, func(o client.Object) []string {
		return []string{o.(*governancev1alpha1.EmergencyDecision).Spec.Exemption}
	}); err != nil {
		return err
	}
	return ctrl.NewControllerManagedBy(mgr).
		For(&governancev1alpha1.EmergencyExemption{}).
		Watches(&governancev1alpha1.EmergencyDecision{}, handler.EnqueueRequestsFromMapFunc(func(_ context.Context, o client.Object) []reconcile.Request {
			return []reconcile.Request{{NamespacedName: client.ObjectKey{Namespace: o.GetNamespace(), Name: o.(*governancev1alpha1.EmergencyDecision).Spec.Exemption}}}
		})).
		Watches(&governancev1alpha1.Jurisdiction{}, handler.EnqueueRequestsFromMapFunc(r.allExemptions)).
		Named("emergencyexemption").
		Complete(r)
}

// allExemptions requeues every record when a city's ratification window changes.
func (r *EmergencyExemptionReconciler) allExemptions(ctx context.Context, _ client.Object) []reconcile.Request {
	list := &governancev1alpha1.EmergencyExemptionList{}
	if err := r.List(ctx, list); err != nil {
		ctrl.LoggerFrom(ctx).Error(err, "Listing emergency exemptions")
		return nil
	}
	reqs := make([]reconcile.Request, len(list.Items))
	for i := range list.Items {
		reqs[i] = reconcile.Request{NamespacedName: client.ObjectKeyFromObject(&list.Items[i])}
	}
	return reqs
}
