// Package emergencies tests that emergencies are accountable (S6, S19) end
// to end on a real control plane with the operator running: admission
// refuses an emergency that does not say what it is and who decided it, or
// that reaches beyond the department or the issuer; every exemption is
// recorded in an EmergencyExemption that outlives its task, so deleting and
// recreating the task renews nothing; the review units ratify or reject it
// once it has ended (kubectl cunshe ratify, as a member), and one left
// unratified counts against the department.
package emergencies_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	. "github.com/onsi/gomega"
	corev1 "k8s.io/api/core/v1"
	eventsv1 "k8s.io/api/events/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	governancev1alpha1 "github.com/cunshe/cunshe-operator/api/v1alpha1"
	"github.com/cunshe/cunshe-operator/internal/cli"
	"github.com/cunshe/cunshe-operator/internal/testenv"
)

var env *testenv.Env

// The villages: two in 鹿城区 (330302), one in 龙湾区 (330303).
const (
	gulou   = "330302006001"
	xiaonan = "330302101201"
	longwan = "330303101201"
)

// clock is the manager's clock for admission and the controllers: real
// time plus an offset the test moves forward (never back: the records'
// standing follows it).
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
	testenv.Run(m, testenv.Options{Manager: true, Setup: seed, Now: now}, &env)
}

// seed: the four review units; the city departments yjj (应急管理局) and
// sfj (司法局); 鹿城区's own emergency department lc-yjj (a county
// department: its namespace carries the county label); three villages.
// Every authenticated user may write tasks and the records' kinds, so that
// what is refused here is admission's refusal, not RBAC's.
func seed(c client.Client) error {
	ctx := context.Background()
	if _, err := testenv.CreateReviewUnits(ctx, c); err != nil {
		return err
	}
	for _, d := range []string{"yjj", "sfj"} {
		if err := testenv.CreateDepartment(ctx, c, d); err != nil {
			return err
		}
	}
	objs := []client.Object{
		&corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "dept-lc-yjj", Labels: map[string]string{
			governancev1alpha1.LabelDepartment: "lc-yjj", governancev1alpha1.LabelCounty: "330302"}}},
		testenv.Village(gulou, governancev1alpha1.TypeCommunity), testenv.Village(xiaonan, governancev1alpha1.TypeVillage),
		testenv.Village(longwan, governancev1alpha1.TypeVillage),
		&rbacv1.ClusterRole{ObjectMeta: metav1.ObjectMeta{Name: "test-emergencies"}, Rules: []rbacv1.PolicyRule{{
			APIGroups: []string{governancev1alpha1.GroupVersion.Group}, Resources: []string{"tasks", "emergencyexemptions", "emergencydecisions"},
			Verbs: []string{"get", "list", "watch", "create", "update", "patch", "delete"}}}},
		&rbacv1.ClusterRoleBinding{ObjectMeta: metav1.ObjectMeta{Name: "test-emergencies"},
			RoleRef:  rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: "ClusterRole", Name: "test-emergencies"},
			Subjects: []rbacv1.Subject{{APIGroup: rbacv1.GroupName, Kind: rbacv1.GroupKind, Name: "system:authenticated"}}},
	}
	for _, o := range objs {
		if err := c.Create(ctx, o); err != nil {
			return err
		}
	}
	return nil
}

func clerk(t *testing.T, dept string) client.Client {
	return env.ClientAs(t, dept+"-clerk", "cunshe:dept:"+dept)
}

// emergency is a task of the department's namespace that claims the S6
// exemption, decided at level by its issuer, until expires.
func emergency(ns, name, title string, targets governancev1alpha1.TaskTargets, level governancev1alpha1.IssuerLevel, expires time.Time) *governancev1alpha1.Task {
	return &governancev1alpha1.Task{
		ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: ns},
		Spec: governancev1alpha1.TaskSpec{Type: governancev1alpha1.TaskWork, Title: title, Targets: targets, Due: "2026-12-31",
			Emergency: &governancev1alpha1.Emergency{Category: governancev1alpha1.EmergencyPublicSafety, Nature: governancev1alpha1.EmergencySudden,
				Issuer:        &governancev1alpha1.EmergencyIssuer{Name: "应急管理局局长 陈立", Level: level},
				Justification: "连续强降雨致低洼地带积水，需村（社区）协助巡查转移",
				Expires:       &metav1.Time{Time: expires.Truncate(time.Second)}}},
	}
}

