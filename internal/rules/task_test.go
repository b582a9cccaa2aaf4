package rules_test

import (
	"fmt"
	"testing"
	"time"

	. "github.com/onsi/gomega"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/sets"
	"k8s.io/apimachinery/pkg/util/validation/field"
	"k8s.io/utils/ptr"

	governancev1alpha1 "github.com/cunshe/cunshe-operator/api/v1alpha1"
	"github.com/cunshe/cunshe-operator/internal/rules"
)

// Villages of the task fixtures: two in 鹿城区 (330302) that hold revision 2,
// one of them off the platform; a community in 龙湾区 (330303) still on
// revision 1, which lacks the newest item.
const (
	wumaVillage    = "330302006001" // Village, on the platform (S11 exempt), revision 2
	paperVillage   = "330302006002" // Village, not on the platform, revision 2
	longwanCommune = "330303001001" // Community, revision 1
)

var now = time.Date(2026, 11, 20, 9, 0, 0, 0, time.UTC)

func village(code, county string, typ governancev1alpha1.VillageType, rev int64, exempt bool) *governancev1alpha1.Village {
	return &governancev1alpha1.Village{
		ObjectMeta: metav1.ObjectMeta{Name: code},
		Spec: governancev1alpha1.VillageSpec{Code: code, Name: code, Type: typ,
			County: governancev1alpha1.Division{Code: county}, Township: governancev1alpha1.Division{Code: code[:9]}},
		Status: governancev1alpha1.VillageStatus{PublishedRevision: rev, PaperLedgerExempt: exempt},
	}
}

// wallItem is a resident-facing service procedure; dutyItem an internal duty list entry.
func wallItem() *governancev1alpha1.ListItem {
	i := censusItem()
	i.Name, i.Spec.List, i.Spec.VillageRole, i.Spec.Title = "l2-residence-proof", governancev1alpha1.ListSeal, "", "居住证明开具办事指南"
	return approved(i)
}

func dutyItem() *governancev1alpha1.ListItem {
	i := censusItem()
	i.Name, i.Spec.List, i.Spec.VillageRole, i.Spec.Title, i.Spec.ResidentFacing = "l4-secretary-duties", governancev1alpha1.ListHeadDuty, "", "村党组织书记履职清单", false
	return approved(i)
}

// newItem is approved and in revision 2 only: the pilot county holds it.
func newItem() *governancev1alpha1.ListItem {
	i := censusItem()
	i.Name, i.Spec.Title = "l1-elderly-visit", "协助开展独居老人走访关爱"
	i.Spec.ResponsibleDepartments = []string{"mzj"}
	i.Spec.Scope = governancev1alpha1.Scope{Counties: []string{"330302", "330303"}, VillageTypes: []governancev1alpha1.VillageType{governancev1alpha1.TypeVillage}}
	return approved(i)
}

func taskSnapshot() *rules.Memory {
	m := snapshot()
	for _, item := range []*governancev1alpha1.ListItem{approved(censusItem()), wallItem(), dutyItem(), newItem(), approved(projectItem())} {
		m.Items[item.Name] = item
	}
	m.Revisions[rules.RevisionKey{Number: 1}] = sets.New("l1-census-assist", "l2-residence-proof", "l4-secretary-duties", "l6-village-project")
	m.Revisions[rules.RevisionKey{Number: 2}] = m.Revisions[rules.RevisionKey{Number: 1}].Clone().Insert("l1-elderly-visit")
	m.Villages.Upsert(village(wumaVillage, "330302", governancev1alpha1.TypeVillage, 2, true))
	m.Villages.Upsert(village(paperVillage, "330302", governancev1alpha1.TypeVillage, 2, false))
	m.Villages.Upsert(village(longwanCommune, "330303", governancev1alpha1.TypeCommunity, 1, true))
	return m
}

func censusTask() *governancev1alpha1.Task {
	return &governancev1alpha1.Task{
		ObjectMeta: metav1.ObjectMeta{Name: "census-2026", Namespace: "dept-tjj"},
		Spec: governancev1alpha1.TaskSpec{
			Type: governancev1alpha1.TaskWork, Title: "2026年人口抽样调查入户协助", ItemRef: "l1-census-assist",
			VillageRole: governancev1alpha1.RoleAssist, Targets: governancev1alpha1.TaskTargets{All: true}, Due: "2026-12-31",
		},
	}
}

func tjj() rules.TaskContext { return rules.TaskContext{Department: "tjj", Created: now} }

