package controllers

import (
	"context"

	"k8s.io/apimachinery/pkg/util/validation/field"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/builder"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/predicate"

	governancev1alpha1 "github.com/cunshe/cunshe-operator/api/v1alpha1"
	"github.com/cunshe/cunshe-operator/internal/rules"
	"github.com/cunshe/cunshe-operator/internal/status"
)

// RuleStatusReconciler shows on an object's Ready condition whether it
// meets its rules. Admission already refuses what breaks them; this covers
// objects stored before the webhook existed or while it was bypassed.
type RuleStatusReconciler[T ruleChecked] struct {
	client.Client
	Name  string
	New   func() T
	Check func(context.Context, T) field.ErrorList
}

// ruleChecked is a kind whose Ready says whether it meets its rules.
type ruleChecked interface {
	client.Object
	governancev1alpha1.KStatusObject
}

// NewPowerFlowStatusReconciler checks flows for well-formedness (P1).
func NewPowerFlowStatusReconciler(c client.Client) *RuleStatusReconciler[*governancev1alpha1.PowerFlow] {
	return &RuleStatusReconciler[*governancev1alpha1.PowerFlow]{
		Client: c, Name: "powerflow",
		New: func() *governancev1alpha1.PowerFlow { return &governancev1alpha1.PowerFlow{} },
		Check: func(_ context.Context, f *governancev1alpha1.PowerFlow) field.ErrorList {
			return rules.ValidatePowerFlow(f)
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
	}
}

// Reconcile sets Ready from the rules; the patcher writes only a change.
func (r *RuleStatusReconciler[T]) Reconcile(ctx context.Context, req ctrl.Request) (ctrl.Result, error) {
	obj := r.New()
	if err := r.Get(ctx, req.NamespacedName, obj); err != nil {
		return ctrl.Result{}, client.IgnoreNotFound(err)
	}
	patcher := status.NewPatcher(r.Client, obj)
	if errs := r.Check(ctx, obj); len(errs) > 0 {
		status.Summarise(obj, governancev1alpha1.ReasonInvalid, errs.ToAggregate().Error())
	} else {
		status.Summarise(obj, governancev1alpha1.ReasonValid, "符合规则 / meets its rules")
	}
	return ctrl.Result{}, patcher.Patch(ctx, obj)
}

// SetupWithManager reconciles on spec changes only.
func (r *RuleStatusReconciler[T]) SetupWithManager(mgr ctrl.Manager) error {
	return ctrl.NewControllerManagedBy(mgr).
		For(r.New(), builder.WithPredicates(predicate.GenerationChangedPredicate{})).
		Named(r.Name).
		Complete(r)
}
