package controllers_test

import (
	"context"
	"testing"
	"time"

	. "github.com/onsi/gomega"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	governancev1alpha1 "github.com/cunshe/cunshe-operator/api/v1alpha1"
	"github.com/cunshe/cunshe-operator/internal/signboards"
)

// A township of the tests' own, so that its summary counts only its villages.
var yongzhong = governancev1alpha1.Division{Code: "330303101", Name: "永中街道"}

func yongzhongVillage(code, name string, typ governancev1alpha1.VillageType) *governancev1alpha1.Village {
	return &governancev1alpha1.Village{ObjectMeta: metav1.ObjectMeta{Name: code}, Spec: governancev1alpha1.VillageSpec{
		Code: code, Name: name, Type: typ, County: governancev1alpha1.Division{Code: "330303", Name: "龙湾区"}, Township: yongzhong}}
}

// TestSignboardCompliance: a compliant set shows Compliant and Ready; when
// its village turns from community into village the set no longer fits
// and its status lists what is missing and extra; the township's style
// counts compliant, noncompliant and missing sets.
func TestSignboardCompliance(t *testing.T) {
	g := NewWithT(t)
	ctx := context.Background()
	style := signboards.DefaultStyle(yongzhong)
	g.Expect(env.Client.Create(ctx, style)).To(Succeed())
	community := createReady(t, yongzhongVillage("330303101001", "永昌社区", governancev1alpha1.TypeCommunity))
	createReady(t, yongzhongVillage("330303101201", "王宅村", governancev1alpha1.TypeVillage)) // no set: missing
	set := signboards.DefaultSet(community, "温州市")
	g.Expect(env.Client.Create(ctx, set)).To(Succeed())

	g.Eventually(func(g Gomega) {
		g.Expect(env.Client.Get(ctx, client.ObjectKeyFromObject(set), set)).To(Succeed())
		c := meta.FindStatusCondition(set.Status.Conditions, governancev1alpha1.CompliantCondition)
		g.Expect(c).NotTo(BeNil())
		g.Expect(*c).To(MatchFields(metav1.ConditionTrue, governancev1alpha1.ReasonCompliant, "符合 S12–S16 / meets S12–S16"))
		g.Expect(meta.IsStatusConditionTrue(set.Status.Conditions, governancev1alpha1.ReadyCondition)).To(BeTrue())
	}).WithTimeout(15 * time.Second).Should(Succeed())
	expectSummary(t, style, governancev1alpha1.SignboardStyleStatus{Villages: 2, Compliant: 1, Missing: 1}, governancev1alpha1.ReasonSetsMissing)

	// The registry reclassifies the unit: its boards are now those of a community at a village.
	g.Expect(env.Client.Get(ctx, client.ObjectKeyFromObject(community), community)).To(Succeed())
	community.Spec.Type = governancev1alpha1.TypeVillage
	g.Expect(env.Client.Update(ctx, community)).To(Succeed())
	g.Eventually(func(g Gomega) {
		g.Expect(env.Client.Get(ctx, client.ObjectKeyFromObject(set), set)).To(Succeed())
		g.Expect(meta.IsStatusConditionFalse(set.Status.Conditions, governancev1alpha1.CompliantCondition)).To(BeTrue())
		g.Expect(set.Status.MissingBoards).To(Equal([]string{"VillagersCommittee", "CulturalHall|CivilizationPracticeStation"}))
		g.Expect(set.Status.ExtraBoards).To(Equal([]string{"ResidentsCommittee", "CommunityCultureHome"}))
		c := meta.FindStatusCondition(set.Status.Conditions, governancev1alpha1.CompliantCondition)
		g.Expect(c.Reason).To(Equal(governancev1alpha1.ReasonNonCompliant))
		g.Expect(c.Message).To(HavePrefix(`spec.institutionBoards[1].type: Invalid value: "ResidentsCommittee": S12 居民委员会是社区的机构牌子，村 永昌社区 应挂村民委员会（VillagersCommittee）`))
	}).WithTimeout(15 * time.Second).Should(Succeed())
	expectSummary(t, style, governancev1alpha1.SignboardStyleStatus{Villages: 2, Noncompliant: 1, Missing: 1}, governancev1alpha1.ReasonNonCompliant)
}

// MatchFields matches a condition's status, reason and message.
func MatchFields(status metav1.ConditionStatus, reason, message string) OmegaMatcher {
	return And(HaveField("Status", status), HaveField("Reason", reason), HaveField("Message", message))
}

func expectSummary(t *testing.T, style *governancev1alpha1.SignboardStyle, want governancev1alpha1.SignboardStyleStatus, reason string) {
	t.Helper()
	NewWithT(t).Eventually(func(g Gomega) {
		g.Expect(env.Client.Get(context.Background(), client.ObjectKeyFromObject(style), style)).To(Succeed())
		s := style.Status
		g.Expect([]int32{s.Villages, s.Compliant, s.Noncompliant, s.Missing}).To(Equal([]int32{want.Villages, want.Compliant, want.Noncompliant, want.Missing}))
		g.Expect(meta.FindStatusCondition(s.Conditions, governancev1alpha1.ReadyCondition)).To(HaveField("Reason", reason))
	}).WithTimeout(15 * time.Second).Should(Succeed())
}
