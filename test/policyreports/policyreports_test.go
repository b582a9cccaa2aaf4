// Package policyreports_test runs the operator on a real control plane that
// serves the wg-policy PolicyReport (wgpolicyk8s.io/v1alpha2,
// config/thirdparty/wgpolicyk8s) and not OpenReports, as a cluster on an
// older Kyverno or Policy Reporter does, and checks the PolicyReports a
// user, or Policy Reporter, reads: one per village tenant and one per
// department namespace, each result naming the task and the rule (S1–S20)
// it passes or breaks, written only when what they say changes. (The
// OpenReports package, test/openreports, runs with both CRDs installed.)
package policyreports_test

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"regexp"
	"strconv"
	"testing"
	"time"

	. "github.com/onsi/gomega"
	"github.com/prometheus/client_golang/prometheus/testutil"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/util/retry"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"

	governancev1alpha1 "github.com/cunshe/cunshe-operator/api/v1alpha1"
	"github.com/cunshe/cunshe-operator/config"
	"github.com/cunshe/cunshe-operator/internal/metrics"
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
	crds, err := config.PolicyReportCRDs()
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	testenv.Run(m, testenv.Options{Manager: true, CRDs: crds, Setup: seed}, &env)
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

// policyReportGVK is the kind under test, as Kyverno and Policy Reporter name it.
var policyReportGVK = schema.GroupVersionKind{Group: "wgpolicyk8s.io", Version: "v1alpha2", Kind: "PolicyReport"}

// policyReport is what `kubectl get policyreport -o json` shows, by the
// v1alpha2 schema's JSON names (independent of the operator's own code).
type policyReport struct {
	Metadata metav1.ObjectMeta      `json:"metadata"`
	Scope    corev1.ObjectReference `json:"scope"`
	Summary  summary                `json:"summary"`
	Results  []result               `json:"results"`
}

type summary struct {
	Pass  int `json:"pass"`
	Fail  int `json:"fail"`
	Warn  int `json:"warn"`
	Error int `json:"error"`
	Skip  int `json:"skip"`
}

type result struct {
	Source     string                   `json:"source"`
	Policy     string                   `json:"policy"`
	Rule       string                   `json:"rule"`
	Result     string                   `json:"result"`
	Severity   string                   `json:"severity"`
	Scored     bool                     `json:"scored"`
	Message    string                   `json:"message"`
	Resources  []corev1.ObjectReference `json:"resources"`
	Properties map[string]string        `json:"properties"`
}

// policyReportsIn lists the PolicyReports of a namespace, as `kubectl get
// policyreports -n NS` would.
func policyReportsIn(g Gomega, ns string) []policyReport {
	list := &unstructured.UnstructuredList{}
	list.SetGroupVersionKind(policyReportGVK.GroupVersion().WithKind("PolicyReportList"))
	g.Expect(env.Client.List(context.Background(), list, client.InNamespace(ns))).To(Succeed())
	out := make([]policyReport, len(list.Items))
	for i, u := range list.Items {
		data, err := json.Marshal(u.Object)
		g.Expect(err).NotTo(HaveOccurred())
		g.Expect(json.Unmarshal(data, &out[i])).To(Succeed())
	}
	return out
}

// report is the one PolicyReport of a namespace.
func report(g Gomega, ns string) policyReport {
	reports := policyReportsIn(g, ns)
	g.Expect(reports).To(HaveLen(1), "one PolicyReport in %s", ns)
	return reports[0]
}

// resultsFor are a report's results about one task.
func resultsFor(r policyReport, taskName string) []result {
	var out []result
	for _, res := range r.Results {
		if len(res.Resources) == 1 && res.Resources[0].Namespace == dept && res.Resources[0].Name == taskName {
			out = append(out, res)
		}
	}
	return out
}

// outcomes are what a person reads of results in Policy Reporter.
func outcomes(rs []result) []string {
	out := make([]string, len(rs))
	for i, r := range rs {
		out[i] = fmt.Sprintf("%s %s %s %s", r.Policy, r.Rule, r.Result, r.Source)
	}
	return out
}

func TestEveryVillageAndDepartmentHasOnePolicyReport(t *testing.T) {
	NewWithT(t).Eventually(func(g Gomega) {
		for _, code := range villages {
			r := report(g, tenant(code))
			g.Expect(r.Metadata.Name).To(Equal("cunshe-tasks"))
			g.Expect(r.Metadata.Labels).To(HaveKeyWithValue("app.kubernetes.io/managed-by", "cunshe-operator"))
			g.Expect(r.Scope.Kind).To(Equal("Village"))
			g.Expect(r.Scope.Name).To(Equal(code))
		}
		r := report(g, dept)
		g.Expect(r.Scope.Kind).To(Equal("Namespace"))
		g.Expect(r.Scope.Name).To(Equal(dept))
	}).WithTimeout(60 * time.Second).Should(Succeed())
}

