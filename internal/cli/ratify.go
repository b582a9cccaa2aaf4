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

// exemptionPhaseNames are the exemption phases in Chinese.
var exemptionPhaseNames = map[governancev1alpha1.ExemptionPhase]string{
	governancev1alpha1.ExemptionActive:               "有效",
	governancev1alpha1.ExemptionAwaitingRatification: "待追认",
	governancev1alpha1.ExemptionRatified:             "已追认",
	governancev1alpha1.ExemptionRejected:             "已否决",
	governancev1alpha1.ExemptionUnratified:           "逾期未追认",
}

// ratifyOptions are ratify's flags.
type ratifyOptions struct {
	unit, outcome, reason, name string
	timeout                     time.Duration
	dryRun                      bool
	kube                        *clusterFlags // -n is the department's namespace
	print                       *printFlags
}

func newRatifyCommand() *cobra.Command {
	var o ratifyOptions
	cmd := &cobra.Command{
		Use:   "ratify EXEMPTION -n NAMESPACE --unit UNIT --outcome Ratified|Rejected [--reason TEXT] [--timeout 30s] [--dry-run] [-o json|yaml|name]",
		Short: "联审单位追认或否决紧急豁免 / record a review unit's ratification or rejection of an emergency exemption (S6)",
		Long: `在部门命名空间中提交 EmergencyDecision（S6）：联审单位 UNIT 对已结束的紧急豁免 EXEMPTION
（EmergencyExemption，kubectl get emergencyexemptions -n 部门命名空间）的意见，Ratified（追认）或 Rejected（否决）；
否决须写明理由 --reason。只有该单位成员组（ReviewUnit 的 spec.group）的成员、且只有本市的联审单位可以提交，
豁免结束后方可提交；意见提交后不可修改、不可删除。逾期（Jurisdiction spec.emergency.ratificationDays，默认 15 天）
未追认或被否决的紧急豁免计入部门的清理规范情况（S19）。名称为 <豁免>.<单位>，已有时加 -2、-3。
提交后等待 operator 更新豁免状态（至多 --timeout，0 为不等待），输出豁免的最新状态；超时退出码 1（意见已提交，勿重复提交）。
被拒绝时原样输出 API 的中英文说明，退出码 1。--dry-run 只输出 YAML，不连接集群。
-o json|yaml|name 输出所提交的 EmergencyDecision 和更新后的 EmergencyExemption（两者以 v1 List 输出；
--timeout 0、--dry-run 或超时时只有 EmergencyDecision）。

Records an EmergencyDecision (S6) in the department's namespace: review
unit UNIT's decision on the ended emergency exemption EXEMPTION (an
EmergencyExemption: kubectl get emergencyexemptions -n NAMESPACE),
Ratified or Rejected; Rejected needs --reason. Only members of the unit's
group (the ReviewUnit's spec.group), of a unit of the exemption's city,
may decide, and only once the exemption has ended; decisions can be
neither changed nor deleted. An exemption no unit ratified in the city's
time (Jurisdiction spec.emergency.ratificationDays, default 15 days), or
one a unit rejected, counts against the department (S19). It is named
<exemption>.<unit>, with -2, -3 … when the unit decided before. ratify then
waits for the operator to update the exemption (at most --timeout; 0 does
not wait) and prints its phase; a timeout is exit code 1 (the decision is
recorded: do not repeat it). A refusal is printed as the API gives it, in
Chinese and English, with exit code 1. --dry-run prints the YAML and does
not contact the cluster. -o json|yaml|name prints the EmergencyDecision
recorded and the EmergencyExemption once it followed, as a v1 List (the
EmergencyDecision alone with --timeout 0, with --dry-run, or when the
exemption did not follow in time).`,
		Example: `  kubectl get emergencyexemptions -n dept-mzj
  kubectl cunshe ratify typhoon-evacuation-check-3f2a9c1e -n dept-mzj --unit mzj --outcome Ratified \
      --reason "台风“海葵”登陆，摸排转移及时，范围与时限得当" --as li.mzj --as-group cunshe:unit:mzj
  kubectl cunshe ratify flood-patrol-7b1d0e22 -n dept-tjj --unit sjw --outcome Rejected \
      --reason "内涝已于次日消退，其后的巡查应列入清单事项办理"`,
		Args:                  exactArgs("EXEMPTION"),
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
				return writeManifest(cmd, emergencyDecisionManifestOf(d))
			}
			return recordRatification(cmd, d, o, pr)
		},
	}
	f := cmd.Flags()
	f.StringVar(&o.unit, "unit", "", "联审单位（ReviewUnit 名称）/ the review unit (ReviewUnit name)")
	f.StringVar(&o.outcome, "outcome", "", "意见 / outcome: Ratified|Rejected")
	f.StringVar(&o.reason, "reason", "", "理由，否决时必填 / why; required to reject")
	f.StringVar(&o.name, "name", "", "意见名称，默认 <豁免>.<单位> / the decision's name, default: <exemption>.<unit>")
	f.DurationVar(&o.timeout, "timeout", 30*time.Second, "等待豁免状态更新的时长，0 为不等待 / how long to wait for the exemption to follow, 0: do not wait")
	f.BoolVar(&o.dryRun, "dry-run", false, "只输出 YAML，不提交 / print the YAML, record nothing")
	o.kube = addClusterFlags(cmd, true)
	f.Lookup("namespace").Usage = "紧急豁免所在的部门命名空间 / the exemption's namespace: the department's"
	o.print = addPrintFlags(cmd, true)
	cmd.ValidArgsFunction = completeArgs(1, completeFromCluster(o.kube, listExemptionNames))
	_ = cmd.RegisterFlagCompletionFunc("unit", completeFromCluster(o.kube, listReviewUnitNames))
	_ = cmd.RegisterFlagCompletionFunc("outcome", completeWords(emergencyOutcomes...))
	return cmd
}

