package cli

import (
	"cmp"
	"context"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/spf13/cobra"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/cli-runtime/pkg/printers"
	"sigs.k8s.io/controller-runtime/pkg/client"

	governancev1alpha1 "github.com/cunshe/cunshe-operator/api/v1alpha1"
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

// villageTasks is what `tasks -o json|yaml` prints.
type villageTasks struct {
	metav1.TypeMeta `json:",inline"`
	Village         struct {
		Code string `json:"code"`
		Name string `json:"name"`
	} `json:"village"`
	Tasks []governancev1alpha1.TaskStanding `json:"tasks"`
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
		Long: `列出派发给该村（社区）的任务（任务对象按村、按县或全部指向它，且所依据的事项适用于该村（社区），规则与准入相同），
读取系统在本村（社区）命名空间中维护的任务汇总（TaskInbox cunshe-tasks），村社干部以本人身份即可读取，
无需读取部门或其他村（社区）的对象；按村社干部阅读的方式给出：任务、部门、类型、依据事项、村（社区）角色、期限、审计状态、紧急豁免及其截止时间（北京时间），
未准入的任务附第一条审计结论。VILLAGE 为 12 位区划代码或村社名称（重名时须用代码）。-o json|yaml 供程序读取，
-o name 列出任务。试点期间告警放行的任务（Jurisdiction spec.admission.overrides）状态标注“试点告警 warn”，并附审计结论。

Lists the tasks that reach the village (their targets name it, its
county, or all villages, and the item they cite applies to it: the rule
admission uses), from the TaskInbox cunshe-tasks the operator keeps in
the village's tenant, which its cadres read as themselves, without
reading any department's objects or another village's; as the cadres
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
	v := &governancev1alpha1.Village{Spec: governancev1alpha1.VillageSpec{Code: arg}}
	if !villageCode.MatchString(arg) { // a name: find its code among the Villages
		if v, err = findVillage(ctx, cmd, c, arg); err != nil {
			return err
		}
	}
	inbox, err := readInbox(ctx, c, v)
	if err != nil {
		return err
	}
	doc := &villageTasks{TypeMeta: resultType("VillageTasks"), Tasks: inbox.Status.Tasks}
	if doc.Tasks == nil {
		doc.Tasks = []governancev1alpha1.TaskStanding{}
	}
	v.Spec.Name = cmp.Or(inbox.Status.Village.Name, v.Spec.Name)
	doc.Village.Code, doc.Village.Name = v.Spec.Code, v.Spec.Name
	if inbox.Status.Truncated {
		_, _ = fmt.Fprintf(cmd.ErrOrStderr(), "只列出前 %d 项，共 %d 项 / only the first %d of %d tasks are listed\n",
			len(doc.Tasks), inbox.Status.TasksTotal, len(doc.Tasks), inbox.Status.TasksTotal)
	}
	if pr != nil {
		return p.printObjects(cmd.OutOrStdout(), pr, doc)
	}
	return writeTasksText(cmd.OutOrStdout(), v, doc.Tasks)
}

// readInbox reads the TaskInbox the operator keeps in v's tenant. The
// operator writes one once a task reaches the village: without one, a
// village that exists has no task (a reader who may not read Villages, a
// village's cadre, is told so too), and a code that names no village is an
// error.
func readInbox(ctx context.Context, c client.Reader, v *governancev1alpha1.Village) (*governancev1alpha1.TaskInbox, error) {
	inbox := &governancev1alpha1.TaskInbox{}
	key := client.ObjectKey{Namespace: governancev1alpha1.TenantNamespaceName(v.Spec.Code), Name: governancev1alpha1.TaskInboxName}
	err := getObject(ctx, c, key, inbox, "村社任务汇总", "TaskInbox")
	if !apierrors.IsNotFound(err) {
		return inbox, err
	}
	if v.Spec.Name == "" { // not read yet: does the village exist?
		err := getObject(ctx, c, client.ObjectKey{Name: v.Spec.Code}, v, "村社", "Village")
		if err != nil && !apierrors.IsForbidden(err) {
			return nil, err
		}
	}
	return &governancev1alpha1.TaskInbox{}, nil
}

// writeTasksText writes the tasks as the village's cadres read them.
func writeTasksText(w io.Writer, v *governancev1alpha1.Village, tasks []governancev1alpha1.TaskStanding) error {
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
func phaseText(t governancev1alpha1.TaskStanding) string {
	if t.Action == governancev1alpha1.AdmissionWarn {
		return taskPhaseNames[t.Phase] + "（试点告警 warn）"
	}
	return taskPhaseNames[t.Phase]
}

// emergencyText is the exemption's category and end, Beijing time.
func emergencyText(e *governancev1alpha1.EmergencyStanding) string {
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
