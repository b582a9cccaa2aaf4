package rules_test

import (
	"testing"
	"time"

	. "github.com/onsi/gomega"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/validation/field"

	governancev1alpha1 "github.com/cunshe/cunshe-operator/api/v1alpha1"
	"github.com/cunshe/cunshe-operator/internal/rules"
)

func reportDecision(name string, minute int, outcome governancev1alpha1.DecisionOutcome, findings string) governancev1alpha1.ReportDecision {
	return governancev1alpha1.ReportDecision{
		ObjectMeta: metav1.ObjectMeta{Name: name, CreationTimestamp: metav1.NewTime(t0.Add(time.Duration(minute) * time.Minute)),
			Annotations: map[string]string{governancev1alpha1.AnnotationCreatedBy: "mzj-inspector"}},
		Spec: governancev1alpha1.ReportDecisionSpec{Report: "census-extra-forms", Unit: "mzj", Outcome: outcome, Findings: findings},
	}
}

func TestTheLatestDecisionDecidesAndAllStayListed(t *testing.T) {
	g := NewWithT(t)
	g.Expect(rules.DecideReport(nil).Phase).To(Equal(governancev1alpha1.ReportFiled))
	out := rules.DecideReport([]governancev1alpha1.ReportDecision{
		reportDecision("b.upheld", 30, governancev1alpha1.OutcomeUpheld, "属实"),
		reportDecision("a.investigating", 5, governancev1alpha1.OutcomeInvestigating, ""),
	})
	g.Expect(out.Phase).To(Equal(governancev1alpha1.ReportUpheld))
	g.Expect(out.Findings).To(Equal("属实"))
	g.Expect(out.Decisions).To(HaveLen(2))
	g.Expect(out.Decisions[0].Decision).To(Equal("a.investigating"), "oldest first")
	g.Expect(out.Decisions[1].By).To(Equal("mzj-inspector"))
}

func TestOnlyDismissedReportsMayBeDeleted(t *testing.T) {
	report := func(phase governancev1alpha1.ReportPhase) *governancev1alpha1.Report {
		return &governancev1alpha1.Report{ObjectMeta: metav1.ObjectMeta{Name: "r"}, Status: governancev1alpha1.ReportStatus{Phase: phase}}
	}
	active := rules.TenantState{}
	expectFindings(t, rules.ValidateReportDelete(report(""), active), []finding{{field.ErrorTypeForbidden, "status.phase", "S8", "still open (Filed)"}})
	expectFindings(t, rules.ValidateReportDelete(report(governancev1alpha1.ReportInvestigating), active), []finding{{field.ErrorTypeForbidden, "status.phase", "S8", "still open (Investigating)"}})
	expectFindings(t, rules.ValidateReportDelete(report(governancev1alpha1.ReportUpheld), active), []finding{{field.ErrorTypeForbidden, "status.phase", "S19", "record of the department's violation"}})
	expectFindings(t, rules.ValidateReportDelete(report(governancev1alpha1.ReportUpheld), rules.TenantState{Archived: true}),
		[]finding{{field.ErrorTypeForbidden, "status.phase", "S19", "record of the department's violation"}})
	expectFindings(t, rules.ValidateReportDelete(report(governancev1alpha1.ReportDismissed), active), nil)
}

// S8, S19: a village's records go with its tenant, once archived: never
// before (a stuck namespace is retried), never without it.
func TestRecordsGoWithTheirTenantOnceArchived(t *testing.T) {
	upheld := &governancev1alpha1.Report{ObjectMeta: metav1.ObjectMeta{Name: "r"}, Status: governancev1alpha1.ReportStatus{Phase: governancev1alpha1.ReportUpheld}}
	decision := &governancev1alpha1.ReportDecision{ObjectMeta: metav1.ObjectMeta{Name: "r.mzj"}}
	going := rules.TenantState{Terminating: true}
	expectFindings(t, rules.ValidateReportDelete(upheld, going), []finding{{field.ErrorTypeForbidden, "metadata.name", "S19",
		`租户命名空间正在删除：反映 "r" 须先归档（ArchivedRecord），归档后随租户删除 / the tenant namespace is being deleted: report "r" is archived first (ArchivedRecord), then goes with it`}})
	expectFindings(t, rules.ValidateReportDecisionDelete(decision, going), []finding{{field.ErrorTypeForbidden, "metadata.name", "S8",
		`租户命名空间正在删除：处理意见 "r.mzj" 须先归档（ArchivedRecord），归档后随租户删除 / the tenant namespace is being deleted: decision "r.mzj" is archived first (ArchivedRecord), then goes with it`}})
	expectFindings(t, rules.ValidateReportDecisionDelete(decision, rules.TenantState{}), []finding{{field.ErrorTypeForbidden, "metadata.name", "S8",
		`处理意见 "r.mzj" 须留档备查，不得删除 / decision "r.mzj" stays on record and cannot be deleted`}})
	archived := rules.TenantState{Terminating: true, Archived: true}
	expectFindings(t, rules.ValidateReportDelete(upheld, archived), nil)
	expectFindings(t, rules.ValidateReportDecisionDelete(decision, archived), nil)
}

func TestVillageOfNamespace(t *testing.T) {
	g := NewWithT(t)
	g.Expect(rules.VillageOfNamespace("village-330302006001")).To(Equal("330302006001"))
	g.Expect(rules.VillageOfNamespace("dept-tjj")).To(BeEmpty())
	g.Expect(rules.VillageOfNamespace("village-123")).To(BeEmpty())
}

// S19: an upheld report is the record of a department's violation; another
// unit's later dismissal cannot erase it, only the upholding unit's own.
func TestAnUpheldReportStandsUntilTheSameUnitWithdrawsIt(t *testing.T) {
	g := NewWithT(t)
	by := func(d governancev1alpha1.ReportDecision, unit string) governancev1alpha1.ReportDecision {
		d.Spec.Unit = unit
		return d
	}
	upheld := by(reportDecision("a.upheld", 10, governancev1alpha1.OutcomeUpheld, "确有另行要求填报表格"), "mzj")
	otherDismisses := by(reportDecision("b.dismissed", 20, governancev1alpha1.OutcomeDismissed, "不属实"), "nyj")
	out := rules.DecideReport([]governancev1alpha1.ReportDecision{upheld, otherDismisses})
	g.Expect(out.Phase).To(Equal(governancev1alpha1.ReportUpheld), "another unit's dismissal does not erase the finding")
	g.Expect(out.Findings).To(Equal("确有另行要求填报表格"))
	g.Expect(out.Decisions).To(HaveLen(2), "both decisions stay listed")

	sameWithdraws := by(reportDecision("c.dismissed", 30, governancev1alpha1.OutcomeDismissed, "复核后撤销原认定"), "mzj")
	out = rules.DecideReport([]governancev1alpha1.ReportDecision{upheld, otherDismisses, sameWithdraws})
	g.Expect(out.Phase).To(Equal(governancev1alpha1.ReportDismissed), "the upholding unit withdrew its finding")
	g.Expect(out.Findings).To(Equal("复核后撤销原认定"))
}
