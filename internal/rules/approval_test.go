package rules_test

import (
	"crypto/ed25519"
	"encoding/base64"
	"strings"
	"testing"

	. "github.com/onsi/gomega"
	"k8s.io/apimachinery/pkg/util/validation/field"
	"k8s.io/utils/ptr"

	governancev1alpha1 "github.com/cunshe/cunshe-operator/api/v1alpha1"
	"github.com/cunshe/cunshe-operator/internal/rules"
)

// bot is a GitOps applier that belongs to no review unit.
var bot = rules.Requester{Username: "system:serviceaccount:argocd:argocd-application-controller", Groups: []string{"system:serviceaccounts", "system:authenticated"}}

// member returns a clerk of the unit, in the unit's group.
func member(unit string) rules.Requester {
	return rules.Requester{Username: unit + "-clerk", Groups: []string{"system:authenticated", "cunshe:unit:" + unit}}
}

func TestValidateItemApproval(t *testing.T) {
	item := censusItem()
	tests := map[string]struct {
		// approval builds the approval under test.
		approval func() governancev1alpha1.ItemApproval
		// who sends the request.
		who rules.Requester
		// verifiedBy is how admission says the approval was proven; empty when refused.
		verifiedBy governancev1alpha1.VerifiedBy
		// want are the findings; none means admitted.
		want []finding
	}{
		"signed with the unit's key, applied by a bot": {
			approval: func() governancev1alpha1.ItemApproval {
				return signed(approval(item, "mzj", governancev1alpha1.DecisionApprove, 0))
			},
			who:        bot,
			verifiedBy: governancev1alpha1.VerifiedBySignature,
		},
		"a signed rejection": {
			approval: func() governancev1alpha1.ItemApproval {
				return signed(approval(item, "sjw", governancev1alpha1.DecisionReject, 0))
			},
			who:        bot,
			verifiedBy: governancev1alpha1.VerifiedBySignature,
		},
		"signed, applied by a member: the signature is what counts": {
			approval: func() governancev1alpha1.ItemApproval {
				return signed(approval(item, "mzj", governancev1alpha1.DecisionApprove, 0))
			},
			who:        member("mzj"),
			verifiedBy: governancev1alpha1.VerifiedBySignature,
		},
		"signed with the unit's key but unsigned comment changed: the comment is not signed": {
			approval: func() governancev1alpha1.ItemApproval {
				a := signed(approval(item, "mzj", governancev1alpha1.DecisionApprove, 0))
				a.Spec.Comment = "同意"
				return a
			},
			who:        bot,
			verifiedBy: governancev1alpha1.VerifiedBySignature,
		},
		"signed with another unit's key under this unit's key id": {
			approval: func() governancev1alpha1.ItemApproval {
				a := approval(item, "mzj", governancev1alpha1.DecisionApprove, 0)
				rules.Sign(&a.Spec, keyID("mzj"), unitKey("zzb"))
				return a
			},
			who:  bot,
			want: []finding{{field.ErrorTypeInvalid, "spec.signature", "S5", `the signature does not verify against key "mzj-2026" of review unit "mzj"`}},
		},
		"signed with a key id the unit does not have": {
			approval: func() governancev1alpha1.ItemApproval {
				a := approval(item, "mzj", governancev1alpha1.DecisionApprove, 0)
				rules.Sign(&a.Spec, "mzj-2019", unitKey("mzj"))
				return a
			},
			who:  bot,
			want: []finding{{field.ErrorTypeInvalid, "spec.signature", "S5", `review unit "mzj" has no public key "mzj-2019"`}},
		},
		"a unit's signature replayed for another unit": {
			approval: func() governancev1alpha1.ItemApproval {
				a := signed(approval(item, "mzj", governancev1alpha1.DecisionApprove, 0))
				a.Spec.Unit = "zzb"
				return a
			},
			who:  bot,
			want: []finding{{field.ErrorTypeInvalid, "spec.signature", "S5", `review unit "zzb" has no public key "mzj-2026"`}},
		},
		"a signed Reject turned into Approve": {
			approval: func() governancev1alpha1.ItemApproval {
				a := signed(approval(item, "mzj", governancev1alpha1.DecisionReject, 0))
				a.Spec.Decision = governancev1alpha1.DecisionApprove
				return a
			},
			who:  bot,
			want: []finding{{field.ErrorTypeInvalid, "spec.signature", "S5", "forged, or signed for other content"}},
		},
		"a signature moved to another digest": {
			approval: func() governancev1alpha1.ItemApproval {
				a := signed(approval(item, "mzj", governancev1alpha1.DecisionApprove, 0))
				other := projectItem()
				a.Spec.Digest = rules.Digest(&other.Spec, nil)
				return a
			},
			who:  bot,
			want: []finding{{field.ErrorTypeInvalid, "spec.signature", "S5", "forged, or signed for other content"}},
		},
		"a signature moved to another item": {
			approval: func() governancev1alpha1.ItemApproval {
				a := signed(approval(item, "mzj", governancev1alpha1.DecisionApprove, 0))
				a.Spec.Item = "l6-village-project"
				return a
			},
			who:  bot,
			want: []finding{{field.ErrorTypeInvalid, "spec.signature", "S5", "forged, or signed for other content"}},
		},
		"a signature with one bit flipped": {
			approval: func() governancev1alpha1.ItemApproval {
				a := signed(approval(item, "mzj", governancev1alpha1.DecisionApprove, 0))
				raw, _ := base64.StdEncoding.DecodeString(a.Spec.Signature.Value)
				raw[17] ^= 0x04
				a.Spec.Signature.Value = base64.StdEncoding.EncodeToString(raw)
				return a
			},
			who:  bot,
			want: []finding{{field.ErrorTypeInvalid, "spec.signature", "S5", "does not verify"}},
		},
		"a signature that is not base64": {
			approval: func() governancev1alpha1.ItemApproval {
				a := signed(approval(item, "mzj", governancev1alpha1.DecisionApprove, 0))
				a.Spec.Signature.Value = strings.Repeat("!", 88)
				return a
			},
			who:  bot,
			want: []finding{{field.ErrorTypeInvalid, "spec.signature", "S5", "the signature is not base64 of 64 bytes"}},
		},
		"a signature of 63 bytes": {
			approval: func() governancev1alpha1.ItemApproval {
				a := signed(approval(item, "mzj", governancev1alpha1.DecisionApprove, 0))
				raw, _ := base64.StdEncoding.DecodeString(a.Spec.Signature.Value)
				a.Spec.Signature.Value = base64.StdEncoding.EncodeToString(raw[:63])
				return a
			},
			who:  bot,
			want: []finding{{field.ErrorTypeInvalid, "spec.signature", "S5", "the signature is not base64 of 64 bytes"}},
		},
		"signed, and the unit's stored key is unusable": {
			approval: func() governancev1alpha1.ItemApproval {
				return signed(approval(item, "broken", governancev1alpha1.DecisionApprove, 0))
			},
			who:  bot,
			want: []finding{{field.ErrorTypeInvalid, "spec.signature", "S5", `public key "broken-2026" of review unit "broken" is unusable`}},
		},
		"unsigned, by a member of the unit": {
			approval: func() governancev1alpha1.ItemApproval {
				return approval(item, "mzj", governancev1alpha1.DecisionApprove, 0)
			},
			who:        member("mzj"),
			verifiedBy: governancev1alpha1.VerifiedByMembership,
		},
		"unsigned, by a bot that is no member": {
			approval: func() governancev1alpha1.ItemApproval {
				return approval(item, "mzj", governancev1alpha1.DecisionApprove, 0)
			},
			who: bot,
			want: []finding{{field.ErrorTypeForbidden, "spec.unit", "S5",
				`user "system:serviceaccount:argocd:argocd-application-controller" is not a member of review unit "mzj" (group cunshe:unit:mzj)`}},
		},
		"unsigned, by a member of another unit": {
			approval: func() governancev1alpha1.ItemApproval {
				return approval(item, "mzj", governancev1alpha1.DecisionApprove, 0)
			},
			who:  member("zzb"),
			want: []finding{{field.ErrorTypeForbidden, "spec.unit", "S5", `user "zzb-clerk" is not a member of review unit "mzj"`}},
		},
		"unsigned, by a user named like the group but not in it": {
			approval: func() governancev1alpha1.ItemApproval {
				return approval(item, "mzj", governancev1alpha1.DecisionApprove, 0)
			},
			who:  rules.Requester{Username: "cunshe:unit:mzj"},
			want: []finding{{field.ErrorTypeForbidden, "spec.unit", "S5", "sign the approval with the unit's key"}},
		},
		"unsigned, for a unit that does not exist": {
			approval: func() governancev1alpha1.ItemApproval {
				return approval(item, "xfj", governancev1alpha1.DecisionApprove, 0)
			},
			who:  member("xfj"),
			want: []finding{{field.ErrorTypeNotFound, "spec.unit", "S5", `review unit "xfj" does not exist`}},
		},
		"signed, for a unit that does not exist": {
			approval: func() governancev1alpha1.ItemApproval {
				return signed(approval(item, "xfj", governancev1alpha1.DecisionApprove, 0))
			},
			who:  bot,
			want: []finding{{field.ErrorTypeNotFound, "spec.unit", "S5", `review unit "xfj" does not exist`}},
		},
	}
	snap := snapshot()
	broken := reviewUnit("broken")
	broken.Spec.PublicKeys[0].Ed25519 = "not base64"
	snap.Units["broken"] = &broken
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			g := NewWithT(t)
			a := tc.approval()
			verifiedBy, errs := rules.ValidateItemApproval(&a, tc.who, snap)
			expectFindings(t, errs, tc.want)
			g.Expect(verifiedBy).To(Equal(tc.verifiedBy))
			if len(errs) > 0 && errs[0].Field == "spec.signature" {
				g.Expect(errs[0].BadValue).To(Equal(a.Spec.Signature.KeyID), "the bad value is the key id")
			}
		})
	}
}

