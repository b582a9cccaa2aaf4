package rules_test

import (
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"strings"
	"testing"

	. "github.com/onsi/gomega"
	"k8s.io/apimachinery/pkg/util/validation/field"

	governancev1alpha1 "github.com/cunshe/cunshe-operator/api/v1alpha1"
	"github.com/cunshe/cunshe-operator/internal/rules"
)

// smallOrderPoints are the encodings of the eight points of order 1, 2, 4
// and 8 of edwards25519 (as in libsodium's blocklist), little-endian.
var smallOrderPoints = map[string]string{
	"identity (order 1)":                "0100000000000000000000000000000000000000000000000000000000000000",
	"(0, -1) (order 2)":                 "ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
	"y = 0 (order 4)":                   "0000000000000000000000000000000000000000000000000000000000000000",
	"y = 0, x negative":                 "0000000000000000000000000000000000000000000000000000000000000080",
	"order 8":                           "26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc05",
	"order 8, x negative":               "26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc85",
	"order 8, -y":                       "c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac037a",
	"order 8, -y, x negative":           "c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac03fa",
	"identity, y = p+1 (non-canonical)": "eeffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
}

func b64(hexKey string) string {
	raw, err := hex.DecodeString(hexKey)
	if err != nil {
		panic(err)
	}
	return base64.StdEncoding.EncodeToString(raw)
}

// A small-order key verifies signatures nobody made: R a small-order
// point, S = 0. This is why ValidateReviewUnit refuses such keys.
func TestSmallOrderKeysAcceptForgeries(t *testing.T) {
	for name, key := range smallOrderPoints {
		t.Run(name, func(t *testing.T) {
			unit := reviewUnit("mzj")
			unit.Spec.PublicKeys[0].Ed25519 = b64(key)
			forged := 0
			for i := range 16 {
				item := censusItem()
				item.Name = fmt.Sprintf("l1-item-%d", i)
				a := approval(item, "mzj", approve, 0)
				for _, r := range smallOrderPoints {
					a.Spec.Signature = &governancev1alpha1.Signature{KeyID: keyID("mzj"), Value: b64(r + strings.Repeat("0", 64))}
					if rules.VerifySignature(&a.Spec, &unit) == nil {
						forged++
						break
					}
				}
			}
			t.Logf("forged approvals of %d of 16 items", forged)
			NewWithT(t).Expect(forged).To(BeNumerically(">", 0), "anyone can sign for this key")
		})
	}
}

func TestValidateReviewUnitRefusesSmallOrderKeys(t *testing.T) {
	for name, key := range smallOrderPoints {
		t.Run(name, func(t *testing.T) {
			u := reviewUnit("mzj")
			u.Spec.PublicKeys = append(u.Spec.PublicKeys, governancev1alpha1.PublicKey{ID: "placeholder", Ed25519: b64(key)})
			expectFindings(t, rules.ValidateReviewUnit(&u, rules.Jurisdictions{}), []finding{{field.ErrorTypeInvalid, "spec.publicKeys[1].ed25519", "S5",
				`public key "placeholder" is a point of small order (such as the identity): anyone can forge signatures it accepts`}})
		})
	}
}

// Real keys are never taken for small-order points.
func TestValidateReviewUnitAcceptsRealKeys(t *testing.T) {
	g := NewWithT(t)
	for i := range 500 {
		seed := sha256.Sum256(fmt.Appendf(nil, "real key %d", i))
		u := reviewUnit("mzj")
		u.Spec.PublicKeys[0].Ed25519 = base64.StdEncoding.EncodeToString(ed25519.NewKeyFromSeed(seed[:]).Public().(ed25519.PublicKey))
		g.Expect(rules.ValidateReviewUnit(&u, rules.Jurisdictions{})).To(BeEmpty(), "key %d", i)
	}
}
