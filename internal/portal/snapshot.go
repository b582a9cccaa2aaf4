// Package portal is the public face of the platform (S9, S10): every
// village's lists, micro-power flows, boards, 三务公开 records, the tasks
// that reach it and the notices in force, on pages a resident opens by
// scanning the QR code on the office wall. It reads a Snapshot of the
// manager's cache (no API call per page view); `kubectl cunshe portal
// export` renders the same pages to files through the same handler.
package portal

import (
	"cmp"
	"context"
	"fmt"
	"hash/fnv"
	"html/template"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	corev1 "k8s.io/api/core/v1"
	toolscache "k8s.io/client-go/tools/cache"
	"sigs.k8s.io/controller-runtime/pkg/cache"
	"sigs.k8s.io/controller-runtime/pkg/client"

	governancev1alpha1 "github.com/cunshe/cunshe-operator/api/v1alpha1"
	"github.com/cunshe/cunshe-operator/internal/publish"
	"github.com/cunshe/cunshe-operator/internal/rules"
	"github.com/cunshe/cunshe-operator/internal/tenant"
)

// City, County and Township are the navigation tree, built from the villages.
type City struct {
	Code, Name string
	Counties   []*County
	Villages   int
}

type County struct {
	Code, Name string
	City       *City
	Townships  []*Township
	Villages   int
}

type Township struct {
	Code, Name string
	County     *County
	Villages   []*governancev1alpha1.Village
}

// Snapshot is what the pages show, read at one moment. Its objects are the
// cache's own (read with UnsafeDisableDeepCopy): nothing here modifies them.
type Snapshot struct {
	Built     time.Time
	juris     rules.Jurisdictions
	cities    []*City
	counties  map[string]*County
	townships map[string]*Township
	villages  map[string]*governancev1alpha1.Village
	// held is the revision each tenant's lists ConfigMap holds (its annotation).
	held      map[string]int64
	revisions map[revisionKey]*governancev1alpha1.ListRevision
	catalog   publish.Catalog
	tasks     []*governancev1alpha1.Task
	// tasksByTarget indexes the tasks by what their targets name ("" for
	// all, a county's or a village's code), so a page costs the same with
	// ten thousand tasks.
	tasksByTarget map[string][]*governancev1alpha1.Task
	disclosures   map[string][]*governancev1alpha1.Disclosure // by namespace
	notices       []*governancev1alpha1.PublicNotice
	compliance    map[string]*governancev1alpha1.DepartmentCompliance
	sets          map[string]*governancev1alpha1.SignboardSet // by namespace
	styles        map[string]*governancev1alpha1.SignboardStyle
	units         []*governancev1alpha1.ReviewUnit
	// treeVersion changes when a village's name or place changes, not its status.
	treeVersion string

	// lists caches what publish.ForVillage gives per (revision, county, type),
	// and its HTML: villages of one county and type hold the same lists.
	mu    sync.Mutex
	lists map[listsKey]*listsEntry
}

// listsEntry is one (revision, county, type)'s lists, rendered once.
type listsEntry struct {
	lists *publish.VillageLists
	rev   *governancev1alpha1.ListRevision
	once  sync.Once
	html  template.HTML // the lists and flows sections
	svc   template.HTML // the services the lists carry
	err   error
}

type revisionKey struct {
	city string
	n    int64
}

type listsKey struct {
	revision string
	county   string
	typ      governancev1alpha1.VillageType
}

// Build reads a snapshot from r: the manager's cache, or for the export a
// live client. Each kind is listed once.
func Build(ctx context.Context, r client.Reader) (*Snapshot, error) {
	s := &Snapshot{
		Built: time.Now(), counties: map[string]*County{}, townships: map[string]*Township{},
		villages: map[string]*governancev1alpha1.Village{}, held: map[string]int64{},
		revisions:   map[revisionKey]*governancev1alpha1.ListRevision{},
		catalog:     publish.Catalog{Items: map[string]*governancev1alpha1.ListItem{}, Flows: map[string]*governancev1alpha1.PowerFlow{}},
		disclosures: map[string][]*governancev1alpha1.Disclosure{}, compliance: map[string]*governancev1alpha1.DepartmentCompliance{},
		sets: map[string]*governancev1alpha1.SignboardSet{}, styles: map[string]*governancev1alpha1.SignboardStyle{},
		lists: map[listsKey]*listsEntry{},
	}
	for _, load := range []func(context.Context, client.Reader) error{
		s.loadJurisdictions, s.loadVillages, s.loadLists, s.loadRevisions, s.loadCatalog,
		s.loadTasks, s.loadDisclosures, s.loadNotices, s.loadCompliance, s.loadSignboards, s.loadUnits,
	} {
		if err := load(ctx, r); err != nil {
			return nil, err
		}
	}
	return s, nil
}

