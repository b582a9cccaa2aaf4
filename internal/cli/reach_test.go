package cli

import (
	"encoding/json"
	"os"
	"slices"
	"testing"

	"github.com/google/go-cmp/cmp"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/sets"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/client/fake"
	"sigs.k8s.io/controller-runtime/pkg/client/interceptor"

	governancev1alpha1 "github.com/cunshe/cunshe-operator/api/v1alpha1"
	"github.com/cunshe/cunshe-operator/internal/portal"
	"github.com/cunshe/cunshe-operator/internal/rules"
)

// The villages of testdata/reach/city.yaml.
const (
	gulou  = "330302006044" // 鼓楼社区: Wenzhou, 鹿城区, a community
	sanxin = "330303014215" // 三星村: Wenzhou, 龙湾区, a village
	wuyang = "330328102227" // 武阳村: Wenzhou, 文成县, a village
	xixi   = "330106001001" // 西溪社区: Hangzhou, 西湖区, a community
)

// The tables below list villages by code, as collect sorts them.

// reachCity is testdata/reach/city.yaml, decoded as validate reads it.
type reachCity struct {
	objects  []client.Object
	villages []*governancev1alpha1.Village
	tasks    []*governancev1alpha1.Task
	items    map[string]*governancev1alpha1.ListItem
	juris    rules.Jurisdictions
}

func readReachCity(t *testing.T) reachCity {
	t.Helper()
	const file = "testdata/reach/city.yaml"
	data, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	ms, err := decodeManifests(file, data)
	if err != nil {
		t.Fatal(err)
	}
	c := reachCity{items: map[string]*governancev1alpha1.ListItem{}}
	var juris []governancev1alpha1.Jurisdiction
	for _, m := range ms {
		c.objects = append(c.objects, m.obj.(client.Object))
		switch o := m.obj.(type) {
		case *governancev1alpha1.Village:
			c.villages = append(c.villages, o)
		case *governancev1alpha1.Task:
			c.tasks = append(c.tasks, o)
		case *governancev1alpha1.ListItem:
			c.items[o.Name] = o
		case *governancev1alpha1.Jurisdiction:
			juris = append(juris, *o)
		}
	}
	c.juris = rules.NewJurisdictions(juris)
	return c
}

// TestEveryCallerAgreesWhichVillagesATaskReaches asks each caller of
// rules.TaskReaches which villages each task reaches — kubectl cunshe
// tasks, the portal's village page, report admission (a village reports
// only a task that reaches it, S8) and the task webhook's village index —
// and wants the same answer from all: the task's targets name the village
// and the item it cites applies there (S2).
func TestEveryCallerAgreesWhichVillagesATaskReaches(t *testing.T) {
	c := readReachCity(t)
	want := map[string][]string{
		// "All" under an item for 鹿城区 only: 鹿城区's village, no other.
		"dept-yjj/all-lucheng-fire-safety": {gulou},
		// "All" under a city item: the city's villages, not another city's.
		"dept-tjj/all-census": {gulou, sanxin, wuyang},
		// "All" under an item for communities: the city's communities.
		"dept-mzj/all-elderly-care": {gulou},
		// The province's item is on both cities' lists.
		"dept-yjj/all-flood-control": {xixi, gulou, sanxin, wuyang},
		// Two counties: not a village of a county the task does not name.
		"dept-tjj/two-counties-census": {gulou, wuyang},
		"dept-tjj/gulou-census":        {gulou},
		// An emergency is outside the lists (S6): its targets alone decide,
		// "all" being its city's villages (its department's: the default city).
		"dept-yjj/typhoon-emergency": {gulou, sanxin, wuyang},
		// An unknown item (refused at admission, flagged by the audit)
		// limits nothing but the city: the targets decide, "all" meaning
		// the task's city (Wenzhou), as for an emergency — not Hangzhou's 西溪.
		"dept-tjj/all-unknown-item": {gulou, sanxin, wuyang},
	}
	callers := map[string]func(t *testing.T, c reachCity) map[string][]string{
		"rules.TaskReaches":      reachedByRule,
		"kubectl cunshe tasks":   reachedByTasksCommand,
		"the portal":             reachedByPortal,
		"report admission":       reachedByReportAdmission,
		"the task webhook index": reachedByVillageIndex,
	}
	for name, reached := range callers {
		t.Run(name, func(t *testing.T) {
			if diff := cmp.Diff(want, reached(t, c)); diff != "" {
				t.Errorf("task → villages reached (-want +got):\n%s", diff)
			}
		})
	}
}

// collect turns (task, village) answers into task → villages, sorted.
func collect(c reachCity, reaches func(t *governancev1alpha1.Task, v *governancev1alpha1.Village) bool) map[string][]string {
	out := map[string][]string{}
	for _, task := range c.tasks {
		key := task.Namespace + "/" + task.Name
		out[key] = []string{}
		for _, v := range c.villages {
			if reaches(task, v) {
				out[key] = append(out[key], v.Name)
			}
		}
		slices.Sort(out[key])
	}
	return out
}

func reachedByRule(_ *testing.T, c reachCity) map[string][]string {
	return collect(c, func(task *governancev1alpha1.Task, v *governancev1alpha1.Village) bool {
		return rules.TaskReaches(task, c.items[task.Spec.ItemRef], rules.PlaceOf(v), c.juris)
	})
}

