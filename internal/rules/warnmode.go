package rules

import (
	"regexp"
	"slices"
	"time"

	"k8s.io/apimachinery/pkg/util/sets"
	"k8s.io/apimachinery/pkg/util/validation/field"

	governancev1alpha1 "github.com/cunshe/cunshe-operator/api/v1alpha1"
)

// Warn mode: a city puts task admission of a pilot county or department in
// Warn (Jurisdiction spec.admission.overrides, the shape of Kyverno's
// failureActionOverrides); a task there that breaks the lists is admitted
// with a warning naming the rule and recorded, until the city enforces.

// warnableRules are the lists' rules a pilot may warn instead of refuse.
// Everything else stays enforced: malformed targets and a namespace
// without a department (the task cannot be read, or whose it is), an
// emergency's exemption (S6: the exception already), a retired item (S7).
var warnableRules = sets.New(S1, S2, S11, S14, S17)

// EvaluateTask decides whether a department may ask a task of villages
// (S1, S2, S6, S11, S14, S17). Admission, the continuous audit and the CLI
// all call it, so a task the audit flags is exactly one admission would now
// refuse. Where TaskAction says Warn, findings of the lists' rules are
// warned instead of refused (Warned, Warnings, Action).
func EvaluateTask(t *governancev1alpha1.Task, tc TaskContext, snap TaskSnapshot) TaskVerdict {
	v := evaluateTask(t, tc, snap)
	at := tc.Now
	if at.IsZero() {
		at = tc.Created
	}
	if warnable(t, v) && TaskAction(snap.Jurisdictions(), tc.Department, v.Counties, at) == governancev1alpha1.AdmissionWarn {
		v.warn()
	}
	return v
}

// TaskAction is the action admission takes on a task that breaks the
// lists: Warn when every county it reaches is in Warn, or its department
// is, in that county's city (Jurisdiction spec.admission.overrides, each
// until its last day in the city's time zone); Enforce otherwise, and for
// a task that reaches no county.
func TaskAction(juris Jurisdictions, department string, counties []string, at time.Time) governancev1alpha1.AdmissionAction {
	if len(counties) == 0 {
		return governancev1alpha1.AdmissionEnforce
	}
	for _, county := range counties {
		if !inWarn(juris, county, department, at) {
			return governancev1alpha1.AdmissionEnforce
		}
	}
	return governancev1alpha1.AdmissionWarn
}

// inWarn reports whether the county's city has a live Warn override
// naming the county or the department.
func inWarn(juris Jurisdictions, county, department string, at time.Time) bool {
	city := juris.CityOf(county)
	jur := juris.Get(city)
	if jur == nil || jur.Spec.Level != governancev1alpha1.LevelCity {
		return false
	}
	today := juris.Today(city, at)
	for _, o := range jur.Spec.Admission.Overrides {
		if !warns(o) || (o.Until != "" && today > o.Until) {
			continue
		}
		if slices.Contains(o.Counties, county) || (department != "" && slices.Contains(o.Departments, department)) {
			return true
		}
	}
	return false
}

// warns reports whether an override is Warn; an override read from a file
// (the CLI) has not been defaulted by the API server.
func warns(o governancev1alpha1.AdmissionOverride) bool {
	return o.Action == "" || o.Action == governancev1alpha1.AdmissionWarn
}

// warnable reports whether Warn may admit the verdict's refusals: there
// are some, the task can be read, it claims no emergency, and every one is
// of the lists' rules.
func warnable(t *governancev1alpha1.Task, v TaskVerdict) bool {
	if len(v.Errs) == 0 || v.malformed > 0 || t.IsEmergency() {
		return false
	}
	for _, e := range v.Errs {
		if !warnableRules.Has(RuleOf(e)) {
			return false
		}
	}
	return true
}

// warn turns the refusals into warnings.
func (v *TaskVerdict) warn() {
	v.Warned, v.Errs = v.Errs, nil
	v.Action = governancev1alpha1.AdmissionWarn
	for _, e := range v.Warned {
		v.Warnings = append(v.Warnings, WarnedText(e))
	}
}

// WarnedText is how a warned finding reads in the kubectl Warning and the
// task's Compliant condition: the refusal it would be, then that it was
// admitted under Warn.
func WarnedText(e *field.Error) string {
	return Sentence(e) + " [告警放行：试点期间准入，恢复 Enforce 后将被拒绝 / Warn: admitted during a pilot, refused once Enforce is back]"
}

// Refuse adds refusals found beside the rules (admission's own checks of
// the object). They are never warned, so findings warned so far become
// refusals again. (A warned task is no emergency, so its Warnings were
// all warned findings.)
func (v *TaskVerdict) Refuse(errs ...*field.Error) {
	if len(errs) == 0 {
		return
	}
	if v.Action == governancev1alpha1.AdmissionWarn {
		v.Errs, v.Warned, v.Warnings, v.Action = v.Warned, nil, nil, ""
	}
	v.Errs = append(v.Errs, errs...)
}

// Findings are every finding on the task, refused or warned.
func (v TaskVerdict) Findings() field.ErrorList {
	return append(slices.Clip(v.Errs), v.Warned...)
}

// countiesOf are the counties of the groups, sorted, each once.
func countiesOf(groups []VillageGroup) []string {
	s := sets.New[string]()
	for _, g := range groups {
		s.Insert(g.County)
	}
	return sets.List(s)
}

