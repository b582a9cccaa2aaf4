// Package listindex answers the task and report rules from the manager's
// caches fast enough for admission: villages grouped by what the rules read
// (kept current by an informer handler), revisions' item sets memoised
// (revisions never change), and department namespaces in a small cache of
// their own. The webhooks and the audit share one Index, so they see the same
// cluster the same way.
package listindex

import (
	"context"
	"strconv"
	"sync"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/selection"
	"k8s.io/apimachinery/pkg/util/sets"
	toolscache "k8s.io/client-go/tools/cache"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/cache"
	"sigs.k8s.io/controller-runtime/pkg/client"

	governancev1alpha1 "github.com/cunshe/cunshe-operator/api/v1alpha1"
	"github.com/cunshe/cunshe-operator/internal/publish"
	"github.com/cunshe/cunshe-operator/internal/rules"
	"github.com/cunshe/cunshe-operator/internal/tenant"
)

// Index is shared by the task webhook and the task audit.
type Index struct {
	Villages *rules.VillageIndex

	cached      client.Reader
	live        client.Reader
	departments cache.Cache

	mu        sync.Mutex
	revisions map[rules.RevisionKey]sets.Set[string]
	titles    map[rules.RevisionKey][]rules.ItemTitle

	// handlers are the informer handlers that fill Villages; until each
	// has seen its informer's first list, the index holds part of the city.
	handlers []toolscache.ResourceEventHandlerRegistration
}

// IndexRevisionKey indexes ListRevisions by jurisdiction and number
// (governancev1alpha1.RevisionKey): names are not enough, since revisions
// cut before jurisdictions existed are named lists-<n>.
const IndexRevisionKey = "spec.jurisdiction/revision"

// New builds the index and registers with the manager: an informer handler
// on Villages and a cache of department namespaces.
func New(ctx context.Context, mgr ctrl.Manager) (*Index, error) {
	deptSelector, err := labels.NewRequirement(governancev1alpha1.LabelDepartment, selection.Exists, nil)
	if err != nil {
		return nil, err
	}
	depts, err := cache.New(mgr.GetConfig(), cache.Options{
		Scheme: mgr.GetScheme(), Mapper: mgr.GetRESTMapper(),
		ByObject: map[client.Object]cache.ByObject{&corev1.Namespace{}: {Label: labels.NewSelector().Add(*deptSelector)}},
	})
	if err != nil {
		return nil, err
	}
	if err := mgr.Add(depts); err != nil {
		return nil, err
	}
	x := &Index{
		Villages: rules.NewVillageIndex(), cached: mgr.GetClient(), live: mgr.GetAPIReader(), departments: depts,
		revisions: map[rules.RevisionKey]sets.Set[string]{}, titles: map[rules.RevisionKey][]rules.ItemTitle{},
	}
	if err := mgr.GetFieldIndexer().IndexField(ctx, &governancev1alpha1.ListRevision{}, IndexRevisionKey, func(o client.Object) []string {
		rev := o.(*governancev1alpha1.ListRevision)
		return []string{governancev1alpha1.RevisionKey(rev.Spec.Jurisdiction, rev.Spec.Revision)}
	}); err != nil {
		return nil, err
	}
	if err := x.watchLists(ctx, mgr); err != nil {
		return nil, err
	}
	informer, err := mgr.GetCache().GetInformer(ctx, &governancev1alpha1.Village{})
	if err != nil {
		return nil, err
	}
	villages, err := informer.AddEventHandler(toolscache.ResourceEventHandlerFuncs{
		AddFunc:    func(o any) { x.upsert(o) },
		UpdateFunc: func(_, o any) { x.upsert(o) },
		DeleteFunc: func(o any) {
			if tomb, ok := o.(toolscache.DeletedFinalStateUnknown); ok {
				o = tomb.Obj
			}
			if v, ok := o.(*governancev1alpha1.Village); ok {
				x.Villages.Delete(v.Name)
			}
		},
	})
	x.handlers = append(x.handlers, villages)
	return x, err
}

// Synced reports whether the index holds every village and what its lists
// hold: a replica that just started (a failover, a rolling update) would
// otherwise judge a task against part of the city and refuse it for a
// county "not in the registry".
func (x *Index) Synced() bool {
	for _, h := range x.handlers {
		if h == nil || !h.HasSynced() {
			return false
		}
	}
	return true
}

// WaitSynced waits until the index is Synced, or ctx ends.
func (x *Index) WaitSynced(ctx context.Context) error {
	return waitUntil(ctx, x.Synced)
}

