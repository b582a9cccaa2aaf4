package rules_test

import (
	"testing"
	"time"

	. "github.com/onsi/gomega"
	"k8s.io/apimachinery/pkg/util/validation/field"
	"k8s.io/utils/ptr"

	governancev1alpha1 "github.com/cunshe/cunshe-operator/api/v1alpha1"
	"github.com/cunshe/cunshe-operator/internal/rules"
)

// city is a city jurisdiction whose joint review is the named units.
func city(code, name string, def bool, units ...string) governancev1alpha1.Jurisdiction {
	return governancev1alpha1.Jurisdiction{Spec: governancev1alpha1.JurisdictionSpec{
		Code: code, Name: name, Level: governancev1alpha1.LevelCity, Default: def,
		Review: governancev1alpha1.JointReview{Units: units},
	}}
}

func province(code, name string, units ...string) governancev1alpha1.Jurisdiction {
	return governancev1alpha1.Jurisdiction{Spec: governancev1alpha1.JurisdictionSpec{
		Code: code, Name: name, Level: governancev1alpha1.LevelProvince, Review: governancev1alpha1.JointReview{Units: units},
	}}
}

// zhejiang is Wenzhou (the default city, the four units of the fixtures),
// Hangzhou (two units of its own) and the province (one unit).
func zhejiang() rules.Jurisdictions {
	return rules.NewJurisdictions([]governancev1alpha1.Jurisdiction{
		city("3303", "温州市", true, requiredUnits...),
		city("3301", "杭州市", false, "hz-mzj", "hz-nyj"),
		province("33", "浙江省", "zj-mzt"),
	})
}

// unitOf is a required unit of a jurisdiction, with a key of its own.
func unitOf(name, jurisdiction string) governancev1alpha1.ReviewUnit {
	u := reviewUnit(name)
	u.Spec.Jurisdiction = jurisdiction
	return u
}

// provinceUnits are the fixtures' four units (Wenzhou's, by default) and
// the Hangzhou and province units.
func provinceUnits() []governancev1alpha1.ReviewUnit {
	return append(fourUnits(), unitOf("hz-mzj", "3301"), unitOf("hz-nyj", "3301"), unitOf("zj-mzt", "33"))
}

func TestEvaluateItemPerJurisdiction(t *testing.T) {
	hangzhouItem := func() *governancev1alpha1.ListItem {
		item := censusItem()
		item.Spec.Jurisdiction = "3301"
		return item
	}
	provinceItem := func() *governancev1alpha1.ListItem {
		item := censusItem()
		item.Spec.Jurisdiction = "33"
		item.Spec.Applicant.Kind = governancev1alpha1.ApplicantProvinceDepartment
		return item
	}
	tests := map[string]struct {
		item      func() *governancev1alpha1.ListItem
		approvals func(item *governancev1alpha1.ListItem) []governancev1alpha1.ItemApproval
		phase     governancev1alpha1.ItemPhase
		summary   string
		// void names an approval that must not count and a piece of its reason.
		void map[string]string
	}{
		"a Wenzhou item with no jurisdiction written is the default city's: its four units approve": {
			item: censusItem, approvals: allFour, phase: governancev1alpha1.PhaseApproved, summary: "4/4",
		},
		"a Hangzhou item is approved by Hangzhou's two units": {
			item: hangzhouItem,
			approvals: func(item *governancev1alpha1.ListItem) []governancev1alpha1.ItemApproval {
				return []governancev1alpha1.ItemApproval{signed(approval(item, "hz-mzj", approve, 0)), signed(approval(item, "hz-nyj", approve, 1))}
			},
			phase: governancev1alpha1.PhaseApproved, summary: "2/2",
		},
		"Wenzhou's four units never count for a Hangzhou item": {
			item:      hangzhouItem,
			approvals: allFour,
			phase:     governancev1alpha1.PhasePending, summary: "0/2",
			void: map[string]string{"l1-census-assist.sjw.00": "belongs to jurisdiction 3303 and cannot review items of jurisdiction 3301"},
		},
		"a province item is approved by the province's unit, not by a city's": {
			item: provinceItem,
			approvals: func(item *governancev1alpha1.ListItem) []governancev1alpha1.ItemApproval {
				return []governancev1alpha1.ItemApproval{signed(approval(item, "hz-mzj", approve, 0)), signed(approval(item, "zj-mzt", approve, 1))}
			},
			phase: governancev1alpha1.PhaseApproved, summary: "1/1",
			void: map[string]string{"l1-census-assist.hz-mzj.00": "cannot review items of jurisdiction 33"},
		},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			g := NewWithT(t)
			item := tc.item()
			e := rules.EvaluateItem(item, nil, provinceUnits(), tc.approvals(item), zhejiang(), "2026-06-01")
			g.Expect(e.Phase).To(Equal(tc.phase))
			g.Expect(e.Summary()).To(Equal(tc.summary))
			for approval, reason := range tc.void {
				g.Expect(e.Void).To(HaveKeyWithValue(approval, ContainSubstring(reason)))
				bilingual(g, e.Void[approval])
				g.Expect(e.Void[approval]).To(HavePrefix("S5 "))
			}
		})
	}
}

