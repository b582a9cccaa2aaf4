package rules

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"k8s.io/apimachinery/pkg/util/validation/field"

	governancev1alpha1 "github.com/cunshe/cunshe-operator/api/v1alpha1"
)

// Rule IDs the task rules cite.
const (
	S6  = "S6"  // emergencies are exempt
	S8  = "S8"  // refusal and report
	S11 = "S11" // no paper ledgers for villages on the platform
	S14 = "S14" // no exclusive use of rooms
	S17 = "S17" // walls: only what residents need to know
	S19 = "S19" // departments named and held to account
)

// TaskSnapshot is what the task rules may know of the lists and villages.
type TaskSnapshot interface {
	ListItem(name string) *governancev1alpha1.ListItem
	// VillageIndex holds the villages, grouped; Reached decides which of
	// them a task reaches.
	VillageIndex() *VillageIndex
	// RevisionHas reports whether a city's published revision holds the
	// item; revision 0 (nothing published yet) holds nothing.
	RevisionHas(city string, revision int64, item string) bool
	// PublishedItems are the items of the city's newest revision, for suggestions.
	PublishedItems(city string) []ItemTitle
	// Jurisdictions are the cities and provinces the cluster declares.
	Jurisdictions() Jurisdictions
}

// ItemTitle is a published item as the suggestions show it.
type ItemTitle struct {
	Name  string
	List  governancev1alpha1.ListKind
	Title string
}

// TaskContext is what admission or the audit knows beside the task.
type TaskContext struct {
	// Department is the department label of the task's namespace; "" when it has none.
	Department string
	// Created is when the task was created (now, at admission); it bounds the emergency expiry.
	Created time.Time
	// Area is what the department answers for (its namespace's labels): an
	// emergency reaches no further (S6).
	Area DepartmentArea
	// Now is when admission or the audit decides: a Warn override counts
	// until its last day (TaskAction). Zero reads as Created.
	Now time.Time
}

// TaskVerdict is the rules' decision on a task.
type TaskVerdict struct {
	// Errs are the refusals: the task may not stand.
	Errs field.ErrorList
	// Warned are the findings admitted under Warn (the Jurisdiction's
	// spec.admission.overrides): the task stands, they are told as
	// warnings and recorded. Empty when Action is not Warn.
	Warned   field.ErrorList
	Warnings []string
	// Action is AdmissionWarn when the findings were warned, else empty (Enforce).
	Action governancev1alpha1.AdmissionAction
	// TargetVillages counts the villages the task reaches.
	TargetVillages int
	// Counties are the counties the task reaches, sorted: they decide the action.
	Counties []string
	// malformed counts the first Errs, which say the task cannot be read
	// (targets unknown or too many, no department): never warned.
	malformed int
}

// Allowed reports whether the task may stand.
func (v TaskVerdict) Allowed() bool { return len(v.Errs) == 0 }

var (
	taskType    = specPath.Child("type")
	taskItem    = specPath.Child("itemRef")
	taskRole    = specPath.Child("villageRole")
	taskTargets = specPath.Child("targets")
	taskEmerg   = specPath.Child("emergency")
)

