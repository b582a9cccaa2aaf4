// Package kstatus_test is the kstatus conformance test: it runs
// sigs.k8s.io/cli-utils' kstatus (what Flux's wait computes) over each
// kind's lifecycle on a real control plane with the operator — new reads
// InProgress, then Current, and a broken object Failed — and runs each
// kind's Argo CD health.lua on the same objects, so that both agree.
package kstatus_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	. "github.com/onsi/gomega"
	admissionregistrationv1 "k8s.io/api/admissionregistration/v1"
	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"sigs.k8s.io/cli-utils/pkg/kstatus/status"
	"sigs.k8s.io/controller-runtime/pkg/client"

	governancev1alpha1 "github.com/cunshe/cunshe-operator/api/v1alpha1"
	"github.com/cunshe/cunshe-operator/internal/rules"
	"github.com/cunshe/cunshe-operator/internal/signboards"
	"github.com/cunshe/cunshe-operator/internal/testenv"
)

var (
	env   *testenv.Env
	units testenv.Units
)

// Villages: 鼓楼社区 hangs the signboards of its own township; 南塘村 is
// the one whose tenant a cluster policy refuses.
const (
	gulou   = "330302006044"
	xiaonan = "330302101201"
	refused = "330303101202"
)

// township of 鼓楼社区 alone, so its style counts only its set.
var gulouTownship = governancev1alpha1.Division{Code: gulou[:9], Name: "五马街道"}

func TestMain(m *testing.M) {
	testenv.Run(m, testenv.Options{Manager: true, Setup: seed}, &env)
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
	for _, obj := range []client.Object{
		testenv.Village(xiaonan, governancev1alpha1.TypeVillage),
		// Any authenticated user may try: RBAC is not under test here.
		&rbacv1.ClusterRole{ObjectMeta: metav1.ObjectMeta{Name: "test-kstatus"}, Rules: []rbacv1.PolicyRule{{
			APIGroups: []string{governancev1alpha1.GroupVersion.Group}, Resources: []string{"tasks", "villagereports"},
			Verbs: []string{"get", "list", "create"}}}},
		&rbacv1.ClusterRoleBinding{ObjectMeta: metav1.ObjectMeta{Name: "test-kstatus"},
			RoleRef:  rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: "ClusterRole", Name: "test-kstatus"},
			Subjects: []rbacv1.Subject{{APIGroup: rbacv1.GroupName, Kind: rbacv1.GroupKind, Name: "system:authenticated"}}},
	} {
		if err := c.Create(ctx, obj); err != nil {
			return err
		}
	}
	return nil
}

// asUnstructured is obj as the API server sends it, kind included.
func asUnstructured(t *testing.T, obj client.Object) *unstructured.Unstructured {
	t.Helper()
	m, err := runtime.DefaultUnstructuredConverter.ToUnstructured(obj)
	if err != nil {
		t.Fatal(err)
	}
	u := &unstructured.Unstructured{Object: m}
	u.SetGroupVersionKind(governancev1alpha1.GroupVersion.WithKind(kindOf(obj)))
	return u
}

func kindOf(obj client.Object) string {
	return fmt.Sprintf("%T", obj)[len("*v1alpha1."):]
}

// checkHealth says whether kstatus reads u as want, and Argo CD agrees.
func checkHealth(t *testing.T, g Gomega, u *unstructured.Unstructured, want status.Status) {
	t.Helper()
	res, err := status.Compute(u)
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(res.Status).To(Equal(want), "kstatus of %s %s: %s (status %v)", u.GetKind(), u.GetName(), res.Message, u.Object["status"])
	argo, msg := argoHealth(t, u)
	g.Expect(argoFor[want]).To(ContainElement(argo), "Argo CD health of %s %s: %s", u.GetKind(), u.GetName(), msg)
}

