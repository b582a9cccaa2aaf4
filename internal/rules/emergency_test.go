package rules_test

import (
	"fmt"
	"testing"
	"time"

	. "github.com/onsi/gomega"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/util/validation/field"
	"k8s.io/utils/ptr"

	governancev1alpha1 "github.com/cunshe/cunshe-operator/api/v1alpha1"
	"github.com/cunshe/cunshe-operator/internal/rules"
)

// cityEmergency is an emergency the city government decided: it may reach
// the whole city (S6).
func cityEmergency(category governancev1alpha1.EmergencyCategory, justification string, expires time.Time) *governancev1alpha1.Emergency {
	return &governancev1alpha1.Emergency{Category: category, Nature: governancev1alpha1.EmergencySudden,
		Issuer:        &governancev1alpha1.EmergencyIssuer{Name: "温州市人民政府 市长", Level: governancev1alpha1.IssuerCity},
		Justification: justification, Expires: &metav1.Time{Time: expires}}
}

// ruian is a third county, so that two counties are not the whole city.
const ruianVillage = "330381001001"

// emergencyTask is a flood patrol of 鹿城区 (330302) decided by the
// department's principal.
func emergencyTask() *governancev1alpha1.Task {
	t := censusTask()
	t.Name, t.UID = "flood-patrol", types.UID("11111111-2222-3333-4444-555555555555")
	t.Spec.ItemRef, t.Spec.VillageRole, t.Spec.Title = "", "", "强降雨内涝巡查"
	t.Spec.Targets = governancev1alpha1.TaskTargets{Counties: []string{"330302"}}
	t.Spec.Emergency = cityEmergency(governancev1alpha1.EmergencyPropertySafety, "强降雨致内涝，需巡查低洼地带商铺和仓库", now.Add(3*24*time.Hour))
	t.Spec.Emergency.Issuer = &governancev1alpha1.EmergencyIssuer{Name: "市统计局局长 李明", Level: governancev1alpha1.IssuerDepartment}
	return t
}

func emergencySnapshot() *rules.Memory {
	m := taskSnapshot()
	m.Villages.Upsert(village(ruianVillage, "330381", governancev1alpha1.TypeVillage, 2, true))
	return m
}

