package webhooks_test

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/base64"
	"fmt"
	"sync/atomic"
	"testing"
	"time"

	. "github.com/onsi/gomega"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/util/retry"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"

	governancev1alpha1 "github.com/cunshe/cunshe-operator/api/v1alpha1"
	"github.com/cunshe/cunshe-operator/internal/rules"
)

var seq atomic.Int64

// censusItem is a realistic L1 item (see notes/domain.md): assisting the census.
func censusItem() *governancev1alpha1.ListItem {
	return &governancev1alpha1.ListItem{
		ObjectMeta: metav1.ObjectMeta{Name: fmt.Sprintf("l1-census-assist-%d", seq.Add(1))},
		Spec: governancev1alpha1.ListItemSpec{
			List:                   governancev1alpha1.ListAdmission,
			Title:                  "协助开展人口普查入户登记",
			Content:                "配合统计部门开展人口普查及抽样调查的入户摸底、登记工作。",
			Applicant:              governancev1alpha1.Applicant{Kind: governancev1alpha1.ApplicantCityDepartment, Name: "tjj"},
			Basis:                  governancev1alpha1.Basis{Kind: governancev1alpha1.BasisLaw, Citation: "《全国人口普查条例》第十条"},
			VillageRole:            governancev1alpha1.RoleAssist,
			ResponsibleDepartments: []string{"tjj"},
		},
	}
}

func approval(item *governancev1alpha1.ListItem, unit string, decision governancev1alpha1.ApprovalDecision) *governancev1alpha1.ItemApproval {
	return &governancev1alpha1.ItemApproval{
		ObjectMeta: metav1.ObjectMeta{Name: fmt.Sprintf("%s.%s.%d", item.Name, unit, seq.Add(1))},
		Spec: governancev1alpha1.ItemApprovalSpec{Item: item.Name, Digest: rules.Digest(&item.Spec, nil), Unit: unit, Decision: decision,
			Comment: "经审核，符合准入条件"},
	}
}

func signed(a *governancev1alpha1.ItemApproval, key ed25519.PrivateKey, keyID string) *governancev1alpha1.ItemApproval {
	rules.Sign(&a.Spec, keyID, key)
	return a
}

// bot is a GitOps applier that is no member of any review unit.
func bot(t *testing.T) client.Client {
	return as(t, "system:serviceaccount:argocd:argocd-application-controller")
}

func createItem(t *testing.T, item *governancev1alpha1.ListItem) {
	t.Helper()
	NewWithT(t).Expect(env.Client.Create(context.Background(), item)).To(Succeed())
}

func approveByAll(t *testing.T, item *governancev1alpha1.ListItem) {
	t.Helper()
	for unit, key := range unitKeys {
		NewWithT(t).Expect(bot(t).Create(context.Background(), signed(approval(item, unit, governancev1alpha1.DecisionApprove), key, unit+"-2026"))).To(Succeed())
	}
	waitForPhase(t, item, governancev1alpha1.PhaseApproved)
}

func waitForPhase(t *testing.T, item *governancev1alpha1.ListItem, phase governancev1alpha1.ItemPhase) {
	t.Helper()
	NewWithT(t).Eventually(func(g Gomega) {
		g.Expect(env.Client.Get(context.Background(), client.ObjectKeyFromObject(item), item)).To(Succeed())
		g.Expect(item.Status.Phase).To(Equal(phase))
	}).WithTimeout(15 * time.Second).Should(Succeed())
}

