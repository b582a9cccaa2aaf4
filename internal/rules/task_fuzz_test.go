package rules_test

import (
	"cmp"
	"fmt"
	"maps"
	"slices"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/validation/field"

	governancev1alpha1 "github.com/cunshe/cunshe-operator/api/v1alpha1"
	"github.com/cunshe/cunshe-operator/internal/rules"
)

// Run one with: go test -run '^$' -fuzz=FuzzEvaluateTask -fuzztime=1m ./internal/rules/

var (
	taskTypes = []governancev1alpha1.TaskType{governancev1alpha1.TaskWork, governancev1alpha1.TaskWallPosting,
		governancev1alpha1.TaskPaperLedgerInspection, governancev1alpha1.TaskExclusiveRoomUse, ""}
	phases     = []governancev1alpha1.ItemPhase{governancev1alpha1.PhaseApproved, governancev1alpha1.PhasePending, governancev1alpha1.PhaseRetired, ""}
	categories = []governancev1alpha1.EmergencyCategory{governancev1alpha1.EmergencyLifeSafety, governancev1alpha1.EmergencyPublicSafety}
	// taskItemNames are taskSnapshot's items; the fuzzed raw name is sometimes none.
	taskItemNames = []string{"l1-census-assist", "l2-residence-proof", "l4-secretary-duties", "l1-elderly-visit", "l6-village-project", ""}
	// fuzzVillages are the villages of the task fixtures plus a Village of
	// 龙湾区 off the platform on revision 1; fuzzCodes adds one unknown code.
	fuzzVillages = []*governancev1alpha1.Village{
		village(wumaVillage, "330302", governancev1alpha1.TypeVillage, 2, true),
		village(paperVillage, "330302", governancev1alpha1.TypeVillage, 2, false),
		village(longwanCommune, "330303", governancev1alpha1.TypeCommunity, 1, true),
		village("330303001002", "330303", governancev1alpha1.TypeVillage, 1, false),
	}
	fuzzCodes    = []string{wumaVillage, paperVillage, longwanCommune, "330303001002", "330302999999"}
	fuzzCounties = []string{"330302", "330303", "330381"}
)

// picks chooses values by the bits of sel, in their order, with the raw
// value appended when the top bit is set.
func picks(sel uint8, raw string, values []string) []string {
	var out []string
	for i, v := range values {
		if sel&(1<<i) != 0 {
			out = append(out, v)
		}
	}
	if sel&0x80 != 0 {
		out = append(out, raw)
	}
	return out
}

