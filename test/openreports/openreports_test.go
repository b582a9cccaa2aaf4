// Package openreports_test runs the operator on a real control plane with
// OpenReports' CRD installed (config/thirdparty/openreports), and the
// wg-policy PolicyReport's beside it (config/thirdparty/wgpolicyk8s), and checks
// the reports a user, or Policy Reporter, reads: one per village tenant and
// one per department namespace, each result naming the task and the rule
// (S1–S20) it passes or breaks, kept current by the audit, written only
// when what they say changes.
package openreports_test

import (
	"context"
	"fmt"
	"os"
	"regexp"
	"strconv"
	"testing"
	"time"

	. "github.com/onsi/gomega"
	. "github.com/onsi/gomega/gstruct"
	openreportsv1alpha1 "github.com/openreports/reports-api/apis/openreports.io/v1alpha1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/util/retry"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"
	ctrlmetrics "sigs.k8s.io/controller-runtime/pkg/metrics"

	governancev1alpha1 "github.com/cunshe/cunshe-operator/api/v1alpha1"
	"github.com/cunshe/cunshe-operator/config"
	"github.com/cunshe/cunshe-operator/internal/testenv"
)

var (
	env   *testenv.Env
	units testenv.Units
)

// Two villages of 鹿城区 (330302) and one of 龙湾区 (330303).
const (
	gulou   = "330302006001" // Community
	xiaonan = "330302101201" // Village
	longwan = "330303101201" // Village, another county
	dept    = "dept-tjj"
)

var villages = []string{gulou, xiaonan, longwan}

func TestMain(m *testing.M) {
	crds, err := config.OpenReportsCRDs()
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	// The wg-policy PolicyReport's CRDs too: a cluster that serves both
	// gets OpenReports only (TestBothInstalledWritesOpenReportsOnly).
	polr, err := config.PolicyReportCRDs()
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	testenv.Run(m, testenv.Options{Manager: true, CRDs: append(crds, polr...), Setup: seed}, &env)
}

func seed(c client.Client) error {
	ctx := context.Background()
	var err error
	if units, err = testenv.CreateReviewUnits(ctx, c); err != nil {
		return err
	}
	if err := testenv.CreateDepartment(ctx, c, "tjj"); err != nil {
		return err
	}
	objs := []client.Object{
		testenv.Village(gulou, governancev1alpha1.TypeCommunity), testenv.Village(xiaonan, governancev1alpha1.TypeVillage),
		testenv.Village(longwan, governancev1alpha1.TypeVillage),
		&governancev1alpha1.ListRollout{ObjectMeta: metav1.ObjectMeta{Name: "citywide"},
			Spec: governancev1alpha1.ListRolloutSpec{Steps: []governancev1alpha1.RolloutStep{{Percent: ptr.To[int32](100)}}}},
	}
	for _, o := range objs {
		if err := c.Create(ctx, o); err != nil {
			return err
		}
	}
	return nil
}

func item(name, title string, role governancev1alpha1.VillageRole, scope governancev1alpha1.Scope) *governancev1alpha1.ListItem {
	return &governancev1alpha1.ListItem{
		ObjectMeta: metav1.ObjectMeta{Name: name},
		Spec: governancev1alpha1.ListItemSpec{
			List: governancev1alpha1.ListAdmission, Title: title, VillageRole: role, ResidentFacing: true, Scope: scope,
			Applicant:              governancev1alpha1.Applicant{Kind: governancev1alpha1.ApplicantCityDepartment, Name: "tjj"},
			Basis:                  governancev1alpha1.Basis{Kind: governancev1alpha1.BasisLaw, Citation: "《中华人民共和国统计法》第七条"},
			ResponsibleDepartments: []string{"tjj"},
		},
	}
}

func task(name, itemRef string, role governancev1alpha1.VillageRole, targets governancev1alpha1.TaskTargets) *governancev1alpha1.Task {
	return &governancev1alpha1.Task{
		ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: dept},
		Spec: governancev1alpha1.TaskSpec{Type: governancev1alpha1.TaskWork, Title: "任务 " + name, ItemRef: itemRef,
			VillageRole: role, Targets: targets, Due: "2026-12-31"},
	}
}

func tenant(code string) string { return governancev1alpha1.TenantNamespaceName(code) }

// reportsIn lists the OpenReports reports of a namespace, as `kubectl get
// reports -n NS` would.
func reportsIn(g Gomega, ns string) []openreportsv1alpha1.Report {
	list := &openreportsv1alpha1.ReportList{}
	g.Expect(env.Client.List(context.Background(), list, client.InNamespace(ns))).To(Succeed())
	return list.Items
}

