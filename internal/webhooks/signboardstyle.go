package webhooks

import (
	"context"

	"sigs.k8s.io/controller-runtime/pkg/webhook/admission"

	governancev1alpha1 "github.com/cunshe/cunshe-operator/api/v1alpha1"
	"github.com/cunshe/cunshe-operator/internal/rules"
)

// +kubebuilder:webhook:path=/validate-governance-cunshe-io-v1alpha1-signboardstyle,mutating=false,failurePolicy=fail,sideEffects=None,groups=governance.cunshe.io,resources=signboardstyles,verbs=create;update;delete,versions=v1alpha1,name=vsignboardstyle.governance.cunshe.io,admissionReviewVersions=v1,patch=`{"namespaceSelector":{"matchExpressions":[{"key":"kubernetes.io/metadata.name","operator":"NotIn","values":["kube-system","kube-public","kube-node-lease","cunshe-system"]}]}}`

// SignboardStyleValidator holds township staff to their own township's
// style (S15); RBAC lets all of them write styles.
type SignboardStyleValidator struct{}

func (v *SignboardStyleValidator) ValidateCreate(ctx context.Context, s *governancev1alpha1.SignboardStyle) (admission.Warnings, error) {
	return nil, v.validate(ctx, s)
}

func (v *SignboardStyleValidator) ValidateUpdate(ctx context.Context, _, s *governancev1alpha1.SignboardStyle) (admission.Warnings, error) {
	return nil, v.validate(ctx, s)
}

func (v *SignboardStyleValidator) ValidateDelete(ctx context.Context, s *governancev1alpha1.SignboardStyle) (admission.Warnings, error) {
	return nil, v.validate(ctx, s)
}

func (v *SignboardStyleValidator) validate(ctx context.Context, s *governancev1alpha1.SignboardStyle) error {
	who, err := requester(ctx)
	if err != nil {
		return err
	}
	return forbidden("signboardstyles", s.Name, rules.ValidateStyleOwner(s, who))
}
