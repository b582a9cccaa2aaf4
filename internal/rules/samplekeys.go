package rules

import (
	"k8s.io/apimachinery/pkg/util/validation/field"

	governancev1alpha1 "github.com/cunshe/cunshe-operator/api/v1alpha1"
)

// SampleKeys are the public keys shipped with the samples, whose private
// halves lie in the repository (config/samples/**/keys): base64 key → its
// ID there. Anyone can sign with them, so outside local mode (make run) no
// unit may hold one and no approval may be signed with one (S5).
type SampleKeys map[string]string

// ValidateNoSampleKeys refuses a review unit that declares a sample key.
func ValidateNoSampleKeys(u *governancev1alpha1.ReviewUnit, sample SampleKeys) field.ErrorList {
	var errs field.ErrorList
	for i, k := range u.Spec.PublicKeys {
		if shipped, ok := sample[k.Ed25519]; ok {
			errs = append(errs, forbidden(specPath.Child("publicKeys").Index(i).Child("ed25519"), sampleKeyMessage(k.ID, shipped)))
		}
	}
	return errs
}

// ValidateNotSampleSigned refuses an approval signed with a sample key of
// its unit (a unit that took one before this rule, or in local mode).
func ValidateNotSampleSigned(a *governancev1alpha1.ItemApproval, unit *governancev1alpha1.ReviewUnit, sample SampleKeys) field.ErrorList {
	if a.Spec.Signature == nil || unit == nil {
		return nil
	}
	for _, k := range unit.Spec.PublicKeys {
		if shipped, ok := sample[k.Ed25519]; ok && k.ID == a.Spec.Signature.KeyID {
			return field.ErrorList{forbidden(specPath.Child("signature", "keyID"), sampleKeyMessage(k.ID, shipped))}
		}
	}
	return nil
}

func sampleKeyMessage(id, shipped string) Message {
	return msg(S5, "公钥 %q 是随软件发布的示例密钥（%s，私钥已公开），只能在本地演示模式（make run）中使用；请用 kubectl cunshe keygen 生成本单位自己的密钥",
		"public key %q is a sample key shipped with the software (%s; its private half is public) and is accepted only in local mode (make run); make the unit's own key with kubectl cunshe keygen", id, shipped)
}
