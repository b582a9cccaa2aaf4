package webhooks

import (
	"context"
	"time"

	corev1 "k8s.io/api/core/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/webhook/admission"

	governancev1alpha1 "github.com/cunshe/cunshe-operator/api/v1alpha1"
	"github.com/cunshe/cunshe-operator/internal/listindex"
	"github.com/cunshe/cunshe-operator/internal/rules"
)

// +kubebuilder:webhook:path=/validate-governance-cunshe-io-v1alpha1-emergencyexemption,mutating=false,failurePolicy=fail,sideEffects=None,groups=governance.cunshe.io,resources=emergencyexemptions,verbs=delete,versions=v1alpha1,name=vemergencyexemption.governance.cunshe.io,admissionReviewVersions=v1,patch=`{"namespaceSelector":{"matchExpressions":[{"key":"kubernetes.io/metadata.name","operator":"NotIn","values":["kube-system","kube-public","kube-node-lease","cunshe-system"]}]}}`
// +kubebuilder:webhook:path=/mutate-governance-cunshe-io-v1alpha1-emergencydecision,mutating=true,failurePolicy=fail,sideEffects=None,groups=governance.cunshe.io,resources=emergencydecisions,verbs=create,versions=v1alpha1,name=memergencydecision.governance.cunshe.io,admissionReviewVersions=v1,patch=`{"namespaceSelector":{"matchExpressions":[{"key":"kubernetes.io/metadata.name","operator":"NotIn","values":["kube-system","kube-public","kube-node-lease","cunshe-system"]}]}}`
// +kubebuilder:webhook:path=/validate-governance-cunshe-io-v1alpha1-emergencydecision,mutating=false,failurePolicy=fail,sideEffects=None,groups=governance.cunshe.io,resources=emergencydecisions,verbs=create;update;delete,versions=v1alpha1,name=vemergencydecision.governance.cunshe.io,admissionReviewVersions=v1,patch=`{"namespaceSelector":{"matchExpressions":[{"key":"kubernetes.io/metadata.name","operator":"NotIn","values":["kube-system","kube-public","kube-node-lease","cunshe-system"]}]}}`

// EmergencyExemptionValidator keeps the records of emergency exemptions
// (S6): the operator writes them, the schema keeps their spec, and no one
// deletes one while its namespace stands.
type EmergencyExemptionValidator struct{ readers }

func (v *EmergencyExemptionValidator) ValidateCreate(context.Context, *governancev1alpha1.EmergencyExemption) (admission.Warnings, error) {
	return nil, nil
}

func (v *EmergencyExemptionValidator) ValidateUpdate(context.Context, *governancev1alpha1.EmergencyExemption, *governancev1alpha1.EmergencyExemption) (admission.Warnings, error) {
	return nil, nil
}

func (v *EmergencyExemptionValidator) ValidateDelete(ctx context.Context, rec *governancev1alpha1.EmergencyExemption) (admission.Warnings, error) {
	return nil, forbidden("emergencyexemptions", rec.Name, rules.ValidateExemptionDelete(rec, v.namespaceGoing(ctx, rec.Namespace)))
}

// namespaceGoing asks the API server whether a department's namespace is
// being deleted: its records go with it, or it would never go. A read error
// counts as "not going": the record is kept.
func (r readers) namespaceGoing(ctx context.Context, name string) bool {
	ns := &corev1.Namespace{}
	return r.live.Get(ctx, client.ObjectKey{Name: name}, ns) == nil && !ns.DeletionTimestamp.IsZero()
}

// EmergencyDecisionValidator admits a decision only from a member of a
// review unit of the exemption's city, on an ended exemption beside it
// (S6); decisions stay on record.
type EmergencyDecisionValidator struct {
	readers
	Index *listindex.Index
	Now   func() time.Time
}

func (v *EmergencyDecisionValidator) ValidateCreate(ctx context.Context, d *governancev1alpha1.EmergencyDecision) (admission.Warnings, error) {
	who, err := requester(ctx)
	if err != nil {
		return nil, err
	}
	var rec *governancev1alpha1.EmergencyExemption
	found := &governancev1alpha1.EmergencyExemption{}
	key := client.ObjectKey{Namespace: d.Namespace, Name: d.Spec.Exemption}
	if v.cached.Get(ctx, key, found) == nil || v.live.Get(ctx, key, found) == nil {
		rec = found
	}
	return nil, refusal("emergencydecisions", "EmergencyDecision", d.Name,
		rules.ValidateEmergencyDecision(d, rec, who, v.Index.Snapshot(ctx), v.Now()))
}

func (v *EmergencyDecisionValidator) ValidateUpdate(_ context.Context, old, d *governancev1alpha1.EmergencyDecision) (admission.Warnings, error) {
	return nil, forbidden("emergencydecisions", d.Name, rules.CreatorKept(rules.S6, old, d))
}

func (v *EmergencyDecisionValidator) ValidateDelete(ctx context.Context, d *governancev1alpha1.EmergencyDecision) (admission.Warnings, error) {
	return nil, forbidden("emergencydecisions", d.Name, rules.ValidateEmergencyDecisionDelete(d, v.namespaceGoing(ctx, d.Namespace)))
}
