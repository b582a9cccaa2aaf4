// Package webhooks adapts the rule engine to admission: each webhook builds a
// snapshot from the manager's cache, calls the rules, and turns their
// findings into the API error a user reads. No rule is written here.
//
// Every webhook marker carries the same patch: a namespaceSelector that
// never matches kube-system, kube-public, kube-node-lease or the operator's
// own namespace (cunshe-system; the Helm chart puts the release namespace
// there), so an operator outage can never block the cluster's own
// components or the operator's recovery. Cluster-scoped kinds ignore
// namespaceSelector; the selector matters for the namespaced kinds (Task,
// Report, SignboardSet, Disclosure). hack/tools/chartrbac fails for a
// webhook without it.
package webhooks

import (
	"context"
	"fmt"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/util/validation/field"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/webhook/admission"

	governancev1alpha1 "github.com/cunshe/cunshe-operator/api/v1alpha1"
	"github.com/cunshe/cunshe-operator/internal/listindex"
	"github.com/cunshe/cunshe-operator/internal/rules"
)

// Setup registers every webhook with the manager; the task and report
// webhooks read the shared index.
//
// sample are the shipped sample keys that no unit may hold and no approval
// may be signed with (nil in local mode, which accepts them).
func Setup(ctx context.Context, mgr ctrl.Manager, idx *listindex.Index, now func() time.Time, sample rules.SampleKeys) error {
	if err := SetupIndexes(ctx, mgr); err != nil {
		return err
	}
	reader := readers{cached: mgr.GetClient(), live: mgr.GetAPIReader(), index: idx}
	for _, register := range []func() error{
		func() error {
			return ctrl.NewWebhookManagedBy(mgr, &governancev1alpha1.ListItem{}).WithValidator(&ListItemValidator{readers: reader}).Complete()
		},
		func() error {
			return ctrl.NewWebhookManagedBy(mgr, &governancev1alpha1.ItemApproval{}).
				WithDefaulter(&ItemApprovalDefaulter{}).WithValidator(&ItemApprovalValidator{readers: reader, sample: sample}).Complete()
		},
		func() error {
			return ctrl.NewWebhookManagedBy(mgr, &governancev1alpha1.PowerFlow{}).WithValidator(&PowerFlowValidator{readers: reader}).Complete()
		},
		func() error {
			return ctrl.NewWebhookManagedBy(mgr, &governancev1alpha1.ReviewUnit{}).WithValidator(&ReviewUnitValidator{readers: reader, sample: sample}).Complete()
		},
		func() error {
			return ctrl.NewWebhookManagedBy(mgr, &governancev1alpha1.Jurisdiction{}).WithValidator(&JurisdictionValidator{readers: reader}).Complete()
		},
		func() error {
			return ctrl.NewWebhookManagedBy(mgr, &governancev1alpha1.Village{}).WithValidator(&VillageValidator{readers: reader}).Complete()
		},
		func() error {
			return ctrl.NewWebhookManagedBy(mgr, &governancev1alpha1.ListRollout{}).WithValidator(&ListRolloutValidator{readers: reader}).Complete()
		},
		func() error {
			return ctrl.NewWebhookManagedBy(mgr, &governancev1alpha1.Task{}).
				WithDefaulter(&TaskDefaulter{Index: idx, Now: now}).WithValidator(&TaskValidator{readers: reader, Index: idx, Now: now}).Complete()
		},
		func() error {
			return ctrl.NewWebhookManagedBy(mgr, &governancev1alpha1.Report{}).
				WithDefaulter(CreatorDefaulter[*governancev1alpha1.Report]{}).WithValidator(&ReportValidator{readers: reader, Index: idx}).Complete()
		},
		func() error {
			return ctrl.NewWebhookManagedBy(mgr, &governancev1alpha1.ReportDecision{}).
				WithDefaulter(CreatorDefaulter[*governancev1alpha1.ReportDecision]{}).WithValidator(&ReportDecisionValidator{readers: reader, Index: idx}).Complete()
		},
		func() error {
			return ctrl.NewWebhookManagedBy(mgr, &governancev1alpha1.EmergencyExemption{}).WithValidator(&EmergencyExemptionValidator{readers: reader}).Complete()
		},
		func() error {
			return ctrl.NewWebhookManagedBy(mgr, &governancev1alpha1.EmergencyDecision{}).
				WithDefaulter(CreatorDefaulter[*governancev1alpha1.EmergencyDecision]{}).
				WithValidator(&EmergencyDecisionValidator{readers: reader, Index: idx, Now: now}).Complete()
		},
		func() error {
			return ctrl.NewWebhookManagedBy(mgr, &governancev1alpha1.Disclosure{}).
				WithDefaulter(CreatorDefaulter[*governancev1alpha1.Disclosure]{}).WithValidator(&DisclosureValidator{readers: reader}).Complete()
		},
		func() error {
			return ctrl.NewWebhookManagedBy(mgr, &governancev1alpha1.PublicNotice{}).
				WithDefaulter(PublicNoticeDefaulter{}).WithValidator(&PublicNoticeValidator{readers: reader}).Complete()
		},
		func() error {
			return ctrl.NewWebhookManagedBy(mgr, &governancev1alpha1.SignboardStyle{}).WithValidator(&SignboardStyleValidator{}).Complete()
		},
		func() error {
			return ctrl.NewWebhookManagedBy(mgr, &governancev1alpha1.SignboardSet{}).WithValidator(&SignboardSetValidator{readers: reader}).Complete()
		},
	} {
		if err := register(); err != nil {
			return err
		}
	}
	return nil
}

