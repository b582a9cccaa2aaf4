package tasks_test

import (
	"context"
	"testing"
	"time"

	. "github.com/onsi/gomega"
	"github.com/prometheus/client_golang/prometheus/testutil"
	eventsv1 "k8s.io/api/events/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/util/retry"
	"sigs.k8s.io/controller-runtime/pkg/client"

	governancev1alpha1 "github.com/cunshe/cunshe-operator/api/v1alpha1"
	"github.com/cunshe/cunshe-operator/internal/metrics"
	"github.com/cunshe/cunshe-operator/internal/operator"
	"github.com/cunshe/cunshe-operator/internal/testenv"
)

// The counties of the fixtures' villages: 鹿城区 (gulou, xiaonan) is the pilot.
const (
	pilotCounty   = "330302"
	enforceCounty = "330303"
)

// dredging is a task no list holds (S1), titled so that no item of the
// other tests is close enough to be suggested: its refusal reads the same
// whatever ran before.
func dredging(ns, name string, counties ...string) *governancev1alpha1.Task {
	tk := task(ns, name, "river-dredging-labour", governancev1alpha1.TaskTargets{Counties: counties})
	tk.Spec.Title, tk.Spec.VillageRole = "河道清淤义务劳动派工", governancev1alpha1.RoleUndertake
	return tk
}

const (
	dredgingFinding = `S1 清单之外无事项：清单中没有事项 "river-dredging-labour" / nothing outside the lists: there is no list item "river-dredging-labour"`
	warnSuffix      = " [告警放行：试点期间准入，恢复 Enforce 后将被拒绝 / Warn: admitted during a pilot, refused once Enforce is back]"
)

// dredgingRefusal is the exact refusal of a dredging task named name.
func dredgingRefusal(name string) string {
	return `Task.governance.cunshe.io "` + name + `" is invalid: spec.itemRef: Not found: "river-dredging-labour": ` + dredgingFinding
}

// platformOps is a cluster admin whose client keeps the API server's warnings.
func platformOps(t *testing.T) (client.Client, *warnings) {
	t.Helper()
	w := &warnings{}
	cfg := rest.CopyConfig(env.Config)
	cfg.WarningHandler = w
	c, err := client.New(cfg, client.Options{Scheme: operator.Scheme()})
	if err != nil {
		t.Fatal(err)
	}
	return c, w
}

// setOverrides puts Wenzhou's task admission overrides as given (none: Enforce).
func setOverrides(t *testing.T, overrides ...governancev1alpha1.AdmissionOverride) {
	t.Helper()
	ctx := context.Background()
	j := &governancev1alpha1.Jurisdiction{}
	NewWithT(t).Expect(env.Client.Get(ctx, client.ObjectKey{Name: "3303"}, j)).To(Succeed())
	patch := client.MergeFrom(j.DeepCopy())
	j.Spec.Admission.Overrides = overrides
	NewWithT(t).Expect(env.Client.Patch(ctx, j, patch)).To(Succeed())
}

// admissionSees waits until task admission (whose cache follows the
// Jurisdiction) decides a dry run of tk as admitted says: an observable
// answer, not a pause.
func admissionSees(t *testing.T, c client.Client, tk *governancev1alpha1.Task, admitted bool) {
	t.Helper()
	NewWithT(t).Eventually(func() bool {
		return (c.Create(context.Background(), tk.DeepCopy(), client.DryRunAll) == nil) == admitted
	}).WithTimeout(20 * time.Second).Should(BeTrue())
}

// expectNotStored: a refused task left nothing behind.
func expectNotStored(t *testing.T, tk *governancev1alpha1.Task) {
	t.Helper()
	err := env.Client.Get(context.Background(), client.ObjectKeyFromObject(tk), &governancev1alpha1.Task{})
	NewWithT(t).Expect(apierrors.IsNotFound(err)).To(BeTrue(), "%v", err)
}

// expectWarned waits for the audit to record a task admitted under Warn.
func expectWarned(t *testing.T, tk *governancev1alpha1.Task) {
	t.Helper()
	NewWithT(t).Eventually(func(g Gomega) {
		got := &governancev1alpha1.Task{}
		g.Expect(env.Client.Get(context.Background(), client.ObjectKeyFromObject(tk), got)).To(Succeed())
		g.Expect(got.Status.Phase).To(Equal(governancev1alpha1.TaskAdmitted))
		g.Expect(got.Status.AdmissionAction).To(Equal(governancev1alpha1.AdmissionWarn))
		g.Expect(got.Status.Findings).To(Equal([]string{dredgingFinding}))
		compliant := meta.FindStatusCondition(got.Status.Conditions, governancev1alpha1.CompliantCondition)
		g.Expect(compliant).NotTo(BeNil())
		g.Expect(compliant.Status).To(Equal(metav1.ConditionFalse))
		g.Expect(compliant.Reason).To(Equal(governancev1alpha1.ReasonAdmittedUnderWarn))
		g.Expect(compliant.Message).To(Equal(dredgingFinding + warnSuffix))
	}).WithTimeout(20 * time.Second).Should(Succeed())
}

