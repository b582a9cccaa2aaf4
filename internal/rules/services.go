package rules

import (
	"cmp"
	"math"
	"slices"
	"strings"

	"k8s.io/apimachinery/pkg/util/sets"
	"k8s.io/apimachinery/pkg/util/validation/field"

	governancev1alpha1 "github.com/cunshe/cunshe-operator/api/v1alpha1"
)

// S20 is the notice's last rule: fewer items, not fewer services; less
// redundancy, not less funding (减事项不减服务，减冗余不减经费).
const S20 = "S20"

// ServiceSimilarity is how alike two item titles must be for a listed item
// to count as carrying a retired item's service (S20): the Jaccard index of
// the titles' character bigrams, after generic verbs and punctuation are
// dropped (serviceTitle). At 0.5, "协助开展人口普查入户登记" is carried by
// "协助开展第八次全国人口普查入户登记" (0.58) and not by the same department's
// "协助开展全国农业普查入户登记" (0.45); no two listed items of one
// department in the samples come closer than 0.45.
const ServiceSimilarity = 0.5

// genericVerbs open many titles without naming the service ("协助开展…",
// "做好…"); left in, any two titles of one department would look alike.
var genericVerbs = []string{"协助", "开展", "做好", "组织", "负责", "配合", "推进", "落实"}

// CarriesService reports whether items of the list carry a service to
// villages or residents: every list but the integrity negative list (L5),
// whose items forbid cadres' conduct and serve no one when they go.
func CarriesService(list governancev1alpha1.ListKind) bool {
	return list != governancev1alpha1.ListIntegrityNegative
}

// Coverage is the listed item that still carries a retired item's service
// (S20), or none.
type Coverage struct {
	// CoveredBy names the covering item; empty when the service is dropped.
	CoveredBy string
	// Similarity is the titles' similarity (0–1) with CoveredBy.
	Similarity float64
}

// Dropped reports whether no listed item carries the service.
func (c Coverage) Dropped() bool { return c.CoveredBy == "" }

// ServiceCoverage decides whether one of the listed items still carries the
// service of a retired item (S20): an item of the same list, with a
// responsible department in common (the applicant, for items that name
// none), whose title is at least ServiceSimilarity alike. Of several, the
// most alike covers it (the first by name on a tie).
func ServiceCoverage(retired *governancev1alpha1.ListItem, listed []*governancev1alpha1.ListItem) Coverage {
	owners := serviceOwners(&retired.Spec)
	title := serviceTitle(retired.Spec.Title)
	var best Coverage
	for _, it := range listed {
		if it.Name == retired.Name || it.Spec.List != retired.Spec.List || !owners.HasAny(sets.List(serviceOwners(&it.Spec))...) {
			continue
		}
		sim := TitleSimilarity(title, serviceTitle(it.Spec.Title))
		if sim < ServiceSimilarity {
			continue
		}
		if sim > best.Similarity || (sim == best.Similarity && it.Name < best.CoveredBy) {
			best = Coverage{CoveredBy: it.Name, Similarity: sim}
		}
	}
	return best
}

// RetiredServices are the services of the items revision from held and
// revision to does not, each with the item of to that still carries it, in
// the lists' order and by name (S20). item looks up an item's spec by name
// (approved specs never change, so the live ListItems serve); items it does
// not know and items of the integrity negative list, which carry no
// service, are left out.
func RetiredServices(from, to []governancev1alpha1.PublishedItem, item func(name string) *governancev1alpha1.ListItem) []governancev1alpha1.RetiredService {
	kept := sets.New[string]()
	var listed []*governancev1alpha1.ListItem
	for _, ref := range to {
		kept.Insert(ref.Name)
		if it := item(ref.Name); it != nil {
			listed = append(listed, it)
		}
	}
	var out []governancev1alpha1.RetiredService
	for _, ref := range from {
		it := item(ref.Name)
		if kept.Has(ref.Name) || it == nil || !CarriesService(it.Spec.List) {
			continue
		}
		c := ServiceCoverage(it, listed)
		rs := governancev1alpha1.RetiredService{Item: it.Name, List: it.Spec.List, Title: it.Spec.Title,
			CoveredBy: c.CoveredBy, Similarity: int32(math.Round(c.Similarity * 100))}
		if by := item(c.CoveredBy); by != nil {
			rs.CoveredByTitle = by.Spec.Title
		}
		out = append(out, rs)
	}
	slices.SortFunc(out, func(a, b governancev1alpha1.RetiredService) int {
		return cmp.Or(cmp.Compare(listOrder(a.List), listOrder(b.List)), strings.Compare(a.Item, b.Item))
	})
	return out
}