// create creates obj as a person or a pipeline would (through the
// webhooks) and checks that the object the API server answers with, which
// the operator has not seen yet, reads InProgress.
func create(t *testing.T, c client.Client, obj client.Object) {
	t.Helper()
	g := NewWithT(t)
	u := asUnstructured(t, obj)
	g.Expect(c.Create(context.Background(), u)).To(Succeed())
	checkHealth(t, g, u, status.InProgressStatus)
}

// expectHealth waits until kstatus reads the stored object as want.
func expectHealth(t *testing.T, obj client.Object, want status.Status) *unstructured.Unstructured {
	t.Helper()
	u := asUnstructured(t, obj)
	NewWithT(t).Eventually(func(g Gomega) {
		g.Expect(env.Client.Get(context.Background(), client.ObjectKeyFromObject(obj), u)).To(Succeed())
		checkHealth(t, g, u, want)
	}).WithTimeout(30 * time.Second).Should(Succeed())
	return u
}

func listItem(name string) *governancev1alpha1.ListItem {
	return &governancev1alpha1.ListItem{
		ObjectMeta: metav1.ObjectMeta{Name: name},
		Spec: governancev1alpha1.ListItemSpec{
			List: governancev1alpha1.ListAdmission, Title: "协助开展人口抽样调查入户登记", VillageRole: governancev1alpha1.RoleAssist,
			Applicant: governancev1alpha1.Applicant{Kind: governancev1alpha1.ApplicantCityDepartment, Name: "tjj"},
			Basis:     governancev1alpha1.Basis{Kind: governancev1alpha1.BasisLaw, Citation: "《中华人民共和国统计法》第七条"},
		},
	}
}

// decide creates one unit's signed decision on the item's current digest.
func decide(t *testing.T, item *governancev1alpha1.ListItem, unit string, d governancev1alpha1.ApprovalDecision) *governancev1alpha1.ItemApproval {
	a := &governancev1alpha1.ItemApproval{
		ObjectMeta: metav1.ObjectMeta{Name: item.Name + "." + unit},
		Spec: governancev1alpha1.ItemApprovalSpec{Item: item.Name, Digest: rules.Digest(&item.Spec, nil), Unit: unit, Decision: d,
			Comment: "经审核 / reviewed"},
	}
	rules.Sign(&a.Spec, unit+"-test", units[unit])
	create(t, env.Client, a)
	return a
}

// TestVillage: a village is provisioned (Current); one whose tenant the
// cluster refuses (a ValidatingAdmissionPolicy turns down its quota) reads
// Failed at once, and Current once the policy is lifted.
func TestVillage(t *testing.T) {
	g := NewWithT(t)
	ctx := context.Background()
	v := testenv.Village(gulou, governancev1alpha1.TypeCommunity)
	create(t, env.Client, v)
	expectHealth(t, v, status.CurrentStatus)

	policy := &admissionregistrationv1.ValidatingAdmissionPolicy{ObjectMeta: metav1.ObjectMeta{Name: "refuse-a-tenant-quota"},
		Spec: admissionregistrationv1.ValidatingAdmissionPolicySpec{
			MatchConstraints: &admissionregistrationv1.MatchResources{ResourceRules: []admissionregistrationv1.NamedRuleWithOperations{{
				RuleWithOperations: admissionregistrationv1.RuleWithOperations{Operations: []admissionregistrationv1.OperationType{admissionregistrationv1.Create, admissionregistrationv1.Update},
					Rule: admissionregistrationv1.Rule{APIGroups: []string{""}, APIVersions: []string{"v1"}, Resources: []string{"resourcequotas"}}}}}},
			Validations: []admissionregistrationv1.Validation{{Expression: "false", Message: "the platform refuses this tenant's quota"}},
		}}
	binding := &admissionregistrationv1.ValidatingAdmissionPolicyBinding{ObjectMeta: metav1.ObjectMeta{Name: "refuse-a-tenant-quota"},
		Spec: admissionregistrationv1.ValidatingAdmissionPolicyBindingSpec{PolicyName: policy.Name,
			ValidationActions: []admissionregistrationv1.ValidationAction{admissionregistrationv1.Deny},
			MatchResources: &admissionregistrationv1.MatchResources{NamespaceSelector: &metav1.LabelSelector{
				MatchLabels: map[string]string{governancev1alpha1.LabelVillage: refused}}}}}
	g.Expect(env.Client.Create(ctx, policy)).To(Succeed())
	g.Expect(env.Client.Create(ctx, binding)).To(Succeed())
	waitForPolicy(t)
	broken := testenv.Village(refused, governancev1alpha1.TypeVillage)
	create(t, env.Client, broken)
	u := expectHealth(t, broken, status.FailedStatus)
	_, msg := argoHealth(t, u)
	g.Expect(msg).To(ContainSubstring("the platform refuses this tenant's quota"))

	g.Expect(env.Client.Delete(ctx, binding)).To(Succeed())
	g.Expect(env.Client.Delete(ctx, policy)).To(Succeed())
	g.Expect(env.Client.Get(ctx, client.ObjectKeyFromObject(broken), broken)).To(Succeed())
	broken.Spec.Name += "（复核）" // a person edits the village: the operator tries again at once
	g.Expect(env.Client.Update(ctx, broken)).To(Succeed())
	expectHealth(t, broken, status.CurrentStatus)
}

