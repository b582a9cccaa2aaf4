package cli

import (
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/client/interceptor"
	"sigs.k8s.io/yaml"

	governancev1alpha1 "github.com/cunshe/cunshe-operator/api/v1alpha1"
)

// warnSuffix is what rules.WarnedText adds to a finding admitted under Warn.
const warnSuffix = " [告警放行：试点期间准入，恢复 Enforce 后将被拒绝 / Warn: admitted during a pilot, refused once Enforce is back]"

// samplesWithPilot copies config/samples to a new folder, with Wenzhou's
// Jurisdiction patched by the sample pilot (jurisdictions/wenzhou/pilot-warn.yaml)
// and edited by edit.
func samplesWithPilot(t *testing.T, edit func(*governancev1alpha1.Jurisdiction)) string {
	t.Helper()
	dir := t.TempDir()
	if err := os.CopyFS(dir, os.DirFS("../../config/samples")); err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(dir, "jurisdictions", "wenzhou", "jurisdiction.yaml")
	var jur governancev1alpha1.Jurisdiction
	readYAML(t, file, &jur)
	var pilot governancev1alpha1.Jurisdiction
	readYAML(t, filepath.Join(dir, "jurisdictions", "wenzhou", "pilot-warn.yaml"), &pilot)
	jur.Spec.Admission = pilot.Spec.Admission
	edit(&jur)
	data, err := yaml.Marshal(&jur)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(file, data, 0o644); err != nil {
		t.Fatal(err)
	}
	return dir
}

func readYAML(t *testing.T, file string, into any) {
	t.Helper()
	data, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	if err := yaml.UnmarshalStrict(data, into); err != nil {
		t.Fatalf("%s: %v", file, err)
	}
}

// validateFindings runs validate on dir and returns its findings on the
// objects named (Kind/name) as "severity rule object field: message", with
// the exit code (other samples' findings are other tests' business).
func validateFindings(t *testing.T, dir string, objects ...string) ([]string, int) {
	t.Helper()
	got := run(t, "", "validate", dir, "-o", "json")
	var report validateReport
	if err := json.Unmarshal([]byte(got.stdout), &report); err != nil {
		t.Fatalf("%v; stderr:\n%s", err, got.stderr)
	}
	var out []string
	for _, f := range report.Findings {
		if slices.Contains(objects, f.Object) {
			out = append(out, f.Severity+" "+f.Rule+" "+f.Object+" "+f.Field+": "+f.Message)
		}
	}
	return out, got.code
}

// TestValidateWarnPilot: with the sample pilot, validate tells a task that
// breaks the lists in 鹿城区, or by 市统计局 anywhere, as a warning that does
// not fail the pipeline, and the same task elsewhere as an error (S1).
func TestValidateWarnPilot(t *testing.T) {
	dir := samplesWithPilot(t, func(*governancev1alpha1.Jurisdiction) {})
	tasks := `apiVersion: governance.cunshe.io/v1alpha1
kind: Task
metadata: {name: forms-in-pilot-county, namespace: dept-mzj}
spec:
  title: 补充表格填报
  itemRef: census-extra-forms
  targets: {counties: ["330302"]}
---
apiVersion: governance.cunshe.io/v1alpha1
kind: Task
metadata: {name: forms-in-yongjia, namespace: dept-mzj}
spec:
  title: 补充表格填报
  itemRef: census-extra-forms
  targets: {counties: ["330324"]}
---
apiVersion: governance.cunshe.io/v1alpha1
kind: Task
metadata: {name: forms-by-pilot-department, namespace: dept-tjj}
spec:
  title: 补充表格填报
  itemRef: census-extra-forms
  targets: {counties: ["330302", "330324"]}
`
	if err := os.WriteFile(filepath.Join(dir, "tasks", "pilot.yaml"), []byte(tasks), 0o644); err != nil {
		t.Fatal(err)
	}
	unlisted := `S1 清单之外无事项：清单中没有事项 "census-extra-forms" / nothing outside the lists: there is no list item "census-extra-forms"`
	want := []string{
		"warning S1 Task/forms-in-pilot-county spec.itemRef: " + unlisted + warnSuffix,
		"error S1 Task/forms-in-yongjia spec.itemRef: " + unlisted,
		"warning S1 Task/forms-by-pilot-department spec.itemRef: " + unlisted + warnSuffix,
	}
	got, code := validateFindings(t, dir, "Task/forms-in-pilot-county", "Task/forms-in-yongjia", "Task/forms-by-pilot-department")
	if code != ExitFailure || strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("exit code %d, findings:\n%s\nwant exit code %d and:\n%s", code, strings.Join(got, "\n"), ExitFailure, strings.Join(want, "\n"))
	}
}

