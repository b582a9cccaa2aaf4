package webhooks

import (
	"context"

	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/webhook/admission"

	governancev1alpha1 "github.com/cunshe/cunshe-operator/api/v1alpha1"
	"github.com/cunshe/cunshe-operator/internal/rules"
)

// +kubebuilder:webhook:path=/mutate-governance-cunshe-io-v1alpha1-disclosure,mutating=true,failurePolicy=fail,sideEffects=None,groups=governance.cunshe.io,resources=disclosures,verbs=create,versions=v1alpha1,name=mdisclosure.governance.cunshe.io,admissionReviewVersions=v1,patch=`{"namespaceSelector":{"matchExpressions":[{"key":"kubernetes.io/metadata.name","operator":"NotIn","values":["kube-system","kube-public","kube-node-lease","cunshe-system"]}]}}`
// +kubebuilder:webhook:path=/validate-governance-cunshe-io-v1alpha1-disclosure,mutating=false,failurePolicy=fail,sideEffects=None,groups=governance.cunshe.io,resources=disclosures,verbs=create;update;delete,versions=v1alpha1,name=vdisclosure.governance.cunshe.io,admissionReviewVersions=v1,patch=`{"namespaceSelector":{"matchExpressions":[{"key":"kubernetes.io/metadata.name","operator":"NotIn","values":["kube-system","kube-public","kube-node-lease","cunshe-system"]}]}}`

// DisclosureValidator admits a public record only from a village's own
// cadres in its own tenant (S10), keeps it as published, and keeps it
// until its tenant goes with its village.
type DisclosureValidator struct{ readers }

func (v *DisclosureValidator) ValidateCreate(ctx context.Context, d *governancev1alpha1.Disclosure) (admission.Warnings, error) {
	who, err := requester(ctx)
	if err != nil {
		return nil, err
	}
	return nil, refusal("disclosures", "Disclosure", d.Name, rules.ValidateDisclosure(d, who, disclosureSnapshot{ctx: ctx, readers: v.readers}))
}

func (v *DisclosureValidator) ValidateUpdate(_ context.Context, old, d *governancev1alpha1.Disclosure) (admission.Warnings, error) {
	return nil, forbidden("disclosures", d.Name, rules.ValidateDisclosureUpdate(old, d))
}

// ValidateDelete lets a record go only with its tenant, once archived.
func (v *DisclosureValidator) ValidateDelete(ctx context.Context, d *governancev1alpha1.Disclosure) (admission.Warnings, error) {
	tenant, err := v.tenantState(ctx, "Disclosure", d)
	if err != nil {
		return nil, err
	}
	return nil, forbidden("disclosures", d.Name, rules.ValidateDisclosureDelete(d, tenant))
}

// disclosureSnapshot answers the disclosure rules: villages from the cache
// (then the API server), and a namespace's records from the API server, so
// that a correction made just after another sees it (two created in the same
// instant can still both pass; the controller then names the newer in
// status.supersededBy, and both stay on record).
type disclosureSnapshot struct {
	readers
	ctx context.Context
}

func (s disclosureSnapshot) Village(code string) *governancev1alpha1.Village {
	v := &governancev1alpha1.Village{}
	key := client.ObjectKey{Name: code}
	if s.cached.Get(s.ctx, key, v) == nil || s.live.Get(s.ctx, key, v) == nil {
		return v
	}
	return nil
}

// Disclosures lists a tenant's records; a read error lists none, so that a
// correction is refused, never wrongly admitted.
func (s disclosureSnapshot) Disclosures(ns string) []governancev1alpha1.Disclosure {
	list := &governancev1alpha1.DisclosureList{}
	if err := s.live.List(s.ctx, list, client.InNamespace(ns)); err != nil {
		return nil
	}
	return list.Items
}