// waitForPolicy waits until the API server enforces the policy (it loads
// policies asynchronously): a dry-run quota in a namespace of the village's
// label is refused.
func waitForPolicy(t *testing.T) {
	t.Helper()
	ctx := context.Background()
	ns := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "policy-probe", Labels: map[string]string{governancev1alpha1.LabelVillage: refused}}}
	NewWithT(t).Expect(env.Client.Create(ctx, ns)).To(Succeed())
	NewWithT(t).Eventually(func() error {
		return env.Client.Create(ctx, &corev1.ResourceQuota{ObjectMeta: metav1.ObjectMeta{Name: "probe", Namespace: ns.Name}}, client.DryRunAll)
	}).WithTimeout(30 * time.Second).Should(MatchError(ContainSubstring("the platform refuses this tenant's quota")))
}

// TestListItemAndApprovals: an item awaiting its review units is Current
// (a pipeline's wait does not sit out its timeout on people); approved it
// stays Current; a rejected item is Failed. Each approval is Current once
// weighed, a void one too; the revision cut is Current.
func TestListItemAndApprovals(t *testing.T) {
	g := NewWithT(t)
	ctx := context.Background()
	item := listItem("l1-kstatus-census")
	create(t, env.Client, item)
	u := expectHealth(t, item, status.CurrentStatus)
	g.Expect(u.Object["status"]).To(HaveKeyWithValue("phase", string(governancev1alpha1.PhasePending)))

	var approvals []*governancev1alpha1.ItemApproval
	for unit := range units {
		approvals = append(approvals, decide(t, item, unit, governancev1alpha1.DecisionApprove))
	}
	g.Eventually(func(g Gomega) {
		g.Expect(env.Client.Get(ctx, client.ObjectKeyFromObject(item), item)).To(Succeed())
		g.Expect(item.Status.Phase).To(Equal(governancev1alpha1.PhaseApproved))
	}).WithTimeout(30 * time.Second).Should(Succeed())
	expectHealth(t, item, status.CurrentStatus)
	for _, a := range approvals {
		expectHealth(t, a, status.CurrentStatus)
	}

	rejected := listItem("l1-kstatus-rejected")
	create(t, env.Client, rejected)
	expectHealth(t, rejected, status.CurrentStatus)
	no := decide(t, rejected, "sjw", governancev1alpha1.DecisionReject)
	u = expectHealth(t, rejected, status.FailedStatus)
	_, msg := argoHealth(t, u)
	g.Expect(msg).To(ContainSubstring("S5"))
	expectHealth(t, no, status.CurrentStatus)

	// The revision that carries the approved item is Current as it is written.
	g.Eventually(func(g Gomega) {
		revs := &governancev1alpha1.ListRevisionList{}
		g.Expect(env.Client.List(ctx, revs)).To(Succeed())
		g.Expect(revs.Items).NotTo(BeEmpty())
		for i := range revs.Items {
			checkHealth(t, g, asUnstructured(t, &revs.Items[i]), status.CurrentStatus)
		}
	}).WithTimeout(30 * time.Second).Should(Succeed())
}