func TestValidateItemApprovalUpdate(t *testing.T) {
	createdBy := "metadata.annotations[" + governancev1alpha1.AnnotationCreatedBy + "]"
	verifiedBy := "metadata.annotations[" + governancev1alpha1.AnnotationVerifiedBy + "]"
	tests := map[string]struct {
		// change edits the stored approval (unsigned, by mzj-clerk, Membership).
		change func(a *governancev1alpha1.ItemApproval)
		// want are the findings; none means admitted.
		want []finding
	}{
		"nothing changes": {
			change: func(*governancev1alpha1.ItemApproval) {},
		},
		"a label and another annotation are added": {
			change: func(a *governancev1alpha1.ItemApproval) {
				a.Labels = map[string]string{"governance.cunshe.io/item": "l1-census-assist"}
				a.Annotations["kubectl.kubernetes.io/last-applied-configuration"] = "{}"
			},
		},
		"the creator is rewritten": {
			change: func(a *governancev1alpha1.ItemApproval) {
				a.Annotations[governancev1alpha1.AnnotationCreatedBy] = "mzj-director"
			},
			want: []finding{{field.ErrorTypeForbidden, createdBy, "S5", "who made an approval and how it was verified cannot change"}},
		},
		"the creator is removed": {
			change: func(a *governancev1alpha1.ItemApproval) {
				delete(a.Annotations, governancev1alpha1.AnnotationCreatedBy)
			},
			want: []finding{{field.ErrorTypeForbidden, createdBy, "S5", "cannot change"}},
		},
		"Membership becomes Signature": {
			change: func(a *governancev1alpha1.ItemApproval) {
				a.Annotations[governancev1alpha1.AnnotationVerifiedBy] = string(governancev1alpha1.VerifiedBySignature)
			},
			want: []finding{{field.ErrorTypeForbidden, verifiedBy, "S5", "cannot change"}},
		},
		"all annotations are dropped": {
			change: func(a *governancev1alpha1.ItemApproval) { a.Annotations = nil },
			want: []finding{
				{field.ErrorTypeForbidden, createdBy, "S5", "cannot change"},
				{field.ErrorTypeForbidden, verifiedBy, "S5", "cannot change"},
			},
		},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			old := approval(censusItem(), "mzj", governancev1alpha1.DecisionApprove, 0)
			updated := old.DeepCopy()
			tc.change(updated)
			expectFindings(t, rules.ValidateItemApprovalUpdate(&old, updated), tc.want)
		})
	}
}