func villages(codes ...string) governancev1alpha1.TaskTargets {
	return governancev1alpha1.TaskTargets{Villages: codes}
}

// expectAbsent: a refused create stored nothing.
func expectAbsent(t *testing.T, obj client.Object) {
	t.Helper()
	err := env.Client.Get(context.Background(), client.ObjectKeyFromObject(obj), obj)
	if !apierrors.IsNotFound(err) {
		t.Errorf("%s/%s: want not found after the refusal, got %v", obj.GetNamespace(), obj.GetName(), err)
	}
}

// recordOf waits for the task's EmergencyExemption and its first standing.
func recordOf(t *testing.T, task *governancev1alpha1.Task) *governancev1alpha1.EmergencyExemption {
	t.Helper()
	var rec *governancev1alpha1.EmergencyExemption
	NewWithT(t).Eventually(func(g Gomega) {
		list := &governancev1alpha1.EmergencyExemptionList{}
		g.Expect(env.Client.List(context.Background(), list, client.InNamespace(task.Namespace),
			client.MatchingLabels{governancev1alpha1.LabelTaskUID: string(task.UID)})).To(Succeed())
		g.Expect(list.Items).To(HaveLen(1))
		g.Expect(list.Items[0].Status.Phase).NotTo(BeEmpty())
		rec = &list.Items[0]
	}).WithTimeout(20 * time.Second).Should(Succeed())
	return rec
}

// expectPhase touches the record (the clock moved: its timer is set for
// real time) and waits for the phase.
func expectPhase(t *testing.T, rec *governancev1alpha1.EmergencyExemption, phase governancev1alpha1.ExemptionPhase) *governancev1alpha1.EmergencyExemption {
	t.Helper()
	ctx := context.Background()
	got := &governancev1alpha1.EmergencyExemption{}
	g := NewWithT(t)
	g.Expect(env.Client.Get(ctx, client.ObjectKeyFromObject(rec), got)).To(Succeed())
	patch := client.MergeFrom(got.DeepCopy())
	got.Labels["touched"] = fmt.Sprint(time.Now().UnixNano())
	g.Expect(env.Client.Patch(ctx, got, patch)).To(Succeed())
	g.Eventually(func(g Gomega) {
		g.Expect(env.Client.Get(ctx, client.ObjectKeyFromObject(rec), got)).To(Succeed())
		g.Expect(got.Status.Phase).To(Equal(phase))
	}).WithTimeout(20 * time.Second).Should(Succeed())
	return got
}

