package controllers

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/sets"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/handler"
	"sigs.k8s.io/controller-runtime/pkg/reconcile"

	governancev1alpha1 "github.com/cunshe/cunshe-operator/api/v1alpha1"
	"github.com/cunshe/cunshe-operator/internal/metrics"
	"github.com/cunshe/cunshe-operator/internal/publish"
	"github.com/cunshe/cunshe-operator/internal/rules"
	"github.com/cunshe/cunshe-operator/internal/status"
	"github.com/cunshe/cunshe-operator/internal/tenant"
)

// ListRevisionReconciler cuts a city's new numbered ListRevision whenever
// the set of approved, unretired items that reach the city (its own and its
// province's) changes (S1, S7), and prunes old revisions that no village
// and no rollout of the city uses. Its work items are the cities: every
// event maps to all of them, so changes arriving together collapse into one
// pass per city.
type ListRevisionReconciler struct {
	client.Client
	Now func() time.Time
	// Settle is how long the set of items must stay unchanged before a
	// revision is cut, so that items approved together land in one revision.
	Settle time.Duration
	// HistoryLimit is how many unused revisions are kept besides the latest.
	HistoryLimit int

	// pending is, per city, the content hash waiting to settle and since when.
	pending map[string]pendingCut
}

type pendingCut struct {
	hash  string
	since time.Time
}

// +kubebuilder:rbac:groups=governance.cunshe.io,resources=listrevisions,verbs=get;list;watch;create;delete
// +kubebuilder:rbac:groups=governance.cunshe.io,resources=listrollouts,verbs=get;list;watch

// Reconcile compares a city's published set with its latest revision.
func (r *ListRevisionReconciler) Reconcile(ctx context.Context, req ctrl.Request) (ctrl.Result, error) {
	city := cityOfRequest(req)
	juris, err := readJurisdictions(ctx, r.Client)
	if err != nil {
		return ctrl.Result{}, err
	}
	if !slices.Contains(juris.Cities(), city) {
		return ctrl.Result{}, nil // the city was removed
	}
	items, err := r.cityItems(ctx, juris, city)
	if err != nil {
		return ctrl.Result{}, err
	}
	// What the pass decided is observable (tests of absence wait on it).
	settled := false
	defer func() { metrics.ObserveRevisionPass(city, len(items), settled) }()
	revisions, err := r.revisions(ctx, juris, city)
	if err != nil {
		return ctrl.Result{}, err
	}
	now := r.Now().In(juris.Location(city))
	published := cityPublished(items, juris, city, now)
	hash := publish.ContentHash(published)
	result := untilNextRetirement(items, now)
	if len(revisions) == 0 && len(published) == 0 {
		settled = true
		return result, nil // nothing approved yet: nothing to publish
	}
	if len(revisions) > 0 && revisions[len(revisions)-1].Spec.ContentHash == hash {
		settled = true
		delete(r.pending, city)
		return result, r.prune(ctx, juris, city, revisions)
	}
	p, ok := r.pending[city]
	if !ok || p.hash != hash {
		// Wait for the set to settle: more approvals may be on their way.
		p = pendingCut{hash: hash, since: now}
		r.pending[city] = p
	}
	if wait := r.Settle - now.Sub(p.since); wait > 0 {
		return ctrl.Result{RequeueAfter: wait}, nil
	}
	next, retired := int64(1), []governancev1alpha1.RetiredService(nil)
	if len(revisions) > 0 {
		prev := &revisions[len(revisions)-1]
		next, retired = prev.Spec.Revision+1, rules.RetiredServices(prev.Spec.Items, published, itemLookup(items))
	}
	if err := r.cut(ctx, juris, city, next, hash, published, retired); err != nil {
		return ctrl.Result{}, err
	}
	settled = true
	delete(r.pending, city)
	return result, nil
}

