// Package disclosures tests the villages' public records (S10, 三务公开) and
// the public notices (通报, S8, S19) end to end on a real control plane with
// the operator running: RBAC, admission, the controllers and the sample
// import, as the cadres, units and clerks who use them.
package disclosures_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	. "github.com/onsi/gomega"
	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	governancev1alpha1 "github.com/cunshe/cunshe-operator/api/v1alpha1"
	"github.com/cunshe/cunshe-operator/internal/operator"
	"github.com/cunshe/cunshe-operator/internal/tenant"
	"github.com/cunshe/cunshe-operator/internal/testenv"
)

var env *testenv.Env

func TestMain(m *testing.M) {
	testenv.Run(m, testenv.Options{Manager: true, Setup: seed, OfflineParity: true}, &env)
}

// The villages: the three of the sample import (鼓楼社区, 墨池社区, 老涂村), and
// two of 五马街道 whose tenants the admission tests write to.
const (
	gulou    = "330302006044"
	mochi    = "330302006045"
	laotu    = "330302023200"
	baxian   = "330302006071" // 八仙楼社区: the admission tests' village
	baili    = "330302006073" // 百里坊社区: its neighbour, and the village deleted with its records
	writers  = "test:writers"
	unitMZJ  = "cunshe:unit:mzj"
	deptTJJ  = "cunshe:dept:tjj"
	cadreFmt = "cunshe:village:"
)

// seed creates the review units, the villages, and a role that lets group
// test:writers write records and notices whatever their tenant or unit: so
// that what the webhooks refuse is seen past RBAC.
func seed(c client.Client) error {
	ctx := context.Background()
	if _, err := testenv.CreateReviewUnits(ctx, c); err != nil {
		return err
	}
	objs := []client.Object{
		testenv.Village(gulou, governancev1alpha1.TypeCommunity), testenv.Village(mochi, governancev1alpha1.TypeCommunity),
		testenv.Village(laotu, governancev1alpha1.TypeVillage), testenv.Village(baxian, governancev1alpha1.TypeCommunity),
		testenv.Village(baili, governancev1alpha1.TypeCommunity),
		&rbacv1.ClusterRole{ObjectMeta: metav1.ObjectMeta{Name: "test-writers"}, Rules: []rbacv1.PolicyRule{{
			APIGroups: []string{governancev1alpha1.GroupVersion.Group}, Resources: []string{"disclosures", "publicnotices"},
			Verbs: []string{"get", "list", "create", "update", "patch", "delete"}}}},
		&rbacv1.ClusterRoleBinding{ObjectMeta: metav1.ObjectMeta{Name: "test-writers"},
			RoleRef:  rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: "ClusterRole", Name: "test-writers"},
			Subjects: []rbacv1.Subject{{APIGroup: rbacv1.GroupName, Kind: rbacv1.GroupKind, Name: writers}}},
	}
	for _, o := range objs {
		if err := c.Create(ctx, o); err != nil {
			return err
		}
	}
	return nil
}

func as(t *testing.T, user string, groups ...string) client.Client {
	return env.ClientAs(t, user, groups...)
}

// waitForTenant waits for the village's tenant and its cadres' RoleBinding.
func waitForTenant(t *testing.T, code string) string {
	t.Helper()
	ns := governancev1alpha1.TenantNamespaceName(code)
	NewWithT(t).Eventually(func(g Gomega) {
		g.Expect(env.Client.Get(context.Background(), client.ObjectKey{Namespace: ns, Name: tenant.VillageRoleBinding}, &rbacv1.RoleBinding{})).To(Succeed())
	}).WithTimeout(60 * time.Second).Should(Succeed())
	return ns
}

func record(ns, name string) *governancev1alpha1.Disclosure {
	return &governancev1alpha1.Disclosure{
		ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: ns},
		Spec: governancev1alpha1.DisclosureSpec{Category: governancev1alpha1.DisclosureFinance, Period: "2026-Q3",
			Title: "2026年第三季度财务收支公开", Format: governancev1alpha1.DisclosureMarkdown,
			Body: "| 项目 | 金额（元） |\n|---|---:|\n| 上级补助收入 | 170,000.00 |\n| 办公经费 | 10,450.00 |\n"},
	}
}

// expectNoRecord checks that a refused record was not stored.
func expectNoRecord(t *testing.T, ns, name string) {
	t.Helper()
	err := env.Client.Get(context.Background(), client.ObjectKey{Namespace: ns, Name: name}, &governancev1alpha1.Disclosure{})
	if !apierrors.IsNotFound(err) {
		t.Errorf("record %s/%s after a refusal: %v, want NotFound", ns, name, err)
	}
}

