package cli

import (
	"cmp"
	"context"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/cli-runtime/pkg/printers"
	"sigs.k8s.io/controller-runtime/pkg/client"

	governancev1alpha1 "github.com/cunshe/cunshe-operator/api/v1alpha1"
	"github.com/cunshe/cunshe-operator/internal/rules"
)

// chinaTime is the time the cadres read: China keeps UTC+8 all year.
var chinaTime = time.FixedZone("UTC+8", 8*60*60)

// Chinese names of the task fields the tasks table shows.
var (
	taskTypeNames = map[governancev1alpha1.TaskType]string{
		governancev1alpha1.TaskWork:                  "工作事项",
		governancev1alpha1.TaskWallPosting:           "上墙公示",
		governancev1alpha1.TaskPaperLedgerInspection: "纸质台账检查",
		governancev1alpha1.TaskExclusiveRoomUse:      "场所排他使用",
	}
	roleNames = map[governancev1alpha1.VillageRole]string{
		governancev1alpha1.RoleUndertake: "承担",
		governancev1alpha1.RoleAssist:    "协助",
	}
	taskPhaseNames = map[governancev1alpha1.TaskPhase]string{
		governancev1alpha1.TaskAdmitted:     "已准入",
		governancev1alpha1.TaskNonCompliant: "不符合清单",
		governancev1alpha1.TaskViolation:    "违规",
		governancev1alpha1.TaskExpired:      "已失效",
		"":                                  "待审计",
	}
	emergencyNames = map[governancev1alpha1.EmergencyCategory]string{
		governancev1alpha1.EmergencyLifeSafety:     "生命安全",
		governancev1alpha1.EmergencyPropertySafety: "财产安全",
		governancev1alpha1.EmergencyPublicSafety:   "公共安全",
	}
)

// taskStanding is one task as tasks prints it; its JSON is -o json's.
type taskStanding struct {
	Namespace  string                         `json:"namespace"`
	Name       string                         `json:"name"`
	Department string                         `json:"department"`
	Title      string                         `json:"title"`
	Type       governancev1alpha1.TaskType    `json:"type"`
	Item       string                         `json:"item,omitempty"`
	Role       governancev1alpha1.VillageRole `json:"role,omitempty"`
	Due        string                         `json:"due,omitempty"`
	Phase      governancev1alpha1.TaskPhase   `json:"phase"`
	// Action is Warn for a task admitted under a pilot's Warn although it
	// breaks the lists (status.admissionAction).
	Action    governancev1alpha1.AdmissionAction `json:"action,omitempty"`
	Emergency *emergencyStanding                 `json:"emergency,omitempty"`
	// Finding is why a task that is not Admitted (or is, under Warn) stands where it does.
	Finding string `json:"finding,omitempty"`
}

type emergencyStanding struct {
	Category governancev1alpha1.EmergencyCategory `json:"category"`
	Expires  *time.Time                           `json:"expires,omitempty"`
}

// villageTasks is what `tasks -o json|yaml` prints.
type villageTasks struct {
	metav1.TypeMeta `json:",inline"`
	Village         struct {
		Code string `json:"code"`
		Name string `json:"name"`
	} `json:"village"`
	Tasks []taskStanding `json:"tasks"`
}

func (d *villageTasks) DeepCopyObject() runtime.Object { return deepCopyResult(d) }

// objectRefs are the tasks that reach the village.
func (d *villageTasks) objectRefs() []runtime.Object {
	refs := make([]runtime.Object, len(d.Tasks))
	for i, t := range d.Tasks {
		refs[i] = objectRef("Task", t.Namespace, t.Name)
	}
	return refs
}