// TestQuorumCannotBeLoweredByAUnit: once a city declares its joint review,
// a unit that stops being required, or is deleted, leaves its seat empty (S5).
func TestQuorumCannotBeLoweredByAUnit(t *testing.T) {
	g := NewWithT(t)
	item := censusItem()
	units := fourUnits()
	units[3].Spec.Required = ptr.To(false) // the fourth unit declares itself optional
	e := rules.EvaluateItem(item, nil, units, allFour(item)[:3], zhejiang(), "2026-06-01")
	g.Expect(e.Phase).To(Equal(governancev1alpha1.PhasePending), "the city's four units stay required")
	g.Expect(e.Summary()).To(Equal("3/4"))

	e = rules.EvaluateItem(item, nil, units[:3], allFour(item)[:3], zhejiang(), "2026-06-01")
	g.Expect(e.Phase).To(Equal(governancev1alpha1.PhasePending), "a deleted unit's seat is empty, not gone")
	g.Expect(e.Summary()).To(Equal("3/4"))

	three := zhejiang().Get("3303").DeepCopy()
	three.Spec.Review.Quorum = ptr.To(int32(3))
	e = rules.EvaluateItem(item, nil, units[:3], allFour(item)[:3], rules.NewJurisdictions([]governancev1alpha1.Jurisdiction{*three}), "2026-06-01")
	g.Expect(e.Phase).To(Equal(governancev1alpha1.PhaseApproved), "a quorum of 3 declared by the city is met by three")
}

func TestJurisdictionsResolveAndReach(t *testing.T) {
	g := NewWithT(t)
	j := zhejiang()
	g.Expect(j.Resolve("")).To(Equal("3303"), "empty is the default city")
	g.Expect(j.Reaches("", "330302006044")).To(BeTrue(), "a default-city item reaches Wenzhou")
	g.Expect(j.Reaches("", "330106002001")).To(BeFalse(), "and not Hangzhou")
	g.Expect(j.Reaches("3301", "330106002001")).To(BeTrue())
	g.Expect(j.Reaches("33", "330106002001")).To(BeTrue(), "a province item reaches every city of the province")
	g.Expect(j.Reaches("33", "3303")).To(BeTrue())
	g.Expect(j.Reaches("33", "320102001001")).To(BeFalse(), "and no other province")
	g.Expect(j.Cities()).To(Equal([]string{"3301", "3303"}))
	g.Expect(j.RevisionName("3303", 7)).To(Equal("lists-7"), "the default city keeps its revision names")
	g.Expect(j.RevisionName("3301", 7)).To(Equal("lists-3301-7"))

	none := rules.NewJurisdictions(nil)
	g.Expect(none.None()).To(BeTrue())
	g.Expect(none.Reaches("", "330302006044")).To(BeTrue(), "without jurisdictions the cluster is one city")
	g.Expect(none.Cities()).To(Equal([]string{""}))
	g.Expect(none.RevisionName("", 7)).To(Equal("lists-7"))
}

// TestCityDay: the city's day comes from its zone, not the machine's: at
// 23:30 UTC it is already tomorrow in China.
func TestCityDay(t *testing.T) {
	g := NewWithT(t)
	at := time.Date(2026, 12, 31, 23, 30, 0, 0, time.UTC)
	g.Expect(zhejiang().Today("3303", at)).To(Equal("2027-01-01"))
	utc := city("9901", "Test", false)
	utc.Spec.TimeZone = "UTC"
	g.Expect(rules.NewJurisdictions([]governancev1alpha1.Jurisdiction{utc}).Today("9901", at)).To(Equal("2026-12-31"))
}