func TestListedTaskIsAdmittedForEveryVillageInScope(t *testing.T) {
	v := rules.EvaluateTask(censusTask(), tjj(), taskSnapshot())
	expectFindings(t, v.Errs, nil)
	NewWithT(t).Expect(v.TargetVillages).To(Equal(3))
	NewWithT(t).Expect(v.Warnings).To(BeEmpty())
}

func TestTaskRefusals(t *testing.T) {
	cases := []struct {
		name     string
		edit     func(*governancev1alpha1.Task, *rules.TaskContext)
		snapEdit func(*rules.Memory)
		expect   []finding
	}{
		{name: "unlisted item (S1) suggests the closest listed item", edit: func(t *governancev1alpha1.Task, _ *rules.TaskContext) {
			t.Spec.ItemRef, t.Spec.Title = "census-extra-forms", "人口普查补充表格填报"
		}, expect: []finding{{field.ErrorTypeNotFound, "spec.itemRef", "S1", "closest listed items: l1-census-assist（协助开展人口普查入户登记）"}}},
		{name: "no item at all (S1)", edit: func(t *governancev1alpha1.Task, _ *rules.TaskContext) { t.Spec.ItemRef = "" },
			expect: []finding{{field.ErrorTypeRequired, "spec.itemRef", "S1", "a task must cite a published list item"}}},
		{name: "item on another list (S1)", edit: func(t *governancev1alpha1.Task, _ *rules.TaskContext) { t.Spec.ItemRef = "l6-village-project" },
			expect: []finding{{field.ErrorTypeInvalid, "spec.itemRef", "S1", "is on the MicroPower list; work may be asked of villages only under an Admission item"}}},
		{name: "retired item (S7)", edit: func(*governancev1alpha1.Task, *rules.TaskContext) {},
			snapEdit: func(m *rules.Memory) { m.Items["l1-census-assist"].Status.Phase = governancev1alpha1.PhaseRetired },
			expect:   []finding{{field.ErrorTypeInvalid, "spec.itemRef", "S7", "has been retired from the lists; no task may cite it"}}},
		{name: "Undertake under an Assist item (S2)", edit: func(t *governancev1alpha1.Task, _ *rules.TaskContext) {
			t.Spec.VillageRole = governancev1alpha1.RoleUndertake
		}, expect: []finding{{field.ErrorTypeInvalid, "spec.villageRole", "S2", "shifts the department's duty onto them — use villageRole: Assist"}}},
		{name: "another department's item (S2)", edit: func(_ *governancev1alpha1.Task, c *rules.TaskContext) { c.Department = "zjj" },
			expect: []finding{{field.ErrorTypeForbidden, "spec.itemRef", "S2", `department "zjj" is not among item "l1-census-assist"'s responsible departments (tjj)`}}},
		{name: "namespace without a department (S2)", edit: func(_ *governancev1alpha1.Task, c *rules.TaskContext) { c.Department = "" },
			expect: []finding{{field.ErrorTypeForbidden, "metadata.namespace", "S2", "tasks are created in a department's namespace"}}},
		{name: "targets beyond the item's scope (S2)", edit: func(t *governancev1alpha1.Task, c *rules.TaskContext) {
			c.Department, t.Spec.ItemRef, t.Spec.Targets = "mzj", "l1-elderly-visit", governancev1alpha1.TaskTargets{Counties: []string{"330302", "330303"}}
		}, expect: []finding{
			{field.ErrorTypeInvalid, "spec.targets", "S2", "1 target villages (e.g. 330303001001 (330303, Community)) are outside item \"l1-elderly-visit\"'s scope (counties: 330302, 330303; types: Village)"},
			{field.ErrorTypeInvalid, "spec.itemRef", "S1", "held by 1 of 3 target villages"},
		}},
		{name: "unknown village (S2)", edit: func(t *governancev1alpha1.Task, _ *rules.TaskContext) {
			t.Spec.Targets = governancev1alpha1.TaskTargets{Villages: []string{wumaVillage, "330302999999"}}
		}, expect: []finding{{field.ErrorTypeNotFound, "spec.targets.villages", "S2", "no village 330302999999 in the division registry"}}},
		{name: "item not yet published to every target (S1)", edit: func(t *governancev1alpha1.Task, c *rules.TaskContext) {
			newVillage := "330303001002"
			c.Department, t.Spec.ItemRef = "mzj", "l1-elderly-visit"
			t.Spec.Targets = governancev1alpha1.TaskTargets{Villages: []string{wumaVillage, newVillage}}
		}, expect: []finding{{field.ErrorTypeInvalid, "spec.itemRef", "S1", "is not on the published lists held by 1 of 2 target villages (e.g. 330303001002 (revision 1))"}}},
		{name: "paper ledgers of platform villages (S11)", edit: func(t *governancev1alpha1.Task, _ *rules.TaskContext) {
			t.Spec.Type = governancev1alpha1.TaskPaperLedgerInspection
		}, expect: []finding{{field.ErrorTypeForbidden, "spec.type", "S11", "2 target villages (e.g. 330302006001) keep their records on the platform"}}},
		{name: "exclusive use of a room (S14)", edit: func(t *governancev1alpha1.Task, _ *rules.TaskContext) {
			t.Spec.Type = governancev1alpha1.TaskExclusiveRoomUse
		}, expect: []finding{{field.ErrorTypeForbidden, "spec.type", "S14", "no department may demand exclusive use of a village room"}}},
		{name: "an internal duty list on the wall (S17)", edit: func(t *governancev1alpha1.Task, _ *rules.TaskContext) {
			t.Spec.Type, t.Spec.ItemRef = governancev1alpha1.TaskWallPosting, "l4-secretary-duties"
		}, expect: []finding{{field.ErrorTypeForbidden, "spec.type", "S17", "internal rules, procedures and responsibility lists may not be required on walls"}}},
		{name: "a Work task whose title asks for paper ledgers it does not declare (S11)", edit: func(t *governancev1alpha1.Task, _ *rules.TaskContext) {
			t.Spec.Title = "人口抽样调查入户协助（各村建立纸质台账备查）"
		}, expect: []finding{{field.ErrorTypeForbidden, "spec.requires", "S11", "任务名称或说明含“纸质台账”，即要求纸质台账"}}},
		{name: "declared paper ledgers are held to S11 like the inspection type", edit: func(t *governancev1alpha1.Task, _ *rules.TaskContext) {
			t.Spec.Title, t.Spec.Requires = "人口抽样调查入户协助（各村建立纸质台账备查）", &governancev1alpha1.TaskRequires{PaperLedgers: true}
		}, expect: []finding{{field.ErrorTypeForbidden, "spec.type", "S11", "2 target villages (e.g. 330302006001) keep their records on the platform"}}},
		{name: "a description that asks for a room set aside (S14)", edit: func(t *governancev1alpha1.Task, _ *rules.TaskContext) {
			t.Spec.Description = "请各村设立普查专用办公室，配备专人值守。"
		}, expect: []finding{
			{field.ErrorTypeForbidden, "spec.requires", "S14", "任务名称或说明含“专用”，即要求专用场所"},
		}},
		{name: "a declared room set aside (S14)", edit: func(t *governancev1alpha1.Task, _ *rules.TaskContext) {
			t.Spec.Requires = &governancev1alpha1.TaskRequires{ExclusiveRoom: true}
		}, expect: []finding{{field.ErrorTypeForbidden, "spec.type", "S14", "no department may demand exclusive use of a village room"}}},
		{name: "a Work task that asks for a wall posting it does not declare (S17)", edit: func(t *governancev1alpha1.Task, _ *rules.TaskContext) {
			t.Spec.Description = "调查工作制度须上墙公示。"
		}, expect: []finding{{field.ErrorTypeForbidden, "spec.requires", "S17", "任务名称或说明含“上墙”，即要求上墙"}}},
		{name: "a declared wall posting of an internal duty list (S17)", edit: func(t *governancev1alpha1.Task, _ *rules.TaskContext) {
			t.Spec.ItemRef, t.Spec.Requires = "l4-secretary-duties", &governancev1alpha1.TaskRequires{WallPosting: true}
		}, expect: []finding{{field.ErrorTypeForbidden, "spec.type", "S17", "internal rules, procedures and responsibility lists may not be required on walls"}}},
		{name: "the city's own phrase list (S11)", snapEdit: func(m *rules.Memory) {
			wz := city("3303", "温州市", true, requiredUnits...)
			wz.Spec.TaskPhrases = []governancev1alpha1.TaskPhrase{{Phrase: "佐证材料", Rule: "S11"}}
			m.Juris = rules.NewJurisdictions([]governancev1alpha1.Jurisdiction{wz})
			for key, items := range m.Revisions { // the city's revisions, now that it is named
				m.Revisions[rules.RevisionKey{City: "3303", Number: key.Number}] = items
			}
		}, edit: func(t *governancev1alpha1.Task, _ *rules.TaskContext) {
			t.Spec.Description = "入户后提交佐证材料。"
		}, expect: []finding{{field.ErrorTypeForbidden, "spec.requires", "S11", "任务名称或说明含“佐证材料”"}}},
		{name: "an emergency justified by a word, not a sentence (S6)", edit: func(t *governancev1alpha1.Task, _ *rules.TaskContext) {
			t.Spec.ItemRef = ""
			t.Spec.Emergency = cityEmergency(governancev1alpha1.EmergencyPublicSafety, "台风", now.Add(24*time.Hour))
		}, expect: []finding{{field.ErrorTypeInvalid, "spec.emergency.justification", "S6", "at least 10 characters; this one has 2"}}},
		{name: "emergency beyond 30 days (S6)", edit: func(t *governancev1alpha1.Task, _ *rules.TaskContext) {
			t.Spec.ItemRef = ""
			t.Spec.Emergency = cityEmergency(governancev1alpha1.EmergencyPublicSafety, "台风“海葵”过境，组织转移避险", now.Add(31*24*time.Hour))
		}, expect: []finding{{field.ErrorTypeInvalid, "spec.emergency.expires", "S6", "lasts at most 30 days (until 2026-12-20T09:00:00Z)"}}},
		{name: "emergency beyond the city's own limit of 10 days (S6)", snapEdit: func(m *rules.Memory) {
			wz := city("3303", "温州市", true, requiredUnits...)
			wz.Spec.Emergency.MaxDays = ptr.To(int32(10))
			m.Juris = rules.NewJurisdictions([]governancev1alpha1.Jurisdiction{wz})
		}, edit: func(t *governancev1alpha1.Task, _ *rules.TaskContext) {
			t.Spec.ItemRef = ""
			t.Spec.Emergency = cityEmergency(governancev1alpha1.EmergencyPublicSafety, "台风“海葵”过境，组织转移避险", now.Add(11*24*time.Hour))
		}, expect: []finding{{field.ErrorTypeInvalid, "spec.emergency.expires", "S6", "lasts at most 10 days (until 2026-11-30T09:00:00Z)"}}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			task, tc, snap := censusTask(), tjj(), taskSnapshot()
			if c.snapEdit != nil {
				c.snapEdit(snap)
			}
			snap.Villages.Upsert(village("330303001002", "330303", governancev1alpha1.TypeVillage, 1, false))
			c.edit(task, &tc)
			v := rules.EvaluateTask(task, tc, snap)
			expectFindings(t, v.Errs, c.expect)
		})
	}
}

