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

// TargetsName reports whether a task's targets name a place: the village
// itself, the village's county, or every village. The schema allows one of
// the three; were more given, the most specific decides, as
// VillageIndex.TargetVillages reads them.
func TargetsName(t governancev1alpha1.TaskTargets, p Place) bool {
	switch {
	case len(t.Villages) > 0:
		return slices.Contains(t.Villages, p.Code)
	case len(t.Counties) > 0:
		return slices.Contains(t.Counties, p.County)
	}
	return t.All
}

// TaskReaches is the one answer to "does this task reach this village": its
// targets name the village, and the item it cites applies there (S2: "all"
// means every village the item applies to, in its city and scope). An
// emergency is outside the lists (S6), so its targets alone decide — "all"
// meaning every village of its city (TaskCity), since an emergency reaches
// no further than its department; so do they for a task whose item is
// unknown (nil), which admission refuses and the audit flags. Admission, the
// audit, report admission, the portal and `kubectl cunshe tasks` all ask
// here; an index asks through Reached.
func TaskReaches(t *governancev1alpha1.Task, item *governancev1alpha1.ListItem, p Place, juris Jurisdictions) bool {
	switch {
	case !TargetsName(t.Spec.Targets, p):
		return false
	case t.IsEmergency() || item == nil:
		return !t.Spec.Targets.All || juris.CityOf(p.County) == TaskCity(t, juris)
	}
	return ItemReaches(item, p, juris)
}

// Reached is TaskReaches over the groups of an index that the task's
// targets name (VillageIndex.TargetVillages): the groups it reaches, and
// those it names that its item does not apply to. Every village of a group
// gets its group's answer, since a group's villages share what TaskReaches
// reads (see VillageGroup.place).
func Reached(t *governancev1alpha1.Task, item *governancev1alpha1.ListItem, named []VillageGroup, juris Jurisdictions) (reached, outside []VillageGroup) {
	reached = make([]VillageGroup, 0, len(named))
	for _, g := range named {
		if TaskReaches(t, item, g.place(), juris) {
			reached = append(reached, g)
		} else {
			outside = append(outside, g)
		}
	}
	return reached, outside
}
