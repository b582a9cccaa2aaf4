package cli

import (
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/cunshe/cunshe-operator/internal/golden"

	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/client/interceptor"
	"sigs.k8s.io/yaml"

	governancev1alpha1 "github.com/cunshe/cunshe-operator/api/v1alpha1"
	"github.com/cunshe/cunshe-operator/internal/rules"
	"github.com/cunshe/cunshe-operator/internal/tenant"
)

// cityTasks are tasks in every standing, as the audit leaves them: four
// reach 鼓楼社区 (330302006044) by village, county or all, one reaches
// 永嘉县 only.
func cityTasks() []client.Object {
	task := func(ns, name string, spec governancev1alpha1.TaskSpec, phase governancev1alpha1.TaskPhase, findings []string, ready string) *governancev1alpha1.Task {
		t := &governancev1alpha1.Task{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name}, Spec: spec,
			Status: governancev1alpha1.TaskStatus{Phase: phase, Department: ns[len("dept-"):], Findings: findings}}
		if ready != "" {
			meta.SetStatusCondition(&t.Status.Conditions, metav1.Condition{Type: governancev1alpha1.ReadyCondition, Status: metav1.ConditionFalse, Reason: string(phase), Message: ready})
		}
		return t
	}
	expires := metav1.NewTime(time.Date(2026, 11, 20, 16, 0, 0, 0, time.UTC))
	return []client.Object{
		task("dept-tjj", "census-2026", governancev1alpha1.TaskSpec{Type: governancev1alpha1.TaskWork, Title: "2026年人口抽样调查入户协助",
			ItemRef: "l1-census-assist", VillageRole: governancev1alpha1.RoleAssist, Due: "2026-12-31",
			Targets: governancev1alpha1.TaskTargets{Counties: []string{"330302"}}}, governancev1alpha1.TaskAdmitted, nil, ""),
		task("dept-tjj", "census-extra-forms", governancev1alpha1.TaskSpec{Type: governancev1alpha1.TaskWork, Title: "人口抽样调查补充表格",
			ItemRef: "l1-census-assist", VillageRole: governancev1alpha1.RoleAssist,
			Targets: governancev1alpha1.TaskTargets{Villages: []string{"330302006044", "330302006045"}}}, governancev1alpha1.TaskViolation, nil,
			"S8 联审单位认定村（社区）反映属实：village-330302006044/census-extra-forms / review units upheld villages' reports: village-330302006044/census-extra-forms"),
		task("dept-mzj", "elderly-wall", governancev1alpha1.TaskSpec{Type: governancev1alpha1.TaskWallPosting, Title: "养老政策上墙",
			Targets: governancev1alpha1.TaskTargets{All: true}}, governancev1alpha1.TaskNonCompliant,
			[]string{"S1 清单之外无事项：任务须引用已公布的清单事项 / nothing outside the lists: a task must cite a published list item", "S17 second finding"}, "ignored: a finding comes first"),
		task("dept-yjj", "flood-drill", governancev1alpha1.TaskSpec{Type: governancev1alpha1.TaskWork, Title: "防汛应急演练",
			Targets:   governancev1alpha1.TaskTargets{Villages: []string{"330302006044"}},
			Emergency: &governancev1alpha1.Emergency{Category: governancev1alpha1.EmergencyPublicSafety, Justification: "台风", Expires: &expires}},
			governancev1alpha1.TaskExpired, nil, "S6 紧急豁免已到期，任务失效 / the emergency exemption has expired; the task no longer stands"),
		task("dept-tjj", "yongjia-census", governancev1alpha1.TaskSpec{Type: governancev1alpha1.TaskWork, Title: "永嘉县入户登记",
			ItemRef: "l1-census-assist", VillageRole: governancev1alpha1.RoleAssist,
			Targets: governancev1alpha1.TaskTargets{Counties: []string{"330324"}}}, governancev1alpha1.TaskAdmitted, nil, ""),
	}
}