func TestListItemRulesAtAdmission(t *testing.T) {
	tests := map[string]struct {
		mutate func(*governancev1alpha1.ListItem)
		want   string
	}{
		"missing basis citation": {
			mutate: func(i *governancev1alpha1.ListItem) { i.Spec.Basis.Citation = "" },
			want:   "spec.basis.citation: Required value: S3 须写明设立依据的出处（法律法规条款或文件文号） / the basis needs a citation",
		},
		"resident interest without justification": {
			mutate: func(i *governancev1alpha1.ListItem) { i.Spec.Basis.Kind = governancev1alpha1.BasisResidentInterest },
			want:   "spec.basis.justification: Required value: S3 依据为群众利益的事项须说明",
		},
		"an applicant department that is not registered": {
			mutate: func(i *governancev1alpha1.ListItem) { i.Spec.Applicant.Name = "xyz" },
			want:   `spec.applicant.name: Not found: "xyz": S4 申报主体 "xyz" 不是已登记的市直部门`,
		},
		"a county applicant not in the registry": {
			mutate: func(i *governancev1alpha1.ListItem) {
				i.Spec.Applicant = governancev1alpha1.Applicant{Kind: governancev1alpha1.ApplicantCounty, Name: "330399"}
			},
			want: `spec.applicant.name: Not found: "330399": S4 申报主体 "330399" 不是登记在册的县（市、区）代码`,
		},
		"a village role on a Seal item": {
			mutate: func(i *governancev1alpha1.ListItem) { i.Spec.List = governancev1alpha1.ListSeal },
			want:   "spec.villageRole: Forbidden: S1 村（社区）角色只适用于准入事项，Seal 事项不得填写",
		},
		"a micro-power without its flow": {
			mutate: func(i *governancev1alpha1.ListItem) {
				i.Spec.List, i.Spec.VillageRole = governancev1alpha1.ListMicroPower, ""
			},
			want: "spec.flowRef: Required value: P1 小微权力事项须指定运行流程图（PowerFlow）",
		},
		"a micro-power whose flow does not exist": {
			mutate: func(i *governancev1alpha1.ListItem) {
				i.Spec.List, i.Spec.VillageRole, i.Spec.FlowRef = governancev1alpha1.ListMicroPower, "", "no-such-flow"
			},
			want: `spec.flowRef: Not found: "no-such-flow": P1 运行流程图 "no-such-flow" 不存在 / PowerFlow "no-such-flow" does not exist`,
		},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			g := NewWithT(t)
			item := censusItem()
			tc.mutate(item)
			err := env.Client.Create(context.Background(), item)
			g.Expect(apierrors.IsInvalid(err)).To(BeTrue(), "want Invalid, got %v", err)
			g.Expect(err.Error()).To(ContainSubstring(tc.want))
			g.Expect(apierrors.IsNotFound(env.Client.Get(context.Background(), client.ObjectKeyFromObject(item), item))).To(BeTrue(), "nothing is stored")
		})
	}
}

func TestSignedApprovalFromANonMemberBotCounts(t *testing.T) {
	g := NewWithT(t)
	item := censusItem()
	createItem(t, item)
	a := signed(approval(item, "mzj", governancev1alpha1.DecisionApprove), unitKeys["mzj"], "mzj-2026")
	a.Annotations = map[string]string{governancev1alpha1.AnnotationCreatedBy: "市民政局局长"} // a client cannot claim an author
	g.Expect(bot(t).Create(context.Background(), a)).To(Succeed())
	g.Expect(a.Annotations).To(HaveKeyWithValue(governancev1alpha1.AnnotationCreatedBy, "system:serviceaccount:argocd:argocd-application-controller"))
	g.Expect(a.Annotations).To(HaveKeyWithValue(governancev1alpha1.AnnotationVerifiedBy, "Signature"))

	g.Eventually(func(g Gomega) {
		g.Expect(env.Client.Get(context.Background(), client.ObjectKeyFromObject(item), item)).To(Succeed())
		g.Expect(item.Status.ApprovalSummary).To(Equal("1/4"))
		g.Expect(item.Status.Approvals).To(ConsistOf(And(HaveField("Unit", "mzj"), HaveField("VerifiedBy", governancev1alpha1.VerifiedBySignature))))
	}).WithTimeout(15 * time.Second).Should(Succeed())
}

func TestUnsignedApprovals(t *testing.T) {
	item := censusItem()
	createItem(t, item)

	t.Run("from a non-member are refused", func(t *testing.T) {
		g := NewWithT(t)
		err := bot(t).Create(context.Background(), approval(item, "mzj", governancev1alpha1.DecisionApprove))
		g.Expect(apierrors.IsForbidden(err)).To(BeTrue(), "%v", err)
		g.Expect(err.Error()).To(ContainSubstring(`S5 用户 "system:serviceaccount:argocd:argocd-application-controller" 不是联审单位 "mzj" 的成员（组 cunshe:unit:mzj）`))
		g.Expect(err.Error()).To(ContainSubstring("cannot approve for it unsigned"))
	})
	t.Run("from a member of another unit are refused", func(t *testing.T) {
		err := as(t, "zhang.san", "cunshe:unit:nyj").Create(context.Background(), approval(item, "mzj", governancev1alpha1.DecisionApprove))
		NewWithT(t).Expect(apierrors.IsForbidden(err)).To(BeTrue(), "%v", err)
	})
	t.Run("from a member count, recorded as Membership", func(t *testing.T) {
		g := NewWithT(t)
		a := approval(item, "mzj", governancev1alpha1.DecisionApprove)
		g.Expect(as(t, "li.si", "cunshe:unit:mzj").Create(context.Background(), a)).To(Succeed())
		g.Expect(a.Annotations).To(HaveKeyWithValue(governancev1alpha1.AnnotationVerifiedBy, "Membership"))
		g.Eventually(func(g Gomega) {
			g.Expect(env.Client.Get(context.Background(), client.ObjectKeyFromObject(item), item)).To(Succeed())
			g.Expect(item.Status.Approvals).To(ConsistOf(And(HaveField("Unit", "mzj"), HaveField("By", "li.si"),
				HaveField("VerifiedBy", governancev1alpha1.VerifiedByMembership))))
		}).WithTimeout(15 * time.Second).Should(Succeed())
	})
}

