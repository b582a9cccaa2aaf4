package rules

import (
	"cmp"
	"slices"
	"strings"

	"k8s.io/apimachinery/pkg/util/validation/field"

	governancev1alpha1 "github.com/cunshe/cunshe-operator/api/v1alpha1"
)

// VillageOfNamespace is the code of the village whose tenant ns is, or "".
func VillageOfNamespace(ns string) string {
	code, ok := strings.CutPrefix(ns, governancev1alpha1.TenantNamespacePrefix)
	if !ok || len(code) != 12 {
		return ""
	}
	return code
}

// ReportSnapshot is what the report rules may know.
type ReportSnapshot interface {
	Village(code string) *governancev1alpha1.Village
	Task(namespace, name string) *governancev1alpha1.Task
	DepartmentKnown(id string) bool
	ReviewUnit(name string) *governancev1alpha1.ReviewUnit
	// ListItem and Jurisdictions decide, with the task's targets, whether
	// the task reaches the village (TaskReaches).
	ListItem(name string) *governancev1alpha1.ListItem
	Jurisdictions() Jurisdictions
}

// ValidateReport checks a village's report as it is filed (S8): from the
// village's own tenant, by its own cadres, about a task that reaches it or a
// demand by a known department.
func ValidateReport(r *governancev1alpha1.Report, who Requester, snap ReportSnapshot) field.ErrorList {
	code := VillageOfNamespace(r.Namespace)
	ns := field.NewPath("metadata", "namespace")
	if code == "" || snap.Village(code) == nil {
		return field.ErrorList{forbidden(ns, msg(S8, "反映只能在村（社区）自己的命名空间（village-<代码>）中提交，%q 不是",
			"a report is filed in a village's own tenant namespace (village-<code>); %q is not one", r.Namespace))}
	}
	if !slices.Contains(who.Groups, governancev1alpha1.VillageGroupPrefix+code) {
		return field.ErrorList{forbidden(ns, msg(S8, "用户 %q 不属于 %s%s 组，只有本村（社区）干部可以提交本村（社区）的反映",
			"user %q is not in group %s%s; only the village's own cadres file its reports", who.Username, governancev1alpha1.VillageGroupPrefix, code))}
	}
	spec := specPath
	switch {
	case r.Spec.TaskRef != nil:
		task := snap.Task(r.Spec.TaskRef.Namespace, r.Spec.TaskRef.Name)
		ref := r.Spec.TaskRef.Namespace + "/" + r.Spec.TaskRef.Name
		if task == nil {
			return field.ErrorList{notFound(spec.Child("taskRef"), ref, msg(S8, "任务 %s 不存在", "task %s does not exist", ref))}
		}
		if !TaskReaches(task, snap.ListItem(task.Spec.ItemRef), PlaceOf(snap.Village(code)), snap.Jurisdictions()) {
			return field.ErrorList{invalid(spec.Child("taskRef"), ref, msg(S8, "任务 %s 没有派发给本村（社区）%s",
				"task %s does not target this village (%s)", ref, code))}
		}
	case r.Spec.Demand != nil && !snap.DepartmentKnown(r.Spec.Demand.Department):
		return field.ErrorList{notFound(spec.Child("demand", "department"), r.Spec.Demand.Department, msg(S8,
			"没有标签为 %s=%s 的部门命名空间", "no department namespace is labelled %s=%s", governancev1alpha1.LabelDepartment, r.Spec.Demand.Department))}
	}
	return nil
}

// ValidateReportDelete keeps an open report until a unit decides it (S8),
// and an upheld one for good: it is the record of the department's
// violation (S19). Only a dismissed report may be deleted, or one that
// goes with its tenant once archived (tenant).
func ValidateReportDelete(r *governancev1alpha1.Report, tenant TenantState) field.ErrorList {
	switch {
	case r.Status.Phase == governancev1alpha1.ReportDismissed, tenant.goes():
		return nil
	case tenant.Terminating:
		return awaitingArchive(S19, "反映", "report", r.Name)
	case r.Status.Phase == governancev1alpha1.ReportUpheld:
		return field.ErrorList{forbidden(field.NewPath("status", "phase"), msg(S19,
			"反映 %q 已被认定属实，是部门违规的记录，不得删除", "report %q was upheld and is the record of the department's violation; it cannot be deleted", r.Name))}
	}
	phase := cmp.Or(r.Status.Phase, governancev1alpha1.ReportFiled)
	return field.ErrorList{forbidden(field.NewPath("status", "phase"), msg(S8,
		"反映 %q 尚在处理中（%s），联审单位作出认定前不得删除", "report %q is still open (%s) and cannot be deleted before a review unit decides it", r.Name, phase))}
}