func groupKind(kind string) schema.GroupKind {
	return schema.GroupKind{Group: governancev1alpha1.GroupVersion.Group, Kind: kind}
}

// invalid turns findings on the object's fields into the API's Invalid error.
func invalid(kind, name string, errs field.ErrorList) error {
	if len(errs) == 0 {
		return nil
	}
	return apierrors.NewInvalid(groupKind(kind), name, errs)
}

// forbidden turns findings that refuse the operation itself (deleting,
// editing what is frozen, acting for a unit one is not a member of) into
// the API's Forbidden error.
func forbidden(resource, name string, errs field.ErrorList) error {
	if len(errs) == 0 {
		return nil
	}
	gr := schema.GroupResource{Group: governancev1alpha1.GroupVersion.Group, Resource: resource}
	return apierrors.NewForbidden(gr, name, fmt.Errorf("%s", errs.ToAggregate().Error()))
}

func requester(ctx context.Context) (rules.Requester, error) {
	req, err := admission.RequestFromContext(ctx)
	if err != nil {
		return rules.Requester{}, err
	}
	return rules.Requester{Username: req.UserInfo.Username, Groups: req.UserInfo.Groups}, nil
}

// readers are where the webhooks look: the manager's cache, and the API
// server for what the cache does not hold.
type readers struct {
	cached client.Reader
	live   client.Reader
	// index answers which departments exist (its own namespace cache).
	index *listindex.Index
}

func (r readers) snapshot(ctx context.Context) rules.Snapshot {
	return cacheSnapshot{ctx: ctx, reader: r.cached, live: r.live, index: r.index}
}

// validate runs a rule over the cached snapshot and, if it refuses, once
// more with the jurisdictions read from the API server: a GitOps sync
// applies a city's Jurisdiction and then, a moment later, its units and
// villages, before the cache holds the city. Admissions cost no API call.
func (r readers) validate(ctx context.Context, rule func(rules.Snapshot) field.ErrorList) field.ErrorList {
	errs := rule(r.snapshot(ctx))
	if len(errs) == 0 {
		return nil
	}
	return rule(cacheSnapshot{ctx: ctx, reader: r.cached, live: r.live, index: r.index, liveJurisdictions: true})
}
