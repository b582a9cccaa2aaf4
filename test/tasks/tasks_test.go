// Package tasks tests task admission, the continuous audit, village reports
// and the departments' compliance summaries end to end on a real control
// plane with the operator running (S1, S2, S6, S7, S8, S11, S14, S17, S19).
package tasks_test

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	. "github.com/onsi/gomega"
	"github.com/prometheus/client_golang/prometheus/testutil"
	corev1 "k8s.io/api/core/v1"
	eventsv1 "k8s.io/api/events/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/rest"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"

	governancev1alpha1 "github.com/cunshe/cunshe-operator/api/v1alpha1"
	"github.com/cunshe/cunshe-operator/internal/metrics"
	"github.com/cunshe/cunshe-operator/internal/operator"
	"github.com/cunshe/cunshe-operator/internal/testenv"
)

var (
	env   *testenv.Env
	units testenv.Units
)

// The villages: two in the pilot county 鹿城区 (330302), on the platform (each
// enrolled and with a record there, S11), and one in 龙湾区 (330303) that
// keeps paper ledgers (not enrolled).
const (
	gulou     = "330302006001" // Community
	xiaonan   = "330302101201" // Village
	paperOnly = "330303101201" // Village, not on the platform
)

// clock is the manager's clock for task admission and the audit: real time
// plus an offset a test may move.
var clock struct {
	mu     sync.Mutex
	offset time.Duration
}

func now() time.Time {
	clock.mu.Lock()
	defer clock.mu.Unlock()
	return time.Now().Add(clock.offset)
}

func advance(d time.Duration) {
	clock.mu.Lock()
	defer clock.mu.Unlock()
	clock.offset += d
}

func TestMain(m *testing.M) {
	testenv.Run(m, testenv.Options{Manager: true, Setup: seed, Now: now, OfflineParity: true}, &env)
}

func seed(c client.Client) error {
	ctx := context.Background()
	var err error
	if units, err = testenv.CreateReviewUnits(ctx, c); err != nil {
		return err
	}
	for _, d := range []string{"tjj", "xfj"} {
		if err := testenv.CreateDepartment(ctx, c, d); err != nil {
			return err
		}
	}
	onPlatform := func(code string, typ governancev1alpha1.VillageType) *governancev1alpha1.Village {
		v := testenv.Village(code, typ)
		v.Spec.Platform.EnrolledSince = "2025-06-01"
		return v
	}
	objs := []client.Object{
		onPlatform(gulou, governancev1alpha1.TypeCommunity), onPlatform(xiaonan, governancev1alpha1.TypeVillage),
		testenv.Village(paperOnly, governancev1alpha1.TypeVillage),
		&corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "scratch"}},
		// Any authenticated user may try: the webhooks, not RBAC, are under test here.
		&rbacv1.ClusterRole{ObjectMeta: metav1.ObjectMeta{Name: "test-tasks"}, Rules: []rbacv1.PolicyRule{{
			APIGroups: []string{governancev1alpha1.GroupVersion.Group}, Resources: []string{"tasks", "villagereports", "reportdecisions"},
			Verbs: []string{"get", "list", "create", "update", "delete"}}}},
		&rbacv1.ClusterRoleBinding{ObjectMeta: metav1.ObjectMeta{Name: "test-tasks"},
			RoleRef:  rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: "ClusterRole", Name: "test-tasks"},
			Subjects: []rbacv1.Subject{{APIGroup: rbacv1.GroupName, Kind: rbacv1.GroupKind, Name: "system:authenticated"}}},
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

func item(name, title string, list governancev1alpha1.ListKind, role governancev1alpha1.VillageRole, dept string, residentFacing bool, scope governancev1alpha1.Scope) *governancev1alpha1.ListItem {
	return &governancev1alpha1.ListItem{
		ObjectMeta: metav1.ObjectMeta{Name: name},
		Spec: governancev1alpha1.ListItemSpec{
			List: list, Title: title, VillageRole: role, ResidentFacing: residentFacing, Scope: scope,
			Applicant:              governancev1alpha1.Applicant{Kind: governancev1alpha1.ApplicantCityDepartment, Name: dept},
			Basis:                  governancev1alpha1.Basis{Kind: governancev1alpha1.BasisLaw, Citation: "《中华人民共和国统计法》第七条"},
			ResponsibleDepartments: []string{dept},
		},
	}
}

// warnings collects the API server's warnings to one client.
type warnings struct {
	mu   sync.Mutex
	seen []string
}

func (w *warnings) HandleWarningHeader(_ int, _ string, text string) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.seen = append(w.seen, text)
}

