package clustertest

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	governancev1alpha1 "github.com/cunshe/cunshe-operator/api/v1alpha1"
)

// standing is what tasks -o json says of a task.
type standing struct {
	Namespace, Name, Department, Title, Type, Due, Phase, Finding string
	Emergency                                                     *struct{ Category string }
}

// tasksOf runs tasks VILLAGE -o json as a cadre of the village: what the
// cadres read, as themselves (the village's TaskInbox).
func tasksOf(t *testing.T, village string) []standing {
	t.Helper()
	got := run(t, append([]string{"tasks", village, "-o", "json"}, cadre("cadre-"+village, village)...)...)
	if got.code != 0 {
		t.Fatalf("tasks %s: exit code %d:\n%s", village, got.code, got.stderr)
	}
	var doc struct {
		Village struct{ Code, Name string }
		Tasks   []standing
	}
	if err := json.Unmarshal([]byte(got.stdout), &doc); err != nil {
		t.Fatalf("tasks %s -o json: %v\n%s", village, err, got.stdout)
	}
	if doc.Village.Code != village {
		t.Errorf("tasks %s -o json names village %q", village, doc.Village.Code)
	}
	return doc.Tasks
}

// TestTasksReachingAVillage: tasks lists the tasks whose targets name the
// village, its county or all villages — and none other — with the phase
// the audit gives them.
func TestTasksReachingAVillage(t *testing.T) {
	emergencyTask(t, "road-survey", governancev1alpha1.TaskTargets{Villages: []string{gulou}}, nil)
	emergencyTask(t, "flood-patrol", governancev1alpha1.TaskTargets{Counties: []string{"330302"}}, nil)
	emergencyTask(t, "typhoon-drill", governancev1alpha1.TaskTargets{All: true}, nil)
	emergencyTask(t, "yongjia-census", governancev1alpha1.TaskTargets{Counties: []string{"330324"}}, nil)
	emergencyTask(t, "neighbour-visit", governancev1alpha1.TaskTargets{Villages: []string{neighbour, yongjia}}, nil)
	// An exemption that ends in seconds: the audit marks it Expired (S6).
	soon := metav1.NewTime(time.Now().Add(5 * time.Second))
	emergencyTask(t, "short-notice", governancev1alpha1.TaskTargets{Villages: []string{gulou, yongjia}}, &soon)

	want := []string{
		"dept-tjj/flood-patrol Admitted ",
		"dept-tjj/road-survey Admitted ",
		"dept-tjj/short-notice Expired S6 紧急豁免已到期，任务失效 / the emergency exemption has expired; the task no longer stands",
		"dept-tjj/typhoon-drill Admitted ",
	}
	eventually(t, "tasks of 测试村044", func() string {
		var got []string
		for _, s := range tasksOf(t, gulou) {
			got = append(got, s.Namespace+"/"+s.Name+" "+s.Phase+" "+s.Finding)
		}
		if !slices.Equal(got, want) {
			return fmt.Sprintf("got\n  %s\nwant\n  %s", strings.Join(got, "\n  "), strings.Join(want, "\n  "))
		}
		return ""
	})

	t.Run("the table, by the village's name (an administrator's: a cadre may not list villages)", func(t *testing.T) {
		got := run(t, "tasks", "测试村044")
		if got.code != 0 {
			t.Fatalf("exit code %d:\n%s", got.code, got.stderr)
		}
		lines := strings.Split(got.stdout, "\n")
		wantLines := map[int]string{
			0: "测试村044（330302006044）收到的任务：共 4 项",
			2: "任务                    部门  类型      依据事项  角色  期限        状态    紧急豁免                       标题",
		}
		for i, w := range wantLines {
			if i >= len(lines) || lines[i] != w {
				t.Errorf("line %d is not %q:\n%s", i+1, w, got.stdout)
			}
		}
		for _, w := range []string{
			"\ndept-tjj/flood-patrol   tjj   工作事项  —         —     2026-12-31  已准入  公共安全，至 ",
			"\ndept-tjj/short-notice   tjj   工作事项  —         —     2026-12-31  已失效  公共安全，至 ",
			"\n说明：\n  dept-tjj/short-notice（已失效）：S6 紧急豁免已到期，任务失效 / the emergency exemption has expired; the task no longer stands\n",
			"\n清单之外的事项，村（社区）有权拒绝并向联审单位反映（S1、S8）。\n反映：kubectl cunshe report 330302006044 --reason 事由 --task 命名空间/任务\n",
		} {
			if !strings.Contains(got.stdout, w) {
				t.Errorf("the table does not contain %q:\n%s", w, got.stdout)
			}
		}
	})

	t.Run("another county's village sees its own", func(t *testing.T) {
		var got []string
		for _, s := range tasksOf(t, yongjia) {
			got = append(got, s.Name)
		}
		for _, name := range []string{"yongjia-census", "neighbour-visit", "short-notice", "typhoon-drill"} {
			if !slices.Contains(got, name) {
				t.Errorf("tasks of 测试村207 lack %s: %v", name, got)
			}
		}
		for _, name := range []string{"road-survey", "flood-patrol"} {
			if slices.Contains(got, name) {
				t.Errorf("tasks of 测试村207 list %s, which reaches 鹿城区 only: %v", name, got)
			}
		}
	})
}

