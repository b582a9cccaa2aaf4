package controllers

import (
	"context"
	"fmt"
	"slices"

	"sigs.k8s.io/controller-runtime/pkg/client"

	governancev1alpha1 "github.com/cunshe/cunshe-operator/api/v1alpha1"
	"github.com/cunshe/cunshe-operator/internal/rules"
	"github.com/cunshe/cunshe-operator/internal/status"
)

// awaitInRollouts records, on the rollouts of the cities an item reaches,
// that the item enters (published) or leaves the lists, and turns them
// RevisionPending — before the item's new phase is written. Whoever sees the
// item Approved then sees its city's rollout not Ready, until the revision
// the villages hold carries the item: a pipeline gated on Ready never cites
// an item the task webhook would refuse. A conflict fails the item's
// reconcile, which retries before writing the item.
func awaitInRollouts(ctx context.Context, c client.Client, item *governancev1alpha1.ListItem, published bool, juris rules.Jurisdictions) error {
	list := &governancev1alpha1.ListRolloutList{}
	if err := c.List(ctx, list); err != nil {
		return err
	}
	for i := range list.Items {
		ro := &list.Items[i]
		if ro.Spec.Revision != 0 || !juris.Reaches(item.Spec.Jurisdiction, juris.Resolve(ro.Spec.Jurisdiction)) {
			continue // a pinned rollout publishes its pinned revision only
		}
		patcher, observed := newRolloutPatcher(c, ro), ro.Status.ObservedGeneration
		awaited := governancev1alpha1.AwaitedItem{Name: item.Name, Published: published}
		s := &ro.Status
		s.AwaitingItems = slices.DeleteFunc(s.AwaitingItems, func(a governancev1alpha1.AwaitedItem) bool { return a.Name == item.Name })
		s.AwaitingItems = append(s.AwaitingItems, awaited)
		status.Summarise(ro, governancev1alpha1.RolloutRevisionPending, fmt.Sprintf(
			"事项 %s 的变化将编入新版本清单 / item %s changed; the next revision will carry it", item.Name, item.Name))
		s.ObservedGeneration = observed // the spec was not read
		if err := patcher.Patch(ctx, ro); err != nil {
			return fmt.Errorf("recording item %s on ListRollout %s: %w", item.Name, ro.Name, err)
		}
	}
	return nil
}

// stillAwaited drops the awaited items that the revision every village now
// holds carries as awaited, and returns those left.
func stillAwaited(awaiting []governancev1alpha1.AwaitedItem, held *governancev1alpha1.ListRevision) []governancev1alpha1.AwaitedItem {
	return slices.DeleteFunc(awaiting, func(a governancev1alpha1.AwaitedItem) bool {
		if held == nil {
			return false
		}
		in := slices.ContainsFunc(held.Spec.Items, func(p governancev1alpha1.PublishedItem) bool { return p.Name == a.Name })
		return in == a.Published
	})
}