func TestAllowedVariants(t *testing.T) {
	cases := map[string]func(*governancev1alpha1.Task, *rules.TaskContext){
		"a resident-facing procedure on the wall (S17)": func(t *governancev1alpha1.Task, _ *rules.TaskContext) {
			t.Spec.Type, t.Spec.ItemRef = governancev1alpha1.TaskWallPosting, "l2-residence-proof"
		},
		"paper ledgers of a village off the platform (S11)": func(t *governancev1alpha1.Task, _ *rules.TaskContext) {
			t.Spec.Type, t.Spec.Targets = governancev1alpha1.TaskPaperLedgerInspection, governancev1alpha1.TaskTargets{Villages: []string{paperVillage}}
		},
		"all = every village in scope, the community left out (S2)": func(t *governancev1alpha1.Task, c *rules.TaskContext) {
			c.Department, t.Spec.ItemRef = "mzj", "l1-elderly-visit"
		},
		"Assist under an Undertake item (S2)": func(t *governancev1alpha1.Task, _ *rules.TaskContext) {},
		"a declared wall posting of a resident-facing procedure (S17)": func(t *governancev1alpha1.Task, _ *rules.TaskContext) {
			t.Spec.ItemRef, t.Spec.Title = "l2-residence-proof", "居住证明办事指南上墙"
			t.Spec.Requires = &governancev1alpha1.TaskRequires{WallPosting: true}
		},
	}
	for name, edit := range cases {
		t.Run(name, func(t *testing.T) {
			task, tc := censusTask(), tjj()
			edit(task, &tc)
			v := rules.EvaluateTask(task, tc, taskSnapshot())
			expectFindings(t, v.Errs, nil)
			NewWithT(t).Expect(v.TargetVillages).To(BeNumerically(">", 0))
		})
	}
}