// TestReport: a cadre files the village's report; admission refuses a
// cadre of another village and a task that does not reach the village,
// and the CLI prints the refusal as the API gives it.
func TestReport(t *testing.T) {
	emergencyTask(t, "sandbag-count", governancev1alpha1.TaskTargets{Villages: []string{neighbour}}, nil)
	emergencyTask(t, "yongjia-only", governancev1alpha1.TaskTargets{Villages: []string{yongjia}}, nil)
	ns := governancev1alpha1.TenantNamespaceName(neighbour)
	file := func(as []string, args ...string) result {
		return run(t, append(append([]string{"report", neighbour}, args...), as...)...)
	}
	wang := cadre("wang.wu", neighbour)

	t.Run("a cadre of the village files it", func(t *testing.T) {
		got := file(wang, "--reason", "ScopeEnlarged", "--task", "dept-tjj/sandbag-count", "--details", "要求每户登记沙袋数量")
		want := "已提交反映 / filed report village-330302006045/scope-enlarged-sandbag-count\n" +
			"  事由 / reason:  ScopeEnlarged（擅自扩大范围）\n" +
			"  任务 / task:    dept-tjj/sandbag-count\n" +
			"由联审单位调查处理（S8）/ the review units will decide it (S8); 跟进 / follow it:\n" +
			"  kubectl get villagereport -n village-330302006045 scope-enlarged-sandbag-count -w\n"
		if got.code != 0 || got.stdout != want {
			t.Fatalf("exit code %d, stdout:\n%s\nwant:\n%s\nstderr:\n%s", got.code, got.stdout, want, got.stderr)
		}
		r := &governancev1alpha1.Report{}
		if err := env.Client.Get(t.Context(), client.ObjectKey{Namespace: ns, Name: "scope-enlarged-sandbag-count"}, r); err != nil {
			t.Fatal(err)
		}
		if r.Spec.TaskRef == nil || *r.Spec.TaskRef != (governancev1alpha1.TaskReference{Namespace: "dept-tjj", Name: "sandbag-count"}) ||
			r.Spec.Reason != governancev1alpha1.ReportReasonScopeEnlarged || r.Spec.Details != "要求每户登记沙袋数量" ||
			r.Annotations[governancev1alpha1.AnnotationCreatedBy] != "wang.wu" {
			t.Errorf("the stored report is %+v, created by %q", r.Spec, r.Annotations[governancev1alpha1.AnnotationCreatedBy])
		}
		again := file(wang, "--reason", "ScopeEnlarged", "--task", "dept-tjj/sandbag-count")
		if again.code != 0 || !strings.HasPrefix(again.stdout, "已提交反映 / filed report village-330302006045/scope-enlarged-sandbag-count-2\n") {
			t.Errorf("a second report on the task: exit code %d, stdout:\n%s\nstderr:\n%s", again.code, again.stdout, again.stderr)
		}
	})

	t.Run("an unlisted demand", func(t *testing.T) {
		got := file(wang, "--reason", "NotListed", "--department", "tjj", "--demand", "电话要求上报辖区商户名单", "--date", "2026-11-20")
		if got.code != 0 || !strings.Contains(got.stdout, "  要求 / demand:  tjj 2026-11-20：电话要求上报辖区商户名单\n") ||
			!strings.Contains(got.stdout, "kubectl get villagereport -n village-330302006045 not-listed-tjj-2026-11-20 -w\n") {
			t.Errorf("exit code %d, stdout:\n%s\nstderr:\n%s", got.code, got.stdout, got.stderr)
		}
	})

	refusals := map[string]struct {
		as   []string
		args []string
		want string
	}{
		// RBAC: the cunshe-village role is bound in the village's own tenant only.
		"a cadre of another village": {
			as:   cadre("li.si", gulou),
			args: []string{"--reason", "ScopeEnlarged", "--task", "dept-tjj/sandbag-count", "--name", "from-elsewhere"},
			want: `错误 / error: 提交反映被拒绝 / filing the Report was refused: villagereports.governance.cunshe.io is forbidden: ` +
				`User "li.si" cannot create resource "villagereports" in API group "governance.cunshe.io" in the namespace "village-330302006045"` + "\n",
		},
		// Admission: a grant broader than the tenant's does not make li.si a cadre of 测试村045.
		"a cadre of another village granted reports everywhere": {
			as:   append(cadre("li.si", gulou), "--as-group", anyTenant),
			args: []string{"--reason", "ScopeEnlarged", "--task", "dept-tjj/sandbag-count", "--name", "from-elsewhere"},
			want: `错误 / error: 提交反映被拒绝 / filing the Report was refused: admission webhook "vreport.governance.cunshe.io" denied the request: ` +
				`villagereports.governance.cunshe.io "from-elsewhere" is forbidden: metadata.namespace: Forbidden: ` +
				`S8 用户 "li.si" 不属于 cunshe:village:330302006045 组，只有本村（社区）干部可以提交本村（社区）的反映 / ` +
				`user "li.si" is not in group cunshe:village:330302006045; only the village's own cadres file its reports` + "\n",
		},
		"a task that does not reach the village": {
			as:   wang,
			args: []string{"--reason", "NotListed", "--task", "dept-tjj/yongjia-only", "--name", "not-ours"},
			want: `错误 / error: 提交反映被拒绝 / filing the Report was refused: admission webhook "vreport.governance.cunshe.io" denied the request: ` +
				`Report.governance.cunshe.io "not-ours" is invalid: spec.taskRef: Invalid value: "dept-tjj/yongjia-only": ` +
				`S8 任务 dept-tjj/yongjia-only 没有派发给本村（社区）330302006045 / task dept-tjj/yongjia-only does not target this village (330302006045)` + "\n",
		},
	}
	for name, tc := range refusals {
		t.Run(name, func(t *testing.T) {
			got := file(tc.as, tc.args...)
			if got.code != 1 || got.stdout != "" || got.stderr != tc.want {
				t.Errorf("exit code %d, stdout:\n%s\nstderr:\n%s\nwant stderr:\n%s", got.code, got.stdout, got.stderr, tc.want)
			}
			reportName := tc.args[len(tc.args)-1]
			if err := env.Client.Get(t.Context(), client.ObjectKey{Namespace: ns, Name: reportName}, &governancev1alpha1.Report{}); !apierrors.IsNotFound(err) {
				t.Errorf("report %s after the refusal: %v", reportName, err)
			}
		})
	}
}