func newTasksCommand() *cobra.Command {
	var k *clusterFlags
	var p *printFlags
	cmd := &cobra.Command{
		Use:   "tasks VILLAGE [-o json|yaml|name]",
		Short: "派发给某村（社区）的任务及其状态 / the tasks that reach a village, and their standing",
		Long: `列出各部门命名空间中派发给该村（社区）的任务（任务对象按村、按县或全部指向它，且所依据的事项适用于该村（社区），规则与准入相同），
按村社干部阅读的方式给出：任务、部门、类型、依据事项、村（社区）角色、期限、审计状态、紧急豁免及其截止时间（北京时间），
未准入的任务附第一条审计结论。VILLAGE 为 12 位区划代码或村社名称（重名时须用代码）。-o json|yaml 供程序读取，
-o name 列出任务。试点期间告警放行的任务（Jurisdiction spec.admission.overrides）状态标注“试点告警 warn”，并附审计结论。

Lists the tasks of every department's namespace that reach the village
(their targets name it, its county, or all villages, and the item they
cite applies to it: the rule admission uses), as the village's cadres
read them: task, department, type, list
item, the village's role, due date, the audit's phase, the emergency
exemption and when it ends (Beijing time), and for a task that is not
Admitted the audit's first finding. VILLAGE is the 12-digit division code
or the village's name (a name several villages share needs the code).
-o json|yaml is for programs, -o name lists the tasks. A task admitted
under a pilot's Warn (Jurisdiction spec.admission.overrides) reads
"试点告警 warn" beside its phase, with its finding.`,
		Example: `  kubectl cunshe tasks 330302006044
  kubectl cunshe tasks 鼓楼社区 -o json`,
		Args: exactArgs("VILLAGE"),
		RunE: func(cmd *cobra.Command, args []string) error {
			pr, err := p.printer(cmd)
			if err != nil {
				return err
			}
			return listVillageTasks(cmd, k, p, pr, args[0])
		},
	}
	k = addClusterFlags(cmd, false)
	p = addPrintFlags(cmd, true)
	cmd.ValidArgsFunction = completeArgs(1, completeFromCluster(k, listVillageCandidates))
	return cmd
}

func listVillageTasks(cmd *cobra.Command, k *clusterFlags, p *printFlags, pr printers.ResourcePrinter, arg string) error {
	ctx := cmd.Context()
	c, err := k.connect(cmd)
	if err != nil {
		return err
	}
	v, err := findVillage(ctx, cmd, c, arg)
	if err != nil {
		return err
	}
	tasks := &governancev1alpha1.TaskList{}
	if err := listObjects(ctx, c, tasks, "任务", "Task"); err != nil {
		return err
	}
	items, juris, err := readReach(ctx, c)
	if err != nil {
		return err
	}
	doc := &villageTasks{TypeMeta: resultType("VillageTasks"), Tasks: tasksReaching(tasks.Items, v, items, juris)}
	doc.Village.Code, doc.Village.Name = v.Spec.Code, v.Spec.Name
	if pr != nil {
		return p.printObjects(cmd.OutOrStdout(), pr, doc)
	}
	return writeTasksText(cmd.OutOrStdout(), v, doc.Tasks)
}

// readReach reads what decides, beside a task's targets, whether it
// reaches a village: the items the tasks cite and the jurisdictions.
func readReach(ctx context.Context, c client.Reader) (map[string]*governancev1alpha1.ListItem, rules.Jurisdictions, error) {
	items := &governancev1alpha1.ListItemList{}
	if err := listObjects(ctx, c, items, "清单事项", "ListItem"); err != nil {
		return nil, rules.Jurisdictions{}, err
	}
	juris := &governancev1alpha1.JurisdictionList{}
	if err := listObjects(ctx, c, juris, "辖区", "Jurisdiction"); err != nil {
		return nil, rules.Jurisdictions{}, err
	}
	byName := make(map[string]*governancev1alpha1.ListItem, len(items.Items))
	for i := range items.Items {
		byName[items.Items[i].Name] = &items.Items[i]
	}
	return byName, rules.NewJurisdictions(juris.Items), nil
}

// tasksReaching is the standing of the tasks that reach v (rules.TaskReaches:
// their targets name it and their item applies to it), by namespace and name.
func tasksReaching(tasks []governancev1alpha1.Task, v *governancev1alpha1.Village, items map[string]*governancev1alpha1.ListItem, juris rules.Jurisdictions) []taskStanding {
	out := []taskStanding{}
	place := rules.PlaceOf(v)
	for i := range tasks {
		if t := &tasks[i]; rules.TaskReaches(t, items[t.Spec.ItemRef], place, juris) {
			out = append(out, standingOf(&tasks[i]))
		}
	}
	slices.SortFunc(out, func(a, b taskStanding) int {
		return cmp.Or(cmp.Compare(a.Namespace, b.Namespace), cmp.Compare(a.Name, b.Name))
	})
	return out
}