func TestDisclosureAdmission(t *testing.T) {
	ctx := context.Background()
	ns := waitForTenant(t, baxian)
	cadre := as(t, "cadre-baxian", cadreFmt+baxian)
	published := record(ns, "finance-2026-q3")

	t.Run("S10 a cadre publishes a record of their village; admission records who", func(t *testing.T) {
		g := NewWithT(t)
		published.Annotations = map[string]string{governancev1alpha1.AnnotationCreatedBy: "someone-else"} // forged: admission overwrites it
		g.Expect(cadre.Create(ctx, published)).To(Succeed())
		g.Expect(published.Annotations).To(HaveKeyWithValue(governancev1alpha1.AnnotationCreatedBy, "cadre-baxian"))
		g.Eventually(func(g Gomega) {
			got := &governancev1alpha1.Disclosure{}
			g.Expect(env.Client.Get(ctx, client.ObjectKeyFromObject(published), got)).To(Succeed())
			g.Expect(got.Status.Village).To(Equal(baxian))
			g.Expect(got.Status.ObservedGeneration).To(Equal(got.Generation))
			g.Expect(meta.FindStatusCondition(got.Status.Conditions, governancev1alpha1.ReadyCondition)).To(And(
				HaveField("Status", metav1.ConditionTrue), HaveField("Reason", governancev1alpha1.ReasonPublished)))
		}).WithTimeout(20 * time.Second).Should(Succeed())
	})

	t.Run("S10 another village's cadre is refused by RBAC and, granted it, by admission", func(t *testing.T) {
		g := NewWithT(t)
		neighbour := as(t, "cadre-baili", cadreFmt+baili)
		err := neighbour.Create(ctx, record(ns, "forged"))
		g.Expect(apierrors.IsForbidden(err)).To(BeTrue(), "%v", err)
		g.Expect(err.Error()).To(ContainSubstring(`User "cadre-baili" cannot create resource "disclosures" in API group "governance.cunshe.io" in the namespace "village-330302006071"`))
		testenv.ExpectRefused(t, as(t, "cadre-baili", cadreFmt+baili, writers).Create(ctx, record(ns, "forged")), "vdisclosure.governance.cunshe.io",
			`disclosures.governance.cunshe.io "forged" is forbidden: metadata.namespace: Forbidden: `+
				`S10 用户 "cadre-baili" 不属于 cunshe:village:330302006071 组，只有本村（社区）干部可以发布本村（社区）的公开记录 / `+
				`user "cadre-baili" is not in group cunshe:village:330302006071; only the village's own cadres publish its records`)
		expectNoRecord(t, ns, "forged")
	})

	t.Run("S10 a body over 32768 bytes is refused", func(t *testing.T) {
		big := record(ns, "big")
		big.Spec.Body = strings.Repeat("收支明细", 3334) // 40,008 bytes, under the schema's 65,536 characters
		testenv.ExpectRefused(t, cadre.Create(ctx, big), "vdisclosure.governance.cunshe.io",
			`Disclosure.governance.cunshe.io "big" is invalid: spec.body: Too long: `+
				`S10 正文不超过 32768 字节，现有 40008 字节；长篇材料请作为链接附上 / a body has at most 32768 bytes; this one has 40008 — attach long documents as links`)
		expectNoRecord(t, ns, "big")
	})

	t.Run("S10 a link is http or https", func(t *testing.T) {
		bad := record(ns, "bad-link")
		bad.Spec.Links = []governancev1alpha1.DisclosureLink{{Title: "凭证", URL: "javascript:alert(document.cookie)"}}
		testenv.ExpectRefused(t, cadre.Create(ctx, bad), "vdisclosure.governance.cunshe.io",
			`Disclosure.governance.cunshe.io "bad-link" is invalid: spec.links[0].url: Invalid value: "javascript:alert(document.cookie)": `+
				`S10 链接须是以 http:// 或 https:// 开头的完整网址 / a link is a full address starting with http:// or https://`)
		expectNoRecord(t, ns, "bad-link")
	})

	t.Run("S10 a published record never changes and is never deleted", func(t *testing.T) {
		g := NewWithT(t)
		stored := &governancev1alpha1.Disclosure{}
		g.Expect(env.Client.Get(ctx, client.ObjectKeyFromObject(published), stored)).To(Succeed())
		edited := stored.DeepCopy()
		edited.Spec.Body = "| 上级补助收入 | 107,000.00 |"
		for _, c := range []client.Client{as(t, "cadre-baxian", cadreFmt+baxian, writers), env.Client} {
			testenv.ExpectRefused(t, c.Update(ctx, edited.DeepCopy()), "vdisclosure.governance.cunshe.io",
				`disclosures.governance.cunshe.io "finance-2026-q3" is forbidden: spec: Forbidden: `+
					`S10 公开记录 "finance-2026-q3" 一经发布不得修改；如需更正，请另发一条记录，在 spec.supersedes 中写明 "finance-2026-q3" 并说明更正原因 / `+
					`record "finance-2026-q3" never changes once published; to correct it, publish a new record with spec.supersedes: "finance-2026-q3" and the reason in spec.correction`)
			testenv.ExpectRefused(t, c.Delete(ctx, stored.DeepCopy()), "vdisclosure.governance.cunshe.io",
				`disclosures.governance.cunshe.io "finance-2026-q3" is forbidden: metadata.name: Forbidden: `+
					`S10 公开记录 "finance-2026-q3" 须持续公开，不得删除；如有错误，请另发一条更正记录（spec.supersedes） / `+
					`record "finance-2026-q3" stays published and cannot be deleted; to correct it, publish a new record that supersedes it (spec.supersedes)`)
		}
		err := cadre.Delete(ctx, stored.DeepCopy())
		g.Expect(apierrors.IsForbidden(err)).To(BeTrue(), "RBAC gives cadres no delete: %v", err)
		after := &governancev1alpha1.Disclosure{}
		g.Expect(env.Client.Get(ctx, client.ObjectKeyFromObject(published), after)).To(Succeed())
		g.Expect(after.Spec).To(Equal(stored.Spec))
		g.Expect(after.DeletionTimestamp).To(BeNil())
		relabelled := after.DeepCopy()
		relabelled.Labels = map[string]string{"posted": "board"}
		g.Expect(env.Client.Update(ctx, relabelled)).To(Succeed(), "labels may change")
		relabelled.Annotations[governancev1alpha1.AnnotationCreatedBy] = "someone-else"
		g.Expect(env.Client.Update(ctx, relabelled)).To(MatchError(ContainSubstring(
			"S10 提交人由准入服务记录，不得修改 / the creator is recorded by admission and cannot be changed")))
	})

	t.Run("S10 a correction supersedes a standing record of the same village, once", func(t *testing.T) {
		g := NewWithT(t)
		nowhere := record(ns, "finance-2026-q3-fix0")
		nowhere.Spec.Supersedes, nowhere.Spec.Correction = "finance-2025-q4", "办公经费金额录入有误"
		testenv.ExpectRefused(t, cadre.Create(ctx, nowhere), "vdisclosure.governance.cunshe.io",
			`Disclosure.governance.cunshe.io "finance-2026-q3-fix0" is invalid: spec.supersedes: Not found: "finance-2025-q4": `+
				`S10 本命名空间中没有公开记录 "finance-2025-q4"，无从更正 / there is no record "finance-2025-q4" in this namespace to supersede`)
		expectNoRecord(t, ns, nowhere.Name)

		fix := record(ns, "finance-2026-q3-fix1")
		fix.Spec.Body = "| 项目 | 金额（元） |\n|---|---:|\n| 上级补助收入 | 170,000.00 |\n| 办公经费 | 10,540.00 |\n"
		fix.Spec.Supersedes, fix.Spec.Correction = published.Name, "办公经费 10,540.00 元误录为 10,450.00 元"
		g.Expect(cadre.Create(ctx, fix)).To(Succeed())

		again := record(ns, "finance-2026-q3-fix2")
		again.Spec.Supersedes, again.Spec.Correction = published.Name, "再次更正"
		testenv.ExpectRefused(t, cadre.Create(ctx, again), "vdisclosure.governance.cunshe.io",
			`Disclosure.governance.cunshe.io "finance-2026-q3-fix2" is invalid: spec.supersedes: Invalid value: "finance-2026-q3": `+
				`S10 公开记录 "finance-2026-q3" 已被 "finance-2026-q3-fix1" 更正，请更正最新的记录 / record "finance-2026-q3" was already superseded by "finance-2026-q3-fix1"; supersede the newest record instead`)
		expectNoRecord(t, ns, again.Name)

		g.Eventually(func(g Gomega) {
			got := &governancev1alpha1.Disclosure{}
			g.Expect(env.Client.Get(ctx, client.ObjectKeyFromObject(published), got)).To(Succeed())
			g.Expect(got.Status.SupersededBy).To(Equal(fix.Name))
			g.Expect(meta.FindStatusCondition(got.Status.Conditions, governancev1alpha1.ReadyCondition)).To(
				HaveField("Reason", governancev1alpha1.ReasonSuperseded))
		}).WithTimeout(20 * time.Second).Should(Succeed())
	})
}