func TestForgedSignaturesAreRefused(t *testing.T) {
	item := censusItem()
	createItem(t, item)
	_, otherKey, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tests := map[string]struct {
		approval *governancev1alpha1.ItemApproval
		want     string
	}{
		"signed with a key that is not the unit's": {
			approval: signed(approval(item, "mzj", governancev1alpha1.DecisionApprove), otherKey, "mzj-2026"),
			want:     `S5 签名无法用联审单位 "mzj" 的公钥 "mzj-2026" 验证`,
		},
		"another unit's valid signature": {
			approval: signed(approval(item, "mzj", governancev1alpha1.DecisionApprove), unitKeys["nyj"], "mzj-2026"),
			want:     "does not verify against key",
		},
		"a key id the unit does not have": {
			approval: signed(approval(item, "mzj", governancev1alpha1.DecisionApprove), unitKeys["mzj"], "mzj-2019"),
			want:     `S5 联审单位 "mzj" 没有编号为 "mzj-2019" 的公钥`,
		},
		"a signed Reject turned into Approve": {
			approval: func() *governancev1alpha1.ItemApproval {
				a := signed(approval(item, "mzj", governancev1alpha1.DecisionReject), unitKeys["mzj"], "mzj-2026")
				a.Spec.Decision = governancev1alpha1.DecisionApprove
				return a
			}(),
			want: "signed for other content",
		},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			g := NewWithT(t)
			err := bot(t).Create(context.Background(), tc.approval)
			g.Expect(apierrors.IsInvalid(err)).To(BeTrue(), "%v", err)
			g.Expect(err.Error()).To(ContainSubstring(tc.want))
		})
	}
}

func TestJointApproval(t *testing.T) {
	g := NewWithT(t)
	ctx := context.Background()
	item := censusItem()
	createItem(t, item)
	approveByAll(t, item)

	g.Expect(item.Status.ApprovalSummary).To(Equal("4/4"))
	g.Expect(item.Status.ApprovedDigest).To(Equal(rules.Digest(&item.Spec, nil)))
	g.Expect(meta.IsStatusConditionTrue(item.Status.Conditions, governancev1alpha1.ReadyCondition)).To(BeTrue())
	g.Expect(item.Status.Approvals).To(HaveLen(4))

	t.Run("editing the approved item is refused and changes nothing", func(t *testing.T) {
		g := NewWithT(t)
		edited := item.DeepCopy()
		edited.Spec.Content = "扩大工作内容：另需填报纸质台账"
		err := env.Client.Update(ctx, edited)
		g.Expect(apierrors.IsForbidden(err)).To(BeTrue(), "%v", err)
		g.Expect(err.Error()).To(ContainSubstring("S5 事项 %q 已通过联合审核，内容不可修改", item.Name))
		stored := &governancev1alpha1.ListItem{}
		g.Expect(env.Client.Get(ctx, client.ObjectKeyFromObject(item), stored)).To(Succeed())
		g.Expect(stored.Spec.Content).To(Equal(item.Spec.Content))
	})
	t.Run("deleting it is refused", func(t *testing.T) {
		g := NewWithT(t)
		err := env.Client.Delete(ctx, item)
		g.Expect(apierrors.IsForbidden(err)).To(BeTrue(), "%v", err)
		g.Expect(err.Error()).To(ContainSubstring("S7"))
		g.Expect(err.Error()).To(ContainSubstring("can never be deleted"))
	})
	t.Run("changing an approval is refused", func(t *testing.T) {
		g := NewWithT(t)
		list := &governancev1alpha1.ItemApprovalList{}
		g.Expect(env.Client.List(ctx, list)).To(Succeed())
		var mine *governancev1alpha1.ItemApproval
		for i := range list.Items {
			if list.Items[i].Spec.Item == item.Name {
				mine = &list.Items[i]
			}
		}
		g.Expect(mine).NotTo(BeNil())
		mine.Spec.Comment = "改为不同意"
		err := env.Client.Update(ctx, mine)
		g.Expect(apierrors.IsInvalid(err)).To(BeTrue(), "%v", err)
		g.Expect(err.Error()).To(ContainSubstring("S5 审核意见提交后不可修改"))
	})
	t.Run("retiring it is accepted", func(t *testing.T) {
		g := NewWithT(t)
		retired := item.DeepCopy()
		retired.Spec.Retirement = &governancev1alpha1.Retirement{Reason: "《全国人口普查条例》修订，入户登记改由普查员承担", Effective: "2026-01-01"}
		g.Expect(env.Client.Update(ctx, retired)).To(Succeed())
		waitForPhase(t, retired, governancev1alpha1.PhaseRetired)

		undo := retired.DeepCopy()
		undo.Spec.Retirement = nil
		err := env.Client.Update(ctx, undo)
		g.Expect(apierrors.IsForbidden(err)).To(BeTrue(), "%v", err)
		g.Expect(err.Error()).To(ContainSubstring("S7"))
	})
}

