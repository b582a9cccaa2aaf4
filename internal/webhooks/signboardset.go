package webhooks

import (
	"context"

	"sigs.k8s.io/controller-runtime/pkg/webhook/admission"

	governancev1alpha1 "github.com/cunshe/cunshe-operator/api/v1alpha1"
	"github.com/cunshe/cunshe-operator/internal/rules"
)

// +kubebuilder:webhook:path=/validate-governance-cunshe-io-v1alpha1-signboardset,mutating=false,failurePolicy=fail,sideEffects=None,groups=governance.cunshe.io,resources=signboardsets,verbs=create;update,versions=v1alpha1,name=vsignboardset.governance.cunshe.io,admissionReviewVersions=v1,patch=`{"namespaceSelector":{"matchExpressions":[{"key":"kubernetes.io/metadata.name","operator":"NotIn","values":["kube-system","kube-public","kube-node-lease","cunshe-system"]}]}}`

// SignboardSetValidator admits a village's boards only as S12–S16 ask: it
// finds the village from the set's tenant namespace and the township's
// style, and runs the rule engine.
type SignboardSetValidator struct{ readers }

func (v *SignboardSetValidator) ValidateCreate(ctx context.Context, set *governancev1alpha1.SignboardSet) (admission.Warnings, error) {
	return nil, v.validate(ctx, set)
}

func (v *SignboardSetValidator) ValidateUpdate(ctx context.Context, _, set *governancev1alpha1.SignboardSet) (admission.Warnings, error) {
	return nil, v.validate(ctx, set)
}

func (v *SignboardSetValidator) ValidateDelete(context.Context, *governancev1alpha1.SignboardSet) (admission.Warnings, error) {
	return nil, nil
}

func (v *SignboardSetValidator) validate(ctx context.Context, set *governancev1alpha1.SignboardSet) error {
	snap := v.snapshot(ctx).(cacheSnapshot)
	village, errs := rules.SignboardVillage(set.Namespace, func(code string) *governancev1alpha1.Village {
		village := &governancev1alpha1.Village{}
		if !snap.get(code, village) {
			return nil
		}
		return village
	})
	if len(errs) > 0 {
		return invalid("SignboardSet", set.Name, errs)
	}
	var style *governancev1alpha1.SignboardStyle
	if s := (&governancev1alpha1.SignboardStyle{}); snap.get(set.Spec.Style, s) {
		style = s
	}
	return invalid("SignboardSet", set.Name, rules.ValidateSignboardSet(set, village, style))
}