func TestJurisdictionRefusals(t *testing.T) {
	j := zhejiang()
	hangzhou := func(code string) *governancev1alpha1.Village {
		return &governancev1alpha1.Village{Spec: governancev1alpha1.VillageSpec{Code: code}}
	}
	rollout := func(jur string, counties ...string) *governancev1alpha1.ListRollout {
		return &governancev1alpha1.ListRollout{Spec: governancev1alpha1.ListRolloutSpec{Jurisdiction: jur,
			Steps: []governancev1alpha1.RolloutStep{{Counties: counties}}}}
	}
	second := city("3301", "杭州市", true)
	tests := map[string]struct {
		errs func() []string
		// want are pieces of the one expected finding; none when empty.
		want []string
	}{
		"a village of a declared city is admitted": {
			errs: func() []string { return sentences(rules.ValidateVillageJurisdiction(hangzhou("330106002001"), j)) },
		},
		"a village whose prefix names no city is refused with the known ones listed": {
			errs: func() []string { return sentences(rules.ValidateVillageJurisdiction(hangzhou("320102001001"), j)) },
			want: []string{"S1 ", "3201", "33 浙江省, 3301 杭州市, 3303 温州市"},
		},
		"without jurisdictions any village is admitted, as before": {
			errs: func() []string {
				return sentences(rules.ValidateVillageJurisdiction(hangzhou("320102001001"), rules.NewJurisdictions(nil)))
			},
		},
		"a rollout of Wenzhou cannot name a Hangzhou county": {
			errs: func() []string { return sentences(rules.ValidateRolloutSteps(rollout("3303", "330302", "330106"), j)) },
			want: []string{"S1 ", "330106", "another city's villages"},
		},
		"a rollout names a city, not a province": {
			errs: func() []string { return sentences(rules.ValidateRolloutSteps(rollout("33"), j)) },
			want: []string{"4-digit city code"},
		},
		"a rollout of an unknown city is refused": {
			errs: func() []string { return sentences(rules.ValidateRolloutSteps(rollout("3399"), j)) },
			want: []string{`jurisdiction "3399" does not exist`},
		},
		"a second default city is refused": {
			errs: func() []string { return sentences(rules.ValidateJurisdiction(&second, j)) },
			want: []string{"the default city is already 3303"},
		},
		"an item of another city's county is refused": {
			errs: func() []string {
				item := censusItem()
				item.Spec.Scope.Counties = []string{"330106"}
				m := snapshot()
				m.Counties.Insert("330106")
				m.Juris = j
				return sentences(rules.ValidateListItem(item, m))
			},
			want: []string{"S2 ", "scope county 330106 is not in the item's jurisdiction 3303"},
		},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			g := NewWithT(t)
			got := tc.errs()
			if len(tc.want) == 0 {
				g.Expect(got).To(BeEmpty())
				return
			}
			g.Expect(got).To(HaveLen(1))
			for _, piece := range tc.want {
				g.Expect(got[0]).To(ContainSubstring(piece))
			}
			bilingual(g, got[0])
		})
	}
}

// TestApprovalOfAnotherCityIsRefused: admission refuses an approval by a
// unit of another jurisdiction than the item's (S5).
func TestApprovalOfAnotherCityIsRefused(t *testing.T) {
	g := NewWithT(t)
	m := snapshot()
	m.Juris = zhejiang()
	hz := unitOf("hz-mzj", "3301")
	m.Units[hz.Name] = &hz
	item := censusItem()
	m.Items[item.Name] = item
	a := signed(approval(item, "hz-mzj", approve, 0))
	_, errs := rules.ValidateItemApproval(&a, rules.Requester{Username: "bot"}, m)
	g.Expect(sentences(errs)).To(ConsistOf(ContainSubstring(`review unit "hz-mzj" belongs to jurisdiction 3301 and cannot review items of jurisdiction 3303`)))
}

// sentences are the messages of the findings, as a user reads them.
func sentences(errs field.ErrorList) []string {
	out := make([]string, len(errs))
	for i, e := range errs {
		out[i] = rules.Sentence(e)
	}
	return out
}