func TestApprovalForAnOldDigestDoesNotCount(t *testing.T) {
	g := NewWithT(t)
	ctx := context.Background()
	item := censusItem()
	createItem(t, item)
	old := signed(approval(item, "mzj", governancev1alpha1.DecisionApprove), unitKeys["mzj"], "mzj-2026")
	g.Expect(bot(t).Create(ctx, old)).To(Succeed())
	g.Eventually(func(g Gomega) {
		g.Expect(env.Client.Get(ctx, client.ObjectKeyFromObject(item), item)).To(Succeed())
		g.Expect(item.Status.ApprovalSummary).To(Equal("1/4"))
	}).WithTimeout(15 * time.Second).Should(Succeed())

	item.Spec.Content += "另需协助开展经济普查。" // still pending: it may change, which voids earlier approvals
	g.Expect(env.Client.Update(ctx, item)).To(Succeed())
	g.Eventually(func(g Gomega) {
		g.Expect(env.Client.Get(ctx, client.ObjectKeyFromObject(item), item)).To(Succeed())
		g.Expect(item.Status.Digest).To(Equal(rules.Digest(&item.Spec, nil)))
		g.Expect(item.Status.ApprovalSummary).To(Equal("0/4"))
		g.Expect(env.Client.Get(ctx, client.ObjectKeyFromObject(old), old)).To(Succeed())
		ready := meta.FindStatusCondition(old.Status.Conditions, governancev1alpha1.ReadyCondition)
		g.Expect(ready).NotTo(BeNil())
		g.Expect(ready.Reason).To(Equal(governancev1alpha1.ReasonVoid))
		g.Expect(ready.Message).To(ContainSubstring("S5 审核的是事项的旧版本"))
	}).WithTimeout(15 * time.Second).Should(Succeed())
}

func TestARejectionRejects(t *testing.T) {
	item := censusItem()
	createItem(t, item)
	NewWithT(t).Expect(bot(t).Create(context.Background(),
		signed(approval(item, "sjw", governancev1alpha1.DecisionReject), unitKeys["sjw"], "sjw-2026"))).To(Succeed())
	waitForPhase(t, item, governancev1alpha1.PhaseRejected)
}