// department is a clerk of a department, acting in its namespace.
func department(t *testing.T, id string) (client.Client, *warnings) {
	t.Helper()
	w := &warnings{}
	cfg := rest.CopyConfig(env.Config)
	cfg.Impersonate = rest.ImpersonationConfig{UserName: id + "-clerk", Groups: []string{"cunshe:dept:" + id}}
	cfg.WarningHandler = w
	c, err := client.New(cfg, client.Options{Scheme: operator.Scheme()})
	if err != nil {
		t.Fatal(err)
	}
	return c, w
}

// recordOnPlatform has each village's cadres publish a record of their work
// on the platform (a 三务公开 disclosure), once their tenant is there: the
// evidence of the villages' exemption from paper ledgers (S11).
func recordOnPlatform(t *testing.T, codes ...string) {
	t.Helper()
	for _, code := range codes {
		cadre := as(t, "cadre-"+code, governancev1alpha1.VillageGroupPrefix+code)
		record := &governancev1alpha1.Disclosure{
			ObjectMeta: metav1.ObjectMeta{Name: "village-affairs-2026-11", Namespace: governancev1alpha1.TenantNamespaceName(code)},
			Spec: governancev1alpha1.DisclosureSpec{Category: governancev1alpha1.DisclosureVillageAffairs, Title: "2026年11月村务公开",
				Period: "2026-11", Body: "本月召开村民代表会议一次，议定村道路灯维修事项。"},
		}
		NewWithT(t).Eventually(func() error { return cadre.Create(context.Background(), record) }).
			WithTimeout(30*time.Second).Should(Succeed(), "publishing a record in %s once its tenant is provisioned", code)
	}
}

func as(t *testing.T, user string, groups ...string) client.Client {
	return env.ClientAs(t, user, groups...)
}

func task(ns, name, itemRef string, targets governancev1alpha1.TaskTargets) *governancev1alpha1.Task {
	return &governancev1alpha1.Task{
		ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: ns},
		Spec: governancev1alpha1.TaskSpec{Type: governancev1alpha1.TaskWork, Title: "2026年人口抽样调查入户协助", ItemRef: itemRef,
			VillageRole: governancev1alpha1.RoleAssist, Targets: targets, Due: "2026-12-31"},
	}
}

var all = governancev1alpha1.TaskTargets{All: true}

// cityGovernment decides emergencies that may reach the whole city (S6).
var cityGovernment = &governancev1alpha1.EmergencyIssuer{Name: "温州市人民政府 市长", Level: governancev1alpha1.IssuerCity}

func expectPhase(t *testing.T, ns, name string, phase governancev1alpha1.TaskPhase) *governancev1alpha1.Task {
	t.Helper()
	got := &governancev1alpha1.Task{}
	NewWithT(t).Eventually(func(g Gomega) {
		g.Expect(env.Client.Get(context.Background(), client.ObjectKey{Namespace: ns, Name: name}, got)).To(Succeed())
		g.Expect(got.Status.Phase).To(Equal(phase))
	}).WithTimeout(20 * time.Second).Should(Succeed())
	return got
}

