package cli

import (
	"encoding/json"
	"strings"
	"testing"

	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/client/interceptor"

	governancev1alpha1 "github.com/cunshe/cunshe-operator/api/v1alpha1"
	"github.com/cunshe/cunshe-operator/internal/golden"
)

// complianceCity is a city with what remains to rectify in two of its three
// counties and one of its two departments (see its work.yaml).
const complianceCity = "testdata/compliance/city"

// S18, S19: offline, the summaries count down to the city's deadline and
// name, after it, every county and department with work left.
func TestComplianceFromFiles(t *testing.T) {
	tests := map[string]struct {
		today  string
		golden string
	}{
		"before the deadline, the days left":           {today: "2026-12-07", golden: "testdata/compliance/before.golden"},
		"after the deadline, the remaining work named": {today: "2027-01-04", golden: "testdata/compliance/after.golden"},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			got := run(t, "", "compliance", "-f", complianceCity, "--today", tc.today)
			if got.code != ExitOK {
				t.Fatalf("exit code %d:\n%s", got.code, got.stderr)
			}
			golden.Check(t, tc.golden, got.stdout)
		})
	}
}

// -o json prints the CountyCompliance and DepartmentCompliance objects the
// controllers would write: what a script reads from the cluster.
func TestComplianceFromFilesJSON(t *testing.T) {
	got := run(t, "", "compliance", "-f", complianceCity, "--today", "2027-01-04", "-o", "json")
	if got.code != ExitOK {
		t.Fatalf("exit code %d:\n%s", got.code, got.stderr)
	}
	var list struct {
		Kind  string            `json:"kind"`
		Items []json.RawMessage `json:"items"`
	}
	if err := json.Unmarshal([]byte(got.stdout), &list); err != nil || list.Kind != "List" || len(list.Items) != 5 {
		t.Fatalf("not a List of 5 summaries (%v):\n%s", err, got.stdout)
	}
	var lucheng governancev1alpha1.CountyCompliance
	if err := json.Unmarshal(list.Items[0], &lucheng); err != nil || lucheng.Kind != "CountyCompliance" || lucheng.Name != "330302" {
		t.Fatalf("the first item is not 鹿城区's CountyCompliance (%v): %s", err, list.Items[0])
	}
	s := lucheng.Status
	if s.Tasks != 1 || s.NonCompliant != 1 || s.PendingItems != 0 || s.Reports != (governancev1alpha1.ReportCounts{Open: 1}) {
		t.Errorf("鹿城区 counts %d tasks, %d off the lists, %d pending items, reports %+v; want 1, 1, 0, {Open: 1}", s.Tasks, s.NonCompliant, s.PendingItems, s.Reports)
	}
	if r := s.Rectification; r == nil || *r != (governancev1alpha1.Rectification{Deadline: "2026-12-31", Remaining: 2, DaysLeft: -4, Named: true}) {
		t.Errorf("鹿城区's rectification is %+v", r)
	}
	c := meta.FindStatusCondition(s.Conditions, governancev1alpha1.RectifiedCondition)
	want := "S19 县（市、区）330302 整改期限 2026-12-31 已过，仍有 2 项未整改，予以通报 / county 330302 missed the rectification deadline 2026-12-31 with 2 left to rectify and is named"
	if c == nil || c.Status != metav1.ConditionFalse || c.Reason != "DeadlinePassed" || c.Message != want {
		t.Errorf("鹿城区's Rectified condition is %+v, want False DeadlinePassed %q", c, want)
	}
	var mzj governancev1alpha1.DepartmentCompliance
	if err := json.Unmarshal(list.Items[3], &mzj); err != nil || mzj.Kind != "DepartmentCompliance" || mzj.Name != "mzj" {
		t.Fatalf("the fourth item is not mzj's DepartmentCompliance (%v): %s", err, list.Items[3])
	}
	// An upheld report is a violation on record (S19), not work left to rectify.
	if s := mzj.Status; s.Violations != 1 || s.Reports.Upheld != 1 || s.Rectification == nil || s.Rectification.Remaining != 0 || s.Rectification.Named {
		t.Errorf("mzj: %d violations, %d upheld, rectification %+v; want 1, 1, nothing remaining", s.Violations, s.Reports.Upheld, s.Rectification)
	}
}

