package faults

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/client"

	governancev1alpha1 "github.com/cunshe/cunshe-operator/api/v1alpha1"
	"github.com/cunshe/cunshe-operator/internal/publish"
)

// verdict is what a check of the converged city found.
type verdict struct {
	// mixed are the villages that held, at any moment the watch saw, or
	// hold now, lists that are not exactly what publish renders for the
	// revision annotated (or whose status names another revision).
	mixed map[string]bool
	// regressions are ConfigMaps that went back to an older revision.
	regressions int
	// lost are approvals, reports and decisions the suite created that
	// are gone, and items it created that are gone.
	lost int
	// revisions is the latest revision; revisionProblems are numbers
	// skipped or cut twice and consecutive revisions with equal content.
	revisions        int64
	revisionProblems int
	problems         []string
}

func (v *verdict) note(format string, args ...any) {
	if len(v.problems) < 20 {
		v.problems = append(v.problems, fmt.Sprintf(format, args...))
	}
}

func (v *verdict) String() string { return strings.Join(v.problems, "\n") }

// verify checks the converged city against everything the suite knows.
func (c *city) verify(ctx context.Context) (*verdict, error) {
	s, err := c.watch.state(ctx)
	if err != nil {
		return nil, err
	}
	v := &verdict{mixed: map[string]bool{}, revisions: s.latest()}
	c.checkRevisions(s, v)
	if err := c.checkContents(ctx, s, v); err != nil {
		return nil, err
	}
	if err := c.checkNothingLost(ctx, v); err != nil {
		return nil, err
	}
	mixed, regressions := c.watch.faultsSeen()
	for _, m := range mixed {
		ns, _, _ := strings.Cut(m, "@")
		v.mixed[ns] = true
	}
	v.regressions = len(regressions)
	// Each observation is reported once, by the check that follows it.
	for _, m := range mixed[min(c.reportedMixed, len(mixed)):] {
		v.note("observed: %s", m)
	}
	for _, r := range summarise(regressions[min(c.reportedRegressions, len(regressions)):]) {
		v.note("observed: %s", r)
	}
	c.reportedMixed, c.reportedRegressions = len(mixed), len(regressions)
	return v, nil
}

// summarise counts regressions by the revisions they went between.
func summarise(regressions []regression) []string {
	counts := map[[2]int64]int{}
	for _, r := range regressions {
		counts[[2]int64{r.from, r.to}]++
	}
	var out []string
	for k, n := range counts {
		out = append(out, fmt.Sprintf("%d villages went back from revision %d to %d", n, k[0], k[1]))
	}
	slices.Sort(out)
	return out
}

// checkRevisions: the revisions are numbered 1, 2, 3, … with none skipped
// or cut twice (the manager keeps them all: --revision-history-limit), and
// no two in a row hold the same content.
func (c *city) checkRevisions(s *state, v *verdict) {
	for i, rev := range s.revisions {
		if rev.Spec.Revision != int64(i+1) {
			v.revisionProblems++
			v.note("revision %s is number %d, want %d (a number skipped or cut twice)", rev.Name, rev.Spec.Revision, i+1)
		}
		if i > 0 && rev.Spec.ContentHash == s.revisions[i-1].Spec.ContentHash {
			v.revisionProblems++
			v.note("revisions %d and %d hold the same items", s.revisions[i-1].Spec.Revision, rev.Spec.Revision)
		}
	}
}

