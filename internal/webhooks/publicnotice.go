package webhooks

import (
	"context"
	"encoding/json"
	"fmt"

	"sigs.k8s.io/controller-runtime/pkg/webhook/admission"

	governancev1alpha1 "github.com/cunshe/cunshe-operator/api/v1alpha1"
	"github.com/cunshe/cunshe-operator/internal/rules"
)

// +kubebuilder:webhook:path=/mutate-governance-cunshe-io-v1alpha1-publicnotice,mutating=true,failurePolicy=fail,sideEffects=None,groups=governance.cunshe.io,resources=publicnotices,verbs=update,versions=v1alpha1,name=mpublicnotice.governance.cunshe.io,admissionReviewVersions=v1,patch=`{"namespaceSelector":{"matchExpressions":[{"key":"kubernetes.io/metadata.name","operator":"NotIn","values":["kube-system","kube-public","kube-node-lease","cunshe-system"]}]}}`
// +kubebuilder:webhook:path=/validate-governance-cunshe-io-v1alpha1-publicnotice,mutating=false,failurePolicy=fail,sideEffects=None,groups=governance.cunshe.io,resources=publicnotices,verbs=create;update;delete,versions=v1alpha1,name=vpublicnotice.governance.cunshe.io,admissionReviewVersions=v1,patch=`{"namespaceSelector":{"matchExpressions":[{"key":"kubernetes.io/metadata.name","operator":"NotIn","values":["kube-system","kube-public","kube-node-lease","cunshe-system"]}]}}`

// PublicNoticeDefaulter records who withdraws a notice: on the update that
// sets spec.withdrawal, withdrawal.by becomes the requester, whatever the
// client sent. A withdrawal already made is left as it is (the validator
// refuses any change to it).
type PublicNoticeDefaulter struct{}

func (PublicNoticeDefaulter) Default(ctx context.Context, n *governancev1alpha1.PublicNotice) error {
	req, err := admission.RequestFromContext(ctx)
	if err != nil {
		return err
	}
	if n.Spec.Withdrawal == nil || len(req.OldObject.Raw) == 0 {
		return nil
	}
	old := &governancev1alpha1.PublicNotice{}
	if err := json.Unmarshal(req.OldObject.Raw, old); err != nil {
		return fmt.Errorf("decoding the notice as it was: %w", err)
	}
	if old.Spec.Withdrawal == nil {
		n.Spec.Withdrawal.By = req.UserInfo.Username
	}
	return nil
}

// PublicNoticeValidator admits a notice of a known kind and rule that names
// whom it concerns, lets a member of a review unit withdraw it once, and
// keeps it on record (S19).
type PublicNoticeValidator struct{ readers }

func (v *PublicNoticeValidator) ValidateCreate(_ context.Context, n *governancev1alpha1.PublicNotice) (admission.Warnings, error) {
	return nil, refusal("publicnotices", "PublicNotice", n.Name, rules.ValidatePublicNotice(n))
}

func (v *PublicNoticeValidator) ValidateUpdate(ctx context.Context, old, n *governancev1alpha1.PublicNotice) (admission.Warnings, error) {
	who, err := requester(ctx)
	if err != nil {
		return nil, err
	}
	return nil, refusal("publicnotices", "PublicNotice", n.Name, rules.ValidatePublicNoticeUpdate(old, n, who, v.snapshot(ctx)))
}

func (v *PublicNoticeValidator) ValidateDelete(_ context.Context, n *governancev1alpha1.PublicNotice) (admission.Warnings, error) {
	return nil, forbidden("publicnotices", n.Name, rules.ValidatePublicNoticeDelete(n))
}
