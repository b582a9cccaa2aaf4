package cli

import (
	"slices"
	"strings"
	"testing"

	"github.com/cunshe/cunshe-operator/internal/golden"

	"k8s.io/client-go/rest"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/client/interceptor"
)

// TestReportAndDecideDryRun: --dry-run writes the manifests GitOps commits,
// offline for a village code (KUBECONFIG points nowhere).
func TestReportAndDecideDryRun(t *testing.T) {
	t.Setenv("KUBECONFIG", "/nonexistent")
	tests := map[string]struct {
		args   []string
		golden string
	}{
		"a refused task": {
			args: []string{"report", "330302006044", "--reason", "scopeenlarged", "--task", "dept-tjj/census-2026",
				"--details", "要求村里额外填报 3 张表，超出协助入户登记的范围"},
			golden: "testdata/report/task.golden",
		},
		"an unlisted demand, named": {
			args: []string{"report", "330302006044", "--reason", "NotListed", "--department", "tjj",
				"--demand", "电话要求上报辖区商户名单", "--date", "2026-11-20", "--name", "merchant-list"},
			golden: "testdata/report/demand.golden",
		},
		"a decision": {
			args: []string{"decide", "census-extra-forms", "-n", "village-330302006044", "--unit", "mzj", "--outcome", "Upheld",
				"--findings", "经核实，要求额外填报 3 张表，超出任务范围"},
			golden: "testdata/report/decision.golden",
		},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			got := run(t, "", append(tc.args, "--dry-run")...)
			if got.code != ExitOK {
				t.Fatalf("exit code %d:\n%s", got.code, got.stderr)
			}
			golden.Check(t, tc.golden, got.stdout)
			if _, err := decodeManifests(tc.golden, []byte(got.stdout)); err != nil {
				t.Errorf("the output does not decode strictly as the API's kind: %v", err)
			}
		})
	}
}

// TestReportAndDecideUsage: a command line that describes no report or
// decision is exit code 2, nothing sent.
func TestReportAndDecideUsage(t *testing.T) {
	t.Setenv("KUBECONFIG", "/nonexistent")
	tests := map[string]struct {
		args []string
		want string
	}{
		"no reason": {
			args: []string{"report", "330302006044", "--task", "a/b"},
			want: "--reason",
		},
		"an unknown reason": {
			args: []string{"report", "330302006044", "--reason", "Tired", "--task", "a/b"},
			want: `事由 "Tired" 无效 / reason "Tired" is invalid; 可选 / use: NotListed, ScopeEnlarged, DutyShifted, WallPosting, PaperLedger, Other`,
		},
		"a task without its namespace": {
			args: []string{"report", "330302006044", "--reason", "Other", "--task", "census-2026"},
			want: `--task "census-2026" 应为 命名空间/名称 / --task "census-2026" should be NAMESPACE/NAME`,
		},
		"a task and a demand": {
			args: []string{"report", "330302006044", "--reason", "Other", "--task", "a/b", "--department", "tjj", "--demand", "x"},
			want: "--task 与 --department/--demand/--date 只能选一种",
		},
		"a demand without its department": {
			args: []string{"report", "330302006044", "--reason", "NotListed", "--demand", "x"},
			want: "须给出 --task，或同时给出 --department 和 --demand / give --task, or both --department and --demand",
		},
		"a bad date": {
			args: []string{"report", "330302006044", "--reason", "NotListed", "--department", "tjj", "--demand", "x", "--date", "2026-13-01"},
			want: `--date "2026-13-01" 应为 YYYY-MM-DD / --date "2026-13-01" should be YYYY-MM-DD`,
		},
		"a bad name": {
			args: []string{"report", "330302006044", "--reason", "Other", "--task", "a/b", "--name", "Census_1"},
			want: `名称 "Census_1" 无效 / name "Census_1" is invalid`,
		},
		"decide without a namespace": {
			args: []string{"decide", "r", "--unit", "mzj", "--outcome", "Upheld"},
			want: "--namespace",
		},
		"an unknown outcome": {
			args: []string{"decide", "r", "-n", "village-330302006044", "--unit", "mzj", "--outcome", "Approve"},
			want: `处理意见 "Approve" 无效，只能是 Investigating、Upheld 或 Dismissed / outcome "Approve" is invalid: use Investigating, Upheld or Dismissed`,
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

// TestImpersonationFlags: --as and --as-group reach the client's config,
// so the API server sees the cadre or the unit member.
func TestImpersonationFlags(t *testing.T) {
	c := newCity(t)
	useCluster(t, interceptor.Funcs{}, c.objects(nil)...)
	fake := newClusterClient
	var seen rest.ImpersonationConfig
	newClusterClient = func(cfg *rest.Config) (client.Client, error) {
		seen = cfg.Impersonate
		return fake(cfg)
	}
	got := run(t, "", "tasks", "330302006044", "--as", "li.si", "--as-group", "cunshe:village:330302006044", "--as-group", "cunshe:township:330302006")
	if got.code != ExitOK {
		t.Fatalf("exit code %d:\n%s", got.code, got.stderr)
	}
	if seen.UserName != "li.si" || !slices.Equal(seen.Groups, []string{"cunshe:village:330302006044", "cunshe:township:330302006"}) {
		t.Errorf("impersonation = %+v", seen)
	}
}