func TestTasksGolden(t *testing.T) {
	c := newCity(t)
	useCluster(t, interceptor.Funcs{}, append(c.objects(nil), cityTasks()...)...)
	tests := map[string]struct {
		args   []string
		golden string
	}{
		"the table, by name": {args: []string{"鼓楼社区"}, golden: "testdata/tasks/gulou.golden"},
		"json, by code":      {args: []string{"330302006044", "-o", "json"}, golden: "testdata/tasks/gulou.json.golden"},
		// 武阳村 (county 330328) is reached by the citywide task only.
		"a village of another county": {args: []string{"330328102227"}, golden: "testdata/tasks/wuyang.golden"},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			got := run(t, "", append([]string{"tasks"}, tc.args...)...)
			if got.code != ExitOK {
				t.Fatalf("exit code %d:\n%s", got.code, got.stderr)
			}
			golden.Check(t, tc.golden, got.stdout)
		})
	}
	t.Run("json lists the tasks in order with their standing", func(t *testing.T) {
		got := run(t, "", "tasks", "330302006044", "-o", "json")
		var doc villageTasks
		if err := json.Unmarshal([]byte(got.stdout), &doc); err != nil {
			t.Fatal(err)
		}
		var names []string
		for _, s := range doc.Tasks {
			names = append(names, s.Namespace+"/"+s.Name+":"+string(s.Phase))
		}
		want := "[dept-mzj/elderly-wall:NonCompliant dept-tjj/census-2026:Admitted dept-tjj/census-extra-forms:Violation dept-yjj/flood-drill:Expired]"
		if got := fmt.Sprint(names); got != want {
			t.Errorf("tasks = %s, want %s", got, want)
		}
	})
	t.Run("-o yaml is the same document", func(t *testing.T) {
		js, y := run(t, "", "tasks", "330302006044", "-o", "json"), run(t, "", "tasks", "330302006044", "-o", "yaml")
		var fromJSON, fromYAML villageTasks
		if err := json.Unmarshal([]byte(js.stdout), &fromJSON); err != nil {
			t.Fatal(err)
		}
		if err := yaml.UnmarshalStrict([]byte(y.stdout), &fromYAML); err != nil {
			t.Fatalf("%v:\n%s", err, y.stdout)
		}
		if diff := cmp.Diff(fromJSON, fromYAML); diff != "" || fromYAML.Kind != "VillageTasks" {
			t.Errorf("kind %q; -json +yaml:\n%s", fromYAML.Kind, diff)
		}
	})
}

func TestTasksNoneReach(t *testing.T) {
	c := newCity(t)
	useCluster(t, interceptor.Funcs{}, c.objects(nil)...)
	got := run(t, "", "tasks", "330302006044")
	want := "鼓楼社区（330302006044）收到的任务：共 0 项\n\n" + refusalLine + "\n反映：kubectl cunshe report 330302006044 --reason 事由 --task 命名空间/任务\n"
	if got.code != ExitOK || got.stdout != want {
		t.Errorf("exit code %d, stdout:\n%s\nwant:\n%s\nstderr:\n%s", got.code, got.stdout, want, got.stderr)
	}
}

// inboxes are the TaskInboxes the operator keeps for objs: one in the
// tenant of each village that a task reaches (tenant.Inbox).
func inboxes(objs []client.Object) []client.Object {
	var villages []*governancev1alpha1.Village
	var tasks []*governancev1alpha1.Task
	var juris []governancev1alpha1.Jurisdiction
	items := map[string]*governancev1alpha1.ListItem{}
	for _, o := range objs {
		switch o := o.(type) {
		case *governancev1alpha1.Village:
			villages = append(villages, o)
		case *governancev1alpha1.Task:
			tasks = append(tasks, o)
		case *governancev1alpha1.ListItem:
			items[o.Name] = o
		case *governancev1alpha1.Jurisdiction:
			juris = append(juris, *o)
		}
	}
	var out []client.Object
	for _, v := range villages {
		s := tenant.Inbox(v, tasks, func(name string) *governancev1alpha1.ListItem { return items[name] }, rules.NewJurisdictions(juris))
		if s.TasksTotal > 0 {
			out = append(out, &governancev1alpha1.TaskInbox{Status: s, ObjectMeta: metav1.ObjectMeta{
				Namespace: governancev1alpha1.TenantNamespaceName(v.Spec.Code), Name: governancev1alpha1.TaskInboxName}})
		}
	}
	return out
}