func TestEmergencyAccountability(t *testing.T) {
	cases := []struct {
		name   string
		edit   func(*governancev1alpha1.Task, *rules.TaskContext)
		expect []finding
	}{
		{name: "no category, nature or issuer", edit: func(t *governancev1alpha1.Task, _ *rules.TaskContext) {
			t.Spec.Emergency.Category, t.Spec.Emergency.Nature, t.Spec.Emergency.Issuer = "", "", nil
		}, expect: []finding{
			{field.ErrorTypeRequired, "spec.emergency.category", "S6", "紧急任务须写明类别（category）：LifeSafety（生命安全）、PropertySafety（财产安全）或 PublicSafety（公共安全） / an emergency task names its category"},
			{field.ErrorTypeRequired, "spec.emergency.nature", "S6", "紧急任务须写明事件性质（nature）：Sudden（突发性）或 Mass（群体性） / an emergency task names its nature: Sudden or Mass"},
			{field.ErrorTypeRequired, "spec.emergency.issuer", "S6", "紧急任务须写明决定人（issuer）"},
		}},
		{name: "words the notice does not use", edit: func(t *governancev1alpha1.Task, _ *rules.TaskContext) {
			t.Spec.Emergency.Category, t.Spec.Emergency.Nature = "Inconvenience", "Planned"
		}, expect: []finding{
			{field.ErrorTypeInvalid, "spec.emergency.category", "S6", "the category must be one the notice names"},
			{field.ErrorTypeInvalid, "spec.emergency.nature", "S6", "事件性质须为通知所列之一：Sudden（突发性）、Mass（群体性）"},
		}},
		{name: "an issuer without a name or a level", edit: func(t *governancev1alpha1.Task, _ *rules.TaskContext) {
			t.Spec.Emergency.Issuer = &governancev1alpha1.EmergencyIssuer{Name: " 李", Level: "Mayor"}
		}, expect: []finding{
			{field.ErrorTypeRequired, "spec.emergency.issuer.name", "S6", "决定人须写明姓名和职务"},
			{field.ErrorTypeInvalid, "spec.emergency.issuer.level", "S6", "the issuer's level must be Department"},
		}},
		{name: "a justification of a word", edit: func(t *governancev1alpha1.Task, _ *rules.TaskContext) {
			t.Spec.Emergency.Justification = "内涝"
		}, expect: []finding{{field.ErrorTypeInvalid, "spec.emergency.justification", "S6", "at least 10 characters; this one has 2"}}},
		{name: "all villages without the city's decision", edit: func(t *governancev1alpha1.Task, _ *rules.TaskContext) {
			t.Spec.Targets = governancev1alpha1.TaskTargets{All: true}
		}, expect: []finding{{field.ErrorTypeForbidden, "spec.emergency.issuer.level", "S6",
			"紧急任务覆盖全市，须由市人民政府决定：issuer.level 须为 City，现为 Department（部门主要负责人） / " +
				"the emergency reaches the whole city, which the city government decides: issuer.level must be City, not Department"}}},
		{name: "every county of the city, decided by a county", edit: func(t *governancev1alpha1.Task, _ *rules.TaskContext) {
			t.Spec.Targets = governancev1alpha1.TaskTargets{Counties: []string{"330302", "330303", "330381"}}
			t.Spec.Emergency.Issuer.Level = governancev1alpha1.IssuerCounty
		}, expect: []finding{{field.ErrorTypeForbidden, "spec.emergency.issuer.level", "S6", "issuer.level must be City, not County"}}},
		{name: "a county government deciding for two counties", edit: func(t *governancev1alpha1.Task, _ *rules.TaskContext) {
			t.Spec.Targets = governancev1alpha1.TaskTargets{Counties: []string{"330302", "330303"}}
			t.Spec.Emergency.Issuer.Level = governancev1alpha1.IssuerCounty
		}, expect: []finding{{field.ErrorTypeForbidden, "spec.emergency.issuer.level", "S6",
			"县级人民政府只能决定本县（市、区）的紧急事项，本任务涉及 2 个县（市、区）（330302, 330303）"}}},
		{name: "a county department beyond its county", edit: func(t *governancev1alpha1.Task, tc *rules.TaskContext) {
			tc.Area = rules.DepartmentArea{County: "330302"}
			t.Spec.Targets = governancev1alpha1.TaskTargets{Villages: []string{wumaVillage, longwanCommune}}
		}, expect: []finding{{field.ErrorTypeForbidden, "spec.targets", "S6",
			"紧急任务不得超出部门的职责范围（县（市、区）330302）：1 个目标村（社区）（如 330303001001 (330303)）不在其内；请只派发给本部门负责的村（社区），更大范围的紧急事项由上级决定并派发 / " +
				"an emergency may not reach beyond the department's responsibility (county 330302): 1 target villages (e.g. 330303001001 (330303)) lie outside it"}}},
		{name: "a city department of another city", edit: func(t *governancev1alpha1.Task, tc *rules.TaskContext) {
			tc.Area = rules.DepartmentArea{Jurisdiction: "3301"}
		}, expect: []finding{{field.ErrorTypeForbidden, "spec.targets", "S6", "(jurisdiction 3301): 2 target villages (e.g. 330302006002 (330302))"}}},
		{name: "beyond the city's limit", edit: func(t *governancev1alpha1.Task, _ *rules.TaskContext) {
			t.Spec.Emergency.Expires = &metav1.Time{Time: now.Add(31 * 24 * time.Hour)}
		}, expect: []finding{{field.ErrorTypeInvalid, "spec.emergency.expires", "S6", "lasts at most 30 days"}}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			task, tc := emergencyTask(), tjj()
			c.edit(task, &tc)
			expectFindings(t, rules.EvaluateTask(task, tc, emergencySnapshot()).Errs, c.expect)
		})
	}
}