// report is the one report of a namespace.
func report(g Gomega, ns string) openreportsv1alpha1.Report {
	reports := reportsIn(g, ns)
	g.Expect(reports).To(HaveLen(1), "one report in %s", ns)
	return reports[0]
}

// resultsFor are a report's results about one task.
func resultsFor(r openreportsv1alpha1.Report, taskName string) []openreportsv1alpha1.ReportResult {
	var out []openreportsv1alpha1.ReportResult
	for _, res := range r.Results {
		if len(res.Subjects) == 1 && res.Subjects[0].Namespace == dept && res.Subjects[0].Name == taskName {
			out = append(out, res)
		}
	}
	return out
}

// outcome is what a person reads of a result in Policy Reporter.
func outcome(r openreportsv1alpha1.ReportResult) string {
	return fmt.Sprintf("%s %s %s %s", r.Policy, r.Rule, r.Result, r.Source)
}

func outcomes(rs []openreportsv1alpha1.ReportResult) []string {
	out := make([]string, len(rs))
	for i, r := range rs {
		out[i] = outcome(r)
	}
	return out
}

func TestEveryVillageAndDepartmentHasOneReport(t *testing.T) {
	NewWithT(t).Eventually(func(g Gomega) {
		for _, code := range villages {
			r := report(g, tenant(code))
			g.Expect(r.Name).To(Equal("cunshe-tasks"))
			g.Expect(r.Source).To(Equal("cunshe-operator"))
			g.Expect(r.Scope).To(PointTo(MatchFields(IgnoreExtras, Fields{"Kind": Equal("Village"), "Name": Equal(code)})))
		}
		r := report(g, dept)
		g.Expect(r.Scope).To(PointTo(MatchFields(IgnoreExtras, Fields{"Kind": Equal("Namespace"), "Name": Equal(dept)})))
	}).WithTimeout(60 * time.Second).Should(Succeed())
}

// Where the cluster serves both OpenReports and the wg-policy PolicyReport
// (this control plane has both CRDs), the operator writes OpenReports only:
// Policy Reporter reads both kinds and would show every finding twice.
func TestBothInstalledWritesOpenReportsOnly(t *testing.T) {
	g := NewWithT(t)
	// The writer has run: every village and the department have their report.
	g.Eventually(func(g Gomega) {
		for _, ns := range append([]string{dept}, tenantsOf(villages)...) {
			report(g, ns)
		}
	}).WithTimeout(60 * time.Second).Should(Succeed())
	polrs := &unstructured.UnstructuredList{}
	polrs.SetGroupVersionKind(schema.GroupVersionKind{Group: "wgpolicyk8s.io", Version: "v1alpha2", Kind: "PolicyReportList"})
	g.Expect(env.Client.List(context.Background(), polrs)).To(Succeed())
	g.Expect(polrs.Items).To(BeEmpty())
	g.Expect(env.Operator.Summary()).NotTo(ContainSubstring("PolicyReport"))
}

func TestADepartmentsReportComesAndGoesWithItsLabel(t *testing.T) {
	ctx := context.Background()
	g := NewWithT(t)
	g.Expect(testenv.CreateDepartment(ctx, env.Client, "xfj")).To(Succeed())
	var first openreportsv1alpha1.Report
	g.Eventually(func(g Gomega) { first = report(g, "dept-xfj") }).WithTimeout(30 * time.Second).Should(Succeed())

	t.Run("a report deleted by hand is put back", func(t *testing.T) {
		g := NewWithT(t)
		g.Expect(env.Client.Delete(ctx, &first)).To(Succeed())
		g.Eventually(func(g Gomega) {
			g.Expect(report(g, "dept-xfj").UID).NotTo(Equal(first.UID))
		}).WithTimeout(30 * time.Second).Should(Succeed())
	})

	t.Run("a namespace that is no longer a department's loses its report", func(t *testing.T) {
		g := NewWithT(t)
		patch := []byte(`{"metadata":{"labels":{"` + governancev1alpha1.LabelDepartment + `":null}}}`)
		g.Expect(env.Client.Patch(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "dept-xfj"}},
			client.RawPatch("application/merge-patch+json", patch))).To(Succeed())
		g.Eventually(func(g Gomega) {
			g.Expect(reportsIn(g, "dept-xfj")).To(BeEmpty())
		}).WithTimeout(30 * time.Second).Should(Succeed())
	})
}

