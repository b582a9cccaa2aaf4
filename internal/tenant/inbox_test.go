package tenant

import (
	"fmt"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	governancev1alpha1 "github.com/cunshe/cunshe-operator/api/v1alpha1"
	"github.com/cunshe/cunshe-operator/internal/rules"
)

// inboxVillage is 鼓楼社区, a community of 鹿城区.
func inboxVillage() *governancev1alpha1.Village {
	return &governancev1alpha1.Village{ObjectMeta: metav1.ObjectMeta{Name: "330302006044"},
		Spec: governancev1alpha1.VillageSpec{Code: "330302006044", Name: "鼓楼社区", Type: governancev1alpha1.TypeCommunity,
			County: governancev1alpha1.Division{Code: "330302"}, Township: governancev1alpha1.Division{Code: "330302006"}}}
}

func inboxTask(ns, name, item string, targets governancev1alpha1.TaskTargets, phase governancev1alpha1.TaskPhase, findings ...string) *governancev1alpha1.Task {
	return &governancev1alpha1.Task{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name, Labels: map[string]string{governancev1alpha1.LabelDepartment: ns[len("dept-"):]}},
		Spec:   governancev1alpha1.TaskSpec{Title: "任务 " + name, ItemRef: item, Targets: targets},
		Status: governancev1alpha1.TaskStatus{Phase: phase, Findings: findings}}
}

// S1, S8: a village's inbox holds the tasks that reach it — by village, by
// county or all, when the item they cite applies to it (rules.TaskReaches)
// — sorted, counted, with why a task is not Admitted.
func TestInboxHoldsWhatReachesTheVillage(t *testing.T) {
	villagesOnly := &governancev1alpha1.ListItem{ObjectMeta: metav1.ObjectMeta{Name: "l1-villages-only"},
		Spec: governancev1alpha1.ListItemSpec{Scope: governancev1alpha1.Scope{VillageTypes: []governancev1alpha1.VillageType{governancev1alpha1.TypeVillage}}}}
	items := map[string]*governancev1alpha1.ListItem{villagesOnly.Name: villagesOnly}
	expires := metav1.NewTime(time.Date(2026, 12, 3, 7, 6, 29, 0, time.FixedZone("CST", 8*3600)))
	emergency := inboxTask("dept-mzj", "typhoon", "", governancev1alpha1.TaskTargets{All: true}, governancev1alpha1.TaskAdmitted)
	emergency.Spec.Emergency = &governancev1alpha1.Emergency{Category: governancev1alpha1.EmergencyLifeSafety, Expires: &expires}
	tasks := []*governancev1alpha1.Task{
		inboxTask("dept-tjj", "census", "l1-census-assist", governancev1alpha1.TaskTargets{Counties: []string{"330302"}}, governancev1alpha1.TaskNonCompliant,
			"S7 retired", "S2 second"),
		inboxTask("dept-tjj", "another-county", "l1-census-assist", governancev1alpha1.TaskTargets{Counties: []string{"330324"}}, governancev1alpha1.TaskAdmitted),
		inboxTask("dept-nyj", "for-villages-only", villagesOnly.Name, governancev1alpha1.TaskTargets{All: true}, governancev1alpha1.TaskAdmitted),
		inboxTask("dept-tjj", "by-name", "l1-census-assist", governancev1alpha1.TaskTargets{Villages: []string{"330302006045", "330302006044"}}, governancev1alpha1.TaskViolation),
		emergency,
	}
	tasks[3].Status.UpheldReports = []string{"village-330302006044/by-name"}
	got := Inbox(inboxVillage(), tasks, func(name string) *governancev1alpha1.ListItem { return items[name] }, rules.NewJurisdictions(nil))
	want := governancev1alpha1.TaskInboxStatus{
		Village: governancev1alpha1.InboxVillage{Code: "330302006044", Name: "鼓楼社区"}, TasksTotal: 3, NonCompliant: 1, Violations: 1,
		Tasks: []governancev1alpha1.TaskStanding{
			{Namespace: "dept-mzj", Name: "typhoon", Department: "mzj", Title: "任务 typhoon", Type: governancev1alpha1.TaskWork, Phase: governancev1alpha1.TaskAdmitted,
				Emergency: &governancev1alpha1.EmergencyStanding{Category: governancev1alpha1.EmergencyLifeSafety, Expires: &metav1.Time{Time: expires.UTC()}}},
			{Namespace: "dept-tjj", Name: "by-name", Department: "tjj", Title: "任务 by-name", Type: governancev1alpha1.TaskWork, Item: "l1-census-assist",
				Phase: governancev1alpha1.TaskViolation},
			{Namespace: "dept-tjj", Name: "census", Department: "tjj", Title: "任务 census", Type: governancev1alpha1.TaskWork, Item: "l1-census-assist",
				Phase: governancev1alpha1.TaskNonCompliant, Finding: "S7 retired"},
		},
	}
	want.ContentHash = got.ContentHash
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("the inbox (-want +got):\n%s", diff)
	}
	if got.ContentHash == "" {
		t.Error("no content hash")
	}
}