func TestValidateReviewUnit(t *testing.T) {
	tests := map[string]struct {
		// keys are the unit's public keys, base64.
		keys []string
		// want are the findings; none means admitted.
		want []finding
	}{
		"no keys: members approve unsigned": {},
		"two usable keys (a rotation)": {
			keys: []string{publicKeyB64(unitKey("mzj")), publicKeyB64(unitKey("mzj-next"))},
		},
		"a key that is not base64": {
			keys: []string{publicKeyB64(unitKey("mzj")), "ed25519:AAAA not base64 at all!!!!!!!!!!!!!!!!!!!"},
			want: []finding{{field.ErrorTypeInvalid, "spec.publicKeys[1].ed25519", "S5", `public key "k1" is not base64 of a 32-byte Ed25519 key`}},
		},
		"a key in URL-safe base64": {
			keys: []string{"-_" + publicKeyB64(unitKey("mzj"))[2:]},
			want: []finding{{field.ErrorTypeInvalid, "spec.publicKeys[0].ed25519", "S5", `public key "k0"`}},
		},
		"a key of 31 bytes": {
			keys: []string{base64.StdEncoding.EncodeToString(unitKey("mzj").Public().(ed25519.PublicKey)[:31])},
			want: []finding{{field.ErrorTypeInvalid, "spec.publicKeys[0].ed25519", "S5", "32-byte Ed25519 key"}},
		},
		"a private key pasted as the public key (64 bytes)": {
			keys: []string{base64.StdEncoding.EncodeToString(unitKey("mzj"))},
			want: []finding{{field.ErrorTypeInvalid, "spec.publicKeys[0].ed25519", "S5", "32-byte Ed25519 key"}},
		},
		"an empty key": {
			keys: []string{""},
			want: []finding{{field.ErrorTypeInvalid, "spec.publicKeys[0].ed25519", "S5", "32-byte Ed25519 key"}},
		},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			u := reviewUnit("mzj")
			u.Spec.PublicKeys = nil
			for i, k := range tc.keys {
				u.Spec.PublicKeys = append(u.Spec.PublicKeys, governancev1alpha1.PublicKey{ID: "k" + string(rune('0'+i)), Ed25519: k})
			}
			expectFindings(t, rules.ValidateReviewUnit(&u, rules.Jurisdictions{}), tc.want)
		})
	}
}