var shared = client.UnsafeDisableDeepCopy

// objectsOf lists a kind as pointers. From the manager's cache they are its
// informer's own objects, with no copy: a province's villages, records and
// signboard sets would otherwise be copied into every snapshot. From any
// other reader (the export's live client) through List with opts; callers
// check what opts select themselves, as the cache's informer may hold more.
func objectsOf[T any, P interface {
	*T
	client.Object
}](ctx context.Context, r client.Reader, list client.ObjectList, items func() []T, opts ...client.ListOption) ([]P, error) {
	if c, ok := r.(cache.Cache); ok {
		inf, err := c.GetInformer(ctx, P(new(T)))
		if err != nil {
			return nil, err
		}
		if store, ok := inf.(interface{ GetStore() toolscache.Store }); ok {
			objs := store.GetStore().List()
			out := make([]P, 0, len(objs))
			for _, o := range objs {
				if p, ok := o.(P); ok {
					out = append(out, p)
				}
			}
			return out, nil
		}
	}
	if err := r.List(ctx, list, append(opts, shared)...); err != nil {
		return nil, err
	}
	its := items()
	out := make([]P, len(its))
	for i := range its {
		out[i] = P(&its[i])
	}
	return out, nil
}

func (s *Snapshot) loadJurisdictions(ctx context.Context, r client.Reader) error {
	list := &governancev1alpha1.JurisdictionList{}
	if err := r.List(ctx, list, shared); err != nil {
		return err
	}
	s.juris = rules.NewJurisdictions(list.Items)
	return nil
}

// loadVillages builds the tree city → county → township → village, each
// level sorted by code.
func (s *Snapshot) loadVillages(ctx context.Context, r client.Reader) error {
	list := &governancev1alpha1.VillageList{}
	villages, err := objectsOf[governancev1alpha1.Village](ctx, r, list, func() []governancev1alpha1.Village { return list.Items })
	if err != nil {
		return err
	}
	cities := map[string]*City{}
	tree := fnv.New64a()
	for _, v := range villages {
		if !v.DeletionTimestamp.IsZero() {
			continue
		}
		s.villages[v.Name] = v
		fmt.Fprintf(tree, "%s\t%s\t%s\t%s\t%s\n", v.Name, v.Spec.Name, v.Spec.Type, v.Spec.Township.Name, v.Spec.County.Name)
		cityCode := governancev1alpha1.CityOf(v.Spec.Code)
		city := cities[cityCode]
		if city == nil {
			city = &City{Code: cityCode, Name: s.cityName(cityCode)}
			cities[cityCode] = city
			s.cities = append(s.cities, city)
		}
		county := s.counties[v.Spec.County.Code]
		if county == nil {
			county = &County{Code: v.Spec.County.Code, Name: v.Spec.County.Name, City: city}
			s.counties[county.Code] = county
			city.Counties = append(city.Counties, county)
		}
		town := s.townships[v.Spec.Township.Code]
		if town == nil {
			town = &Township{Code: v.Spec.Township.Code, Name: v.Spec.Township.Name, County: county}
			s.townships[town.Code] = town
			county.Townships = append(county.Townships, town)
		}
		town.Villages = append(town.Villages, v)
		county.Villages++
		city.Villages++
	}
	s.treeVersion = fmt.Sprintf("%x", tree.Sum64())
	slices.SortFunc(s.cities, func(a, b *City) int { return cmp.Compare(a.Code, b.Code) })
	for _, c := range s.cities {
		slices.SortFunc(c.Counties, func(a, b *County) int { return cmp.Compare(a.Code, b.Code) })
		for _, co := range c.Counties {
			slices.SortFunc(co.Townships, func(a, b *Township) int { return cmp.Compare(a.Code, b.Code) })
			for _, t := range co.Townships {
				slices.SortFunc(t.Villages, func(a, b *governancev1alpha1.Village) int { return cmp.Compare(a.Name, b.Name) })
			}
		}
	}
	return nil
}

func (s *Snapshot) cityName(code string) string {
	if j := s.juris.Get(code); j != nil {
		return j.Spec.Name
	}
	return code
}

// loadLists reads which revision each village holds: its lists ConfigMap's
// annotation, the same the task webhook reads.
func (s *Snapshot) loadLists(ctx context.Context, r client.Reader) error {
	list := &corev1.ConfigMapList{}
	cms, err := objectsOf[corev1.ConfigMap](ctx, r, list, func() []corev1.ConfigMap { return list.Items }, client.MatchingLabels{tenant.LabelLists: "true"})
	if err != nil {
		return err
	}
	for _, cm := range cms {
		if cm.Labels[tenant.LabelLists] != "true" {
			continue
		}
		if n, err := strconv.ParseInt(cm.Annotations[publish.AnnotationRevision], 10, 64); err == nil {
			s.held[cm.Namespace] = n
		}
	}
	return nil
}