// ValidateReportDecision checks a decision as it is made: on an existing
// report beside it, by a member of an existing review unit (S8).
func ValidateReportDecision(d *governancev1alpha1.ReportDecision, reportExists bool, who Requester, snap ReportSnapshot) field.ErrorList {
	unit := snap.ReviewUnit(d.Spec.Unit)
	switch {
	case unit == nil:
		return field.ErrorList{notFound(specPath.Child("unit"), d.Spec.Unit, msg(S8, "联审单位 %q 不存在", "review unit %q does not exist", d.Spec.Unit))}
	case !who.MemberOf(unit):
		return field.ErrorList{forbidden(specPath.Child("unit"), msg(S8, "用户 %q 不属于联审单位 %q 的成员组 %s，不能代表其作出处理意见",
			"user %q is not in review unit %q's group %s and cannot decide for it", who.Username, unit.Name, unit.Spec.Group))}
	case !reportExists:
		return field.ErrorList{notFound(specPath.Child("report"), d.Spec.Report, msg(S8, "本命名空间中没有反映 %q", "there is no report %q in this namespace", d.Spec.Report))}
	}
	return nil
}

// ValidateReportDecisionDelete keeps every decision on record (S8), unless
// it goes with its tenant once archived (tenant).
func ValidateReportDecisionDelete(d *governancev1alpha1.ReportDecision, tenant TenantState) field.ErrorList {
	switch {
	case tenant.goes():
		return nil
	case tenant.Terminating:
		return awaitingArchive(S8, "处理意见", "decision", d.Name)
	}
	return field.ErrorList{forbidden(field.NewPath("metadata", "name"), msg(S8,
		"处理意见 %q 须留档备查，不得删除", "decision %q stays on record and cannot be deleted", d.Name))}
}

// ReportOutcome is a report's standing after its decisions.
type ReportOutcome struct {
	Phase     governancev1alpha1.ReportPhase
	Findings  string
	Decisions []governancev1alpha1.ReportDecisionRecord
}

// DecideReport follows a report's decisions (S8, S19): every one is listed,
// oldest first. A violation record cannot be erased by another unit: once a
// unit upholds the report it stays Upheld until that same unit decides
// otherwise (withdraws its finding); while no unit's latest decision upholds
// it, the latest decision sets the phase.
func DecideReport(decisions []governancev1alpha1.ReportDecision) ReportOutcome {
	sorted := slices.Clone(decisions)
	slices.SortFunc(sorted, func(a, b governancev1alpha1.ReportDecision) int {
		return cmp.Or(a.CreationTimestamp.Compare(b.CreationTimestamp.Time), cmp.Compare(a.Name, b.Name))
	})
	out := ReportOutcome{Phase: governancev1alpha1.ReportFiled}
	latestOf := map[string]*governancev1alpha1.ReportDecision{}
	for i := range sorted {
		d := &sorted[i]
		out.Decisions = append(out.Decisions, governancev1alpha1.ReportDecisionRecord{
			Unit: d.Spec.Unit, Outcome: d.Spec.Outcome, Decision: d.Name,
			By: d.Annotations[governancev1alpha1.AnnotationCreatedBy], At: d.CreationTimestamp,
		})
		latestOf[d.Spec.Unit] = d
		out.Phase, out.Findings = governancev1alpha1.ReportPhase(d.Spec.Outcome), d.Spec.Findings
	}
	// The newest finding of a unit that still upholds the report stands.
	for i := len(sorted) - 1; i >= 0; i-- {
		if d := &sorted[i]; latestOf[d.Spec.Unit] == d && d.Spec.Outcome == governancev1alpha1.OutcomeUpheld {
			out.Phase, out.Findings = governancev1alpha1.ReportUpheld, d.Spec.Findings
			break
		}
	}
	return out
}
