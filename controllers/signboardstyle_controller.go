package controllers

import (
	"context"
	"fmt"

	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/builder"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/handler"
	"sigs.k8s.io/controller-runtime/pkg/predicate"

	governancev1alpha1 "github.com/cunshe/cunshe-operator/api/v1alpha1"
	"github.com/cunshe/cunshe-operator/internal/status"
)

// SignboardStyleReconciler keeps a township's summary on its style: how many
// of its villages' sets are compliant, noncompliant or missing (S15). It
// counts, and leaves the findings on the sets: never one object per finding.
type SignboardStyleReconciler struct {
	client.Client
}

// signboardCounts is a township's tally.
type signboardCounts struct {
	villages, compliant, noncompliant, missing, pending int32
}

// Reconcile recounts the township from the cache and patches on change.
func (r *SignboardStyleReconciler) Reconcile(ctx context.Context, req ctrl.Request) (ctrl.Result, error) {
	style := &governancev1alpha1.SignboardStyle{}
	if err := r.Get(ctx, req.NamespacedName, style); err != nil {
		return ctrl.Result{}, client.IgnoreNotFound(err)
	}
	counts, err := r.count(ctx, style.Name)
	if err != nil {
		return ctrl.Result{}, err
	}
	// The whole status, so that counts of zero are written too (a diff
	// against the cached object would leave them out and print blanks).
	patcher := status.NewPatcher(r.Client, style, status.WithWholeStatus())
	setSummary(style, counts)
	return ctrl.Result{}, patcher.Patch(ctx, style)
}

// count tallies the township's villages by their set's Compliant condition;
// a set not yet checked at its current generation is pending.
func (r *SignboardStyleReconciler) count(ctx context.Context, township string) (signboardCounts, error) {
	villages := &governancev1alpha1.VillageList{}
	if err := r.List(ctx, villages, client.MatchingFields{IndexVillageTownship: township}, client.UnsafeDisableDeepCopy); err != nil {
		return signboardCounts{}, fmt.Errorf("listing the villages of township %s: %w", township, err)
	}
	sets := &governancev1alpha1.SignboardSetList{}
	if err := r.List(ctx, sets, client.MatchingFields{IndexSetTownship: township}, client.UnsafeDisableDeepCopy); err != nil {
		return signboardCounts{}, fmt.Errorf("listing the SignboardSets of township %s: %w", township, err)
	}
	byNamespace := make(map[string]*governancev1alpha1.SignboardSet, len(sets.Items))
	for i := range sets.Items {
		if sets.Items[i].Name == governancev1alpha1.SignboardSetName {
			byNamespace[sets.Items[i].Namespace] = &sets.Items[i]
		}
	}
	c := signboardCounts{villages: int32(len(villages.Items))}
	for _, v := range villages.Items {
		set := byNamespace[governancev1alpha1.TenantNamespaceName(v.Name)]
		cond := (*metav1.Condition)(nil)
		if set != nil {
			cond = meta.FindStatusCondition(set.Status.Conditions, governancev1alpha1.CompliantCondition)
		}
		switch {
		case set == nil:
			c.missing++
		case cond == nil || cond.ObservedGeneration != set.Generation:
			c.pending++
		case cond.Status == metav1.ConditionTrue:
			c.compliant++
		default:
			c.noncompliant++
		}
	}
	return c, nil
}

// setSummary writes the counts and a Ready condition that is true when
// every village of the township hangs a compliant set.
func setSummary(style *governancev1alpha1.SignboardStyle, c signboardCounts) {
	s := &style.Status
	s.Villages, s.Compliant, s.Noncompliant, s.Missing = c.villages, c.compliant, c.noncompliant, c.missing
	reason, message := governancev1alpha1.ReasonCompliant, fmt.Sprintf("%d 个村（社区）的牌子全部合规 / all %d villages' boards are compliant", c.villages, c.villages)
	switch {
	case c.noncompliant > 0:
		reason = governancev1alpha1.ReasonNonCompliant
		message = fmt.Sprintf("%d 个村（社区）的牌子不合规，见各村 SignboardSet 的 Compliant 条件 / %d villages' boards are noncompliant; see each SignboardSet's Compliant condition",
			c.noncompliant, c.noncompliant)
	case c.missing > 0:
		reason = governancev1alpha1.ReasonSetsMissing
		message = fmt.Sprintf("%d 个村（社区）尚无 SignboardSet / %d villages have no SignboardSet", c.missing, c.missing)
	case c.pending > 0:
		reason = governancev1alpha1.ReasonChecking
		message = fmt.Sprintf("%d 个村（社区）的牌子正在检查 / %d villages' boards are being checked", c.pending, c.pending)
	}
	status.Summarise(style, reason, message)
}

// SetupWithManager recounts a township when its style's spec changes, when
// one of its sets changes (status included) and when its villages come or go.
// SignboardSetReconciler.SetupWithManager registers the indexes it reads.
func (r *SignboardStyleReconciler) SetupWithManager(mgr ctrl.Manager) error {
	return ctrl.NewControllerManagedBy(mgr).
		For(&governancev1alpha1.SignboardStyle{}, builder.WithPredicates(predicate.GenerationChangedPredicate{})).
		Watches(&governancev1alpha1.SignboardSet{}, handler.EnqueueRequestsFromMapFunc(func(_ context.Context, o client.Object) []ctrl.Request {
			return townshipRequest(setTownship(o.GetNamespace()))
		})).
		Watches(&governancev1alpha1.Village{}, handler.EnqueueRequestsFromMapFunc(func(_ context.Context, o client.Object) []ctrl.Request {
			return townshipRequest(o.(*governancev1alpha1.Village).Spec.Township.Code)
		}), builder.WithPredicates(predicate.GenerationChangedPredicate{})).
		Named("signboardstyle").
		Complete(r)
}

func townshipRequest(code string) []ctrl.Request {
	if code == "" {
		return nil
	}
	return []ctrl.Request{{NamespacedName: types.NamespacedName{Name: code}}}
}