func FuzzEvaluateTask(f *testing.F) {
	// type, title, item, item raw, phase, role, targets mode, villages, counties, raw code, department, emergency, expiry minutes
	f.Add(uint8(0), "2026年人口抽样调查入户协助", uint8(0), "", uint8(0), uint8(2), uint8(2), uint8(0), uint8(0), "", "tjj", false, int32(0))
	f.Add(uint8(1), "居住证明上墙", uint8(1), "", uint8(0), uint8(0), uint8(0), uint8(3), uint8(0), "", "tjj", false, int32(0))
	f.Add(uint8(2), "台账检查", uint8(0), "", uint8(0), uint8(1), uint8(0), uint8(2), uint8(0), "", "tjj", false, int32(0))
	f.Add(uint8(0), "独居老人走访", uint8(3), "", uint8(0), uint8(2), uint8(1), uint8(0), uint8(3), "", "mzj", false, int32(0))
	f.Add(uint8(0), "人口普查补充表格填报", uint8(6), "census-extra-forms", uint8(0), uint8(0), uint8(2), uint8(0), uint8(0), "", "tjj", false, int32(0))
	f.Add(uint8(3), "台风转移", uint8(5), "", uint8(0), uint8(0), uint8(2), uint8(0), uint8(0), "", "tjj", true, int32(7*24*60))
	f.Add(uint8(0), "x", uint8(0), "", uint8(2), uint8(1), uint8(3), uint8(0x91), uint8(0x84), "330302006001", "", true, int32(-5))
	// Built once: each input changes only one item's phase, put back after.
	snap := taskSnapshot()
	for _, v := range fuzzVillages {
		snap.Villages.Upsert(v)
	}
	f.Fuzz(func(t *testing.T, typeSel uint8, title string, itemSel uint8, itemRaw string, phaseSel, roleSel, mode, villageSel, countySel uint8,
		rawCode, dept string, emergency bool, expiresMinutes int32) {
		task := censusTask()
		s := &task.Spec
		s.Type, s.Title = pick(typeSel, "Other", taskTypes...), title
		s.ItemRef = pick(itemSel, itemRaw, taskItemNames...)
		if item := snap.Items[s.ItemRef]; item != nil {
			defer func(phase governancev1alpha1.ItemPhase) { item.Status.Phase = phase }(item.Status.Phase)
			item.Status.Phase = pick(phaseSel, "Rejected", phases...)
		}
		s.VillageRole = pick(roleSel, "Lead", roles...)
		switch mode % 5 {
		case 0:
			s.Targets = governancev1alpha1.TaskTargets{Villages: picks(villageSel, rawCode, fuzzCodes)}
		case 1:
			s.Targets = governancev1alpha1.TaskTargets{Counties: picks(countySel, rawCode, fuzzCounties)}
		case 2:
			s.Targets = governancev1alpha1.TaskTargets{All: true}
		case 3: // more than one at once, which the schema refuses: villages win
			s.Targets = governancev1alpha1.TaskTargets{Villages: picks(villageSel, rawCode, fuzzCodes), Counties: picks(countySel, rawCode, fuzzCounties), All: true}
		default:
			s.Targets = governancev1alpha1.TaskTargets{}
		}
		if emergency {
			s.Emergency = &governancev1alpha1.Emergency{Category: categories[int(typeSel)%len(categories)], Nature: governancev1alpha1.EmergencySudden,
				Issuer: &governancev1alpha1.EmergencyIssuer{Name: "市长 张三", Level: governancev1alpha1.IssuerCity}, Justification: title}
			if expiresMinutes != 0 {
				s.Emergency.Expires = &metav1.Time{Time: now.Add(time.Duration(expiresMinutes) * time.Minute)}
			}
		}
		tc := rules.TaskContext{Department: dept, Created: now}

		v := rules.EvaluateTask(task, tc, snap)
		for _, e := range v.Errs {
			requireRuleMessage(t, e)
			if e.Type == field.ErrorTypeNotFound && strings.HasPrefix(e.Field, "spec.targets") {
				// The unknown codes are villages whenever villages are named (they win).
				if named := len(s.Targets.Villages) > 0; named != (e.Field == "spec.targets.villages") {
					t.Fatalf("unknown targets reported at %s for %+v", e.Field, s.Targets)
				}
			}
		}
		want, reach := naiveTaskVerdict(task, tc, snap)
		if v.Allowed() != want {
			t.Fatalf("allowed = %v, the naive model says %v; findings %v; task %+v, department %q", v.Allowed(), want, v.Errs, task.Spec, dept)
		}
		if !v.Allowed() {
			return
		}
		if v.TargetVillages != reach {
			t.Fatalf("reaches %d villages, the naive model %d; task %+v", v.TargetVillages, reach, task.Spec)
		}
		if s.Type == governancev1alpha1.TaskExclusiveRoomUse {
			t.Fatalf("exclusive room use admitted (S14): %+v", task.Spec)
		}
		if task.IsEmergency() {
			if len(v.Warnings) != 1 || !ruleID.MatchString(v.Warnings[0]) {
				t.Fatalf("an emergency admitted without its S6 warning: %q", v.Warnings)
			}
			return
		}
		// Admitted work: an approved item, held by every village reached.
		item := snap.Items[s.ItemRef]
		if item == nil || item.Status.Phase != governancev1alpha1.PhaseApproved {
			t.Fatalf("admitted under an item that is not approved: %q", s.ItemRef)
		}
		for _, vil := range targeted(s.Targets) {
			in := inScopeNaive(item.Spec.Scope, vil)
			if !in && !s.Targets.All {
				t.Fatalf("village %s outside item %s's scope admitted", vil.Name, item.Name)
			}
			if in && !snap.Revisions[rules.RevisionKey{Number: vil.Status.PublishedRevision}].Has(item.Name) {
				t.Fatalf("village %s reached although its revision %d lacks item %s", vil.Name, vil.Status.PublishedRevision, item.Name)
			}
		}
	})
}

// targeted resolves targets by brute force over the fuzz villages; codes
// named twice count twice, as the index counts them.
func targeted(t governancev1alpha1.TaskTargets) []*governancev1alpha1.Village {
	var out []*governancev1alpha1.Village
	switch {
	case len(t.Villages) > 0:
		for _, code := range t.Villages {
			for _, v := range fuzzVillages {
				if v.Name == code {
					out = append(out, v)
				}
			}
		}
	case len(t.Counties) > 0:
		for _, v := range fuzzVillages {
			if slices.Contains(t.Counties, v.Spec.County.Code) {
				out = append(out, v)
			}
		}
	case t.All:
		out = fuzzVillages
	}
	return out
}