// listExemptionNames are the emergency exemptions of the namespace -n names.
func listExemptionNames(ctx context.Context, c client.Client, cmd *cobra.Command, _ string) ([]cobra.Completion, error) {
	ns, _ := cmd.Flags().GetString("namespace")
	if ns == "" {
		return nil, nil
	}
	list := &governancev1alpha1.EmergencyExemptionList{}
	if err := c.List(ctx, list, client.InNamespace(ns)); err != nil {
		return nil, err
	}
	out := make([]cobra.Completion, 0, len(list.Items))
	for _, r := range list.Items {
		out = append(out, cobra.CompletionWithDesc(r.Name, string(r.Status.Phase)+" "+r.Spec.Subject))
	}
	return out, nil
}

// emergencyOutcomes are the outcomes a ratification may record.
var emergencyOutcomes = []governancev1alpha1.EmergencyOutcome{governancev1alpha1.EmergencyRatified, governancev1alpha1.EmergencyRejected}

// decision is the EmergencyDecision the flags describe.
func (o ratifyOptions) decision(cmd *cobra.Command, exemption string) (*governancev1alpha1.EmergencyDecision, error) {
	if err := requireFlags(cmd, "namespace", "unit", "outcome"); err != nil {
		return nil, err
	}
	i := slices.IndexFunc(emergencyOutcomes, func(e governancev1alpha1.EmergencyOutcome) bool { return strings.EqualFold(o.outcome, string(e)) })
	if i < 0 {
		return nil, usageError(cmd, fmt.Errorf("意见 %q 无效，只能是 Ratified 或 Rejected / outcome %q is invalid: use Ratified or Rejected", o.outcome, o.outcome))
	}
	d := &governancev1alpha1.EmergencyDecision{Spec: governancev1alpha1.EmergencyDecisionSpec{
		Exemption: exemption, Unit: o.unit, Outcome: emergencyOutcomes[i], Reason: o.reason}}
	d.Namespace, d.Name = *o.kube.Namespace, o.name
	if d.Name == "" {
		d.Name = exemption + "." + o.unit
	}
	return d, nil
}

// recordRatification creates the decision and waits for the exemption to list it.
func recordRatification(cmd *cobra.Command, d *governancev1alpha1.EmergencyDecision, o ratifyOptions, pr printers.ResourcePrinter) error {
	rec := &governancev1alpha1.EmergencyExemption{}
	return recordAndFollow(cmd, o.kube, o.print, pr, o.timeout, followedDecision{
		decision: d, generatedName: o.name == "",
		refusedZh: "提交追认或否决意见", refusedEn: "recording the EmergencyDecision",
		recorded: func() string {
			return fmt.Sprintf("已提交意见 / recorded decision %s/%s：%s %s", d.Namespace, d.Name, d.Spec.Unit, d.Spec.Outcome)
		},
		subject: rec, subjectKey: client.ObjectKey{Namespace: d.Namespace, Name: d.Spec.Exemption},
		subjectZh: "紧急豁免", subjectEn: "exemption", kind: "EmergencyExemption", resource: "emergencyexemption",
		lists: func() bool {
			return slices.ContainsFunc(rec.Status.Decisions, func(r governancev1alpha1.EmergencyDecisionRecord) bool { return r.Decision == d.Name })
		},
		followed: func() []string {
			return []string{fmt.Sprintf("紧急豁免 / emergency exemption %s/%s: %s（%s）", rec.Namespace, rec.Name, rec.Status.Phase, exemptionPhaseNames[rec.Status.Phase])}
		},
	})
}

// emergencyDecisionManifest is an EmergencyDecision as --dry-run writes it.
type emergencyDecisionManifest struct {
	APIVersion string       `yaml:"apiVersion"`
	Kind       string       `yaml:"kind"`
	Metadata   manifestMeta `yaml:"metadata"`
	Spec       struct {
		Exemption string `yaml:"exemption"`
		Unit      string `yaml:"unit"`
		Outcome   string `yaml:"outcome"`
		Reason    string `yaml:"reason,omitempty"`
	} `yaml:"spec"`
}

func emergencyDecisionManifestOf(d *governancev1alpha1.EmergencyDecision) emergencyDecisionManifest {
	m := emergencyDecisionManifest{APIVersion: governancev1alpha1.GroupVersion.String(), Kind: "EmergencyDecision",
		Metadata: manifestMeta{Name: d.Name, Namespace: d.Namespace}}
	m.Spec.Exemption, m.Spec.Unit, m.Spec.Outcome, m.Spec.Reason = d.Spec.Exemption, d.Spec.Unit, string(d.Spec.Outcome), d.Spec.Reason
	return m
}