func (s *Snapshot) loadRevisions(ctx context.Context, r client.Reader) error {
	list := &governancev1alpha1.ListRevisionList{}
	if err := r.List(ctx, list, shared); err != nil {
		return err
	}
	for i := range list.Items {
		rev := &list.Items[i]
		s.revisions[revisionKey{s.juris.RevisionCity(rev), rev.Spec.Revision}] = rev
	}
	return nil
}

func (s *Snapshot) loadCatalog(ctx context.Context, r client.Reader) error {
	items := &governancev1alpha1.ListItemList{}
	if err := r.List(ctx, items, shared); err != nil {
		return err
	}
	for i := range items.Items {
		s.catalog.Items[items.Items[i].Name] = &items.Items[i]
	}
	flows := &governancev1alpha1.PowerFlowList{}
	if err := r.List(ctx, flows, shared); err != nil {
		return err
	}
	for i := range flows.Items {
		s.catalog.Flows[flows.Items[i].Name] = &flows.Items[i]
	}
	return nil
}

func (s *Snapshot) loadTasks(ctx context.Context, r client.Reader) error {
	list := &governancev1alpha1.TaskList{}
	tasks, err := objectsOf[governancev1alpha1.Task](ctx, r, list, func() []governancev1alpha1.Task { return list.Items })
	if err != nil {
		return err
	}
	s.tasks = tasks
	slices.SortFunc(s.tasks, newestTaskFirst)
	s.tasksByTarget = map[string][]*governancev1alpha1.Task{}
	for _, t := range s.tasks {
		targets := t.Spec.Targets
		switch {
		case targets.All:
			s.tasksByTarget[""] = append(s.tasksByTarget[""], t)
		case len(targets.Counties) > 0:
			for _, c := range targets.Counties {
				s.tasksByTarget[c] = append(s.tasksByTarget[c], t)
			}
		default:
			for _, v := range targets.Villages {
				s.tasksByTarget[v] = append(s.tasksByTarget[v], t)
			}
		}
	}
	return nil
}

func newestTaskFirst(a, b *governancev1alpha1.Task) int {
	return cmp.Or(b.CreationTimestamp.Compare(a.CreationTimestamp.Time), cmp.Compare(a.Namespace, b.Namespace), cmp.Compare(a.Name, b.Name))
}

// loadDisclosures keeps only the records of village tenants: a Disclosure
// anywhere else was never admitted as one (S10).
func (s *Snapshot) loadDisclosures(ctx context.Context, r client.Reader) error {
	list := &governancev1alpha1.DisclosureList{}
	records, err := objectsOf[governancev1alpha1.Disclosure](ctx, r, list, func() []governancev1alpha1.Disclosure { return list.Items })
	if err != nil {
		return err
	}
	for _, d := range records {
		if rules.VillageOfNamespace(d.Namespace) != "" {
			s.disclosures[d.Namespace] = append(s.disclosures[d.Namespace], d)
		}
	}
	for _, ds := range s.disclosures {
		slices.SortFunc(ds, func(a, b *governancev1alpha1.Disclosure) int {
			return cmp.Or(strings.Compare(b.Spec.Period, a.Spec.Period), b.CreationTimestamp.Compare(a.CreationTimestamp.Time), cmp.Compare(a.Name, b.Name))
		})
	}
	return nil
}

func (s *Snapshot) loadNotices(ctx context.Context, r client.Reader) error {
	list := &governancev1alpha1.PublicNoticeList{}
	if err := r.List(ctx, list, shared); err != nil {
		return err
	}
	for i := range list.Items {
		if n := &list.Items[i]; !n.Withdrawn() {
			s.notices = append(s.notices, n)
		}
	}
	slices.SortFunc(s.notices, func(a, b *governancev1alpha1.PublicNotice) int {
		return cmp.Or(b.CreationTimestamp.Compare(a.CreationTimestamp.Time), cmp.Compare(a.Name, b.Name))
	})
	return nil
}

func (s *Snapshot) loadCompliance(ctx context.Context, r client.Reader) error {
	list := &governancev1alpha1.DepartmentComplianceList{}
	if err := r.List(ctx, list, shared); err != nil {
		return err
	}
	for i := range list.Items {
		s.compliance[list.Items[i].Name] = &list.Items[i]
	}
	return nil
}

func (s *Snapshot) loadSignboards(ctx context.Context, r client.Reader) error {
	list := &governancev1alpha1.SignboardSetList{}
	sets, err := objectsOf[governancev1alpha1.SignboardSet](ctx, r, list, func() []governancev1alpha1.SignboardSet { return list.Items })
	if err != nil {
		return err
	}
	for _, set := range sets {
		if set.Name == governancev1alpha1.SignboardSetName {
			s.sets[set.Namespace] = set
		}
	}
	styles := &governancev1alpha1.SignboardStyleList{}
	if err := r.List(ctx, styles, shared); err != nil {
		return err
	}
	for i := range styles.Items {
		s.styles[styles.Items[i].Name] = &styles.Items[i]
	}
	return nil
}

