package webhooks

import (
	"context"
	"fmt"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/util/validation/field"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/webhook/admission"

	governancev1alpha1 "github.com/cunshe/cunshe-operator/api/v1alpha1"
	"github.com/cunshe/cunshe-operator/internal/rules"
)

// +kubebuilder:webhook:path=/mutate-governance-cunshe-io-v1alpha1-itemapproval,mutating=true,failurePolicy=fail,sideEffects=None,groups=governance.cunshe.io,resources=itemapprovals,verbs=create,versions=v1alpha1,name=mitemapproval.governance.cunshe.io,admissionReviewVersions=v1,patch=`{"namespaceSelector":{"matchExpressions":[{"key":"kubernetes.io/metadata.name","operator":"NotIn","values":["kube-system","kube-public","kube-node-lease","cunshe-system"]}]}}`
// +kubebuilder:webhook:path=/validate-governance-cunshe-io-v1alpha1-itemapproval,mutating=false,failurePolicy=fail,sideEffects=None,groups=governance.cunshe.io,resources=itemapprovals,verbs=create;update;delete,versions=v1alpha1,name=vitemapproval.governance.cunshe.io,admissionReviewVersions=v1,patch=`{"namespaceSelector":{"matchExpressions":[{"key":"kubernetes.io/metadata.name","operator":"NotIn","values":["kube-system","kube-public","kube-node-lease","cunshe-system"]}]}}`

// ItemApprovalDefaulter records who created an approval and how it is to be
// verified, overwriting whatever the client sent (S5).
type ItemApprovalDefaulter struct{}

func (d *ItemApprovalDefaulter) Default(ctx context.Context, a *governancev1alpha1.ItemApproval) error {
	who, err := requester(ctx)
	if err != nil {
		return err
	}
	if a.Annotations == nil {
		a.Annotations = map[string]string{}
	}
	a.Annotations[governancev1alpha1.AnnotationCreatedBy] = who.Username
	a.Annotations[governancev1alpha1.AnnotationVerifiedBy] = string(governancev1alpha1.VerifiedByMembership)
	if a.Spec.Signature != nil {
		a.Annotations[governancev1alpha1.AnnotationVerifiedBy] = string(governancev1alpha1.VerifiedBySignature)
	}
	return nil
}

// ItemApprovalValidator admits an approval only if it is signed by its unit
// or created by a member of its unit (S5), and keeps it immutable.
type ItemApprovalValidator struct {
	readers
	sample rules.SampleKeys
}

func (v *ItemApprovalValidator) ValidateCreate(ctx context.Context, a *governancev1alpha1.ItemApproval) (admission.Warnings, error) {
	who, err := requester(ctx)
	if err != nil {
		return nil, err
	}
	snap := v.snapshot(ctx)
	verifiedBy, errs := rules.ValidateItemApproval(a, who, snap)
	if len(errs) == 0 {
		errs = rules.ValidateApprovalDigest(a, snap)
	}
	if len(errs) == 0 {
		errs = rules.ValidateNotSampleSigned(a, snap.ReviewUnit(a.Spec.Unit), v.sample)
	}
	if len(errs) == 0 && a.Annotations[governancev1alpha1.AnnotationVerifiedBy] != string(verifiedBy) {
		// The defaulting webhook did not run: refuse rather than trust the client.
		errs = field.ErrorList{field.Forbidden(field.NewPath("metadata", "annotations").Key(governancev1alpha1.AnnotationVerifiedBy),
			fmt.Sprintf("%s 审核意见的验证方式须由准入服务记录 / how an approval was verified is recorded by admission only", rules.S5))}
	}
	var warnings admission.Warnings
	if len(errs) == 0 && itemMissing(ctx, v.cached, a.Spec.Item) {
		warnings = append(warnings, fmt.Sprintf("事项 %q 尚不存在；该意见将在事项创建且摘要一致时生效 / item %q does not exist yet; the approval counts once it does with this digest", a.Spec.Item, a.Spec.Item))
	}
	if len(errs) > 0 && errs[0].Type == field.ErrorTypeForbidden {
		return nil, forbidden("itemapprovals", a.Name, errs)
	}
	return warnings, invalid("ItemApproval", a.Name, errs)
}

func (v *ItemApprovalValidator) ValidateUpdate(_ context.Context, old, a *governancev1alpha1.ItemApproval) (admission.Warnings, error) {
	return nil, forbidden("itemapprovals", a.Name, rules.ValidateItemApprovalUpdate(old, a))
}

func (v *ItemApprovalValidator) ValidateDelete(ctx context.Context, a *governancev1alpha1.ItemApproval) (admission.Warnings, error) {
	return nil, forbidden("itemapprovals", a.Name, rules.ValidateItemApprovalDelete(a, v.snapshot(ctx)))
}

// itemMissing reports whether the approved item does not exist (yet): a
// GitOps sync may apply approvals before their item, so this only warns.
func itemMissing(ctx context.Context, reader client.Reader, name string) bool {
	return apierrors.IsNotFound(reader.Get(ctx, client.ObjectKey{Name: name}, &governancev1alpha1.ListItem{}))
}