func TestEmergencyIsAdmittedWithAWarning(t *testing.T) {
	g := NewWithT(t)
	task := censusTask()
	task.Spec.ItemRef, task.Spec.Title = "", "台风“海葵”转移避险"
	task.Spec.Emergency = cityEmergency(governancev1alpha1.EmergencyLifeSafety, "台风过境，转移危旧房群众", now.Add(rules.DefaultEmergency))
	v := rules.EvaluateTask(task, tjj(), taskSnapshot())
	expectFindings(t, v.Errs, nil)
	g.Expect(v.Warnings).To(ConsistOf("S6 紧急任务（LifeSafety）不受清单限制，至 2026-11-27T09:00:00Z 自动失效，已记录备查；结束后由联审单位追认 / " +
		"emergency task (LifeSafety) admitted outside the lists until 2026-11-27T09:00:00Z; it is recorded and audited, and the review units ratify it once it ends"))
	g.Expect(v.TargetVillages).To(Equal(3))

	task.Spec.Type = governancev1alpha1.TaskExclusiveRoomUse
	expectFindings(t, rules.EvaluateTask(task, tjj(), taskSnapshot()).Errs,
		[]finding{{field.ErrorTypeForbidden, "spec.type", "S14", "exclusive use"}})
}

func TestClosestItemsRankByTitle(t *testing.T) {
	items := []rules.ItemTitle{
		{Name: "l1-census-assist", List: governancev1alpha1.ListAdmission, Title: "协助开展人口普查入户登记"},
		{Name: "l1-elderly-visit", List: governancev1alpha1.ListAdmission, Title: "协助开展独居老人走访关爱"},
		{Name: "l1-flood-drill", List: governancev1alpha1.ListAdmission, Title: "组织防汛防台应急演练"},
		{Name: "l2-residence-proof", List: governancev1alpha1.ListSeal, Title: "居住证明开具"},
	}
	names := func(its []rules.ItemTitle) []string {
		out := []string{}
		for _, it := range its {
			out = append(out, it.Name)
		}
		return out
	}
	g := NewWithT(t)
	g.Expect(names(rules.ClosestItems("独居老人走访", items, false, 3))).To(HaveExactElements("l1-elderly-visit"), "titles sharing no pair of characters are not offered")
	g.Expect(names(rules.ClosestItems("居住证明", items, false, 3))).To(BeEmpty(), "work is offered Admission items only")
	g.Expect(names(rules.ClosestItems("居住证明", items, true, 3))).To(HaveExactElements("l2-residence-proof"))
	g.Expect(rules.ClosestItems("", items, true, 3)).To(BeEmpty())
}

