package rules

import (
	"slices"
	"strings"
	"unicode/utf8"

	"k8s.io/apimachinery/pkg/api/equality"
	"k8s.io/apimachinery/pkg/util/validation/field"

	governancev1alpha1 "github.com/cunshe/cunshe-operator/api/v1alpha1"
)

// AnnotationReviewChange gives the reason of a change that lowers the bar
// of the joint review (S5): without it such a change is refused, with it the
// change is explicit and the API server's audit log keeps who made it and why.
const AnnotationReviewChange = "governance.cunshe.io/review-change-reason"

// minReasonRunes is how long a reason must be to say something.
const minReasonRunes = 10

// ValidateReviewBar refuses a Jurisdiction update that lowers the bar of its
// joint review — a unit dropped from review.units, a lower quorum — unless
// the change states its reason (S5: "all four" must never silently become
// three for the items that are pending).
func ValidateReviewBar(old, updated *governancev1alpha1.Jurisdiction) field.ErrorList {
	dropped := droppedUnits(old.Spec.Review.Units, updated.Spec.Review.Units)
	oldQ, newQ := quorum(&old.Spec.Review), quorum(&updated.Spec.Review)
	if len(dropped) == 0 && newQ >= oldQ {
		return nil
	}
	return reasonRequired(updated.Annotations, field.NewPath("spec", "review"), msg(S5,
		"联合审核的要求降低（移出单位 %[1]v，须同意单位数 %[2]d → %[3]d），待审事项将以更少的单位通过；确需变更的，请在注解 %[4]s 中写明理由（不少于 %[5]d 字），该变更将记入审计日志",
		"the joint review's bar is lowered (units dropped %[1]v, approvals needed %[2]d → %[3]d), so pending items would pass with fewer units; if that is intended, give the reason in annotation %[4]s (at least %[5]d characters) and the change is kept in the audit log",
		dropped, oldQ, newQ, AnnotationReviewChange, minReasonRunes))
}

// ValidateReviewUnitUpdate keeps a unit's own means of approving its own (S5):
// only the unit's members change its keys or its group — platform ops cannot
// add a key and approve in the unit's name — and making a required unit
// not required lowers the bar, so it needs a stated reason.
func ValidateReviewUnitUpdate(old, updated *governancev1alpha1.ReviewUnit, who Requester) field.ErrorList {
	var errs field.ErrorList
	credentials := !equality.Semantic.DeepEqual(old.Spec.PublicKeys, updated.Spec.PublicKeys) || old.Spec.Group != updated.Spec.Group
	if credentials && !who.MemberOf(old) && !slices.Contains(who.Groups, groupClusterAdmins) {
		errs = append(errs, forbidden(specPath.Child("publicKeys"), msg(S5,
			"联审单位 %[1]q 的公钥和成员组只能由本单位成员（组 %[2]s）修改；用户 %[3]q 不是其成员",
			"only members of review unit %[1]q (group %[2]s) change its keys and group; user %[3]q is not one", old.Name, old.Spec.Group, who.Username)))
	}
	if old.IsRequired() && !updated.IsRequired() {
		errs = append(errs, reasonRequired(updated.Annotations, specPath.Child("required"), msg(S5,
			"联审单位 %[1]q 改为非必需会降低所有待审事项的要求；确需变更的，请在注解 %[2]s 中写明理由（不少于 %[3]d 字），该变更将记入审计日志",
			"making review unit %[1]q not required lowers the bar for every pending item; if that is intended, give the reason in annotation %[2]s (at least %[3]d characters) and the change is kept in the audit log",
			old.Name, AnnotationReviewChange, minReasonRunes))...)
	}
	return errs
}

// reasonRequired refuses unless the object states a reason for lowering the bar.
func reasonRequired(annotations map[string]string, path *field.Path, m Message) field.ErrorList {
	if utf8.RuneCountInString(strings.TrimSpace(annotations[AnnotationReviewChange])) >= minReasonRunes {
		return nil
	}
	return field.ErrorList{forbidden(path, m)}
}

func droppedUnits(old, updated []string) []string {
	var out []string
	for _, u := range old {
		if !slices.Contains(updated, u) {
			out = append(out, u)
		}
	}
	return out
}

// quorum is how many approvals a declared review needs (0: none declared).
func quorum(r *governancev1alpha1.JointReview) int32 {
	if r.Quorum != nil {
		return *r.Quorum
	}
	return int32(len(r.Units))
}