// TestDecide: a member of a review unit decides a report; the report
// follows the latest decision, and an upheld report makes its task a
// Violation that tasks shows.
func TestDecide(t *testing.T) {
	emergencyTask(t, "census-forms", governancev1alpha1.TaskTargets{Villages: []string{neighbour}}, nil)
	ns := governancev1alpha1.TenantNamespaceName(neighbour)
	filed := run(t, append([]string{"report", neighbour, "--reason", "ScopeEnlarged", "--task", "dept-tjj/census-forms", "--name", "census-extra-forms"},
		cadre("wang.wu", neighbour)...)...)
	if filed.code != 0 {
		t.Fatalf("filing the report: exit code %d:\n%s", filed.code, filed.stderr)
	}
	member := []string{"--as", "zhao.min", "--as-group", "cunshe:unit:mzj"}
	decide := func(as []string, args ...string) result {
		return run(t, append(append([]string{"decide", "census-extra-forms", "-n", ns, "--unit", "mzj"}, args...), as...)...)
	}

	got := decide(member, "--outcome", "Investigating")
	want := "已提交处理意见 / recorded decision village-330302006045/census-extra-forms.mzj：mzj Investigating\n" +
		"反映 / report village-330302006045/census-extra-forms: Investigating（调查中）\n"
	if got.code != 0 || got.stdout != want {
		t.Fatalf("Investigating: exit code %d, stdout:\n%s\nwant:\n%s\nstderr:\n%s", got.code, got.stdout, want, got.stderr)
	}

	findings := "经核实，统计局要求额外填报 3 张表，超出任务范围"
	got = decide(member, "--outcome", "upheld", "--findings", findings)
	want = "已提交处理意见 / recorded decision village-330302006045/census-extra-forms.mzj-2：mzj Upheld\n" +
		"反映 / report village-330302006045/census-extra-forms: Upheld（属实）\n" +
		"调查结论 / findings: " + findings + "\n" +
		"任务 dept-tjj/census-forms 将被标记为违规并通报部门（S19）/ task dept-tjj/census-forms is marked Violation and its department notified (S19)\n"
	if got.code != 0 || got.stdout != want {
		t.Fatalf("Upheld: exit code %d, stdout:\n%s\nwant:\n%s\nstderr:\n%s", got.code, got.stdout, want, got.stderr)
	}
	d := &governancev1alpha1.ReportDecision{}
	if err := env.Client.Get(t.Context(), client.ObjectKey{Namespace: ns, Name: "census-extra-forms.mzj-2"}, d); err != nil {
		t.Fatal(err)
	}
	if d.Annotations[governancev1alpha1.AnnotationCreatedBy] != "zhao.min" || d.Spec.Outcome != governancev1alpha1.OutcomeUpheld {
		t.Errorf("the stored decision is %+v, created by %q", d.Spec, d.Annotations[governancev1alpha1.AnnotationCreatedBy])
	}

	t.Run("a member of another unit is refused", func(t *testing.T) {
		// A member of another unit passes RBAC (cunshe-review-unit); admission refuses.
		got := decide([]string{"--as", "qian.nong", "--as-group", "cunshe:unit:nyj"}, "--outcome", "Dismissed", "--findings", "不属实", "--name", "for-another-unit")
		want := `错误 / error: 提交处理意见被拒绝 / recording the ReportDecision was refused: admission webhook "vreportdecision.governance.cunshe.io" denied the request: ` +
			`reportdecisions.governance.cunshe.io "for-another-unit" is forbidden: spec.unit: Forbidden: ` +
			`S8 用户 "qian.nong" 不属于联审单位 "mzj" 的成员组 cunshe:unit:mzj，不能代表其作出处理意见 / ` +
			`user "qian.nong" is not in review unit "mzj"'s group cunshe:unit:mzj and cannot decide for it` + "\n"
		if got.code != 1 || got.stdout != "" || got.stderr != want {
			t.Errorf("exit code %d, stdout:\n%s\nstderr:\n%s\nwant stderr:\n%s", got.code, got.stdout, got.stderr, want)
		}
	})

	t.Run("tasks shows the task as a violation", func(t *testing.T) {
		eventually(t, "the task's standing", func() string {
			for _, s := range tasksOf(t, neighbour) {
				if s.Name != "census-forms" {
					continue
				}
				if s.Phase != "Violation" || !strings.HasPrefix(s.Finding, "S8 联审单位认定村（社区）反映属实：village-330302006045/census-extra-forms / ") {
					return fmt.Sprintf("census-forms is %s: %s", s.Phase, s.Finding)
				}
				return ""
			}
			return "tasks does not list census-forms"
		})
	})
}
