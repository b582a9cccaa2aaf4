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
	want := slices.Clone(new(bigrams).of(title))
	if len(want) == 0 {
		return nil
	}
	type scored struct {
		item  ItemTitle
		score float64
	}
	var ranked []scored
	var grams bigrams // reused across items: one title's at a time
	for _, it := range items {
		if !anyList && it.List != governancev1alpha1.ListAdmission {
			continue
		}
		if s := dice(want, grams.of(it.Title)); s > 0 {
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

// bigrams finds the adjacent pairs of letters and digits of a title, each
// pair packed into one number and the pairs sorted, so that comparing two
// titles is a merge of two short slices. Its buffers are reused.
type bigrams struct {
	runes []rune
	pairs []uint64
}

// of returns s's bigrams, valid until the next call.
func (b *bigrams) of(s string) []uint64 {
	b.runes, b.pairs = b.runes[:0], b.pairs[:0]
	for _, r := range s {
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			b.runes = append(b.runes, unicode.ToLower(r))
		}
	}
	if len(b.runes) == 1 {
		b.pairs = append(b.pairs, uint64(b.runes[0])<<32)
	}
	for i := 0; i+1 < len(b.runes); i++ {
		b.pairs = append(b.pairs, uint64(b.runes[i])<<32|uint64(b.runes[i+1]))
	}
	slices.Sort(b.pairs)
	return b.pairs
}

// dice is 2·|a∩b| / (|a|+|b|) over multisets of bigrams.
func dice(a, b []uint64) float64 {
	if len(a)+len(b) == 0 {
		return 0
	}
	common := 0
	for i, j := 0, 0; i < len(a) && j < len(b); {
		switch {
		case a[i] < b[j]:
			i++
		case a[i] > b[j]:
			j++
		default:
			common++
			i++
			j++
		}
	}
	return 2 * float64(common) / float64(len(a)+len(b))
}
