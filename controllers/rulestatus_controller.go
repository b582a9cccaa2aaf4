package controllers

import (
	"context"
	"fmt"

	"k8s.io/apimachinery/pkg/api/equality"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/validation/field"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/builder"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/predicate"

	governancev1alpha1 "github.com/cunshe/cunshe-operator/api/v1alpha1"
	"github.com/cunshe/cunshe-operator/internal/rules"
)

// RuleStatusReconciler shows on an object's Ready condition whether it
// meets its rules. Admission already refuses what breaks them; this covers
// objects stored before the webhook existed or while it was bypassed.
type RuleStatusReconciler[T client.Object] struct {
	client.Client
	Name  string
	New   func() T
	Check func(context.Context, T) field.ErrorList
	// Status points at the object's conditions and observedGeneration.
	StatusOf func(T) (*[]metav1.Condition, *int64)
}

// NewPowerFlowStatusReconciler checks flows for well-formedness (P1).
func NewPowerFlowStatusReconciler(c client.Client) *RuleStatusReconciler[*governancev1alpha1.PowerFlow] {
	return &RuleStatusReconciler[*governancev1alpha1.PowerFlow]{
		Client: c, Name: "powerflow",
		New: func() *governancev1alpha1.PowerFlow { return &governancev1alpha1.PowerFlow{} },
		Check: func(_ context.Context, f *governancev1alpha1.PowerFlow) field.ErrorList {
			return rules.ValidatePowerFlow(f)
		},
		StatusOf: func(f *governancev1alpha1.PowerFlow) (*[]metav1.Condition, *int64) {
			return &f.Status.Conditions, &f.Status.ObservedGeneration
		},
	}
}

// NewReviewUnitStatusReconciler checks units' keys (S5).
func NewReviewUnitStatusReconciler(c client.Client) *RuleStatusReconciler[*governancev1alpha1.ReviewUnit] {
	return &RuleStatusReconciler[*governancev1alpha1.ReviewUnit]{
		Client: c, Name: "reviewunit",
		New: func() *governancev1alpha1.ReviewUnit { return &governancev1alpha1.ReviewUnit{} },
		Check: func(ctx context.Context, u *governancev1alpha1.ReviewUnit) field.ErrorList {
			juris, err := readJurisdictions(ctx, c)
			if err != nil {
				return field.ErrorList{field.InternalError(field.NewPath("spec", "jurisdiction"), err)}
			}
			return rules.ValidateReviewUnit(u, juris)
		},
		StatusOf: func(u *governancev1alpha1.ReviewUnit) (*[]metav1.Condition, *int64) {
			return &u.Status.Conditions, &u.Status.ObservedGeneration
		},
	}
}

// Reconcile sets Ready from the rules and patches only on change.
func (r *RuleStatusReconciler[T]) Reconcile(ctx context.Context, req ctrl.Request) (ctrl.Result, error) {
	obj := r.New()
	if err := r.Get(ctx, req.NamespacedName, obj); err != nil {
		return ctrl.Result{}, client.IgnoreNotFound(err)
	}
	before := obj.DeepCopyObject().(T)
	c := metav1.Condition{Type: governancev1alpha1.ReadyCondition, ObservedGeneration: obj.GetGeneration(),
		Status: metav1.ConditionTrue, Reason: governancev1alpha1.ReasonValid, Message: "符合规则 / meets its rules"}
	if errs := r.Check(ctx, obj); len(errs) > 0 {
		c.Status, c.Reason, c.Message = metav1.ConditionFalse, governancev1alpha1.ReasonInvalid, errs.ToAggregate().Error()
	}
	conditions, observed := r.StatusOf(obj)
	meta.SetStatusCondition(conditions, c)
	*observed = obj.GetGeneration()
	if equality.Semantic.DeepEqual(before, obj) {
		return ctrl.Result{}, nil
	}
	if err := r.Status().Patch(ctx, obj, client.MergeFrom(before)); err != nil {
		return ctrl.Result{}, fmt.Errorf("patching status of %s: %w", obj.GetName(), err)
	}
	return ctrl.Result{}, nil
}

// SetupWithManager reconciles on spec changes only.
func (r *RuleStatusReconciler[T]) SetupWithManager(mgr ctrl.Manager) error {
	return ctrl.NewControllerManagedBy(mgr).
		For(r.New(), builder.WithPredicates(predicate.GenerationChangedPredicate{})).
		Named(r.Name).
		Complete(r)
}
