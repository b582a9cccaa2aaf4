package controllers

import (
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	governancev1alpha1 "github.com/cunshe/cunshe-operator/api/v1alpha1"
	"github.com/cunshe/cunshe-operator/internal/publish"
)

// The rollout renders a group's lists again whenever an item's or a
// flow's spec changed (its generation), or an item was replaced by one of
// the same name; not when only their status did (S10).
func TestTheRenderedListsAreKnownUntilTheCatalogChanges(t *testing.T) {
	catalog := func(itemGen, flowGen int64) publish.Catalog {
		return publish.Catalog{
			Items: map[string]*governancev1alpha1.ListItem{
				"ls-tjj-001": {ObjectMeta: metav1.ObjectMeta{Name: "ls-tjj-001", UID: "u1", Generation: 1}},
				"ls-mz-002":  {ObjectMeta: metav1.ObjectMeta{Name: "ls-mz-002", UID: "u2", Generation: itemGen}},
			},
			Flows: map[string]*governancev1alpha1.PowerFlow{
				"xw-zdjc": {ObjectMeta: metav1.ObjectMeta{Name: "xw-zdjc", UID: "f1", Generation: flowGen}},
			},
		}
	}
	base := catalogVersion(catalog(1, 1))
	for i := range 5 { // the maps' order varies; the version must not
		if v := catalogVersion(catalog(1, 1)); v != base {
			t.Fatalf("try %d: version %s of the same catalog, want %s", i, v, base)
		}
	}
	withStatus := catalog(1, 1)
	withStatus.Items["ls-mz-002"].Status.Phase = governancev1alpha1.PhaseRetired
	if v := catalogVersion(withStatus); v != base {
		t.Errorf("an item's status changed the catalog's version")
	}
	if catalogVersion(catalog(2, 1)) == base {
		t.Errorf("an item's new spec kept the catalog's version")
	}
	if catalogVersion(catalog(1, 2)) == base {
		t.Errorf("a flow's new spec kept the catalog's version")
	}
	replaced := catalog(1, 1)
	replaced.Items["ls-mz-002"].UID = "u3"
	if catalogVersion(replaced) == base {
		t.Errorf("an item deleted and created again kept the catalog's version")
	}
}