func TestVillageIndexFollowsChanges(t *testing.T) {
	g := NewWithT(t)
	x := rules.NewVillageIndex()
	for i := range 5 {
		x.Upsert(village(fmt.Sprintf("33030200600%d", i), "330302", governancev1alpha1.TypeVillage, 1, false))
	}
	groups, _ := x.TargetVillages(governancev1alpha1.TaskTargets{All: true})
	g.Expect(groups).To(HaveLen(1))
	g.Expect(groups[0].Count).To(Equal(5))

	x.Upsert(village("330302006000", "330302", governancev1alpha1.TypeVillage, 2, false)) // rolled forward
	x.Delete("330302006001")
	x.Delete("330302006001") // twice is harmless
	groups, unknown := x.TargetVillages(governancev1alpha1.TaskTargets{Counties: []string{"330302", "330381"}})
	g.Expect(unknown).To(ConsistOf("330381"))
	g.Expect(groups).To(HaveExactElements(
		rules.VillageGroup{County: "330302", Type: governancev1alpha1.TypeVillage, Revision: 1, Count: 3, Example: "330302006002"},
		rules.VillageGroup{County: "330302", Type: governancev1alpha1.TypeVillage, Revision: 2, Count: 1, Example: "330302006000"},
	))
	g.Expect(x.Len()).To(Equal(4))
}

func TestVillageIndexReadsTheHeldRevisionFirst(t *testing.T) {
	g := NewWithT(t)
	x := rules.NewVillageIndex()
	x.Hold("330302006001", 3) // the ConfigMap arrives before the village
	x.Upsert(village("330302006001", "330302", governancev1alpha1.TypeVillage, 2, false))
	x.Upsert(village("330302006002", "330302", governancev1alpha1.TypeVillage, 2, false))
	x.Hold("330302006002", 3) // a rollout writes it; the status still says 2
	groups, _ := x.TargetVillages(governancev1alpha1.TaskTargets{All: true})
	g.Expect(groups).To(HaveExactElements(
		rules.VillageGroup{County: "330302", Type: governancev1alpha1.TypeVillage, Revision: 3, Count: 2, Example: "330302006001"}))
	x.Hold("330302006002", 1) // undo
	groups, _ = x.TargetVillages(governancev1alpha1.TaskTargets{All: true})
	g.Expect(groups).To(HaveLen(2))
	g.Expect(groups[0].Revision).To(Equal(int64(1)))
}
