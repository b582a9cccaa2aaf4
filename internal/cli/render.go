package cli

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/apimachinery/pkg/util/validation/field"
	"sigs.k8s.io/controller-runtime/pkg/client"

	governancev1alpha1 "github.com/cunshe/cunshe-operator/api/v1alpha1"
	"github.com/cunshe/cunshe-operator/internal/flowchart"
	"github.com/cunshe/cunshe-operator/internal/rules"
)

func newRenderCommand() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "render",
		Short: "绘图 / draw pictures of list objects",
		Long: "绘制清单对象的图片，如小微权力运行流程图。\n" +
			"Draws pictures of list objects, such as micro-power flowcharts.",
		Args: cobra.ArbitraryArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if len(args) == 0 {
				return cmd.Help()
			}
			return usageError(cmd, unknownCommand(cmd, args[0]))
		},
	}
	cmd.SuggestionsMinimumDistance = 2
	cmd.AddCommand(newRenderFlowCommand(), newRenderBoardsCommand())
	return cmd
}

// renderFlowOptions are render flow's flags.
type renderFlowOptions struct {
	kube   *clusterFlags
	output string // file, empty for stdout
	format string // svg or dot
	name   string // the flow to draw from a file holding several
}

func newRenderFlowCommand() *cobra.Command {
	var o renderFlowOptions
	cmd := &cobra.Command{
		Use:   "flow NAME|FILE [-o out.svg]",
		Short: "绘制小微权力运行流程图 / draw a micro-power flowchart (PowerFlow)",
		Long: `把 PowerFlow（小微权力运行流程图，P1）画成 SVG，由 Graphviz 自动布局：每个步骤标出名称与执行主体，
公开公示环节用橙色折角框并标【公示】，另标出开始与结束。参数是文件（或 -，标准输入）时从文件读取，
否则作为名称从集群读取（kubeconfig 按 kubectl 的规则：--kubeconfig、$KUBECONFIG、~/.kube/config）。
流程不符合 P1（步骤不可达、无法结束……）时不绘制，退出码 1。

Draws a PowerFlow (micro-power flowchart, P1) as SVG, laid out by
Graphviz: each step shows its name and its actor, public-notice steps are
orange folded notes marked 【公示】, and the start and the end are marked.
A FILE (or - for stdin) is read; any other argument is a name read from the
cluster (kubeconfig as kubectl finds it: --kubeconfig, $KUBECONFIG,
~/.kube/config). A flow that breaks P1 (unreachable steps, no end…) is not
drawn: exit code 1.`,
		Example: `  kubectl cunshe render flow village-engineering-project -o village-engineering-project.svg
  kubectl cunshe render flow config/samples/lists/flows.yaml --name collective-asset-lease -o lease.svg
  kubectl cunshe render flow flow.yaml --format dot | dot -Tpng -o flow.png`,
		Args: exactArgs("NAME|FILE"),
		RunE: func(cmd *cobra.Command, args []string) error {
			return renderFlow(cmd, o, args[0])
		},
	}
	f := cmd.Flags()
	f.StringVarP(&o.output, "output", "o", "", "写入此文件，默认标准输出 / write to this file instead of stdout")
	f.StringVar(&o.format, "format", "svg", "格式 / format: svg|dot")
	f.StringVar(&o.name, "name", "", "文件中有多个流程时要绘制的流程 / the flow to draw when FILE holds several")
	o.kube = addClusterFlags(cmd, false)
	return cmd
}

