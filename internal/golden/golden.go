// Package golden compares test output with golden files, which `go test
// -update` rewrites.
package golden

import (
	"flag"
	"os"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// Update is set by -update: tests rewrite their golden files (and any other
// fixtures they derive) instead of comparing.
var Update = flag.Bool("update", false, "rewrite testdata golden files (and the fixtures derived from them)")

// Check compares got with the golden file at path, or rewrites the file
// with -update.
func Check(t *testing.T, path, got string) {
	t.Helper()
	if *Update {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("reading the golden file (run with -update to create it): %v", err)
	}
	if diff := cmp.Diff(string(want), got); diff != "" {
		t.Errorf("%s differs (-want +got; run with -update if the change is right):\n%s", path, diff)
	}
}