func TestPowerFlows(t *testing.T) {
	ctx := context.Background()
	flow := &governancev1alpha1.PowerFlow{
		ObjectMeta: metav1.ObjectMeta{Name: "village-engineering-project"},
		Spec: governancev1alpha1.PowerFlowSpec{Title: "村级工程项目", Start: "propose", Steps: []governancev1alpha1.FlowStep{
			{ID: "propose", Name: "村党组织提议", Actor: governancev1alpha1.ActorPartyOrganization, Next: []string{"discuss"}},
			{ID: "discuss", Name: "村两委联席会议商议", Actor: governancev1alpha1.ActorVillagersCommittee, Next: []string{"resolve"}},
			{ID: "resolve", Name: "村民（代表）会议决议", Actor: governancev1alpha1.ActorVillagersAssembly, Next: []string{"notice"}},
			{ID: "notice", Name: "决议公开公示", Actor: governancev1alpha1.ActorVillagersCommittee, PublicNotice: true, Next: []string{"archive"}},
			{ID: "archive", Name: "实施结果公开并归档", Actor: governancev1alpha1.ActorSupervisionCommittee},
		}},
	}

	t.Run("a flow with an unreachable step is refused", func(t *testing.T) {
		g := NewWithT(t)
		bad := flow.DeepCopy()
		bad.Name = "bad-flow"
		bad.Spec.Steps = append(bad.Spec.Steps, governancev1alpha1.FlowStep{ID: "orphan", Name: "孤立步骤", Actor: governancev1alpha1.ActorTownship})
		err := env.Client.Create(ctx, bad)
		g.Expect(apierrors.IsInvalid(err)).To(BeTrue(), "%v", err)
		g.Expect(err.Error()).To(ContainSubstring(`P1 步骤 "orphan" 无法从起始步骤 "propose" 到达`))
	})
	t.Run("a well-formed flow is Ready", func(t *testing.T) {
		g := NewWithT(t)
		g.Expect(env.Client.Create(ctx, flow)).To(Succeed())
		g.Eventually(func(g Gomega) {
			g.Expect(env.Client.Get(ctx, client.ObjectKeyFromObject(flow), flow)).To(Succeed())
			g.Expect(meta.IsStatusConditionTrue(flow.Status.Conditions, governancev1alpha1.ReadyCondition)).To(BeTrue())
		}).WithTimeout(15 * time.Second).Should(Succeed())
	})
	item := censusItem()
	item.Spec.List, item.Spec.VillageRole, item.Spec.FlowRef = governancev1alpha1.ListMicroPower, "", flow.Name
	item.Spec.Title = "村级工程项目建设"
	t.Run("a flow that an item uses cannot be deleted", func(t *testing.T) {
		g := NewWithT(t)
		createItem(t, item)
		g.Eventually(func() error { return env.Client.Delete(ctx, flow) }).WithTimeout(10 * time.Second).
			Should(MatchError(ContainSubstring(fmt.Sprintf(`P1 运行流程图 "%s" 仍被事项 [%s] 使用`, flow.Name, item.Name))))
	})
	t.Run("the item's digest covers the flow's steps, and an approved flow is frozen", func(t *testing.T) {
		g := NewWithT(t)
		specOnly, withFlow := rules.Digest(&item.Spec, nil), rules.Digest(&item.Spec, &flow.Spec)
		g.Expect(withFlow).NotTo(Equal(specOnly), "P1: an approval of a micro-power item covers its flow")
		stored := &governancev1alpha1.ListItem{}
		g.Eventually(func(g Gomega) {
			g.Expect(env.Client.Get(ctx, client.ObjectKeyFromObject(item), stored)).To(Succeed())
			g.Expect(stored.Status.Digest).To(Equal(withFlow))
		}).WithTimeout(15 * time.Second).Should(Succeed())

		// While the item is pending the flow may change; the item's digest follows it.
		// The flow's status controller writes too: update the newest version.
		updateFlow := func(name string) error {
			return retry.RetryOnConflict(retry.DefaultRetry, func() error {
				if err := env.Client.Get(ctx, client.ObjectKeyFromObject(flow), flow); err != nil {
					return err
				}
				flow.Spec.Steps[0].Name = name
				return env.Client.Update(ctx, flow)
			})
		}
		g.Expect(updateFlow("村党组织提议（经村务监督委员会列席）")).To(Succeed())
		changed := rules.Digest(&item.Spec, &flow.Spec)
		g.Expect(changed).NotTo(Equal(withFlow))
		g.Eventually(func(g Gomega) {
			g.Expect(env.Client.Get(ctx, client.ObjectKeyFromObject(item), stored)).To(Succeed())
			g.Expect(stored.Status.Digest).To(Equal(changed), "a changed flow changes the digest of the items that use it")
		}).WithTimeout(15 * time.Second).Should(Succeed())

		item.Status.Digest = changed
		for unit, key := range unitKeys {
			a := approval(item, unit, governancev1alpha1.DecisionApprove)
			a.Spec.Digest = changed
			g.Expect(bot(t).Create(ctx, signed(a, key, unit+"-2026"))).To(Succeed())
		}
		waitForPhase(t, item, governancev1alpha1.PhaseApproved)

		g.Expect(env.Client.Get(ctx, client.ObjectKeyFromObject(flow), flow)).To(Succeed())
		before := flow.DeepCopy()
		g.Eventually(func() error { return updateFlow("村党组织提议") }).WithTimeout(10 * time.Second).
			Should(MatchError(ContainSubstring(fmt.Sprintf(`P1 运行流程图 %q 已随事项 [%s] 通过联合审核，内容不可修改`, flow.Name, item.Name))))
		g.Expect(env.Client.Get(ctx, client.ObjectKeyFromObject(flow), flow)).To(Succeed())
		g.Expect(flow.Spec).To(Equal(before.Spec), "the refused change left the flow as it was")
	})
}

func TestReviewUnitKeysMustBeUsable(t *testing.T) {
	g := NewWithT(t)
	u := &governancev1alpha1.ReviewUnit{ObjectMeta: metav1.ObjectMeta{Name: "bad-unit"}, Spec: governancev1alpha1.ReviewUnitSpec{
		DisplayName: "测试单位", Group: "cunshe:unit:bad",
		PublicKeys: []governancev1alpha1.PublicKey{{ID: "k1", Ed25519: "not-base64-not-base64-not-base64-not-base64!"}}}}
	err := env.Client.Create(context.Background(), u)
	g.Expect(apierrors.IsInvalid(err)).To(BeTrue(), "%v", err)
	g.Expect(err.Error()).To(ContainSubstring(`S5 公钥 "k1" 不是 32 字节 Ed25519 公钥的 base64 编码`))
}

