package webhooks

import (
	"context"

	"k8s.io/apimachinery/pkg/util/validation/field"
	"sigs.k8s.io/controller-runtime/pkg/webhook/admission"

	governancev1alpha1 "github.com/cunshe/cunshe-operator/api/v1alpha1"
	"github.com/cunshe/cunshe-operator/internal/rules"
)

// +kubebuilder:webhook:path=/validate-governance-cunshe-io-v1alpha1-powerflow,mutating=false,failurePolicy=fail,sideEffects=None,groups=governance.cunshe.io,resources=powerflows,verbs=create;update;delete,versions=v1alpha1,name=vpowerflow.governance.cunshe.io,admissionReviewVersions=v1,patch=`{"namespaceSelector":{"matchExpressions":[{"key":"kubernetes.io/metadata.name","operator":"NotIn","values":["kube-system","kube-public","kube-node-lease","cunshe-system"]}]}}`

// PowerFlowValidator admits only well-formed flows and keeps flows that items use (P1).
type PowerFlowValidator struct{ readers }

func (v *PowerFlowValidator) ValidateCreate(_ context.Context, f *governancev1alpha1.PowerFlow) (admission.Warnings, error) {
	return nil, invalid("PowerFlow", f.Name, rules.ValidatePowerFlow(f))
}

func (v *PowerFlowValidator) ValidateUpdate(ctx context.Context, old, f *governancev1alpha1.PowerFlow) (admission.Warnings, error) {
	if errs := rules.ValidatePowerFlowUpdate(old, f, v.snapshot(ctx)); len(errs) > 0 {
		return nil, forbidden("powerflows", f.Name, errs)
	}
	return nil, invalid("PowerFlow", f.Name, rules.ValidatePowerFlow(f))
}

func (v *PowerFlowValidator) ValidateDelete(ctx context.Context, f *governancev1alpha1.PowerFlow) (admission.Warnings, error) {
	return nil, forbidden("powerflows", f.Name, rules.ValidatePowerFlowDelete(f, v.snapshot(ctx)))
}

// +kubebuilder:webhook:path=/validate-governance-cunshe-io-v1alpha1-reviewunit,mutating=false,failurePolicy=fail,sideEffects=None,groups=governance.cunshe.io,resources=reviewunits,verbs=create;update;delete,versions=v1alpha1,name=vreviewunit.governance.cunshe.io,admissionReviewVersions=v1,patch=`{"namespaceSelector":{"matchExpressions":[{"key":"kubernetes.io/metadata.name","operator":"NotIn","values":["kube-system","kube-public","kube-node-lease","cunshe-system"]}]}}`

// ReviewUnitValidator admits units of a declared jurisdiction whose keys
// are usable and not the shipped samples' (S5).
type ReviewUnitValidator struct {
	readers
	sample rules.SampleKeys
}

func (v *ReviewUnitValidator) ValidateCreate(ctx context.Context, u *governancev1alpha1.ReviewUnit) (admission.Warnings, error) {
	return nil, v.check(ctx, u)
}

func (v *ReviewUnitValidator) ValidateUpdate(ctx context.Context, old, u *governancev1alpha1.ReviewUnit) (admission.Warnings, error) {
	who, err := requester(ctx)
	if err != nil {
		return nil, err
	}
	if errs := rules.ValidateReviewUnitUpdate(old, u, who); len(errs) > 0 {
		return nil, forbidden("reviewunits", u.Name, errs)
	}
	return nil, v.check(ctx, u)
}

func (v *ReviewUnitValidator) check(ctx context.Context, u *governancev1alpha1.ReviewUnit) error {
	if errs := rules.ValidateNoSampleKeys(u, v.sample); len(errs) > 0 {
		return forbidden("reviewunits", u.Name, errs)
	}
	return invalid("ReviewUnit", u.Name, v.validate(ctx, func(snap rules.Snapshot) field.ErrorList { return rules.ValidateReviewUnit(u, snap.Jurisdictions()) }))
}

func (v *ReviewUnitValidator) ValidateDelete(_ context.Context, u *governancev1alpha1.ReviewUnit) (admission.Warnings, error) {
	return nil, forbidden("reviewunits", u.Name, rules.ValidateReviewUnitDelete(u))
}