func TestPolicyReportsFollowTheAudit(t *testing.T) {
	ctx := context.Background()
	g := NewWithT(t)
	census := item("l1-census-assist", "协助开展人口普查入户登记")
	g.Expect(env.Client.Create(ctx, census)).To(Succeed())
	g.Expect(units.Approve(ctx, env.Client, census)).To(Succeed())
	g.Eventually(func(g Gomega) {
		for _, code := range villages {
			v := &governancev1alpha1.Village{}
			g.Expect(env.Client.Get(ctx, client.ObjectKey{Name: code}, v)).To(Succeed())
			rev := &governancev1alpha1.ListRevision{}
			g.Expect(env.Client.Get(ctx, client.ObjectKey{Name: governancev1alpha1.RevisionName("", v.Status.PublishedRevision)}, rev)).To(Succeed())
			g.Expect(rev.Spec.Items).To(HaveLen(1), "village %s holds the item", code)
		}
	}).WithTimeout(60 * time.Second).Should(Succeed())
	tasks := []*governancev1alpha1.Task{
		task("census-gulou", census.Name, governancev1alpha1.TaskTargets{Villages: []string{gulou}}),
		task("census-lucheng", census.Name, governancev1alpha1.TaskTargets{Counties: []string{"330302"}}),
	}

	t.Run("S1 listed tasks pass: listed in their department's report, counted in their villages'", func(t *testing.T) {
		g := NewWithT(t)
		for _, tk := range tasks {
			g.Expect(env.Client.Create(ctx, tk)).To(Succeed())
		}
		g.Eventually(func(g Gomega) {
			r := report(g, dept)
			for _, tk := range tasks {
				g.Expect(outcomes(resultsFor(r, tk.Name))).To(Equal([]string{"S1 Admitted pass cunshe-operator"}), tk.Name)
			}
			g.Expect(r.Summary).To(Equal(summary{Pass: 2}))
			for code, passes := range map[string]int{gulou: 2, xiaonan: 1, longwan: 0} {
				r := report(g, tenant(code))
				g.Expect(r.Summary).To(Equal(summary{Pass: passes}), code)
				g.Expect(r.Results).To(BeEmpty(), "a village's report lists what breaks a rule: %s", code)
			}
		}).WithTimeout(30 * time.Second).Should(Succeed())
	})

	t.Run("S7 a task whose item is retired fails, its policy the rule ID", func(t *testing.T) {
		g := NewWithT(t)
		retire(g, census)
		flagged := expectPhase(g, "census-gulou", governancev1alpha1.TaskNonCompliant)
		g.Expect(flagged.Status.FindingRules).To(Equal([]string{"S7"}))
		g.Eventually(func(g Gomega) {
			for ns, fails := range map[string]int{dept: 2, tenant(gulou): 2, tenant(xiaonan): 1} {
				r := report(g, ns)
				results := resultsFor(r, "census-gulou")
				if ns == tenant(xiaonan) {
					g.Expect(results).To(BeEmpty(), "census-gulou does not reach %s", ns)
				} else {
					g.Expect(outcomes(results)).To(Equal([]string{"S7 NonCompliant fail cunshe-operator"}), ns)
					g.Expect(results[0].Message).To(Equal(flagged.Status.Findings[0]))
					g.Expect(results[0].Message).To(HavePrefix(`S7 事项 "l1-census-assist" 已退出清单`))
					g.Expect(results[0].Severity).To(Equal("medium"))
					g.Expect(results[0].Scored).To(BeTrue())
					g.Expect(results[0].Resources[0].Kind).To(Equal("Task"))
					g.Expect(results[0].Properties).To(HaveKeyWithValue("item", "l1-census-assist"))
				}
				g.Expect(r.Summary).To(Equal(summary{Fail: fails}), ns)
			}
		}).WithTimeout(30 * time.Second).Should(Succeed())
	})

	t.Run("a pass of the audit and of the reports that changes nothing writes nothing", func(t *testing.T) {
		g := NewWithT(t)
		reports := append([]string{dept}, tenantsOf(villages)...)
		// Converged: the lists stopped moving after the retirement, both
		// controllers are idle, every report says what it will say after the pass.
		listsSettled(g)
		auditsBefore, passesBefore := testenv.Passes(t, "taskaudit"), testenv.Passes(t, "openreports")
		writesBefore := policyReportAndTaskWrites()

		// A touched rollout makes the audit look at every task again; a
		// touched report makes its writer look at it again.
		touch(g, &governancev1alpha1.ListRollout{ObjectMeta: metav1.ObjectMeta{Name: "citywide"}})
		for _, ns := range reports {
			polr := &unstructured.Unstructured{}
			polr.SetGroupVersionKind(policyReportGVK)
			polr.SetNamespace(ns)
			polr.SetName("cunshe-tasks")
			touch(g, polr)
		}
		g.Eventually(func() float64 { return testenv.Passes(t, "taskaudit") }).WithTimeout(30 * time.Second).
			Should(BeNumerically(">=", auditsBefore+float64(len(tasks))))
		g.Eventually(func() float64 { return testenv.Passes(t, "openreports") }).WithTimeout(30 * time.Second).
			Should(BeNumerically(">=", passesBefore+float64(len(reports))))
		g.Expect(policyReportAndTaskWrites()).To(Equal(writesBefore), "writes: %s", env.Operator.Summary())
	})
}

