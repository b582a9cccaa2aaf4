package cli

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"sigs.k8s.io/controller-runtime/pkg/client/interceptor"
)

func TestPortalExportWritesTheVillagesPages(t *testing.T) {
	c := newCity(t)
	useCluster(t, interceptor.Funcs{}, c.objects(c.rollout)...)
	code := c.villages[0].Name
	dir := t.TempDir()
	r := run(t, "", "portal", "export", dir, "--public-url", "https://cunshe.wenzhou.gov.cn", "--village", code)
	if r.code != ExitOK {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
	if !strings.Contains(r.stdout, "wrote") {
		t.Errorf("no summary: %q", r.stdout)
	}
	page, err := os.ReadFile(filepath.Join(dir, "v", code, "index.html"))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(page), c.villages[0].Spec.Name) {
		t.Errorf("the village's page does not name it")
	}
	for _, f := range []string{"index.html", "static/portal.css", "v/" + code + "/qr/index.html", "qr/" + code + "/manage.svg", "qr/" + code + ".png"} {
		if _, err := os.Stat(filepath.Join(dir, f)); err != nil {
			t.Errorf("missing %s: %v", f, err)
		}
	}
	if _, err := os.Stat(filepath.Join(dir, "v", c.villages[1].Name)); err == nil {
		t.Errorf("--village exported another village too")
	}
}

func TestPortalExportRefusesAnUnknownVillage(t *testing.T) {
	c := newCity(t)
	useCluster(t, interceptor.Funcs{}, c.objects(c.rollout)...)
	r := run(t, "", "portal", "export", t.TempDir(), "--public-url", "https://x.example", "--village", "330302999999")
	if r.code != ExitUnusableInput || !strings.Contains(r.stderr, "no village has the code") || !strings.Contains(r.stderr, "没有代码为") {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
}

func TestPortalExportNeedsThePublicURL(t *testing.T) {
	r := run(t, "", "portal", "export", t.TempDir())
	if r.code != ExitUnusableInput || !strings.Contains(r.stderr, "public-url") {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
}