// unknownTarget reports whether a target names no village.
func unknownTarget(t governancev1alpha1.TaskTargets) bool {
	known := func(match func(*governancev1alpha1.Village) bool) bool {
		return slices.ContainsFunc(fuzzVillages, match)
	}
	switch {
	case len(t.Villages) > 0:
		for _, code := range t.Villages {
			if !known(func(v *governancev1alpha1.Village) bool { return v.Name == code }) {
				return true
			}
		}
	case len(t.Counties) > 0:
		for _, c := range t.Counties {
			if !known(func(v *governancev1alpha1.Village) bool { return v.Spec.County.Code == c }) {
				return true
			}
		}
	}
	return false
}

func inScopeNaive(s governancev1alpha1.Scope, v *governancev1alpha1.Village) bool {
	return (len(s.Counties) == 0 || slices.Contains(s.Counties, v.Spec.County.Code)) &&
		(len(s.VillageTypes) == 0 || slices.Contains(s.VillageTypes, v.Spec.Type))
}

// naiveTaskVerdict is an independent account of S1, S2, S6, S11, S14 and
// S17, village by village: whether the task may stand, and how many
// villages it reaches.
func naiveTaskVerdict(task *governancev1alpha1.Task, tc rules.TaskContext, snap *rules.Memory) (bool, int) {
	s := task.Spec
	villages := targeted(s.Targets)
	if tc.Department == "" || s.Type == governancev1alpha1.TaskExclusiveRoomUse || unknownTarget(s.Targets) || undeclaredPhrase(s) {
		return false, 0
	}
	if s.Type == governancev1alpha1.TaskPaperLedgerInspection &&
		slices.ContainsFunc(villages, func(v *governancev1alpha1.Village) bool { return v.Status.PaperLedgerExempt }) {
		return false, 0
	}
	if e := s.Emergency; e != nil {
		ok := e.Expires != nil && e.Expires.After(tc.Created) && e.Expires.Sub(tc.Created) <= rules.MaxEmergency &&
			utf8.RuneCountInString(strings.TrimSpace(e.Justification)) >= rules.MinEmergencyJustification
		return ok, len(villages)
	}
	item := snap.Items[s.ItemRef]
	wall := s.Type == governancev1alpha1.TaskWallPosting
	switch {
	case item == nil, item.Status.Phase != governancev1alpha1.PhaseApproved,
		wall && !item.Spec.ResidentFacing, !wall && item.Spec.List != governancev1alpha1.ListAdmission,
		s.VillageRole == governancev1alpha1.RoleUndertake && item.Spec.VillageRole == governancev1alpha1.RoleAssist,
		len(item.Spec.ResponsibleDepartments) > 0 && !slices.Contains(item.Spec.ResponsibleDepartments, tc.Department):
		return false, 0
	}
	reach := 0
	for _, v := range villages {
		if !inScopeNaive(item.Spec.Scope, v) {
			if !s.Targets.All {
				return false, 0
			}
			continue
		}
		if !snap.Revisions[rules.RevisionKey{Number: v.Status.PublishedRevision}].Has(item.Name) {
			return false, 0
		}
		reach++
	}
	return reach > 0, reach
}

// undeclaredPhrase: the title says a built-in phrase of a rule whose demand
// the task's type does not declare (S11 ledgers, S14 a room, S17 a wall).
func undeclaredPhrase(s governancev1alpha1.TaskSpec) bool {
	declares := map[string]governancev1alpha1.TaskType{rules.S11: governancev1alpha1.TaskPaperLedgerInspection,
		rules.S14: governancev1alpha1.TaskExclusiveRoomUse, rules.S17: governancev1alpha1.TaskWallPosting}
	for _, p := range rules.DefaultTaskPhrases {
		if strings.Contains(s.Title+"\n"+s.Description, p.Phrase) && s.Type != declares[p.Rule] {
			return true
		}
	}
	return false
}

// fuzzFacts are what FuzzVillageIndex's villages may be: county, type,
// revision and exemption picked by the bits of one byte.
func fuzzFacts(code string, b byte) *governancev1alpha1.Village {
	typ := governancev1alpha1.TypeVillage
	if b&4 != 0 {
		typ = governancev1alpha1.TypeCommunity
	}
	return village(code, fuzzCounties[int(b&3)%len(fuzzCounties)], typ, int64(b>>3&3), b&0x20 != 0)
}

