package cli

import (
	"bytes"
	"strings"
	"testing"
)

// result is what one in-process run of kubectl-cunshe produced.
type result struct {
	code           int
	stdout, stderr string
}

// run runs kubectl-cunshe in-process with args, stdin as its input and
// buffers for stdout and stderr.
func run(t *testing.T, stdin string, args ...string) result {
	t.Helper()
	var stdout, stderr bytes.Buffer
	code := Execute(t.Context(), args, strings.NewReader(stdin), &stdout, &stderr)
	return result{code: code, stdout: stdout.String(), stderr: stderr.String()}
}

func TestRootCommand(t *testing.T) {
	tests := map[string]struct {
		args []string
		// wantCode is the exit code.
		wantCode int
		// wantStdout and wantStderr must each appear in their stream.
		wantStdout, wantStderr string
	}{
		"no arguments print the help": {
			args:       nil,
			wantCode:   ExitOK,
			wantStdout: "kubectl cunshe [command]",
		},
		"an unknown command is a usage error with a suggestion": {
			args:       []string{"versoin"},
			wantCode:   ExitUnusableInput,
			wantStderr: `未知命令 "versoin" / unknown command "versoin"；是否要用 / did you mean: version`,
		},
		"an unknown flag is a usage error": {
			args:       []string{"import-divisions", "--bogus", "x.csv"},
			wantCode:   ExitUnusableInput,
			wantStderr: "参数错误 / bad flag: unknown flag: --bogus\n运行 / run 'kubectl cunshe import-divisions --help'",
		},
		"import-divisions without a file is a usage error": {
			args:       []string{"import-divisions"},
			wantCode:   ExitUnusableInput,
			wantStderr: "需要 1 个参数 FILE.csv，收到 0 个 / want 1 argument(s) FILE.csv, got 0",
		},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			got := run(t, "", tc.args...)
			if got.code != tc.wantCode {
				t.Errorf("exit code = %d, want %d; stderr:\n%s", got.code, tc.wantCode, got.stderr)
			}
			if !strings.Contains(got.stdout, tc.wantStdout) {
				t.Errorf("stdout does not contain %q:\n%s", tc.wantStdout, got.stdout)
			}
			if !strings.Contains(got.stderr, tc.wantStderr) {
				t.Errorf("stderr does not contain %q:\n%s", tc.wantStderr, got.stderr)
			}
		})
	}
}