func TestDigestSurvivesTheAPIServer(t *testing.T) {
	g := NewWithT(t)
	item := censusItem()
	item.Spec.ResponsibleDepartments = []string{"tjj", "mzj"} // a set, in any order
	local := rules.Digest(&item.Spec, nil)
	createItem(t, item)
	stored := &governancev1alpha1.ListItem{}
	g.Eventually(func(g Gomega) {
		g.Expect(env.Client.Get(context.Background(), client.ObjectKeyFromObject(item), stored)).To(Succeed())
		g.Expect(stored.Status.Digest).To(Equal(local), "the operator's digest is the one a unit signs from the file")
	}).WithTimeout(15 * time.Second).Should(Succeed())
	g.Expect(rules.Digest(&stored.Spec, nil)).To(Equal(local), "what the API server stored digests like the manifest")
}

func TestTheReviewRecordStays(t *testing.T) {
	ctx := context.Background()
	t.Run("an approval over a digest that is not the item's current one is refused, naming the current one", func(t *testing.T) {
		g := NewWithT(t)
		item := censusItem()
		createItem(t, item)
		stale := item.DeepCopy()
		stale.Spec.Content += "（旧版本）"
		a := signed(approval(stale, "sjw", governancev1alpha1.DecisionApprove), unitKeys["sjw"], "sjw-2026")
		var err error
		g.Eventually(func() bool { err = bot(t).Create(ctx, a); return err != nil }).WithTimeout(10 * time.Second).Should(BeTrue())
		g.Expect(apierrors.IsInvalid(err)).To(BeTrue(), "%v", err)
		g.Expect(err.Error()).To(ContainSubstring(fmt.Sprintf("S5 审核意见的摘要不是事项 %q 的当前摘要 %s", item.Name, rules.Digest(&item.Spec, nil))))
		g.Expect(err.Error()).To(ContainSubstring("so the approval could never count"))
		g.Expect(apierrors.IsNotFound(env.Client.Get(ctx, client.ObjectKeyFromObject(a), &governancev1alpha1.ItemApproval{}))).To(BeTrue(), "nothing stored")
	})
	t.Run("the approvals of a pending item that is deleted go with it", func(t *testing.T) {
		g := NewWithT(t)
		item := censusItem()
		createItem(t, item)
		a := signed(approval(item, "sjw", governancev1alpha1.DecisionApprove), unitKeys["sjw"], "sjw-2026")
		g.Expect(bot(t).Create(ctx, a)).To(Succeed())
		g.Eventually(func(g Gomega) {
			g.Expect(env.Client.Get(ctx, client.ObjectKeyFromObject(a), a)).To(Succeed())
			g.Expect(a.OwnerReferences).To(ContainElement(HaveField("Name", item.Name)), "the item owns its approvals")
		}).WithTimeout(15 * time.Second).Should(Succeed())
		g.Expect(env.Client.Delete(ctx, item)).To(Succeed())
		g.Eventually(func() bool {
			return apierrors.IsNotFound(env.Client.Get(ctx, client.ObjectKeyFromObject(a), a))
		}).WithTimeout(30*time.Second).Should(BeTrue(), "the garbage collector deletes the approvals of the deleted item")
	})
	t.Run("an approval of an existing item cannot be deleted", func(t *testing.T) {
		g := NewWithT(t)
		item := censusItem()
		createItem(t, item)
		a := signed(approval(item, "sjw", governancev1alpha1.DecisionReject), unitKeys["sjw"], "sjw-2026")
		g.Expect(bot(t).Create(ctx, a)).To(Succeed())
		err := env.Client.Delete(ctx, a)
		g.Expect(apierrors.IsForbidden(err)).To(BeTrue(), "%v", err)
		g.Expect(err.Error()).To(ContainSubstring("S5 审核意见是联合审核的记录"))
	})
	t.Run("a required review unit cannot be deleted", func(t *testing.T) {
		g := NewWithT(t)
		err := env.Client.Delete(ctx, &governancev1alpha1.ReviewUnit{ObjectMeta: metav1.ObjectMeta{Name: "mzj"}})
		g.Expect(apierrors.IsForbidden(err)).To(BeTrue(), "%v", err)
		g.Expect(err.Error()).To(ContainSubstring("set spec.required to false first"))
	})
}

