package webhooks

import (
	"context"

	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"

	governancev1alpha1 "github.com/cunshe/cunshe-operator/api/v1alpha1"
	"github.com/cunshe/cunshe-operator/internal/listindex"
	"github.com/cunshe/cunshe-operator/internal/rules"
)

// Field indexes the snapshot reads through.
const (
	IndexVillageCounty = "spec.county.code"
	IndexItemFlow      = "spec.flowRef"
)

// SetupIndexes registers the cache indexes the snapshot needs.
func SetupIndexes(ctx context.Context, mgr ctrl.Manager) error {
	idx := mgr.GetFieldIndexer()
	if err := idx.IndexField(ctx, &governancev1alpha1.Village{}, IndexVillageCounty, func(o client.Object) []string {
		return []string{o.(*governancev1alpha1.Village).Spec.County.Code}
	}); err != nil {
		return err
	}
	return idx.IndexField(ctx, &governancev1alpha1.ListItem{}, IndexItemFlow, func(o client.Object) []string {
		if ref := o.(*governancev1alpha1.ListItem).Spec.FlowRef; ref != "" {
			return []string{ref}
		}
		return nil
	})
}

// cacheSnapshot answers the rule engine's questions from the manager's
// cache, without copying objects it only looks at. Read errors count as
// "not found": the request is then refused, never wrongly admitted.
type cacheSnapshot struct {
	ctx    context.Context
	reader client.Reader
	live   client.Reader
	index  *listindex.Index
	// liveJurisdictions reads the jurisdictions from the API server: a
	// refusal is decided again this way (see readers.validate).
	liveJurisdictions bool
}

var _ rules.Snapshot = cacheSnapshot{}

// get reads from the cache and, on a miss, from the API server: an object
// created a moment ago (a GitOps sync applies a unit, then its approvals)
// may not have reached the cache yet.
func (s cacheSnapshot) get(name string, obj client.Object) bool {
	key := client.ObjectKey{Name: name}
	if err := s.reader.Get(s.ctx, key, obj); err == nil {
		return true
	}
	return s.live.Get(s.ctx, key, obj) == nil
}

func (s cacheSnapshot) ReviewUnit(name string) *governancev1alpha1.ReviewUnit {
	u := &governancev1alpha1.ReviewUnit{}
	if !s.get(name, u) {
		return nil
	}
	return u
}

func (s cacheSnapshot) ReviewUnits() []governancev1alpha1.ReviewUnit {
	list := &governancev1alpha1.ReviewUnitList{}
	if err := s.reader.List(s.ctx, list); err != nil {
		return nil
	}
	return list.Items
}

func (s cacheSnapshot) PowerFlow(name string) *governancev1alpha1.PowerFlow {
	f := &governancev1alpha1.PowerFlow{}
	if !s.get(name, f) {
		return nil
	}
	return f
}

func (s cacheSnapshot) ListItem(name string) *governancev1alpha1.ListItem {
	item := &governancev1alpha1.ListItem{}
	if !s.get(name, item) {
		return nil
	}
	return item
}

// ItemsUsingFlow reads the cache and, when it holds no user, the API
// server: an item created a moment ago may not have reached the cache, and
// "no user" would let its flow be deleted or changed. A flow changes rarely,
// so the live read costs little.
func (s cacheSnapshot) ItemsUsingFlow(flow string) []string {
	names, err := itemsUsingFlow(s.ctx, s.reader, flow, client.MatchingFields{IndexItemFlow: flow})
	if err == nil && len(names) == 0 {
		names, err = itemsUsingFlow(s.ctx, s.live, flow)
	}
	if err != nil {
		return []string{"(unknown: " + err.Error() + ")"}
	}
	return names
}

// itemsUsingFlow are the unretired items whose flowRef names flow.
func itemsUsingFlow(ctx context.Context, r client.Reader, flow string, opts ...client.ListOption) ([]string, error) {
	list := &governancev1alpha1.ListItemList{}
	if err := r.List(ctx, list, append(opts, client.UnsafeDisableDeepCopy)...); err != nil {
		return nil, err
	}
	var names []string
	for _, item := range list.Items {
		if item.Spec.FlowRef == flow && item.Status.Phase != governancev1alpha1.PhaseRetired {
			names = append(names, item.Name)
		}
	}
	return names, nil
}

func (s cacheSnapshot) CountyKnown(code string) bool {
	list := &governancev1alpha1.VillageList{}
	err := s.reader.List(s.ctx, list, client.MatchingFields{IndexVillageCounty: code}, client.UnsafeDisableDeepCopy)
	return err == nil && len(list.Items) > 0
}

func (s cacheSnapshot) DepartmentKnown(id string) bool { return s.index.DepartmentKnown(s.ctx, id) }

// Jurisdictions are the cities and provinces in the cache; a Jurisdiction
// applied a moment ago may not be cached yet, so an empty cache asks the API
// server before it concludes there is none.
func (s cacheSnapshot) Jurisdictions() rules.Jurisdictions {
	if s.liveJurisdictions {
		return readJurisdictions(s.ctx, s.live, s.live)
	}
	return readJurisdictions(s.ctx, s.reader, s.live)
}

func readJurisdictions(ctx context.Context, cached, live client.Reader) rules.Jurisdictions {
	list := &governancev1alpha1.JurisdictionList{}
	if err := cached.List(ctx, list, client.UnsafeDisableDeepCopy); err != nil || len(list.Items) == 0 {
		if err := live.List(ctx, list); err != nil {
			return rules.NewJurisdictions(nil)
		}
	}
	return rules.NewJurisdictions(list.Items)
}
