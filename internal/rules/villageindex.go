package rules

import (
	"cmp"
	"slices"
	"sync"

	governancev1alpha1 "github.com/cunshe/cunshe-operator/api/v1alpha1"
)

// VillageGroup counts the villages a task reaches that the task rules cannot
// tell apart: same county, type, published revision and paper-ledger
// exemption. Rules decide per group, so a citywide task costs the same as a
// one-village task.
type VillageGroup struct {
	County            string
	Type              governancev1alpha1.VillageType
	Revision          int64
	PaperLedgerExempt bool
	Count             int
	// Example is one village of the group, for messages.
	Example string
}

// villageFacts is what the task rules read of a village.
type villageFacts struct {
	County            string
	Type              governancev1alpha1.VillageType
	Revision          int64
	PaperLedgerExempt bool
}

func factsOf(v *governancev1alpha1.Village) villageFacts {
	return villageFacts{County: v.Spec.County.Code, Type: v.Spec.Type, Revision: v.Status.PublishedRevision, PaperLedgerExempt: v.Status.PaperLedgerExempt}
}

type groupCount struct {
	count   int
	example string
}

// VillageIndex keeps villages grouped by the facts the task rules read. It
// is safe for concurrent use: informers feed it while webhooks read it.
type VillageIndex struct {
	mu     sync.RWMutex
	byCode map[string]villageFacts
	groups map[villageFacts]*groupCount
	// held is the revision each village's lists ConfigMap holds, when known:
	// it is what the village holds the moment a rollout writes it, before
	// the village's status catches up.
	held map[string]int64
}

// NewVillageIndex returns an empty index.
func NewVillageIndex() *VillageIndex {
	return &VillageIndex{byCode: map[string]villageFacts{}, groups: map[villageFacts]*groupCount{}, held: map[string]int64{}}
}

// Upsert records a village or its change.
func (x *VillageIndex) Upsert(v *governancev1alpha1.Village) {
	x.mu.Lock()
	defer x.mu.Unlock()
	facts := factsOf(v)
	if rev, ok := x.held[v.Name]; ok {
		facts.Revision = rev
	}
	x.set(v.Name, facts)
}

// Hold records the revision a village's published lists hold.
func (x *VillageIndex) Hold(code string, revision int64) {
	x.mu.Lock()
	defer x.mu.Unlock()
	x.held[code] = revision
	if facts, ok := x.byCode[code]; ok {
		facts.Revision = revision
		x.set(code, facts)
	}
}

func (x *VillageIndex) set(code string, facts villageFacts) {
	if old, ok := x.byCode[code]; ok {
		if old == facts {
			return
		}
		x.remove(code, old)
	}
	x.byCode[code] = facts
	g := x.groups[facts]
	if g == nil {
		g = &groupCount{example: code}
		x.groups[facts] = g
	}
	g.count++
}

// Delete forgets a village.
func (x *VillageIndex) Delete(code string) {
	x.mu.Lock()
	defer x.mu.Unlock()
	if old, ok := x.byCode[code]; ok {
		x.remove(code, old)
		delete(x.byCode, code)
	}
	delete(x.held, code)
}

func (x *VillageIndex) remove(code string, facts villageFacts) {
	g := x.groups[facts]
	g.count--
	switch {
	case g.count == 0:
		delete(x.groups, facts)
	case g.example == code:
		// The smallest remaining code, so messages do not depend on map order.
		g.example = ""
		for other, f := range x.byCode {
			if f == facts && other != code && (g.example == "" || other < g.example) {
				g.example = other
			}
		}
	}
}

// Len is the number of villages indexed.
func (x *VillageIndex) Len() int {
	x.mu.RLock()
	defer x.mu.RUnlock()
	return len(x.byCode)
}

// TargetVillages resolves a task's targets into groups, and names the
// village or county codes that match no village.
func (x *VillageIndex) TargetVillages(t governancev1alpha1.TaskTargets) (groups []VillageGroup, unknown []string) {
	x.mu.RLock()
	defer x.mu.RUnlock()
	switch {
	case len(t.Villages) > 0:
		picked := map[villageFacts]*groupCount{}
		for _, code := range t.Villages {
			f, ok := x.byCode[code]
			if !ok {
				unknown = append(unknown, code)
				continue
			}
			if g := picked[f]; g != nil {
				g.count++
			} else {
				picked[f] = &groupCount{count: 1, example: code}
			}
		}
		return sortedGroups(picked, nil), unknown
	case len(t.Counties) > 0:
		want := map[string]bool{}
		for _, c := range t.Counties {
			want[c] = false
		}
		groups = sortedGroups(x.groups, func(f villageFacts) bool {
			if _, ok := want[f.County]; ok {
				want[f.County] = true
				return true
			}
			return false
		})
		for _, c := range t.Counties {
			if !want[c] {
				unknown = append(unknown, c)
			}
		}
		return groups, unknown
	case t.All:
		return sortedGroups(x.groups, nil), nil
	}
	return nil, nil
}

func sortedGroups(m map[villageFacts]*groupCount, keep func(villageFacts) bool) []VillageGroup {
	out := make([]VillageGroup, 0, len(m))
	for f, g := range m {
		if keep != nil && !keep(f) {
			continue
		}
		out = append(out, VillageGroup{County: f.County, Type: f.Type, Revision: f.Revision, PaperLedgerExempt: f.PaperLedgerExempt, Count: g.count, Example: g.example})
	}
	slices.SortFunc(out, func(a, b VillageGroup) int {
		return cmp.Or(cmp.Compare(a.County, b.County), cmp.Compare(a.Type, b.Type), cmp.Compare(a.Revision, b.Revision),
			cmp.Compare(boolInt(a.PaperLedgerExempt), boolInt(b.PaperLedgerExempt)), cmp.Compare(a.Example, b.Example))
	})
	return out
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}