// evaluateTask decides whether a department may ask a task of villages
// (S1, S2, S6, S11, S14, S17), as Enforce does; EvaluateTask then applies
// the city's action.
func evaluateTask(t *governancev1alpha1.Task, tc TaskContext, snap TaskSnapshot) TaskVerdict {
	var v TaskVerdict
	if v.Errs = targetCaps(t.Spec.Targets); len(v.Errs) > 0 {
		return v
	}
	groups, unknown := snap.VillageIndex().TargetVillages(t.Spec.Targets)
	v.Counties = countiesOf(groups)
	v.Errs = append(v.Errs, unknownTargets(t.Spec.Targets, unknown)...)
	if tc.Department == "" {
		v.Errs = append(v.Errs, forbidden(field.NewPath("metadata", "namespace"), msg(S2,
			"命名空间 %q 没有部门标签 %s，任务只能在部门的命名空间中创建",
			"namespace %q carries no %s label; tasks are created in a department's namespace", t.Namespace, governancev1alpha1.LabelDepartment)))
	}
	v.malformed = len(v.Errs)
	d := demandsOf(t)
	v.Errs = append(v.Errs, phraseFindings(t, d, snap.Jurisdictions().TaskPhrases(TaskCity(t, snap.Jurisdictions())))...)
	if d.room {
		v.Errs = append(v.Errs, forbidden(taskType, msg(S14,
			"任何单位和部门不得对村（社区）场所作出排他性使用要求；场所一室多用，请改为在已列入清单的事项下派发工作任务",
			"no department may demand exclusive use of a village room; rooms are multi-use — assign a Work task under a listed item instead")))
		return v
	}
	if d.ledger {
		v.Errs = append(v.Errs, paperLedgerFindings(groups)...)
	}
	if t.IsEmergency() {
		reached, _ := Reached(t, nil, groups, snap.Jurisdictions())
		v.Errs = append(v.Errs, emergencyFindings(t, tc, reached, snap)...)
		v.TargetVillages = total(reached)
		if v.Allowed() {
			v.Warnings = append(v.Warnings, emergencyAdmitted(t))
		}
		return v
	}
	item, errs := listedItem(t, snap)
	v.Errs = append(v.Errs, errs...)
	if item == nil {
		reached, _ := Reached(t, nil, groups, snap.Jurisdictions())
		v.TargetVillages = total(reached)
		return v
	}
	v.Errs = append(v.Errs, roleFindings(t, item)...)
	v.Errs = append(v.Errs, departmentFindings(item, tc.Department)...)
	inScope, outside := Reached(t, item, groups, snap.Jurisdictions())
	scopeErrs := scopeFindings(t, item, outside)
	v.Errs = append(v.Errs, scopeErrs...)
	if t.Spec.Targets.All { // all: the villages in the item's scope
		v.Counties = countiesOf(inScope)
	}
	v.Errs = append(v.Errs, publishedFindings(item, inScope, snap)...)
	v.TargetVillages = total(inScope)
	if v.TargetVillages == 0 && len(unknown) == 0 && len(scopeErrs) == 0 {
		v.Errs = append(v.Errs, invalid(taskTargets, "", msg(S2, "任务对象中没有事项适用范围内的村（社区）",
			"the targets reach no village within the item's scope")))
	}
	return v
}

// MaxTargetVillages and MaxTargetCounties are the schema's maxItems on a
// task's targets (api/v1alpha1; a test holds them equal): the API server
// refuses more, and the rules do too, so the CLI refuses them offline and
// no caller makes the rules resolve an unbounded list.
const (
	MaxTargetVillages = 12000
	MaxTargetCounties = 256
)

// maxNamedTargets is how many unknown codes a refusal names: enough to
// find a typo, few enough that 10,000 wrong codes still make a message a
// person reads.
const maxNamedTargets = 10

// targetCaps refuses targets longer than the schema allows (S2).
func targetCaps(t governancev1alpha1.TaskTargets) field.ErrorList {
	var errs field.ErrorList
	for _, c := range []struct {
		path   *field.Path
		n, max int
		zh, en string
	}{
		{taskTargets.Child("villages"), len(t.Villages), MaxTargetVillages, "村（社区）", "villages"},
		{taskTargets.Child("counties"), len(t.Counties), MaxTargetCounties, "县（市、区）", "counties"},
	} {
		if c.n > c.max {
			errs = append(errs, finding(&field.Error{Type: field.ErrorTypeTooMany, Field: c.path.String(), BadValue: field.OmitValueType{}},
				msg(S2, "一个任务最多派往 %[1]d 个%[3]s，现有 %[2]d 个；请按县（市、区）派发（targets.counties）或分为几个任务",
					"a task names at most %[1]d %[4]s; this one names %[2]d — target counties (targets.counties) or split the task", c.max, c.n, c.zh, c.en)))
		}
	}
	return errs
}

func unknownTargets(t governancev1alpha1.TaskTargets, unknown []string) field.ErrorList {
	if len(unknown) == 0 {
		return nil
	}
	path, zh, en := taskTargets.Child("villages"), "村（社区）", "village"
	if len(t.Villages) == 0 { // villages, when named, are what was resolved
		path, zh, en = taskTargets.Child("counties"), "县（市、区）", "county"
	}
	named, moreZh, moreEn := unknown, "", ""
	if len(unknown) > maxNamedTargets {
		named = unknown[:maxNamedTargets]
		moreZh, moreEn = fmt.Sprintf(" 等，共 %d 个", len(unknown)), fmt.Sprintf(" and %d more", len(unknown)-maxNamedTargets)
	}
	return field.ErrorList{notFound(path, strings.Join(named, ","), msg(S2, "登记册中没有%[1]s %[2]s%[4]s", "no %[3]s %[2]s%[5]s in the division registry",
		zh, strings.Join(named, ", "), en, moreZh, moreEn))}
}

