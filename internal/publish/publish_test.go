package publish_test

import (
	"fmt"
	"testing"

	. "github.com/onsi/gomega"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/sets"
	"k8s.io/utils/ptr"

	governancev1alpha1 "github.com/cunshe/cunshe-operator/api/v1alpha1"
	"github.com/cunshe/cunshe-operator/internal/publish"
)

func village(code string, typ governancev1alpha1.VillageType) *governancev1alpha1.Village {
	return &governancev1alpha1.Village{ObjectMeta: metav1.ObjectMeta{Name: code}, Spec: governancev1alpha1.VillageSpec{
		Code: code, Type: typ, County: governancev1alpha1.Division{Code: code[:6]}, Township: governancev1alpha1.Division{Code: code[:9]}}}
}

func approved(name, digest string, retirement *governancev1alpha1.Retirement) governancev1alpha1.ListItem {
	return governancev1alpha1.ListItem{ObjectMeta: metav1.ObjectMeta{Name: name},
		Spec:   governancev1alpha1.ListItemSpec{List: governancev1alpha1.ListAdmission, Title: name, Retirement: retirement},
		Status: governancev1alpha1.ListItemStatus{ApprovedDigest: digest}}
}

func TestPublishedHoldsApprovedUnretiredItems(t *testing.T) {
	g := NewWithT(t)
	items := []governancev1alpha1.ListItem{
		approved("b-approved", "sha256:b", nil),
		approved("a-retiring-later", "sha256:a", &governancev1alpha1.Retirement{Reason: "依据废止", Effective: "2027-01-01"}),
		approved("c-retired", "sha256:c", &governancev1alpha1.Retirement{Reason: "依据废止", Effective: "2026-11-26"}),
		{ObjectMeta: metav1.ObjectMeta{Name: "d-pending"}},
	}
	got := publish.Published(items, "2026-11-26")
	g.Expect(got).To(Equal([]governancev1alpha1.PublishedItem{
		{Name: "a-retiring-later", List: governancev1alpha1.ListAdmission, Digest: "sha256:a"},
		{Name: "b-approved", List: governancev1alpha1.ListAdmission, Digest: "sha256:b"},
	}), "S7: an item leaves on its retirement date; pending items never enter (S5)")
}

func TestContentHashNamesTheContent(t *testing.T) {
	g := NewWithT(t)
	a := []governancev1alpha1.PublishedItem{{Name: "x", List: governancev1alpha1.ListSeal, Digest: "sha256:1"}}
	b := []governancev1alpha1.PublishedItem{{Name: "x", List: governancev1alpha1.ListSeal, Digest: "sha256:2"}}
	g.Expect(publish.ContentHash(a)).To(Equal(publish.ContentHash(append([]governancev1alpha1.PublishedItem{}, a...))))
	g.Expect(publish.ContentHash(a)).NotTo(Equal(publish.ContentHash(b)))
	g.Expect(publish.ContentHash(nil)).To(HavePrefix("sha256:"))
}

func TestSelectedFollowsTheSteps(t *testing.T) {
	var villages []*governancev1alpha1.Village
	for i := range 100 {
		county := []string{"330302", "330303", "330324", "330328"}[i%4]
		villages = append(villages, village(fmt.Sprintf("%s101%03d", county, i), governancev1alpha1.TypeVillage))
	}
	ordered := publish.Order(villages)
	steps := []governancev1alpha1.RolloutStep{
		{Counties: []string{"330302"}}, {Pause: &governancev1alpha1.RolloutPause{}}, {Percent: ptr.To[int32](50)}, {Percent: ptr.To[int32](100)},
	}
	count := func(step int) int { return publish.Selected(ordered, steps, step).Len() }
	g := NewWithT(t)
	g.Expect(count(0)).To(Equal(0), "nothing before the first step is done")
	g.Expect(count(1)).To(Equal(25), "the pilot county")
	g.Expect(count(2)).To(Equal(25), "a pause adds nobody")
	g.Expect(count(3)).To(BeNumerically(">=", 50), "at least half, the pilot county kept")
	g.Expect(publish.Selected(ordered, steps, 1).IsSuperset(sets.New[string]())).To(BeTrue())
	g.Expect(publish.Selected(ordered, steps, 3).IsSuperset(publish.Selected(ordered, steps, 1))).To(BeTrue(), "steps only add villages")
	g.Expect(count(4)).To(Equal(100), "after the last step, every village")

	counties := sets.New[string]()
	for _, v := range ordered[:20] {
		counties.Insert(v.Spec.County.Code)
	}
	g.Expect(counties.Len()).To(Equal(4), "a percentage spreads over every county")
	g.Expect(publish.Order(villages)).To(Equal(ordered), "the order is stable")
}