func FuzzVillageIndex(f *testing.F) {
	// Bytes in pairs: a village (low 3 bits; 0x80 deletes it) and its facts.
	f.Add([]byte{0, 0, 1, 0, 2, 0, 0x80, 0, 3, 4, 3, 0x2c}, uint8(0x0f), uint8(3))
	f.Add([]byte{5, 1, 6, 1, 5, 9, 0x85, 0, 0x86, 0, 7, 0x27}, uint8(0x3c), uint8(1))
	f.Fuzz(func(t *testing.T, ops []byte, villageSel, countySel uint8) {
		codes := make([]string, 8)
		for i := range codes {
			codes[i] = fmt.Sprintf("%s00100%d", fuzzCounties[i%len(fuzzCounties)], i)
		}
		x := rules.NewVillageIndex()
		model := map[string]*governancev1alpha1.Village{}
		for i := 0; i+1 < len(ops); i += 2 {
			code := codes[ops[i]&7]
			if ops[i]&0x80 != 0 {
				x.Delete(code)
				delete(model, code)
			} else {
				v := fuzzFacts(code, ops[i+1])
				x.Upsert(v)
				model[code] = v
			}
			if x.Len() != len(model) {
				t.Fatalf("after %d operations the index holds %d villages, the model %d", i/2+1, x.Len(), len(model))
			}
		}

		groups, unknown := x.TargetVillages(governancev1alpha1.TaskTargets{All: true})
		expectGroups(t, "all", groups, naiveGroups(slices.Collect(maps.Values(model)), nil))
		if len(unknown) > 0 {
			t.Fatalf("all: unknown %q", unknown)
		}

		counties := picks(countySel&7, "", fuzzCounties)
		if len(counties) > 0 {
			groups, unknown = x.TargetVillages(governancev1alpha1.TaskTargets{Counties: counties})
			var in []*governancev1alpha1.Village
			var wantUnknown []string
			for _, c := range counties {
				n := len(in)
				for _, v := range model {
					if v.Spec.County.Code == c {
						in = append(in, v)
					}
				}
				if len(in) == n {
					wantUnknown = append(wantUnknown, c)
				}
			}
			expectGroups(t, "counties", groups, naiveGroups(in, nil))
			if !slices.Equal(unknown, wantUnknown) {
				t.Fatalf("counties %q: unknown %q, want %q", counties, unknown, wantUnknown)
			}
		}

		named := picks(villageSel&0x7f, "", codes)
		if len(named) > 0 {
			groups, unknown = x.TargetVillages(governancev1alpha1.TaskTargets{Villages: named})
			var in []*governancev1alpha1.Village
			var wantUnknown []string
			for _, c := range named {
				if v := model[c]; v != nil {
					in = append(in, v)
				} else {
					wantUnknown = append(wantUnknown, c)
				}
			}
			expectGroups(t, "villages", groups, naiveGroups(in, named))
			if !slices.Equal(unknown, wantUnknown) {
				t.Fatalf("villages %q: unknown %q, want %q", named, unknown, wantUnknown)
			}
		}
	})
}

// naiveGroups groups villages by the facts the rules read. A group's
// example is its first village in order, when an order is given (the
// villages a task names), else its smallest code.
func naiveGroups(villages []*governancev1alpha1.Village, order []string) []rules.VillageGroup {
	rank := func(code string) string { return code }
	if order != nil {
		rank = func(code string) string { return fmt.Sprintf("%04d", slices.Index(order, code)) }
	}
	var out []rules.VillageGroup
	for _, v := range villages {
		g := rules.VillageGroup{County: v.Spec.County.Code, Type: v.Spec.Type, Revision: v.Status.PublishedRevision,
			PaperLedgerExempt: v.Status.PaperLedgerExempt, Count: 1, Example: v.Name}
		i := slices.IndexFunc(out, func(o rules.VillageGroup) bool {
			return o.County == g.County && o.Type == g.Type && o.Revision == g.Revision && o.PaperLedgerExempt == g.PaperLedgerExempt
		})
		if i < 0 {
			out = append(out, g)
			continue
		}
		out[i].Count++
		if rank(v.Name) < rank(out[i].Example) {
			out[i].Example = v.Name
		}
	}
	slices.SortFunc(out, func(a, b rules.VillageGroup) int {
		return cmp.Or(cmp.Compare(a.County, b.County), cmp.Compare(a.Type, b.Type), cmp.Compare(a.Revision, b.Revision),
			cmp.Compare(fmt.Sprint(a.PaperLedgerExempt), fmt.Sprint(b.PaperLedgerExempt)))
	})
	return out
}

func expectGroups(t *testing.T, what string, got, want []rules.VillageGroup) {
	t.Helper()
	if !slices.Equal(got, want) {
		t.Fatalf("%s: groups\n%+v\nwant\n%+v", what, got, want)
	}
}
