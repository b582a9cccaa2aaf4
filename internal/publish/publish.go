// Package publish decides, as pure functions, what the lists look like when
// published: which items a revision holds, which villages a rollout step
// reaches, and what one village receives (S1, S7, S10). The revision and
// rollout controllers and the CLI (kubectl cunshe lists, diff) share it.
package publish

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"slices"
	"strings"

	governancev1alpha1 "github.com/cunshe/cunshe-operator/api/v1alpha1"
	"github.com/cunshe/cunshe-operator/internal/rules"
)

// Annotations on a village's cunshe-lists ConfigMap.
const (
	AnnotationRevision    = "governance.cunshe.io/revision"
	AnnotationContentHash = "governance.cunshe.io/content-hash"
	// DataKey holds the village's lists, as YAML.
	DataKey = "lists.yaml"
	// CompressedKey holds them gzipped, in binaryData, when they are large.
	CompressedKey = "lists.yaml.gz"
)

// Published returns the items a revision cut today holds: every item that
// was approved and is not retired by today (S1, S7), sorted by name.
func Published(items []governancev1alpha1.ListItem, today string) []governancev1alpha1.PublishedItem {
	var out []governancev1alpha1.PublishedItem
	for i := range items {
		it := &items[i]
		if !rules.Publishable(it, today) {
			continue
		}
		out = append(out, governancev1alpha1.PublishedItem{Name: it.Name, List: it.Spec.List, Digest: it.Status.ApprovedDigest})
	}
	slices.SortFunc(out, func(a, b governancev1alpha1.PublishedItem) int { return strings.Compare(a.Name, b.Name) })
	return out
}

// ContentHash is the SHA-256 of the sorted (name, list, digest) triples:
// equal content, equal hash, so no second revision is cut for it.
func ContentHash(items []governancev1alpha1.PublishedItem) string {
	h := sha256.New()
	for _, it := range items {
		fmt.Fprintf(h, "%s\t%s\t%s\n", it.Name, it.List, it.Digest)
	}
	return "sha256:" + hex.EncodeToString(h.Sum(nil))
}