// TestValidateAdmissionOverridesOffline: the rules admission runs on a
// Jurisdiction's overrides, offline: another city's county is an error; a
// county with no village in the folder and a department no Namespace of the
// folder carries are warnings (S1).
func TestValidateAdmissionOverridesOffline(t *testing.T) {
	dir := samplesWithPilot(t, func(j *governancev1alpha1.Jurisdiction) {
		j.Spec.Admission.Overrides[0].Counties = []string{"330302", "330106", "330399"}
		j.Spec.Admission.Overrides[1].Departments = []string{"tjj", "tjjj"}
	})
	path := "spec.admission.overrides"
	want := []string{
		"error S1 Jurisdiction/3303 " + path + `[0].counties[1]: S1 "330106" 不是本市 3303 的县（市、区）代码（6 位，以 3303 开头）；一个市只能为本市的县设置例外 / "330106" is not a county code of city 3303 (6 digits starting with 3303); a city sets overrides for its own counties only`,
		"warning S1 Jurisdiction/3303 " + path + `[0].counties[2]: S1 登记册中还没有县（市、区）330399 的村（社区），该例外在那里不起作用（任务照常拒绝） / no village of county 330399 is in the registry yet; the override does nothing there (its tasks are refused as usual)`,
		"warning S1 Jurisdiction/3303 " + path + `[1].departments[1]: S1 没有标签为 governance.cunshe.io/department=tjjj 的部门命名空间，该例外对它不起作用（任务照常拒绝） / no namespace carries governance.cunshe.io/department=tjjj; the override does nothing for it (its tasks are refused as usual)`,
	}
	got, code := validateFindings(t, dir, "Jurisdiction/3303")
	if code != ExitFailure || strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("exit code %d, findings:\n%s\nwant exit code %d and:\n%s", code, strings.Join(got, "\n"), ExitFailure, strings.Join(want, "\n"))
	}
}

// TestTasksShowWarn: a task admitted under a pilot's Warn reads so in
// `kubectl cunshe tasks`, with the finding that Enforce would refuse it for.
func TestTasksShowWarn(t *testing.T) {
	c := newCity(t)
	finding := `S1 清单之外无事项：清单中没有事项 "census-extra-forms" / nothing outside the lists: there is no list item "census-extra-forms"`
	warned := &governancev1alpha1.Task{ObjectMeta: metav1.ObjectMeta{Namespace: "dept-mzj", Name: "extra-forms"},
		Spec: governancev1alpha1.TaskSpec{Type: governancev1alpha1.TaskWork, Title: "补充表格填报", ItemRef: "census-extra-forms",
			Targets: governancev1alpha1.TaskTargets{Villages: []string{"330302006044"}}},
		Status: governancev1alpha1.TaskStatus{Phase: governancev1alpha1.TaskAdmitted, Department: "mzj",
			Findings: []string{finding}, AdmissionAction: governancev1alpha1.AdmissionWarn}}
	useCluster(t, interceptor.Funcs{}, append(c.objects(nil), []client.Object{warned}...)...)

	got := run(t, "", "tasks", "330302006044")
	if got.code != ExitOK || !strings.Contains(got.stdout, "已准入（试点告警 warn）") ||
		!strings.Contains(got.stdout, "  dept-mzj/extra-forms（已准入（试点告警 warn））："+finding+"\n") {
		t.Errorf("exit code %d, stdout:\n%s\nstderr:\n%s", got.code, got.stdout, got.stderr)
	}
	js := run(t, "", "tasks", "330302006044", "-o", "json")
	var doc villageTasks
	if err := json.Unmarshal([]byte(js.stdout), &doc); err != nil {
		t.Fatal(err)
	}
	if len(doc.Tasks) != 1 || doc.Tasks[0].Action != governancev1alpha1.AdmissionWarn || doc.Tasks[0].Finding != finding {
		t.Errorf("tasks = %+v", doc.Tasks)
	}
}