// S7: an approved item whose basis lapses today is retired by the operator,
// with the basis named in the reason, and no task may cite it any more.
func TestABasisThatLapsesRetiresItsItem(t *testing.T) {
	g := NewWithT(t)
	ctx := context.Background()
	today := time.Now().In(time.FixedZone("CST", 8*60*60)).Format(time.DateOnly)
	item := censusItem()
	item.Spec.Basis.ValidUntil = today
	createItem(t, item)
	for unit, key := range unitKeys {
		g.Expect(bot(t).Create(ctx, signed(approval(item, unit, governancev1alpha1.DecisionApprove), key, unit+"-2026"))).To(Succeed())
	}
	waitForPhase(t, item, governancev1alpha1.PhaseRetired)
	g.Expect(item.Status.ApprovedDigest).NotTo(BeEmpty(), "it was approved first")
	ready := meta.FindStatusCondition(item.Status.Conditions, governancev1alpha1.ReadyCondition)
	g.Expect(ready).NotTo(BeNil())
	g.Expect(ready.Reason).To(Equal(governancev1alpha1.ReasonRetired))
	g.Expect(ready.Message).To(ContainSubstring(fmt.Sprintf("依据《全国人口普查条例》第十条于 %s 失效", today)))
}

// S4: the applicant is who they say — only the applicant's own staff (or a
// GitOps service account of the department's namespace) propose or edit an
// item in its name; the platform team may only retire one.
func TestTheApplicantIsTheRequester(t *testing.T) {
	ctx := context.Background()
	refusal := func(user, kind, name, group string) string {
		return fmt.Sprintf("S4 用户 %q 不能以申报主体 %s %q 的名义申报或修改事项；申报主体须是提交人本身（组 %s，或该部门命名空间中的服务账号）",
			user, kind, name, group)
	}
	t.Run("a department's clerk proposes in its own name", func(t *testing.T) {
		g := NewWithT(t)
		g.Expect(as(t, "tjj-clerk", "cunshe:dept:tjj").Create(ctx, censusItem())).To(Succeed())
	})
	t.Run("not in another department's name", func(t *testing.T) {
		g := NewWithT(t)
		item := censusItem()
		item.Spec.Applicant.Name, item.Spec.ResponsibleDepartments = "mzj", []string{"mzj"}
		err := as(t, "tjj-clerk", "cunshe:dept:tjj").Create(ctx, item)
		g.Expect(apierrors.IsForbidden(err)).To(BeTrue(), "%v", err)
		g.Expect(err.Error()).To(ContainSubstring(refusal("tjj-clerk", "CityDepartment", "mzj", "cunshe:dept:mzj")))
		g.Expect(apierrors.IsNotFound(env.Client.Get(ctx, client.ObjectKeyFromObject(item), item))).To(BeTrue(), "nothing stored")
	})
	t.Run("a GitOps service account of the department's namespace acts for it, not for others", func(t *testing.T) {
		g := NewWithT(t)
		sa := as(t, "system:serviceaccount:dept-tjj:flux-applier", "system:serviceaccounts", "system:serviceaccounts:dept-tjj")
		g.Expect(sa.Create(ctx, censusItem())).To(Succeed())
		other := censusItem()
		other.Spec.Applicant.Name = "mzj"
		err := sa.Create(ctx, other)
		g.Expect(apierrors.IsForbidden(err)).To(BeTrue(), "%v", err)
		g.Expect(err.Error()).To(ContainSubstring(refusal("system:serviceaccount:dept-tjj:flux-applier", "CityDepartment", "mzj", "cunshe:dept:mzj")))
	})
	t.Run("a county's staff propose in the county's name only", func(t *testing.T) {
		g := NewWithT(t)
		item := censusItem()
		item.Spec.Applicant = governancev1alpha1.Applicant{Kind: governancev1alpha1.ApplicantCounty, Name: "330302"}
		g.Expect(as(t, "lucheng-clerk", "cunshe:county:330302").Create(ctx, item)).To(Succeed())
		other := censusItem()
		other.Spec.Applicant = governancev1alpha1.Applicant{Kind: governancev1alpha1.ApplicantCounty, Name: "330302"}
		err := as(t, "ouhai-clerk", "cunshe:county:330304").Create(ctx, other)
		g.Expect(err).To(MatchError(ContainSubstring(refusal("ouhai-clerk", "County", "330302", "cunshe:county:330302"))))
	})
	t.Run("another department cannot edit the item, nor take it over", func(t *testing.T) {
		g := NewWithT(t)
		item := censusItem()
		g.Expect(as(t, "tjj-clerk", "cunshe:dept:tjj").Create(ctx, item)).To(Succeed())
		mzj := as(t, "mzj-clerk", "cunshe:dept:mzj")
		// The item's status controller writes too: retry the newest version
		// until admission, not a conflict, answers.
		err := retry.RetryOnConflict(retry.DefaultRetry, func() error {
			if err := mzj.Get(ctx, client.ObjectKeyFromObject(item), item); err != nil {
				return err
			}
			item.Spec.Applicant.Name = "mzj"
			return mzj.Update(ctx, item)
		})
		g.Expect(err).To(MatchError(ContainSubstring(fmt.Sprintf("S4 用户 %q 不能以原申报主体 CityDepartment %q 的名义", "mzj-clerk", "tjj"))))
	})
	t.Run("the platform team retires an item but does not propose one", func(t *testing.T) {
		g := NewWithT(t)
		item := censusItem()
		err := as(t, "ops-alice", "cunshe:platform-ops").Create(ctx, item)
		g.Expect(err).To(MatchError(ContainSubstring(refusal("ops-alice", "CityDepartment", "tjj", "cunshe:dept:tjj"))))
		createItem(t, item)
		approveByAll(t, item)
		ops := as(t, "ops-alice", "cunshe:platform-ops")
		g.Expect(retry.RetryOnConflict(retry.DefaultRetry, func() error {
			if err := ops.Get(ctx, client.ObjectKeyFromObject(item), item); err != nil {
				return err
			}
			item.Spec.Retirement = &governancev1alpha1.Retirement{Reason: "年底清理：并入其他事项", Effective: "2030-01-01"}
			return ops.Update(ctx, item)
		})).To(Succeed())
	})
}