func TestAccountableEmergenciesAreAdmitted(t *testing.T) {
	cases := map[string]func(*governancev1alpha1.Task, *rules.TaskContext){
		"a city department's principal, one county": func(*governancev1alpha1.Task, *rules.TaskContext) {},
		"a county department in its own county, decided by the county": func(t *governancev1alpha1.Task, tc *rules.TaskContext) {
			tc.Area = rules.DepartmentArea{County: "330302"}
			t.Spec.Emergency.Issuer.Level = governancev1alpha1.IssuerCounty
		},
		"the whole city, decided by the city": func(t *governancev1alpha1.Task, _ *rules.TaskContext) {
			t.Spec.Targets = governancev1alpha1.TaskTargets{All: true}
			t.Spec.Emergency.Issuer.Level = governancev1alpha1.IssuerCity
		},
		"two of three counties, by the department's principal": func(t *governancev1alpha1.Task, _ *rules.TaskContext) {
			t.Spec.Targets = governancev1alpha1.TaskTargets{Counties: []string{"330302", "330303"}}
		},
		"a mass event": func(t *governancev1alpha1.Task, _ *rules.TaskContext) {
			t.Spec.Emergency.Nature = governancev1alpha1.EmergencyMass
		},
	}
	for name, edit := range cases {
		t.Run(name, func(t *testing.T) {
			task, tc := emergencyTask(), tjj()
			edit(task, &tc)
			v := rules.EvaluateTask(task, tc, emergencySnapshot())
			expectFindings(t, v.Errs, nil)
			NewWithT(t).Expect(v.Warnings).To(HaveLen(1))
		})
	}
}

func TestDepartmentAreaOfNamespace(t *testing.T) {
	g := NewWithT(t)
	g.Expect(rules.AreaOfNamespace(map[string]string{governancev1alpha1.LabelDepartment: "lc-mzj", governancev1alpha1.LabelCounty: "330302"})).
		To(Equal(rules.DepartmentArea{County: "330302"}))
	g.Expect(rules.AreaOfNamespace(map[string]string{governancev1alpha1.LabelJurisdiction: "3301"})).To(Equal(rules.DepartmentArea{Jurisdiction: "3301"}))
	g.Expect(rules.AreaOfNamespace(nil)).To(Equal(rules.DepartmentArea{}))
}

// record is the department's record of an emergency claimed by another task.
func record(subject string, scope governancev1alpha1.TaskTargets, expires time.Time) governancev1alpha1.EmergencyExemption {
	other := emergencyTask()
	other.Name, other.UID = "flood-patrol-old", "99999999-0000-0000-0000-000000000000"
	other.CreationTimestamp = metav1.Time{Time: now.Add(-24 * time.Hour)}
	other.Spec.Emergency.Subject, other.Spec.Targets = subject, scope
	other.Spec.Emergency.Expires = &metav1.Time{Time: expires}
	return *rules.ExemptionFor(other, "tjj", rules.DepartmentArea{}, rules.NewJurisdictions(nil), 2)
}

