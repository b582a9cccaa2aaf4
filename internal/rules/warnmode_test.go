package rules_test

import (
	"encoding/json"
	"testing"
	"time"

	. "github.com/onsi/gomega"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/validation/field"

	governancev1alpha1 "github.com/cunshe/cunshe-operator/api/v1alpha1"
	"github.com/cunshe/cunshe-operator/internal/rules"
)

const (
	lucheng  = "330302" // 鹿城区, the fixtures' pilot county
	longwan  = "330303" // 龙湾区
	xihu     = "330106" // 西湖区, Hangzhou: a city without a Jurisdiction here
	warnText = " [告警放行：试点期间准入，恢复 Enforce 后将被拒绝 / Warn: admitted during a pilot, refused once Enforce is back]"
)

// wenzhou is the default city with the given task admission overrides.
func wenzhou(overrides ...governancev1alpha1.AdmissionOverride) governancev1alpha1.Jurisdiction {
	return governancev1alpha1.Jurisdiction{ObjectMeta: metav1.ObjectMeta{Name: "3303"}, Spec: governancev1alpha1.JurisdictionSpec{
		Code: "3303", Name: "温州市", Level: governancev1alpha1.LevelCity, Default: true,
		Admission: governancev1alpha1.TaskAdmission{Overrides: overrides}}}
}

func warnCounties(until string, counties ...string) governancev1alpha1.AdmissionOverride {
	return governancev1alpha1.AdmissionOverride{Action: governancev1alpha1.AdmissionWarn, Counties: counties, Until: until, Reason: "鹿城区试点"}
}

func warnDepartments(depts ...string) governancev1alpha1.AdmissionOverride {
	return governancev1alpha1.AdmissionOverride{Action: governancev1alpha1.AdmissionWarn, Departments: depts, Reason: "统计局试点"}
}

func TestTaskAction(t *testing.T) {
	// 2026-11-20 17:00 UTC is already 2026-11-21 in Wenzhou (UTC+8).
	evening := time.Date(2026, 11, 20, 17, 0, 0, 0, time.UTC)
	for name, tc := range map[string]struct {
		// juris are the declared jurisdictions (none: one unnamed city).
		juris []governancev1alpha1.Jurisdiction
		dept  string
		// counties are the counties the task reaches.
		counties []string
		at       time.Time
		want     governancev1alpha1.AdmissionAction
	}{
		"no override: Enforce, the default": {juris: []governancev1alpha1.Jurisdiction{wenzhou()},
			dept: "tjj", counties: []string{lucheng}, at: now, want: governancev1alpha1.AdmissionEnforce},
		"a cluster without jurisdictions: Enforce": {dept: "tjj", counties: []string{lucheng}, at: now, want: governancev1alpha1.AdmissionEnforce},
		"the one county reached is in Warn": {juris: []governancev1alpha1.Jurisdiction{wenzhou(warnCounties("", lucheng))},
			dept: "tjj", counties: []string{lucheng}, at: now, want: governancev1alpha1.AdmissionWarn},
		"one of two counties reached is in Warn: Enforce": {juris: []governancev1alpha1.Jurisdiction{wenzhou(warnCounties("", lucheng))},
			dept: "tjj", counties: []string{lucheng, longwan}, at: now, want: governancev1alpha1.AdmissionEnforce},
		"both counties reached are in Warn, by two overrides": {juris: []governancev1alpha1.Jurisdiction{wenzhou(warnCounties("", lucheng), warnCounties("2026-12-31", longwan))},
			dept: "tjj", counties: []string{lucheng, longwan}, at: now, want: governancev1alpha1.AdmissionWarn},
		"the department is in Warn wherever in the city": {juris: []governancev1alpha1.Jurisdiction{wenzhou(warnDepartments("tjj"))},
			dept: "tjj", counties: []string{lucheng, longwan}, at: now, want: governancev1alpha1.AdmissionWarn},
		"another department is in Warn: Enforce": {juris: []governancev1alpha1.Jurisdiction{wenzhou(warnDepartments("mzj"))},
			dept: "tjj", counties: []string{lucheng}, at: now, want: governancev1alpha1.AdmissionEnforce},
		"a county in Warn and the department for the other county": {juris: []governancev1alpha1.Jurisdiction{wenzhou(warnCounties("", lucheng), warnDepartments("tjj"))},
			dept: "tjj", counties: []string{lucheng, longwan}, at: now, want: governancev1alpha1.AdmissionWarn},
		"no county reached: Enforce, even for a department in Warn": {juris: []governancev1alpha1.Jurisdiction{wenzhou(warnDepartments("tjj"))},
			dept: "tjj", at: now, want: governancev1alpha1.AdmissionEnforce},
		"a county of an undeclared city: Enforce": {juris: []governancev1alpha1.Jurisdiction{wenzhou(warnDepartments("tjj"))},
			dept: "tjj", counties: []string{lucheng, xihu}, at: now, want: governancev1alpha1.AdmissionEnforce},
		"until is the last day in Warn": {juris: []governancev1alpha1.Jurisdiction{wenzhou(warnCounties("2026-11-20", lucheng))},
			dept: "tjj", counties: []string{lucheng}, at: now, want: governancev1alpha1.AdmissionWarn},
		"the day after until, in the city's time zone: Enforce": {juris: []governancev1alpha1.Jurisdiction{wenzhou(warnCounties("2026-11-20", lucheng))},
			dept: "tjj", counties: []string{lucheng}, at: evening, want: governancev1alpha1.AdmissionEnforce},
		"an override read from a file, not defaulted, is Warn": {juris: []governancev1alpha1.Jurisdiction{wenzhou(governancev1alpha1.AdmissionOverride{Counties: []string{lucheng}, Reason: "试点"})},
			dept: "tjj", counties: []string{lucheng}, at: now, want: governancev1alpha1.AdmissionWarn},
	} {
		t.Run(name, func(t *testing.T) {
			got := rules.TaskAction(rules.NewJurisdictions(tc.juris), tc.dept, tc.counties, tc.at)
			NewWithT(t).Expect(got).To(Equal(tc.want))
		})
	}
}

