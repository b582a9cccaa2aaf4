package rules

import (
	"cmp"
	"slices"
	"unicode"

	governancev1alpha1 "github.com/cunshe/cunshe-operator/api/v1alpha1"
)

// ClosestItems ranks published items by how close their titles are to a
// task's title and returns the best n with any likeness. Chinese titles have
// no spaces, so likeness is the Dice coefficient of character bigrams
// (unigrams for one-character titles). Only Admission items are offered for
// work; any list's items for wall postings (anyList).
func ClosestItems(title string, items []ItemTitle, anyList bool, n int) []ItemTitle {
	want := bigrams(title)
	if len(want) == 0 {
		return nil
	}
	type scored struct {
		item  ItemTitle
		score float64
	}
	var ranked []scored
	for _, it := range items {
		if !anyList && it.List != governancev1alpha1.ListAdmission {
			continue
		}
		if s := dice(want, bigrams(it.Title)); s > 0 {
			ranked = append(ranked, scored{it, s})
		}
	}
	slices.SortFunc(ranked, func(a, b scored) int {
		return cmp.Or(cmp.Compare(b.score, a.score), cmp.Compare(a.item.Name, b.item.Name))
	})
	out := make([]ItemTitle, 0, n)
	for i := 0; i < len(ranked) && i < n; i++ {
		out = append(out, ranked[i].item)
	}
	return out
}

// bigrams counts the adjacent pairs of letters and digits of s.
func bigrams(s string) map[[2]rune]int {
	var rs []rune
	for _, r := range s {
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			rs = append(rs, unicode.ToLower(r))
		}
	}
	out := map[[2]rune]int{}
	if len(rs) == 1 {
		out[[2]rune{rs[0], 0}]++
	}
	for i := 0; i+1 < len(rs); i++ {
		out[[2]rune{rs[i], rs[i+1]}]++
	}
	return out
}

func dice(a, b map[[2]rune]int) float64 {
	common, size := 0, 0
	for k, n := range a {
		common += min(n, b[k])
		size += n
	}
	for _, n := range b {
		size += n
	}
	if size == 0 {
		return 0
	}
	return 2 * float64(common) / float64(size)
}