func TestEmergencyIsNotRenewed(t *testing.T) {
	lucheng := governancev1alpha1.TaskTargets{Counties: []string{"330302"}}
	until := now.Add(2 * 24 * time.Hour)
	cases := map[string]struct {
		records []governancev1alpha1.EmergencyExemption
		tasks   []governancev1alpha1.Task
		edit    func(*governancev1alpha1.Task)
		expect  []finding
	}{
		"the same subject and county while the record holds": {
			records: []governancev1alpha1.EmergencyExemption{record("强降雨内涝巡查", lucheng, until)},
			expect: []finding{{field.ErrorTypeForbidden, "spec.emergency", "S6",
				"部门 tjj 已有同一主题（强降雨内涝巡查）、范围重叠的紧急豁免 dept-tjj/flood-patrol-old-99999999（任务 flood-patrol-old，至 2026-11-22T09:00:00Z）；同一主题、同一范围同一时间只能有一项紧急豁免，删除重建任务不会重新计时 / " +
					"department tjj already holds an emergency exemption for the same subject (强降雨内涝巡查) and an overlapping scope: dept-tjj/flood-patrol-old-99999999 (task flood-patrol-old, until 2026-11-22T09:00:00Z); one emergency per subject and scope at a time — deleting and recreating a task does not renew it"}},
		},
		"the same subject written otherwise, one village of the county": {
			records: []governancev1alpha1.EmergencyExemption{record("强降雨 内涝巡查！", lucheng, until)},
			edit: func(t *governancev1alpha1.Task) {
				t.Spec.Targets = governancev1alpha1.TaskTargets{Villages: []string{wumaVillage}}
			},
			expect: []finding{{field.ErrorTypeForbidden, "spec.emergency", "S6", "already holds an emergency exemption for the same subject"}},
		},
		"a task not yet recorded counts": {
			tasks: func() []governancev1alpha1.Task {
				other := emergencyTask()
				other.Name, other.UID = "flood-patrol-2", "22222222-0000-0000-0000-000000000000"
				return []governancev1alpha1.Task{*other}
			}(),
			expect: []finding{{field.ErrorTypeForbidden, "spec.emergency", "S6", "(task flood-patrol-2, until 2026-11-23T09:00:00Z)"}},
		},
		"another subject": {
			records: []governancev1alpha1.EmergencyExemption{record("燃气泄漏疏散", lucheng, until)},
		},
		"another county": {
			records: []governancev1alpha1.EmergencyExemption{record("强降雨内涝巡查", governancev1alpha1.TaskTargets{Counties: []string{"330303"}}, until)},
		},
		"a record that has ended": {
			records: []governancev1alpha1.EmergencyExemption{record("强降雨内涝巡查", lucheng, now)},
		},
		"its own record cannot be extended": {
			records: func() []governancev1alpha1.EmergencyExemption {
				own := *rules.ExemptionFor(emergencyTask(), "tjj", rules.DepartmentArea{}, rules.NewJurisdictions(nil), 2)
				own.Spec.Expires = metav1.Time{Time: now.Add(24 * time.Hour)}
				return []governancev1alpha1.EmergencyExemption{own}
			}(),
			expect: []finding{{field.ErrorTypeInvalid, "spec.emergency.expires", "S6",
				"紧急豁免不能延长：记录 dept-tjj/flood-patrol-11111111 的截止时间为 2026-11-21T09:00:00Z；更长的工作须列入清单"}},
		},
		"its own record's scope cannot grow": {
			records: []governancev1alpha1.EmergencyExemption{*rules.ExemptionFor(emergencyTask(), "tjj", rules.DepartmentArea{}, rules.NewJurisdictions(nil), 2)},
			edit: func(t *governancev1alpha1.Task) {
				t.Spec.Targets = governancev1alpha1.TaskTargets{Counties: []string{"330302", "330303"}}
			},
			expect: []finding{{field.ErrorTypeInvalid, "spec.targets", "S6", "record dept-tjj/flood-patrol-11111111 covers counties 330302"}},
		},
		"its own record, unchanged": {
			records: []governancev1alpha1.EmergencyExemption{*rules.ExemptionFor(emergencyTask(), "tjj", rules.DepartmentArea{}, rules.NewJurisdictions(nil), 2)},
		},
	}
	for name, c := range cases {
		t.Run(name, func(t *testing.T) {
			task := emergencyTask()
			if c.edit != nil {
				c.edit(task)
			}
			expectFindings(t, rules.EmergencyRenewal(task, "tjj", c.records, c.tasks, now), c.expect)
		})
	}
}

func TestScopes(t *testing.T) {
	g := NewWithT(t)
	all := governancev1alpha1.TaskTargets{All: true}
	lucheng := governancev1alpha1.TaskTargets{Counties: []string{"330302"}}
	longwan := governancev1alpha1.TaskTargets{Counties: []string{"330303"}}
	wuma := governancev1alpha1.TaskTargets{Villages: []string{wumaVillage}}
	g.Expect(rules.ScopesOverlap(all, longwan)).To(BeTrue())
	g.Expect(rules.ScopesOverlap(lucheng, longwan)).To(BeFalse())
	g.Expect(rules.ScopesOverlap(lucheng, wuma)).To(BeTrue())
	g.Expect(rules.ScopesOverlap(wuma, longwan)).To(BeFalse())
	g.Expect(rules.ScopesOverlap(wuma, governancev1alpha1.TaskTargets{Villages: []string{paperVillage}})).To(BeFalse())
	g.Expect(rules.ScopeWithin(wuma, lucheng)).To(BeTrue())
	g.Expect(rules.ScopeWithin(lucheng, wuma)).To(BeFalse())
	g.Expect(rules.ScopeWithin(all, lucheng)).To(BeFalse())
	g.Expect(rules.ScopeWithin(longwan, all)).To(BeTrue())
}