// pilotSnapshot is taskSnapshot in the declared city of Wenzhou, with the
// overrides: its revisions become the city's.
func pilotSnapshot(overrides ...governancev1alpha1.AdmissionOverride) *rules.Memory {
	m := taskSnapshot()
	for key, items := range m.Revisions {
		delete(m.Revisions, key)
		m.Revisions[rules.RevisionKey{City: "3303", Number: key.Number}] = items
	}
	m.Juris = rules.NewJurisdictions([]governancev1alpha1.Jurisdiction{wenzhou(overrides...)})
	return m
}

// unlistedTask targets the villages of 鹿城区 under an item that does not exist.
func unlistedTask() *governancev1alpha1.Task {
	tk := censusTask()
	tk.Spec.ItemRef, tk.Spec.Title = "census-extra-forms", "人口普查补充表格填报"
	tk.Spec.Targets = governancev1alpha1.TaskTargets{Counties: []string{lucheng}}
	return tk
}

func TestWarnAdmitsWhatEnforceRefuses(t *testing.T) {
	g := NewWithT(t)
	enforced := rules.EvaluateTask(unlistedTask(), tjj(), pilotSnapshot())
	expectFindings(t, enforced.Errs, []finding{{field.ErrorTypeNotFound, "spec.itemRef", "S1", `there is no list item "census-extra-forms"`}})
	g.Expect(enforced.Action).To(BeEmpty())
	g.Expect(enforced.Counties).To(Equal([]string{lucheng}))

	warned := rules.EvaluateTask(unlistedTask(), tjj(), pilotSnapshot(warnCounties("", lucheng)))
	g.Expect(warned.Allowed()).To(BeTrue())
	g.Expect(warned.Action).To(Equal(governancev1alpha1.AdmissionWarn))
	g.Expect(warned.Warned).To(Equal(enforced.Errs), "the same findings, warned")
	g.Expect(warned.Warnings).To(Equal([]string{text(enforced.Errs[0]) + warnText}))
	g.Expect(warned.Findings()).To(Equal(enforced.Errs))
	bilingual(g, warned.Warnings[0])
}

// completeEmergency is an emergency with everything S6 asks of one, so that
// only the task's other findings can refuse it. It is read from JSON as a
// department writes it: fields the S6 rules do not know (yet) are ignored.
func completeEmergency(expires time.Time) *governancev1alpha1.Emergency {
	e := &governancev1alpha1.Emergency{}
	if err := json.Unmarshal([]byte(`{"category": "LifeSafety", "nature": "Sudden", "justification": "台风登陆，连夜摸排危旧房住户",
		"issuer": {"name": "市统计局局长 张伟", "level": "Department"}}`), e); err != nil {
		panic(err)
	}
	e.Expires = &metav1.Time{Time: expires}
	return e
}

