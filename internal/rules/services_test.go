package rules_test

import (
	"testing"

	. "github.com/onsi/gomega"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/validation/field"

	governancev1alpha1 "github.com/cunshe/cunshe-operator/api/v1alpha1"
	"github.com/cunshe/cunshe-operator/internal/rules"
)

// item is a listed item of the samples' kind (config/samples/lists).
func item(name string, list governancev1alpha1.ListKind, title string, departments ...string) *governancev1alpha1.ListItem {
	return &governancev1alpha1.ListItem{ObjectMeta: metav1.ObjectMeta{Name: name}, Spec: governancev1alpha1.ListItemSpec{
		List: list, Title: title, ResponsibleDepartments: departments,
		Applicant: governancev1alpha1.Applicant{Kind: governancev1alpha1.ApplicantCityDepartment, Name: departments[0]},
	}}
}

// The samples' titles (config/samples/lists), retired and listed.
var (
	census       = item("l1-census-assist", governancev1alpha1.ListAdmission, "协助开展人口普查入户登记", "tjj")
	census2030   = item("l1-census-2030", governancev1alpha1.ListAdmission, "协助开展第八次全国人口普查入户登记", "tjj")
	agriCensus   = item("l1-agricultural-census", governancev1alpha1.ListAdmission, "协助开展全国农业普查入户登记", "tjj")
	medical      = item("l1-medical-insurance-enrolment", governancev1alpha1.ListAdmission, "城乡居民基本医疗保险参保动员", "ybj")
	pension      = item("l1-resident-pension-enrolment", governancev1alpha1.ListAdmission, "城乡居民基本养老保险参保动员", "rsj")
	fireSafety   = item("l1-fire-safety-convention", governancev1alpha1.ListAdmission, "组织制定防火安全公约并开展防火安全检查", "xfzd", "yjj")
	firePatrol   = item("l1-fire-safety-patrol", governancev1alpha1.ListAdmission, "制定防火安全公约并开展防火安全巡查", "yjj")
	kinship      = item("l2-family-relationship", governancev1alpha1.ListSeal, "仅在本村（社区）可查知的亲属关系证明", "mzj")
	kinshipDuty  = item("l4-kinship-facts", governancev1alpha1.ListHeadDuty, "仅在本村（社区）可查知的亲属关系证明", "mzj")
	noTenderRigs = item("l5-no-tender-interference", governancev1alpha1.ListIntegrityNegative, "不得插手干预村级工程项目招投标", "sjw")
)

func TestServiceCoverage(t *testing.T) {
	tests := map[string]struct {
		retired *governancev1alpha1.ListItem
		listed  []*governancev1alpha1.ListItem
		// wantBy is the covering item; "" means the service is dropped.
		wantBy string
		// wantSimilarity is the similarity reported, to two decimals.
		wantSimilarity float64
	}{
		"the next census's item of the same department carries the census": {
			retired: census, listed: []*governancev1alpha1.ListItem{agriCensus, census2030, medical},
			wantBy: "l1-census-2030", wantSimilarity: 0.58,
		},
		"the agricultural census is another service, though of the same department (0.45)": {
			retired: census, listed: []*governancev1alpha1.ListItem{agriCensus, medical},
		},
		"a title as alike, of another department, does not carry it (medical vs pension insurance, 0.62)": {
			retired: medical, listed: []*governancev1alpha1.ListItem{pension},
		},
		"one responsible department in common suffices": {
			retired: fireSafety, listed: []*governancev1alpha1.ListItem{firePatrol},
			wantBy: "l1-fire-safety-patrol", wantSimilarity: 0.75,
		},
		"the same title on another list is another service": {
			retired: kinship, listed: []*governancev1alpha1.ListItem{kinshipDuty},
		},
		"the item itself, still listed, is not its own cover": {
			retired: census, listed: []*governancev1alpha1.ListItem{census},
		},
		"nothing listed": {
			retired: census,
		},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			g := NewWithT(t)
			c := rules.ServiceCoverage(tc.retired, tc.listed)
			g.Expect(c.CoveredBy).To(Equal(tc.wantBy))
			g.Expect(c.Dropped()).To(Equal(tc.wantBy == ""))
			if tc.wantBy != "" {
				g.Expect(c.Similarity).To(BeNumerically("~", tc.wantSimilarity, 0.005))
			}
		})
	}
}

func TestTitleSimilarity(t *testing.T) {
	g := NewWithT(t)
	g.Expect(rules.TitleSimilarity("人口普查入户登记", "人口普查入户登记")).To(Equal(1.0))
	g.Expect(rules.TitleSimilarity("人口普查", "宅基地申请")).To(Equal(0.0))
	g.Expect(rules.TitleSimilarity("人口，普查", "人口普查")).To(Equal(1.0), "punctuation does not count")
	g.Expect(rules.TitleSimilarity("", "")).To(Equal(0.0))
}