// The hash changes with what the inbox shows, and only with it: the
// operator writes an inbox when, and only when, its hash changed.
func TestInboxHashFollowsWhatItShows(t *testing.T) {
	noItems := func(string) *governancev1alpha1.ListItem { return nil }
	task := inboxTask("dept-tjj", "census", "l1-census-assist", governancev1alpha1.TaskTargets{Counties: []string{"330302"}}, governancev1alpha1.TaskAdmitted)
	before := Inbox(inboxVillage(), []*governancev1alpha1.Task{task}, noItems, rules.NewJurisdictions(nil))

	revised := task.DeepCopy()
	revised.Status.AuditedRevision = 7 // not shown
	if got := Inbox(inboxVillage(), []*governancev1alpha1.Task{revised}, noItems, rules.NewJurisdictions(nil)); got.ContentHash != before.ContentHash {
		t.Error("the hash changed with the audited revision, which an inbox does not show")
	}
	retired := task.DeepCopy()
	retired.Status.Phase, retired.Status.Findings = governancev1alpha1.TaskNonCompliant, []string{"S7 retired"}
	if got := Inbox(inboxVillage(), []*governancev1alpha1.Task{retired}, noItems, rules.NewJurisdictions(nil)); got.ContentHash == before.ContentHash {
		t.Error("the hash did not change with the task's standing")
	}
}

// A village reached by more tasks than an inbox lists counts them all and
// says the list is cut.
func TestInboxIsCapped(t *testing.T) {
	var tasks []*governancev1alpha1.Task
	for i := range governancev1alpha1.MaxInboxTasks + 1 {
		tasks = append(tasks, inboxTask("dept-tjj", fmt.Sprintf("t-%04d", i), "", governancev1alpha1.TaskTargets{All: true}, governancev1alpha1.TaskAdmitted))
	}
	got := Inbox(inboxVillage(), tasks, func(string) *governancev1alpha1.ListItem { return nil }, rules.NewJurisdictions(nil))
	if len(got.Tasks) != governancev1alpha1.MaxInboxTasks || !got.Truncated || got.TasksTotal != int32(governancev1alpha1.MaxInboxTasks+1) {
		t.Errorf("%d tasks listed of %d, truncated %v", len(got.Tasks), got.TasksTotal, got.Truncated)
	}
}

// The cache keeps an inbox's hash, not the tasks it lists.
func TestTrimInboxForCache(t *testing.T) {
	in := &governancev1alpha1.TaskInbox{Status: governancev1alpha1.TaskInboxStatus{ContentHash: "abc", TasksTotal: 1,
		Tasks: []governancev1alpha1.TaskStanding{{Namespace: "dept-tjj", Name: "x"}}}}
	out, err := TrimInboxForCache(in)
	if err != nil {
		t.Fatal(err)
	}
	if s := out.(*governancev1alpha1.TaskInbox).Status; s.Tasks != nil || s.ContentHash != "abc" || s.TasksTotal != 1 {
		t.Errorf("cached status %+v", s)
	}
}
