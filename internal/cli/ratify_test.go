package cli

import (
	"strings"
	"testing"

	"sigs.k8s.io/yaml"

	governancev1alpha1 "github.com/cunshe/cunshe-operator/api/v1alpha1"
	"github.com/cunshe/cunshe-operator/internal/golden"
)

// TestRatifyDryRun: --dry-run writes the EmergencyDecision a GitOps
// pipeline commits, offline (KUBECONFIG points nowhere), as YAML or -o.
func TestRatifyDryRun(t *testing.T) {
	t.Setenv("KUBECONFIG", "/nonexistent")
	args := []string{"ratify", "flood-patrol-7b1d0e22", "-n", "dept-tjj", "--unit", "sjw", "--outcome", "rejected",
		"--reason", "内涝已于次日消退，其后的巡查应列入清单事项办理", "--dry-run"}
	got := run(t, "", args...)
	if got.code != ExitOK {
		t.Fatalf("exit code %d:\n%s", got.code, got.stderr)
	}
	golden.Check(t, "testdata/ratify/rejected.golden", got.stdout)
	if _, err := decodeManifests("rejected.golden", []byte(got.stdout)); err != nil {
		t.Errorf("the output does not decode strictly as the API's kind: %v", err)
	}

	got = run(t, "", append(args, "-o", "yaml")...)
	var d governancev1alpha1.EmergencyDecision
	if err := yaml.UnmarshalStrict([]byte(got.stdout), &d); err != nil || d.Kind != "EmergencyDecision" || d.Name != "flood-patrol-7b1d0e22.sjw" ||
		d.Spec.Outcome != governancev1alpha1.EmergencyRejected {
		t.Errorf("exit code %d, %v:\n%s%s", got.code, err, got.stdout, got.stderr)
	}
}

// TestRatifyUsage: a command line that describes no decision is exit code
// 2, nothing sent.
func TestRatifyUsage(t *testing.T) {
	t.Setenv("KUBECONFIG", "/nonexistent")
	tests := map[string]struct {
		args []string
		want string
	}{
		"no namespace": {
			args: []string{"ratify", "x", "--unit", "mzj", "--outcome", "Ratified"},
			want: "--namespace",
		},
		"no outcome": {
			args: []string{"ratify", "x", "-n", "dept-tjj", "--unit", "mzj"},
			want: "--outcome",
		},
		"a report's outcome": {
			args: []string{"ratify", "x", "-n", "dept-tjj", "--unit", "mzj", "--outcome", "Upheld"},
			want: `意见 "Upheld" 无效，只能是 Ratified 或 Rejected / outcome "Upheld" is invalid: use Ratified or Rejected`,
		},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			got := run(t, "", tc.args...)
			if got.code != ExitUnusableInput || got.stdout != "" || !strings.Contains(got.stderr, tc.want) {
				t.Errorf("exit code %d, stdout %q, stderr:\n%s\nwant it to contain %q", got.code, got.stdout, got.stderr, tc.want)
			}
		})
	}
}