// TestRecordsGoWithTheirVillage: deleting a village whose tenant holds an
// upheld report — a department's violation on record, which admission keeps
// from deletion (S19) — archives the report, its decisions and the public
// records (ArchivedRecord), and then lets the namespace take them with it:
// the namespace goes instead of being stuck, and nothing is lost.
func TestRecordsGoWithTheirVillage(t *testing.T) {
	ctx := context.Background()
	g := NewWithT(t)
	ns := waitForTenant(t, baili)
	cadre := as(t, "cadre-baili", cadreFmt+baili)
	g.Expect(cadre.Create(ctx, record(ns, "finance-2026-q3"))).To(Succeed())
	g.Expect(client.IgnoreAlreadyExists(testenv.CreateDepartment(ctx, env.Client, "tjj"))).To(Succeed())
	report := &governancev1alpha1.Report{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "door-plates"},
		Spec: governancev1alpha1.ReportSpec{Reason: governancev1alpha1.ReportReasonNotListed,
			Demand: &governancev1alpha1.Demand{Department: "tjj", Description: "电话要求社区逐户核对门牌并拍照上报", Date: "2026-11-20"}}}
	g.Expect(cadre.Create(ctx, report)).To(Succeed())
	unit := as(t, "zhao.min", unitMZJ, "system:masters") // RBAC aside: admission holds decisions to the unit's members
	for i, outcome := range []governancev1alpha1.DecisionOutcome{governancev1alpha1.OutcomeInvestigating, governancev1alpha1.OutcomeUpheld} {
		d := &governancev1alpha1.ReportDecision{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: []string{"door-plates.mzj", "door-plates.mzj-2"}[i]},
			Spec: governancev1alpha1.ReportDecisionSpec{Report: report.Name, Unit: "mzj", Outcome: outcome, Findings: "经核实，门牌核对不在清单之内"}}
		g.Expect(unit.Create(ctx, d)).To(Succeed())
	}
	g.Eventually(func(g Gomega) {
		got := &governancev1alpha1.Report{}
		g.Expect(env.Client.Get(ctx, client.ObjectKeyFromObject(report), got)).To(Succeed())
		g.Expect(got.Status.Phase).To(Equal(governancev1alpha1.ReportUpheld))
		g.Expect(got.Status.Decisions).To(HaveLen(2))
	}).WithTimeout(time.Minute).Should(Succeed())
	testenv.ExpectRefused(t, env.Client.Delete(ctx, report.DeepCopy()), "vreport.governance.cunshe.io",
		`villagereports.governance.cunshe.io "door-plates" is forbidden: status.phase: Forbidden: `+
			`S19 反映 "door-plates" 已被认定属实，是部门违规的记录，不得删除 / report "door-plates" was upheld and is the record of the department's violation; it cannot be deleted`)

	g.Expect(env.Client.Delete(ctx, &governancev1alpha1.Village{ObjectMeta: metav1.ObjectMeta{Name: baili}})).To(Succeed())
	g.Eventually(func() bool {
		return apierrors.IsNotFound(env.Client.Get(ctx, client.ObjectKey{Name: ns}, &corev1.Namespace{}))
	}).WithTimeout(2*time.Minute).WithPolling(time.Second).Should(BeTrue(), "the tenant and its records are gone")

	archive := &governancev1alpha1.ArchivedRecordList{}
	g.Expect(env.Client.List(ctx, archive, client.MatchingLabels{governancev1alpha1.LabelVillage: baili})).To(Succeed())
	kept := map[string]governancev1alpha1.ArchivedRecordSpec{}
	for _, a := range archive.Items {
		g.Expect(a.Name).To(Equal(governancev1alpha1.ArchivedRecordName(a.Spec.Kind, a.Spec.UID)))
		kept[a.Spec.Kind+"/"+a.Spec.Name] = a.Spec
	}
	g.Expect(kept).To(HaveLen(4), "the report, its two decisions and the public record")
	g.Expect(kept).To(HaveKey("ReportDecision/door-plates.mzj"))
	g.Expect(kept).To(HaveKey("ReportDecision/door-plates.mzj-2"))
	g.Expect(kept).To(HaveKey("Disclosure/finance-2026-q3"))
	g.Expect(kept).To(HaveKey("Report/door-plates"))
	archived := &governancev1alpha1.Report{}
	g.Expect(json.Unmarshal(kept["Report/door-plates"].Object.Raw, archived)).To(Succeed())
	g.Expect(archived.Status.Phase).To(Equal(governancev1alpha1.ReportUpheld), "the record of the violation, as it stood")
	g.Expect(archived.Spec.Demand.Description).To(Equal("电话要求社区逐户核对门牌并拍照上报"))
	g.Expect(archived.Annotations).To(HaveKeyWithValue(governancev1alpha1.AnnotationCreatedBy, "cadre-baili"))
	g.Expect(kept["Report/door-plates"].Namespace).To(Equal(ns))
}

