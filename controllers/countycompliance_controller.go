package controllers

import (
	"context"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/apimachinery/pkg/util/sets"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/builder"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/event"
	"sigs.k8s.io/controller-runtime/pkg/handler"
	"sigs.k8s.io/controller-runtime/pkg/predicate"
	"sigs.k8s.io/controller-runtime/pkg/reconcile"

	governancev1alpha1 "github.com/cunshe/cunshe-operator/api/v1alpha1"
	"github.com/cunshe/cunshe-operator/internal/metrics"
	"github.com/cunshe/cunshe-operator/internal/rules"
	"github.com/cunshe/cunshe-operator/internal/status"
)

// CountyComplianceReconciler keeps one CountyCompliance per county (S18,
// S19): what remains to rectify there against the city's deadline — the
// rule engine's summary — and the same figures as metrics.
type CountyComplianceReconciler struct {
	client.Client
	// Now is the clock of the rectification deadline; tests set it.
	Now func() time.Time
}

// +kubebuilder:rbac:groups=governance.cunshe.io,resources=countycompliances,verbs=get;list;watch;create;delete
// +kubebuilder:rbac:groups=governance.cunshe.io,resources=countycompliances/status,verbs=get;update;patch

func (r *CountyComplianceReconciler) Reconcile(ctx context.Context, req ctrl.Request) (ctrl.Result, error) {
	county := req.Name
	juris, err := readJurisdictions(ctx, r.Client)
	if err != nil {
		return ctrl.Result{}, err
	}
	counties, err := r.cityCounties(ctx, juris, county)
	if err != nil {
		return ctrl.Result{}, err
	}
	cc := &governancev1alpha1.CountyCompliance{}
	err = r.Get(ctx, client.ObjectKey{Name: county}, cc)
	switch {
	case !counties.Has(county): // no village there (any more)
		if err == nil {
			return ctrl.Result{}, client.IgnoreNotFound(r.Delete(ctx, cc))
		}
		return ctrl.Result{}, client.IgnoreNotFound(err)
	case apierrors.IsNotFound(err):
		cc.Name = county
		if err := r.Create(ctx, cc); apierrors.IsAlreadyExists(err) {
			// An earlier pass created it; the cache has not caught up yet.
			return ctrl.Result{RequeueAfter: ownWriteRequeue}, nil
		} else if err != nil {
			return ctrl.Result{}, err
		}
	case err != nil:
		return ctrl.Result{}, err
	}
	summary, err := r.summarise(ctx, county, counties)
	if err != nil {
		return ctrl.Result{}, err
	}
	city := juris.CityOf(county)
	now := r.Now()
	summary.Rectification = rules.Rectify(rectificationDeadline(juris, city), juris.Today(city, now), rules.CountyRemaining(&summary))
	metrics.SetRectification("county", county, summary.Rectification)
	// The whole status (one writer; zero counts written).
	patcher := status.NewPatcher(r.Client, cc, status.WithWholeStatus())
	summary.Conditions = cc.Status.Conditions
	cc.Status = summary
	if summary.Rectification != nil {
		meta.SetStatusCondition(&cc.Status.Conditions, rules.RectificationCondition(cc.Generation, rules.CountyRectifier(county), summary.Rectification))
	} else {
		meta.RemoveStatusCondition(&cc.Status.Conditions, governancev1alpha1.RectifiedCondition)
	}
	status.Summarise(cc, governancev1alpha1.ReasonSummarised, "已汇总 / summarised")
	if err := patcher.Patch(ctx, cc); err != nil {
		return ctrl.Result{}, err
	}
	// The next pass (a village arriving) must find the summary this one
	// created or wrote, not create it again from a cache behind it.
	waitForOwnWrite(ctx, cc, observeVersion(r.Client))
	return untilNextCityDay(juris, city, now, summary.Rectification), nil
}

// cityCounties are the counties of the county's city that have villages.
func (r *CountyComplianceReconciler) cityCounties(ctx context.Context, juris rules.Jurisdictions, county string) (sets.Set[string], error) {
	villages := &governancev1alpha1.VillageList{}
	opts := []client.ListOption{client.UnsafeDisableDeepCopy}
	if len(county) >= 4 {
		opts = append(opts, client.MatchingFields{IndexCity: county[:4]})
	}
	if err := r.List(ctx, villages, opts...); err != nil {
		return nil, err
	}
	out := sets.New[string]()
	for i := range villages.Items {
		out.Insert(villages.Items[i].Spec.County.Code)
	}
	return out, nil
}