// paperLedgerFindings refuses inspecting paper ledgers of villages that keep
// their records on the platform (S11).
func paperLedgerFindings(groups []VillageGroup) field.ErrorList {
	exempt, example := 0, ""
	for _, g := range groups {
		if g.PaperLedgerExempt {
			exempt += g.Count
			if example == "" {
				example = g.Example
			}
		}
	}
	if exempt == 0 {
		return nil
	}
	return field.ErrorList{forbidden(taskType, msg(S11,
		"%d 个目标村（社区）（如 %s）已在智慧村社通平台留痕，不再检查纸质台账；请在平台上查阅，或从任务对象中去除这些村（社区）",
		"%d target villages (e.g. %s) keep their records on the platform and are no longer asked for paper ledgers; inspect them on the platform, or leave them out of the targets", exempt, example))}
}

// listedItem finds the task's item and checks it may carry this type of task
// (S1, S7, S17); a refusal suggests the closest published items.
func listedItem(t *governancev1alpha1.Task, snap TaskSnapshot) (*governancev1alpha1.ListItem, field.ErrorList) {
	wall := demandsOf(t).wall
	if t.Spec.ItemRef == "" {
		zh, en := suggestions(t, snap, wall)
		return nil, field.ErrorList{required(taskItem, msg(S1, "清单之外无事项：任务须引用已公布的清单事项%[1]s",
			"nothing outside the lists: a task must cite a published list item%[2]s", zh, en))}
	}
	item := snap.ListItem(t.Spec.ItemRef)
	if item == nil {
		zh, en := suggestions(t, snap, wall)
		return nil, field.ErrorList{notFound(taskItem, t.Spec.ItemRef, msg(S1, "清单之外无事项：清单中没有事项 %[1]q%[2]s",
			"nothing outside the lists: there is no list item %[1]q%[3]s", t.Spec.ItemRef, zh, en))}
	}
	switch {
	case item.Status.Phase == governancev1alpha1.PhaseRetired:
		zh, en := suggestions(t, snap, wall)
		return nil, field.ErrorList{invalid(taskItem, item.Name, msg(S7, "事项 %[1]q 已退出清单，不得再据此派发任务%[2]s",
			"item %[1]q has been retired from the lists; no task may cite it%[3]s", item.Name, zh, en))}
	case item.Status.Phase != governancev1alpha1.PhaseApproved:
		return nil, field.ErrorList{invalid(taskItem, item.Name, msg(S1, "事项 %q 尚未通过联合审核（%s），不在清单中",
			"item %q has not passed joint review (%s) and is not on the lists", item.Name, item.Status.Phase))}
	case wall && !item.Spec.ResidentFacing:
		return nil, field.ErrorList{forbidden(taskType, msg(S17,
			"事项 %q（%s）不是群众需要知晓的服务事项或办事流程，内部制度、流程和职责清单不得要求上墙；请改用宣传册或电子屏",
			"item %q (%s) is not a service item or procedure residents need to know; internal rules, procedures and responsibility lists may not be required on walls — use a brochure or an electronic screen", item.Name, item.Spec.List))}
	case !wall && item.Spec.List != governancev1alpha1.ListAdmission:
		zh, en := suggestions(t, snap, wall)
		return nil, field.ErrorList{invalid(taskItem, item.Name, msg(S1,
			"事项 %[1]q 属于 %[2]s 清单；向村（社区）派发工作只能依据准入事项清单（Admission）%[3]s",
			"item %[1]q is on the %[2]s list; work may be asked of villages only under an Admission item%[4]s", item.Name, item.Spec.List, zh, en))}
	}
	return item, nil
}

// roleFindings: a village that only assists may not be made to undertake (S2).
func roleFindings(t *governancev1alpha1.Task, item *governancev1alpha1.ListItem) field.ErrorList {
	if t.Spec.VillageRole == governancev1alpha1.RoleUndertake && item.Spec.VillageRole == governancev1alpha1.RoleAssist {
		return field.ErrorList{invalid(taskRole, t.Spec.VillageRole, msg(S2,
			"事项 %q 规定村（社区）只协助（Assist），不得要求其承担（Undertake），这是将部门职责转嫁给村（社区）；请改为 villageRole: Assist",
			"item %q has villages Assist only; asking them to Undertake shifts the department's duty onto them — use villageRole: Assist", item.Name))}
	}
	return nil
}