func TestWarnKeepsSomeRulesEnforced(t *testing.T) {
	pilot := func() *rules.Memory { return pilotSnapshot(warnCounties("", lucheng, longwan), warnDepartments("tjj")) }
	for name, tc := range map[string]struct {
		task     *governancev1alpha1.Task
		ctx      rules.TaskContext
		snapEdit func(*rules.Memory)
		rule     string
	}{
		"an unknown village (S2): the task cannot be read": {task: func() *governancev1alpha1.Task {
			tk := censusTask()
			tk.Spec.Targets = governancev1alpha1.TaskTargets{Villages: []string{wumaVillage, "330302999999"}}
			return tk
		}(), ctx: tjj(), rule: "S2"},
		"a namespace without a department (S2): whose task it is": {task: func() *governancev1alpha1.Task {
			tk := censusTask()
			tk.Spec.Targets = governancev1alpha1.TaskTargets{Counties: []string{lucheng}}
			return tk
		}(), ctx: rules.TaskContext{Created: now}, rule: "S2"},
		"a retired item (S7)": {task: func() *governancev1alpha1.Task {
			tk := censusTask()
			tk.Spec.Targets = governancev1alpha1.TaskTargets{Counties: []string{lucheng}}
			return tk
		}(), ctx: tjj(), snapEdit: func(m *rules.Memory) { m.Items["l1-census-assist"].Status.Phase = governancev1alpha1.PhaseRetired }, rule: "S7"},
		"an emergency (S6), even for a warnable finding": {task: func() *governancev1alpha1.Task {
			tk := unlistedTask()
			tk.Spec.Description = "入户登记后，各村建立纸质台账"
			tk.Spec.Emergency = completeEmergency(now.Add(24 * time.Hour))
			return tk
		}(), ctx: tjj(), rule: "S11"},
	} {
		t.Run(name, func(t *testing.T) {
			g := NewWithT(t)
			snap := pilot()
			if tc.snapEdit != nil {
				tc.snapEdit(snap)
			}
			v := rules.EvaluateTask(tc.task, tc.ctx, snap)
			g.Expect(v.Allowed()).To(BeFalse())
			for _, e := range v.Errs {
				g.Expect(rules.RuleOf(e)).To(Equal(tc.rule), "the one rule that refuses: %s", e)
			}
			g.Expect(v.Warned).To(BeEmpty())
			g.Expect(v.Action).To(BeEmpty())
		})
	}
}

func TestWarnAppliesPerDepartmentAndUntil(t *testing.T) {
	g := NewWithT(t)
	tk := unlistedTask()
	tk.Spec.Targets = governancev1alpha1.TaskTargets{All: true} // both counties
	g.Expect(rules.EvaluateTask(tk, tjj(), pilotSnapshot(warnDepartments("tjj"))).Action).To(Equal(governancev1alpha1.AdmissionWarn))
	zjj := rules.TaskContext{Department: "zjj", Created: now}
	g.Expect(rules.EvaluateTask(tk, zjj, pilotSnapshot(warnDepartments("tjj"))).Allowed()).To(BeFalse(), "only the department named")
	g.Expect(rules.EvaluateTask(tk, tjj(), pilotSnapshot(warnCounties("", lucheng))).Allowed()).To(BeFalse(), "one county of two in Warn")

	lapsed := tjj()
	lapsed.Now = now.Add(48 * time.Hour) // an update two days after creation, past until
	g.Expect(rules.EvaluateTask(tk, tjj(), pilotSnapshot(warnCounties("2026-11-21", lucheng, longwan))).Allowed()).To(BeTrue())
	g.Expect(rules.EvaluateTask(tk, lapsed, pilotSnapshot(warnCounties("2026-11-21", lucheng, longwan))).Allowed()).To(BeFalse(),
		"the moment of the decision, not of the creation, reads until")
}

func TestRefuseTurnsWarnedFindingsBackIntoRefusals(t *testing.T) {
	g := NewWithT(t)
	v := rules.EvaluateTask(unlistedTask(), tjj(), pilotSnapshot(warnCounties("", lucheng)))
	warned := v.Warned
	label := field.Forbidden(field.NewPath("metadata", "labels"), "S2 forged")
	v.Refuse(label)
	g.Expect(v.Errs).To(Equal(append(warned, label)))
	g.Expect(v.Warned).To(BeEmpty())
	g.Expect(v.Warnings).To(BeEmpty())
	g.Expect(v.Action).To(BeEmpty())
}