func (r *CountyComplianceReconciler) summarise(ctx context.Context, county string, counties sets.Set[string]) (governancev1alpha1.CountyComplianceStatus, error) {
	tasks := &governancev1alpha1.TaskList{}
	reports := &governancev1alpha1.ReportList{}
	items := &governancev1alpha1.ListItemList{}
	for _, l := range []client.ObjectList{tasks, reports, items} {
		if err := r.List(ctx, l, client.UnsafeDisableDeepCopy); err != nil {
			return governancev1alpha1.CountyComplianceStatus{}, err
		}
	}
	return rules.SummariseCounty(rules.CountyFacts{Code: county, Counties: counties}, tasks.Items, reports.Items, items.Items), nil
}

// SetupWithManager summarises a county when a village appears in it or one
// of its tasks (after DefaultViewGather, as the department summaries),
// reports or items changes, and every county when a city's deadline changes.
func (r *CountyComplianceReconciler) SetupWithManager(mgr ctrl.Manager) error {
	if r.Now == nil {
		r.Now = time.Now
	}
	// Only a village's arrival or departure matters: its status changes
	// (provisioning, rollouts) must cost the summaries nothing.
	arrivals := predicate.Funcs{UpdateFunc: func(event.UpdateEvent) bool { return false }, GenericFunc: func(event.GenericEvent) bool { return false }}
	return ctrl.NewControllerManagedBy(mgr).
		For(&governancev1alpha1.CountyCompliance{}).
		Watches(&governancev1alpha1.Village{}, handler.EnqueueRequestsFromMapFunc(func(_ context.Context, o client.Object) []reconcile.Request {
			return countyRequests(o.(*governancev1alpha1.Village).Spec.County.Code)
		}), builder.WithPredicates(arrivals)).
		Watches(&governancev1alpha1.Task{}, enqueueGathered(DefaultViewGather, r.taskCounties)).
		Watches(&governancev1alpha1.Report{}, handler.EnqueueRequestsFromMapFunc(func(_ context.Context, o client.Object) []reconcile.Request {
			code := rules.VillageOfNamespace(o.GetNamespace())
			if len(code) < 6 {
				return nil
			}
			return countyRequests(code[:6])
		})).
		Watches(&governancev1alpha1.ListItem{}, handler.EnqueueRequestsFromMapFunc(func(_ context.Context, o client.Object) []reconcile.Request {
			if a := o.(*governancev1alpha1.ListItem).Spec.Applicant; a.Kind == governancev1alpha1.ApplicantCounty {
				return countyRequests(a.Name)
			}
			return nil
		})).
		Watches(&governancev1alpha1.Jurisdiction{}, handler.EnqueueRequestsFromMapFunc(r.allCounties)).
		Named("countycompliance").
		Complete(r)
}

// taskCounties requeues the counties a task reaches; one for all villages
// reaches every county with a summary.
func (r *CountyComplianceReconciler) taskCounties(ctx context.Context, o client.Object) []reconcile.Request {
	t := o.(*governancev1alpha1.Task)
	if t.Spec.Targets.All {
		return r.allCounties(ctx, o)
	}
	return countyRequests(sets.List(rules.TaskCounties(t, nil))...)
}

func (r *CountyComplianceReconciler) allCounties(ctx context.Context, _ client.Object) []reconcile.Request {
	list := &governancev1alpha1.CountyComplianceList{}
	if err := r.List(ctx, list); err != nil {
		return nil
	}
	names := make([]string, 0, len(list.Items))
	for _, cc := range list.Items {
		names = append(names, cc.Name)
	}
	return countyRequests(names...)
}

func countyRequests(codes ...string) []reconcile.Request {
	reqs := make([]reconcile.Request, 0, len(codes))
	for _, c := range codes {
		if c != "" {
			reqs = append(reqs, reconcile.Request{NamespacedName: client.ObjectKey{Name: c}})
		}
	}
	return reqs
}