func TestForVillageGroupsByListWithFlows(t *testing.T) {
	g := NewWithT(t)
	flow := &governancev1alpha1.PowerFlow{ObjectMeta: metav1.ObjectMeta{Name: "project"}, Spec: governancev1alpha1.PowerFlowSpec{Title: "村级工程项目", Start: "a",
		Steps: []governancev1alpha1.FlowStep{{ID: "a", Name: "提议", Actor: governancev1alpha1.ActorPartyOrganization}}}}
	items := map[string]*governancev1alpha1.ListItem{
		"seal":  {ObjectMeta: metav1.ObjectMeta{Name: "seal"}, Spec: governancev1alpha1.ListItemSpec{List: governancev1alpha1.ListSeal, Title: "居住证明"}},
		"power": {ObjectMeta: metav1.ObjectMeta{Name: "power"}, Spec: governancev1alpha1.ListItemSpec{List: governancev1alpha1.ListMicroPower, Title: "工程项目", FlowRef: "project"}},
		"admit": {ObjectMeta: metav1.ObjectMeta{Name: "admit"}, Spec: governancev1alpha1.ListItemSpec{List: governancev1alpha1.ListAdmission, Title: "人口普查",
			Funding: &governancev1alpha1.Funding{Source: governancev1alpha1.FundingCityBudget, Budget: "市级人口普查经费", FeeFollowsWork: true}}},
		"elsewhere": {ObjectMeta: metav1.ObjectMeta{Name: "elsewhere"}, Spec: governancev1alpha1.ListItemSpec{List: governancev1alpha1.ListAdmission, Title: "外县事项",
			Scope: governancev1alpha1.Scope{Counties: []string{"330303"}}}},
	}
	rev := &governancev1alpha1.ListRevision{Spec: governancev1alpha1.ListRevisionSpec{Revision: 7, Items: []governancev1alpha1.PublishedItem{
		{Name: "admit", List: governancev1alpha1.ListAdmission}, {Name: "elsewhere", List: governancev1alpha1.ListAdmission},
		{Name: "power", List: governancev1alpha1.ListMicroPower}, {Name: "seal", List: governancev1alpha1.ListSeal}}}}
	lists := publish.ForVillage(rev, village("330302006044", governancev1alpha1.TypeCommunity),
		publish.Catalog{Items: items, Flows: map[string]*governancev1alpha1.PowerFlow{"project": flow}})
	g.Expect(lists.Revision).To(Equal(int64(7)))
	var order []governancev1alpha1.ListKind
	for _, l := range lists.Lists {
		order = append(order, l.List)
	}
	g.Expect(order).To(Equal([]governancev1alpha1.ListKind{governancev1alpha1.ListAdmission, governancev1alpha1.ListSeal, governancev1alpha1.ListMicroPower}), "the official order, out-of-scope items left out")
	g.Expect(lists.Lists[0].Items).To(HaveLen(1))
	g.Expect(lists.Flows).To(ConsistOf(HaveField("Name", "project")))

	data, hash, err := publish.Render(lists)
	g.Expect(err).NotTo(HaveOccurred())
	_, again, _ := publish.Render(lists)
	g.Expect(again).To(Equal(hash))
	g.Expect(data).To(ContainSubstring("revision: 7"))
	g.Expect(data).To(ContainSubstring("    funding:\n      budget: 市级人口普查经费\n      feeFollowsWork: true\n      source: CityBudget\n"), "a village reads who pays it for an Admission item (S20)")
}