// The signing message is what units' keys sign, in and out of the cluster
// (kubectl cunshe approve, offline signers): pinned byte for byte.
func TestSigningMessageIsPinned(t *testing.T) {
	g := NewWithT(t)
	got := rules.SigningMessage("l1-census-assist", "sha256:"+strings.Repeat("0f", 32), "mzj", governancev1alpha1.DecisionApprove)
	g.Expect(string(got)).To(Equal("cunshe.io/item-approval/v1\n" +
		"item=l1-census-assist\n" +
		"digest=sha256:0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f\n" +
		"unit=mzj\n" +
		"decision=Approve\n"))
}

func TestSignThenVerify(t *testing.T) {
	g := NewWithT(t)
	item := censusItem()
	unit := reviewUnit("mzj")
	a := approval(item, "mzj", governancev1alpha1.DecisionApprove, 0)
	rules.Sign(&a.Spec, keyID("mzj"), unitKey("mzj"))
	g.Expect(a.Spec.Signature.KeyID).To(Equal("mzj-2026"))
	g.Expect(a.Spec.Signature.Value).To(HaveLen(88), "the CRD wants exactly 88 characters")
	g.Expect(rules.VerifySignature(&a.Spec, &unit)).To(Succeed())

	raw, err := base64.StdEncoding.DecodeString(a.Spec.Signature.Value)
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(ed25519.Verify(unitKey("mzj").Public().(ed25519.PublicKey),
		rules.SigningMessage(a.Spec.Item, a.Spec.Digest, a.Spec.Unit, a.Spec.Decision), raw)).To(BeTrue(), "a plain Ed25519 verifier agrees")

	// A rotation: the old key stays next to the new one; both verify.
	rotated := unit.DeepCopy()
	rotated.Spec.PublicKeys = append([]governancev1alpha1.PublicKey{{ID: "mzj-2027", Ed25519: publicKeyB64(unitKey("mzj-2027"))}}, rotated.Spec.PublicKeys...)
	g.Expect(rules.VerifySignature(&a.Spec, rotated)).To(Succeed())
	rules.Sign(&a.Spec, "mzj-2027", unitKey("mzj-2027"))
	g.Expect(rules.VerifySignature(&a.Spec, rotated)).To(Succeed())
	g.Expect(rules.VerifySignature(&a.Spec, &unit)).To(MatchError(ContainSubstring(`review unit "mzj" has no public key "mzj-2027"`)))
}

