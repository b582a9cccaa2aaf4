package rules_test

import (
	"testing"

	. "github.com/onsi/gomega"

	governancev1alpha1 "github.com/cunshe/cunshe-operator/api/v1alpha1"
	"github.com/cunshe/cunshe-operator/internal/rules"
)

func approvedItem(validUntil string, retirement *governancev1alpha1.Retirement) *governancev1alpha1.ListItem {
	item := &governancev1alpha1.ListItem{Spec: governancev1alpha1.ListItemSpec{
		List: governancev1alpha1.ListAdmission, Title: "协助开展第三次全国土壤普查样品采集",
		Basis:      governancev1alpha1.Basis{Kind: governancev1alpha1.BasisCityDocument, Citation: "《温州市第三次全国土壤普查实施方案》", ValidUntil: validUntil},
		Retirement: retirement,
	}}
	item.Status.ApprovedDigest = rules.Digest(&item.Spec, nil)
	return item
}

// S7: a basis that lapses retires its item on that day, by itself.
func TestABasisThatLapsesRetiresItsItem(t *testing.T) {
	g := NewWithT(t)
	item := approvedItem("2027-06-30", nil)
	r := rules.Retirement(item)
	g.Expect(r).NotTo(BeNil())
	g.Expect(r.Effective).To(Equal("2027-06-30"))
	g.Expect(r.Reason).To(Equal("依据《温州市第三次全国土壤普查实施方案》于 2027-06-30 失效，事项自该日起自动退出清单 / " +
		"the basis 《温州市第三次全国土壤普查实施方案》 lapses on 2027-06-30; the item retires from the lists that day"))
	g.Expect(rules.RetiredBy(item, "2027-06-29")).To(BeFalse())
	g.Expect(rules.RetiredBy(item, "2027-06-30")).To(BeTrue(), "retired from the day the basis lapses")

	e := rules.EvaluateItem(item, nil, nil, nil, rules.Jurisdictions{}, "2027-07-01")
	g.Expect(e.Phase).To(Equal(governancev1alpha1.PhaseRetired))

	pending := approvedItem("2027-06-30", nil)
	pending.Status.ApprovedDigest = ""
	g.Expect(rules.RetiredBy(pending, "2027-07-01")).To(BeFalse(), "only an approved item retires")
}

func TestTheEarlierOfRetirementAndLapseWins(t *testing.T) {
	g := NewWithT(t)
	declared := &governancev1alpha1.Retirement{Reason: "并入“村级事务综合协助”事项", Effective: "2027-03-01"}
	g.Expect(rules.Retirement(approvedItem("2027-06-30", declared))).To(Equal(declared))
	g.Expect(rules.Retirement(approvedItem("2027-01-31", declared)).Effective).To(Equal("2027-01-31"))
	g.Expect(rules.Retirement(approvedItem("", declared))).To(Equal(declared))
	g.Expect(rules.Retirement(approvedItem("", nil))).To(BeNil())
}

func TestItemsLapsingWithinDays(t *testing.T) {
	g := NewWithT(t)
	item := approvedItem("2027-01-30", nil)
	g.Expect(rules.LapsingWithin(item, "2026-12-31", 30)).NotTo(BeNil(), "30 days ahead")
	g.Expect(rules.LapsingWithin(item, "2026-12-30", 30)).To(BeNil(), "31 days ahead")
	g.Expect(rules.LapsingWithin(item, "2027-01-30", 30)).To(BeNil(), "already retired")
}