// waitUntil polls cond until it holds or ctx ends.
func waitUntil(ctx context.Context, cond func() bool) error {
	tick := time.NewTicker(10 * time.Millisecond)
	defer tick.Stop()
	for !cond() {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-tick.C:
		}
	}
	return nil
}

// watchLists follows the villages' lists ConfigMaps (cached without their
// data): their revision annotation is what a village holds as soon as a
// rollout writes it, so a pipeline that waited for the rollout is admitted
// at once, not when the villages' status catches up.
func (x *Index) watchLists(ctx context.Context, mgr ctrl.Manager) error {
	informer, err := mgr.GetCache().GetInformer(ctx, &corev1.ConfigMap{})
	if err != nil {
		return err
	}
	hold := func(o any) {
		cm, ok := o.(*corev1.ConfigMap)
		if !ok || cm.Name != tenant.ListsConfigMap {
			return
		}
		code := cm.Labels[governancev1alpha1.LabelVillage]
		if rev, err := strconv.ParseInt(cm.Annotations[publish.AnnotationRevision], 10, 64); err == nil && code != "" {
			x.Villages.Hold(code, rev)
		}
	}
	lists, err := informer.AddEventHandler(toolscache.ResourceEventHandlerFuncs{AddFunc: hold, UpdateFunc: func(_, o any) { hold(o) }})
	x.handlers = append(x.handlers, lists)
	return err
}

func (x *Index) upsert(o any) {
	if v, ok := o.(*governancev1alpha1.Village); ok {
		x.Villages.Upsert(v)
	}
}

// Department is the department label of a namespace, "" when it has none
// or does not exist. A namespace labelled a moment ago may not have reached
// the cache yet, so a miss asks the API server.
func (x *Index) Department(ctx context.Context, namespace string) string {
	ns := &corev1.Namespace{}
	key := client.ObjectKey{Name: namespace}
	if err := x.departments.Get(ctx, key, ns); err != nil {
		if err := x.live.Get(ctx, key, ns); err != nil {
			return ""
		}
	}
	return ns.Labels[governancev1alpha1.LabelDepartment]
}

// Area is what the department of a namespace answers for (S6): its county
// and jurisdiction labels; empty when it has none or does not exist.
func (x *Index) Area(ctx context.Context, namespace string) rules.DepartmentArea {
	ns := &corev1.Namespace{}
	key := client.ObjectKey{Name: namespace}
	if err := x.departments.Get(ctx, key, ns); err != nil {
		if err := x.live.Get(ctx, key, ns); err != nil {
			return rules.DepartmentArea{}
		}
	}
	return rules.AreaOfNamespace(ns.Labels)
}

// DepartmentKnown reports whether some namespace carries the department's label.
func (x *Index) DepartmentKnown(ctx context.Context, id string) bool {
	list := &corev1.NamespaceList{}
	if err := x.departments.List(ctx, list, client.MatchingLabels{governancev1alpha1.LabelDepartment: id}); err == nil && len(list.Items) > 0 {
		return true
	}
	err := x.live.List(ctx, list, client.MatchingLabels{governancev1alpha1.LabelDepartment: id}, client.Limit(1))
	return err == nil && len(list.Items) > 0
}

// Snapshot answers the rules for one request or reconcile.
func (x *Index) Snapshot(ctx context.Context) *Snapshot {
	_ = x.WaitSynced(ctx) // bounded by ctx; the webhooks wait, and refuse, first
	return &Snapshot{ctx: ctx, x: x, juris: x.Jurisdictions(ctx)}
}

// revision returns a city's revision's item set, read once: revisions are
// immutable.
func (x *Index) revision(ctx context.Context, juris rules.Jurisdictions, city string, n int64) sets.Set[string] {
	if n == 0 {
		return nil
	}
	key := rules.RevisionKey{City: city, Number: n}
	x.mu.Lock()
	s, ok := x.revisions[key]
	x.mu.Unlock()
	if ok {
		return s
	}
	rev := x.findRevision(ctx, juris, city, n)
	if rev == nil {
		return nil // not memoised: it may arrive later
	}
	s = sets.New[string]()
	for _, it := range rev.Spec.Items {
		s.Insert(it.Name)
	}
	x.mu.Lock()
	x.revisions[key] = s
	x.mu.Unlock()
	return s
}

