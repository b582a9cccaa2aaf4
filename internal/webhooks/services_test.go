package webhooks_test

import (
	"context"
	"slices"
	"sync"
	"testing"
	"time"

	. "github.com/onsi/gomega"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/rest"
	"sigs.k8s.io/controller-runtime/pkg/client"

	governancev1alpha1 "github.com/cunshe/cunshe-operator/api/v1alpha1"
	"github.com/cunshe/cunshe-operator/internal/operator"
)

// warningLog keeps the API server's warnings to one client.
type warningLog struct {
	mu   sync.Mutex
	seen []string
}

func (w *warningLog) HandleWarningHeader(_ int, _ string, text string) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.seen = append(w.seen, text)
}

func (w *warningLog) all() []string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return slices.Clone(w.seen)
}

// admin is the suite's admin client, keeping the warnings it is given.
func admin(t *testing.T) (client.Client, *warningLog) {
	t.Helper()
	w := &warningLog{}
	cfg := rest.CopyConfig(env.Config)
	cfg.WarningHandler = w
	c, err := client.New(cfg, client.Options{Scheme: operator.Scheme()})
	if err != nil {
		t.Fatal(err)
	}
	return c, w
}

func funded(follows bool) *governancev1alpha1.Funding {
	return &governancev1alpha1.Funding{Source: governancev1alpha1.FundingCityBudget,
		Budget: "市级人口普查经费（市财政专项），每个普查小区 1500 元拨付到村（社区）", FeeFollowsWork: follows}
}

// S20 (减冗余不减经费): an Admission item that gives villages work without
// the money is admitted with a warning and flagged on its status for the
// review units, who decide; funding belongs to Admission items only.
func TestUnfundedAdmissionItemsAreFlagged(t *testing.T) {
	ctx := context.Background()
	const noFunding = "spec.funding: S20 准入事项未写明经费保障（spec.funding）：村（社区）承担工作却无经费，有违“减冗余不减经费、费随事转”；提请联审单位注意 / " +
		`the Admission item names no funding (spec.funding): villages get the work without the money, against "less redundancy, not less funding" (费随事转); flagged for the review units`
	tests := map[string]struct {
		funding      *governancev1alpha1.Funding
		wantWarnings []string
		wantStatus   metav1.ConditionStatus
		wantReason   string
		wantMessage  string
	}{
		"no funding": {
			wantWarnings: []string{noFunding},
			wantStatus:   metav1.ConditionFalse, wantReason: governancev1alpha1.ReasonNoFunding, wantMessage: noFunding[len("spec.funding: "):],
		},
		"a budget that stays with the department": {
			funding: funded(false),
			wantWarnings: []string{"spec.funding.feeFollowsWork: S20 准入事项的经费（市级财政：市级人口普查经费（市财政专项），每个普查小区 1500 元拨付到村（社区））不随事转到村（社区），村（社区）无偿承担工作；提请联审单位注意 / " +
				"the Admission item's funding (CityBudget: 市级人口普查经费（市财政专项），每个普查小区 1500 元拨付到村（社区）) does not follow the work to the villages, who work unpaid; flagged for the review units"},
			wantStatus: metav1.ConditionFalse, wantReason: governancev1alpha1.ReasonFeeStaysWithDepartment,
		},
		"funded, the money following the work": {
			funding:    funded(true),
			wantStatus: metav1.ConditionTrue, wantReason: governancev1alpha1.ReasonFunded,
			wantMessage: "S20 经费保障：市级财政（市级人口普查经费（市财政专项），每个普查小区 1500 元拨付到村（社区）），费随事转 / " +
				"funded from CityBudget (市级人口普查经费（市财政专项），每个普查小区 1500 元拨付到村（社区）); the money follows the work to the villages",
		},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			g := NewWithT(t)
			c, warnings := admin(t)
			item := censusItem()
			item.Spec.Funding = tc.funding
			g.Expect(c.Create(ctx, item)).To(Succeed(), "flagged, not refused: the review units decide")
			g.Expect(warnings.all()).To(Equal(tc.wantWarnings))
			g.Eventually(func(g Gomega) {
				g.Expect(env.Client.Get(ctx, client.ObjectKeyFromObject(item), item)).To(Succeed())
				funded := meta.FindStatusCondition(item.Status.Conditions, governancev1alpha1.FundedCondition)
				g.Expect(funded).NotTo(BeNil())
				g.Expect(funded.Status).To(Equal(tc.wantStatus))
				g.Expect(funded.Reason).To(Equal(tc.wantReason))
				if tc.wantMessage != "" {
					g.Expect(funded.Message).To(Equal(tc.wantMessage))
				}
			}).WithTimeout(15 * time.Second).Should(Succeed())
			g.Expect(item.Status.Phase).To(Equal(governancev1alpha1.PhasePending), "the flag does not hold up the review")
		})
	}

	t.Run("funding on a Seal item is refused, and nothing is stored", func(t *testing.T) {
		g := NewWithT(t)
		item := censusItem()
		item.Spec.List, item.Spec.VillageRole, item.Spec.Funding = governancev1alpha1.ListSeal, "", funded(true)
		err := env.Client.Create(ctx, item)
		g.Expect(apierrors.IsInvalid(err)).To(BeTrue(), "want Invalid, got %v", err)
		g.Expect(err.Error()).To(ContainSubstring("spec.funding: Forbidden: S20 经费保障只适用于准入事项，Seal 事项不得填写 / funding applies to Admission items only, not to Seal items"))
		g.Expect(apierrors.IsNotFound(env.Client.Get(ctx, client.ObjectKeyFromObject(item), item))).To(BeTrue())
	})

	t.Run("a Seal item has no Funded condition", func(t *testing.T) {
		g := NewWithT(t)
		item := censusItem()
		item.Spec.List, item.Spec.VillageRole = governancev1alpha1.ListSeal, ""
		createItem(t, item)
		g.Eventually(func(g Gomega) {
			g.Expect(env.Client.Get(ctx, client.ObjectKeyFromObject(item), item)).To(Succeed())
			g.Expect(meta.FindStatusCondition(item.Status.Conditions, governancev1alpha1.ApprovedCondition)).NotTo(BeNil())
		}).WithTimeout(15 * time.Second).Should(Succeed())
		g.Expect(meta.FindStatusCondition(item.Status.Conditions, governancev1alpha1.FundedCondition)).To(BeNil())
	})
}