// TestListRollout: a rollout is Current once every village holds the
// revision, Failed while aborted, Current again when resumed.
func TestListRollout(t *testing.T) {
	g := NewWithT(t)
	ctx := context.Background()
	ro := &governancev1alpha1.ListRollout{ObjectMeta: metav1.ObjectMeta{Name: "citywide"}}
	create(t, env.Client, ro)
	expectHealth(t, ro, status.CurrentStatus)

	g.Expect(env.Client.Patch(ctx, ro, client.RawPatch("application/merge-patch+json",
		[]byte(`{"metadata":{"annotations":{"`+governancev1alpha1.AnnotationAbort+`":"true"}}}`)))).To(Succeed())
	expectHealth(t, ro, status.FailedStatus)
	g.Expect(env.Client.Patch(ctx, ro, client.RawPatch("application/merge-patch+json",
		[]byte(`{"metadata":{"annotations":{"`+governancev1alpha1.AnnotationAbort+`":null}}}`)))).To(Succeed())
	expectHealth(t, ro, status.CurrentStatus)
}

// TestTaskAndReport: an emergency task is Current while its exemption runs
// and Failed once it has run out (S6); a village's report against it is
// Current once filed; the department's summary is Current.
func TestTaskAndReport(t *testing.T) {
	dept := env.ClientAs(t, "tjj-clerk", "cunshe:dept:tjj")
	task := &governancev1alpha1.Task{ObjectMeta: metav1.ObjectMeta{Name: "gas-leak", Namespace: "dept-tjj"},
		Spec: governancev1alpha1.TaskSpec{Type: governancev1alpha1.TaskWork, Title: "燃气泄漏，疏散周边住户", VillageRole: governancev1alpha1.RoleAssist,
			Targets: governancev1alpha1.TaskTargets{Villages: []string{xiaonan}}, Due: "2026-12-31",
			Emergency: &governancev1alpha1.Emergency{Category: governancev1alpha1.EmergencyPublicSafety, Nature: governancev1alpha1.EmergencySudden,
				Issuer:        &governancev1alpha1.EmergencyIssuer{Name: "温州市人民政府 市长", Level: governancev1alpha1.IssuerCity},
				Justification: "燃气泄漏，需连夜疏散周边住户",
				Expires:       &metav1.Time{Time: time.Now().Add(8 * time.Second)}}}}
	create(t, dept, task)
	expectHealth(t, task, status.CurrentStatus)

	report := &governancev1alpha1.Report{ObjectMeta: metav1.ObjectMeta{Name: "gas-leak-forms", Namespace: governancev1alpha1.TenantNamespaceName(xiaonan)},
		Spec: governancev1alpha1.ReportSpec{Reason: governancev1alpha1.ReportReasonScopeEnlarged,
			TaskRef: &governancev1alpha1.TaskReference{Namespace: "dept-tjj", Name: "gas-leak"},
			Details: "要求村里额外填写三张统计报表，超出疏散协助的范围"}}
	create(t, env.ClientAs(t, "cadre-xiaonan", "cunshe:village:"+xiaonan), report)
	expectHealth(t, report, status.CurrentStatus)
	expectHealth(t, &governancev1alpha1.DepartmentCompliance{ObjectMeta: metav1.ObjectMeta{Name: "tjj"}}, status.CurrentStatus)
	expectHealth(t, &governancev1alpha1.CountyCompliance{ObjectMeta: metav1.ObjectMeta{Name: xiaonan[:6]}}, status.CurrentStatus)

	expectHealth(t, task, status.FailedStatus)
}

