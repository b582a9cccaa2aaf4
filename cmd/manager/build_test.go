package main

import (
	"bytes"
	"os/exec"
	"slices"
	"strings"
	"testing"
)

// localOnly are the packages of the local mode: the image must not carry
// a control-plane launcher (issue 15, item 10).
var localOnly = []string{
	"sigs.k8s.io/controller-runtime/pkg/envtest",
	"github.com/cunshe/cunshe-operator/internal/localcp",
}

func TestProductionBuildLeavesOutLocalMode(t *testing.T) {
	production := goDeps(t, "-tags", "nolocal")
	for _, pkg := range localOnly {
		if slices.Contains(production, pkg) {
			t.Errorf("go list -deps -tags nolocal ./cmd/manager lists %s: the image would carry the local mode", pkg)
		}
	}
	// The default build keeps them, for `make run`: else the check above
	// would pass for the wrong reason (a renamed package).
	local := goDeps(t)
	for _, pkg := range localOnly {
		if !slices.Contains(local, pkg) {
			t.Errorf("go list -deps ./cmd/manager lacks %s: `make run` needs the local mode", pkg)
		}
	}
}

// The nolocal files must keep compiling: `go vet` type-checks them without
// linking a binary.
func TestProductionBuildCompiles(t *testing.T) {
	if out, err := goCommand("vet", "-tags", "nolocal", "."); err != nil {
		t.Fatalf("go vet -tags nolocal ./cmd/manager: %v\n%s", err, out)
	}
}

// goDeps lists the packages the manager is built from, with extra go flags.
func goDeps(t *testing.T, flags ...string) []string {
	t.Helper()
	out, err := goCommand(append(append([]string{"list", "-deps"}, flags...), ".")...)
	if err != nil {
		t.Fatalf("go list: %v\n%s", err, out)
	}
	return strings.Fields(out)
}

func goCommand(args ...string) (string, error) {
	var out bytes.Buffer
	cmd := exec.Command("go", args...)
	cmd.Stdout, cmd.Stderr = &out, &out
	err := cmd.Run()
	return out.String(), err
}