func renderFlow(cmd *cobra.Command, o renderFlowOptions, arg string) error {
	if o.format != "svg" && o.format != "dot" {
		return usageError(cmd, fmt.Errorf("格式 %q 无效，只支持 svg 或 dot / format %q is not supported, use svg or dot", o.format, o.format))
	}
	var flow *governancev1alpha1.PowerFlow
	var err error
	if isFileArg(arg) {
		flow, err = flowFromFile(cmd, arg, o.name)
	} else {
		flow, err = flowFromCluster(cmd, o.kube, arg)
	}
	if err != nil {
		return err
	}
	if errs := rules.ValidatePowerFlow(flow); len(errs) > 0 {
		return fmt.Errorf("运行流程图 %q 不符合规则，无法绘制 / PowerFlow %q breaks its rules and is not drawn:\n  %s",
			flow.Name, flow.Name, strings.Join(errorDetails(errs), "\n  "))
	}
	out := []byte(flowchart.DOT(flow))
	if o.format == "svg" {
		if out, err = flowchart.SVG(cmd.Context(), out); err != nil {
			return fmt.Errorf("绘制失败 / rendering: %w", err)
		}
	}
	if o.output == "" {
		_, err = cmd.OutOrStdout().Write(out)
		return err
	}
	return writeFiles(filepath.Dir(o.output), []outputFile{{name: filepath.Base(o.output), data: out}})
}

// isFileArg: - and existing files are files, and so is anything that looks
// like a path; the rest are names (a Kubernetes name has no / and no .yaml).
func isFileArg(arg string) bool {
	if arg == "-" || strings.ContainsRune(arg, os.PathSeparator) || strings.ContainsRune(arg, '/') {
		return true
	}
	switch strings.ToLower(filepath.Ext(arg)) {
	case ".yaml", ".yml", ".json":
		return true
	}
	fi, err := os.Stat(arg)
	return err == nil && !fi.IsDir()
}

func flowFromFile(cmd *cobra.Command, path, name string) (*governancev1alpha1.PowerFlow, error) {
	file, data, err := readInput(cmd.InOrStdin(), path)
	if err != nil {
		return nil, inputError(err)
	}
	ms, err := decodeManifests(file, data)
	if err != nil {
		return nil, inputError(err)
	}
	var flows []*governancev1alpha1.PowerFlow
	var names []string
	for _, m := range ms {
		if f, ok := m.obj.(*governancev1alpha1.PowerFlow); ok && (name == "" || f.Name == name) {
			flows = append(flows, f)
			names = append(names, f.Name)
		}
	}
	switch {
	case len(flows) == 1:
		return flows[0], nil
	case len(flows) == 0 && name != "":
		return nil, inputError(fmt.Errorf("%s 中没有名为 %q 的 PowerFlow / %s holds no PowerFlow %q", file, name, file, name))
	case len(flows) == 0:
		return nil, inputError(fmt.Errorf("%s 中没有 PowerFlow / %s holds no PowerFlow", file, file))
	default:
		return nil, usageError(cmd, fmt.Errorf("%s 中有多个 PowerFlow（%s），请用 --name 选择 / %s holds several PowerFlows (%s); choose one with --name",
			file, strings.Join(names, ", "), file, strings.Join(names, ", ")))
	}
}

func flowFromCluster(cmd *cobra.Command, k *clusterFlags, name string) (*governancev1alpha1.PowerFlow, error) {
	c, err := k.connect(cmd)
	if err != nil {
		return nil, err
	}
	flow := &governancev1alpha1.PowerFlow{}
	err = c.Get(cmd.Context(), client.ObjectKey{Name: name}, flow)
	switch {
	case err == nil:
		return flow, nil
	case apierrors.IsNotFound(err):
		return nil, fmt.Errorf("集群中没有运行流程图 %q / PowerFlow %q not found in the cluster", name, name)
	case meta.IsNoMatchError(err):
		return nil, fmt.Errorf("集群未安装 PowerFlow 资源（CRD）/ the cluster does not serve PowerFlows (is the CRD installed?): %w", err)
	default:
		return nil, fmt.Errorf("读取运行流程图 %q 失败 / getting PowerFlow %q: %w", name, name, err)
	}
}

func errorDetails(errs field.ErrorList) []string {
	out := make([]string, len(errs))
	for i, e := range errs {
		out[i] = e.Error()
	}
	return out
}
