package cli

import (
	"strings"
	"testing"

	"sigs.k8s.io/controller-runtime/pkg/client/interceptor"
)

// complete runs cobra's __complete, as kubectl_complete-cunshe does, and
// returns the candidates and the directive line.
func complete(t *testing.T, args ...string) (candidates []string, directive string) {
	t.Helper()
	got := run(t, "", append([]string{"__complete"}, args...)...)
	if got.code != ExitOK {
		t.Fatalf("exit code %d:\n%s", got.code, got.stderr)
	}
	lines := strings.Split(strings.TrimSuffix(got.stdout, "\n"), "\n")
	return lines[:len(lines)-1], lines[len(lines)-1]
}

// TestCompletion: Tab completes subcommands, flags and their values, and
// names from the cluster (villages, rollouts, revisions, review units).
func TestCompletion(t *testing.T) {
	c := newCity(t)
	useCluster(t, interceptor.Funcs{}, c.objects(nil)...)
	tests := map[string]struct {
		args []string
		// want must each be among the candidates (name, or name<TAB>description).
		want []string
		// wantNot must not be.
		wantNot []string
	}{
		"subcommands": {args: []string{""}, want: []string{"rollout\t", "validate\t", "tasks\t"}, wantNot: []string{"__complete"}},
		"rollout's subcommands": {args: []string{"rollout", ""},
			want: []string{"status\t", "promote\t", "abort\t", "resume\t", "undo\t", "history\t"}},
		"kubectl's connection flags": {args: []string{"rollout", "status", "--"},
			want: []string{"--kubeconfig\t", "--context\t", "--as\t", "--server\t", "--output\t", "--watch\t"}},
		"rollouts from the cluster":     {args: []string{"rollout", "status", ""}, want: []string{"wenzhou"}},
		"one NAME only":                 {args: []string{"rollout", "promote", "wenzhou", ""}, wantNot: []string{"wenzhou"}},
		"village codes, named":          {args: []string{"lists", "3303020060"}, want: []string{"330302006044\t鼓楼社区（鹿城区五马街道）"}},
		"village names":                 {args: []string{"tasks", "鼓楼"}, want: []string{"鼓楼社区\t330302006044 鹿城区五马街道"}},
		"revisions, both sides":         {args: []string{"diff", "1", ""}, want: []string{"2\tlists-2", "3\tlists-3"}},
		"output formats":                {args: []string{"rollout", "history", "wenzhou", "-o", ""}, want: []string{"json", "yaml", "name", "jsonpath"}},
		"no name where it does not fit": {args: []string{"diff", "-o", ""}, want: []string{"json"}, wantNot: []string{"name"}},
		"a report's reasons":            {args: []string{"report", "330302006044", "--reason", ""}, want: []string{"NotListed", "ScopeEnlarged"}},
		"contexts from the kubeconfig":  {args: []string{"tasks", "--context", ""}, want: []string{"staging", "wenzhou"}},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			got, directive := complete(t, tc.args...)
			if !strings.HasPrefix(directive, ":") {
				t.Fatalf("no directive line; output:\n%s", strings.Join(got, "\n"))
			}
			has := func(w string) bool {
				for _, g := range got {
					if g == w || strings.HasPrefix(g, w) && strings.HasSuffix(w, "\t") {
						return true
					}
				}
				return false
			}
			for _, w := range tc.want {
				if !has(w) {
					t.Errorf("%q is not among the candidates:\n%s", w, strings.Join(got, "\n"))
				}
			}
			for _, w := range tc.wantNot {
				if has(w) || has(w+"\t") {
					t.Errorf("%q is among the candidates:\n%s", w, strings.Join(got, "\n"))
				}
			}
		})
	}
}

// TestCompletionWithoutACluster: a cluster that cannot be reached completes
// nothing, and says nothing on stdout but the directive.
func TestCompletionWithoutACluster(t *testing.T) {
	t.Setenv("KUBECONFIG", "/nonexistent")
	got, directive := complete(t, "rollout", "status", "")
	if len(got) != 0 || directive != ":4" {
		t.Errorf("candidates %q, directive %s; want none and :4 (no file completion)", got, directive)
	}
}
