package rules_test

import (
	"fmt"
	"testing"

	"k8s.io/apimachinery/pkg/util/sets"

	governancev1alpha1 "github.com/cunshe/cunshe-operator/api/v1alpha1"
	"github.com/cunshe/cunshe-operator/config"
	"github.com/cunshe/cunshe-operator/internal/divisions"
	"github.com/cunshe/cunshe-operator/internal/rules"
)

// The task decision benchmarks decide one task against the city as the
// webhook's snapshot holds it: Wenzhou's 3,685 villages of the sample
// registry all holding revision 1 (a third of them off paper ledgers), and
// 1,000 approved items all in that revision. hack/bench.sh reports
// BenchmarkAdmitTask's median as `decision ns_per_op=…`; the refusal with
// suggestions (BenchmarkRefuseUnlistedTask) is the slow path, reported apart.

// benchTaskItems is the number of approved, published items.
const benchTaskItems = 1000

// taskCity is the snapshot of the task benchmarks.
func taskCity(b *testing.B) *rules.Memory {
	villages, err := divisions.Parse(config.SampleDivisions())
	if err != nil {
		b.Fatal(err)
	}
	m := snapshot()
	for i := range villages {
		v := &villages[i]
		v.Status.PublishedRevision = 1
		v.Status.PaperLedgerExempt = i%3 == 0
		m.Villages.Upsert(v)
	}
	m.Revisions[rules.RevisionKey{Number: 1}] = sets.New[string]()
	for i := range benchTaskItems {
		item := censusItem()
		item.Name = fmt.Sprintf("l1-item-%04d", i)
		item.Spec.Title = benchTitle(i)
		item.Spec.ResponsibleDepartments = []string{"tjj", "mzj", "wjw"}
		m.Items[item.Name] = approved(item)
		m.Revisions[rules.RevisionKey{Number: 1}].Insert(item.Name)
	}
	return m
}

// benchTitle makes 1,000 distinct Chinese titles that share many bigrams,
// as a city's lists do, so the suggestions have real ranking to do.
func benchTitle(i int) string {
	verbs := []string{"协助开展", "配合做好", "组织实施", "协助落实", "配合开展"}
	objects := []string{"人口普查", "农业普查", "经济普查", "消防安全", "防汛防台", "疫苗接种", "低保核查", "退役军人",
		"残疾人", "独居老人", "流动人口", "垃圾分类", "河道巡查", "森林防火", "耕地保护", "征兵宣传", "禁毒宣传", "反诈宣传",
		"食品安全", "燃气安全"}
	acts := []string{"入户登记", "信息采集", "走访慰问", "排查整治", "宣传动员", "数据核对", "台账整理", "隐患上报", "政策宣讲", "名单公示"}
	return fmt.Sprintf("%s%s%s（%03d）", verbs[i%len(verbs)], objects[i/len(verbs)%len(objects)], acts[i/(len(verbs)*len(objects))%len(acts)], i)
}

func benchTask(targets governancev1alpha1.TaskTargets) *governancev1alpha1.Task {
	t := censusTask()
	t.Spec.ItemRef, t.Spec.Targets = "l1-item-0500", targets
	return t
}

// fiftyVillages are 50 villages spread over the registry.
func fiftyVillages(b *testing.B) []string {
	villages, err := divisions.Parse(config.SampleDivisions())
	if err != nil {
		b.Fatal(err)
	}
	var codes []string
	for i := 0; len(codes) < 50; i += len(villages) / 50 {
		codes = append(codes, villages[i].Name)
	}
	return codes
}

func BenchmarkAdmitTask(b *testing.B) {
	snap := taskCity(b)
	cases := []struct {
		name    string
		targets governancev1alpha1.TaskTargets
		want    int
	}{
		{"all", governancev1alpha1.TaskTargets{All: true}, snap.Villages.Len()},
		{"county", governancev1alpha1.TaskTargets{Counties: []string{"330302"}}, -1},
		{"villages50", governancev1alpha1.TaskTargets{Villages: fiftyVillages(b)}, 50},
	}
	for _, c := range cases {
		b.Run(c.name, func(b *testing.B) {
			task := benchTask(c.targets)
			v := rules.EvaluateTask(task, tjj(), snap)
			if !v.Allowed() || v.TargetVillages == 0 || c.want > 0 && v.TargetVillages != c.want {
				b.Fatalf("want %d villages admitted, got %d and %v", c.want, v.TargetVillages, v.Errs)
			}
			b.ReportAllocs()
			for b.Loop() {
				rules.EvaluateTask(task, tjj(), snap)
			}
		})
	}
}

// BenchmarkRefuseUnlistedTask is the slow path: an item not on the lists,
// refused with the three published items whose titles are closest.
func BenchmarkRefuseUnlistedTask(b *testing.B) {
	snap := publishedOnce{Memory: taskCity(b)}
	snap.titles = snap.Memory.PublishedItems("")
	task := benchTask(governancev1alpha1.TaskTargets{All: true})
	task.Spec.ItemRef, task.Spec.Title = "census-extra-forms", "人口普查入户信息补充采集"
	v := rules.EvaluateTask(task, tjj(), snap)
	if v.Allowed() || len(v.Errs) != 1 || v.Errs[0].Type != "FieldValueNotFound" {
		b.Fatalf("want one refusal of the unlisted item, got %v", v.Errs)
	}
	b.ReportAllocs()
	for b.Loop() {
		rules.EvaluateTask(task, tjj(), snap)
	}
}

// publishedOnce answers PublishedItems from a list made once, as the
// webhook's index does (it memoises them per revision), so the benchmark
// times the rules and not Memory's sorting of the revision.
type publishedOnce struct {
	*rules.Memory
	titles []rules.ItemTitle
}

func (p publishedOnce) PublishedItems(string) []rules.ItemTitle { return p.titles }
