package cli

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestValidateTasksOffline: a GitOps pipeline checks its tasks against the
// lists in the same repository before anything is applied (S1, S2).
func TestValidateTasksOffline(t *testing.T) {
	dir := t.TempDir()
	if err := os.CopyFS(dir, os.DirFS("../../config/samples")); err != nil {
		t.Fatal(err)
	}
	unlisted := `apiVersion: governance.cunshe.io/v1alpha1
kind: Task
metadata: {name: census-extra-forms, namespace: dept-tjj}
spec:
  title: 人口抽样调查补充表格填报
  itemRef: census-extra-forms
  targets: {all: true}
---
apiVersion: governance.cunshe.io/v1alpha1
kind: Task
metadata: {name: census-in-wenzhou-bay, namespace: dept-tjj}
spec:
  title: 人口抽样调查入户协助
  itemRef: l1-census-assist
  villageRole: Undertake
  targets: {villages: ["330302006044"]}
`
	if err := os.WriteFile(filepath.Join(dir, "tasks", "refused.yaml"), []byte(unlisted), 0o644); err != nil {
		t.Fatal(err)
	}
	got := run(t, "", "validate", dir, "-o", "json")
	if got.code != ExitFailure {
		t.Fatalf("exit code = %d, want %d; stderr:\n%s", got.code, ExitFailure, got.stderr)
	}
	var report validateReport
	if err := json.Unmarshal([]byte(got.stdout), &report); err != nil {
		t.Fatal(err)
	}
	var messages []string
	for _, f := range report.Findings {
		messages = append(messages, f.Rule+" "+f.Object+" "+f.Message)
	}
	want := []string{
		`S1 Task/census-extra-forms S1 清单之外无事项：清单中没有事项 "census-extra-forms"；最接近的清单事项：l1-census-assist（协助开展人口普查入户登记）`,
		`S2 Task/census-in-wenzhou-bay S2 事项 "l1-census-assist" 规定村（社区）只协助（Assist），不得要求其承担（Undertake）`,
	}
	if len(messages) != len(want) {
		t.Fatalf("findings:\n%s\nwant %d", strings.Join(messages, "\n"), len(want))
	}
	for i, w := range want {
		if !strings.HasPrefix(messages[i], w) {
			t.Errorf("finding %d:\n%s\nwant it to start with:\n%s", i, messages[i], w)
		}
	}
}
