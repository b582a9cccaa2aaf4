package cli

import (
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/spf13/cobra"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/yaml"

	governancev1alpha1 "github.com/cunshe/cunshe-operator/api/v1alpha1"
	"github.com/cunshe/cunshe-operator/internal/publish"
	"github.com/cunshe/cunshe-operator/internal/tenant"
)

// chineseOrdinals number the six lists as an official document does.
var chineseOrdinals = []string{"一", "二", "三", "四", "五", "六", "七", "八", "九", "十"}

// heldLists is what `lists -o json|yaml` prints: the village and the lists
// it holds, as the operator published them into its lists ConfigMap.
type heldLists struct {
	metav1.TypeMeta `json:",inline"`
	// Village is the village; its name is empty for a reader who may not
	// read Villages.
	Village              heldListsVillage `json:"village"`
	publish.VillageLists `json:",inline"`
}

type heldListsVillage struct {
	Code     string                         `json:"code"`
	Name     string                         `json:"name,omitempty"`
	Type     governancev1alpha1.VillageType `json:"type,omitempty"`
	County   governancev1alpha1.Division    `json:"county"`
	Township governancev1alpha1.Division    `json:"township"`
}

func (l *heldLists) DeepCopyObject() runtime.Object { return deepCopyResult(l) }

// objectRefs are the ListItems the village holds.
func (l *heldLists) objectRefs() []runtime.Object {
	var refs []runtime.Object
	for _, g := range l.Lists {
		for _, it := range g.Items {
			refs = append(refs, objectRef("ListItem", "", it.Name))
		}
	}
	return refs
}

func newListsCommand() *cobra.Command {
	var k *clusterFlags
	var p *printFlags
	cmd := &cobra.Command{
		Use:   "lists VILLAGE [-o json|yaml|name]",
		Short: "某村（社区）的清单 / the lists a village holds",
		Long: `读取村（社区）租户命名空间中的 cunshe-lists ConfigMap，按村社干部阅读的方式列出本村（社区）可被要求办理的事项：
六张清单按规定顺序，逐项列出名称、内容、村（社区）角色（准入事项：承担或协助）、经费保障（准入事项，S20）、
依据、责任部门、是否可上墙公示，小微权力事项附运行流程（【公示】为公开公示环节）。VILLAGE 为 12 位区划代码或村社名称
（重名时须用代码）。-o json|yaml 输出 VillageLists（村社及 ConfigMap 中 lists.yaml 的内容），-o name 列出所含事项。
尚未收到清单版本时退出码 1。

Reads the cunshe-lists ConfigMap in the village's tenant namespace and
prints, in Chinese as the village's cadres read it, what the village may be
asked to do: the six lists in their official order, each item with its
title, content, the village's role (Admission: undertake or assist), its
funding (Admission, S20: who pays the village, and whether the money
follows the work), basis,
responsible departments, whether it may be posted on the wall, and for
micro-powers the flow (【公示】 marks a public notice). VILLAGE is the
12-digit division code or the village's name (a name several villages share
needs the code). -o json|yaml prints a VillageLists: the village and the
content of the ConfigMap's lists.yaml; -o name the ListItems it holds. Exit
code 1 when the village holds no list revision yet.`,
		Example: `  kubectl cunshe lists 330302006044
  kubectl cunshe lists 鼓楼社区
  kubectl cunshe lists 330324108207 -o yaml
  kubectl cunshe lists 330324108207 -o name`,
		Args: exactArgs("VILLAGE"),
		RunE: func(cmd *cobra.Command, args []string) error {
			pr, err := p.printer(cmd)
			if err != nil {
				return err
			}
			return villageLists(cmd, k, args[0], func(v *governancev1alpha1.Village, lists *publish.VillageLists) error {
				if pr == nil {
					_, err := io.WriteString(cmd.OutOrStdout(), listsText(v, lists))
					return err
				}
				return p.printObjects(cmd.OutOrStdout(), pr, &heldLists{TypeMeta: resultType("VillageLists"),
					Village:      heldListsVillage{Code: v.Spec.Code, Name: v.Spec.Name, Type: v.Spec.Type, County: v.Spec.County, Township: v.Spec.Township},
					VillageLists: *lists})
			})
		},
	}
	k = addClusterFlags(cmd, false)
	p = addPrintFlags(cmd, true)
	cmd.ValidArgsFunction = completeArgs(1, completeFromCluster(k, listVillageCandidates))
	return cmd
}

