package portal

import (
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"sync"
)

// pageCache keeps each village's page, as last rendered, in a file named by
// its version: a page viewed again at the same version is a file served
// with sendfile, as a static site serves it, and the heap holds only this
// index (about 150 bytes a village). A page is re-rendered on its first
// view after its version (ETag) changes; concurrent views wait for that one
// rendering.
type pageCache struct {
	dir   string
	mu    sync.Mutex
	pages map[string]*cachedPage // by village code
}

type cachedPage struct {
	mu   sync.Mutex
	etag string
	file string
}

func newPageCache(dir string) *pageCache {
	return &pageCache{dir: dir, pages: map[string]*cachedPage{}}
}

func (c *pageCache) page(code string) *cachedPage {
	c.mu.Lock()
	defer c.mu.Unlock()
	p := c.pages[code]
	if p == nil {
		p = &cachedPage{}
		c.pages[code] = p
	}
	return p
}

// file is the page's file at version etag, rendering it first if needed.
func (c *pageCache) file(code, etag string, render func() ([]byte, error)) (string, error) {
	p := c.page(code)
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.etag == etag {
		return p.file, nil
	}
	body, err := render()
	if err != nil {
		return "", err
	}
	name := filepath.Join(c.dir, fmt.Sprintf("%s.%s.html", code, etag[1:len(etag)-1]))
	tmp := name + ".tmp"
	if err := os.WriteFile(tmp, body, 0o600); err != nil {
		return "", err
	}
	if err := os.Rename(tmp, name); err != nil {
		return "", err
	}
	if p.file != "" && p.file != name {
		_ = os.Remove(p.file) // a view that has it open still reads it
	}
	p.etag, p.file = etag, name
	return name, nil
}

// serveFile writes a cached page; false when the file went away meanwhile
// (a newer version replaced it), and the caller renders instead.
func serveFile(w http.ResponseWriter, r *http.Request, v *versions, name string) bool {
	f, err := os.Open(name)
	if err != nil {
		return false
	}
	defer func() { _ = f.Close() }()
	info, err := f.Stat()
	if err != nil {
		return false
	}
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	if !v.modTime.IsZero() {
		h.Set("Last-Modified", v.modTime.UTC().Format(http.TimeFormat))
	}
	h.Set("Content-Length", fmt.Sprint(info.Size()))
	w.WriteHeader(http.StatusOK)
	if r.Method != http.MethodHead {
		_, _ = io.Copy(w, f) // sendfile, through the ResponseWriter's ReadFrom
	}
	return true
}
