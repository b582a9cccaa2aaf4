package rules_test

import (
	"testing"

	. "github.com/onsi/gomega"

	governancev1alpha1 "github.com/cunshe/cunshe-operator/api/v1alpha1"
	"github.com/cunshe/cunshe-operator/internal/rules"
)

// S2: an item's scope is its counties (none: citywide) and its village
// types (none: both); the lists and the tasks read it the same way.
func TestInScope(t *testing.T) {
	gulou := rules.Place{Code: "330302006044", County: "330302", Type: governancev1alpha1.TypeCommunity}
	types := func(ts ...governancev1alpha1.VillageType) []governancev1alpha1.VillageType { return ts }
	tests := map[string]struct {
		scope governancev1alpha1.Scope
		want  bool
	}{
		"citywide, every type":      {governancev1alpha1.Scope{}, true},
		"its county":                {governancev1alpha1.Scope{Counties: []string{"330302"}}, true},
		"another county":            {governancev1alpha1.Scope{Counties: []string{"330303"}}, false},
		"communities only":          {governancev1alpha1.Scope{VillageTypes: types(governancev1alpha1.TypeCommunity)}, true},
		"villages only":             {governancev1alpha1.Scope{VillageTypes: types(governancev1alpha1.TypeVillage)}, false},
		"its county, villages only": {governancev1alpha1.Scope{Counties: []string{"330302"}, VillageTypes: types(governancev1alpha1.TypeVillage)}, false},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			NewWithT(t).Expect(rules.InScope(tc.scope, gulou)).To(Equal(tc.want))
		})
	}
}

// S5, S7: a revision holds the approved items that have not retired by the
// city's day; an item retiring today is gone today.
func TestPublishable(t *testing.T) {
	pending := approvedItem("", nil)
	pending.Status.ApprovedDigest = ""
	tests := map[string]struct {
		item *governancev1alpha1.ListItem
		want bool
	}{
		"approved":               {approvedItem("", nil), true},
		"pending":                {pending, false},
		"retiring tomorrow":      {approvedItem("", &governancev1alpha1.Retirement{Reason: "依据废止", Effective: "2026-11-27"}), true},
		"retiring today":         {approvedItem("", &governancev1alpha1.Retirement{Reason: "依据废止", Effective: "2026-11-26"}), false},
		"its basis lapsed today": {approvedItem("2026-11-26", nil), false},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			NewWithT(t).Expect(rules.Publishable(tc.item, "2026-11-26")).To(Equal(tc.want))
		})
	}
}