func villageLists(cmd *cobra.Command, k *clusterFlags, arg string, show func(*governancev1alpha1.Village, *publish.VillageLists) error) error {
	ctx := cmd.Context()
	c, err := k.connect(cmd)
	if err != nil {
		return err
	}
	v, err := findVillage(ctx, cmd, c, arg)
	// Village cadres may read their lists ConfigMap and nothing
	// cluster-wide (cunshe-village role): by code, the lists still show.
	anonymous := err != nil && villageCode.MatchString(arg) && apierrors.IsForbidden(err)
	if anonymous {
		v = &governancev1alpha1.Village{Spec: governancev1alpha1.VillageSpec{Code: arg}}
	} else if err != nil {
		return err
	}
	cm := &corev1.ConfigMap{}
	key := client.ObjectKey{Namespace: governancev1alpha1.TenantNamespaceName(v.Spec.Code), Name: tenant.ListsConfigMap}
	if err := getObject(ctx, c, key, cm, "村社清单 ConfigMap", "lists ConfigMap"); err != nil {
		if apierrors.IsNotFound(err) {
			err = fmt.Errorf("%w（%s的租户可能尚未开通 / %s's tenant may not be provisioned yet）", err, villageLabel(v), villageLabel(v))
		}
		return err
	}
	if anonymous {
		v.Spec.County.Code = cm.Labels[governancev1alpha1.LabelCounty]
		v.Spec.Township.Code = cm.Labels[governancev1alpha1.LabelTownship]
		v.Spec.Type = governancev1alpha1.VillageType(cm.Labels[governancev1alpha1.LabelVillageType])
		_, _ = fmt.Fprintf(cmd.ErrOrStderr(), "无权读取村社登记（Village），名称从略 / may not read Villages: names are left out\n")
	}
	data, ok, err := publish.Load(cm)
	if err != nil {
		return fmt.Errorf("无法解压 %s/%s 的清单 / unpacking the lists of %s/%s: %w", key.Namespace, key.Name, key.Namespace, key.Name, err)
	}
	if cm.Annotations[publish.AnnotationRevision] == "" || !ok {
		return fmt.Errorf("%s尚未收到清单版本 / %s holds no list revision yet (ConfigMap %s/%s)", villageLabel(v), villageLabel(v), key.Namespace, key.Name)
	}
	var lists publish.VillageLists
	if err := yaml.Unmarshal([]byte(data), &lists); err != nil {
		return fmt.Errorf("无法解析 %s/%s 的 %s / parsing %s of %s/%s: %w", key.Namespace, key.Name, publish.DataKey, publish.DataKey, key.Namespace, key.Name, err)
	}
	return show(v, &lists)
}

// divisionLabel is a division's name, or its code when the name is unknown.
func divisionLabel(d governancev1alpha1.Division) string {
	if d.Name != "" {
		return d.Name
	}
	return d.Code
}

// listsText is the village's lists as its cadres read them.
func listsText(v *governancev1alpha1.Village, l *publish.VillageLists) string {
	var b strings.Builder
	kind, self := "村", "本村"
	switch v.Spec.Type {
	case governancev1alpha1.TypeCommunity:
		kind, self = "社区", "本社区"
	case "":
		kind, self = "村（社区）", "本村（社区）"
	}
	name := v.Spec.Name
	if name == "" {
		name = "村社 " + v.Spec.Code
	}
	fmt.Fprintf(&b, "%s（%s）\n", name, kind)
	fmt.Fprintf(&b, "所属：%s %s\n", divisionLabel(v.Spec.County), divisionLabel(v.Spec.Township))
	fmt.Fprintf(&b, "区划代码：%s\n", v.Spec.Code)
	fmt.Fprintf(&b, "清单版本：第 %d 版\n", l.Revision)

	groups := map[governancev1alpha1.ListKind]publish.ListGroup{}
	var lists []governancev1alpha1.ListKind
	for _, g := range l.Lists {
		groups[g.List] = g
		if !slices.Contains(governancev1alpha1.Lists, g.List) {
			lists = append(lists, g.List) // a list this CLI does not know yet: last
		}
	}
	lists = append(slices.Clone(governancev1alpha1.Lists), lists...)
	flows := map[string]publish.Flow{}
	for _, f := range l.Flows {
		flows[f.Name] = f
	}
	for i, kindOfList := range lists {
		g := groups[kindOfList]
		title := g.Title
		if title == "" {
			title = governancev1alpha1.ListTitles[kindOfList]
		}
		if title == "" {
			title = string(kindOfList)
		}
		ordinal := fmt.Sprint(i + 1)
		if i < len(chineseOrdinals) {
			ordinal = chineseOrdinals[i]
		}
		if len(g.Items) == 0 {
			fmt.Fprintf(&b, "\n%s、%s：%s无此类事项\n", ordinal, title, self)
			continue
		}
		fmt.Fprintf(&b, "\n%s、%s（共 %d 项）\n", ordinal, title, len(g.Items))
		for n, it := range g.Items {
			writeListItem(&b, n+1, kindOfList, it, flows)
		}
	}
	b.WriteString("\n" + refusalLine + "\n")
	return b.String()
}

