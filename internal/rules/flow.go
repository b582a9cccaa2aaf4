package rules

import (
	"slices"

	"k8s.io/apimachinery/pkg/api/equality"
	"k8s.io/apimachinery/pkg/util/sets"
	"k8s.io/apimachinery/pkg/util/validation/field"

	governancev1alpha1 "github.com/cunshe/cunshe-operator/api/v1alpha1"
)

// ValidatePowerFlow: a micro-power flowchart is well formed (P1) — step ids
// are unique, start and every next name a step, every step is reachable
// from start, and from every step an end (a step without next) is reachable.
func ValidatePowerFlow(f *governancev1alpha1.PowerFlow) field.ErrorList {
	steps := specPath.Child("steps")
	var errs field.ErrorList
	index := map[string]int{}
	for i, s := range f.Spec.Steps {
		if _, dup := index[s.ID]; dup {
			errs = append(errs, finding(field.Duplicate(steps.Index(i).Child("id"), s.ID),
				msg(P1, "步骤编号 %q 重复", "step id %q is used more than once", s.ID)))
			continue
		}
		index[s.ID] = i
	}
	if _, ok := index[f.Spec.Start]; !ok {
		errs = append(errs, notFound(specPath.Child("start"), f.Spec.Start, msg(P1, "起始步骤 %q 不存在", "start step %q is not a step of the flow", f.Spec.Start)))
	}
	for i, s := range f.Spec.Steps {
		for j, n := range s.Next {
			if _, ok := index[n]; !ok {
				errs = append(errs, notFound(steps.Index(i).Child("next").Index(j), n, msg(P1, "步骤 %q 的后续步骤 %q 不存在", "step %q goes to %q, which is not a step", s.ID, n)))
			}
		}
	}
	if len(errs) > 0 {
		return errs
	}
	forward, backward := edges(f)
	reached := reach([]string{f.Spec.Start}, forward)
	var ends []string
	for _, s := range f.Spec.Steps {
		if len(s.Next) == 0 {
			ends = append(ends, s.ID)
		}
	}
	finishing := reach(ends, backward)
	for i, s := range f.Spec.Steps {
		if !reached.Has(s.ID) {
			errs = append(errs, invalid(steps.Index(i), s.ID, msg(P1, "步骤 %q 无法从起始步骤 %q 到达", "step %q cannot be reached from the start %q", s.ID, f.Spec.Start)))
		}
		if !finishing.Has(s.ID) {
			errs = append(errs, invalid(steps.Index(i), s.ID, msg(P1, "从步骤 %q 无法到达任何结束步骤（流程出现死循环）", "no end can be reached from step %q (the flow loops forever)", s.ID)))
		}
	}
	return errs
}

func edges(f *governancev1alpha1.PowerFlow) (forward, backward map[string][]string) {
	forward, backward = map[string][]string{}, map[string][]string{}
	for _, s := range f.Spec.Steps {
		for _, n := range s.Next {
			forward[s.ID] = append(forward[s.ID], n)
			backward[n] = append(backward[n], s.ID)
		}
	}
	return forward, backward
}

func reach(from []string, adj map[string][]string) sets.Set[string] {
	seen := sets.New(from...)
	queue := slices.Clone(from)
	for len(queue) > 0 {
		cur := queue[0]
		queue = queue[1:]
		for _, n := range adj[cur] {
			if !seen.Has(n) {
				seen.Insert(n)
				queue = append(queue, n)
			}
		}
	}
	return seen
}

// ValidatePowerFlowDelete: a flow that an unretired item uses stays (P1, S7).
func ValidatePowerFlowDelete(f *governancev1alpha1.PowerFlow, snap Snapshot) field.ErrorList {
	users := snap.ItemsUsingFlow(f.Name)
	if len(users) == 0 {
		return nil
	}
	return field.ErrorList{forbidden(field.NewPath("metadata", "name"), msg(P1, "运行流程图 %q 仍被事项 %v 使用，须先退出这些事项",
		"PowerFlow %q is still used by items %v; retire them first", f.Name, users))}
}

// ValidatePowerFlowUpdate: a flow is part of what the review units approved
// for the items that use it (its content is in their digest, P1). Once one of
// those items is approved the flow is frozen with it — a changed flow is a
// new PowerFlow and a new item, reviewed again — so that a published
// revision's flowcharts never change under its number. A flow used only by
// pending items may change; their earlier approvals then no longer count.
func ValidatePowerFlowUpdate(old, updated *governancev1alpha1.PowerFlow, snap Snapshot) field.ErrorList {
	if equality.Semantic.DeepEqual(old.Spec, updated.Spec) {
		return nil
	}
	var approved []string
	for _, name := range snap.ItemsUsingFlow(old.Name) {
		if item := snap.ListItem(name); item != nil && item.WasApproved() {
			approved = append(approved, name)
		}
	}
	if len(approved) == 0 {
		return nil
	}
	return field.ErrorList{forbidden(specPath, msg(P1,
		"运行流程图 %[1]q 已随事项 %[2]v 通过联合审核，内容不可修改；如需变更，请新建流程图并以新事项重新审核",
		"PowerFlow %[1]q was approved with items %[2]v and cannot change; create a new flow and propose a new item for review", old.Name, approved))}
}
