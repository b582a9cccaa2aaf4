package cli

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestValidateEmergenciesOffline: kubectl cunshe validate runs admission's
// S6 rules on a folder: an emergency of a county department that reaches
// beyond its county is refused, and a second emergency of a
// department on the same subject and an overlapping scope is refused while
// the first (earlier in the folder, as kubectl applies it) holds.
func TestValidateEmergenciesOffline(t *testing.T) {
	dir := t.TempDir()
	if err := os.CopyFS(dir, os.DirFS("../../config/samples")); err != nil {
		t.Fatal(err)
	}
	later := `apiVersion: governance.cunshe.io/v1alpha1
kind: Task
metadata: {name: typhoon-evacuation-recheck, namespace: dept-mzj}
spec:
  title: 台风“海葵”过境前危旧房住户转移摸排
  targets: {counties: ["330302"]}
  emergency:
    category: LifeSafety
    nature: Sudden
    issuer: {name: 市民政局局长, level: Department}
    justification: 台风“海葵”登陆推迟，需再次摸排鹿城区危旧房住户。
---
apiVersion: governance.cunshe.io/v1alpha1
kind: Task
metadata: {name: yongjia-flood, namespace: dept-lc-yjj}
spec:
  title: 永嘉县山洪转移
  targets: {counties: ["330324"]}
  emergency:
    category: LifeSafety
    nature: Sudden
    issuer: {name: 鹿城区人民政府 区长, level: County}
    justification: 山洪预警，需连夜转移沿溪住户。
`
	if err := os.WriteFile(filepath.Join(dir, "tasks", "zz-later.yaml"), []byte(later), 0o644); err != nil {
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
		if f.Severity == severityError {
			messages = append(messages, f.Rule+" "+f.Object+" "+f.Field+" "+f.Message)
		}
	}
	want := []string{
		`S6 Task/typhoon-evacuation-recheck spec.emergency S6 部门 mzj 已有同一主题（台风“海葵”过境前危旧房住户转移摸排）、范围重叠的紧急豁免 dept-mzj/typhoon-evacuation-check（任务 typhoon-evacuation-check，至 `,
		`S6 Task/yongjia-flood spec.targets S6 紧急任务不得超出部门的职责范围（县（市、区）330302）：1 个目标村（社区）（如 330324108207 (330324)）不在其内`,
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