// checkContents renders every village's lists for the revision its
// ConfigMap names and compares them byte for byte, and its status.
func (c *city) checkContents(ctx context.Context, s *state, v *verdict) error {
	catalog, err := c.catalog(ctx)
	if err != nil {
		return err
	}
	byNumber := map[int64]*governancev1alpha1.ListRevision{}
	for i := range s.revisions {
		byNumber[s.revisions[i].Spec.Revision] = &s.revisions[i]
	}
	type rendered struct{ data, hash string }
	memo := map[string]rendered{}
	for code, village := range s.villages {
		ns := namespaceOf(code)
		held := s.heldRevision(code)
		if village.Status.PublishedRevision != held {
			v.mixed[ns] = true
			v.note("%s: status says revision %d, its lists hold %d", code, village.Status.PublishedRevision, held)
		}
		rev := byNumber[held]
		if rev == nil {
			if held != 0 {
				v.mixed[ns] = true
				v.note("%s holds revision %d, which does not exist", code, held)
			}
			continue
		}
		key := fmt.Sprintf("%d/%s/%s", held, village.Spec.County.Code, village.Spec.Type)
		want, ok := memo[key]
		if !ok {
			data, hash, err := publish.Render(publish.ForVillage(rev, village, catalog))
			if err != nil {
				return err
			}
			want = rendered{data, hash}
			memo[key] = want
		}
		cm := s.lists[ns]
		data, _, err := publish.Load(cm)
		if err != nil || data != want.data || cm.Annotations[publish.AnnotationContentHash] != want.hash {
			v.mixed[ns] = true
			v.note("%s: its lists are not what revision %d renders for it", code, held)
		}
	}
	return nil
}

func (c *city) catalog(ctx context.Context) (publish.Catalog, error) {
	catalog := publish.Catalog{Items: map[string]*governancev1alpha1.ListItem{}, Flows: map[string]*governancev1alpha1.PowerFlow{}}
	items := &governancev1alpha1.ListItemList{}
	if err := c.h.client.List(ctx, items); err != nil {
		return catalog, err
	}
	for i := range items.Items {
		catalog.Items[items.Items[i].Name] = &items.Items[i]
	}
	flows := &governancev1alpha1.PowerFlowList{}
	if err := c.h.client.List(ctx, flows); err != nil {
		return catalog, err
	}
	for i := range flows.Items {
		catalog.Flows[flows.Items[i].Name] = &flows.Items[i]
	}
	return catalog, nil
}

// checkNothingLost: every item, approval, report and decision the suite
// created (the API server answered 201) is still there.
func (c *city) checkNothingLost(ctx context.Context, v *verdict) error {
	present := func(list client.ObjectList) (map[string]bool, error) {
		if err := c.h.client.List(ctx, list); err != nil {
			return nil, err
		}
		out := map[string]bool{}
		objs, err := metaItems(list)
		if err != nil {
			return nil, err
		}
		for _, o := range objs {
			out[types.NamespacedName{Namespace: o.GetNamespace(), Name: o.GetName()}.String()] = true
		}
		return out, nil
	}
	lists := map[string]client.ObjectList{"ListItem": &governancev1alpha1.ListItemList{}, "ItemApproval": &governancev1alpha1.ItemApprovalList{},
		"Report": &governancev1alpha1.ReportList{}, "ReportDecision": &governancev1alpha1.ReportDecisionList{}}
	have := map[string]map[string]bool{}
	for kind, list := range lists {
		var err error
		if have[kind], err = present(list); err != nil {
			return err
		}
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	want := map[string][]string{}
	want["ListItem"] = append(want["ListItem"], c.items...)
	for name := range c.approvals {
		want["ItemApproval"] = append(want["ItemApproval"], name)
	}
	for key := range c.reports {
		want["Report"] = append(want["Report"], key.String())
	}
	for key := range c.decisions {
		want["ReportDecision"] = append(want["ReportDecision"], key.String())
	}
	for kind, names := range want {
		for _, name := range names {
			if !have[kind][name] && !have[kind]["/"+name] {
				v.lost++
				v.note("%s %s was created and is gone", kind, name)
			}
		}
	}
	return nil
}

// metaItems are the objects of a list.
func metaItems(list client.ObjectList) ([]client.Object, error) {
	objs, err := meta.ExtractList(list)
	if err != nil {
		return nil, err
	}
	out := make([]client.Object, 0, len(objs))
	for _, o := range objs {
		out = append(out, o.(client.Object))
	}
	return out, nil
}