// cityPublished is what a revision of the city cut at now holds: the
// approved, unretired items of the city and its province (S1, S7). The
// revision controller cuts it; the rollout controller compares it with the
// newest revision.
func cityPublished(items []governancev1alpha1.ListItem, juris rules.Jurisdictions, city string, now time.Time) []governancev1alpha1.PublishedItem {
	items = slices.DeleteFunc(slices.Clone(items), func(it governancev1alpha1.ListItem) bool { return !juris.Reaches(it.Spec.Jurisdiction, city) })
	return publish.Published(items, now.In(juris.Location(city)).Format(time.DateOnly))
}

// cityItems are the items on the city's lists: its own and its province's.
func (r *ListRevisionReconciler) cityItems(ctx context.Context, juris rules.Jurisdictions, city string) ([]governancev1alpha1.ListItem, error) {
	list := &governancev1alpha1.ListItemList{}
	if err := r.List(ctx, list); err != nil {
		return nil, err
	}
	return slices.DeleteFunc(list.Items, func(it governancev1alpha1.ListItem) bool { return !juris.Reaches(it.Spec.Jurisdiction, city) }), nil
}

// cut creates the city's revision n of items; retired are the services of
// the items the previous revision held and this one does not (S20).
func (r *ListRevisionReconciler) cut(ctx context.Context, juris rules.Jurisdictions, city string, n int64, hash string,
	items []governancev1alpha1.PublishedItem, retired []governancev1alpha1.RetiredService) error {
	dropped := rules.CountDropped(retired)
	rev := &governancev1alpha1.ListRevision{
		// A revision never changes: it is created at generation 1 with the
		// status that describes it (the kind has no status subresource).
		ObjectMeta: metav1.ObjectMeta{Name: juris.RevisionName(city, n), Generation: 1},
		Spec:       governancev1alpha1.ListRevisionSpec{Jurisdiction: city, Revision: n, ContentHash: hash, Items: items},
		Status:     governancev1alpha1.ListRevisionStatus{ItemCount: int32(len(items)), RetiredServices: retired, ServicesDropped: dropped},
	}
	summary := fmt.Sprintf("%s清单第 %d 版，共 %d 项 / list revision %d%s with %d items", cityLabel(juris, city), n, len(items), n, cityOf(city), len(items))
	if dropped > 0 {
		summary += fmt.Sprintf("；%[1]d 项服务无在列事项承接（S20，见 status.retiredServices）/ ; %[1]d services no listed item carries (S20, see status.retiredServices)", dropped)
	}
	status.Summarise(rev, governancev1alpha1.ReasonRecorded, summary)
	if err := r.Create(ctx, rev); err != nil {
		return fmt.Errorf("creating ListRevision %s: %w", rev.Name, err)
	}
	ctrl.LoggerFrom(ctx).Info("Cut a new list revision", "ListRevision", rev.Name, "Jurisdiction", city, "items", len(items), "contentHash", hash, "servicesDropped", dropped)
	return nil
}

// itemLookup finds the city's items by name.
func itemLookup(items []governancev1alpha1.ListItem) func(string) *governancev1alpha1.ListItem {
	byName := make(map[string]*governancev1alpha1.ListItem, len(items))
	for i := range items {
		byName[items[i].Name] = &items[i]
	}
	return func(name string) *governancev1alpha1.ListItem { return byName[name] }
}

// revisions lists the city's revisions in increasing order.
func (r *ListRevisionReconciler) revisions(ctx context.Context, juris rules.Jurisdictions, city string) ([]governancev1alpha1.ListRevision, error) {
	list := &governancev1alpha1.ListRevisionList{}
	if err := r.List(ctx, list); err != nil {
		return nil, err
	}
	list.Items = slices.DeleteFunc(list.Items, func(rev governancev1alpha1.ListRevision) bool { return juris.RevisionCity(&rev) != city })
	slices.SortFunc(list.Items, func(a, b governancev1alpha1.ListRevision) int { return int(a.Spec.Revision - b.Spec.Revision) })
	return list.Items, nil
}

