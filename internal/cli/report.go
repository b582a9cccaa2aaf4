package cli

import (
	"fmt"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"k8s.io/apimachinery/pkg/util/validation"
	"k8s.io/cli-runtime/pkg/printers"
	"sigs.k8s.io/controller-runtime/pkg/client"

	governancev1alpha1 "github.com/cunshe/cunshe-operator/api/v1alpha1"
)

// reportReasons are the reasons a report may give (S8), in the API's order,
// with the Chinese the output shows.
var reportReasons = []struct {
	reason governancev1alpha1.ReportReason
	zh     string
}{
	{governancev1alpha1.ReportReasonNotListed, "清单外事项"},
	{governancev1alpha1.ReportReasonScopeEnlarged, "擅自扩大范围"},
	{governancev1alpha1.ReportReasonDutyShifted, "转嫁责任"},
	{governancev1alpha1.ReportReasonWallPosting, "违规上墙"},
	{governancev1alpha1.ReportReasonPaperLedger, "纸质台账"},
	{governancev1alpha1.ReportReasonOther, "其他"},
}

// reportOptions are report's flags.
type reportOptions struct {
	reason, task, department, demand, date, details, name string
	dryRun                                                bool
	kube                                                  *clusterFlags
	print                                                 *printFlags
}

func newReportCommand() *cobra.Command {
	var o reportOptions
	cmd := &cobra.Command{
		Use: "report VILLAGE --reason REASON (--task NAMESPACE/NAME | --department ID --demand TEXT [--date YYYY-MM-DD]) " +
			"[--details TEXT] [--name NAME] [--dry-run] [-o json|yaml|name]",
		Short: "村（社区）拒绝并反映 / file a village's refusal and report (S8)",
		Long: `在村（社区）的租户命名空间 village-<代码> 中提交 Report（S8）：拒绝某项任务（--task），
或反映清单外的要求（--department、--demand、--date）。准入服务决定是否受理：只有本村（社区）干部
（组 cunshe:village:<代码>）可以提交，所拒绝的任务须派发给本村（社区）；被拒绝时原样输出 API 的中英文说明，退出码 1。
未给 --name 时按事由和任务（或部门、日期）生成名称，重名时加 -2、-3。--dry-run 只输出 YAML（可提交到 GitOps 仓库），
VILLAGE 为区划代码时不连接集群。-o json|yaml|name 输出所提交（或 --dry-run 时将提交）的 Report 对象。
事由 / reasons: NotListed, ScopeEnlarged, DutyShifted, WallPosting, PaperLedger, Other。

Files a Report (S8) in the village's tenant namespace village-<code>: the
refusal of a task (--task), or of an unlisted demand (--department,
--demand, --date). Admission decides: only the village's own cadres (group
cunshe:village:<code>) file its reports, and a task refused must reach the
village; a refusal is printed as the API gives it, in Chinese and English,
with exit code 1. Without --name the report is named after the reason and
the task (or the department and date), with -2, -3 … when taken. --dry-run
prints the YAML instead (for a GitOps repository) and, for a village code,
does not contact the cluster. -o json|yaml|name prints the Report filed (or,
with --dry-run, to be filed) as the API prints objects. Use --as and
--as-group to act as a cadre.`,
		Example: `  kubectl cunshe report 330302006044 --reason ScopeEnlarged --task dept-tjj/census-2026 \
      --details "要求村里额外填报 3 张表，超出协助入户登记的范围"
  kubectl cunshe report 鼓楼社区 --reason NotListed --department tjj --demand "电话要求上报辖区商户名单" --date 2026-11-20
  kubectl cunshe report 330302006044 --reason NotListed --department tjj --demand "…" --dry-run > report.yaml`,
		Args:                  exactArgs("VILLAGE"),
		DisableFlagsInUseLine: true, // Use lists them
		RunE: func(cmd *cobra.Command, args []string) error {
			r, err := o.report(cmd)
			if err != nil {
				return err
			}
			pr, err := o.print.printer(cmd)
			if err != nil {
				return err
			}
			return fileReport(cmd, args[0], r, o, pr)
		},
	}
	f := cmd.Flags()
	f.StringVar(&o.reason, "reason", "", "事由 / reason: NotListed|ScopeEnlarged|DutyShifted|WallPosting|PaperLedger|Other")
	f.StringVar(&o.task, "task", "", "所拒绝的任务 / the task refused: NAMESPACE/NAME")
	f.StringVar(&o.department, "department", "", "提出清单外要求的部门编号 / the department that made an unlisted demand")
	f.StringVar(&o.demand, "demand", "", "所提要求 / what was demanded")
	f.StringVar(&o.date, "date", "", "提出要求的日期 / when it was demanded: YYYY-MM-DD")
	f.StringVar(&o.details, "details", "", "具体情况 / the village's account")
	f.StringVar(&o.name, "name", "", "反映名称，默认按事由生成 / the report's name, default: made from the reason")
	f.BoolVar(&o.dryRun, "dry-run", false, "只输出 YAML，不提交 / print the YAML, file nothing")
	o.kube = addClusterFlags(cmd, false)
	o.print = addPrintFlags(cmd, true)
	cmd.ValidArgsFunction = completeArgs(1, completeFromCluster(o.kube, listVillageCandidates))
	_ = cmd.RegisterFlagCompletionFunc("reason", completeWords(reasonNames()...))
	return cmd
}

