package webhooks

import (
	"context"

	"k8s.io/apimachinery/pkg/util/validation/field"
	"sigs.k8s.io/controller-runtime/pkg/webhook/admission"

	governancev1alpha1 "github.com/cunshe/cunshe-operator/api/v1alpha1"
	"github.com/cunshe/cunshe-operator/internal/rules"
)

// +kubebuilder:webhook:path=/validate-governance-cunshe-io-v1alpha1-jurisdiction,mutating=false,failurePolicy=fail,sideEffects=None,groups=governance.cunshe.io,resources=jurisdictions,verbs=create;update,versions=v1alpha1,name=vjurisdiction.governance.cunshe.io,admissionReviewVersions=v1,patch=`{"namespaceSelector":{"matchExpressions":[{"key":"kubernetes.io/metadata.name","operator":"NotIn","values":["kube-system","kube-public","kube-node-lease","cunshe-system"]}]}}`

// JurisdictionValidator admits a city or province beside the others: one
// default city, a known time zone, task admission overrides of its own
// counties (S1).
type JurisdictionValidator struct{ readers }

func (v *JurisdictionValidator) ValidateCreate(ctx context.Context, j *governancev1alpha1.Jurisdiction) (admission.Warnings, error) {
	return v.check(ctx, j)
}

func (v *JurisdictionValidator) ValidateUpdate(ctx context.Context, old, j *governancev1alpha1.Jurisdiction) (admission.Warnings, error) {
	if errs := rules.ValidateReviewBar(old, j); len(errs) > 0 {
		return nil, forbidden("jurisdictions", j.Name, errs)
	}
	return v.check(ctx, j)
}

// check runs the jurisdiction's rules and those of its task admission
// overrides, whose doubtful codes are warned of, not refused.
func (v *JurisdictionValidator) check(ctx context.Context, j *governancev1alpha1.Jurisdiction) (admission.Warnings, error) {
	errs := v.validate(ctx, func(snap rules.Snapshot) field.ErrorList { return rules.ValidateJurisdiction(j, snap.Jurisdictions()) })
	overrideErrs, doubtful := rules.ValidateAdmissionOverrides(j, v.snapshot(ctx))
	var warnings admission.Warnings
	for _, e := range doubtful {
		warnings = append(warnings, e.Field+": "+rules.Sentence(e))
	}
	return warnings, invalid("Jurisdiction", j.Name, append(errs, overrideErrs...))
}

func (v *JurisdictionValidator) ValidateDelete(context.Context, *governancev1alpha1.Jurisdiction) (admission.Warnings, error) {
	return nil, nil
}

// +kubebuilder:webhook:path=/validate-governance-cunshe-io-v1alpha1-village,mutating=false,failurePolicy=fail,sideEffects=None,groups=governance.cunshe.io,resources=villages,verbs=create;update,versions=v1alpha1,name=vvillage.governance.cunshe.io,admissionReviewVersions=v1,patch=`{"namespaceSelector":{"matchExpressions":[{"key":"kubernetes.io/metadata.name","operator":"NotIn","values":["kube-system","kube-public","kube-node-lease","cunshe-system"]}]}}`

// VillageValidator admits a village whose code's prefix names a declared
// city (S1), checked on creation (a code never changes), and holds township
// staff to their own villages' enrolment on the platform (S11).
type VillageValidator struct{ readers }

func (v *VillageValidator) ValidateCreate(ctx context.Context, vil *governancev1alpha1.Village) (admission.Warnings, error) {
	return enrolmentWarnings(vil), invalid("Village", vil.Name, v.validate(ctx, func(snap rules.Snapshot) field.ErrorList {
		return append(rules.ValidateVillageJurisdiction(vil, snap.Jurisdictions()), rules.ValidateEnrolment(vil)...)
	}))
}

func (v *VillageValidator) ValidateUpdate(ctx context.Context, old, vil *governancev1alpha1.Village) (admission.Warnings, error) {
	who, err := requester(ctx)
	if err != nil {
		return nil, err
	}
	if err := forbidden("villages", vil.Name, rules.ValidateVillageChange(old, vil, who)); err != nil {
		return nil, err
	}
	return enrolmentWarnings(vil), invalid("Village", vil.Name, rules.ValidateEnrolment(vil))
}

// enrolmentWarnings tell of spec.platform.enrolled, which decides nothing now (S11).
func enrolmentWarnings(vil *governancev1alpha1.Village) admission.Warnings {
	if e := rules.DeprecatedEnrolment(vil); e != nil {
		return admission.Warnings{e.Field + ": " + rules.Sentence(e)}
	}
	return nil
}

func (v *VillageValidator) ValidateDelete(context.Context, *governancev1alpha1.Village) (admission.Warnings, error) {
	return nil, nil
}

// +kubebuilder:webhook:path=/validate-governance-cunshe-io-v1alpha1-listrollout,mutating=false,failurePolicy=fail,sideEffects=None,groups=governance.cunshe.io,resources=listrollouts,verbs=create;update,versions=v1alpha1,name=vlistrollout.governance.cunshe.io,admissionReviewVersions=v1,patch=`{"namespaceSelector":{"matchExpressions":[{"key":"kubernetes.io/metadata.name","operator":"NotIn","values":["kube-system","kube-public","kube-node-lease","cunshe-system"]}]}}`

// ListRolloutValidator admits a rollout that moves one declared city's
// villages only (S1).
type ListRolloutValidator struct{ readers }

func (v *ListRolloutValidator) ValidateCreate(ctx context.Context, ro *governancev1alpha1.ListRollout) (admission.Warnings, error) {
	return nil, invalid("ListRollout", ro.Name, v.validate(ctx, func(snap rules.Snapshot) field.ErrorList { return rules.ValidateRolloutSteps(ro, snap.Jurisdictions()) }))
}

func (v *ListRolloutValidator) ValidateUpdate(ctx context.Context, _, ro *governancev1alpha1.ListRollout) (admission.Warnings, error) {
	return nil, invalid("ListRollout", ro.Name, v.validate(ctx, func(snap rules.Snapshot) field.ErrorList { return rules.ValidateRolloutSteps(ro, snap.Jurisdictions()) }))
}

func (v *ListRolloutValidator) ValidateDelete(context.Context, *governancev1alpha1.ListRollout) (admission.Warnings, error) {
	return nil, nil
}