func item(name, title string) *governancev1alpha1.ListItem {
	return &governancev1alpha1.ListItem{
		ObjectMeta: metav1.ObjectMeta{Name: name},
		Spec: governancev1alpha1.ListItemSpec{
			List: governancev1alpha1.ListAdmission, Title: title, VillageRole: governancev1alpha1.RoleAssist, ResidentFacing: true,
			Applicant:              governancev1alpha1.Applicant{Kind: governancev1alpha1.ApplicantCityDepartment, Name: "tjj"},
			Basis:                  governancev1alpha1.Basis{Kind: governancev1alpha1.BasisLaw, Citation: "《中华人民共和国统计法》第七条"},
			ResponsibleDepartments: []string{"tjj"},
		},
	}
}

func task(name, itemRef string, targets governancev1alpha1.TaskTargets) *governancev1alpha1.Task {
	return &governancev1alpha1.Task{
		ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: dept},
		Spec: governancev1alpha1.TaskSpec{Type: governancev1alpha1.TaskWork, Title: "任务 " + name, ItemRef: itemRef,
			VillageRole: governancev1alpha1.RoleAssist, Targets: targets, Due: "2026-12-31"},
	}
}

func tenant(code string) string { return governancev1alpha1.TenantNamespaceName(code) }

func tenantsOf(codes []string) []string {
	out := make([]string, len(codes))
	for i, c := range codes {
		out[i] = tenant(c)
	}
	return out
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

// listsSettled waits until the lists stopped moving: the revision
// controller weighed every item and cut what it had to (its own gauges),
// and every village holds the newest revision, so the audit has no task
// left to look at again for a new revision.
func listsSettled(g Gomega) {
	g.Eventually(func(g Gomega) {
		items := &governancev1alpha1.ListItemList{}
		g.Expect(env.Client.List(context.Background(), items)).To(Succeed())
		g.Expect(testutil.ToFloat64(metrics.RevisionItemsWeighed.WithLabelValues(""))).To(BeEquivalentTo(len(items.Items)))
		g.Expect(testutil.ToFloat64(metrics.RevisionSettled.WithLabelValues(""))).To(BeEquivalentTo(1))
		revisions := &governancev1alpha1.ListRevisionList{}
		g.Expect(env.Client.List(context.Background(), revisions)).To(Succeed())
		newest := int64(0)
		for _, rev := range revisions.Items {
			newest = max(newest, rev.Spec.Revision)
		}
		for _, code := range villages {
			v := &governancev1alpha1.Village{}
			g.Expect(env.Client.Get(context.Background(), client.ObjectKey{Name: code}, v)).To(Succeed())
			g.Expect(v.Status.PublishedRevision).To(Equal(newest), code)
		}
	}).WithTimeout(30 * time.Second).Should(Succeed())
}

// touch annotates an object, which changes nothing the operator reads.
func touch(g Gomega, obj client.Object) {
	patch := []byte(fmt.Sprintf(`{"metadata":{"annotations":{"test.cunshe.io/touched":%q}}}`, time.Now().Format(time.RFC3339Nano)))
	g.Expect(env.Client.Patch(context.Background(), obj, client.RawPatch("application/merge-patch+json", patch))).To(Succeed())
}

// policyReportAndTaskWrites counts the operator's writes of PolicyReports
// and of tasks' status.
func policyReportAndTaskWrites() int {
	n := 0
	for _, m := range kindWrites.FindAllStringSubmatch(env.Operator.Summary(), -1) {
		if m[1] == "PolicyReport" || m[1] == "Task" {
			c, _ := strconv.Atoi(m[2])
			n += c
		}
	}
	return n
}

// kindWrites reads writecount's summary, e.g. "create PolicyReport=4 status patch Task=9".
var kindWrites = regexp.MustCompile(`(\w+)=(\d+)`)