func TestExemptionFor(t *testing.T) {
	g := NewWithT(t)
	task := emergencyTask()
	task.CreationTimestamp = metav1.Time{Time: now}
	rec := rules.ExemptionFor(task, "tjj", rules.DepartmentArea{County: "330302"}, rules.NewJurisdictions([]governancev1alpha1.Jurisdiction{city("3303", "温州市", true)}), 171)
	g.Expect(rec.Name).To(Equal("flood-patrol-11111111"))
	g.Expect(rec.Labels).To(Equal(map[string]string{governancev1alpha1.LabelDepartment: "tjj", governancev1alpha1.LabelTaskUID: string(task.UID)}))
	g.Expect(rec.Spec.Jurisdiction).To(Equal("3303"), "a county department's city")
	g.Expect(rec.Spec.Subject).To(Equal("强降雨内涝巡查"), "the title when the emergency names no subject")
	g.Expect(rec.Spec.Start.Time).To(Equal(now))
	g.Expect(rec.Spec.Expires.Time).To(Equal(now.Add(3 * 24 * time.Hour)))
	g.Expect(rec.Spec.Issuer).To(Equal(task.Spec.Emergency.Issuer))
	g.Expect(rec.Spec.Villages).To(Equal(int32(171)))
}

func decision(name, unit string, outcome governancev1alpha1.EmergencyOutcome, minute int) governancev1alpha1.EmergencyDecision {
	return governancev1alpha1.EmergencyDecision{
		ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: "dept-tjj", CreationTimestamp: metav1.Time{Time: now.Add(time.Duration(minute) * time.Minute)},
			Annotations: map[string]string{governancev1alpha1.AnnotationCreatedBy: unit + "-member"}},
		Spec: governancev1alpha1.EmergencyDecisionSpec{Exemption: "flood-patrol-11111111", Unit: unit, Outcome: outcome, Reason: "经核查"},
	}
}

func TestExemptionStanding(t *testing.T) {
	rec := rules.ExemptionFor(emergencyTask(), "tjj", rules.DepartmentArea{}, rules.NewJurisdictions(nil), 2) // ends now+3d
	window := 15 * 24 * time.Hour
	ended, late := now.Add(4*24*time.Hour), now.Add(20*24*time.Hour)
	cases := map[string]struct {
		at        time.Time
		decisions []governancev1alpha1.EmergencyDecision
		phase     governancev1alpha1.ExemptionPhase
		next      time.Time
		message   string
	}{
		"before it ends": {at: now, phase: governancev1alpha1.ExemptionActive, next: now.Add(3 * 24 * time.Hour),
			message: "S6 紧急豁免有效至 2026-11-23T09:00:00Z / the emergency exemption holds until 2026-11-23T09:00:00Z"},
		"ended, within the window": {at: ended, phase: governancev1alpha1.ExemptionAwaitingRatification, next: now.Add(18 * 24 * time.Hour),
			message: "S6 紧急豁免已于 2026-11-23T09:00:00Z 结束，待联审单位在 2026-12-08T09:00:00Z 前追认或否决 / the emergency exemption ended at 2026-11-23T09:00:00Z; the review units ratify or reject it by 2026-12-08T09:00:00Z"},
		"nobody decided in time": {at: late, phase: governancev1alpha1.ExemptionUnratified,
			message: "S19 紧急豁免于 2026-11-23T09:00:00Z 结束，至 2026-12-08T09:00:00Z 仍未经联审单位追认，计入部门 tjj 的清理规范情况 / the emergency exemption ended at 2026-11-23T09:00:00Z and no review unit ratified it by 2026-12-08T09:00:00Z; it counts against department tjj"},
		"ratified, even late": {at: late, decisions: []governancev1alpha1.EmergencyDecision{decision("a", "mzj", governancev1alpha1.EmergencyRatified, 1)},
			phase: governancev1alpha1.ExemptionRatified, message: "S6 联审单位 mzj 已追认紧急豁免 / review unit mzj ratified the emergency exemption"},
		"a rejection stands beside another unit's ratification": {at: ended, decisions: []governancev1alpha1.EmergencyDecision{
			decision("b", "sjw", governancev1alpha1.EmergencyRatified, 2), decision("a", "mzj", governancev1alpha1.EmergencyRejected, 1)},
			phase: governancev1alpha1.ExemptionRejected, message: "S19 联审单位 mzj 否决了紧急豁免，计入部门 tjj 的清理规范情况 / review unit mzj rejected the emergency exemption; it counts against department tjj"},
		"the unit that rejected it ratifies it later": {at: ended, decisions: []governancev1alpha1.EmergencyDecision{
			decision("a", "mzj", governancev1alpha1.EmergencyRejected, 1), decision("a-2", "mzj", governancev1alpha1.EmergencyRatified, 2)},
			phase: governancev1alpha1.ExemptionRatified, message: "S6 联审单位 mzj 已追认紧急豁免 / review unit mzj ratified the emergency exemption"},
	}
	for name, c := range cases {
		t.Run(name, func(t *testing.T) {
			g := NewWithT(t)
			s := rules.StandingOf(rec, c.decisions, window, c.at)
			g.Expect(s.Phase).To(Equal(c.phase))
			g.Expect(s.Next).To(Equal(c.next))
			g.Expect(s.Message).To(Equal(c.message))
			g.Expect(s.RatifyBy).To(Equal(now.Add(18 * 24 * time.Hour)))
			g.Expect(s.Decisions).To(HaveLen(len(c.decisions)))
			for i := 1; i < len(s.Decisions); i++ {
				g.Expect(s.Decisions[i-1].At.Time).To(BeTemporally("<=", s.Decisions[i].At.Time), "oldest first")
			}
			if len(s.Decisions) > 0 {
				g.Expect(s.Decisions[0].By).To(HaveSuffix("-member"))
				g.Expect(s.Decisions[0].Reason).To(Equal("经核查"))
			}
		})
	}
}