func TestReportsFollowTheAudit(t *testing.T) {
	ctx := context.Background()
	g := NewWithT(t)
	census := item("l1-census-assist", "协助开展人口普查入户登记", governancev1alpha1.RoleAssist, governancev1alpha1.Scope{})
	fire := item("l1-fire-safety", "组织开展消防安全宣传", governancev1alpha1.RoleUndertake, governancev1alpha1.Scope{Counties: []string{"330302"}})
	for _, it := range []*governancev1alpha1.ListItem{census, fire} {
		g.Expect(env.Client.Create(ctx, it)).To(Succeed())
		g.Expect(units.Approve(ctx, env.Client, it)).To(Succeed())
	}
	g.Eventually(func(g Gomega) {
		for _, code := range villages {
			v := &governancev1alpha1.Village{}
			g.Expect(env.Client.Get(ctx, client.ObjectKey{Name: code}, v)).To(Succeed())
			rev := &governancev1alpha1.ListRevision{}
			g.Expect(env.Client.Get(ctx, client.ObjectKey{Name: governancev1alpha1.RevisionName("", v.Status.PublishedRevision)}, rev)).To(Succeed())
			g.Expect(rev.Spec.Items).To(HaveLen(2), "village %s holds both items", code)
		}
	}).WithTimeout(60 * time.Second).Should(Succeed())

	t.Run("S1 listed tasks pass: listed in their department's report, counted in their villages'", func(t *testing.T) {
		g := NewWithT(t)
		for _, tk := range []*governancev1alpha1.Task{
			task("census-lucheng", census.Name, governancev1alpha1.RoleAssist, governancev1alpha1.TaskTargets{Counties: []string{"330302"}}),
			task("census-all", census.Name, governancev1alpha1.RoleAssist, governancev1alpha1.TaskTargets{All: true}),
			task("fire-gulou", fire.Name, governancev1alpha1.RoleUndertake, governancev1alpha1.TaskTargets{Villages: []string{gulou}}),
			// All: every village the item applies to, 鹿城区's (S2).
			task("fire-all", fire.Name, governancev1alpha1.RoleUndertake, governancev1alpha1.TaskTargets{All: true}),
		} {
			g.Expect(env.Client.Create(ctx, tk)).To(Succeed())
		}
		g.Eventually(func(g Gomega) {
			r := report(g, dept)
			for _, name := range []string{"census-all", "census-lucheng", "fire-all", "fire-gulou"} {
				g.Expect(outcomes(resultsFor(r, name))).To(Equal([]string{"S1 Admitted pass cunshe-operator"}), name)
			}
			g.Expect(r.Summary).To(Equal(openreportsv1alpha1.ReportSummary{Pass: 4}))
			// A village's report lists what breaks a rule, and counts the rest.
			for code, passes := range map[string]int{gulou: 4, xiaonan: 3, longwan: 1} {
				r := report(g, tenant(code))
				g.Expect(r.Summary).To(Equal(openreportsv1alpha1.ReportSummary{Pass: passes}), code)
				g.Expect(r.Results).To(BeEmpty(), code)
			}
		}).WithTimeout(30 * time.Second).Should(Succeed())
	})

	t.Run("S7 a task whose item is retired fails under S7 in its department's report and its village's", func(t *testing.T) {
		g := NewWithT(t)
		retire(g, fire)
		flagged := expectPhase(g, "fire-gulou", governancev1alpha1.TaskNonCompliant)
		g.Expect(flagged.Status.FindingRules).To(Equal([]string{"S7"}))
		g.Eventually(func(g Gomega) {
			for _, ns := range []string{dept, tenant(gulou)} {
				results := resultsFor(report(g, ns), "fire-gulou")
				g.Expect(outcomes(results)).To(Equal([]string{"S7 NonCompliant fail cunshe-operator"}), ns)
				g.Expect(results[0].Description).To(Equal(flagged.Status.Findings[0]))
				g.Expect(results[0].Description).To(HavePrefix(`S7 事项 "l1-fire-safety" 已退出清单`))
				g.Expect(results[0].Severity).To(Equal(openreportsv1alpha1.ResultSeverity("medium")))
				g.Expect(report(g, ns).Summary).To(Equal(openreportsv1alpha1.ReportSummary{Pass: 2, Fail: 2}), ns)
			}
		}).WithTimeout(30 * time.Second).Should(Succeed())
	})

	t.Run("fixing the task turns its failure into a pass", func(t *testing.T) {
		g := NewWithT(t)
		g.Expect(retry.RetryOnConflict(retry.DefaultRetry, func() error {
			tk := &governancev1alpha1.Task{}
			if err := env.Client.Get(ctx, client.ObjectKey{Namespace: dept, Name: "fire-gulou"}, tk); err != nil {
				return err
			}
			tk.Spec.ItemRef, tk.Spec.VillageRole = census.Name, governancev1alpha1.RoleAssist
			return env.Client.Update(ctx, tk)
		})).To(Succeed())
		g.Eventually(func(g Gomega) {
			g.Expect(outcomes(resultsFor(report(g, dept), "fire-gulou"))).To(Equal([]string{"S1 Admitted pass cunshe-operator"}))
			g.Expect(report(g, dept).Summary).To(Equal(openreportsv1alpha1.ReportSummary{Pass: 3, Fail: 1}))
			r := report(g, tenant(gulou))
			g.Expect(r.Summary).To(Equal(openreportsv1alpha1.ReportSummary{Pass: 3, Fail: 1}))
			g.Expect(resultsFor(r, "fire-gulou")).To(BeEmpty())
		}).WithTimeout(30 * time.Second).Should(Succeed())
	})

	t.Run("a village's report speaks of the tasks that reach it, and of no other", func(t *testing.T) {
		g := NewWithT(t)
		retire(g, census)
		// Every task was made before the retirement, so a report that shows
		// a failure of it was built from a cache that held them all: one
		// that does not reach the village would add a pass or a failure.
		reached := map[string][]string{
			gulou:   {"census-all", "census-lucheng", "fire-all", "fire-gulou"},
			xiaonan: {"census-all", "census-lucheng", "fire-all"},
			longwan: {"census-all"},
		}
		g.Eventually(func(g Gomega) {
			for code, names := range reached {
				r := report(g, tenant(code))
				var got []string
				for _, res := range r.Results {
					got = append(got, res.Subjects[0].Name+" "+outcome(res))
				}
				var want []string
				for _, name := range names {
					want = append(want, name+" S7 NonCompliant fail cunshe-operator")
				}
				g.Expect(got).To(Equal(want), code)
				g.Expect(r.Summary).To(Equal(openreportsv1alpha1.ReportSummary{Fail: len(names)}), code)
			}
		}).WithTimeout(30 * time.Second).Should(Succeed())
	})

	t.Run("a pass of the audit and of the reports that changes nothing writes nothing", func(t *testing.T) {
		g := NewWithT(t)
		tasks, reports := 4, append([]string{dept}, tenantsOf(villages)...)
		// Converged: every report says what it will say after the pass.
		g.Eventually(func(g Gomega) {
			g.Expect(report(g, dept).Summary).To(Equal(openreportsv1alpha1.ReportSummary{Fail: 4}))
		}).WithTimeout(30 * time.Second).Should(Succeed())
		writesBefore, auditsBefore, passesBefore := reportAndTaskWrites(), reconciles(g, "taskaudit"), reconciles(g, "openreports")

		// A touched rollout makes the audit look at every task again; a
		// touched report makes its controller look at it again.
		touch(g, &governancev1alpha1.ListRollout{ObjectMeta: metav1.ObjectMeta{Name: "citywide"}})
		for _, ns := range reports {
			touch(g, &openreportsv1alpha1.Report{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "cunshe-tasks"}})
		}
		g.Eventually(func(g Gomega) {
			g.Expect(reconciles(g, "taskaudit")).To(BeNumerically(">=", auditsBefore+tasks))
			g.Expect(reconciles(g, "openreports")).To(BeNumerically(">=", passesBefore+len(reports)))
		}).WithTimeout(30 * time.Second).Should(Succeed())
		g.Expect(reportAndTaskWrites()).To(Equal(writesBefore), "writes: %s", env.Operator.Summary())
	})
}