func TestValidateAdmissionOverrides(t *testing.T) {
	for name, tc := range map[string]struct {
		// edit changes the city (wenzhou with a valid pilot) under test.
		edit                 func(*governancev1alpha1.Jurisdiction)
		wantErrs, wantWarned []finding
	}{
		"a county and a department in Warn": {edit: func(*governancev1alpha1.Jurisdiction) {}},
		"a province sets none": {edit: func(j *governancev1alpha1.Jurisdiction) {
			j.Spec.Code, j.Spec.Level, j.Spec.Default = "33", governancev1alpha1.LevelProvince, false
		}, wantErrs: []finding{{field.ErrorTypeForbidden, "spec.admission.overrides", "S1", "only a city sets task admission overrides"}}},
		"another city's county": {edit: func(j *governancev1alpha1.Jurisdiction) {
			j.Spec.Admission.Overrides[0].Counties = []string{xihu}
		}, wantErrs: []finding{{field.ErrorTypeInvalid, "spec.admission.overrides[0].counties[0]", "S1", `"330106" is not a county code of city 3303 (6 digits starting with 3303)`}}},
		"not a county code": {edit: func(j *governancev1alpha1.Jurisdiction) {
			j.Spec.Admission.Overrides[0].Counties = []string{"3303020"}
		}, wantErrs: []finding{{field.ErrorTypeInvalid, "spec.admission.overrides[0].counties[0]", "S1", `"3303020" is not a county code of city 3303`}}},
		"a county in two overrides": {edit: func(j *governancev1alpha1.Jurisdiction) {
			j.Spec.Admission.Overrides = append(j.Spec.Admission.Overrides, warnCounties("2026-12-31", longwan, lucheng))
		}, wantErrs: []finding{{field.ErrorTypeDuplicate, "spec.admission.overrides[2].counties[1]", "S1", "county 330302 is already in overrides[0]; a county is in one override only"}}},
		"a department in two overrides": {edit: func(j *governancev1alpha1.Jurisdiction) {
			j.Spec.Admission.Overrides = append(j.Spec.Admission.Overrides, warnDepartments("mzj", "tjj"))
		}, wantErrs: []finding{{field.ErrorTypeDuplicate, "spec.admission.overrides[2].departments[1]", "S1", "department tjj is already in overrides[1]"}}},
		"an override that names nothing": {edit: func(j *governancev1alpha1.Jurisdiction) {
			j.Spec.Admission.Overrides[1].Departments = nil
		}, wantErrs: []finding{{field.ErrorTypeRequired, "spec.admission.overrides[1]", "S1", "an override names at least one county or department"}}},
		"until is not a date": {edit: func(j *governancev1alpha1.Jurisdiction) {
			j.Spec.Admission.Overrides[0].Until = "2026-13-01"
		}, wantErrs: []finding{{field.ErrorTypeInvalid, "spec.admission.overrides[0].until", "S1", "until must be a date, YYYY-MM-DD"}}},
		"a county with no village yet and an unknown department are warned of": {edit: func(j *governancev1alpha1.Jurisdiction) {
			j.Spec.Admission.Overrides[0].Counties = []string{"330399"}
			j.Spec.Admission.Overrides[1].Departments = []string{"tjjj"}
		}, wantWarned: []finding{
			{field.ErrorTypeNotFound, "spec.admission.overrides[0].counties[0]", "S1", "no village of county 330399 is in the registry yet; the override does nothing there (its tasks are refused as usual)"},
			{field.ErrorTypeNotFound, "spec.admission.overrides[1].departments[0]", "S1", "no namespace carries governance.cunshe.io/department=tjjj; the override does nothing for it"},
		}},
	} {
		t.Run(name, func(t *testing.T) {
			j := wenzhou(warnCounties("2026-06-30", lucheng), warnDepartments("tjj"))
			tc.edit(&j)
			errs, warned := rules.ValidateAdmissionOverrides(&j, snapshot())
			expectFindings(t, errs, tc.wantErrs)
			expectFindings(t, warned, tc.wantWarned)
		})
	}
}