func TestRatificationWindowIsTheCitys(t *testing.T) {
	g := NewWithT(t)
	rec := rules.ExemptionFor(emergencyTask(), "tjj", rules.DepartmentArea{}, rules.NewJurisdictions(nil), 2)
	g.Expect(rules.RatificationWindow(rec, rules.NewJurisdictions(nil))).To(Equal(15*24*time.Hour), "the documented default")
	wz := city("3303", "温州市", true)
	wz.Spec.Emergency.RatificationDays = ptr.To(int32(5))
	g.Expect(rules.RatificationWindow(rec, rules.NewJurisdictions([]governancev1alpha1.Jurisdiction{wz}))).To(Equal(5 * 24 * time.Hour))
}

func TestValidateEmergencyDecision(t *testing.T) {
	rec := rules.ExemptionFor(emergencyTask(), "tjj", rules.DepartmentArea{}, rules.NewJurisdictions(nil), 2) // ends now+3d
	ended := now.Add(4 * 24 * time.Hour)
	member := rules.Requester{Username: "li.mzj", Groups: []string{"cunshe:unit:mzj"}}
	cases := map[string]struct {
		edit   func(*governancev1alpha1.EmergencyDecision)
		who    rules.Requester
		rec    *governancev1alpha1.EmergencyExemption
		at     time.Time
		snap   func(*rules.Memory)
		expect []finding
	}{
		"a member ratifies an ended exemption": {who: member, rec: rec, at: ended},
		"a department clerk cannot": {who: rules.Requester{Username: "tjj-clerk", Groups: []string{"cunshe:dept:tjj"}}, rec: rec, at: ended,
			expect: []finding{{field.ErrorTypeForbidden, "spec.unit", "S6",
				`用户 "tjj-clerk" 不属于联审单位 "mzj" 的成员组 cunshe:unit:mzj，不能代表其追认或否决紧急豁免 / user "tjj-clerk" is not in review unit "mzj"'s group cunshe:unit:mzj and cannot ratify or reject for it`}}},
		"no such unit": {who: member, rec: rec, at: ended, edit: func(d *governancev1alpha1.EmergencyDecision) { d.Spec.Unit = "nosuch" },
			expect: []finding{{field.ErrorTypeNotFound, "spec.unit", "S6", `review unit "nosuch" does not exist`}}},
		"no such exemption": {who: member, at: ended,
			expect: []finding{{field.ErrorTypeNotFound, "spec.exemption", "S6", `there is no emergency exemption "flood-patrol-11111111" in this namespace`}}},
		"before it ends": {who: member, rec: rec, at: now,
			expect: []finding{{field.ErrorTypeForbidden, "spec.exemption", "S6",
				"紧急豁免 flood-patrol-11111111 至 2026-11-23T09:00:00Z 才结束，结束后方可追认或否决 / emergency exemption flood-patrol-11111111 runs until 2026-11-23T09:00:00Z; it is ratified or rejected once it has ended"}}},
		"a rejection without a reason": {who: member, rec: rec, at: ended, edit: func(d *governancev1alpha1.EmergencyDecision) {
			d.Spec.Outcome, d.Spec.Reason = governancev1alpha1.EmergencyRejected, " "
		}, expect: []finding{{field.ErrorTypeRequired, "spec.reason", "S6", "否决紧急豁免须写明理由（reason） / rejecting an emergency exemption needs a reason"}}},
		"an unknown outcome": {who: member, rec: rec, at: ended, edit: func(d *governancev1alpha1.EmergencyDecision) { d.Spec.Outcome = "Upheld" },
			expect: []finding{{field.ErrorTypeInvalid, "spec.outcome", "S6", "the outcome must be Ratified or Rejected"}}},
		"another city's unit": {who: member, rec: rec, at: ended, snap: func(m *rules.Memory) {
			m.Juris = rules.NewJurisdictions([]governancev1alpha1.Jurisdiction{city("3303", "温州市", true), city("3301", "杭州市", false)})
			m.Units["mzj"].Spec.Jurisdiction = "3301"
		}, expect: []finding{{field.ErrorTypeForbidden, "spec.unit", "S6", `review unit "mzj" belongs to jurisdiction 3301 and cannot decide an emergency exemption of jurisdiction 3303`}}},
	}
	for name, c := range cases {
		t.Run(name, func(t *testing.T) {
			d := decision("flood-patrol-11111111.mzj", "mzj", governancev1alpha1.EmergencyRatified, 0)
			if c.edit != nil {
				c.edit(&d)
			}
			snap := snapshot()
			if c.snap != nil {
				c.snap(snap)
			}
			expectFindings(t, rules.ValidateEmergencyDecision(&d, c.rec, c.who, snap, c.at), c.expect)
		})
	}
}