// departmentFindings: only the item's responsible departments assign tasks under it (S2).
func departmentFindings(item *governancev1alpha1.ListItem, dept string) field.ErrorList {
	if dept == "" || len(item.Spec.ResponsibleDepartments) == 0 || slices.Contains(item.Spec.ResponsibleDepartments, dept) {
		return nil
	}
	list := strings.Join(item.Spec.ResponsibleDepartments, ", ")
	return field.ErrorList{forbidden(taskItem, msg(S2,
		"部门 %q 不是事项 %q 的责任部门（%s），不得据此派发任务；请由责任部门派发，或另行申请列入清单（S4）",
		"department %q is not among item %q's responsible departments (%s) and may not assign tasks under it; ask a responsible department, or apply for an item of your own (S4)", dept, item.Name, list))}
}

// scopeFindings refuses targets that name villages outside the item's
// reach (S2): they would enlarge the item's scope. "All" is not refused:
// it means every village in scope (TaskReaches).
func scopeFindings(t *governancev1alpha1.Task, item *governancev1alpha1.ListItem, outside []VillageGroup) field.ErrorList {
	if len(outside) == 0 || t.Spec.Targets.All {
		return nil
	}
	g := outside[0]
	example := fmt.Sprintf("%s (%s, %s)", g.Example, g.County, g.Type)
	return field.ErrorList{invalid(taskTargets, example, msg(S2,
		"不得扩大事项范围：%d 个目标村（社区）（如 %s）不在事项 %q 的适用范围（%s）内；请将任务对象限定在该范围内",
		"the task may not enlarge the item's scope: %d target villages (e.g. %s) are outside item %q's scope (%s); keep the targets within it", total(outside), example, item.Name, describeScope(item.Spec.Scope)))}
}

func describeScope(s governancev1alpha1.Scope) string {
	counties, types := "citywide", "Village, Community"
	if len(s.Counties) > 0 {
		counties = strings.Join(s.Counties, ", ")
	}
	if len(s.VillageTypes) > 0 {
		ts := make([]string, len(s.VillageTypes))
		for i, t := range s.VillageTypes {
			ts[i] = string(t)
		}
		types = strings.Join(ts, ", ")
	}
	return "counties: " + counties + "; types: " + types
}

// publishedFindings: the item must be on the list each target village holds
// (S1) — during a staged rollout, only the villages already reached.
func publishedFindings(item *governancev1alpha1.ListItem, groups []VillageGroup, snap TaskSnapshot) field.ErrorList {
	missing, all, example := 0, 0, ""
	juris := snap.Jurisdictions()
	for _, g := range groups {
		all += g.Count
		if snap.RevisionHas(juris.CityOf(g.County), g.Revision, item.Name) {
			continue
		}
		missing += g.Count
		if example == "" {
			example = fmt.Sprintf("%s (revision %d)", g.Example, g.Revision)
		}
	}
	if missing == 0 {
		return nil
	}
	return field.ErrorList{invalid(taskItem, item.Name, msg(S1,
		"清单之外无事项：%[1]d/%[2]d 个目标村（社区）（如 %[3]s）持有的已公布清单中没有事项 %[4]q；请等待清单发布到这些村（社区）（kubectl cunshe rollout status），或只派发给已持有的村（社区）",
		"nothing outside the lists: item %[4]q is not on the published lists held by %[1]d of %[2]d target villages (e.g. %[3]s); wait for the rollout to reach them (kubectl cunshe rollout status), or target only villages that hold it", missing, all, example, item.Name))}
}

func total(groups []VillageGroup) int {
	n := 0
	for _, g := range groups {
		n += g.Count
	}
	return n
}

// suggestions names the published items closest to the task's title, in
// Chinese and in English, so a refused department sees what it could cite.
func suggestions(t *governancev1alpha1.Task, snap TaskSnapshot, wall bool) (zh, en string) {
	close := ClosestItems(t.Spec.Title, snap.PublishedItems(TaskCity(t, snap.Jurisdictions())), wall, 3)
	if len(close) == 0 {
		return "", ""
	}
	names := make([]string, len(close))
	for i, it := range close {
		names[i] = fmt.Sprintf("%s（%s）", it.Name, it.Title)
	}
	return "；最接近的清单事项：" + strings.Join(names, "、"), "; closest listed items: " + strings.Join(names, ", ")
}

// TaskCity is the city whose lists a task is read against (the suggestions,
// the audited revision): the
// city of the task's first target, or the default city.
func TaskCity(t *governancev1alpha1.Task, juris Jurisdictions) string {
	switch {
	case len(t.Spec.Targets.Villages) > 0:
		return juris.CityOf(t.Spec.Targets.Villages[0])
	case len(t.Spec.Targets.Counties) > 0:
		return juris.CityOf(t.Spec.Targets.Counties[0])
	}
	return juris.Default()
}