func TestValidateItemApprovalDelete(t *testing.T) {
	tests := map[string]struct {
		// items are the items in the snapshot.
		items []*governancev1alpha1.ListItem
		// want are the findings; none means the approval may go.
		want []finding
	}{
		"the approval of an item that was deleted": {},
		"the approval of a pending item": {
			items: []*governancev1alpha1.ListItem{censusItem()},
			want:  []finding{{field.ErrorTypeForbidden, "metadata.name", "S5", `cannot be deleted while item "l1-census-assist" exists`}},
		},
		"the approval of an approved item": {
			items: []*governancev1alpha1.ListItem{approved(censusItem())},
			want:  []finding{{field.ErrorTypeForbidden, "metadata.name", "S5", "to change a decision, create a new approval"}},
		},
		"only other items exist": {
			items: []*governancev1alpha1.ListItem{projectItem()},
		},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			snap := snapshot()
			for _, i := range tc.items {
				snap.Items[i.Name] = i
			}
			a := approval(censusItem(), "mzj", governancev1alpha1.DecisionApprove, 0)
			expectFindings(t, rules.ValidateItemApprovalDelete(&a, snap), tc.want)
		})
	}
}

func TestValidateReviewUnitDelete(t *testing.T) {
	tests := map[string]struct {
		// unit is the unit being deleted.
		unit governancev1alpha1.ReviewUnit
		// want are the findings; none means the unit may go.
		want []finding
	}{
		"a required unit (required unset)": {
			unit: reviewUnit("mzj"),
			want: []finding{{field.ErrorTypeForbidden, "metadata.name", "S5", `review unit "mzj" is required; deleting it would lower the bar for every item`}},
		},
		"a unit marked required": {
			unit: func() governancev1alpha1.ReviewUnit {
				u := reviewUnit("sjw")
				u.Spec.Required = ptr.To(true)
				return u
			}(),
			want: []finding{{field.ErrorTypeForbidden, "metadata.name", "S5", "set spec.required to false first"}},
		},
		"a unit that is not required": {
			unit: optionalUnit("xfj"),
		},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			expectFindings(t, rules.ValidateReviewUnitDelete(&tc.unit), tc.want)
		})
	}
}