func standingOf(t *governancev1alpha1.Task) taskStanding {
	s := taskStanding{
		Namespace: t.Namespace, Name: t.Name, Title: t.Spec.Title,
		Department: cmp.Or(t.Status.Department, t.Labels[governancev1alpha1.LabelDepartment]),
		Type:       cmp.Or(t.Spec.Type, governancev1alpha1.TaskWork),
		Item:       t.Spec.ItemRef, Role: t.Spec.VillageRole, Due: t.Spec.Due, Phase: t.Status.Phase,
		Action: t.Status.AdmissionAction,
	}
	if e := t.Spec.Emergency; e != nil {
		s.Emergency = &emergencyStanding{Category: e.Category}
		if e.Expires != nil {
			expires := e.Expires.UTC()
			s.Emergency.Expires = &expires
		}
	}
	if (s.Phase != governancev1alpha1.TaskAdmitted && s.Phase != "") || s.Action == governancev1alpha1.AdmissionWarn {
		s.Finding = firstFinding(t)
	}
	return s
}

// firstFinding is the audit's first finding or, for a standing that has
// none (an upheld report, an expired emergency), the Ready condition's message.
func firstFinding(t *governancev1alpha1.Task) string {
	if len(t.Status.Findings) > 0 {
		return t.Status.Findings[0]
	}
	if c := meta.FindStatusCondition(t.Status.Conditions, governancev1alpha1.ReadyCondition); c != nil {
		return c.Message
	}
	return ""
}

// writeTasksText writes the tasks as the village's cadres read them.
func writeTasksText(w io.Writer, v *governancev1alpha1.Village, tasks []taskStanding) error {
	var b strings.Builder
	fmt.Fprintf(&b, "%s收到的任务：共 %d 项\n", villageLabel(v), len(tasks))
	if len(tasks) > 0 {
		b.WriteByte('\n')
		rows := [][]string{{"任务", "部门", "类型", "依据事项", "角色", "期限", "状态", "紧急豁免", "标题"}}
		for _, t := range tasks {
			rows = append(rows, []string{t.Namespace + "/" + t.Name, dash(t.Department), taskTypeNames[t.Type], dash(t.Item),
				dash(roleNames[t.Role]), dash(t.Due), phaseText(t), emergencyText(t.Emergency), t.Title})
		}
		if err := writeTable(&b, "", rows); err != nil {
			return err
		}
	}
	var findings []string
	for _, t := range tasks {
		if t.Finding != "" {
			findings = append(findings, fmt.Sprintf("  %s/%s（%s）：%s", t.Namespace, t.Name, phaseText(t), t.Finding))
		}
	}
	if len(findings) > 0 {
		b.WriteString("\n说明：\n" + strings.Join(findings, "\n") + "\n")
	}
	fmt.Fprintf(&b, "\n%s\n反映：kubectl cunshe report %s --reason 事由 --task 命名空间/任务\n", refusalLine, v.Spec.Code)
	_, err := io.WriteString(w, b.String())
	return err
}

// phaseText is the task's phase as the cadres read it; a task admitted
// under a pilot's Warn says so.
func phaseText(t taskStanding) string {
	if t.Action == governancev1alpha1.AdmissionWarn {
		return taskPhaseNames[t.Phase] + "（试点告警 warn）"
	}
	return taskPhaseNames[t.Phase]
}

// emergencyText is the exemption's category and end, Beijing time.
func emergencyText(e *emergencyStanding) string {
	switch {
	case e == nil:
		return "—"
	case e.Expires == nil:
		return emergencyNames[e.Category]
	}
	return emergencyNames[e.Category] + "，至 " + e.Expires.In(chinaTime).Format("2006-01-02 15:04")
}

// dash is s, or a dash for a field left empty.
func dash(s string) string {
	return cmp.Or(s, "—")
}
