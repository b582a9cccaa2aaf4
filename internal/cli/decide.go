package cli

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"k8s.io/cli-runtime/pkg/printers"
	"sigs.k8s.io/controller-runtime/pkg/client"

	governancev1alpha1 "github.com/cunshe/cunshe-operator/api/v1alpha1"
)

// reportPhaseNames are the report phases in Chinese.
var reportPhaseNames = map[governancev1alpha1.ReportPhase]string{
	governancev1alpha1.ReportFiled:         "已受理",
	governancev1alpha1.ReportInvestigating: "调查中",
	governancev1alpha1.ReportUpheld:        "属实",
	governancev1alpha1.ReportDismissed:     "不属实",
}

// decideOptions are decide's flags.
type decideOptions struct {
	unit, outcome, findings, name string
	timeout                       time.Duration
	dryRun                        bool
	kube                          *clusterFlags // -n is the report's namespace
	print                         *printFlags
}

func newDecideCommand() *cobra.Command {
	var o decideOptions
	cmd := &cobra.Command{
		Use:   "decide REPORT -n NAMESPACE --unit UNIT --outcome Investigating|Upheld|Dismissed [--findings TEXT] [--timeout 30s] [--dry-run] [-o json|yaml|name]",
		Short: "联审单位处理村（社区）反映 / record a review unit's decision on a village's report (S8)",
		Long: `在反映所在的命名空间中提交 ReportDecision（S8）：联审单位 UNIT 对反映 REPORT 的处理意见，
Investigating（调查中）、Upheld（属实）或 Dismissed（不属实）；认定属实或不属实须写明调查结论 --findings。
只有该单位成员组（ReviewUnit 的 spec.group）的成员可以提交，处理意见提交后不可修改、不可删除。
名称为 <反映>.<单位>，已有时加 -2、-3。提交后等待 operator 更新反映状态（至多 --timeout，0 为不等待），
输出反映的最新状态；超时退出码 1（处理意见已提交，勿重复提交）。被拒绝时原样输出 API 的中英文说明，退出码 1。
--dry-run 只输出 YAML，不连接集群。-o json|yaml|name 输出所提交的 ReportDecision 和更新后的 Report
（两者以 v1 List 输出；--timeout 0、--dry-run 或超时时只有 ReportDecision）。

Records a ReportDecision (S8) beside the report: review unit UNIT's
decision on REPORT, Investigating, Upheld or Dismissed; Upheld and
Dismissed need --findings. Only members of the unit's group (the
ReviewUnit's spec.group) may decide for it, and decisions can be neither
changed nor deleted. It is named <report>.<unit>, with -2, -3 … when the
unit decided before. decide then waits for the operator to update the
report (at most --timeout; 0 does not wait) and prints the report's phase;
a timeout is exit code 1 (the decision is recorded: do not repeat it). A
refusal is printed as the API gives it, in Chinese and English, with exit
code 1. --dry-run prints the YAML and does not contact the cluster.
-o json|yaml|name prints the ReportDecision recorded and the Report once it
followed, as a v1 List (the ReportDecision alone with --timeout 0, with
--dry-run, or when the report did not follow in time).`,
		Example: `  kubectl cunshe decide census-extra-forms -n village-330302006044 --unit mzj --outcome Investigating --as zhao.min --as-group cunshe:unit:mzj
  kubectl cunshe decide census-extra-forms -n village-330302006044 --unit mzj --outcome Upheld \
      --findings "经核实，统计局要求村里额外填报 3 张表，超出协助入户登记的范围"`,
		Args:                  exactArgs("REPORT"),
		DisableFlagsInUseLine: true, // Use lists them
		RunE: func(cmd *cobra.Command, args []string) error {
			d, err := o.decision(cmd, args[0])
			if err != nil {
				return err
			}
			pr, err := o.print.printer(cmd)
			switch {
			case err != nil:
				return err
			case o.dryRun && pr != nil:
				return o.print.printObjects(cmd.OutOrStdout(), pr, d)
			case o.dryRun:
				return writeManifest(cmd, decisionManifestOf(d))
			}
			return recordDecision(cmd, d, o, pr)
		},
	}
	f := cmd.Flags()
	f.StringVar(&o.unit, "unit", "", "联审单位（ReviewUnit 名称）/ the review unit (ReviewUnit name)")
	f.StringVar(&o.outcome, "outcome", "", "处理意见 / outcome: Investigating|Upheld|Dismissed")
	f.StringVar(&o.findings, "findings", "", "调查结论 / what the unit found")
	f.StringVar(&o.name, "name", "", "处理意见名称，默认 <反映>.<单位> / the decision's name, default: <report>.<unit>")
	f.DurationVar(&o.timeout, "timeout", 30*time.Second, "等待反映状态更新的时长，0 为不等待 / how long to wait for the report to follow, 0: do not wait")
	f.BoolVar(&o.dryRun, "dry-run", false, "只输出 YAML，不提交 / print the YAML, record nothing")
	o.kube = addClusterFlags(cmd, true)
	f.Lookup("namespace").Usage = "反映所在的命名空间 / the report's namespace: village-<code>"
	o.print = addPrintFlags(cmd, true)
	cmd.ValidArgsFunction = completeArgs(1, completeFromCluster(o.kube, listReportNames))
	_ = cmd.RegisterFlagCompletionFunc("unit", completeFromCluster(o.kube, listReviewUnitNames))
	_ = cmd.RegisterFlagCompletionFunc("outcome", completeWords(outcomes...))
	return cmd
}

