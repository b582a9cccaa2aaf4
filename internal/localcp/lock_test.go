package localcp

import (
	"os"
	"strconv"
	"strings"
	"testing"
)

// TestSecondStartOnTheSameFolderIsRefused: a second local control plane on
// the same data folder fails at once, naming the folder and the process
// that holds it, and the folder is free again once the first lets go.
func TestSecondStartOnTheSameFolderIsRefused(t *testing.T) {
	dir := t.TempDir()
	first, err := lockDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	_, err = lockDir(dir)
	if err == nil {
		t.Fatal("a second lock on the same folder was granted")
	}
	for _, want := range []string{dir, "in use by process " + strconv.Itoa(os.Getpid()), "正被进程"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("the refusal %q does not say %q", err, want)
		}
	}
	if err := first.Close(); err != nil {
		t.Fatal(err)
	}
	again, err := lockDir(dir)
	if err != nil {
		t.Fatalf("the folder stayed locked after the first holder let go: %v", err)
	}
	_ = again.Close()
}
