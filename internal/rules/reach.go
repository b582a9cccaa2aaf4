package rules

import (
	"slices"

	governancev1alpha1 "github.com/cunshe/cunshe-operator/api/v1alpha1"
)

// Place is what the rules of reach read of a village: its code, its county
// and its type. Villages of one county and type stand in the same place for
// every rule but a task that names villages one by one.
type Place struct {
	Code   string
	County string
	Type   governancev1alpha1.VillageType
}

// PlaceOf is where a village stands.
func PlaceOf(v *governancev1alpha1.Village) Place {
	return Place{Code: v.Name, County: v.Spec.County.Code, Type: v.Spec.Type}
}

// InScope reports whether an item's scope covers a place (S2): one of its
// counties (none: citywide) and one of its village types (none: both). The
// lists a village holds, the tasks that reach it and admission all read an
// item's scope here.
func InScope(s governancev1alpha1.Scope, p Place) bool {
	return (len(s.Counties) == 0 || slices.Contains(s.Counties, p.County)) &&
		(len(s.VillageTypes) == 0 || slices.Contains(s.VillageTypes, p.Type))
}

// ItemReaches reports whether an item applies to a place: the village's
// city holds it (the item's own city, or its province) and its scope covers
// the village.
func ItemReaches(item *governancev1alpha1.ListItem, p Place, juris Jurisdictions) bool {
	return juris.Reaches(item.Spec.Jurisdiction, p.County) && InScope(item.Spec.Scope, p)
}

// Publishable reports whether a revision cut on day today (YYYY-MM-DD, the
// city's day) holds the item: approved by the joint review (S5) and not
// retired by today (S7).
func Publishable(item *governancev1alpha1.ListItem, today string) bool {
	return item.WasApproved() && !RetiredBy(item, today)
}