// prune deletes revisions beyond the history limit that no village holds
// and no rollout targets or may return to.
func (r *ListRevisionReconciler) prune(ctx context.Context, juris rules.Jurisdictions, city string, revisions []governancev1alpha1.ListRevision) error {
	if len(revisions) <= r.HistoryLimit+1 {
		return nil
	}
	used, err := r.usedRevisions(ctx, juris, city)
	if err != nil {
		return err
	}
	for _, rev := range revisions[:len(revisions)-1-r.HistoryLimit] {
		if used.Has(rev.Spec.Revision) {
			continue
		}
		if err := r.Delete(ctx, &rev); client.IgnoreNotFound(err) != nil {
			return fmt.Errorf("pruning ListRevision %s: %w", rev.Name, err)
		}
		ctrl.LoggerFrom(ctx).Info("Pruned an unused list revision", "ListRevision", rev.Name)
	}
	return nil
}

func (r *ListRevisionReconciler) usedRevisions(ctx context.Context, juris rules.Jurisdictions, city string) (sets.Set[int64], error) {
	used := sets.New[int64]()
	cms := &corev1.ConfigMapList{}
	if err := r.List(ctx, cms, client.MatchingLabels{tenant.LabelLists: "true"}); err != nil {
		return nil, err
	}
	for _, cm := range cms.Items {
		if juris.CityOf(cm.Labels[governancev1alpha1.LabelVillage]) != city {
			continue
		}
		if n, err := strconv.ParseInt(cm.Annotations[publish.AnnotationRevision], 10, 64); err == nil {
			used.Insert(n)
		}
	}
	rollouts := &governancev1alpha1.ListRolloutList{}
	if err := r.List(ctx, rollouts); err != nil {
		return nil, err
	}
	for _, ro := range rollouts.Items {
		if juris.Resolve(ro.Spec.Jurisdiction) == city {
			used.Insert(ro.Spec.Revision, ro.Status.CurrentRevision, ro.Status.PreviousRevision)
		}
	}
	return used, nil
}

// untilNextRetirement requeues at the next retirement date, when the
// published set changes without any object changing (S7).
func untilNextRetirement(items []governancev1alpha1.ListItem, now time.Time) ctrl.Result {
	var soonest time.Duration
	for i := range items {
		if d := timeToRetirement(&items[i], now); d > 0 && (soonest == 0 || d < soonest) {
			soonest = d
		}
	}
	return ctrl.Result{RequeueAfter: soonest}
}

// SetupWithManager maps every item, revision, rollout and jurisdiction
// event to every city.
func (r *ListRevisionReconciler) SetupWithManager(mgr ctrl.Manager) error {
	if r.Now == nil {
		r.Now = time.Now
	}
	r.pending = map[string]pendingCut{}
	one := handler.EnqueueRequestsFromMapFunc(func(ctx context.Context, _ client.Object) []reconcile.Request {
		juris, err := readJurisdictions(ctx, r.Client)
		if err != nil {
			ctrl.LoggerFrom(ctx).Error(err, "Listing the cities after a change to the lists")
			return nil
		}
		return cityRequests(juris)
	})
	return ctrl.NewControllerManagedBy(mgr).
		Named("listrevision").
		Watches(&governancev1alpha1.ListItem{}, one).
		Watches(&governancev1alpha1.ListRevision{}, one).
		Watches(&governancev1alpha1.ListRollout{}, one).
		Watches(&governancev1alpha1.Jurisdiction{}, one).
		Complete(r)
}

// cityLabel and cityOf name the city in a revision's message, e.g. 温州市 and
// " of 3303"; empty for the unnamed city.
func cityLabel(juris rules.Jurisdictions, city string) string {
	if j := juris.Get(city); j != nil {
		return j.Spec.Name
	}
	return ""
}

func cityOf(city string) string {
	if city == "" {
		return ""
	}
	return " of " + city
}