// retire retires an item today (S7): the audit then flags its tasks.
func retire(g Gomega, it *governancev1alpha1.ListItem) {
	g.Expect(retry.RetryOnConflict(retry.DefaultRetry, func() error {
		got := &governancev1alpha1.ListItem{}
		if err := env.Client.Get(context.Background(), client.ObjectKeyFromObject(it), got); err != nil {
			return err
		}
		got.Spec.Retirement = &governancev1alpha1.Retirement{Reason: "依据已调整", Effective: time.Now().Format(time.DateOnly)}
		return env.Client.Update(context.Background(), got)
	})).To(Succeed())
}

// expectPhase waits for the audit to give a task its phase.
func expectPhase(g Gomega, name string, phase governancev1alpha1.TaskPhase) *governancev1alpha1.Task {
	got := &governancev1alpha1.Task{}
	g.Eventually(func(g Gomega) {
		g.Expect(env.Client.Get(context.Background(), client.ObjectKey{Namespace: dept, Name: name}, got)).To(Succeed())
		g.Expect(got.Status.Phase).To(Equal(phase))
	}).WithTimeout(30 * time.Second).Should(Succeed())
	return got
}

// A department in Warn (issue 15, item 2): its task off the lists stands,
// and its reports say so, as a warning under the rule it breaks.
func TestATaskAdmittedUnderWarnWarns(t *testing.T) {
	ctx := context.Background()
	g := NewWithT(t)
	g.Expect(env.Client.Create(ctx, &governancev1alpha1.Jurisdiction{ObjectMeta: metav1.ObjectMeta{Name: "3303"},
		Spec: governancev1alpha1.JurisdictionSpec{Code: "3303", Name: "温州市", Level: governancev1alpha1.LevelCity, Default: true,
			Admission: governancev1alpha1.TaskAdmission{Overrides: []governancev1alpha1.AdmissionOverride{
				{Departments: []string{"tjj"}, Reason: "统计局试点"}}}}})).To(Succeed())
	dredging := task("dredging", "river-dredging-labour", governancev1alpha1.RoleUndertake, governancev1alpha1.TaskTargets{Villages: []string{xiaonan}})
	dredging.Spec.Title = "河道清淤义务劳动派工"
	// Admission follows the Jurisdiction through its cache: try until it warns.
	g.Eventually(func() error { return env.Client.Create(ctx, dredging.DeepCopy()) }).WithTimeout(30 * time.Second).Should(Succeed())
	warned := expectPhase(g, "dredging", governancev1alpha1.TaskAdmitted)
	g.Eventually(func(g Gomega) {
		g.Expect(env.Client.Get(ctx, client.ObjectKeyFromObject(warned), warned)).To(Succeed())
		g.Expect(warned.Status.AdmissionAction).To(Equal(governancev1alpha1.AdmissionWarn))
	}).WithTimeout(30 * time.Second).Should(Succeed())
	g.Expect(warned.Status.FindingRules).To(Equal([]string{"S1"}))
	g.Eventually(func(g Gomega) {
		for _, ns := range []string{dept, tenant(xiaonan)} {
			results := resultsFor(report(g, ns), "dredging")
			g.Expect(outcomes(results)).To(Equal([]string{"S1 Warning warn cunshe-operator"}), ns)
			g.Expect(results[0].Description).To(Equal(warned.Status.Findings[0]))
			g.Expect(results[0].Scored).To(BeFalse(), "a warning is not scored")
		}
	}).WithTimeout(30 * time.Second).Should(Succeed())
}

