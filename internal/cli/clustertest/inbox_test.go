package clustertest

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"sigs.k8s.io/controller-runtime/pkg/client"

	governancev1alpha1 "github.com/cunshe/cunshe-operator/api/v1alpha1"
)

// TestCadreReadsWhatReachesTheVillage: a village's cadre, acting as
// themselves (group cunshe:village:<code>), lists the tasks that reach
// their village and their standing with kubectl cunshe tasks — from the
// TaskInbox the operator keeps in their tenant — and may read no
// department's tasks and no other village's inbox (S1, S8).
func TestCadreReadsWhatReachesTheVillage(t *testing.T) {
	emergencyTask(t, "bridge-check", governancev1alpha1.TaskTargets{Villages: []string{yongjia}}, nil)
	emergencyTask(t, "neighbour-drill", governancev1alpha1.TaskTargets{Villages: []string{neighbour}}, nil)
	zhou := cadre("zhou.ba", yongjia)

	eventually(t, "the cadre's tasks", func() string {
		got := run(t, append([]string{"tasks", yongjia}, zhou...)...)
		switch {
		case got.code != 0:
			return fmt.Sprintf("exit code %d: %s", got.code, got.stderr)
		case !strings.HasPrefix(got.stdout, "测试村207（330324108207）收到的任务：共 "):
			return "the table does not name the village:\n" + got.stdout
		case !strings.Contains(got.stdout, "\ndept-tjj/bridge-check  "):
			return "the table does not list bridge-check:\n" + got.stdout
		case strings.Contains(got.stdout, "neighbour-drill"):
			return "the table lists neighbour-drill, which reaches 测试村045 only:\n" + got.stdout
		case !strings.Contains(got.stdout, "  已准入  "):
			// The audit admits the task after the inbox first lists it, and
			// the inbox is written at most every few seconds.
			return "bridge-check is not Admitted yet:\n" + got.stdout
		}
		return ""
	})
	for _, s := range tasksOf(t, yongjia) {
		if s.Name == "bridge-check" && (s.Department != "tjj" || s.Phase != "Admitted" || s.Emergency == nil || s.Emergency.Category != "PublicSafety") {
			t.Errorf("bridge-check reads %+v", s)
		}
	}

	t.Run("not another village's", func(t *testing.T) {
		got := run(t, append([]string{"tasks", gulou}, zhou...)...)
		want := `错误 / error: 读取村社任务汇总 "village-330302006044/cunshe-tasks"失败 / getting TaskInbox "village-330302006044/cunshe-tasks": ` +
			`taskinboxes.governance.cunshe.io "cunshe-tasks" is forbidden: User "zhou.ba" cannot get resource "taskinboxes" in API group "governance.cunshe.io" in the namespace "village-330302006044"` + "\n"
		if got.code != 1 || got.stdout != "" || got.stderr != want {
			t.Errorf("exit code %d, stdout:\n%s\nstderr:\n%s\nwant stderr:\n%s", got.code, got.stdout, got.stderr, want)
		}
	})

	t.Run("no department's tasks, no other tenant's objects", func(t *testing.T) {
		c := env.ClientAs(t, "zhou.ba", governancev1alpha1.VillageGroupPrefix+yongjia)
		for what, err := range map[string]error{
			"tasks of dept-tjj":           c.List(t.Context(), &governancev1alpha1.TaskList{}, client.InNamespace("dept-tjj")),
			"tasks of every namespace":    c.List(t.Context(), &governancev1alpha1.TaskList{}),
			"a task of dept-tjj":          c.Get(t.Context(), client.ObjectKey{Namespace: "dept-tjj", Name: "bridge-check"}, &governancev1alpha1.Task{}),
			"another village's inbox":     c.Get(t.Context(), client.ObjectKey{Namespace: governancev1alpha1.TenantNamespaceName(neighbour), Name: governancev1alpha1.TaskInboxName}, &governancev1alpha1.TaskInbox{}),
			"the inboxes of every tenant": c.List(t.Context(), &governancev1alpha1.TaskInboxList{}),
		} {
			if !apierrors.IsForbidden(err) {
				t.Errorf("%s: %v, want Forbidden", what, err)
			}
		}
		own := &governancev1alpha1.TaskInbox{}
		if err := c.Get(t.Context(), client.ObjectKey{Namespace: governancev1alpha1.TenantNamespaceName(yongjia), Name: governancev1alpha1.TaskInboxName}, own); err != nil {
			t.Fatalf("the cadre's own inbox: %v", err)
		}
		if !slices.ContainsFunc(own.Status.Tasks, func(s governancev1alpha1.TaskStanding) bool { return s.Name == "bridge-check" }) {
			t.Errorf("the inbox does not hold bridge-check: %+v", own.Status.Tasks)
		}
	})
}
