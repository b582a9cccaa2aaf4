package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

const sampleSteps = `## a comment
== setup
!manager --preset=hangzhou
$ kubectl get villages | wc -l
#| hide
#| until ^3685$

== villages
$ kubectl get villages | head -2
$ kubectl create -f - <<'YAML'
kind: Village
# a comment of the YAML, not of the steps file
YAML
#| fails
#| sub admission webhook "[^"]+" denied the request: => …
`

func writeSteps(t *testing.T, text string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "tour.txt")
	if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestParseTourFile(t *testing.T) {
	tour, err := parseTourFile(writeSteps(t, sampleSteps))
	if err != nil {
		t.Fatal(err)
	}
	if len(tour.Blocks) != 2 || tour.Blocks[0].visible() || !tour.Blocks[1].visible() {
		t.Fatalf("blocks: want a hidden setup block and a shown one, got %+v", tour.Blocks)
	}
	setup := tour.Blocks[0].Steps
	if !setup[0].IsManager || strings.Join(setup[0].ManagerArgs, " ") != "--preset=hangzhou" {
		t.Errorf("manager step: %+v", setup[0])
	}
	if !setup[1].Hide || setup[1].Until == nil || !setup[1].Until.MatchString("3\n3685") {
		t.Errorf("wait step: %+v", setup[1])
	}
	create := tour.Blocks[1].Steps[1]
	wantCommand := "kubectl create -f - <<'YAML'\nkind: Village\n# a comment of the YAML, not of the steps file\nYAML"
	if create.Command != wantCommand || !create.ExpectFail {
		t.Errorf("heredoc step: got %q (fails %v), want %q", create.Command, create.ExpectFail, wantCommand)
	}
}

func TestParseTourFileRefusesWhatItCannotRead(t *testing.T) {
	for name, text := range map[string]string{
		"a step before any block":     "$ kubectl get villages\n",
		"a directive with no command": "== a\n#| hide\n",
		"an unknown directive":        "== a\n$ true\n#| sometimes\n",
		"a sub without its arrow":     "== a\n$ true\n#| sub x y\n",
	} {
		t.Run(name, func(t *testing.T) {
			if _, err := parseTourFile(writeSteps(t, text)); err == nil {
				t.Error("parsed")
			}
		})
	}
}

func TestShape(t *testing.T) {
	step := func(directives ...string) *Step {
		s := &Step{}
		for _, d := range directives {
			if err := applyDirective(s, d); err != nil {
				t.Fatal(err)
			}
		}
		return s
	}
	out := "Status:\n  a\n  b\nEvents:\n  c\n"
	for name, tc := range map[string]struct {
		step *Step
		want string
	}{
		"as printed":         {step(), "Status:\n  a\n  b\nEvents:\n  c"},
		"head":               {step("head 2"), "Status:\n  a\n…"},
		"tail":               {step("tail 1"), "…\n  c"},
		"keep marks the gap": {step("keep ^[A-Z]"), "Status:\n…\nEvents:\n…"},
		"sub":                {step(`sub ^  (\w)$ => - $1`), "Status:\n- a\n- b\nEvents:\n- c"},
	} {
		t.Run(name, func(t *testing.T) {
			if got := strings.Join(tc.step.Shape(out), "\n"); got != tc.want {
				t.Errorf("got\n%s\nwant\n%s", got, tc.want)
			}
		})
	}
	if got := step().Shape("\n"); len(got) != 0 {
		t.Errorf("no output shows no lines, got %q", got)
	}
}

const sampleReadme = "# Title\n\nProse.\n\n<!-- tour:villages -->\n```console\n$ kubectl get villages | head -2\nold output\n$ kubectl create -f - <<'YAML'\nkind: Village\n# a comment of the YAML, not of the steps file\nYAML\nold refusal\n```\n\nMore prose.\n"

func TestRenderWritesOutputsAndKeepsProse(t *testing.T) {
	tour, err := parseTourFile(writeSteps(t, sampleSteps))
	if err != nil {
		t.Fatal(err)
	}
	doc, err := parseReadme(sampleReadme)
	if err != nil {
		t.Fatal(err)
	}
	if err := doc.sameCommands(tour, "README.md", "tour.txt"); err != nil {
		t.Fatalf("the README shows the steps' commands: %v", err)
	}
	steps := tour.Blocks[1].Steps
	outputs := map[*Step][]string{steps[0]: {"NAME", "330302006044"}, steps[1]: {"refused"}}
	got, err := doc.render(tour, outputs, "")
	if err != nil {
		t.Fatal(err)
	}
	want := strings.NewReplacer("old output", "NAME\n330302006044", "old refusal", "refused").Replace(sampleReadme)
	if got != want {
		t.Errorf("got\n%s\nwant\n%s", got, want)
	}
	again, err := parseReadme(got)
	if err != nil {
		t.Fatal(err)
	}
	if rerendered, _ := again.render(tour, outputs, ""); rerendered != got {
		t.Error("rendering the same outputs again changes the README")
	}
}

func TestCheckCatchesACommandEditedInTheReadmeOnly(t *testing.T) {
	tour, err := parseTourFile(writeSteps(t, sampleSteps))
	if err != nil {
		t.Fatal(err)
	}
	doc, err := parseReadme(strings.Replace(sampleReadme, "head -2", "head -3", 1))
	if err != nil {
		t.Fatal(err)
	}
	if err := doc.sameCommands(tour, "README.md", "tour.txt"); err == nil || !strings.Contains(err.Error(), "head -3") {
		t.Errorf("want the edited command named, got %v", err)
	}
	doc, err = parseReadme(strings.Replace(sampleReadme, "<!-- tour:villages -->", "<!-- tour:other -->", 1))
	if err != nil {
		t.Fatal(err)
	}
	if err := doc.sameCommands(tour, "README.md", "tour.txt"); err == nil {
		t.Error("a marker that names no block of the steps passed")
	}
}

// TestTheReadmeShowsTheTour is make verify's check, as a test: the
// repository's README shows exactly the commands of hack/tour/tour.txt.
func TestTheReadmeShowsTheTour(t *testing.T) {
	if err := run("tour.txt", "../../README.md", "", "", "", "", true, false); err != nil {
		t.Fatal(err)
	}
}
