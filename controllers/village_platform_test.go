package controllers_test

import (
	"context"
	"testing"
	"time"

	. "github.com/onsi/gomega"
	eventsv1 "k8s.io/api/events/v1"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	governancev1alpha1 "github.com/cunshe/cunshe-operator/api/v1alpha1"
	"github.com/cunshe/cunshe-operator/internal/tenant"
)

// exemption is the village's PaperLedgerExempt condition, once the
// controller has written it for the village's current generation.
func exemption(g Gomega, v *governancev1alpha1.Village) *metav1.Condition {
	g.Expect(env.Client.Get(context.Background(), client.ObjectKeyFromObject(v), v)).To(Succeed())
	c := meta.FindStatusCondition(v.Status.Conditions, governancev1alpha1.PaperLedgerExemptCondition)
	g.Expect(c).NotTo(BeNil())
	g.Expect(c.ObservedGeneration).To(Equal(v.Generation))
	return c
}

// S11: a village is exempt from paper ledgers on evidence — enrolled on the
// platform and a record of its work there within the city's window (90
// days by default) — and one enrolled whose records stopped is flagged.
func TestPaperLedgerExemptionRestsOnPlatformRecords(t *testing.T) {
	ctx := context.Background()
	v := newVillage(governancev1alpha1.TypeVillage)
	v = createReady(t, v)

	t.Run("not enrolled: paper ledgers apply", func(t *testing.T) {
		g := NewWithT(t)
		g.Eventually(func(g Gomega) {
			c := exemption(g, v)
			g.Expect(c.Status).To(Equal(metav1.ConditionFalse))
			g.Expect(c.Reason).To(Equal(governancev1alpha1.ReasonNotEnrolled))
			g.Expect(c.Message).To(Equal("S11 未登记智慧村社通平台启用日期（spec.platform.enrolledSince），仍需纸质台账 / no date of enrolment on the platform (spec.platform.enrolledSince): paper ledgers apply"))
		}).WithTimeout(10 * time.Second).Should(Succeed())
		g.Expect(v.Status.Platform).To(BeNil())
	})

	t.Run("enrolled since January without a record: flagged, not exempt", func(t *testing.T) {
		g := NewWithT(t)
		g.Expect(env.Client.Patch(ctx, v, client.RawPatch("application/merge-patch+json", []byte(`{"spec":{"platform":{"enrolledSince":"2026-01-15"}}}`)))).To(Succeed())
		g.Eventually(func(g Gomega) {
			c := exemption(g, v)
			g.Expect(c.Status).To(Equal(metav1.ConditionFalse))
			g.Expect(c.Reason).To(Equal(governancev1alpha1.ReasonNoRecentRecord))
			g.Expect(c.Message).To(ContainSubstring("S11 自 2026-01-15 起启用智慧村社通平台，但 90 天内没有平台留痕记录（最近一条：无）：不免查纸质台账，提请乡镇（街道）核实"))
		}).WithTimeout(10 * time.Second).Should(Succeed())
		g.Expect(v.Status.PaperLedgerExempt).To(BeFalse())
		g.Expect(v.Status.Platform).To(Equal(&governancev1alpha1.PlatformRecords{EnrolledSince: "2026-01-15", RecordWithinDays: 90}))
		g.Eventually(func(g Gomega) {
			events := &eventsv1.EventList{}
			g.Expect(env.Client.List(ctx, events, client.InNamespace("default"))).To(Succeed())
			g.Expect(events.Items).To(ContainElement(And(
				HaveField("Regarding.Name", v.Name), HaveField("Type", "Warning"), HaveField("Reason", "NoRecentRecord"),
				HaveField("Note", ContainSubstring("提请乡镇（街道）核实")),
			)))
		}).WithTimeout(10 * time.Second).Should(Succeed())
	})

	t.Run("its cadres publish a record on the platform: exempt, citing it", func(t *testing.T) {
		g := NewWithT(t)
		cadre := impersonate(t, "cadre", tenant.VillageGroup(v.Name))
		record := &governancev1alpha1.Disclosure{
			ObjectMeta: metav1.ObjectMeta{Name: "finance-2026-11", Namespace: v.Status.TenantNamespace},
			Spec: governancev1alpha1.DisclosureSpec{Category: governancev1alpha1.DisclosureFinance, Title: "2026年11月村级财务收支公开",
				Period: "2026-11", Body: "本月收入 12,400 元（村集体资产租金），支出 8,150 元（保洁 3,000 元、路灯电费 650 元、修缮 4,500 元）。"},
		}
		g.Expect(cadre.Create(ctx, record)).To(Succeed())
		g.Eventually(func(g Gomega) {
			c := exemption(g, v)
			g.Expect(c.Status).To(Equal(metav1.ConditionTrue))
			g.Expect(c.Reason).To(Equal(governancev1alpha1.ReasonRecordsOnPlatform))
			g.Expect(c.Message).To(ContainSubstring("最近一条记录 Disclosure/finance-2026-11"))
		}).WithTimeout(10 * time.Second).Should(Succeed())
		g.Expect(v.Status.PaperLedgerExempt).To(BeTrue())
		g.Expect(v.Status.Platform.LastRecord).To(Equal("Disclosure/finance-2026-11"))
		g.Expect(v.Status.Platform.LastRecordAt.Time).To(BeTemporally("==", record.CreationTimestamp.Time))
	})
}