func TestTasks(t *testing.T) {
	ctx := context.Background()
	g := NewWithT(t)
	census := item("l1-census-assist", "协助开展人口普查入户登记", governancev1alpha1.ListAdmission, governancev1alpha1.RoleAssist, "tjj", true, governancev1alpha1.Scope{})
	duties := item("l4-secretary-duties", "村党组织书记履职事项", governancev1alpha1.ListHeadDuty, "", "tjj", false, governancev1alpha1.Scope{})
	fire := item("l1-fire-safety", "组织开展消防安全宣传", governancev1alpha1.ListAdmission, governancev1alpha1.RoleUndertake, "xfj", true,
		governancev1alpha1.Scope{Counties: []string{"330302"}})
	for _, it := range []*governancev1alpha1.ListItem{census, duties, fire} {
		g.Expect(env.Client.Create(ctx, it)).To(Succeed())
		g.Expect(units.Approve(ctx, env.Client, it)).To(Succeed())
	}
	recordOnPlatform(t, gulou, xiaonan)
	// Every village holds a revision with all three items; the two on the
	// platform are exempt from paper ledgers (S11).
	g.Eventually(func(g Gomega) {
		for _, code := range []string{gulou, xiaonan, paperOnly} {
			v := &governancev1alpha1.Village{}
			g.Expect(env.Client.Get(ctx, client.ObjectKey{Name: code}, v)).To(Succeed())
			g.Expect(v.Status.PublishedRevision).NotTo(BeZero())
			g.Expect(v.Status.PaperLedgerExempt).To(Equal(code != paperOnly), "village %s", code)
			rev := &governancev1alpha1.ListRevision{}
			g.Expect(env.Client.Get(ctx, client.ObjectKey{Name: governancev1alpha1.RevisionName("", v.Status.PublishedRevision)}, rev)).To(Succeed())
			g.Expect(rev.Spec.Items).To(HaveLen(3), "village %s holds all three items", code)
		}
	}).WithTimeout(60 * time.Second).Should(Succeed())
	tjj, tjjWarnings := department(t, "tjj")

	t.Run("S1 a listed task is admitted and labelled with its department", func(t *testing.T) {
		g := NewWithT(t)
		tk := task("dept-tjj", "census-2026", census.Name, all)
		tk.Labels = map[string]string{governancev1alpha1.LabelDepartment: "xfj"} // forged: admission overwrites it
		g.Expect(tjj.Create(ctx, tk)).To(Succeed())
		got := expectPhase(t, "dept-tjj", "census-2026", governancev1alpha1.TaskAdmitted)
		g.Expect(got.Labels).To(HaveKeyWithValue(governancev1alpha1.LabelDepartment, "tjj"))
		g.Expect(got.Status.TargetVillages).To(Equal(int32(3)))
		g.Expect(meta.IsStatusConditionTrue(got.Status.Conditions, governancev1alpha1.ReadyCondition)).To(BeTrue())
	})

	t.Run("S1 an unlisted task is refused with the closest listed items", func(t *testing.T) {
		tk := task("dept-tjj", "census-extra", "census-extra-forms", all)
		tk.Spec.Title = "人口普查补充表格填报"
		testenv.ExpectRefused(t, tjj.Create(ctx, tk), "vtask.governance.cunshe.io",
			`Task.governance.cunshe.io "census-extra" is invalid: spec.itemRef: Not found: "census-extra-forms": `+
				`S1 清单之外无事项：清单中没有事项 "census-extra-forms"；最接近的清单事项：l1-census-assist（协助开展人口普查入户登记） / `+
				`nothing outside the lists: there is no list item "census-extra-forms"; closest listed items: l1-census-assist（协助开展人口普查入户登记）`)
	})

	t.Run("S2 villages that assist are not made to undertake", func(t *testing.T) {
		tk := task("dept-tjj", "census-undertake", census.Name, all)
		tk.Spec.VillageRole = governancev1alpha1.RoleUndertake
		testenv.ExpectRefused(t, tjj.Create(ctx, tk), "vtask.governance.cunshe.io",
			`Task.governance.cunshe.io "census-undertake" is invalid: spec.villageRole: Invalid value: "Undertake": `+
				`S2 事项 "l1-census-assist" 规定村（社区）只协助（Assist），不得要求其承担（Undertake），这是将部门职责转嫁给村（社区）；请改为 villageRole: Assist / `+
				`item "l1-census-assist" has villages Assist only; asking them to Undertake shifts the department's duty onto them — use villageRole: Assist`)
	})

	t.Run("S2 only the item's responsible departments assign it", func(t *testing.T) {
		xfj, _ := department(t, "xfj")
		tk := task("dept-xfj", "census-by-fire", census.Name, all)
		testenv.ExpectRefused(t, xfj.Create(ctx, tk), "vtask.governance.cunshe.io",
			`tasks.governance.cunshe.io "census-by-fire" is forbidden: spec.itemRef: Forbidden: `+
				`S2 部门 "xfj" 不是事项 "l1-census-assist" 的责任部门（tjj），不得据此派发任务；请由责任部门派发，或另行申请列入清单（S4） / `+
				`department "xfj" is not among item "l1-census-assist"'s responsible departments (tjj) and may not assign tasks under it; ask a responsible department, or apply for an item of your own (S4)`)
	})

	t.Run("S2 targets may not enlarge the item's scope", func(t *testing.T) {
		xfj, _ := department(t, "xfj")
		g := NewWithT(t)
		tk := task("dept-xfj", "fire-longwan", fire.Name, governancev1alpha1.TaskTargets{Counties: []string{"330303"}})
		err := xfj.Create(ctx, tk)
		g.Expect(err).To(MatchError(ContainSubstring(`S2 不得扩大事项范围：1 个目标村（社区）（如 330303101201 (330303, Village)）不在事项 "l1-fire-safety" 的适用范围（counties: 330302; types: Village, Community）内`)))
		tk = task("dept-xfj", "fire-lucheng", fire.Name, governancev1alpha1.TaskTargets{All: true})
		tk.Spec.VillageRole = governancev1alpha1.RoleUndertake
		g.Expect(xfj.Create(ctx, tk)).To(Succeed(), "all = every village in the item's scope")
		g.Expect(expectPhase(t, "dept-xfj", "fire-lucheng", governancev1alpha1.TaskAdmitted).Status.TargetVillages).To(Equal(int32(2)))
	})

	t.Run("S2 tasks are created in a department's namespace", func(t *testing.T) {
		testenv.ExpectRefused(t, as(t, "someone").Create(ctx, task("scratch", "stray", census.Name, all)), "vtask.governance.cunshe.io",
			`tasks.governance.cunshe.io "stray" is forbidden: metadata.namespace: Forbidden: S2 命名空间 "scratch" 没有部门标签 governance.cunshe.io/department，任务只能在部门的命名空间中创建 / `+
				`namespace "scratch" carries no governance.cunshe.io/department label; tasks are created in a department's namespace`)
	})

	t.Run("S11 no paper ledgers of villages on the platform", func(t *testing.T) {
		g := NewWithT(t)
		tk := task("dept-tjj", "ledger-check", census.Name, all)
		tk.Spec.Type = governancev1alpha1.TaskPaperLedgerInspection
		testenv.ExpectRefused(t, tjj.Create(ctx, tk), "vtask.governance.cunshe.io",
			`tasks.governance.cunshe.io "ledger-check" is forbidden: spec.type: Forbidden: `+
				`S11 2 个目标村（社区）（如 330302006001）已在智慧村社通平台留痕，不再检查纸质台账；请在平台上查阅，或从任务对象中去除这些村（社区） / `+
				`2 target villages (e.g. 330302006001) keep their records on the platform and are no longer asked for paper ledgers; inspect them on the platform, or leave them out of the targets`)
		tk.Spec.Targets = governancev1alpha1.TaskTargets{Villages: []string{paperOnly}}
		g.Expect(tjj.Create(ctx, tk)).To(Succeed(), "a village off the platform still keeps paper ledgers")
	})

	t.Run("S14 no exclusive use of rooms", func(t *testing.T) {
		tk := task("dept-tjj", "census-office", census.Name, all)
		tk.Spec.Type = governancev1alpha1.TaskExclusiveRoomUse
		testenv.ExpectRefused(t, tjj.Create(ctx, tk), "vtask.governance.cunshe.io",
			`tasks.governance.cunshe.io "census-office" is forbidden: spec.type: Forbidden: `+
				`S14 任何单位和部门不得对村（社区）场所作出排他性使用要求；场所一室多用，请改为在已列入清单的事项下派发工作任务 / `+
				`no department may demand exclusive use of a village room; rooms are multi-use — assign a Work task under a listed item instead`)
	})

	t.Run("S11 S14 S17 by what a Work task asks, not only by its type", func(t *testing.T) {
		g := NewWithT(t)
		tk := task("dept-tjj", "census-ledgers", census.Name, all)
		tk.Spec.Description = "入户登记后，各村建立纸质台账，按月报送。"
		testenv.ExpectRefused(t, tjj.Create(ctx, tk), "vtask.governance.cunshe.io",
			`tasks.governance.cunshe.io "census-ledgers" is forbidden: spec.requires: Forbidden: `+
				`S11 任务名称或说明含“纸质台账”，即要求纸质台账；请如实声明 spec.requires.paperLedgers（已在平台留痕的村（社区）不得要求）或修改表述 / `+
				`the task's title or description says “纸质台账”, which asks for paper ledgers; declare spec.requires.paperLedgers (villages that keep their records on the platform cannot be asked) or rephrase`)
		tk.Spec.Description = "入户登记后，在平台上填报登记结果。"
		g.Expect(tjj.Create(ctx, tk)).To(Succeed(), "the same task, asking only what its item allows")
	})

	t.Run("admissions are counted by decision and rule", func(t *testing.T) {
		g := NewWithT(t)
		g.Expect(testutil.ToFloat64(metrics.TaskAdmissions.WithLabelValues("denied", "S14", metrics.ActionEnforce))).To(BeNumerically(">=", 1))
		g.Expect(testutil.ToFloat64(metrics.TaskAdmissions.WithLabelValues("denied", "S11", metrics.ActionEnforce))).To(BeNumerically(">=", 1))
		g.Expect(testutil.ToFloat64(metrics.TaskAdmissions.WithLabelValues("allowed", "none", metrics.ActionEnforce))).To(BeNumerically(">=", 2))
	})

	t.Run("S17 only what residents need to know goes on walls", func(t *testing.T) {
		g := NewWithT(t)
		tk := task("dept-tjj", "duties-on-wall", duties.Name, all)
		tk.Spec.Type, tk.Spec.VillageRole = governancev1alpha1.TaskWallPosting, ""
		testenv.ExpectRefused(t, tjj.Create(ctx, tk), "vtask.governance.cunshe.io",
			`tasks.governance.cunshe.io "duties-on-wall" is forbidden: spec.type: Forbidden: `+
				`S17 事项 "l4-secretary-duties"（HeadDuty）不是群众需要知晓的服务事项或办事流程，内部制度、流程和职责清单不得要求上墙；请改用宣传册或电子屏 / `+
				`item "l4-secretary-duties" (HeadDuty) is not a service item or procedure residents need to know; internal rules, procedures and responsibility lists may not be required on walls — use a brochure or an electronic screen`)
		tk = task("dept-tjj", "census-poster", census.Name, all)
		tk.Spec.Type = governancev1alpha1.TaskWallPosting
		g.Expect(tjj.Create(ctx, tk)).To(Succeed())
	})

	t.Run("S6 an emergency is admitted with a warning, a default expiry, and expires by itself", func(t *testing.T) {
		g := NewWithT(t)
		tk := task("dept-tjj", "typhoon-evacuation", "", all)
		tk.Spec.Title = "台风“海葵”转移避险人员摸排"
		tk.Spec.Emergency = &governancev1alpha1.Emergency{Category: governancev1alpha1.EmergencyLifeSafety, Nature: governancev1alpha1.EmergencySudden,
			Issuer: cityGovernment, Justification: "台风“海葵”将于今夜登陆，需连夜摸排危旧房住户"}
		before := len(tjjWarnings.seen)
		g.Expect(tjj.Create(ctx, tk)).To(Succeed())
		g.Expect(tk.Spec.Emergency.Expires).NotTo(BeNil())
		g.Expect(tk.Spec.Emergency.Expires.Sub(tk.CreationTimestamp.Time)).To(BeNumerically("~", 7*24*time.Hour, 2*time.Second), "defaulted to 7 days")
		g.Expect(tjjWarnings.seen[before:]).To(ContainElement(HavePrefix("S6 紧急任务（LifeSafety）不受清单限制，至 ")))
		expectPhase(t, "dept-tjj", "typhoon-evacuation", governancev1alpha1.TaskAdmitted)
		g.Expect(testutil.ToFloat64(metrics.EmergencyTasks.WithLabelValues("tjj", "LifeSafety"))).To(Equal(1.0))
		g.Eventually(func(g Gomega) {
			events := &eventsv1.EventList{}
			g.Expect(env.Client.List(ctx, events, client.InNamespace("dept-tjj"))).To(Succeed())
			g.Expect(events.Items).To(ContainElement(And(HaveField("Reason", "EmergencyAdmitted"),
				HaveField("Regarding.Name", "typhoon-evacuation"), HaveField("Note", HavePrefix("S6 ")))))
		}).WithTimeout(15 * time.Second).Should(Succeed())

		tk = task("dept-tjj", "flood-40-days", "", all)
		tk.Spec.Emergency = &governancev1alpha1.Emergency{Category: governancev1alpha1.EmergencyPublicSafety, Nature: governancev1alpha1.EmergencySudden,
			Issuer: cityGovernment, Justification: "主汛期连续强降雨，需村（社区）值守巡查山塘水库",
			Expires: &metav1.Time{Time: time.Now().Add(40 * 24 * time.Hour)}}
		g.Expect(tjj.Create(ctx, tk)).To(MatchError(ContainSubstring("S6 紧急豁免最长 30 天")))

		// A real clock, shortened: an exemption of three seconds runs out while we watch.
		tk = task("dept-tjj", "gas-leak", "", governancev1alpha1.TaskTargets{Villages: []string{xiaonan}})
		tk.Spec.Title = "燃气泄漏疏散"
		tk.Spec.Emergency = &governancev1alpha1.Emergency{Category: governancev1alpha1.EmergencyPublicSafety, Nature: governancev1alpha1.EmergencySudden,
			Issuer: cityGovernment, Justification: "燃气泄漏，需疏散周边住户并设置警戒",
			Expires: &metav1.Time{Time: time.Now().Add(3 * time.Second)}}
		g.Expect(tjj.Create(ctx, tk)).To(Succeed())
		expired := expectPhase(t, "dept-tjj", "gas-leak", governancev1alpha1.TaskExpired)
		g.Expect(meta.FindStatusCondition(expired.Status.Conditions, governancev1alpha1.CompliantCondition).Reason).To(Equal(governancev1alpha1.ReasonEmergencyExpired))
	})

	t.Run("S8 a village reports a task; a review unit upholds it; the task is marked", func(t *testing.T) {
		g := NewWithT(t)
		ns := governancev1alpha1.TenantNamespaceName(xiaonan)
		report := &governancev1alpha1.Report{ObjectMeta: metav1.ObjectMeta{Name: "census-extra-forms", Namespace: ns},
			Spec: governancev1alpha1.ReportSpec{Reason: governancev1alpha1.ReportReasonScopeEnlarged,
				TaskRef: &governancev1alpha1.TaskReference{Namespace: "dept-tjj", Name: "census-2026"},
				Details: "要求村里额外填写五张统计报表，超出协助入户登记的范围"}}
		neighbour := as(t, "cadre-gulou", "cunshe:village:"+gulou)
		testenv.ExpectRefused(t, neighbour.Create(ctx, report.DeepCopy()), "vreport.governance.cunshe.io",
			`villagereports.governance.cunshe.io "census-extra-forms" is forbidden: metadata.namespace: Forbidden: `+
				`S8 用户 "cadre-gulou" 不属于 cunshe:village:330302101201 组，只有本村（社区）干部可以提交本村（社区）的反映 / `+
				`user "cadre-gulou" is not in group cunshe:village:330302101201; only the village's own cadres file its reports`)
		cadre := as(t, "cadre-xiaonan", "cunshe:village:"+xiaonan)
		g.Expect(cadre.Create(ctx, report)).To(Succeed())
		g.Expect(report.Annotations).To(HaveKeyWithValue(governancev1alpha1.AnnotationCreatedBy, "cadre-xiaonan"))

		g.Expect(cadre.Delete(ctx, report)).To(MatchError(ContainSubstring(`S8 反映 "census-extra-forms" 尚在处理中（Filed），联审单位作出认定前不得删除`)))

		decision := func(name string, outcome governancev1alpha1.DecisionOutcome, findings string) *governancev1alpha1.ReportDecision {
			return &governancev1alpha1.ReportDecision{ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: ns},
				Spec: governancev1alpha1.ReportDecisionSpec{Report: report.Name, Unit: "mzj", Outcome: outcome, Findings: findings}}
		}
		testenv.ExpectRefused(t, as(t, "tjj-clerk", "cunshe:dept:tjj").Create(ctx, decision("census-extra-forms.tjj", governancev1alpha1.OutcomeDismissed, "无此事")), "vreportdecision.governance.cunshe.io",
			`reportdecisions.governance.cunshe.io "census-extra-forms.tjj" is forbidden: spec.unit: Forbidden: `+
				`S8 用户 "tjj-clerk" 不属于联审单位 "mzj" 的成员组 cunshe:unit:mzj，不能代表其作出处理意见 / `+
				`user "tjj-clerk" is not in review unit "mzj"'s group cunshe:unit:mzj and cannot decide for it`)
		member := as(t, "mzj-inspector", "cunshe:unit:mzj")
		g.Expect(member.Create(ctx, decision("census-extra-forms.mzj", governancev1alpha1.OutcomeInvestigating, ""))).To(Succeed())
		time.Sleep(1100 * time.Millisecond) // creation timestamps have second precision: keep the order unambiguous
		g.Expect(member.Create(ctx, decision("census-extra-forms.mzj-2", governancev1alpha1.OutcomeUpheld,
			"经核查，统计局要求村里填报的五张报表不在准入事项范围内，属实"))).To(Succeed())

		got := &governancev1alpha1.Report{}
		g.Eventually(func(g Gomega) {
			g.Expect(env.Client.Get(ctx, client.ObjectKeyFromObject(report), got)).To(Succeed())
			g.Expect(got.Status.Phase).To(Equal(governancev1alpha1.ReportUpheld))
		}).WithTimeout(20 * time.Second).Should(Succeed())
		g.Expect(got.Status.Department).To(Equal("tjj"))
		g.Expect(got.Status.Decisions).To(HaveLen(2))
		g.Expect(got.Status.Decisions[0].Outcome).To(Equal(governancev1alpha1.OutcomeInvestigating))
		g.Expect(got.Status.Decisions[1].By).To(Equal("mzj-inspector"))

		marked := expectPhase(t, "dept-tjj", "census-2026", governancev1alpha1.TaskViolation)
		g.Expect(meta.IsStatusConditionTrue(marked.Status.Conditions, governancev1alpha1.ViolationCondition)).To(BeTrue())
		g.Eventually(func(g Gomega) {
			events := &eventsv1.EventList{}
			g.Expect(env.Client.List(ctx, events, client.InNamespace("dept-tjj"))).To(Succeed())
			g.Expect(events.Items).To(ContainElement(And(
				HaveField("Reason", "ReportUpheld"), HaveField("Regarding.Name", "census-2026"),
				HaveField("Note", ContainSubstring("S19 通报")))))
		}).WithTimeout(15 * time.Second).Should(Succeed())

		// The durable notice (通报, S19): one, however often the report is reconciled.
		noticeOf := func(g Gomega) []governancev1alpha1.PublicNotice {
			notices := &governancev1alpha1.PublicNoticeList{}
			g.Expect(env.Client.List(ctx, notices)).To(Succeed())
			var mine []governancev1alpha1.PublicNotice
			for _, n := range notices.Items {
				if src := n.Spec.Source; src != nil && src.Kind == "Report" && src.Namespace == ns && src.Name == report.Name {
					mine = append(mine, n)
				}
			}
			return mine
		}
		g.Eventually(func(g Gomega) {
			notices := noticeOf(g)
			g.Expect(notices).To(HaveLen(1))
			n := notices[0]
			g.Expect(n.Name).To(Equal("report-village-330302101201-census-extra-forms"))
			g.Expect(n.Spec.Kind).To(Equal(governancev1alpha1.NoticeReportUpheld))
			g.Expect(n.Spec.Rule).To(Equal("S8"))
			g.Expect(n.Spec.Department).To(Equal("tjj"))
			g.Expect(n.Spec.Villages).To(Equal([]string{xiaonan}))
			g.Expect(n.Spec.Title).To(Equal("关于 tjj 向"+testenv.Village(xiaonan, governancev1alpha1.TypeVillage).Spec.Name+"（"+xiaonan+"）摊派清单外事项的通报"),
				"the title names the village as residents know it")
			g.Expect(n.Spec.Text).To(HavePrefix("S19 通报：村（社区）反映 village-330302101201/census-extra-forms"))
			g.Expect(n.Spec.Text).To(ContainSubstring(" / notice: the village's report village-330302101201/census-extra-forms"))
			g.Expect(n.Status.Active).To(BeTrue())
		}).WithTimeout(20 * time.Second).Should(Succeed())
		passes := testenv.Passes(t, "report")
		touched := got.DeepCopy()
		touched.Labels = map[string]string{"touched": "1"} // another pass of the report controller
		g.Expect(env.Client.Patch(ctx, touched, client.MergeFrom(got))).To(Succeed())
		testenv.WaitForPass(t, "report", passes)
		g.Expect(noticeOf(g)).To(HaveLen(1), "the pass over the upheld report made no second notice")

		g.Expect(member.Delete(ctx, decision("census-extra-forms.mzj", "", ""))).To(MatchError(ContainSubstring("须留档备查，不得删除")))
		changed := &governancev1alpha1.ReportDecision{}
		g.Expect(env.Client.Get(ctx, client.ObjectKey{Namespace: ns, Name: "census-extra-forms.mzj"}, changed)).To(Succeed())
		changed.Spec.Outcome = governancev1alpha1.OutcomeDismissed
		changed.Spec.Findings = "改为不属实"
		g.Expect(env.Client.Update(ctx, changed)).To(MatchError(ContainSubstring("S8 处理意见提交后不可修改，请另行提交新的处理意见 / S8: a decision is immutable; create a new one instead")))
		g.Expect(cadre.Delete(ctx, got)).To(MatchError(ContainSubstring("S19 反映 \"census-extra-forms\" 已被认定属实，是部门违规的记录，不得删除")))
	})

	t.Run("S19 the department's compliance summary counts it", func(t *testing.T) {
		g := NewWithT(t)
		g.Eventually(func(g Gomega) {
			dc := &governancev1alpha1.DepartmentCompliance{}
			g.Expect(env.Client.Get(ctx, client.ObjectKey{Name: "tjj"}, dc)).To(Succeed())
			g.Expect(dc.Status.Violations).To(Equal(int32(1)), "%+v", dc.Status)
			g.Expect(dc.Status.Expired).To(Equal(int32(1)))
			g.Expect(dc.Status.Emergencies).To(Equal(int32(1)))
			g.Expect(dc.Status.Findings).To(ContainElement(HaveField("Object", "dept-tjj/census-2026")))
			g.Expect(meta.IsStatusConditionFalse(dc.Status.Conditions, governancev1alpha1.CompliantCondition)).To(BeTrue())
		}).WithTimeout(20 * time.Second).Should(Succeed())
	})

	t.Run("S7 the audit flags a task whose item is retired", func(t *testing.T) {
		g := NewWithT(t)
		fireItem := &governancev1alpha1.ListItem{}
		g.Expect(env.Client.Get(ctx, client.ObjectKey{Name: fire.Name}, fireItem)).To(Succeed())
		fireItem.Spec.Retirement = &governancev1alpha1.Retirement{Reason: "职责已调整至应急管理部门", Effective: time.Now().Format("2006-01-02")}
		g.Expect(env.Client.Update(ctx, fireItem)).To(Succeed())
		flagged := expectPhase(t, "dept-xfj", "fire-lucheng", governancev1alpha1.TaskNonCompliant)
		g.Expect(flagged.Status.Findings).To(ConsistOf(ContainSubstring(`S7 事项 "l1-fire-safety" 已退出清单`)))
		g.Eventually(func(g Gomega) {
			events := &eventsv1.EventList{}
			g.Expect(env.Client.List(ctx, events, client.InNamespace("dept-xfj"))).To(Succeed())
			g.Expect(events.Items).To(ContainElement(HaveField("Reason", "NotOnLists")))
			dc := &governancev1alpha1.DepartmentCompliance{}
			g.Expect(env.Client.Get(ctx, client.ObjectKey{Name: "xfj"}, dc)).To(Succeed())
			g.Expect(dc.Status.NonCompliant).To(Equal(int32(1)))
		}).WithTimeout(20 * time.Second).Should(Succeed())
		g.Expect(testutil.ToFloat64(metrics.AuditFindings.WithLabelValues("xfj", "S7"))).To(Equal(1.0))
		g.Expect(testutil.ToFloat64(metrics.DepartmentTasks.WithLabelValues("xfj", "NonCompliant"))).To(Equal(1.0))
	})

	t.Run("S7 a flagged task can be relabelled, not changed: its standing is the audit's", func(t *testing.T) {
		g := NewWithT(t)
		xfj, _ := department(t, "xfj")
		key := client.ObjectKey{Namespace: "dept-xfj", Name: "fire-lucheng"}
		tk := &governancev1alpha1.Task{}
		g.Expect(xfj.Get(ctx, key, tk)).To(Succeed())
		tk.Labels["team"] = "patrol"                          // a pipeline's own label
		tk.Labels[governancev1alpha1.LabelDepartment] = "tjj" // forged: admission sets it again
		g.Expect(xfj.Update(ctx, tk)).To(Succeed(), "an update that asks villages nothing new is not judged again")
		got := expectPhase(t, "dept-xfj", "fire-lucheng", governancev1alpha1.TaskNonCompliant)
		g.Expect(got.Labels).To(HaveKeyWithValue("team", "patrol"))
		g.Expect(got.Labels).To(HaveKeyWithValue(governancev1alpha1.LabelDepartment, "xfj"))
		got.Spec.Title += "（补充）"
		g.Expect(xfj.Update(ctx, got)).To(MatchError(ContainSubstring(`S7 事项 "l1-fire-safety" 已退出清单`)))
	})

	t.Run("a demand outside any task is reported against a known department", func(t *testing.T) {
		g := NewWithT(t)
		ns := governancev1alpha1.TenantNamespaceName(gulou)
		cadre := as(t, "cadre-gulou", "cunshe:village:"+gulou)
		demand := &governancev1alpha1.Report{ObjectMeta: metav1.ObjectMeta{Name: "phone-demand", Namespace: ns},
			Spec: governancev1alpha1.ReportSpec{Reason: governancev1alpha1.ReportReasonNotListed,
				Demand: &governancev1alpha1.Demand{Department: "nosuch", Description: "电话要求社区每日上报辖区商铺巡查照片", Date: "2026-11-20"}}}
		err := cadre.Create(ctx, demand.DeepCopy())
		g.Expect(apierrors.IsInvalid(err)).To(BeTrue(), "%v", err)
		g.Expect(err.Error()).To(ContainSubstring("S8 没有标签为 governance.cunshe.io/department=nosuch 的部门命名空间"))
		demand.Spec.Demand.Department = "xfj"
		g.Expect(cadre.Create(ctx, demand)).To(Succeed())
		g.Eventually(func(g Gomega) {
			got := &governancev1alpha1.Report{}
			g.Expect(env.Client.Get(ctx, client.ObjectKeyFromObject(demand), got)).To(Succeed())
			g.Expect(got.Status.Phase).To(Equal(governancev1alpha1.ReportFiled))
			g.Expect(got.Status.Department).To(Equal("xfj"))
			dc := &governancev1alpha1.DepartmentCompliance{}
			g.Expect(env.Client.Get(ctx, client.ObjectKey{Name: "xfj"}, dc)).To(Succeed())
			g.Expect(dc.Status.Reports.Open).To(Equal(int32(1)))
		}).WithTimeout(20 * time.Second).Should(Succeed())
		g.Expect(strings.Join(tjjWarnings.seen, "\n")).NotTo(ContainSubstring("panic"))
	})

	t.Run("S6 an emergency's default exemption runs out after 7 days (injected clock)", func(t *testing.T) {
		g := NewWithT(t)
		tk := task("dept-tjj", "flood-patrol", "", governancev1alpha1.TaskTargets{Counties: []string{"330302"}})
		tk.Spec.Title = "强降雨内涝巡查"
		tk.Spec.Emergency = &governancev1alpha1.Emergency{Category: governancev1alpha1.EmergencyPropertySafety, Nature: governancev1alpha1.EmergencySudden,
			Issuer: cityGovernment, Justification: "强降雨致内涝，巡查低洼地带商铺和仓库"}
		g.Expect(tjj.Create(ctx, tk)).To(Succeed())
		expectPhase(t, "dept-tjj", "flood-patrol", governancev1alpha1.TaskAdmitted)
		advance(7*24*time.Hour + time.Minute)
		defer advance(-(7*24*time.Hour + time.Minute))
		// The audit's timer is set for the real week; a change of the task
		// makes it look again, with the moved clock.
		patch := client.MergeFrom(tk.DeepCopy())
		tk.Labels["touched"] = "1"
		g.Expect(env.Client.Patch(ctx, tk, patch)).To(Succeed())
		expectPhase(t, "dept-tjj", "flood-patrol", governancev1alpha1.TaskExpired)
	})
}