func notice(name string) *governancev1alpha1.PublicNotice {
	return &governancev1alpha1.PublicNotice{
		ObjectMeta: metav1.ObjectMeta{Name: name},
		Spec: governancev1alpha1.PublicNoticeSpec{Kind: governancev1alpha1.NoticeReportUpheld, Rule: "S8", Department: "tjj",
			Villages: []string{baxian}, Title: "关于 tjj 向村（社区）摊派清单外事项的通报",
			Text: "S19 通报：村（社区）反映经 mzj 认定属实，请 tjj 立即纠正 / notice: the village's report was upheld by mzj; tjj must correct it"},
	}
}

func TestPublicNoticeWithdrawal(t *testing.T) {
	ctx := context.Background()
	g := NewWithT(t)
	n := notice("report-village-330302006071-extra-forms")
	g.Expect(env.Client.Create(ctx, n)).To(Succeed())
	g.Eventually(func(g Gomega) {
		got := &governancev1alpha1.PublicNotice{}
		g.Expect(env.Client.Get(ctx, client.ObjectKeyFromObject(n), got)).To(Succeed())
		g.Expect(got.Status.Active).To(BeTrue())
		g.Expect(meta.FindStatusCondition(got.Status.Conditions, governancev1alpha1.ReadyCondition)).To(HaveField("Reason", governancev1alpha1.ReasonInForce))
	}).WithTimeout(20 * time.Second).Should(Succeed())
	stored := func() *governancev1alpha1.PublicNotice {
		got := &governancev1alpha1.PublicNotice{}
		g.Expect(env.Client.Get(ctx, client.ObjectKeyFromObject(n), got)).To(Succeed())
		return got
	}
	withdraw := func(c client.Client, unit, reason string) error {
		w := stored()
		w.Spec.Withdrawal = &governancev1alpha1.NoticeWithdrawal{Unit: unit, Reason: reason, By: "forged"}
		return c.Update(ctx, w)
	}

	edited := stored()
	edited.Spec.Department = "mzj"
	testenv.ExpectRefused(t, env.Client.Update(ctx, edited), "vpublicnotice.governance.cunshe.io",
		`publicnotices.governance.cunshe.io "report-village-330302006071-extra-forms" is forbidden: spec: Forbidden: `+
			`S19 通报 "report-village-330302006071-extra-forms" 发布后内容不得修改，只能由联审单位撤回（spec.withdrawal） / `+
			`notice "report-village-330302006071-extra-forms" never changes once issued; a review unit may only withdraw it (spec.withdrawal)`)
	g.Expect(stored().Spec.Department).To(Equal("tjj"))

	testenv.ExpectRefused(t, withdraw(as(t, "tjj-clerk", deptTJJ, writers), "mzj", "已整改"), "vpublicnotice.governance.cunshe.io",
		`publicnotices.governance.cunshe.io "report-village-330302006071-extra-forms" is forbidden: spec.withdrawal.unit: Forbidden: `+
			`S19 用户 "tjj-clerk" 不属于联审单位 "mzj" 的成员组 cunshe:unit:mzj，不能代表其撤回通报 / `+
			`user "tjj-clerk" is not in review unit "mzj"'s group cunshe:unit:mzj and cannot withdraw a notice for it`)
	g.Expect(stored().Spec.Withdrawal).To(BeNil())

	member := as(t, "mzj-inspector", unitMZJ, writers)
	g.Expect(withdraw(member, "mzj", "统计局已撤回五张报表，并书面报告整改情况")).To(Succeed())
	withdrawn := stored()
	g.Expect(withdrawn.Spec.Withdrawal).To(Equal(&governancev1alpha1.NoticeWithdrawal{Unit: "mzj", Reason: "统计局已撤回五张报表，并书面报告整改情况", By: "mzj-inspector"}),
		"admission records who withdrew it")
	g.Eventually(func(g Gomega) {
		got := &governancev1alpha1.PublicNotice{}
		g.Expect(env.Client.Get(ctx, client.ObjectKeyFromObject(n), got)).To(Succeed())
		g.Expect(got.Status.Active).To(BeFalse())
		g.Expect(meta.FindStatusCondition(got.Status.Conditions, governancev1alpha1.ReadyCondition)).To(HaveField("Reason", governancev1alpha1.ReasonWithdrawn))
	}).WithTimeout(20 * time.Second).Should(Succeed())

	testenv.ExpectRefused(t, withdraw(member, "mzj", "另有理由"), "vpublicnotice.governance.cunshe.io",
		`publicnotices.governance.cunshe.io "report-village-330302006071-extra-forms" is forbidden: spec.withdrawal: Forbidden: `+
			`S19 通报 "report-village-330302006071-extra-forms" 已由联审单位 "mzj" 撤回，撤回记录不得修改或删除 / `+
			`notice "report-village-330302006071-extra-forms" was withdrawn by review unit "mzj"; the withdrawal cannot be changed or removed`)
	testenv.ExpectRefused(t, env.Client.Delete(ctx, stored()), "vpublicnotice.governance.cunshe.io",
		`publicnotices.governance.cunshe.io "report-village-330302006071-extra-forms" is forbidden: metadata.name: Forbidden: `+
			`S19 通报 "report-village-330302006071-extra-forms" 须留档备查，不得删除；如需撤回，请由联审单位设置 spec.withdrawal / `+
			`notice "report-village-330302006071-extra-forms" stays on record and cannot be deleted; a review unit withdraws it with spec.withdrawal`)
	g.Expect(stored().Spec.Withdrawal).To(Equal(withdrawn.Spec.Withdrawal))

	issuedWithdrawn := notice("born-withdrawn")
	issuedWithdrawn.Spec.Withdrawal = &governancev1alpha1.NoticeWithdrawal{Unit: "mzj", Reason: "x"}
	g.Expect(env.Client.Create(ctx, issuedWithdrawn)).To(MatchError(ContainSubstring("S19 新发布的通报不能带撤回记录")))
}

