package controllers

import (
	"fmt"
	"hash/fnv"
	"slices"
	"sync"

	governancev1alpha1 "github.com/cunshe/cunshe-operator/api/v1alpha1"
	"github.com/cunshe/cunshe-operator/internal/publish"
)

// maxRememberedRenders bounds the memo: a province's cities, their
// counties and village types, two revisions each, fit many times over.
const maxRememberedRenders = 4096

// renderMemo remembers the content hash of the lists each group of
// villages was rendered to, so that a pass which finds every village
// already holding them does not render them again: a rollout is queued by
// every item, village and ConfigMap event, and rendering a city's lists
// (YAML) is most of a pass's CPU. Only hashes are kept, not the lists.
type renderMemo struct {
	mu     sync.Mutex
	hashes map[string]string
}

func (m *renderMemo) hash(key string) (string, bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	h, ok := m.hashes[key]
	return h, ok
}

func (m *renderMemo) remember(key, hash string) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.hashes == nil || len(m.hashes) >= maxRememberedRenders {
		m.hashes = map[string]string{}
	}
	m.hashes[key] = hash
}

// renderKey names what publish.ForVillage reads for a group of villages:
// the revision, the group (revision, county, village type), and the specs
// of the catalog's items and flows (by generation).
func renderKey(rev *governancev1alpha1.ListRevision, group, catalog string) string {
	return fmt.Sprintf("%s/%d/%s/%s", rev.UID, rev.Generation, group, catalog)
}

// catalogVersion digests the identity and spec generation of every item
// and flow of a catalog.
func catalogVersion(c publish.Catalog) string {
	names := make([]string, 0, len(c.Items)+len(c.Flows))
	for name, it := range c.Items {
		names = append(names, fmt.Sprintf("item/%s/%s/%d", name, it.UID, it.Generation))
	}
	for name, f := range c.Flows {
		names = append(names, fmt.Sprintf("flow/%s/%s/%d", name, f.UID, f.Generation))
	}
	slices.Sort(names)
	h := fnv.New64a()
	for _, n := range names {
		h.Write([]byte(n))
		h.Write([]byte{0})
	}
	return fmt.Sprintf("%016x", h.Sum64())
}
