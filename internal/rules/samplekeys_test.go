package rules_test

import (
	"testing"

	"k8s.io/apimachinery/pkg/util/validation/field"

	governancev1alpha1 "github.com/cunshe/cunshe-operator/api/v1alpha1"
	"github.com/cunshe/cunshe-operator/internal/rules"
)

func TestSampleKeysAreRefused(t *testing.T) {
	sampleKey, ownKey := publicKeyB64(unitKey("sample")), publicKeyB64(unitKey("own"))
	sample := rules.SampleKeys{sampleKey: "mzj-local-only"}
	unit := &governancev1alpha1.ReviewUnit{Spec: governancev1alpha1.ReviewUnitSpec{PublicKeys: []governancev1alpha1.PublicKey{
		{ID: "mzj-2026", Ed25519: ownKey}, {ID: "mzj-local-only", Ed25519: sampleKey}}}}
	msg := `S5 公钥 "mzj-local-only" 是随软件发布的示例密钥（mzj-local-only，私钥已公开），只能在本地演示模式（make run）中使用；请用 kubectl cunshe keygen 生成本单位自己的密钥 / public key "mzj-local-only" is a sample key shipped with the software (mzj-local-only; its private half is public) and is accepted only in local mode (make run); make the unit's own key with kubectl cunshe keygen`
	expectFindings(t, rules.ValidateNoSampleKeys(unit, sample), []finding{{field.ErrorTypeForbidden, "spec.publicKeys[1].ed25519", "S5", msg}})
	expectFindings(t, rules.ValidateNoSampleKeys(unit, nil), nil)

	signed := func(keyID string) *governancev1alpha1.ItemApproval {
		return &governancev1alpha1.ItemApproval{Spec: governancev1alpha1.ItemApprovalSpec{Signature: &governancev1alpha1.Signature{KeyID: keyID}}}
	}
	expectFindings(t, rules.ValidateNotSampleSigned(signed("mzj-local-only"), unit, sample), []finding{{field.ErrorTypeForbidden, "spec.signature.keyID", "S5", msg}})
	expectFindings(t, rules.ValidateNotSampleSigned(signed("mzj-2026"), unit, sample), nil)
	expectFindings(t, rules.ValidateNotSampleSigned(&governancev1alpha1.ItemApproval{}, unit, sample), nil)
	expectFindings(t, rules.ValidateNotSampleSigned(signed("mzj-local-only"), unit, nil), nil)
}
