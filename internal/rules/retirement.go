package rules

import (
	"fmt"
	"time"

	governancev1alpha1 "github.com/cunshe/cunshe-operator/api/v1alpha1"
)

// Retirement is when and why an item leaves the lists (S7): its declared
// retirement, or the day its basis lapses (basis.validUntil), whichever
// comes first; nil when neither is set. The item's phase, the revisions,
// the controller's wake-up and the CLI all read retirement here.
func Retirement(item *governancev1alpha1.ListItem) *governancev1alpha1.Retirement {
	declared, lapse := item.Spec.Retirement, basisLapse(&item.Spec.Basis)
	switch {
	case lapse == nil:
		return declared
	case declared == nil || lapse.Effective < declared.Effective:
		return lapse
	default:
		return declared
	}
}

// basisLapse is the retirement a basis with a validUntil date brings.
func basisLapse(b *governancev1alpha1.Basis) *governancev1alpha1.Retirement {
	if b.ValidUntil == "" {
		return nil
	}
	return &governancev1alpha1.Retirement{Effective: b.ValidUntil, Reason: fmt.Sprintf(
		"依据%[1]s于 %[2]s 失效，事项自该日起自动退出清单 / the basis %[1]s lapses on %[2]s; the item retires from the lists that day",
		citation(b), b.ValidUntil)}
}

func citation(b *governancev1alpha1.Basis) string {
	if b.Citation != "" {
		return b.Citation
	}
	return string(b.Kind)
}

// RetiredBy reports whether an approved item is retired on day today
// (YYYY-MM-DD, the city's day): only an approved item can retire (S7).
func RetiredBy(item *governancev1alpha1.ListItem, today string) bool {
	r := Retirement(item)
	return item.WasApproved() && r != nil && r.Effective <= today
}

// LapsingWithin is the retirement of an item, approved by the caller's
// reckoning (the cluster's status or the offline evaluation), that takes
// effect after today and within days of it: `kubectl cunshe validate`
// reports it so that a department can renew a basis in time (S7).
func LapsingWithin(item *governancev1alpha1.ListItem, today string, days int) *governancev1alpha1.Retirement {
	r := Retirement(item)
	if r == nil || r.Effective <= today || r.Effective > addDays(today, days) {
		return nil
	}
	return r
}

// addDays is the date days after day (both YYYY-MM-DD); an unparsable day
// is returned as it is.
func addDays(day string, days int) string {
	t, err := time.Parse(time.DateOnly, day)
	if err != nil {
		return day
	}
	return t.AddDate(0, 0, days).Format(time.DateOnly)
}
