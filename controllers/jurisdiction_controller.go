package controllers

import (
	"context"
	"fmt"
	"slices"
	"strings"

	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/builder"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/event"
	"sigs.k8s.io/controller-runtime/pkg/handler"
	"sigs.k8s.io/controller-runtime/pkg/predicate"
	"sigs.k8s.io/controller-runtime/pkg/reconcile"

	governancev1alpha1 "github.com/cunshe/cunshe-operator/api/v1alpha1"
	"github.com/cunshe/cunshe-operator/internal/rules"
	"github.com/cunshe/cunshe-operator/internal/status"
)

// JurisdictionReconciler shows what a city or province holds: its villages,
// its joint review (S5) and its newest revision. It decides nothing; the
// rules read the Jurisdiction's spec.
type JurisdictionReconciler struct {
	client.Client
}

// +kubebuilder:rbac:groups=governance.cunshe.io,resources=jurisdictions,verbs=get;list;watch
// +kubebuilder:rbac:groups=governance.cunshe.io,resources=jurisdictions/status,verbs=get;update;patch

// Reconcile rebuilds one jurisdiction's status.
func (r *JurisdictionReconciler) Reconcile(ctx context.Context, req ctrl.Request) (ctrl.Result, error) {
	jur := &governancev1alpha1.Jurisdiction{}
	if err := r.Get(ctx, req.NamespacedName, jur); err != nil {
		return ctrl.Result{}, client.IgnoreNotFound(err)
	}
	juris, err := readJurisdictions(ctx, r.Client)
	if err != nil {
		return ctrl.Result{}, err
	}
	patcher := status.NewPatcher(r.Client, jur)
	villages, err := r.countVillages(ctx, jur.Spec.Code)
	if err != nil {
		return ctrl.Result{}, err
	}
	units := &governancev1alpha1.ReviewUnitList{}
	if err := r.List(ctx, units); err != nil {
		return ctrl.Result{}, err
	}
	s := &jur.Status
	s.Villages = villages
	s.ReviewUnits = unitsOf(juris, jur.Spec.Code, units.Items)
	s.RequiredApprovals = juris.RequiredApprovals(jur.Spec.Code, units.Items)
	if s.LatestRevision, err = r.latestRevision(ctx, juris, jur); err != nil {
		return ctrl.Result{}, err
	}
	reason, message := reviewReady(jur, s.ReviewUnits)
	status.Summarise(jur, reason, message)
	return ctrl.Result{}, patcher.Patch(ctx, jur)
}

// countVillages counts a city's or a province's villages through its index.
func (r *JurisdictionReconciler) countVillages(ctx context.Context, code string) (int32, error) {
	index := IndexProvince
	if len(code) == governancev1alpha1.CityCodeLength {
		index = IndexCity
	}
	list := &governancev1alpha1.VillageList{}
	if err := r.List(ctx, list, client.MatchingFields{index: code}, client.UnsafeDisableDeepCopy); err != nil {
		return 0, err
	}
	return int32(len(list.Items)), nil
}

func (r *JurisdictionReconciler) latestRevision(ctx context.Context, juris rules.Jurisdictions, jur *governancev1alpha1.Jurisdiction) (int64, error) {
	if jur.Spec.Level != governancev1alpha1.LevelCity {
		return 0, nil
	}
	revs := &governancev1alpha1.ListRevisionList{}
	if err := r.List(ctx, revs, client.UnsafeDisableDeepCopy); err != nil {
		return 0, err
	}
	var n int64
	for i := range revs.Items {
		if juris.RevisionCity(&revs.Items[i]) == jur.Spec.Code {
			n = max(n, revs.Items[i].Spec.Revision)
		}
	}
	return n, nil
}

// unitsOf names the units that review the jurisdiction's items.
func unitsOf(juris rules.Jurisdictions, code string, units []governancev1alpha1.ReviewUnit) []string {
	var names []string
	for i := range units {
		if juris.UnitJurisdiction(&units[i]) == code {
			names = append(names, units[i].Name)
		}
	}
	slices.Sort(names)
	return names
}

// reviewReady is Ready's reason and message: ReviewComplete when every unit
// the joint review names exists in the jurisdiction; otherwise no item can
// reach the quorum (S5).
func reviewReady(jur *governancev1alpha1.Jurisdiction, present []string) (reason, message string) {
	var missing []string
	for _, u := range jur.Spec.Review.Units {
		if !slices.Contains(present, u) {
			missing = append(missing, u)
		}
	}
	if len(missing) > 0 {
		list := strings.Join(missing, ", ")
		return governancev1alpha1.ReasonReviewIncomplete, fmt.Sprintf("S5 联审单位 %s 不存在或不属于本辖区，事项无法通过联合审核 / review units %s do not exist in this jurisdiction: no item can pass joint review", list, list)
	}
	return governancev1alpha1.ReasonReviewComplete, fmt.Sprintf("S5 联合审核单位齐备（%d 家）/ the joint review is complete (%d units)", len(present), len(present))
}

// SetupWithManager watches villages (created or deleted), units and revisions.
func (r *JurisdictionReconciler) SetupWithManager(mgr ctrl.Manager) error {
	all := handler.EnqueueRequestsFromMapFunc(r.allJurisdictions)
	return ctrl.NewControllerManagedBy(mgr).
		For(&governancev1alpha1.Jurisdiction{}).
		Watches(&governancev1alpha1.Village{}, handler.EnqueueRequestsFromMapFunc(villageJurisdictions),
			builder.WithPredicates(predicate.Funcs{UpdateFunc: func(event.UpdateEvent) bool { return false }})).
		Watches(&governancev1alpha1.ReviewUnit{}, all).
		Watches(&governancev1alpha1.ListRevision{}, all).
		Named("jurisdiction").
		Complete(r)
}

// villageJurisdictions are the city and province a village counts in.
func villageJurisdictions(_ context.Context, o client.Object) []reconcile.Request {
	code := o.GetName()
	return []reconcile.Request{
		{NamespacedName: client.ObjectKey{Name: governancev1alpha1.CityOf(code)}},
		{NamespacedName: client.ObjectKey{Name: governancev1alpha1.ProvinceOf(code)}},
	}
}

func (r *JurisdictionReconciler) allJurisdictions(ctx context.Context, _ client.Object) []reconcile.Request {
	list := &governancev1alpha1.JurisdictionList{}
	if err := r.List(ctx, list); err != nil {
		return nil
	}
	reqs := make([]reconcile.Request, len(list.Items))
	for i := range list.Items {
		reqs[i] = reconcile.Request{NamespacedName: client.ObjectKey{Name: list.Items[i].Name}}
	}
	return reqs
}