// expectEnforced waits for the audit to read a stored task as off the lists.
func expectEnforced(t *testing.T, tk *governancev1alpha1.Task) {
	t.Helper()
	got := expectPhase(t, tk.Namespace, tk.Name, governancev1alpha1.TaskNonCompliant)
	NewWithT(t).Expect(got.Status.AdmissionAction).To(BeEmpty())
	NewWithT(t).Expect(got.Status.Findings).To(Equal([]string{dredgingFinding}))
}

// TestWarnMode: a city puts task admission of a pilot county, then of a
// department, in Warn, then back to Enforce (issue 15; Jurisdiction
// spec.admission.overrides). It runs in steps that build on each other.
func TestWarnMode(t *testing.T) {
	ctx := context.Background()
	g := NewWithT(t)
	g.Expect(env.Client.Create(ctx, &governancev1alpha1.Jurisdiction{ObjectMeta: metav1.ObjectMeta{Name: "3303"},
		Spec: governancev1alpha1.JurisdictionSpec{Code: "3303", Name: "温州市", Level: governancev1alpha1.LevelCity, Default: true}})).To(Succeed())
	tjj, tjjWarnings := department(t, "tjj")
	xfj, xfjWarnings := department(t, "xfj")

	t.Run("the overrides are checked: refused bilingually with the rule, or warned of", func(t *testing.T) {
		g := NewWithT(t)
		admin, adminWarnings := platformOps(t)
		stored := &governancev1alpha1.Jurisdiction{}
		g.Expect(env.Client.Get(ctx, client.ObjectKey{Name: "3303"}, stored)).To(Succeed())
		// The Jurisdiction's status controller writes too: update its newest
		// version until admission, not a conflict, answers.
		update := func(overrides ...governancev1alpha1.AdmissionOverride) error {
			return retry.RetryOnConflict(retry.DefaultRetry, func() error {
				j := &governancev1alpha1.Jurisdiction{}
				if err := admin.Get(ctx, client.ObjectKey{Name: "3303"}, j); err != nil {
					return err
				}
				j.Spec.Admission.Overrides = overrides
				return admin.Update(ctx, j)
			})
		}
		testenv.ExpectRefused(t, update(
			governancev1alpha1.AdmissionOverride{Counties: []string{pilotCounty, "330106"}, Reason: "试点"},
			governancev1alpha1.AdmissionOverride{Counties: []string{pilotCounty}, Departments: []string{"tjj"}, Reason: "试点"},
		), "vjurisdiction.governance.cunshe.io", `Jurisdiction.governance.cunshe.io "3303" is invalid: [`+
			`spec.admission.overrides[0].counties[1]: Invalid value: "330106": S1 "330106" 不是本市 3303 的县（市、区）代码（6 位，以 3303 开头）；一个市只能为本市的县设置例外 / "330106" is not a county code of city 3303 (6 digits starting with 3303); a city sets overrides for its own counties only, `+
			`spec.admission.overrides[1].counties[0]: Duplicate value: "330302": S1 县（市、区）330302 已列在 overrides[0]；一个县只能出现在一条例外中 / county 330302 is already in overrides[0]; a county is in one override only]`)
		g.Expect(update(governancev1alpha1.AdmissionOverride{Reason: "试点"})).To(MatchError(ContainSubstring(
			"S1 每条例外须列出至少一个县（市、区）或部门 / an override names at least one county or department")), "the schema's rule")
		after := &governancev1alpha1.Jurisdiction{}
		g.Expect(env.Client.Get(ctx, client.ObjectKey{Name: "3303"}, after)).To(Succeed())
		g.Expect(after.Spec).To(Equal(stored.Spec), "nothing stored after a refusal")

		before := len(adminWarnings.seen)
		g.Expect(update(governancev1alpha1.AdmissionOverride{Counties: []string{"330399"}, Departments: []string{"tjjj"}, Reason: "试点"})).To(Succeed())
		g.Expect(adminWarnings.seen[before:]).To(Equal([]string{
			`spec.admission.overrides[0].counties[0]: S1 登记册中还没有县（市、区）330399 的村（社区），该例外在那里不起作用（任务照常拒绝） / no village of county 330399 is in the registry yet; the override does nothing there (its tasks are refused as usual)`,
			`spec.admission.overrides[0].departments[0]: S1 没有标签为 governance.cunshe.io/department=tjjj 的部门命名空间，该例外对它不起作用（任务照常拒绝） / no namespace carries governance.cunshe.io/department=tjjj; the override does nothing for it (its tasks are refused as usual)`,
		}))
		setOverrides(t)
	})

	t.Run("a county in Warn: its task is admitted with a Warning naming the rule, and recorded", func(t *testing.T) {
		g := NewWithT(t)
		setOverrides(t, governancev1alpha1.AdmissionOverride{Counties: []string{pilotCounty}, Reason: "鹿城区试点"})
		admissionSees(t, tjj, dredging("dept-tjj", "probe", pilotCounty), true)
		warnedBefore := testutil.ToFloat64(metrics.TaskAdmissions.WithLabelValues("allowed", "S1", metrics.ActionWarn))

		tk := dredging("dept-tjj", "dredging-lucheng", pilotCounty)
		before := len(tjjWarnings.seen)
		g.Expect(tjj.Create(ctx, tk)).To(Succeed())
		g.Expect(tjjWarnings.seen[before:]).To(Equal([]string{dredgingFinding + warnSuffix}))
		expectWarned(t, tk)
		g.Expect(testutil.ToFloat64(metrics.TaskAdmissions.WithLabelValues("allowed", "S1", metrics.ActionWarn))).To(Equal(warnedBefore + 1))
		g.Eventually(func(g Gomega) {
			events := &eventsv1.EventList{}
			g.Expect(env.Client.List(ctx, events, client.InNamespace("dept-tjj"))).To(Succeed())
			g.Expect(events.Items).To(ContainElement(And(HaveField("Reason", "AdmittedUnderWarn"),
				HaveField("Regarding.Name", "dredging-lucheng"), HaveField("Note", dredgingFinding+warnSuffix))))
		}).WithTimeout(15 * time.Second).Should(Succeed())
	})

	t.Run("the same task to a county in Enforce is refused by the same rule", func(t *testing.T) {
		tk := dredging("dept-tjj", "dredging-longwan", enforceCounty)
		testenv.ExpectRefused(t, tjj.Create(ctx, tk), "vtask.governance.cunshe.io", dredgingRefusal("dredging-longwan"))
		expectNotStored(t, tk)
		both := dredging("dept-tjj", "dredging-both", pilotCounty, enforceCounty)
		testenv.ExpectRefused(t, tjj.Create(ctx, both), "vtask.governance.cunshe.io", dredgingRefusal("dredging-both"))
		expectNotStored(t, both)
	})

	t.Run("a department in Warn, wherever its tasks go; other departments enforced", func(t *testing.T) {
		g := NewWithT(t)
		setOverrides(t, governancev1alpha1.AdmissionOverride{Departments: []string{"xfj"}, Reason: "市消防救援支队试点"})
		admissionSees(t, tjj, dredging("dept-tjj", "probe", pilotCounty), false)
		expectEnforced(t, dredging("dept-tjj", "dredging-lucheng")) // the audit reads the stored one again

		tk := dredging("dept-xfj", "dredging-citywide", pilotCounty, enforceCounty)
		before := len(xfjWarnings.seen)
		g.Expect(xfj.Create(ctx, tk)).To(Succeed())
		g.Expect(xfjWarnings.seen[before:]).To(Equal([]string{dredgingFinding + warnSuffix}))
		expectWarned(t, tk)

		other := dredging("dept-tjj", "dredging-tjj", enforceCounty)
		testenv.ExpectRefused(t, tjj.Create(ctx, other), "vtask.governance.cunshe.io", dredgingRefusal("dredging-tjj"))
		expectNotStored(t, other)
	})

	t.Run("a Warn override ends after its last day, in the city's time zone", func(t *testing.T) {
		g := NewWithT(t)
		today := now().In(time.FixedZone("CST", 8*60*60)).Format(time.DateOnly)
		setOverrides(t, governancev1alpha1.AdmissionOverride{Departments: []string{"xfj"}, Until: today, Reason: "试点到今天为止"})
		probe := dredging("dept-xfj", "probe", enforceCounty)
		admissionSees(t, xfj, probe, true)
		advance(24 * time.Hour)
		defer advance(-24 * time.Hour)
		g.Expect(xfj.Create(ctx, probe.DeepCopy(), client.DryRunAll)).To(MatchError(ContainSubstring(dredgingFinding)), "the manager's clock moved past until")
	})

	t.Run("back to Enforce: new tasks are refused, stored ones read as off the lists", func(t *testing.T) {
		setOverrides(t)
		tk := dredging("dept-xfj", "dredging-after-pilot", pilotCounty)
		admissionSees(t, xfj, tk, false)
		testenv.ExpectRefused(t, xfj.Create(ctx, tk), "vtask.governance.cunshe.io", dredgingRefusal("dredging-after-pilot"))
		expectNotStored(t, tk)
		expectEnforced(t, dredging("dept-xfj", "dredging-citywide"))
	})
}
