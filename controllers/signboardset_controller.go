package controllers

import (
	"context"
	"fmt"
	"strings"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/builder"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/controller"
	"sigs.k8s.io/controller-runtime/pkg/handler"
	"sigs.k8s.io/controller-runtime/pkg/predicate"

	governancev1alpha1 "github.com/cunshe/cunshe-operator/api/v1alpha1"
	"github.com/cunshe/cunshe-operator/internal/rules"
	"github.com/cunshe/cunshe-operator/internal/status"
)

// Cache indexes of the signboard controllers.
const (
	// IndexVillageTownship indexes Villages by their 9-digit township code.
	IndexVillageTownship = "spec.township.code"
	// IndexSetTownship indexes SignboardSets by the township of their
	// namespace's village (village-<code>: the code's first 9 digits).
	IndexSetTownship = "signboards.township"
)

// maxConditionMessage keeps a condition's message readable (and far below
// the API's 32 KiB): the first findings, then how many more.
const maxConditionMessage = 4096

// SignboardSetReconciler shows on each village's SignboardSet whether it
// meets S12–S16, with the same rule functions admission runs: a set stored
// before a rule, or before its village or style changed, is found here.
type SignboardSetReconciler struct {
	client.Client
	MaxConcurrentReconciles int
}

// +kubebuilder:rbac:groups=governance.cunshe.io,resources=signboardsets;signboardstyles,verbs=get;list;watch
// +kubebuilder:rbac:groups=governance.cunshe.io,resources=signboardsets/status;signboardstyles/status,verbs=get;update;patch

// Reconcile rebuilds the set's compliance from its village and style and
// patches the status only when it changed.
func (r *SignboardSetReconciler) Reconcile(ctx context.Context, req ctrl.Request) (ctrl.Result, error) {
	set := &governancev1alpha1.SignboardSet{}
	if err := r.Get(ctx, req.NamespacedName, set); err != nil {
		return ctrl.Result{}, client.IgnoreNotFound(err)
	}
	report, err := r.check(ctx, set)
	if err != nil {
		return ctrl.Result{}, err
	}
	patcher := status.NewPatcher(r.Client, set)
	setCompliance(set, report)
	return ctrl.Result{}, patcher.Patch(ctx, set)
}

// check runs the rules; a village or style that is not there is a finding,
// any other read error is retried.
func (r *SignboardSetReconciler) check(ctx context.Context, set *governancev1alpha1.SignboardSet) (rules.SignboardReport, error) {
	var readErr error
	village, errs := rules.SignboardVillage(set.Namespace, func(code string) *governancev1alpha1.Village {
		v := &governancev1alpha1.Village{}
		if readErr = r.Get(ctx, client.ObjectKey{Name: code}, v); readErr != nil {
			return nil
		}
		return v
	})
	if village == nil {
		if readErr != nil && !apierrors.IsNotFound(readErr) {
			return rules.SignboardReport{}, fmt.Errorf("getting the village of %s: %w", set.Namespace, readErr)
		}
		return rules.SignboardReport{Errors: errs}, nil
	}
	style := &governancev1alpha1.SignboardStyle{}
	if err := r.Get(ctx, client.ObjectKey{Name: set.Spec.Style}, style); err != nil {
		if !apierrors.IsNotFound(err) {
			return rules.SignboardReport{}, fmt.Errorf("getting SignboardStyle %s: %w", set.Spec.Style, err)
		}
		style = nil
	}
	return rules.CheckSignboardSet(set, village, style), nil
}

// setCompliance writes the Compliant condition, Ready (which follows it)
// and the missing and extra boards.
func setCompliance(set *governancev1alpha1.SignboardSet, r rules.SignboardReport) {
	compliant := metav1.Condition{Type: governancev1alpha1.CompliantCondition, ObservedGeneration: set.Generation,
		Status: metav1.ConditionTrue, Reason: governancev1alpha1.ReasonCompliant, Message: "符合 S12–S16 / meets S12–S16"}
	if len(r.Errors) > 0 {
		compliant.Status, compliant.Reason, compliant.Message = metav1.ConditionFalse, governancev1alpha1.ReasonNonCompliant, findingsMessage(r)
		if r.Errors[0].Field == "metadata.namespace" {
			compliant.Reason = governancev1alpha1.ReasonVillageNotFound
		}
	}
	meta.SetStatusCondition(&set.Status.Conditions, compliant)
	status.Summarise(set, compliant.Reason, compliant.Message)
	set.Status.MissingBoards, set.Status.ExtraBoards = r.Missing, r.Extra
}

