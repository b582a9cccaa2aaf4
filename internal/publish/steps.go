package publish

import (
	"crypto/sha256"
	"encoding/binary"
	"slices"
	"strings"

	"k8s.io/apimachinery/pkg/util/sets"

	governancev1alpha1 "github.com/cunshe/cunshe-operator/api/v1alpha1"
)

// Order is the order in which percentage steps reach villages: by a hash of
// the code, so that 10 % is spread over every county instead of the first one,
// and stable across restarts.
func Order(villages []*governancev1alpha1.Village) []*governancev1alpha1.Village {
	out := slices.Clone(villages)
	key := func(v *governancev1alpha1.Village) uint64 {
		sum := sha256.Sum256([]byte(v.Spec.Code))
		return binary.BigEndian.Uint64(sum[:8])
	}
	slices.SortFunc(out, func(a, b *governancev1alpha1.Village) int {
		if ka, kb := key(a), key(b); ka != kb {
			if ka < kb {
				return -1
			}
			return 1
		}
		return strings.Compare(a.Name, b.Name)
	})
	return out
}

// Selected names the villages that hold the rollout's revision once steps
// [0, step) are done: the counties named so far plus the largest percentage
// reached so far; after the last step, every village.
func Selected(ordered []*governancev1alpha1.Village, steps []governancev1alpha1.RolloutStep, step int) sets.Set[string] {
	selected := sets.New[string]()
	if step >= len(steps) {
		for _, v := range ordered {
			selected.Insert(v.Name)
		}
		return selected
	}
	counties := sets.New[string]()
	percent := int32(0)
	for _, s := range steps[:step] {
		counties.Insert(s.Counties...)
		if s.Percent != nil {
			percent = max(percent, *s.Percent)
		}
	}
	quota := (len(ordered)*int(percent) + 99) / 100
	for i, v := range ordered {
		if i < quota || counties.Has(v.Spec.County.Code) {
			selected.Insert(v.Name)
		}
	}
	return selected
}
