package controllers

import (
	"context"
	"fmt"

	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/reconcile"

	governancev1alpha1 "github.com/cunshe/cunshe-operator/api/v1alpha1"
	"github.com/cunshe/cunshe-operator/internal/rules"
)

// readJurisdictions reads the cities and provinces from the cache.
func readJurisdictions(ctx context.Context, c client.Reader) (rules.Jurisdictions, error) {
	list := &governancev1alpha1.JurisdictionList{}
	if err := c.List(ctx, list, client.UnsafeDisableDeepCopy); err != nil {
		return rules.Jurisdictions{}, fmt.Errorf("listing Jurisdictions: %w", err)
	}
	return rules.NewJurisdictions(list.Items), nil
}

// unnamedCityKey is the work item of the one unnamed city of a cluster
// without jurisdictions (a request's name cannot be empty).
const unnamedCityKey = "-"

// cityRequests are one work item per city: per-city controllers (revisions)
// map every event to all of them, so changes arriving together collapse.
func cityRequests(juris rules.Jurisdictions) []reconcile.Request {
	cities := juris.Cities()
	reqs := make([]reconcile.Request, len(cities))
	for i, city := range cities {
		if city == "" {
			city = unnamedCityKey
		}
		reqs[i] = reconcile.Request{NamespacedName: client.ObjectKey{Name: city}}
	}
	return reqs
}

// cityOfRequest is the city a per-city work item names.
func cityOfRequest(req reconcile.Request) string {
	if req.Name == unnamedCityKey {
		return ""
	}
	return req.Name
}
