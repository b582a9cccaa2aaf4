package rules_test

import (
	"testing"

	"k8s.io/apimachinery/pkg/util/validation/field"
	"k8s.io/utils/ptr"

	governancev1alpha1 "github.com/cunshe/cunshe-operator/api/v1alpha1"
	"github.com/cunshe/cunshe-operator/internal/rules"
)

// S5: lowering the bar of a jurisdiction's joint review needs a reason.
func TestTheReviewBarIsNotLoweredSilently(t *testing.T) {
	city := func(quorum *int32, units ...string) *governancev1alpha1.Jurisdiction {
		return &governancev1alpha1.Jurisdiction{Spec: governancev1alpha1.JurisdictionSpec{Code: "3303", Level: governancev1alpha1.LevelCity,
			Review: governancev1alpha1.JointReview{Units: units, Quorum: quorum}}}
	}
	four := city(nil, "sjw", "zzb", "mzj", "nyj")
	lowered := []finding{{field.ErrorTypeForbidden, "spec.review", "S5", "联合审核的要求降低"}}
	expectFindings(t, rules.ValidateReviewBar(four, city(ptr.To[int32](3), "sjw", "zzb", "mzj", "nyj")), lowered)
	expectFindings(t, rules.ValidateReviewBar(four, city(nil, "sjw", "zzb", "mzj")), lowered)
	expectFindings(t, rules.ValidateReviewBar(four, city(ptr.To[int32](4), "sjw", "zzb", "mzj", "nyj", "jw")), nil)
	expectFindings(t, rules.ValidateReviewBar(four, city(nil, "sjw", "zzb", "mzj", "nyj", "jw")), nil)

	// Swapping a unit keeps the number but drops one the items were waiting for.
	expectFindings(t, rules.ValidateReviewBar(four, city(nil, "sjw", "zzb", "mzj", "jw")), []finding{
		{field.ErrorTypeForbidden, "spec.review", "S5", "移出单位 [nyj]"}})

	reasoned := city(ptr.To[int32](3), "sjw", "zzb", "mzj", "nyj")
	reasoned.Annotations = map[string]string{rules.AnnotationReviewChange: "短"}
	expectFindings(t, rules.ValidateReviewBar(four, reasoned), lowered)
	reasoned.Annotations[rules.AnnotationReviewChange] = "试点期间三家单位同意即可，经市政府批准"
	expectFindings(t, rules.ValidateReviewBar(four, reasoned), nil)
}
