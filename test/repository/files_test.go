// Package repository_test checks what Git holds: sources only (issue 15,
// item 6). It reads the index, i.e. what a commit records, so a binary
// staged by mistake fails `make unit` before it is pushed.
package repository_test

import (
	"bytes"
	"fmt"
	"os/exec"
	"path"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// maxFileSize is the largest file the repository may hold. The largest
// source today is the division registry's CSV (about 190 KiB).
const maxFileSize = 1 << 20

// images are the only binary files allowed: the documentation's pictures.
var images = []string{".png", ".jpg", ".jpeg", ".gif", ".webp", ".ico"}

// ignoredBuildOutputs are what `go build ./cmd/...` leaves at the root.
var ignoredBuildOutputs = []string{"manager", "kubectl-cunshe"}

func TestCommittedFilesAreSourcesOnly(t *testing.T) {
	for _, f := range indexedFiles(t) {
		if f.size > maxFileSize {
			t.Errorf("%s is %d bytes: the repository holds sources, no file over 1 MiB", f.path, f.size)
		}
		if f.binary && !slices.Contains(images, strings.ToLower(path.Ext(f.path))) {
			t.Errorf("%s is a binary file: the repository holds sources (build outputs go to bin/, which is ignored)", f.path)
		}
	}
}

func TestBuildOutputsAreIgnored(t *testing.T) {
	for _, name := range ignoredBuildOutputs {
		if _, err := git(t, "check-ignore", "--no-index", "-q", name); err != nil {
			t.Errorf("/%s is not in .gitignore: `go build ./cmd/%s` leaves it at the root", name, name)
		}
	}
}

// indexedFile is one file of the index, as a commit would record it.
type indexedFile struct {
	path   string
	size   int64
	binary bool
}

// indexedFiles lists the index's files with their blob sizes and whether
// Git itself takes them for binary (`git ls-files --eol`: i/-text).
func indexedFiles(t *testing.T) []indexedFile {
	t.Helper()
	eol, err := git(t, "ls-files", "-z", "--eol", "--stage")
	if err != nil {
		t.Skipf("not a Git work tree (%v): nothing to check", err)
	}
	var files []indexedFile
	var objects bytes.Buffer
	for _, rec := range strings.Split(strings.TrimSuffix(eol, "\x00"), "\x00") {
		// "<mode> <object> <stage>\t<i/eol> <w/eol> <attr>\t<path>" (--stage before --eol)
		meta, p, ok := strings.Cut(rec, "\t")
		if !ok {
			t.Fatalf("git ls-files: unexpected record %q", rec)
		}
		info, p, _ := strings.Cut(p, "\t")
		fields := strings.Fields(meta)
		if fields[0] == "160000" { // a submodule: no blob
			continue
		}
		files = append(files, indexedFile{path: p, binary: strings.HasPrefix(info, "i/-text")})
		objects.WriteString(fields[1] + "\n")
	}
	sizes := objectSizes(t, objects.String())
	for i := range files {
		files[i].size = sizes[i]
	}
	return files
}

// objectSizes asks Git for the size of each object, in order.
func objectSizes(t *testing.T, objects string) []int64 {
	t.Helper()
	cmd := exec.Command("git", "cat-file", "--batch-check=%(objectsize)")
	cmd.Dir = repoRoot
	cmd.Stdin = strings.NewReader(objects)
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("git cat-file: %v", err)
	}
	var sizes []int64
	for _, line := range strings.Fields(string(out)) {
		n, err := strconv.ParseInt(line, 10, 64)
		if err != nil {
			t.Fatalf("git cat-file: %q is not a size", line)
		}
		sizes = append(sizes, n)
	}
	if want := strings.Count(objects, "\n"); len(sizes) != want {
		t.Fatalf("git cat-file gave %d sizes for %d objects", len(sizes), want)
	}
	return sizes
}

// repoRoot is the work tree's top: git lists and matches paths relative
// to the folder it runs in.
const repoRoot = "../.."

func git(t *testing.T, args ...string) (string, error) {
	t.Helper()
	var stderr bytes.Buffer
	cmd := exec.Command("git", args...)
	cmd.Dir = repoRoot
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return "", fmt.Errorf("git %s: %w: %s", strings.Join(args, " "), err, stderr.String())
	}
	return string(out), nil
}
