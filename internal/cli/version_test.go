package cli

import (
	"encoding/json"
	"runtime"
	"strings"
	"testing"

	"github.com/cunshe/cunshe-operator/internal/version"
)

func TestVersion(t *testing.T) {
	tests := map[string]struct {
		args     []string
		wantCode int
		// check looks at stdout of a successful run.
		check func(t *testing.T, stdout string)
		// wantStderr must appear in stderr.
		wantStderr string
	}{
		"plain text names the version and the Go version": {
			args: []string{"version"},
			check: func(t *testing.T, stdout string) {
				want := "kubectl-cunshe " + version.Version + " (" + runtime.Version() + ", " + runtime.GOOS + "/" + runtime.GOARCH + ")\n"
				if stdout != want {
					t.Errorf("stdout = %q, want %q", stdout, want)
				}
			},
		},
		"-o json is machine-readable": {
			args: []string{"version", "-o", "json"},
			check: func(t *testing.T, stdout string) {
				var got versionInfo
				if err := json.Unmarshal([]byte(stdout), &got); err != nil {
					t.Fatalf("decoding %q: %v", stdout, err)
				}
				want := versionInfo{TypeMeta: resultType("Version"), Version: version.Version, GoVersion: runtime.Version(), Platform: runtime.GOOS + "/" + runtime.GOARCH}
				if got != want {
					t.Errorf("version = %+v, want %+v", got, want)
				}
			},
		},
		"-o yaml too": {
			args: []string{"version", "-o", "yaml"},
			check: func(t *testing.T, stdout string) {
				if !strings.HasPrefix(stdout, "apiVersion: cli.cunshe.io/v1alpha1\ngoVersion: ") || !strings.Contains(stdout, "\nkind: Version\n") {
					t.Errorf("stdout = %q", stdout)
				}
			},
		},
		"an unknown output format is a usage error": {
			args:       []string{"version", "-o", "name"},
			wantCode:   ExitUnusableInput,
			wantStderr: `输出格式 "name" 无效，可选 / output format "name" is not supported; use one of: json, yaml, kyaml, go-template,`,
		},
		"an argument is a usage error": {
			args:       []string{"version", "extra"},
			wantCode:   ExitUnusableInput,
			wantStderr: "不接受参数，收到 1 个 / takes no arguments, got 1",
		},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			got := run(t, "", tc.args...)
			if got.code != tc.wantCode {
				t.Fatalf("exit code = %d, want %d; stderr:\n%s", got.code, tc.wantCode, got.stderr)
			}
			if !strings.Contains(got.stderr, tc.wantStderr) {
				t.Errorf("stderr does not contain %q:\n%s", tc.wantStderr, got.stderr)
			}
			if tc.check != nil {
				tc.check(t, got.stdout)
			}
		})
	}
}
