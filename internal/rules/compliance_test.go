package rules_test

import (
	"testing"

	. "github.com/onsi/gomega"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/sets"

	governancev1alpha1 "github.com/cunshe/cunshe-operator/api/v1alpha1"
	"github.com/cunshe/cunshe-operator/internal/rules"
)

func phasedTask(name string, targets governancev1alpha1.TaskTargets, phase governancev1alpha1.TaskPhase) governancev1alpha1.Task {
	return governancev1alpha1.Task{ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: "dept-tjj"},
		Spec: governancev1alpha1.TaskSpec{Targets: targets}, Status: governancev1alpha1.TaskStatus{Phase: phase, Findings: []string{"S7 retired"}}}
}

// S18, S19: a county's summary counts what remains there.
func TestACountySummaryCountsWhatRemainsThere(t *testing.T) {
	g := NewWithT(t)
	city := sets.New("330302", "330303", "330324")
	tasks := []governancev1alpha1.Task{
		phasedTask("all", governancev1alpha1.TaskTargets{All: true}, governancev1alpha1.TaskNonCompliant),
		phasedTask("lucheng", governancev1alpha1.TaskTargets{Counties: []string{"330302"}}, governancev1alpha1.TaskNonCompliant),
		phasedTask("longwan", governancev1alpha1.TaskTargets{Counties: []string{"330303"}}, governancev1alpha1.TaskNonCompliant),
		phasedTask("one-village", governancev1alpha1.TaskTargets{Villages: []string{"330302006001"}}, governancev1alpha1.TaskAdmitted),
	}
	countyItem := func(name, county string, approved bool) governancev1alpha1.ListItem {
		it := governancev1alpha1.ListItem{ObjectMeta: metav1.ObjectMeta{Name: name}, Spec: governancev1alpha1.ListItemSpec{Title: name,
			Applicant: governancev1alpha1.Applicant{Kind: governancev1alpha1.ApplicantCounty, Name: county}}}
		if approved {
			it.Status.ApprovedDigest = "sha256:x"
		}
		return it
	}
	items := []governancev1alpha1.ListItem{countyItem("mine-pending", "330302", false), countyItem("mine-approved", "330302", true), countyItem("theirs", "330303", false)}
	reports := []governancev1alpha1.Report{
		{ObjectMeta: metav1.ObjectMeta{Name: "a", Namespace: "village-330302006001"}},
		{ObjectMeta: metav1.ObjectMeta{Name: "b", Namespace: "village-330302006001"}, Status: governancev1alpha1.ReportStatus{Phase: governancev1alpha1.ReportUpheld}},
		{ObjectMeta: metav1.ObjectMeta{Name: "c", Namespace: "village-330303001001"}},
	}
	s := rules.SummariseCounty(rules.CountyFacts{Code: "330302", Counties: city}, tasks, reports, items)
	g.Expect(s.Tasks).To(BeEquivalentTo(3), "all, lucheng and one-village reach 鹿城区")
	g.Expect(s.NonCompliant).To(BeEquivalentTo(2))
	g.Expect(s.PendingItems).To(BeEquivalentTo(1))
	g.Expect(s.Reports).To(Equal(governancev1alpha1.ReportCounts{Open: 1, Upheld: 1}))
	g.Expect(s.Findings).To(HaveLen(3))
}

func TestTheDeadlineCountsDownThenNames(t *testing.T) {
	g := NewWithT(t)
	g.Expect(rules.Rectify("", "2026-12-07", 3)).To(BeNil(), "no deadline, no rectification")
	before := rules.Rectify("2026-12-31", "2026-12-07", 3)
	g.Expect(*before).To(Equal(governancev1alpha1.Rectification{Deadline: "2026-12-31", Remaining: 3, DaysLeft: 24}))
	g.Expect(rules.Rectify("2026-12-31", "2026-12-31", 3).Named).To(BeFalse(), "the deadline day itself is still in time")
	after := rules.Rectify("2026-12-31", "2027-01-01", 3)
	g.Expect(after.Named).To(BeTrue())
	g.Expect(rules.Rectify("2026-12-31", "2027-01-01", 0).Named).To(BeFalse(), "nothing remains: nothing to name")

	c := rules.RectificationCondition(1, rules.DepartmentRectifier("tjj"), after)
	g.Expect(c.Reason).To(Equal("DeadlinePassed"))
	bilingual(g, c.Message)
	g.Expect(c.Message).To(HavePrefix("S19 "))
	g.Expect(rules.RectificationCondition(1, rules.DepartmentRectifier("tjj"), before).Message).To(HavePrefix("S18 "))
}

// S18: what remains is the same sum for the controllers and the CLI: a
// violation already upheld is no longer work to rectify, an open report is.
func TestWhatRemainsToRectify(t *testing.T) {
	g := NewWithT(t)
	dept := governancev1alpha1.DepartmentComplianceStatus{NonCompliant: 2, Violations: 5, Emergencies: 1,
		Reports: governancev1alpha1.ReportCounts{Open: 3, Upheld: 4, Dismissed: 6}}
	g.Expect(rules.DepartmentRemaining(&dept)).To(BeEquivalentTo(5), "2 tasks off the lists + 3 open reports")
	county := governancev1alpha1.CountyComplianceStatus{NonCompliant: 2, Violations: 5, PendingItems: 7,
		Reports: governancev1alpha1.ReportCounts{Open: 3, Upheld: 4}}
	g.Expect(rules.CountyRemaining(&county)).To(BeEquivalentTo(12), "2 tasks off the lists + 7 pending items + 3 open reports")
}
