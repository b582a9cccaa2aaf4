package jurisdictions_test

import (
	"context"
	"testing"
	"time"

	. "github.com/onsi/gomega"
	"github.com/prometheus/client_golang/prometheus/testutil"
	"k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/client-go/util/retry"
	"sigs.k8s.io/controller-runtime/pkg/client"

	governancev1alpha1 "github.com/cunshe/cunshe-operator/api/v1alpha1"
	"github.com/cunshe/cunshe-operator/internal/metrics"
)

// TestRectificationNamesTheCounty: a county with work remaining after its
// city's rectification deadline is named (S18, S19) — in its
// CountyCompliance, its Rectified condition and the metrics. It runs after
// TestTwoCitiesAndTheirProvince, which declares Wenzhou (3303).
func TestRectificationNamesTheCounty(t *testing.T) {
	ctx := context.Background()
	g := NewWithT(t)
	const county = "330302" // 鹿城区, where wenzhouVillages[0] lies
	pending := item("lc-county-duty", "", "")
	pending.Spec.Applicant = governancev1alpha1.Applicant{Kind: governancev1alpha1.ApplicantCounty, Name: county}
	g.Expect(env.Client.Create(ctx, pending)).To(Succeed())

	setDeadline := func(day string) {
		g.Expect(retry.RetryOnConflict(retry.DefaultRetry, func() error {
			j := &governancev1alpha1.Jurisdiction{}
			if err := env.Client.Get(ctx, client.ObjectKey{Name: "3303"}, j); err != nil {
				return err
			}
			j.Spec.RectificationDeadline = day
			return env.Client.Update(ctx, j)
		})).To(Succeed())
	}
	summary := func(g Gomega) *governancev1alpha1.CountyCompliance {
		cc := &governancev1alpha1.CountyCompliance{}
		g.Expect(env.Client.Get(ctx, client.ObjectKey{Name: county}, cc)).To(Succeed())
		return cc
	}

	setDeadline("2026-01-31") // past: the notice's year-end came and went
	g.Eventually(func(g Gomega) {
		cc := summary(g)
		g.Expect(cc.Status.PendingItems).To(BeEquivalentTo(1), "its item waits for the joint review")
		g.Expect(cc.Status.Rectification).NotTo(BeNil())
		g.Expect(cc.Status.Rectification.Remaining).To(BeEquivalentTo(1))
		g.Expect(cc.Status.Rectification.Named).To(BeTrue())
		c := meta.FindStatusCondition(cc.Status.Conditions, governancev1alpha1.RectifiedCondition)
		g.Expect(c).NotTo(BeNil())
		g.Expect(c.Reason).To(Equal("DeadlinePassed"))
		g.Expect(c.Message).To(Equal("S19 县（市、区）330302 整改期限 2026-01-31 已过，仍有 1 项未整改，予以通报 / " +
			"county 330302 missed the rectification deadline 2026-01-31 with 1 left to rectify and is named"))
	}).WithTimeout(20 * time.Second).Should(Succeed())
	g.Expect(testutil.ToFloat64(metrics.RectificationNamed.WithLabelValues("county", county))).To(BeEquivalentTo(1))

	future := time.Now().In(time.FixedZone("CST", 8*3600)).AddDate(0, 0, 30).Format(time.DateOnly)
	setDeadline(future)
	g.Eventually(func(g Gomega) {
		r := summary(g).Status.Rectification
		g.Expect(r).NotTo(BeNil())
		g.Expect(r.Deadline).To(Equal(future))
		j := &governancev1alpha1.Jurisdiction{}
		g.Expect(env.Client.Get(ctx, client.ObjectKey{Name: "3303"}, j)).To(Succeed())
		g.Expect(r.Named).To(BeFalse(), "before the deadline a county counts down, it is not named: %+v, city's deadline %s", r, j.Spec.RectificationDeadline)
		g.Expect(r.DaysLeft).To(BeNumerically(">=", 29))
	}).WithTimeout(20 * time.Second).Should(Succeed())
	g.Expect(testutil.ToFloat64(metrics.RectificationNamed.WithLabelValues("county", county))).To(BeEquivalentTo(0))

	other := summary(g)
	g.Expect(other.Status.Rectification.Remaining).To(BeEquivalentTo(1))
	g.Expect(env.Client.Get(ctx, client.ObjectKey{Name: "330324"}, &governancev1alpha1.CountyCompliance{})).To(Succeed(), "every county with villages has a summary")
}
