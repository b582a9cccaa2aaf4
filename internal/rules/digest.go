package rules

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"slices"
	"strings"
	"unicode/utf8"

	governancev1alpha1 "github.com/cunshe/cunshe-operator/api/v1alpha1"
)

// DigestPrefix starts every item digest.
const DigestPrefix = "sha256:"

// Digest is the canonical SHA-256 of an item's spec without its retirement
// and, for a MicroPower item, of its flow's content (P1): what review units
// approve and sign (S5), so that an approval covers the steps of the flow
// it saw, not only the flow's name. flow is the item's PowerFlow spec, or
// nil for items of the other lists (or a flow that does not exist, whose
// digest no approval of the real flow matches). It is stable across key order,
// YAML formatting, list order of sets and defaulting (docs/digest.md):
//  1. drop retirement; apply defaults (villageTypes empty → both types);
//  2. sort and de-duplicate the set fields (responsibleDepartments,
//     scope.counties, scope.villageTypes);
//  3. encode as JSON with object keys sorted, no whitespace, no HTML
//     escaping, empty fields omitted;
//  4. SHA-256 of those bytes, hex, prefixed "sha256:".
func Digest(spec *governancev1alpha1.ListItemSpec, flow *governancev1alpha1.PowerFlowSpec) string {
	sum := sha256.Sum256(CanonicalJSON(spec, flow))
	return DigestPrefix + hex.EncodeToString(sum[:])
}

// CanonicalJSON is the byte string Digest hashes: the item's canonical spec,
// and for a MicroPower item with a flow, that flow under the key "flowContent"
// (steps sorted by id, each step's next kept in order: it is the flow).
func CanonicalJSON(spec *governancev1alpha1.ListItemSpec, flow *governancev1alpha1.PowerFlowSpec) []byte {
	c := canonicalSpec{ListItemSpec: canonicalItem(spec)}
	if spec.List == governancev1alpha1.ListMicroPower && flow != nil {
		f := flow.DeepCopy()
		slices.SortFunc(f.Steps, func(a, b governancev1alpha1.FlowStep) int { return strings.Compare(a.ID, b.ID) })
		c.FlowContent = f
	}
	return canonicalJSON(c)
}

// canonicalSpec is what the digest covers; FlowContent is added for
// MicroPower items only, so the digests of the other lists are unchanged.
type canonicalSpec struct {
	*governancev1alpha1.ListItemSpec
	FlowContent *governancev1alpha1.PowerFlowSpec `json:"flowContent,omitempty"`
}

func canonicalItem(spec *governancev1alpha1.ListItemSpec) *governancev1alpha1.ListItemSpec {
	c := spec.DeepCopy()
	c.Retirement = nil
	c.ResponsibleDepartments = sortedSet(c.ResponsibleDepartments)
	c.Scope.Counties = sortedSet(c.Scope.Counties)
	if len(c.Scope.VillageTypes) == 0 {
		c.Scope.VillageTypes = []governancev1alpha1.VillageType{governancev1alpha1.TypeCommunity, governancev1alpha1.TypeVillage}
	}
	c.Scope.VillageTypes = sortedSet(c.Scope.VillageTypes)
	return c
}

func canonicalJSON(c any) []byte {
	// Round-trip through a generic value so that keys are sorted by name,
	// not by Go field order: the digest survives a refactor of the types.
	raw, err := json.Marshal(c)
	if err != nil {
		panic(err) // a spec of strings, bools and slices always encodes
	}
	var generic any
	if err := json.Unmarshal(raw, &generic); err != nil {
		panic(err)
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(generic); err != nil {
		panic(err)
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n"))
}

func sortedSet[T ~string](in []T) []T {
	if len(in) == 0 {
		return nil
	}
	out := slices.Clone(in)
	for i, s := range out {
		if !utf8.ValidString(string(s)) {
			// As encoding/json will write it (each invalid byte as U+FFFD),
			// so that the encoded set is sorted and without duplicates.
			out[i] = T([]rune(string(s)))
		}
	}
	slices.Sort(out)
	return slices.Compact(out)
}
