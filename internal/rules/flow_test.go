package rules_test

import (
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/validation/field"

	governancev1alpha1 "github.com/cunshe/cunshe-operator/api/v1alpha1"
	"github.com/cunshe/cunshe-operator/internal/rules"
)

// flow builds a flow of the given steps that starts at start.
func flow(start string, steps ...governancev1alpha1.FlowStep) *governancev1alpha1.PowerFlow {
	return &governancev1alpha1.PowerFlow{
		ObjectMeta: metav1.ObjectMeta{Name: "asset-lease"},
		Spec:       governancev1alpha1.PowerFlowSpec{Title: "集体资产资源租赁", Start: start, Steps: steps},
	}
}

func step(id string, next ...string) governancev1alpha1.FlowStep {
	return governancev1alpha1.FlowStep{ID: id, Name: id, Actor: governancev1alpha1.ActorVillagersCommittee, Next: next}
}

func TestValidatePowerFlow(t *testing.T) {
	tests := map[string]struct {
		// flow is the flow under test.
		flow *governancev1alpha1.PowerFlow
		// want are the findings; none means admitted.
		want []finding
	}{
		"四议两公开 with a send-back loop and two ends": {
			flow: fourDiscussions("major-decision"),
		},
		"one step that starts and ends the flow": {
			flow: flow("apply", step("apply")),
		},
		"a diamond: two ways to one end": {
			flow: flow("apply", step("apply", "township", "assembly"), step("township", "notice"), step("assembly", "notice"), step("notice")),
		},
		"a step that loops on itself but can leave": {
			flow: flow("collect", step("collect", "collect", "publish"), step("publish")),
		},
		"a duplicate step id": {
			flow: flow("apply", step("apply", "notice"), step("notice"), step("apply")),
			want: []finding{{field.ErrorTypeDuplicate, "spec.steps[2].id", "P1", `step id "apply" is used more than once`}},
		},
		"a start that is no step": {
			flow: flow("begin", step("apply", "notice"), step("notice")),
			want: []finding{{field.ErrorTypeNotFound, "spec.start", "P1", `start step "begin" is not a step of the flow`}},
		},
		"no steps at all": {
			flow: flow("apply"),
			want: []finding{{field.ErrorTypeNotFound, "spec.start", "P1", `start step "apply"`}},
		},
		"a next that is no step": {
			flow: flow("apply", step("apply", "review"), step("review", "notice", "archive"), step("notice")),
			want: []finding{{field.ErrorTypeNotFound, "spec.steps[1].next[1]", "P1", `step "review" goes to "archive", which is not a step`}},
		},
		"a step that cannot be reached from the start": {
			flow: flow("apply", step("apply", "notice"), step("notice"), step("appeal", "notice")),
			want: []finding{{field.ErrorTypeInvalid, "spec.steps[2]", "P1", `step "appeal" cannot be reached from the start "apply"`}},
		},
		"a loop with no way to an end": {
			flow: flow("apply", step("apply", "discuss", "reject"), step("discuss", "resolve"), step("resolve", "discuss"), step("reject")),
			want: []finding{
				{field.ErrorTypeInvalid, "spec.steps[1]", "P1", `no end can be reached from step "discuss" (the flow loops forever)`},
				{field.ErrorTypeInvalid, "spec.steps[2]", "P1", `no end can be reached from step "resolve"`},
			},
		},
		"a flow that is one loop, with no end at all": {
			flow: flow("a", step("a", "b"), step("b", "a")),
			want: []finding{
				{field.ErrorTypeInvalid, "spec.steps[0]", "P1", `no end can be reached from step "a"`},
				{field.ErrorTypeInvalid, "spec.steps[1]", "P1", `no end can be reached from step "b"`},
			},
		},
		"an unreachable island that loops": {
			flow: flow("apply", step("apply"), step("x", "y"), step("y", "x")),
			want: []finding{
				{field.ErrorTypeInvalid, "spec.steps[1]", "P1", "cannot be reached"},
				{field.ErrorTypeInvalid, "spec.steps[1]", "P1", "loops forever"},
				{field.ErrorTypeInvalid, "spec.steps[2]", "P1", "cannot be reached"},
				{field.ErrorTypeInvalid, "spec.steps[2]", "P1", "loops forever"},
			},
		},
		"broken references are reported before reachability": {
			flow: flow("begin", step("apply", "nowhere"), step("apply"), step("island")),
			want: []finding{
				{field.ErrorTypeDuplicate, "spec.steps[1].id", "P1", `"apply"`},
				{field.ErrorTypeNotFound, "spec.start", "P1", `"begin"`},
				{field.ErrorTypeNotFound, "spec.steps[0].next[0]", "P1", `"nowhere"`},
			},
		},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			errs := rules.ValidatePowerFlow(tc.flow)
			expectFindings(t, errs, tc.want)
			for _, e := range errs {
				if e.Type == field.ErrorTypeInvalid {
					// The value of a reachability finding is the step's id.
					stepID := e.BadValue.(string)
					found := false
					for _, s := range tc.flow.Spec.Steps {
						found = found || s.ID == stepID
					}
					if !found {
						t.Errorf("%s: bad value %q is no step id", e.Field, stepID)
					}
				}
			}
		})
	}
}

func TestValidatePowerFlowDelete(t *testing.T) {
	retired := &governancev1alpha1.Retirement{Reason: "该项权力已并入村级工程项目", Effective: "2026-01-01"}
	tests := map[string]struct {
		// items are the items in the snapshot, by name.
		items map[string]*governancev1alpha1.ListItem
		// want are the findings; none means the flow may go.
		want []finding
	}{
		"a flow no item uses": {},
		"a flow used by an unretired item": {
			items: map[string]*governancev1alpha1.ListItem{"l6-village-project": projectItem()},
			want:  []finding{{field.ErrorTypeForbidden, "metadata.name", "P1", `PowerFlow "major-decision" is still used by items [l6-village-project]; retire them first`}},
		},
		"a flow used only by retired items": {
			items: map[string]*governancev1alpha1.ListItem{"l6-village-project": withRetirement(projectItem(), retired)},
		},
		"a flow used by a retired and two unretired items": {
			items: map[string]*governancev1alpha1.ListItem{
				"l6-village-project": withRetirement(projectItem(), retired),
				"l6-asset-lease":     projectItem(),
				"l6-subsidy":         projectItem(),
			},
			want: []finding{{field.ErrorTypeForbidden, "metadata.name", "P1", "still used by items [l6-asset-lease l6-subsidy]"}},
		},
		"only another flow is used": {
			items: map[string]*governancev1alpha1.ListItem{"l6-village-project": func() *governancev1alpha1.ListItem {
				i := projectItem()
				i.Spec.FlowRef = "asset-lease"
				return i
			}()},
		},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			snap := snapshot()
			for n, i := range tc.items {
				snap.Items[n] = i
			}
			expectFindings(t, rules.ValidatePowerFlowDelete(snap.Flows["major-decision"], snap), tc.want)
		})
	}
}

// withRetirement retires the item as the operator records it once the date has come.
func withRetirement(i *governancev1alpha1.ListItem, r *governancev1alpha1.Retirement) *governancev1alpha1.ListItem {
	i.Spec.Retirement = r.DeepCopy()
	i.Status.Phase = governancev1alpha1.PhaseRetired
	return i
}