func TestEmergencyRecordsStay(t *testing.T) {
	rec := rules.ExemptionFor(emergencyTask(), "tjj", rules.DepartmentArea{}, rules.NewJurisdictions(nil), 2)
	expectFindings(t, rules.ValidateExemptionDelete(rec, false), []finding{{field.ErrorTypeForbidden, "metadata.name", "S6",
		`紧急豁免记录 "flood-patrol-11111111" 须留档备查，不得删除（删除任务也不会删除记录） / emergency exemption "flood-patrol-11111111" stays on record and cannot be deleted (deleting its task does not delete it either)`}})
	expectFindings(t, rules.ValidateExemptionDelete(rec, true), nil)
	d := decision("flood-patrol-11111111.mzj", "mzj", governancev1alpha1.EmergencyRatified, 0)
	expectFindings(t, rules.ValidateEmergencyDecisionDelete(&d, false), []finding{{field.ErrorTypeForbidden, "metadata.name", "S6", "stays on record and cannot be deleted"}})
	expectFindings(t, rules.ValidateEmergencyDecisionDelete(&d, true), nil)
}

func TestUnratifiedEmergenciesCountAgainstTheDepartment(t *testing.T) {
	g := NewWithT(t)
	withPhase := func(name string, phase governancev1alpha1.ExemptionPhase) governancev1alpha1.EmergencyExemption {
		r := record("强降雨内涝巡查", governancev1alpha1.TaskTargets{All: true}, now)
		r.Name, r.Status.Phase = name, phase
		return r
	}
	s := rules.SummariseDepartment(nil, nil)
	rules.SummariseExemptions(&s, []governancev1alpha1.EmergencyExemption{
		withPhase("a", governancev1alpha1.ExemptionUnratified), withPhase("b", governancev1alpha1.ExemptionRejected),
		withPhase("c", governancev1alpha1.ExemptionRatified), withPhase("d", governancev1alpha1.ExemptionAwaitingRatification),
		withPhase("e", governancev1alpha1.ExemptionActive),
	})
	g.Expect(s.UnratifiedEmergencies).To(Equal(int32(1)))
	g.Expect(s.RejectedEmergencies).To(Equal(int32(1)))
	g.Expect(s.Findings).To(ConsistOf(
		governancev1alpha1.ComplianceFinding{Object: "dept-tjj/b", Kind: "RejectedEmergency", Message: "S6 Rejected: 强降雨内涝巡查 (task flood-patrol-old, PropertySafety until 2026-11-20T09:00:00Z)"},
		governancev1alpha1.ComplianceFinding{Object: "dept-tjj/a", Kind: "UnratifiedEmergency", Message: "S6 Unratified: 强降雨内涝巡查 (task flood-patrol-old, PropertySafety until 2026-11-20T09:00:00Z)"},
	))

	many := make([]governancev1alpha1.EmergencyExemption, rules.MaxComplianceFindings+1)
	for i := range many {
		many[i] = withPhase(fmt.Sprintf("r%02d", i), governancev1alpha1.ExemptionUnratified)
	}
	s = rules.SummariseDepartment(nil, nil)
	rules.SummariseExemptions(&s, many)
	g.Expect(s.UnratifiedEmergencies).To(Equal(int32(len(many))))
	g.Expect(s.Findings).To(HaveLen(rules.MaxComplianceFindings))
	g.Expect(s.Truncated).To(BeTrue())
}