// S5: the bar of the joint review is never lowered silently, and a unit's
// means of approving are its own.
func TestTheReviewBarAndTheUnitsKeys(t *testing.T) {
	ctx := context.Background()
	unitWithKey := func(name string) *governancev1alpha1.ReviewUnit {
		pub, _, err := ed25519.GenerateKey(nil)
		NewWithT(t).Expect(err).NotTo(HaveOccurred())
		u := &governancev1alpha1.ReviewUnit{ObjectMeta: metav1.ObjectMeta{Name: name}, Spec: governancev1alpha1.ReviewUnitSpec{
			DisplayName: "测试联审单位", Group: "cunshe:unit:" + name,
			PublicKeys: []governancev1alpha1.PublicKey{{ID: name + "-2026", Ed25519: base64.StdEncoding.EncodeToString(pub)}}}}
		NewWithT(t).Expect(env.Client.Create(ctx, u)).To(Succeed())
		return u
	}
	// update changes the unit's newest version (its status controller writes too).
	update := func(c client.Client, name string, change func(*governancev1alpha1.ReviewUnit)) error {
		return retry.RetryOnConflict(retry.DefaultRetry, func() error {
			u := &governancev1alpha1.ReviewUnit{}
			if err := c.Get(ctx, client.ObjectKey{Name: name}, u); err != nil {
				return err
			}
			change(u)
			return c.Update(ctx, u)
		})
	}
	addKey := func(u *governancev1alpha1.ReviewUnit) {
		pub, _, _ := ed25519.GenerateKey(nil)
		u.Spec.PublicKeys = append(u.Spec.PublicKeys, governancev1alpha1.PublicKey{ID: "added-2027", Ed25519: base64.StdEncoding.EncodeToString(pub)})
	}
	t.Run("platform ops cannot add a key to a unit; the unit's member can", func(t *testing.T) {
		g := NewWithT(t)
		unitWithKey("bar-keys")
		err := update(as(t, "ops-alice", "cunshe:platform-ops"), "bar-keys", addKey)
		g.Expect(apierrors.IsForbidden(err)).To(BeTrue(), "%v", err)
		g.Expect(err.Error()).To(ContainSubstring(`S5 联审单位 "bar-keys" 的公钥和成员组只能由本单位成员（组 cunshe:unit:bar-keys）修改；用户 "ops-alice" 不是其成员`))
		g.Expect(update(as(t, "unit-member", "cunshe:unit:bar-keys"), "bar-keys", addKey)).To(Succeed())
	})
	t.Run("a required unit made not required needs a stated reason", func(t *testing.T) {
		g := NewWithT(t)
		unitWithKey("bar-required")
		err := update(env.Client, "bar-required", func(u *governancev1alpha1.ReviewUnit) { u.Spec.Required = ptr.To(false) })
		g.Expect(apierrors.IsForbidden(err)).To(BeTrue(), "%v", err)
		g.Expect(err.Error()).To(ContainSubstring(`S5 联审单位 "bar-required" 改为非必需会降低所有待审事项的要求`))
		stored := &governancev1alpha1.ReviewUnit{}
		g.Expect(env.Client.Get(ctx, client.ObjectKey{Name: "bar-required"}, stored)).To(Succeed())
		g.Expect(stored.IsRequired()).To(BeTrue(), "the refused change left the unit required")

		g.Expect(update(env.Client, "bar-required", func(u *governancev1alpha1.ReviewUnit) {
			u.Spec.Required = ptr.To(false)
			u.Annotations = map[string]string{rules.AnnotationReviewChange: "市委编办撤并该单位，经市政府常务会议同意（2027年第3次）"}
		})).To(Succeed())
	})
}