func findingsMessage(r rules.SignboardReport) string {
	var b strings.Builder
	for i, e := range r.Errors {
		line := e.Error()
		if b.Len()+len(line) > maxConditionMessage {
			fmt.Fprintf(&b, "; 另有 %d 处 / and %d more", len(r.Errors)-i, len(r.Errors)-i)
			break
		}
		if i > 0 {
			b.WriteString("; ")
		}
		b.WriteString(line)
	}
	return b.String()
}

// SetupWithManager indexes villages and sets by township and re-checks a
// set when it, its village's spec or its township's style changes.
func (r *SignboardSetReconciler) SetupWithManager(ctx context.Context, mgr ctrl.Manager) error {
	if err := setupSignboardIndexes(ctx, mgr); err != nil {
		return err
	}
	return ctrl.NewControllerManagedBy(mgr).
		For(&governancev1alpha1.SignboardSet{}, builder.WithPredicates(predicate.GenerationChangedPredicate{})).
		Watches(&governancev1alpha1.Village{}, handler.EnqueueRequestsFromMapFunc(villageSet),
			builder.WithPredicates(predicate.GenerationChangedPredicate{})).
		Watches(&governancev1alpha1.SignboardStyle{}, handler.EnqueueRequestsFromMapFunc(r.townshipSets),
			builder.WithPredicates(predicate.GenerationChangedPredicate{})).
		WithOptions(controller.Options{MaxConcurrentReconciles: max(1, r.MaxConcurrentReconciles)}).
		Named("signboardset").
		Complete(r)
}

func setupSignboardIndexes(ctx context.Context, mgr ctrl.Manager) error {
	idx := mgr.GetFieldIndexer()
	if err := idx.IndexField(ctx, &governancev1alpha1.Village{}, IndexVillageTownship, func(o client.Object) []string {
		return []string{o.(*governancev1alpha1.Village).Spec.Township.Code}
	}); err != nil {
		return err
	}
	return idx.IndexField(ctx, &governancev1alpha1.SignboardSet{}, IndexSetTownship, func(o client.Object) []string {
		if t := setTownship(o.GetNamespace()); t != "" {
			return []string{t}
		}
		return nil
	})
}

// setTownship is the township code of a tenant namespace's village, or "".
func setTownship(namespace string) string {
	code, ok := strings.CutPrefix(namespace, governancev1alpha1.TenantNamespaceName(""))
	if !ok || len(code) < 9 {
		return ""
	}
	return code[:9]
}

func villageSet(_ context.Context, o client.Object) []ctrl.Request {
	return []ctrl.Request{{NamespacedName: types.NamespacedName{
		Namespace: governancev1alpha1.TenantNamespaceName(o.GetName()), Name: governancev1alpha1.SignboardSetName}}}
}

// townshipSets are the sets of a style's township, and any set that names
// the style from elsewhere (they are already refused, but may learn of it).
func (r *SignboardSetReconciler) townshipSets(ctx context.Context, o client.Object) []ctrl.Request {
	sets := &governancev1alpha1.SignboardSetList{}
	if err := r.List(ctx, sets, client.MatchingFields{IndexSetTownship: o.GetName()}, client.UnsafeDisableDeepCopy); err != nil {
		ctrl.LoggerFrom(ctx).Error(err, "Listing the SignboardSets of a township", "SignboardStyle", o.GetName())
		return nil
	}
	reqs := make([]ctrl.Request, len(sets.Items))
	for i, s := range sets.Items {
		reqs[i] = ctrl.Request{NamespacedName: types.NamespacedName{Namespace: s.Namespace, Name: s.Name}}
	}
	return reqs
}