// TestEmergencyAllIsItsCity: on a cluster of two cities, an emergency's
// "all" is every village of its city (TaskCity: the default city), not the
// other city's, for admission and for rules.TaskReaches alike (S6).
func TestEmergencyAllIsItsCity(t *testing.T) {
	g := NewWithT(t)
	snap := emergencySnapshot()
	snap.Juris = rules.NewJurisdictions([]governancev1alpha1.Jurisdiction{city("3303", "温州市", true), city("3301", "杭州市", false)})
	hangzhou := village("330106001001", "330106", governancev1alpha1.TypeCommunity, 1, true)
	snap.Villages.Upsert(hangzhou)
	task := emergencyTask()
	task.Spec.Targets = governancev1alpha1.TaskTargets{All: true}
	task.Spec.Emergency.Issuer.Level = governancev1alpha1.IssuerCity
	v := rules.EvaluateTask(task, tjj(), snap)
	expectFindings(t, v.Errs, nil)
	g.Expect(v.TargetVillages).To(Equal(4), "Wenzhou's four villages")
	g.Expect(rules.TaskReaches(task, nil, rules.PlaceOf(hangzhou), snap.Juris)).To(BeFalse())
	g.Expect(rules.TaskReaches(task, nil, rules.PlaceOf(village(ruianVillage, "330381", governancev1alpha1.TypeVillage, 2, true)), snap.Juris)).To(BeTrue())
}

// TestUnlistedAllIsItsCity: a task whose item is not on the lists (unknown,
// or retired since) reaches by its targets alone, "all" meaning every
// village of its city as for an emergency — not the other city's villages
// (found by the README's tour: a retired item's citywide task counted
// Hangzhou's villages too).
func TestUnlistedAllIsItsCity(t *testing.T) {
	g := NewWithT(t)
	snap := emergencySnapshot()
	snap.Juris = rules.NewJurisdictions([]governancev1alpha1.Jurisdiction{city("3303", "温州市", true), city("3301", "杭州市", false)})
	hangzhou := village("330106001001", "330106", governancev1alpha1.TypeCommunity, 1, true)
	snap.Villages.Upsert(hangzhou)
	task := emergencyTask()
	task.Spec.Emergency = nil
	task.Spec.ItemRef = "l1-not-on-the-lists"
	task.Spec.Targets = governancev1alpha1.TaskTargets{All: true}
	v := rules.EvaluateTask(task, tjj(), snap)
	g.Expect(v.Allowed()).To(BeFalse())
	g.Expect(v.TargetVillages).To(Equal(4), "Wenzhou's four villages")
	g.Expect(rules.TaskReaches(task, nil, rules.PlaceOf(hangzhou), snap.Juris)).To(BeFalse())
}