// reachedByTasksCommand runs `kubectl cunshe tasks VILLAGE -o json` against
// a cluster holding the city.
func reachedByTasksCommand(t *testing.T, c reachCity) map[string][]string {
	useCluster(t, interceptor.Funcs{}, c.objects...)
	listed := map[string]sets.Set[string]{}
	for _, v := range c.villages {
		got := run(t, "", "tasks", v.Name, "-o", "json")
		if got.code != ExitOK {
			t.Fatalf("tasks %s: exit code %d:\n%s", v.Name, got.code, got.stderr)
		}
		var doc villageTasks
		if err := json.Unmarshal([]byte(got.stdout), &doc); err != nil {
			t.Fatal(err)
		}
		for _, s := range doc.Tasks {
			key := s.Namespace + "/" + s.Name
			if listed[key] == nil {
				listed[key] = sets.New[string]()
			}
			listed[key].Insert(v.Name)
		}
	}
	return collect(c, func(task *governancev1alpha1.Task, v *governancev1alpha1.Village) bool {
		return listed[task.Namespace+"/"+task.Name].Has(v.Name)
	})
}

// reachedByPortal reads each village's tasks as its portal page does.
func reachedByPortal(t *testing.T, c reachCity) map[string][]string {
	s := runtime.NewScheme()
	if err := governancev1alpha1.AddToScheme(s); err != nil {
		t.Fatal(err)
	}
	if err := corev1.AddToScheme(s); err != nil {
		t.Fatal(err)
	}
	snap, err := portal.Build(t.Context(), fake.NewClientBuilder().WithScheme(s).WithObjects(c.objects...).Build())
	if err != nil {
		t.Fatal(err)
	}
	return collect(c, func(task *governancev1alpha1.Task, v *governancev1alpha1.Village) bool {
		return slices.ContainsFunc(snap.TasksReaching(snap.Village(v.Name)), func(t *governancev1alpha1.Task) bool {
			return t.Namespace == task.Namespace && t.Name == task.Name
		})
	})
}

// reachedByReportAdmission files, as each village's cadres, a report of
// each task: admission refuses a report of a task that does not reach the
// village (S8).
func reachedByReportAdmission(t *testing.T, c reachCity) map[string][]string {
	snap := reportSnapshot{c}
	return collect(c, func(task *governancev1alpha1.Task, v *governancev1alpha1.Village) bool {
		r := &governancev1alpha1.Report{}
		r.Name, r.Namespace = "refused-"+task.Name, governancev1alpha1.TenantNamespaceName(v.Name)
		r.Spec.Reason, r.Spec.TaskRef = governancev1alpha1.ReportReasonScopeEnlarged, &governancev1alpha1.TaskReference{Namespace: task.Namespace, Name: task.Name}
		cadre := rules.Requester{Username: "cadre-" + v.Name, Groups: []string{governancev1alpha1.VillageGroupPrefix + v.Name}}
		errs := rules.ValidateReport(r, cadre, snap)
		for _, e := range errs {
			if e.Field != "spec.taskRef" || rules.RuleOf(e) != rules.S8 {
				t.Errorf("report of %s by %s: unexpected refusal %v", task.Name, v.Name, e)
			}
		}
		return len(errs) == 0
	})
}

// reportSnapshot is what report admission reads, from the city.
type reportSnapshot struct{ c reachCity }

func (s reportSnapshot) Village(code string) *governancev1alpha1.Village {
	i := slices.IndexFunc(s.c.villages, func(v *governancev1alpha1.Village) bool { return v.Name == code })
	if i < 0 {
		return nil
	}
	return s.c.villages[i]
}

func (s reportSnapshot) Task(namespace, name string) *governancev1alpha1.Task {
	i := slices.IndexFunc(s.c.tasks, func(t *governancev1alpha1.Task) bool { return t.Namespace == namespace && t.Name == name })
	if i < 0 {
		return nil
	}
	return s.c.tasks[i]
}

func (s reportSnapshot) DepartmentKnown(string) bool                       { return true }
func (s reportSnapshot) ReviewUnit(string) *governancev1alpha1.ReviewUnit  { return nil }
func (s reportSnapshot) ListItem(name string) *governancev1alpha1.ListItem { return s.c.items[name] }
func (s reportSnapshot) Jurisdictions() rules.Jurisdictions                { return s.c.juris }

// reachedByVillageIndex resolves each task in the index the task webhook
// and the audit read (VillageIndex.TargetVillages, then rules.Reached).
// The city's villages differ in county, so each is a group of its own.
func reachedByVillageIndex(t *testing.T, c reachCity) map[string][]string {
	idx := rules.NewVillageIndex()
	for _, v := range c.villages {
		idx.Upsert(v)
	}
	reached := map[string]sets.Set[string]{}
	for _, task := range c.tasks {
		named, _ := idx.TargetVillages(task.Spec.Targets)
		groups, _ := rules.Reached(task, c.items[task.Spec.ItemRef], named, c.juris)
		reached[task.Name] = sets.New[string]()
		for _, g := range groups {
			if g.Count != 1 {
				t.Fatalf("group %+v holds %d villages; the test reads one per group", g, g.Count)
			}
			reached[task.Name].Insert(g.Example)
		}
	}
	return collect(c, func(task *governancev1alpha1.Task, v *governancev1alpha1.Village) bool {
		return reached[task.Name].Has(v.Name)
	})
}