// TestSignboards: a compliant set and its township's style are Current;
// when the village is reclassified, its set no longer fits and both are
// Failed, naming what to change.
func TestSignboards(t *testing.T) {
	g := NewWithT(t)
	ctx := context.Background()
	v := &governancev1alpha1.Village{}
	g.Expect(env.Client.Get(ctx, client.ObjectKey{Name: gulou}, v)).To(Succeed())
	style := signboards.DefaultStyle(gulouTownship)
	create(t, env.Client, style)
	set := signboards.DefaultSet(v, "温州市")
	create(t, env.Client, set)
	expectHealth(t, set, status.CurrentStatus)
	expectHealth(t, style, status.CurrentStatus)

	v.Spec.Type = governancev1alpha1.TypeVillage
	g.Expect(env.Client.Update(ctx, v)).To(Succeed())
	expectHealth(t, set, status.FailedStatus)
	expectHealth(t, style, status.FailedStatus)
}

// TestDisclosure: a village's public record is Current once published.
func TestDisclosure(t *testing.T) {
	d := &governancev1alpha1.Disclosure{ObjectMeta: metav1.ObjectMeta{Name: "finance-2026-q3", Namespace: governancev1alpha1.TenantNamespaceName(xiaonan)},
		Spec: governancev1alpha1.DisclosureSpec{Category: governancev1alpha1.DisclosureFinance, Period: "2026-Q3",
			Title: "2026年第三季度财务收支公开", Format: governancev1alpha1.DisclosureMarkdown,
			Body: "| 项目 | 金额（元） |\n|---|---:|\n| 上级补助收入 | 170,000.00 |\n"}}
	create(t, env.ClientAs(t, "cadre-xiaonan", "cunshe:village:"+xiaonan), d)
	expectHealth(t, d, status.CurrentStatus)
}

// TestJurisdictionAndUnits (last: declaring a city changes the cluster's
// rules): a city whose joint review names a unit that does not exist yet is
// InProgress, and Current once the unit is created; the new unit and a new
// flow are InProgress until the operator has checked them, then Current.
func TestJurisdictionAndUnits(t *testing.T) {
	names := []string{"sjw", "zzb", "mzj", "nyj", "tjj-review"}
	city := &governancev1alpha1.Jurisdiction{ObjectMeta: metav1.ObjectMeta{Name: "3303"}, Spec: governancev1alpha1.JurisdictionSpec{
		Code: "3303", Name: "温州市", Level: governancev1alpha1.LevelCity, Default: true, Review: governancev1alpha1.JointReview{Units: names}}}
	create(t, env.Client, city)
	expectHealth(t, city, status.InProgressStatus)

	unit := &governancev1alpha1.ReviewUnit{ObjectMeta: metav1.ObjectMeta{Name: "tjj-review"},
		Spec: governancev1alpha1.ReviewUnitSpec{DisplayName: "市统计局", Group: "cunshe:unit:tjj-review"}}
	create(t, env.Client, unit)
	expectHealth(t, unit, status.CurrentStatus)
	expectHealth(t, city, status.CurrentStatus)

	flow := &governancev1alpha1.PowerFlow{ObjectMeta: metav1.ObjectMeta{Name: "village-seal"}, Spec: governancev1alpha1.PowerFlowSpec{
		Title: "村级印章使用", Start: "apply", Steps: []governancev1alpha1.FlowStep{
			{ID: "apply", Name: "经办人申请", Actor: governancev1alpha1.ActorVillagersCommittee, Next: []string{"approve"}},
			{ID: "approve", Name: "村党组织书记审批", Actor: governancev1alpha1.ActorPartyOrganization, Next: []string{"record"}},
			{ID: "record", Name: "登记用印并公开", Actor: governancev1alpha1.ActorVillagersCommittee, PublicNotice: true},
		}}}
	create(t, env.Client, flow)
	expectHealth(t, flow, status.CurrentStatus)
}