// Village is the village of a 12-digit code, or nil.
func (s *Snapshot) Village(code string) *governancev1alpha1.Village { return s.villages[code] }

// Lists are the lists a village holds: the revision its ConfigMap names,
// published for it by publish.ForVillage, the function that filled that
// ConfigMap. Nil when it holds none yet.
func (s *Snapshot) Lists(v *governancev1alpha1.Village) (*publish.VillageLists, *governancev1alpha1.ListRevision) {
	if e := s.listsOf(v); e != nil {
		return e.lists, e.rev
	}
	return nil, nil
}

func (s *Snapshot) listsOf(v *governancev1alpha1.Village) *listsEntry {
	n, ok := s.held[governancev1alpha1.TenantNamespaceName(v.Name)]
	if !ok {
		return nil
	}
	rev := s.revisions[revisionKey{s.juris.CityOf(v.Spec.Code), n}]
	if rev == nil {
		return nil
	}
	key := listsKey{rev.Name + "@" + rev.ResourceVersion, v.Spec.County.Code, v.Spec.Type}
	s.mu.Lock()
	defer s.mu.Unlock()
	if e := s.lists[key]; e != nil {
		return e
	}
	l := publish.ForVillage(rev, v, s.catalog)
	e := &listsEntry{lists: &l, rev: rev}
	s.lists[key] = e
	return e
}

// inherit keeps the lists an older snapshot rendered, of the revisions this
// one still holds: published items and their flows never change (S5, P1).
func (s *Snapshot) inherit(old *Snapshot) {
	live := map[string]bool{}
	for _, rev := range s.revisions {
		live[rev.Name+"@"+rev.ResourceVersion] = true
	}
	old.mu.Lock()
	defer old.mu.Unlock()
	s.mu.Lock()
	defer s.mu.Unlock()
	for k, e := range old.lists {
		if live[k.revision] {
			if _, ok := s.lists[k]; !ok {
				s.lists[k] = e
			}
		}
	}
}

// TasksReaching are the tasks that reach the village, newest first:
// rules.TaskReaches decides, over the candidates whose targets name it.
func (s *Snapshot) TasksReaching(v *governancev1alpha1.Village) []*governancev1alpha1.Task {
	var out []*governancev1alpha1.Task
	place := rules.PlaceOf(v)
	for _, key := range []string{"", v.Spec.County.Code, v.Name} {
		for _, t := range s.tasksByTarget[key] {
			if rules.TaskReaches(t, s.catalog.Items[t.Spec.ItemRef], place, s.juris) && !slices.Contains(out, t) {
				out = append(out, t)
			}
		}
	}
	slices.SortFunc(out, newestTaskFirst)
	return out
}

// NoticesFor are the notices in force that name the village or its county.
func (s *Snapshot) NoticesFor(v *governancev1alpha1.Village) []*governancev1alpha1.PublicNotice {
	var out []*governancev1alpha1.PublicNotice
	for _, n := range s.notices {
		if slices.Contains(n.Spec.Villages, v.Name) || (n.Spec.County != "" && n.Spec.County == v.Spec.County.Code) {
			out = append(out, n)
		}
	}
	return out
}

// NoticesOfDepartment are the notices in force that name a department.
func (s *Snapshot) NoticesOfDepartment(dept string) []*governancev1alpha1.PublicNotice {
	var out []*governancev1alpha1.PublicNotice
	for _, n := range s.notices {
		if n.Spec.Department == dept {
			out = append(out, n)
		}
	}
	return out
}

func (s *Snapshot) loadUnits(ctx context.Context, r client.Reader) error {
	list := &governancev1alpha1.ReviewUnitList{}
	if err := r.List(ctx, list, shared); err != nil {
		return err
	}
	for i := range list.Items {
		s.units = append(s.units, &list.Items[i])
	}
	slices.SortFunc(s.units, func(a, b *governancev1alpha1.ReviewUnit) int { return cmp.Compare(a.Name, b.Name) })
	return nil
}

// unitsOf are the review units a village's cadres and residents report to:
// its city's and its province's (S8).
func (s *Snapshot) unitsOf(v *governancev1alpha1.Village) []*governancev1alpha1.ReviewUnit {
	var out []*governancev1alpha1.ReviewUnit
	for _, u := range s.units {
		if s.juris.Reaches(u.Spec.Jurisdiction, v.Spec.Code) {
			out = append(out, u)
		}
	}
	return out
}