func TestEmergencies(t *testing.T) {
	ctx := context.Background()
	yjj, lcyjj := clerk(t, "yjj"), clerk(t, "lc-yjj")
	soon := now().Add(48 * time.Hour)

	t.Run("S6 an emergency that names neither its nature nor its issuer is refused in both languages", func(t *testing.T) {
		tk := emergency("dept-yjj", "waterlogging", "低洼地带积水巡查", villages(gulou), governancev1alpha1.IssuerDepartment, soon)
		tk.Spec.Emergency.Nature, tk.Spec.Emergency.Issuer = "", nil
		testenv.ExpectRefused(t, yjj.Create(ctx, tk), "vtask.governance.cunshe.io",
			`Task.governance.cunshe.io "waterlogging" is invalid: [`+
				`spec.emergency.nature: Required value: S6 紧急任务须写明事件性质（nature）：Sudden（突发性）或 Mass（群体性） / an emergency task names its nature: Sudden or Mass, `+
				`spec.emergency.issuer: Required value: S6 紧急任务须写明决定人（issuer）：姓名职务（name）和层级（level：Department 部门主要负责人、County 县级人民政府、City 市人民政府） / `+
				`an emergency task names who decided it (issuer): name and post (name) and level (level: Department, County or City)]`)
		expectAbsent(t, tk)
	})

	t.Run("S6 a category the notice does not name is refused by the schema in both languages", func(t *testing.T) {
		tk := emergency("dept-yjj", "heatwave", "高温天气巡查", villages(gulou), governancev1alpha1.IssuerDepartment, soon)
		tk.Spec.Emergency.Category = "Weather"
		err := yjj.Create(ctx, tk)
		NewWithT(t).Expect(err).To(MatchError(`Task.governance.cunshe.io "heatwave" is invalid: spec.emergency.category: Invalid value: "Weather": ` +
			`S6 紧急类别须为通知所列之一：LifeSafety（生命安全）、PropertySafety（财产安全）、PublicSafety（公共安全） / the category must be one the notice names: LifeSafety, PropertySafety or PublicSafety`))
		expectAbsent(t, tk)
	})

	t.Run("S6 a citywide emergency needs the city government", func(t *testing.T) {
		tk := emergency("dept-yjj", "citywide-patrol", "全市积水点巡查", governancev1alpha1.TaskTargets{All: true}, governancev1alpha1.IssuerDepartment, soon)
		testenv.ExpectRefused(t, yjj.Create(ctx, tk), "vtask.governance.cunshe.io",
			`tasks.governance.cunshe.io "citywide-patrol" is forbidden: spec.emergency.issuer.level: Forbidden: `+
				`S6 紧急任务覆盖全市，须由市人民政府决定：issuer.level 须为 City，现为 Department（部门主要负责人） / `+
				`the emergency reaches the whole city, which the city government decides: issuer.level must be City, not Department`)
		expectAbsent(t, tk)

		tk = emergency("dept-yjj", "both-counties", "两区积水点巡查", governancev1alpha1.TaskTargets{Counties: []string{"330302", "330303"}}, governancev1alpha1.IssuerCounty, soon)
		NewWithT(t).Expect(yjj.Create(ctx, tk)).To(MatchError(ContainSubstring("S6 紧急任务覆盖全市，须由市人民政府决定：issuer.level 须为 City，现为 County（县级人民政府）")),
			"every county of the city is the whole city")
		expectAbsent(t, tk)
	})

	t.Run("S6 a county department's emergency stays in its county", func(t *testing.T) {
		tk := emergency("dept-lc-yjj", "longwan-patrol", "龙湾区积水点巡查", villages(xiaonan, longwan), governancev1alpha1.IssuerCounty, soon)
		testenv.ExpectRefused(t, lcyjj.Create(ctx, tk), "vtask.governance.cunshe.io",
			`tasks.governance.cunshe.io "longwan-patrol" is forbidden: spec.targets: Forbidden: `+
				`S6 紧急任务不得超出部门的职责范围（县（市、区）330302）：1 个目标村（社区）（如 330303101201 (330303)）不在其内；请只派发给本部门负责的村（社区），更大范围的紧急事项由上级决定并派发 / `+
				`an emergency may not reach beyond the department's responsibility (county 330302): 1 target villages (e.g. 330303101201 (330303)) lie outside it; `+
				`target only the villages the department answers for — a wider emergency is decided and assigned by the level above`)
		expectAbsent(t, tk)
	})

	t.Run("S6 deleting and recreating the task renews nothing: the record stays and holds", func(t *testing.T) {
		g := NewWithT(t)
		lucheng := governancev1alpha1.TaskTargets{Counties: []string{"330302"}}
		tk := emergency("dept-lc-yjj", "waterlogging-patrol", "鹿城区积水点巡查", lucheng, governancev1alpha1.IssuerCounty, soon)
		g.Expect(lcyjj.Create(ctx, tk)).To(Succeed())
		g.Expect(tk.Finalizers).To(ContainElement(governancev1alpha1.FinalizerEmergencyRecord))
		g.Expect(tk.Spec.Emergency.Subject).To(Equal("鹿城区积水点巡查"), "the title, defaulted")
		rec := recordOf(t, tk)
		g.Expect(rec.Spec.Department).To(Equal("lc-yjj"))
		g.Expect(rec.Spec.Scope).To(Equal(lucheng))
		g.Expect(rec.Spec.Issuer).To(Equal(tk.Spec.Emergency.Issuer))
		g.Expect(rec.Spec.Start).To(Equal(tk.CreationTimestamp))
		g.Expect(rec.Spec.Expires).To(Equal(*tk.Spec.Emergency.Expires))
		g.Expect(rec.Spec.Villages).To(Equal(int32(2)))
		g.Expect(rec.Status.Phase).To(Equal(governancev1alpha1.ExemptionActive))
		until := rec.Spec.Expires.UTC().Format(time.RFC3339)

		longer := &governancev1alpha1.Task{}
		g.Expect(env.Client.Get(ctx, client.ObjectKeyFromObject(tk), longer)).To(Succeed())
		longer.Spec.Emergency.Expires = &metav1.Time{Time: soon.Add(24 * time.Hour).Truncate(time.Second)}
		testenv.ExpectRefused(t, lcyjj.Update(ctx, longer), "vtask.governance.cunshe.io",
			`Task.governance.cunshe.io "waterlogging-patrol" is invalid: spec.emergency.expires: Invalid value: "`+longer.Spec.Emergency.Expires.UTC().Format(time.RFC3339)+`": `+
				`S6 紧急豁免不能延长：记录 dept-lc-yjj/`+rec.Name+` 的截止时间为 `+until+`；更长的工作须列入清单 / `+
				`an emergency exemption cannot be extended: record dept-lc-yjj/`+rec.Name+` ends at `+until+`; longer work must be put on the lists`)
		stored := &governancev1alpha1.Task{}
		g.Expect(env.Client.Get(ctx, client.ObjectKeyFromObject(tk), stored)).To(Succeed())
		g.Expect(stored.Spec.Emergency.Expires.Time).To(BeTemporally("==", tk.Spec.Emergency.Expires.Time), "the refused update changed nothing")

		g.Expect(lcyjj.Delete(ctx, tk)).To(Succeed())
		g.Eventually(func() bool {
			return apierrors.IsNotFound(env.Client.Get(ctx, client.ObjectKeyFromObject(tk), &governancev1alpha1.Task{}))
		}).WithTimeout(20*time.Second).Should(BeTrue(), "the finalizer goes once the record exists")

		again := emergency("dept-lc-yjj", "waterlogging-patrol", "鹿城区积水点巡查", lucheng, governancev1alpha1.IssuerCounty, now().Add(7*24*time.Hour))
		refusal := `tasks.governance.cunshe.io "waterlogging-patrol" is forbidden: spec.emergency: Forbidden: ` +
			`S6 部门 lc-yjj 已有同一主题（鹿城区积水点巡查）、范围重叠的紧急豁免 dept-lc-yjj/` + rec.Name + `（任务 waterlogging-patrol，至 ` + until + `）；` +
			`同一主题、同一范围同一时间只能有一项紧急豁免，删除重建任务不会重新计时 / ` +
			`department lc-yjj already holds an emergency exemption for the same subject (鹿城区积水点巡查) and an overlapping scope: dept-lc-yjj/` + rec.Name +
			` (task waterlogging-patrol, until ` + until + `); one emergency per subject and scope at a time — deleting and recreating a task does not renew it`
		testenv.ExpectRefused(t, lcyjj.Create(ctx, again), "vtask.governance.cunshe.io", refusal)
		expectAbsent(t, again)

		renamed := emergency("dept-lc-yjj", "waterlogging-patrol-2", "鹿城区 积水点巡查", villages(gulou), governancev1alpha1.IssuerCounty, soon)
		NewWithT(t).Expect(lcyjj.Create(ctx, renamed)).To(MatchError(ContainSubstring("S6 部门 lc-yjj 已有同一主题（鹿城区积水点巡查）、范围重叠的紧急豁免 dept-lc-yjj/"+rec.Name)),
			"another name, the same subject written otherwise, one village of the county")
		expectAbsent(t, renamed)

		err := env.Client.Delete(ctx, rec)
		NewWithT(t).Expect(err).To(MatchError(`admission webhook "vemergencyexemption.governance.cunshe.io" denied the request: ` +
			`emergencyexemptions.governance.cunshe.io "` + rec.Name + `" is forbidden: metadata.name: Forbidden: ` +
			`S6 紧急豁免记录 "` + rec.Name + `" 须留档备查，不得删除（删除任务也不会删除记录） / ` +
			`emergency exemption "` + rec.Name + `" stays on record and cannot be deleted (deleting its task does not delete it either)`))
		changed := rec.DeepCopy()
		changed.Spec.Expires = metav1.Time{Time: rec.Spec.Expires.Add(-time.Hour)}
		NewWithT(t).Expect(env.Client.Update(ctx, changed)).To(MatchError(ContainSubstring("S6 紧急豁免记录不可修改 / an emergency exemption's record cannot be changed")))
		kept := &governancev1alpha1.EmergencyExemption{}
		g.Expect(env.Client.Get(ctx, client.ObjectKeyFromObject(rec), kept)).To(Succeed())
		g.Expect(kept.Spec).To(Equal(rec.Spec), "the record is what it was after every refusal")
	})

	t.Run("S6 only members of a review unit ratify, and only once the exemption has ended", func(t *testing.T) {
		g := NewWithT(t)
		tk := emergency("dept-yjj", "gas-evacuation", "燃气泄漏疏散", villages(gulou), governancev1alpha1.IssuerDepartment, now().Add(time.Hour))
		tk.Spec.Emergency.Category = governancev1alpha1.EmergencyLifeSafety
		g.Expect(yjj.Create(ctx, tk)).To(Succeed())
		rec := recordOf(t, tk)
		member := env.ClientAs(t, "li.mzj", "cunshe:unit:mzj")
		decision := func(name string, by client.Client) (*governancev1alpha1.EmergencyDecision, error) {
			d := &governancev1alpha1.EmergencyDecision{ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: "dept-yjj"},
				Spec: governancev1alpha1.EmergencyDecisionSpec{Exemption: rec.Name, Unit: "mzj", Outcome: governancev1alpha1.EmergencyRatified}}
			return d, by.Create(ctx, d)
		}
		early, err := decision(rec.Name+".mzj", member)
		testenv.ExpectRefused(t, err, "vemergencydecision.governance.cunshe.io",
			`emergencydecisions.governance.cunshe.io "`+rec.Name+`.mzj" is forbidden: spec.exemption: Forbidden: `+
				`S6 紧急豁免 `+rec.Name+` 至 `+rec.Spec.Expires.UTC().Format(time.RFC3339)+` 才结束，结束后方可追认或否决 / `+
				`emergency exemption `+rec.Name+` runs until `+rec.Spec.Expires.UTC().Format(time.RFC3339)+`; it is ratified or rejected once it has ended`)
		expectAbsent(t, early)

		advance(2 * time.Hour)
		expectPhase(t, rec, governancev1alpha1.ExemptionAwaitingRatification)
		byDept, err := decision(rec.Name+".yjj", yjj)
		testenv.ExpectRefused(t, err, "vemergencydecision.governance.cunshe.io",
			`emergencydecisions.governance.cunshe.io "`+rec.Name+`.yjj" is forbidden: spec.unit: Forbidden: `+
				`S6 用户 "yjj-clerk" 不属于联审单位 "mzj" 的成员组 cunshe:unit:mzj，不能代表其追认或否决紧急豁免 / `+
				`user "yjj-clerk" is not in review unit "mzj"'s group cunshe:unit:mzj and cannot ratify or reject for it`)
		expectAbsent(t, byDept)

		out := ratify(t, rec.Name, "-n", "dept-yjj", "--unit", "mzj", "--outcome", "Ratified", "--reason", "燃气泄漏属实，疏散及时，范围得当",
			"--as", "li.mzj", "--as-group", "cunshe:unit:mzj", "-o", "json")
		var list struct {
			Kind  string `json:"kind"`
			Items []json.RawMessage
		}
		g.Expect(json.Unmarshal([]byte(out), &list)).To(Succeed(), out)
		g.Expect(list.Kind).To(Equal("List"))
		g.Expect(list.Items).To(HaveLen(2), "the decision and the exemption")
		got := &governancev1alpha1.EmergencyExemption{}
		g.Expect(json.Unmarshal(list.Items[1], got)).To(Succeed())
		g.Expect(got.Status.Phase).To(Equal(governancev1alpha1.ExemptionRatified))
		g.Expect(got.Status.Decisions).To(ConsistOf(And(HaveField("Unit", "mzj"), HaveField("Outcome", governancev1alpha1.EmergencyRatified),
			HaveField("By", "li.mzj"), HaveField("Reason", "燃气泄漏属实，疏散及时，范围得当"))))
		g.Expect(meta.IsStatusConditionTrue(got.Status.Conditions, governancev1alpha1.ReadyCondition)).To(BeTrue())

		stored := &governancev1alpha1.EmergencyDecision{}
		g.Expect(env.Client.Get(ctx, client.ObjectKey{Namespace: "dept-yjj", Name: rec.Name + ".mzj"}, stored)).To(Succeed())
		NewWithT(t).Expect(member.Delete(ctx, stored)).To(MatchError(ContainSubstring(
			`S6 追认或否决意见 "` + rec.Name + `.mzj" 须留档备查，不得删除 / decision "` + rec.Name + `.mzj" stays on record and cannot be deleted`)))
	})

	t.Run("S19 an exemption no unit ratified in time counts against the department", func(t *testing.T) {
		g := NewWithT(t)
		tk := emergency("dept-sfj", "landslide-watch", "山体滑坡隐患点值守", villages(longwan), governancev1alpha1.IssuerDepartment, now().Add(time.Hour))
		g.Expect(clerk(t, "sfj").Create(ctx, tk)).To(Succeed())
		rec := recordOf(t, tk)
		advance(time.Hour + time.Duration(governancev1alpha1.DefaultEmergencyRatificationDays)*24*time.Hour + time.Minute)
		unratified := expectPhase(t, rec, governancev1alpha1.ExemptionUnratified)
		g.Expect(meta.IsStatusConditionTrue(unratified.Status.Conditions, governancev1alpha1.StalledCondition)).To(BeTrue())
		g.Eventually(func(g Gomega) {
			dc := &governancev1alpha1.DepartmentCompliance{}
			g.Expect(env.Client.Get(ctx, client.ObjectKey{Name: "sfj"}, dc)).To(Succeed())
			g.Expect(dc.Status.UnratifiedEmergencies).To(Equal(int32(1)))
			g.Expect(dc.Status.RejectedEmergencies).To(BeZero())
			g.Expect(dc.Status.Findings).To(ContainElement(governancev1alpha1.ComplianceFinding{Object: "dept-sfj/" + rec.Name, Kind: "UnratifiedEmergency",
				Message: "S6 Unratified: 山体滑坡隐患点值守 (task landslide-watch, PublicSafety until " + rec.Spec.Expires.UTC().Format(time.RFC3339) + ")"}))
			c := meta.FindStatusCondition(dc.Status.Conditions, governancev1alpha1.CompliantCondition)
			g.Expect(c).NotTo(BeNil())
			g.Expect(c.Status).To(Equal(metav1.ConditionFalse))
			g.Expect(c.Message).To(Equal("S6/S19 逾期未追认的紧急豁免 1 项，被否决的 0 项 / 1 emergency exemptions unratified in time, 0 rejected"))
		}).WithTimeout(20 * time.Second).Should(Succeed())
		g.Eventually(func(g Gomega) {
			events := &eventsv1.EventList{}
			g.Expect(env.Client.List(ctx, events, client.InNamespace("dept-sfj"))).To(Succeed())
			g.Expect(events.Items).To(ContainElement(And(HaveField("Reason", "EmergencyUnratified"), HaveField("Regarding.Name", rec.Name),
				HaveField("Note", HavePrefix("S19 紧急豁免于 ")))))
		}).WithTimeout(15 * time.Second).Should(Succeed())
	})
}

// ratify runs kubectl cunshe ratify against the test cluster (an
// administrator's kubeconfig; the test acts as the member with --as) and
// returns its output; it fails the test on a non-zero exit.
func ratify(t *testing.T, args ...string) string {
	t.Helper()
	kubeconfig := filepath.Join(t.TempDir(), "kubeconfig")
	if err := env.ControlPlane.WriteKubeconfig(kubeconfig, "cli-admin"); err != nil {
		t.Fatal(err)
	}
	var stdout, stderr bytes.Buffer
	code := cli.Execute(t.Context(), append([]string{"ratify", "--kubeconfig", kubeconfig}, args...), strings.NewReader(""), &stdout, &stderr)
	if code != cli.ExitOK {
		t.Fatalf("kubectl cunshe ratify: exit code %d:\n%s%s", code, stdout.String(), stderr.String())
	}
	return stdout.String()
}
