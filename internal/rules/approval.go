package rules

import (
	"slices"

	"k8s.io/apimachinery/pkg/util/validation/field"

	governancev1alpha1 "github.com/cunshe/cunshe-operator/api/v1alpha1"
)

// Requester is who sends an admission request.
type Requester struct {
	Username string
	Groups   []string
}

// MemberOf reports whether the requester acts for a review unit: is in its
// group (S5, S8). Approvals, report decisions and notice withdrawals all
// decide membership here.
func (r Requester) MemberOf(unit *governancev1alpha1.ReviewUnit) bool {
	return slices.Contains(r.Groups, unit.Spec.Group)
}

// ValidateItemApproval decides whether an approval may be created (S5): a
// signed one must verify against a key of its unit; an unsigned one must come
// from a member of the unit's group. It returns how the approval was verified.
func ValidateItemApproval(a *governancev1alpha1.ItemApproval, who Requester, snap Snapshot) (governancev1alpha1.VerifiedBy, field.ErrorList) {
	unitPath := specPath.Child("unit")
	unit := snap.ReviewUnit(a.Spec.Unit)
	if unit == nil {
		return "", field.ErrorList{notFound(unitPath, a.Spec.Unit, msg(S5, "联审单位 %q 不存在", "review unit %q does not exist", a.Spec.Unit))}
	}
	if item := snap.ListItem(a.Spec.Item); item != nil {
		juris := snap.Jurisdictions()
		if itemJur := juris.Resolve(item.Spec.Jurisdiction); juris.UnitJurisdiction(unit) != itemJur {
			return "", field.ErrorList{forbidden(unitPath, otherJurisdiction(unit, itemJur, juris))}
		}
	}
	if a.Spec.Signature != nil {
		if m, bad := signatureProblem(&a.Spec, unit); bad {
			return "", field.ErrorList{invalid(specPath.Child("signature"), a.Spec.Signature.KeyID, m)}
		}
		return governancev1alpha1.VerifiedBySignature, nil
	}
	if !who.MemberOf(unit) {
		return "", field.ErrorList{forbidden(unitPath, msg(S5,
			"用户 %q 不是联审单位 %q 的成员（组 %s），不能代其提交未签名的审核意见；请用该单位的密钥签名（kubectl cunshe approve）",
			"user %q is not a member of review unit %q (group %s) and cannot approve for it unsigned; sign the approval with the unit's key (kubectl cunshe approve)", who.Username, unit.Name, unit.Spec.Group))}
	}
	return governancev1alpha1.VerifiedByMembership, nil
}

// ValidateItemApprovalUpdate: approvals are immutable, including who made
// them and how they were verified (S5).
func ValidateItemApprovalUpdate(old, updated *governancev1alpha1.ItemApproval) field.ErrorList {
	var errs field.ErrorList
	for _, key := range []string{governancev1alpha1.AnnotationCreatedBy, governancev1alpha1.AnnotationVerifiedBy} {
		if old.Annotations[key] != updated.Annotations[key] {
			errs = append(errs, forbidden(field.NewPath("metadata", "annotations").Key(key),
				msg(S5, "审核意见的提交人与验证方式不可修改", "who made an approval and how it was verified cannot change")))
		}
	}
	return errs
}

// ValidateReviewUnit: the unit names a declared jurisdiction, and every
// public key must be a usable Ed25519 key (S5).
func ValidateReviewUnit(u *governancev1alpha1.ReviewUnit, juris Jurisdictions) field.ErrorList {
	errs := ValidateJurisdictionRef(u.Spec.Jurisdiction, false, juris, specPath.Child("jurisdiction"))
	for i, k := range u.Spec.PublicKeys {
		pub, err := DecodePublicKey(k.Ed25519)
		switch {
		case err != nil:
			errs = append(errs, invalid(specPath.Child("publicKeys").Index(i).Child("ed25519"), k.Ed25519,
				msg(S5, "公钥 %q 不是 32 字节 Ed25519 公钥的 base64 编码", "public key %q is not base64 of a 32-byte Ed25519 key", k.ID)))
		case smallOrder(pub):
			errs = append(errs, invalid(specPath.Child("publicKeys").Index(i).Child("ed25519"), k.Ed25519,
				msg(S5, "公钥 %q 是小阶点（如单位元），任何人都能伪造可通过它验证的签名", "public key %q is a point of small order (such as the identity): anyone can forge signatures it accepts", k.ID)))
		}
	}
	return errs
}

// ValidateItemApprovalDelete: approvals are the record of the joint review
// (S5); one is deleted only together with an item that no longer exists.
func ValidateItemApprovalDelete(a *governancev1alpha1.ItemApproval, snap Snapshot) field.ErrorList {
	if snap.ListItem(a.Spec.Item) == nil {
		return nil
	}
	return field.ErrorList{forbidden(field.NewPath("metadata", "name"), msg(S5,
		"审核意见是联合审核的记录，事项 %q 存在时不可删除；如需改变意见，请提交新的审核意见",
		"an approval is the record of the joint review and cannot be deleted while item %q exists; to change a decision, create a new approval", a.Spec.Item))}
}

// ValidateReviewUnitDelete: deleting a required unit would lower the bar of
// every pending item (S5: all four must agree); making it not required is
// an explicit, separate change.
func ValidateReviewUnitDelete(u *governancev1alpha1.ReviewUnit) field.ErrorList {
	if !u.IsRequired() {
		return nil
	}
	return field.ErrorList{forbidden(field.NewPath("metadata", "name"), msg(S5,
		"联审单位 %[1]q 是必需审核单位，删除会降低所有事项的审核要求；如确需撤销，请先将 spec.required 设为 false（在注解 %[2]s 中写明理由）",
		"review unit %[1]q is required; deleting it would lower the bar for every item — set spec.required to false first (with the reason in annotation %[2]s) if it really leaves the joint review", u.Name, AnnotationReviewChange))}
}

// ValidateApprovalDigest refuses a new approval whose digest is not the
// item's current one (S5): it could never count, and while the item exists
// it could never be deleted either. The message names the digest to
// approve. Admission runs it on create; the offline CLI cannot tell a new
// approval from one already stored (which stays, void), so it reports the
// same S5 finding as a void approval, a warning.
func ValidateApprovalDigest(a *governancev1alpha1.ItemApproval, snap Snapshot) field.ErrorList {
	item := snap.ListItem(a.Spec.Item)
	if item == nil {
		return nil // GitOps may apply the approval before its item
	}
	current := Digest(&item.Spec, itemFlow(item, snap))
	if item.WasApproved() {
		current = item.Status.ApprovedDigest
	}
	if a.Spec.Digest == current {
		return nil
	}
	return field.ErrorList{invalid(specPath.Child("digest"), a.Spec.Digest, msg(S5,
		"审核意见的摘要不是事项 %[1]q 的当前摘要 %[2]s，不会计入；请审核当前版本（kubectl cunshe digest / approve）",
		"the digest is not the current digest %[2]s of item %[1]q, so the approval could never count; review the current version (kubectl cunshe digest / approve)", item.Name, current))}
}

// itemFlow is the content of the flow an item names; Digest counts it for
// MicroPower items only (P1).
func itemFlow(item *governancev1alpha1.ListItem, snap Snapshot) *governancev1alpha1.PowerFlowSpec {
	if f := snap.PowerFlow(item.Spec.FlowRef); item.Spec.FlowRef != "" && f != nil {
		return &f.Spec
	}
	return nil
}