// report is the Report the flags describe, without its namespace; a
// command line that cannot describe one is a usage error.
func (o reportOptions) report(cmd *cobra.Command) (*governancev1alpha1.Report, error) {
	if err := requireFlags(cmd, "reason"); err != nil {
		return nil, err
	}
	reason, err := parseReason(o.reason)
	if err != nil {
		return nil, usageError(cmd, err)
	}
	r := &governancev1alpha1.Report{Spec: governancev1alpha1.ReportSpec{Reason: reason, Details: o.details}}
	switch {
	case o.task != "" && (o.department != "" || o.demand != "" || o.date != ""):
		return nil, usageError(cmd, fmt.Errorf("--task 与 --department/--demand/--date 只能选一种：反映一项任务，或一项清单外要求 / "+
			"--task and --department/--demand/--date exclude each other: a report is about a task or about an unlisted demand"))
	case o.task != "":
		ns, name, ok := strings.Cut(o.task, "/")
		if !ok || ns == "" || name == "" || strings.Contains(name, "/") {
			return nil, usageError(cmd, fmt.Errorf("--task %q 应为 命名空间/名称 / --task %q should be NAMESPACE/NAME", o.task, o.task))
		}
		r.Spec.TaskRef = &governancev1alpha1.TaskReference{Namespace: ns, Name: name}
	case o.department == "" || o.demand == "":
		return nil, usageError(cmd, fmt.Errorf("须给出 --task，或同时给出 --department 和 --demand / "+
			"give --task, or both --department and --demand"))
	default:
		if o.date != "" {
			if _, err := time.Parse(time.DateOnly, o.date); err != nil {
				return nil, usageError(cmd, fmt.Errorf("--date %q 应为 YYYY-MM-DD / --date %q should be YYYY-MM-DD", o.date, o.date))
			}
		}
		r.Spec.Demand = &governancev1alpha1.Demand{Department: o.department, Description: o.demand, Date: o.date}
	}
	r.Name = o.name
	if r.Name == "" {
		r.Name = reportName(r)
	}
	if errs := validation.IsDNS1123Subdomain(r.Name); len(errs) > 0 {
		return nil, usageError(cmd, fmt.Errorf("名称 %q 无效 / name %q is invalid: %s", r.Name, r.Name, strings.Join(errs, "; ")))
	}
	return r, nil
}

// reasonNames are the reasons a report may give, in the API's order.
func reasonNames() []governancev1alpha1.ReportReason {
	names := make([]governancev1alpha1.ReportReason, len(reportReasons))
	for i, r := range reportReasons {
		names[i] = r.reason
	}
	return names
}

// parseReason accepts a report reason in any case.
func parseReason(s string) (governancev1alpha1.ReportReason, error) {
	names := make([]string, len(reportReasons))
	for i, r := range reportReasons {
		if strings.EqualFold(s, string(r.reason)) {
			return r.reason, nil
		}
		names[i] = string(r.reason)
	}
	return "", fmt.Errorf("事由 %q 无效 / reason %q is invalid; 可选 / use: %s", s, s, strings.Join(names, ", "))
}

// reasonText is the reason with its Chinese name.
func reasonText(reason governancev1alpha1.ReportReason) string {
	for _, r := range reportReasons {
		if r.reason == reason {
			return string(reason) + "（" + r.zh + "）"
		}
	}
	return string(reason)
}

// reportName is a readable name: the reason in kebab case and the task's
// name, or the department and date of the demand.
func reportName(r *governancev1alpha1.Report) string {
	parts := []string{kebab(string(r.Spec.Reason))}
	if ref := r.Spec.TaskRef; ref != nil {
		parts = append(parts, ref.Name)
	} else {
		parts = append(parts, r.Spec.Demand.Department, r.Spec.Demand.Date)
	}
	return dnsName(strings.Join(parts, "-"))
}