// listOrder is a list's place in the official order; unknown lists last.
func listOrder(l governancev1alpha1.ListKind) int {
	if i := slices.Index(governancev1alpha1.Lists, l); i >= 0 {
		return i
	}
	return len(governancev1alpha1.Lists)
}

// CountDropped counts the services no listed item carries.
func CountDropped(services []governancev1alpha1.RetiredService) int32 {
	var n int32
	for _, s := range services {
		if s.CoveredBy == "" {
			n++
		}
	}
	return n
}

// serviceOwners are the departments answerable for an item's service: its
// responsible departments, or its applicant where it names none.
func serviceOwners(spec *governancev1alpha1.ListItemSpec) sets.Set[string] {
	if len(spec.ResponsibleDepartments) > 0 {
		return sets.New(spec.ResponsibleDepartments...)
	}
	return sets.New(spec.Applicant.Name)
}

// serviceTitle is a title without the generic verbs; TitleSimilarity
// drops punctuation and spaces.
func serviceTitle(title string) string {
	for _, v := range genericVerbs {
		title = strings.ReplaceAll(title, v, "")
	}
	return title
}

// TitleSimilarity is the Jaccard index of two titles' character bigrams
// (letters and digits only; a title of one character is its own bigram):
// 1 for the same words, 0 for nothing in common. Bigrams suit Chinese, which
// has no spaces between words and whose words are mostly two characters.
func TitleSimilarity(a, b string) float64 {
	x := slices.Clone(new(bigrams).of(a))
	d := dice(x, new(bigrams).of(b))
	return d / (2 - d) // |a∩b| / |a∪b|, from 2|a∩b| / (|a|+|b|)
}

// ItemFunding is an Admission item's standing under S20's 费随事转: the
// reason of its Funded condition and, unless the money follows the work to
// the village, the finding that flags it for the review units. Items of the
// other lists have neither (reason "").
func ItemFunding(spec *governancev1alpha1.ListItemSpec) (reason string, flagged *field.Error) {
	if spec.List != governancev1alpha1.ListAdmission {
		return "", nil
	}
	path := specPath.Child("funding")
	f := spec.Funding
	switch {
	case f == nil:
		return governancev1alpha1.ReasonNoFunding, required(path, msg(S20,
			"准入事项未写明经费保障（spec.funding）：村（社区）承担工作却无经费，有违“减冗余不减经费、费随事转”；提请联审单位注意",
			"the Admission item names no funding (spec.funding): villages get the work without the money, against \"less redundancy, not less funding\" (费随事转); flagged for the review units"))
	case !f.FeeFollowsWork:
		return governancev1alpha1.ReasonFeeStaysWithDepartment, invalid(path.Child("feeFollowsWork"), false, msg(S20,
			"准入事项的经费（%[1]s：%[2]s）不随事转到村（社区），村（社区）无偿承担工作；提请联审单位注意",
			"the Admission item's funding (%[3]s: %[2]s) does not follow the work to the villages, who work unpaid; flagged for the review units",
			FundingSourceTitle(f.Source), f.Budget, f.Source))
	}
	return governancev1alpha1.ReasonFunded, nil
}

// FundingSourceTitle is a source's Chinese name, or the source as written.
func FundingSourceTitle(s governancev1alpha1.FundingSource) string {
	return cmp.Or(governancev1alpha1.FundingSourceTitles[s], string(s))
}

// validateFundingList: funding belongs to Admission items only, the work
// the lists give villages (S20).
func validateFundingList(spec *governancev1alpha1.ListItemSpec) field.ErrorList {
	if spec.Funding == nil || spec.List == governancev1alpha1.ListAdmission {
		return nil
	}
	return field.ErrorList{forbidden(specPath.Child("funding"), msg(S20,
		"经费保障只适用于准入事项，%s 事项不得填写", "funding applies to Admission items only, not to %s items", spec.List))}
}