// S20 (减事项不减服务): the revision that drops a retired item says which
// listed item still carries its service, and counts the services none does.
func TestARevisionTellsTheServicesItDrops(t *testing.T) {
	g := NewWithT(t)
	ctx := context.Background()
	today := time.Now().In(time.FixedZone("CST", 8*60*60)).Format(time.DateOnly)

	// Items of 市民政局 (the suite's census items are 市统计局's).
	mzjItem := func(title string) *governancev1alpha1.ListItem {
		it := censusItem()
		it.Spec.Title, it.Spec.Applicant.Name, it.Spec.ResponsibleDepartments = title, "mzj", []string{"mzj"}
		it.Spec.Funding = funded(true)
		return it
	}
	allowance, funeral := mzjItem("协助开展高龄津贴对象状况核查"), mzjItem("协助开展殡葬改革宣传")
	for _, it := range []*governancev1alpha1.ListItem{allowance, funeral} {
		createItem(t, it)
		approveByAll(t, it)
	}
	subsidies := mzjItem("协助开展高龄津贴和养老服务补贴对象状况核查")
	createItem(t, subsidies)
	approveByAll(t, subsidies)
	// A revision publishes all three before two retire.
	g.Eventually(func(g Gomega) {
		revisions := &governancev1alpha1.ListRevisionList{}
		g.Expect(env.Client.List(ctx, revisions)).To(Succeed())
		g.Expect(revisions.Items).To(ContainElement(HaveField("Spec.Items", ContainElements(
			HaveField("Name", allowance.Name), HaveField("Name", funeral.Name), HaveField("Name", subsidies.Name)))))
	}).WithTimeout(30 * time.Second).Should(Succeed())
	for _, it := range []*governancev1alpha1.ListItem{allowance, funeral} {
		g.Expect(env.Client.Get(ctx, client.ObjectKeyFromObject(it), it)).To(Succeed())
		it.Spec.Retirement = &governancev1alpha1.Retirement{Reason: "事项整合 / items merged", Effective: today}
		g.Expect(env.Client.Update(ctx, it)).To(Succeed())
	}

	// The revisions that dropped them, whichever they were.
	retired := func(g Gomega, name string) governancev1alpha1.RetiredService {
		revisions := &governancev1alpha1.ListRevisionList{}
		g.Expect(env.Client.List(ctx, revisions)).To(Succeed())
		for _, rev := range revisions.Items {
			for _, s := range rev.Status.RetiredServices {
				if s.Item == name {
					if s.CoveredBy == "" {
						g.Expect(rev.Status.ServicesDropped).To(BeNumerically(">=", 1), "counted as dropped on %s", rev.Name)
					}
					return s
				}
			}
		}
		g.Expect(name).To(Equal("recorded on a revision"))
		return governancev1alpha1.RetiredService{}
	}
	g.Eventually(func(g Gomega) {
		g.Expect(retired(g, allowance.Name)).To(Equal(governancev1alpha1.RetiredService{Item: allowance.Name, List: governancev1alpha1.ListAdmission,
			Title: "协助开展高龄津贴对象状况核查", CoveredBy: subsidies.Name, CoveredByTitle: "协助开展高龄津贴和养老服务补贴对象状况核查", Similarity: 56}))
		g.Expect(retired(g, funeral.Name)).To(Equal(governancev1alpha1.RetiredService{Item: funeral.Name, List: governancev1alpha1.ListAdmission,
			Title: "协助开展殡葬改革宣传"}))
	}).WithTimeout(30 * time.Second).Should(Succeed())
}