// writeListItem writes one numbered item with its details indented.
func writeListItem(b *strings.Builder, n int, list governancev1alpha1.ListKind, it publish.Item, flows map[string]publish.Flow) {
	num := fmt.Sprintf("  %d. ", n)
	indent := strings.Repeat(" ", len(num))
	fmt.Fprintf(b, "%s%s\n", num, it.Title)
	line := func(s string) { fmt.Fprintf(b, "%s%s\n", indent, s) }
	if it.Content != "" {
		line("内容：" + it.Content)
	}
	if list == governancev1alpha1.ListAdmission {
		switch it.VillageRole {
		case governancev1alpha1.RoleUndertake:
			line("村（社区）角色：承担")
		case governancev1alpha1.RoleAssist:
			line("村（社区）角色：协助")
		}
		line("经费保障：" + publish.FundingText(it.Funding))
	}
	if it.Basis != "" {
		line("依据：" + it.Basis)
	}
	if len(it.ResponsibleDepartments) > 0 {
		line("责任部门：" + strings.Join(it.ResponsibleDepartments, "、"))
	}
	if it.ResidentFacing {
		line("可上墙公示")
	}
	if it.Flow == "" {
		return
	}
	f, ok := flows[it.Flow]
	if !ok {
		line("运行流程：" + it.Flow + "（未随清单下发）")
		return
	}
	if chain, ok := linearFlow(f); ok {
		line("运行流程：" + strings.Join(chain, " → "))
		return
	}
	line("运行流程：")
	for _, s := range flowOutline(f) {
		line("  " + s)
	}
}

// stepLabel is a step's name, marked 【公示】 when it makes something public.
func stepLabel(s governancev1alpha1.FlowStep) string {
	if s.PublicNotice {
		return "【公示】" + s.Name
	}
	return s.Name
}

// linearFlow is the flow as one chain from start to its end, when it is
// one: every step has at most one next and the chain visits all of them.
func linearFlow(f publish.Flow) ([]string, bool) {
	steps := map[string]governancev1alpha1.FlowStep{}
	for _, s := range f.Steps {
		steps[s.ID] = s
	}
	var chain []string
	seen := map[string]bool{}
	for id := f.Start; id != ""; {
		s, ok := steps[id]
		if !ok || seen[id] || len(s.Next) > 1 {
			return nil, false
		}
		seen[id] = true
		chain = append(chain, stepLabel(s))
		id = ""
		if len(s.Next) == 1 {
			id = s.Next[0]
		}
	}
	return chain, len(chain) == len(f.Steps)
}

// flowOutline numbers a branching flow's steps in the order they are
// reached from the start, each with the steps that may follow it.
func flowOutline(f publish.Flow) []string {
	steps := map[string]governancev1alpha1.FlowStep{}
	for _, s := range f.Steps {
		steps[s.ID] = s
	}
	order := []string{}
	number := map[string]int{}
	visit := func(id string) {
		if _, ok := steps[id]; ok && number[id] == 0 {
			order = append(order, id)
			number[id] = len(order)
		}
	}
	visit(f.Start)
	for i := 0; i < len(order); i++ {
		for _, n := range steps[order[i]].Next {
			visit(n)
		}
	}
	for _, s := range f.Steps { // unreachable steps, which P1 forbids, still show
		visit(s.ID)
	}
	out := make([]string, len(order))
	for i, id := range order {
		s := steps[id]
		next := make([]string, 0, len(s.Next))
		for _, n := range s.Next {
			if number[n] > 0 {
				next = append(next, fmt.Sprint(number[n]))
			} else {
				next = append(next, n)
			}
		}
		then := "→ 结束"
		if len(next) > 0 {
			then = "→ " + strings.Join(next, " 或 ")
		}
		out[i] = fmt.Sprintf("(%d) %s %s", i+1, stepLabel(s), then)
	}
	return out
}
