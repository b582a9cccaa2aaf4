package rules

import (
	"bytes"
	"crypto/ecdh"
	"crypto/ed25519"
	"encoding/base64"
	"fmt"
	"math/big"
	"slices"

	governancev1alpha1 "github.com/cunshe/cunshe-operator/api/v1alpha1"
)

// SigningMessage is the byte string a unit signs for an approval (S5): the
// item's name, the digest, the unit and the decision, with a version prefix
// so a signature for one purpose can never be replayed for another.
func SigningMessage(item, digest, unit string, decision governancev1alpha1.ApprovalDecision) []byte {
	return fmt.Appendf(nil, "cunshe.io/item-approval/v1\nitem=%s\ndigest=%s\nunit=%s\ndecision=%s\n", item, digest, unit, decision)
}

// Sign signs an approval spec with a unit's private key and sets its signature.
func Sign(spec *governancev1alpha1.ItemApprovalSpec, keyID string, key ed25519.PrivateKey) {
	sig := ed25519.Sign(key, SigningMessage(spec.Item, spec.Digest, spec.Unit, spec.Decision))
	spec.Signature = &governancev1alpha1.Signature{KeyID: keyID, Value: base64.StdEncoding.EncodeToString(sig)}
}

// VerifySignature checks an approval's signature against the unit's keys; it
// returns a bilingual reason (a Message, citing S5) when it does not verify.
func VerifySignature(spec *governancev1alpha1.ItemApprovalSpec, unit *governancev1alpha1.ReviewUnit) error {
	if m, bad := signatureProblem(spec, unit); bad {
		return m
	}
	return nil
}

func signatureProblem(spec *governancev1alpha1.ItemApprovalSpec, unit *governancev1alpha1.ReviewUnit) (Message, bool) {
	sig := spec.Signature
	for _, k := range unit.Spec.PublicKeys {
		if k.ID != sig.KeyID {
			continue
		}
		pub, err := DecodePublicKey(k.Ed25519)
		if err != nil {
			return msg(S5, "联审单位 %[1]q 的公钥 %[2]q 无效", "public key %[2]q of review unit %[1]q is unusable", unit.Name, k.ID), true
		}
		raw, err := base64.StdEncoding.DecodeString(sig.Value)
		if err != nil || len(raw) != ed25519.SignatureSize {
			return msg(S5, "签名不是 64 字节的 base64 编码", "the signature is not base64 of 64 bytes"), true
		}
		if !ed25519.Verify(pub, SigningMessage(spec.Item, spec.Digest, spec.Unit, spec.Decision), raw) {
			return msg(S5, "签名无法用联审单位 %[1]q 的公钥 %[2]q 验证（伪造或签署内容不同）",
				"the signature does not verify against key %[2]q of review unit %[1]q (forged, or signed for other content)", unit.Name, sig.KeyID), true
		}
		return Message{}, false
	}
	return msg(S5, "联审单位 %q 没有编号为 %q 的公钥", "review unit %q has no public key %q", unit.Name, sig.KeyID), true
}

// DecodePublicKey decodes a base64 Ed25519 public key.
func DecodePublicKey(s string) (ed25519.PublicKey, error) {
	raw, err := base64.StdEncoding.DecodeString(s)
	if err != nil {
		return nil, err
	}
	if len(raw) != ed25519.PublicKeySize {
		return nil, fmt.Errorf("want %d bytes, got %d", ed25519.PublicKeySize, len(raw))
	}
	return raw, nil
}

// smallOrder reports whether an Ed25519 public key is a point of order 1, 2,
// 4 or 8 (the identity, for one). Such a key verifies signatures that anyone
// can make, e.g. R = identity and S = 0 for every message, and ed25519.Verify
// does not refuse it. The point's Montgomery form u = (1+y)/(1-y) is then of
// small order too, which X25519 reports as an all-zero shared secret.
func smallOrder(pub ed25519.PublicKey) bool {
	p := new(big.Int).Sub(new(big.Int).Lsh(big.NewInt(1), 255), big.NewInt(19))
	le := slices.Clone(pub)
	le[31] &= 0x7f // the sign of x does not change the order
	slices.Reverse(le)
	y := new(big.Int).Mod(new(big.Int).SetBytes(le), p) // non-canonical y decode as y mod p
	den := new(big.Int).Mod(new(big.Int).Sub(big.NewInt(1), y), p)
	if den.Sign() == 0 {
		return true // y = 1: the identity
	}
	u := new(big.Int).Add(big.NewInt(1), y)
	u.Mod(u.Mul(u, den.ModInverse(den, p)), p)
	ub := u.FillBytes(make([]byte, 32))
	slices.Reverse(ub)
	peer, err := ecdh.X25519().NewPublicKey(ub)
	if err != nil {
		return true
	}
	probe, err := ecdh.X25519().NewPrivateKey(bytes.Repeat([]byte{0x5a}, 32))
	if err != nil {
		panic(err) // 32 bytes are always an X25519 private key
	}
	_, err = probe.ECDH(peer)
	return err != nil
}