// OverrideRegistry is what checking a city's overrides reads: the counties
// and departments that exist.
type OverrideRegistry interface {
	CountyKnown(code string) bool
	DepartmentKnown(id string) bool
}

var countyCode = regexp.MustCompile(`^[0-9]{6}$`)

// ValidateAdmissionOverrides checks a Jurisdiction's spec.admission (S1):
// only a city sets overrides, each names a county or a department, of the
// city's own counties, each county and each department in one override at
// most, and until is a date (the schema checks these too; the CLI runs
// this offline). It refuses
// those (errs). A county with no village in the registry or a department
// no namespace carries is only warned of: a GitOps sync applies the city
// before its villages (a village needs its city), and such an override
// keeps the default Enforce there, which is the safe side.
func ValidateAdmissionOverrides(jur *governancev1alpha1.Jurisdiction, reg OverrideRegistry) (errs, warnings field.ErrorList) {
	overrides := jur.Spec.Admission.Overrides
	path := specPath.Child("admission", "overrides")
	if len(overrides) > 0 && jur.Spec.Level != governancev1alpha1.LevelCity {
		return field.ErrorList{forbidden(path, msg(S1, "只有市级辖区可以设置任务准入例外，由各市为本市的县（市、区）和部门设置",
			"only a city sets task admission overrides; each city sets them for its own counties and departments"))}, nil
	}
	counties, depts := map[string]int{}, map[string]int{}
	for i, o := range overrides {
		p := path.Index(i)
		if len(o.Counties) == 0 && len(o.Departments) == 0 { // the schema's rule, for the CLI
			errs = append(errs, required(p, msg(S1, "每条例外须列出至少一个县（市、区）或部门", "an override names at least one county or department")))
		}
		if o.Until != "" {
			if _, err := time.Parse(time.DateOnly, o.Until); err != nil {
				errs = append(errs, invalid(p.Child("until"), o.Until, msg(S1, "until 须为日期 YYYY-MM-DD", "until must be a date, YYYY-MM-DD")))
			}
		}
		for k, c := range o.Counties {
			e, w := overrideCounty(jur.Spec.Code, c, counties, i, reg, p.Child("counties").Index(k))
			errs, warnings = append(errs, e...), append(warnings, w...)
		}
		for k, d := range o.Departments {
			e, w := overrideDepartment(d, depts, i, reg, p.Child("departments").Index(k))
			errs, warnings = append(errs, e...), append(warnings, w...)
		}
	}
	return errs, warnings
}

// overrideCounty checks one county of override i; first records where
// each county was first named.
func overrideCounty(city, county string, first map[string]int, i int, reg OverrideRegistry, p *field.Path) (errs, warnings field.ErrorList) {
	switch {
	case !countyCode.MatchString(county) || governancev1alpha1.CityOf(county) != city:
		return field.ErrorList{invalid(p, county, msg(S1, "%[1]q 不是本市 %[2]s 的县（市、区）代码（6 位，以 %[2]s 开头）；一个市只能为本市的县设置例外",
			"%[1]q is not a county code of city %[2]s (6 digits starting with %[2]s); a city sets overrides for its own counties only", county, city))}, nil
	case duplicate(first, county, i):
		return field.ErrorList{finding(&field.Error{Type: field.ErrorTypeDuplicate, Field: p.String(), BadValue: county}, msg(S1,
			"县（市、区）%[1]s 已列在 overrides[%[2]d]；一个县只能出现在一条例外中", "county %[1]s is already in overrides[%[2]d]; a county is in one override only", county, first[county]))}, nil
	case !reg.CountyKnown(county):
		return nil, field.ErrorList{notFound(p, county, msg(S1, "登记册中还没有县（市、区）%[1]s 的村（社区），该例外在那里不起作用（任务照常拒绝）",
			"no village of county %[1]s is in the registry yet; the override does nothing there (its tasks are refused as usual)", county))}
	}
	return nil, nil
}

// overrideDepartment checks one department of override i.
func overrideDepartment(dept string, first map[string]int, i int, reg OverrideRegistry, p *field.Path) (errs, warnings field.ErrorList) {
	switch {
	case duplicate(first, dept, i):
		return field.ErrorList{finding(&field.Error{Type: field.ErrorTypeDuplicate, Field: p.String(), BadValue: dept}, msg(S1,
			"部门 %[1]s 已列在 overrides[%[2]d]；一个部门只能出现在一条例外中", "department %[1]s is already in overrides[%[2]d]; a department is in one override only", dept, first[dept]))}, nil
	case !reg.DepartmentKnown(dept):
		return nil, field.ErrorList{notFound(p, dept, msg(S1, "没有标签为 %[2]s=%[1]s 的部门命名空间，该例外对它不起作用（任务照常拒绝）",
			"no namespace carries %[2]s=%[1]s; the override does nothing for it (its tasks are refused as usual)", dept, governancev1alpha1.LabelDepartment))}
	}
	return nil, nil
}

// duplicate reports whether code was named before (by override first[code]),
// and records override i as where it was first named otherwise.
func duplicate(first map[string]int, code string, i int) bool {
	if _, seen := first[code]; seen {
		return true
	}
	first[code] = i
	return false
}