func TestRetiredServices(t *testing.T) {
	g := NewWithT(t)
	byName := map[string]*governancev1alpha1.ListItem{}
	for _, it := range []*governancev1alpha1.ListItem{census, census2030, agriCensus, medical, kinship, noTenderRigs} {
		byName[it.Name] = it
	}
	ref := func(it *governancev1alpha1.ListItem) governancev1alpha1.PublishedItem {
		return governancev1alpha1.PublishedItem{Name: it.Name, List: it.Spec.List, Digest: "sha256:x"}
	}
	from := []governancev1alpha1.PublishedItem{ref(census), ref(agriCensus), ref(kinship), ref(noTenderRigs), ref(medical),
		{Name: "l1-gone", List: governancev1alpha1.ListAdmission}}
	to := []governancev1alpha1.PublishedItem{ref(census2030), ref(agriCensus)}

	got := rules.RetiredServices(from, to, func(name string) *governancev1alpha1.ListItem { return byName[name] })
	g.Expect(got).To(Equal([]governancev1alpha1.RetiredService{
		{Item: "l1-census-assist", List: governancev1alpha1.ListAdmission, Title: "协助开展人口普查入户登记",
			CoveredBy: "l1-census-2030", CoveredByTitle: "协助开展第八次全国人口普查入户登记", Similarity: 58},
		{Item: "l1-medical-insurance-enrolment", List: governancev1alpha1.ListAdmission, Title: "城乡居民基本医疗保险参保动员"},
		{Item: "l2-family-relationship", List: governancev1alpha1.ListSeal, Title: "仅在本村（社区）可查知的亲属关系证明"},
	}), "in the lists' order; the integrity negative item serves no one and an unknown item is left out")
	g.Expect(rules.CountDropped(got)).To(Equal(int32(2)))
}

func TestItemFunding(t *testing.T) {
	funded := func(follows bool) *governancev1alpha1.Funding {
		return &governancev1alpha1.Funding{Source: governancev1alpha1.FundingCityBudget,
			Budget: "市级人口普查经费（市财政专项），每个普查小区 1500 元拨付到村（社区）", FeeFollowsWork: follows}
	}
	tests := map[string]struct {
		list       governancev1alpha1.ListKind
		funding    *governancev1alpha1.Funding
		wantReason string
		// want is the flag, if any.
		want []finding
	}{
		"funded, the money following the work": {
			list: governancev1alpha1.ListAdmission, funding: funded(true), wantReason: governancev1alpha1.ReasonFunded,
		},
		"no funding: the work is pushed onto villages unpaid": {
			list: governancev1alpha1.ListAdmission, wantReason: governancev1alpha1.ReasonNoFunding,
			want: []finding{{typ: field.ErrorTypeRequired, path: "spec.funding", rule: "S20",
				contains: "准入事项未写明经费保障（spec.funding）：村（社区）承担工作却无经费，有违“减冗余不减经费、费随事转”；提请联审单位注意 / the Admission item names no funding (spec.funding)"}},
		},
		"a budget that stays with the department": {
			list: governancev1alpha1.ListAdmission, funding: funded(false), wantReason: governancev1alpha1.ReasonFeeStaysWithDepartment,
			want: []finding{{typ: field.ErrorTypeInvalid, path: "spec.funding.feeFollowsWork", rule: "S20",
				contains: "准入事项的经费（市级财政：市级人口普查经费（市财政专项），每个普查小区 1500 元拨付到村（社区））不随事转到村（社区），村（社区）无偿承担工作；提请联审单位注意 / the Admission item's funding (CityBudget: 市级人口普查经费（市财政专项），每个普查小区 1500 元拨付到村（社区）) does not follow the work to the villages, who work unpaid; flagged for the review units"}},
		},
		"other lists have no funding to flag": {
			list: governancev1alpha1.ListSeal,
		},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			i := censusItem()
			i.Spec.List, i.Spec.Funding = tc.list, tc.funding
			reason, flagged := rules.ItemFunding(&i.Spec)
			NewWithT(t).Expect(reason).To(Equal(tc.wantReason))
			var errs field.ErrorList
			if flagged != nil {
				errs = append(errs, flagged)
			}
			expectFindings(t, errs, tc.want)
		})
	}
}

func TestFundingOnAdmissionItemsOnly(t *testing.T) {
	i := censusItem()
	i.Spec.List, i.Spec.VillageRole = governancev1alpha1.ListSeal, ""
	i.Spec.Funding = &governancev1alpha1.Funding{Source: governancev1alpha1.FundingDepartmentBudget, Budget: "市民政局部门预算", FeeFollowsWork: true}
	expectFindings(t, rules.ValidateListItem(i, snapshot()), []finding{{typ: field.ErrorTypeForbidden, path: "spec.funding", rule: "S20",
		contains: "经费保障只适用于准入事项，Seal 事项不得填写 / funding applies to Admission items only, not to Seal items"}})
}