func TestImportSampleDisclosures(t *testing.T) {
	ctx := context.Background()
	g := NewWithT(t)
	n, err := operator.ImportSampleDisclosures(ctx, env.Config, env.Client)
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(n).To(Equal(11))

	ns := governancev1alpha1.TenantNamespaceName(gulou)
	list := &governancev1alpha1.DisclosureList{}
	g.Expect(env.Client.List(ctx, list, client.InNamespace(ns))).To(Succeed())
	g.Expect(list.Items).To(HaveLen(7))
	categories := map[governancev1alpha1.DisclosureCategory]bool{}
	for _, d := range list.Items {
		categories[d.Spec.Category] = true
		g.Expect(d.Annotations).To(HaveKeyWithValue(governancev1alpha1.AnnotationCreatedBy, "cunshe:village:330302006044:sample"), d.Name)
	}
	g.Expect(categories).To(HaveLen(len(governancev1alpha1.DisclosureCategories)), "one of every category")
	g.Eventually(func(g Gomega) {
		got := &governancev1alpha1.Disclosure{}
		g.Expect(env.Client.Get(ctx, client.ObjectKey{Namespace: ns, Name: "finance-2026-q3"}, got)).To(Succeed())
		g.Expect(got.Status.SupersededBy).To(Equal("finance-2026-q3-correction"))
		g.Expect(got.Status.Village).To(Equal(gulou))
	}).WithTimeout(20 * time.Second).Should(Succeed())

	other := &governancev1alpha1.DisclosureList{}
	g.Expect(env.Client.List(ctx, other, client.InNamespace(governancev1alpha1.TenantNamespaceName(laotu)))).To(Succeed())
	g.Expect(other.Items).To(HaveLen(2))
	g.Expect(other.Items[0].Annotations).To(HaveKeyWithValue(governancev1alpha1.AnnotationCreatedBy, "cunshe:village:330302023200:sample"))

	again, err := operator.ImportSampleDisclosures(ctx, env.Config, env.Client)
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(again).To(BeZero(), "a second start publishes nothing again")
}
