package portal

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"runtime"
	"strings"

	"golang.org/x/sync/errgroup"

	governancev1alpha1 "github.com/cunshe/cunshe-operator/api/v1alpha1"
)

// ExportOptions select what Export writes.
type ExportOptions struct {
	// Villages limits the villages exported (codes); empty: all.
	Villages []string
}

// Export writes the site as static files under dir, each page through the
// same handler the server uses: a city that publishes through a CDN or its
// government site serves dir as it is (a path ending in / is its
// index.html). Only the search box needs the server. It returns the number
// of files written.
func Export(ctx context.Context, s *Site, dir string, opts ExportOptions) (int, error) {
	paths := s.exportPaths(opts)
	g, ctx := errgroup.WithContext(ctx)
	g.SetLimit(runtime.GOMAXPROCS(0))
	for _, p := range paths {
		g.Go(func() error {
			if err := ctx.Err(); err != nil {
				return err
			}
			return exportOne(s, dir, p)
		})
	}
	if err := g.Wait(); err != nil {
		return 0, err
	}
	return len(paths), nil
}

func exportOne(s *Site, dir, path string) error {
	r := httptest.NewRequest(http.MethodGet, path, nil)
	w := httptest.NewRecorder()
	s.ServeHTTP(w, r)
	if w.Code != http.StatusOK {
		return fmt.Errorf("%s: HTTP %d", path, w.Code)
	}
	file := filepath.Join(dir, filepath.FromSlash(strings.TrimPrefix(path, "/")))
	if strings.HasSuffix(path, "/") {
		file = filepath.Join(file, "index.html")
	}
	if err := os.MkdirAll(filepath.Dir(file), 0o755); err != nil {
		return err
	}
	return os.WriteFile(file, w.Body.Bytes(), 0o644)
}

// exportPaths are every page and picture the site links to.
func (s *Site) exportPaths(opts ExportOptions) []string {
	snap := s.snap.Load()
	paths := []string{"/", "/d/", "/static/portal.css"}
	for _, code := range sortedKeys(snap.counties) {
		paths = append(paths, "/a/"+code+"/")
	}
	for _, code := range sortedKeys(snap.townships) {
		paths = append(paths, "/a/"+code+"/")
	}
	for _, name := range sortedKeys(snap.compliance) {
		if deptName.MatchString(name) {
			paths = append(paths, "/d/"+name+"/")
		}
	}
	flows := map[string]bool{}
	codes := opts.Villages
	if len(codes) == 0 {
		codes = sortedKeys(snap.villages)
	}
	for _, code := range codes {
		v := snap.Village(code)
		if v == nil {
			continue
		}
		paths = append(paths, "/v/"+code+"/", "/v/"+code+"/qr/", "/qr/"+code+".png", "/qr/"+code+".svg")
		for _, e := range entries {
			paths = append(paths, "/qr/"+code+"/"+e.Key+".png", "/qr/"+code+"/"+e.Key+".svg")
		}
		if snap.sets[governancev1alpha1.TenantNamespaceName(code)] != nil {
			paths = append(paths, "/v/"+code+"/boards.svg")
		}
		if lists, _ := snap.Lists(v); lists != nil {
			for _, f := range lists.Flows {
				if !flows[f.Name] && snap.catalog.Flows[f.Name] != nil {
					flows[f.Name] = true
					paths = append(paths, "/flow/"+f.Name+".svg")
				}
			}
		}
	}
	return paths
}
