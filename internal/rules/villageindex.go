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

// place is where the group's villages stand, for TaskReaches. Its code is
// the example's: a group resolved from named villages (pick) holds named
// villages only, and for "all" or counties TargetsName reads the county
// alone, which every village of the group shares.
func (g VillageGroup) place() Place {
	return Place{Code: g.Example, County: g.County, Type: g.Type}
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

// group is the villages of one set of facts; example is its smallest code.
type group struct {
	facts   villageFacts
	count   int
	example string
}

func (g *group) public() VillageGroup {
	f := g.facts
	return VillageGroup{County: f.County, Type: f.Type, Revision: f.Revision, PaperLedgerExempt: f.PaperLedgerExempt, Count: g.count, Example: g.example}
}

// VillageIndex keeps villages grouped by the facts the task rules read. It
// is safe for concurrent use: informers feed it while webhooks read it.
type VillageIndex struct {
	mu     sync.RWMutex
	byCode map[string]*group
	groups map[villageFacts]*group
	// ordered is every group, sorted; built on the first read after a
	// change and never modified, so "all" and county targets need no sort.
	ordered []VillageGroup
	// held is the revision each village's lists ConfigMap holds, when known:
	// it is what the village holds the moment a rollout writes it, before
	// the village's status catches up.
	held map[string]int64
}

// NewVillageIndex returns an empty index.
func NewVillageIndex() *VillageIndex {
	return &VillageIndex{byCode: map[string]*group{}, groups: map[villageFacts]*group{}, held: map[string]int64{}}
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

// Revision is the revision the task rules take a village to hold — what
// admission decides on — and whether the index knows the village.
func (x *VillageIndex) Revision(code string) (int64, bool) {
	x.mu.Lock()
	defer x.mu.Unlock()
	g, ok := x.byCode[code]
	if !ok {
		return 0, false
	}
	return g.facts.Revision, true
}

// Hold records the revision a village's published lists hold.
func (x *VillageIndex) Hold(code string, revision int64) {
	x.mu.Lock()
	defer x.mu.Unlock()
	x.held[code] = revision
	if g, ok := x.byCode[code]; ok {
		facts := g.facts
		facts.Revision = revision
		x.set(code, facts)
	}
}

func (x *VillageIndex) set(code string, facts villageFacts) {
	if old, ok := x.byCode[code]; ok {
		if old.facts == facts {
			return
		}
		x.remove(code, old)
	}
	g := x.groups[facts]
	if g == nil {
		g = &group{facts: facts, example: code}
		x.groups[facts] = g
	}
	g.count++
	g.example = min(g.example, code)
	x.byCode[code] = g
	x.ordered = nil
}

// Delete forgets a village.
func (x *VillageIndex) Delete(code string) {
	x.mu.Lock()
	defer x.mu.Unlock()
	if old, ok := x.byCode[code]; ok {
		x.remove(code, old)
		x.ordered = nil
	}
	delete(x.held, code)
}

// remove takes the village out of its group and of byCode.
func (x *VillageIndex) remove(code string, g *group) {
	delete(x.byCode, code)
	g.count--
	switch {
	case g.count == 0:
		delete(x.groups, g.facts)
	case g.example == code:
		// The smallest remaining code, so messages do not depend on map order.
		g.example = ""
		for other, in := range x.byCode {
			if in == g && (g.example == "" || other < g.example) {
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

// TargetVillages resolves a task's targets into the groups of villages
// they name (TargetsName), and names the village or county codes that match
// no village. Named villages are looked up by code; for counties and "all"
// every group is asked.
func (x *VillageIndex) TargetVillages(t governancev1alpha1.TaskTargets) (groups []VillageGroup, unknown []string) {
	if len(t.Villages) > 0 {
		return x.pick(t.Villages)
	}
	for _, g := range x.sorted() {
		if TargetsName(t, g.place()) {
			groups = append(groups, g)
		}
	}
	for _, c := range t.Counties {
		if !slices.ContainsFunc(groups, func(g VillageGroup) bool { return g.County == c }) {
			unknown = append(unknown, c)
		}
	}
	return groups, unknown
}

// pick groups the named villages; a group's example is the first named.
func (x *VillageIndex) pick(codes []string) (groups []VillageGroup, unknown []string) {
	picked := map[*group]int{}
	x.mu.RLock()
	for _, code := range codes {
		g, ok := x.byCode[code]
		if !ok {
			unknown = append(unknown, code)
			continue
		}
		if i, ok := picked[g]; ok {
			groups[i].Count++
			continue
		}
		picked[g] = len(groups)
		groups = append(groups, VillageGroup{County: g.facts.County, Type: g.facts.Type, Revision: g.facts.Revision,
			PaperLedgerExempt: g.facts.PaperLedgerExempt, Count: 1, Example: code})
	}
	x.mu.RUnlock()
	slices.SortFunc(groups, compareGroups)
	return groups, unknown
}

// sorted returns every group in order; the caller must not modify it.
func (x *VillageIndex) sorted() []VillageGroup {
	x.mu.RLock()
	s := x.ordered
	x.mu.RUnlock()
	if s != nil {
		return s
	}
	x.mu.Lock()
	defer x.mu.Unlock()
	if x.ordered == nil {
		s = make([]VillageGroup, 0, len(x.groups))
		for _, g := range x.groups {
			s = append(s, g.public())
		}
		slices.SortFunc(s, compareGroups)
		x.ordered = s
	}
	return x.ordered
}

// compareGroups orders groups by county, type, revision, exemption, example.
func compareGroups(a, b VillageGroup) int {
	if c := cmp.Compare(a.County, b.County); c != 0 {
		return c
	}
	if c := cmp.Compare(a.Type, b.Type); c != 0 {
		return c
	}
	if c := cmp.Compare(a.Revision, b.Revision); c != 0 {
		return c
	}
	if a.PaperLedgerExempt != b.PaperLedgerExempt {
		return cmp.Compare(boolInt(a.PaperLedgerExempt), boolInt(b.PaperLedgerExempt))
	}
	return cmp.Compare(a.Example, b.Example)
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}