// kebab turns ScopeEnlarged into scope-enlarged.
func kebab(s string) string {
	var b strings.Builder
	for i, r := range s {
		if i > 0 && r >= 'A' && r <= 'Z' {
			b.WriteByte('-')
		}
		b.WriteRune(r)
	}
	return strings.ToLower(b.String())
}

// dnsName makes s a DNS subdomain a numbered suffix still fits: lower
// case, other characters dashed, at most 240 characters.
func dnsName(s string) string {
	s = strings.Map(func(r rune) rune {
		switch {
		case r >= 'a' && r <= 'z', r >= '0' && r <= '9', r == '.', r == '-':
			return r
		case r >= 'A' && r <= 'Z':
			return r - 'A' + 'a'
		}
		return '-'
	}, s)
	if len(s) > 240 {
		s = s[:240]
	}
	return strings.Trim(s, "-.")
}

// fileReport puts the report into the village's tenant and says how to follow it.
func fileReport(cmd *cobra.Command, arg string, r *governancev1alpha1.Report, o reportOptions, pr printers.ResourcePrinter) error {
	ctx := cmd.Context()
	code := arg
	var c client.Client
	if !o.dryRun || !villageCode.MatchString(arg) {
		var err error
		if c, err = o.kube.connect(cmd); err != nil {
			return err
		}
	}
	if !villageCode.MatchString(arg) {
		v, err := findVillage(ctx, cmd, c, arg)
		if err != nil {
			return err
		}
		code = v.Spec.Code
	}
	r.Namespace = governancev1alpha1.TenantNamespaceName(code)
	switch {
	case o.dryRun && pr != nil:
		return o.print.printObjects(cmd.OutOrStdout(), pr, r)
	case o.dryRun:
		return writeManifest(cmd, reportManifestOf(r))
	}
	if err := createNamed(ctx, c, r, o.name == ""); err != nil {
		return refused(err, "提交反映", "filing the Report")
	}
	if pr != nil {
		return o.print.printObjects(cmd.OutOrStdout(), pr, r)
	}
	lines := []string{
		fmt.Sprintf("已提交反映 / filed report %s/%s", r.Namespace, r.Name),
		"  事由 / reason:  " + reasonText(r.Spec.Reason),
	}
	if ref := r.Spec.TaskRef; ref != nil {
		lines = append(lines, "  任务 / task:    "+ref.Namespace+"/"+ref.Name)
	} else {
		lines = append(lines, "  要求 / demand:  "+strings.TrimSpace(r.Spec.Demand.Department+" "+r.Spec.Demand.Date)+"："+r.Spec.Demand.Description)
	}
	return say(cmd, append(lines,
		"由联审单位调查处理（S8）/ the review units will decide it (S8); 跟进 / follow it:",
		fmt.Sprintf("  kubectl get villagereport -n %s %s -w", r.Namespace, r.Name))...)
}

// reportManifest is a Report as --dry-run writes it: the API's field order,
// nothing the operator writes. sigs.k8s.io/yaml would sort the keys.
type reportManifest struct {
	APIVersion string       `yaml:"apiVersion"`
	Kind       string       `yaml:"kind"`
	Metadata   manifestMeta `yaml:"metadata"`
	Spec       struct {
		Reason  string           `yaml:"reason"`
		TaskRef *taskRefManifest `yaml:"taskRef,omitempty"`
		Demand  *demandManifest  `yaml:"demand,omitempty"`
		Details string           `yaml:"details,omitempty"`
	} `yaml:"spec"`
}

type taskRefManifest struct {
	Namespace string `yaml:"namespace"`
	Name      string `yaml:"name"`
}

type demandManifest struct {
	Department  string `yaml:"department"`
	Description string `yaml:"description"`
	Date        string `yaml:"date,omitempty"`
}

func reportManifestOf(r *governancev1alpha1.Report) reportManifest {
	m := reportManifest{APIVersion: governancev1alpha1.GroupVersion.String(), Kind: "Report",
		Metadata: manifestMeta{Name: r.Name, Namespace: r.Namespace}}
	m.Spec.Reason, m.Spec.Details = string(r.Spec.Reason), r.Spec.Details
	if ref := r.Spec.TaskRef; ref != nil {
		m.Spec.TaskRef = &taskRefManifest{Namespace: ref.Namespace, Name: ref.Name}
	}
	if d := r.Spec.Demand; d != nil {
		m.Spec.Demand = &demandManifest{Department: d.Department, Description: d.Description, Date: d.Date}
	}
	return m
}