// Without -f the command prints the summaries the operator keeps.
func TestComplianceFromCluster(t *testing.T) {
	c := newCity(t)
	named := &governancev1alpha1.Rectification{Deadline: "2026-12-31", Remaining: 3, DaysLeft: -1, Named: true}
	lucheng := &governancev1alpha1.CountyCompliance{ObjectMeta: metav1.ObjectMeta{Name: "330302"},
		Status: governancev1alpha1.CountyComplianceStatus{Tasks: 4, NonCompliant: 2, PendingItems: 0, Reports: governancev1alpha1.ReportCounts{Open: 1}, Rectification: named,
			Conditions: []metav1.Condition{{Type: governancev1alpha1.RectifiedCondition, Status: metav1.ConditionFalse, Reason: "DeadlinePassed",
				Message: "S19 县（市、区）330302 整改期限 2026-12-31 已过，仍有 3 项未整改，予以通报 / … is named"}}}}
	yongjia := &governancev1alpha1.CountyCompliance{ObjectMeta: metav1.ObjectMeta{Name: "330324"},
		Status: governancev1alpha1.CountyComplianceStatus{PendingItems: 1, Rectification: &governancev1alpha1.Rectification{Deadline: "2026-12-31", Remaining: 1, DaysLeft: 5}}}
	noDeadline := &governancev1alpha1.DepartmentCompliance{ObjectMeta: metav1.ObjectMeta{Name: "tjj"},
		Status: governancev1alpha1.DepartmentComplianceStatus{Tasks: 2, NonCompliant: 1}}
	useCluster(t, interceptor.Funcs{}, append(c.objects(nil), []client.Object{yongjia, noDeadline, lucheng}...)...)

	got := run(t, "", "compliance")
	want := "" +
		"县（市、区）/ COUNTY  清单外任务 / UNLISTED TASKS  待清理事项 / PENDING ITEMS  未办结反映 / OPEN REPORTS  整改期限 / DEADLINE  剩余天数 / DAYS LEFT\n" +
		"330302 鹿城区         2                            0                           1                          2026-12-31           已通报 / NAMED\n" +
		"330324 永嘉县         0                            1                           0                          2026-12-31           5\n" +
		"\n" +
		"部门 / DEPARTMENT  清单外任务 / UNLISTED TASKS  待清理事项 / PENDING ITEMS  未办结反映 / OPEN REPORTS  整改期限 / DEADLINE  剩余天数 / DAYS LEFT\n" +
		"tjj                1                            —                           0                          —                    —\n" +
		"\n" +
		"通报 / named:\n" +
		"  S19 县（市、区）330302 整改期限 2026-12-31 已过，仍有 3 项未整改，予以通报 / … is named\n"
	if got.code != ExitOK || got.stdout != want {
		t.Errorf("exit code %d, stdout:\n%s\nwant:\n%s\nstderr:\n%s", got.code, got.stdout, want, got.stderr)
	}
	if got := run(t, "", "compliance", "-o", "name"); got.stdout != "countycompliance.governance.cunshe.io/330302\ncountycompliance.governance.cunshe.io/330324\ndepartmentcompliance.governance.cunshe.io/tjj\n" {
		t.Errorf("-o name:\n%s", got.stdout)
	}
}

func TestComplianceUsage(t *testing.T) {
	tests := map[string]struct {
		args       []string
		wantCode   int
		wantStderr string
	}{
		"--today reads the files": {
			args: []string{"compliance", "--today", "2027-01-04"}, wantCode: ExitUnusableInput,
			wantStderr: "错误 / error: --today 只用于 -f 离线计算；集群中的汇总由控制器按本市的日期维护 / --today goes with -f: the cluster's summaries are kept by the operator on the city's day\n",
		},
		"a day that is no date": {
			args: []string{"compliance", "-f", complianceCity, "--today", "2027-13-01"}, wantCode: ExitUnusableInput,
			wantStderr: `错误 / error: --today "2027-13-01" 不是 YYYY-MM-DD 格式的日期 / --today "2027-13-01" is not a date YYYY-MM-DD` + "\n",
		},
		"a folder that is not there": {
			args: []string{"compliance", "-f", "testdata/compliance/missing"}, wantCode: ExitUnusableInput,
			wantStderr: "错误 / error: 无法读取 / reading testdata/compliance/missing: ",
		},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			got := run(t, "", tc.args...)
			if got.code != tc.wantCode || got.stdout != "" || !strings.HasPrefix(got.stderr, tc.wantStderr) {
				t.Errorf("exit code %d, stdout:\n%s\nstderr:\n%s\nwant exit code %d, stderr starting:\n%s", got.code, got.stdout, got.stderr, tc.wantCode, tc.wantStderr)
			}
		})
	}
}