// listReportNames are the reports of the namespace -n names.
func listReportNames(ctx context.Context, c client.Client, cmd *cobra.Command, _ string) ([]cobra.Completion, error) {
	ns, _ := cmd.Flags().GetString("namespace")
	if ns == "" {
		return nil, nil
	}
	list := &governancev1alpha1.ReportList{}
	if err := c.List(ctx, list, client.InNamespace(ns)); err != nil {
		return nil, err
	}
	out := make([]cobra.Completion, 0, len(list.Items))
	for _, r := range list.Items {
		out = append(out, cobra.CompletionWithDesc(r.Name, string(r.Spec.Reason)))
	}
	return out, nil
}

// decision is the ReportDecision the flags describe.
func (o decideOptions) decision(cmd *cobra.Command, report string) (*governancev1alpha1.ReportDecision, error) {
	if err := requireFlags(cmd, "namespace", "unit", "outcome"); err != nil {
		return nil, err
	}
	outcome, err := parseOutcome(o.outcome)
	if err != nil {
		return nil, usageError(cmd, err)
	}
	d := &governancev1alpha1.ReportDecision{Spec: governancev1alpha1.ReportDecisionSpec{
		Report: report, Unit: o.unit, Outcome: outcome, Findings: o.findings}}
	d.Namespace, d.Name = *o.kube.Namespace, o.name
	if d.Name == "" {
		d.Name = report + "." + o.unit
	}
	return d, nil
}

// outcomes are the outcomes a decision may record.
var outcomes = []governancev1alpha1.DecisionOutcome{governancev1alpha1.OutcomeInvestigating, governancev1alpha1.OutcomeUpheld, governancev1alpha1.OutcomeDismissed}

// parseOutcome accepts a decision's outcome in any case.
func parseOutcome(s string) (governancev1alpha1.DecisionOutcome, error) {
	for _, o := range outcomes {
		if strings.EqualFold(s, string(o)) {
			return o, nil
		}
	}
	return "", fmt.Errorf("处理意见 %q 无效，只能是 Investigating、Upheld 或 Dismissed / outcome %q is invalid: use Investigating, Upheld or Dismissed", s, s)
}

// recordDecision creates the decision and waits for the report to list it.
func recordDecision(cmd *cobra.Command, d *governancev1alpha1.ReportDecision, o decideOptions, pr printers.ResourcePrinter) error {
	report := &governancev1alpha1.Report{}
	return recordAndFollow(cmd, o.kube, o.print, pr, o.timeout, followedDecision{
		decision: d, generatedName: o.name == "",
		refusedZh: "提交处理意见", refusedEn: "recording the ReportDecision",
		recorded: func() string {
			return fmt.Sprintf("已提交处理意见 / recorded decision %s/%s：%s %s", d.Namespace, d.Name, d.Spec.Unit, d.Spec.Outcome)
		},
		subject: report, subjectKey: client.ObjectKey{Namespace: d.Namespace, Name: d.Spec.Report},
		subjectZh: "反映", subjectEn: "report", kind: "Report", resource: "villagereport",
		lists: func() bool {
			return slices.ContainsFunc(report.Status.Decisions, func(r governancev1alpha1.ReportDecisionRecord) bool { return r.Decision == d.Name })
		},
		followed: func() []string { return reportFollowed(report) },
	})
}

// reportFollowed is what decide says of the report once it lists the decision.
func reportFollowed(report *governancev1alpha1.Report) []string {
	phase := report.Status.Phase
	lines := []string{fmt.Sprintf("反映 / report %s/%s: %s（%s）", report.Namespace, report.Name, phase, reportPhaseNames[phase])}
	if report.Status.Findings != "" {
		lines = append(lines, "调查结论 / findings: "+report.Status.Findings)
	}
	if ref := report.Spec.TaskRef; ref != nil && phase == governancev1alpha1.ReportUpheld {
		lines = append(lines, fmt.Sprintf("任务 %s/%s 将被标记为违规并通报部门（S19）/ task %s/%s is marked Violation and its department notified (S19)",
			ref.Namespace, ref.Name, ref.Namespace, ref.Name))
	}
	return lines
}

// decisionManifest is a ReportDecision as --dry-run writes it.
type decisionManifest struct {
	APIVersion string       `yaml:"apiVersion"`
	Kind       string       `yaml:"kind"`
	Metadata   manifestMeta `yaml:"metadata"`
	Spec       struct {
		Report   string `yaml:"report"`
		Unit     string `yaml:"unit"`
		Outcome  string `yaml:"outcome"`
		Findings string `yaml:"findings,omitempty"`
	} `yaml:"spec"`
}

func decisionManifestOf(d *governancev1alpha1.ReportDecision) decisionManifest {
	m := decisionManifest{APIVersion: governancev1alpha1.GroupVersion.String(), Kind: "ReportDecision",
		Metadata: manifestMeta{Name: d.Name, Namespace: d.Namespace}}
	m.Spec.Report, m.Spec.Unit, m.Spec.Outcome, m.Spec.Findings = d.Spec.Report, d.Spec.Unit, string(d.Spec.Outcome), d.Spec.Findings
	return m
}
