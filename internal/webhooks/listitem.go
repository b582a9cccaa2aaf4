package webhooks

import (
	"context"

	"k8s.io/apimachinery/pkg/util/validation/field"
	"sigs.k8s.io/controller-runtime/pkg/webhook/admission"

	governancev1alpha1 "github.com/cunshe/cunshe-operator/api/v1alpha1"
	"github.com/cunshe/cunshe-operator/internal/rules"
)

// +kubebuilder:webhook:path=/validate-governance-cunshe-io-v1alpha1-listitem,mutating=false,failurePolicy=fail,sideEffects=None,groups=governance.cunshe.io,resources=listitems,verbs=create;update;delete,versions=v1alpha1,name=vlistitem.governance.cunshe.io,admissionReviewVersions=v1,patch=`{"namespaceSelector":{"matchExpressions":[{"key":"kubernetes.io/metadata.name","operator":"NotIn","values":["kube-system","kube-public","kube-node-lease","cunshe-system"]}]}}`

// ListItemValidator admits list items (S1–S5, S7) and warns of unfunded
// Admission items (S20).
type ListItemValidator struct{ readers }

func (v *ListItemValidator) ValidateCreate(ctx context.Context, item *governancev1alpha1.ListItem) (admission.Warnings, error) {
	if err := v.applicantIsRequester(ctx, nil, item); err != nil {
		return nil, err
	}
	return fundingWarnings(item), invalid("ListItem", item.Name, v.validate(ctx, func(snap rules.Snapshot) field.ErrorList { return rules.ValidateListItem(item, snap) }))
}

// fundingWarnings flag, without refusing, an Admission item whose money
// does not follow its work to the villages (S20): the review units decide.
func fundingWarnings(item *governancev1alpha1.ListItem) admission.Warnings {
	if _, flagged := rules.ItemFunding(&item.Spec); flagged != nil {
		return admission.Warnings{flagged.Field + ": " + rules.Sentence(flagged)}
	}
	return nil
}

func (v *ListItemValidator) ValidateUpdate(ctx context.Context, old, item *governancev1alpha1.ListItem) (admission.Warnings, error) {
	if err := v.applicantIsRequester(ctx, old, item); err != nil {
		return nil, err
	}
	if errs := rules.ValidateListItemUpdate(old, item); len(errs) > 0 {
		return nil, forbidden("listitems", item.Name, errs)
	}
	if item.WasApproved() {
		// A frozen spec was valid when approved; the registry may have moved since.
		return nil, nil
	}
	return fundingWarnings(item), invalid("ListItem", item.Name, v.validate(ctx, func(snap rules.Snapshot) field.ErrorList { return rules.ValidateListItem(item, snap) }))
}

func (v *ListItemValidator) ValidateDelete(_ context.Context, item *governancev1alpha1.ListItem) (admission.Warnings, error) {
	return nil, forbidden("listitems", item.Name, rules.ValidateListItemDelete(item))
}

// applicantIsRequester: only the applicant proposes or edits its item (S4).
func (v *ListItemValidator) applicantIsRequester(ctx context.Context, old, item *governancev1alpha1.ListItem) error {
	who, err := requester(ctx)
	if err != nil {
		return err
	}
	deptOf := func(ns string) string { return v.index.Department(ctx, ns) }
	return forbidden("listitems", item.Name, rules.ValidateApplicantRequester(old, item, who, deptOf))
}