// findRevision reads a city's revision n from the cache; the default city's
// revisions include those cut before jurisdictions existed.
func (x *Index) findRevision(ctx context.Context, juris rules.Jurisdictions, city string, n int64) *governancev1alpha1.ListRevision {
	keys := []string{governancev1alpha1.RevisionKey(city, n)}
	if city != "" && city == juris.Default() {
		keys = append(keys, governancev1alpha1.RevisionKey("", n))
	}
	for _, key := range keys {
		list := &governancev1alpha1.ListRevisionList{}
		if err := x.cached.List(ctx, list, client.MatchingFields{IndexRevisionKey: key}); err == nil && len(list.Items) > 0 {
			return &list.Items[0]
		}
	}
	rev := &governancev1alpha1.ListRevision{} // cut a moment ago: not cached yet
	if x.live.Get(ctx, client.ObjectKey{Name: juris.RevisionName(city, n)}, rev) == nil {
		return rev
	}
	return nil
}

// Jurisdictions are the cities and provinces in the cache.
func (x *Index) Jurisdictions(ctx context.Context) rules.Jurisdictions {
	list := &governancev1alpha1.JurisdictionList{}
	if err := x.cached.List(ctx, list, client.UnsafeDisableDeepCopy); err != nil {
		return rules.NewJurisdictions(nil)
	}
	return rules.NewJurisdictions(list.Items)
}

func (x *Index) get(ctx context.Context, key client.ObjectKey, obj client.Object) bool {
	if err := x.cached.Get(ctx, key, obj); err == nil {
		return true
	}
	return x.live.Get(ctx, key, obj) == nil
}

// NewestRevision is the highest revision number of a city the cache holds.
func (x *Index) NewestRevision(ctx context.Context, juris rules.Jurisdictions, city string) int64 {
	list := &governancev1alpha1.ListRevisionList{}
	if err := x.cached.List(ctx, list, client.UnsafeDisableDeepCopy); err != nil {
		return 0
	}
	var n int64
	for _, r := range list.Items {
		if juris.Resolve(r.Spec.Jurisdiction) == city {
			n = max(n, r.Spec.Revision)
		}
	}
	return n
}

// Snapshot is one request's view; it implements rules.TaskSnapshot and
// rules.ReportSnapshot.
type Snapshot struct {
	ctx   context.Context
	x     *Index
	juris rules.Jurisdictions
}

// Jurisdictions are the cities and provinces as the request found them.
func (s *Snapshot) Jurisdictions() rules.Jurisdictions { return s.juris }

var (
	_ rules.TaskSnapshot   = (*Snapshot)(nil)
	_ rules.ReportSnapshot = (*Snapshot)(nil)
)

func (s *Snapshot) ListItem(name string) *governancev1alpha1.ListItem {
	item := &governancev1alpha1.ListItem{}
	if !s.x.get(s.ctx, client.ObjectKey{Name: name}, item) {
		return nil
	}
	return item
}

func (s *Snapshot) VillageIndex() *rules.VillageIndex { return s.x.Villages }

func (s *Snapshot) RevisionHas(city string, revision int64, item string) bool {
	return s.x.revision(s.ctx, s.juris, city, revision).Has(item)
}

// PublishedItems are the city's newest revision's items with their titles,
// read once per revision (approved specs never change).
func (s *Snapshot) PublishedItems(city string) []rules.ItemTitle {
	n := s.x.NewestRevision(s.ctx, s.juris, city)
	key := rules.RevisionKey{City: city, Number: n}
	s.x.mu.Lock()
	titles, ok := s.x.titles[key]
	s.x.mu.Unlock()
	if ok {
		return titles
	}
	complete := true
	for _, name := range sets.List(s.x.revision(s.ctx, s.juris, city, n)) {
		item := s.ListItem(name)
		if item == nil {
			complete = false // not readable yet: do not remember a partial list
			continue
		}
		titles = append(titles, rules.ItemTitle{Name: name, List: item.Spec.List, Title: item.Spec.Title})
	}
	if complete {
		s.x.mu.Lock()
		s.x.titles[key] = titles
		s.x.mu.Unlock()
	}
	return titles
}

func (s *Snapshot) Village(code string) *governancev1alpha1.Village {
	v := &governancev1alpha1.Village{}
	if !s.x.get(s.ctx, client.ObjectKey{Name: code}, v) {
		return nil
	}
	return v
}

func (s *Snapshot) Task(namespace, name string) *governancev1alpha1.Task {
	t := &governancev1alpha1.Task{}
	if !s.x.get(s.ctx, client.ObjectKey{Namespace: namespace, Name: name}, t) {
		return nil
	}
	return t
}

func (s *Snapshot) DepartmentKnown(id string) bool { return s.x.DepartmentKnown(s.ctx, id) }

func (s *Snapshot) ReviewUnit(name string) *governancev1alpha1.ReviewUnit {
	u := &governancev1alpha1.ReviewUnit{}
	if !s.x.get(s.ctx, client.ObjectKey{Name: name}, u) {
		return nil
	}
	return u
}