func tenantsOf(codes []string) []string {
	out := make([]string, len(codes))
	for i, c := range codes {
		out[i] = tenant(c)
	}
	return out
}

// touch annotates an object, which changes nothing the operator reads.
func touch(g Gomega, obj client.Object) {
	patch := []byte(fmt.Sprintf(`{"metadata":{"annotations":{"test.cunshe.io/touched":%q}}}`, time.Now().Format(time.RFC3339Nano)))
	g.Expect(env.Client.Patch(context.Background(), obj, client.RawPatch("application/merge-patch+json", patch))).To(Succeed())
}

// reportAndTaskWrites counts the operator's writes of reports (OpenReports'
// kind is named Report too; no village report is filed in this test) and
// of tasks' status.
func reportAndTaskWrites() int {
	n := 0
	for _, m := range kindWrites.FindAllStringSubmatch(env.Operator.Summary(), -1) {
		if m[1] == "Report" || m[1] == "Task" {
			c, _ := strconv.Atoi(m[2])
			n += c
		}
	}
	return n
}

// kindWrites reads writecount's summary, e.g. "create Report=4 status patch Task=9".
var kindWrites = regexp.MustCompile(`(\w+)=(\d+)`)

// reconciles is how many passes a controller has made, from
// controller-runtime's controller_runtime_reconcile_total.
func reconciles(g Gomega, controller string) int {
	families, err := ctrlmetrics.Registry.Gather()
	g.Expect(err).NotTo(HaveOccurred())
	n := 0.0
	for _, f := range families {
		if f.GetName() != "controller_runtime_reconcile_total" {
			continue
		}
		for _, m := range f.GetMetric() {
			for _, l := range m.GetLabel() {
				if l.GetName() == "controller" && l.GetValue() == controller {
					n += m.GetCounter().GetValue()
				}
			}
		}
	}
	return int(n)
}
