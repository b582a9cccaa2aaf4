package cli

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/goccy/go-graphviz"
	"github.com/spf13/cobra"
	"golang.org/x/text/width"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/validation/field"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/clientcmd"
	clientcmdapi "k8s.io/client-go/tools/clientcmd/api"
	"sigs.k8s.io/controller-runtime/pkg/client"

	governancev1alpha1 "github.com/cunshe/cunshe-operator/api/v1alpha1"
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

// kubeOptions are the standard kubeconfig flags of commands that read the
// cluster.
type kubeOptions struct {
	kubeconfig, context string
	// as and asGroups impersonate a user, as kubectl's --as and --as-group.
	as       string
	asGroups []string
}

// restConfig loads the kubeconfig with kubectl's rules: --kubeconfig, else
// $KUBECONFIG, else ~/.kube/config (or the in-cluster config).
func (k kubeOptions) restConfig() (*rest.Config, error) {
	loading := clientcmd.NewDefaultClientConfigLoadingRules()
	loading.ExplicitPath = k.kubeconfig
	overrides := &clientcmd.ConfigOverrides{CurrentContext: k.context,
		AuthInfo: clientcmdapi.AuthInfo{Impersonate: k.as, ImpersonateGroups: k.asGroups}}
	cfg, err := clientcmd.NewNonInteractiveDeferredLoadingClientConfig(loading, overrides).ClientConfig()
	if err != nil {
		return nil, fmt.Errorf("无法加载 kubeconfig / loading the kubeconfig: %w", err)
	}
	if cfg.Timeout == 0 {
		cfg.Timeout = 30 * time.Second
	}
	return cfg, nil
}

// newClusterReader connects to the cluster; tests replace it.
var newClusterReader = defaultClusterReader

// defaultClusterReader is a controller-runtime client of the cluster.
func defaultClusterReader(cfg *rest.Config) (client.Reader, error) {
	s := runtime.NewScheme()
	if err := governancev1alpha1.AddToScheme(s); err != nil {
		return nil, err
	}
	return client.New(cfg, client.Options{Scheme: s})
}

// renderFlowOptions are render flow's flags.
type renderFlowOptions struct {
	kube   kubeOptions
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
	f.StringVar(&o.kube.kubeconfig, "kubeconfig", "", "kubeconfig 文件路径 / path to the kubeconfig file")
	f.StringVar(&o.kube.context, "context", "", "使用的 kubeconfig 上下文 / the kubeconfig context to use")
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
		flow, err = flowFromCluster(cmd.Context(), o.kube, arg)
	}
	if err != nil {
		return err
	}
	if errs := rules.ValidatePowerFlow(flow); len(errs) > 0 {
		return fmt.Errorf("运行流程图 %q 不符合规则，无法绘制 / PowerFlow %q breaks its rules and is not drawn:\n  %s",
			flow.Name, flow.Name, strings.Join(errorDetails(errs), "\n  "))
	}
	out := []byte(flowDOT(flow))
	if o.format == "svg" {
		if out, err = renderSVG(cmd.Context(), out); err != nil {
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

func flowFromCluster(ctx context.Context, k kubeOptions, name string) (*governancev1alpha1.PowerFlow, error) {
	cfg, err := k.restConfig()
	if err != nil {
		return nil, err
	}
	c, err := newClusterReader(cfg)
	if err != nil {
		return nil, fmt.Errorf("无法连接集群 / connecting to the cluster: %w", err)
	}
	flow := &governancev1alpha1.PowerFlow{}
	err = c.Get(ctx, client.ObjectKey{Name: name}, flow)
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

// The look of a flowchart. Graphviz in WebAssembly has no font metrics: it
// estimates text width from Times' ASCII widths, which is about 3/4 of a
// CJK character's. Nodes therefore get a minimum width from textWidth, and
// the title is a node too, so that no Chinese text runs out of its box.
const (
	flowFont      = "Noto Sans CJK SC,Source Han Sans SC,PingFang SC,Microsoft YaHei,sans-serif"
	flowFontSize  = 14.0
	titleFontSize = 18.0
	nodeMarginX   = 0.2 // inches, each side
	nodeMarginY   = 0.1
)

// flowDOT renders the flow in Graphviz's DOT language.
func flowDOT(f *governancev1alpha1.PowerFlow) string {
	var b strings.Builder
	fmt.Fprintf(&b, "digraph %s {\n", dotID(f.Name))
	fmt.Fprintf(&b, "  graph [rankdir=TB, nodesep=0.5, ranksep=0.45, pad=0.2, fontname=%s, bgcolor=white];\n", dotID(flowFont))
	fmt.Fprintf(&b, "  node [fontname=%s, fontsize=%g, shape=box, style=\"rounded,filled\", fillcolor=\"#E6F4FF\", color=\"#1677FF\", penwidth=1.2, margin=\"%g,%g\"];\n",
		dotID(flowFont), flowFontSize, nodeMarginX, nodeMarginY)
	b.WriteString("  edge [color=\"#595959\", arrowsize=0.8];\n")

	title := []string{f.Spec.Title, "小微权力运行流程图 · PowerFlow " + f.Name, "图例：蓝框为办理步骤，橙色折角框【公示】为公开公示环节"}
	fmt.Fprintf(&b, "  %s [shape=plaintext, style=\"\", fontsize=%g, label=%s, width=%.2f];\n",
		dotID("__title"), titleFontSize, dotLabel(title), nodeWidth(title, titleFontSize, 0))
	fmt.Fprintf(&b, "  %s [label=\"开始\", shape=oval, fillcolor=\"#52C41A\", color=\"#389E0D\", fontcolor=white];\n", dotID("__start"))
	fmt.Fprintf(&b, "  %s [label=\"结束\", shape=oval, fillcolor=\"#595959\", color=\"#434343\", fontcolor=white];\n", dotID("__end"))
	for _, s := range f.Spec.Steps {
		actor := governancev1alpha1.ActorNames[s.Actor]
		if actor == "" {
			actor = string(s.Actor)
		}
		if s.PublicNotice {
			lines := []string{"【公示】" + s.Name, "执行：" + actor}
			fmt.Fprintf(&b, "  %s [label=%s, shape=note, style=filled, fillcolor=\"#FFF7E6\", color=\"#FA8C16\", fontcolor=\"#AD4E00\", penwidth=2, width=%.2f];\n",
				dotID(s.ID), dotLabel(lines), nodeWidth(lines, flowFontSize, 0.15))
			continue
		}
		lines := []string{s.Name, "执行：" + actor}
		fmt.Fprintf(&b, "  %s [label=%s, width=%.2f];\n", dotID(s.ID), dotLabel(lines), nodeWidth(lines, flowFontSize, 0))
	}
	fmt.Fprintf(&b, "  %s -> %s [style=invis];\n", dotID("__title"), dotID("__start"))
	fmt.Fprintf(&b, "  %s -> %s;\n", dotID("__start"), dotID(f.Spec.Start))
	for _, s := range f.Spec.Steps {
		for _, n := range s.Next {
			fmt.Fprintf(&b, "  %s -> %s;\n", dotID(s.ID), dotID(n))
		}
		if len(s.Next) == 0 {
			fmt.Fprintf(&b, "  %s -> %s;\n", dotID(s.ID), dotID("__end"))
		}
	}
	b.WriteString("}\n")
	return b.String()
}

// dotID quotes s as a DOT string; backslashes are doubled so that Graphviz
// reads no escape (\N, \G, …) into a name.
func dotID(s string) string {
	s = strings.NewReplacer(`\`, `\\`, `"`, `\"`, "\n", " ", "\r", " ").Replace(s)
	return `"` + s + `"`
}

// dotLabel joins lines with Graphviz's centred line break.
func dotLabel(lines []string) string {
	quoted := make([]string, len(lines))
	for i, l := range lines {
		quoted[i] = strings.TrimSuffix(strings.TrimPrefix(dotID(l), `"`), `"`)
	}
	return `"` + strings.Join(quoted, `\n`) + `"`
}

// nodeWidth is the minimum node width, in inches, that holds the widest
// line at size points, with the node margins and extra inches.
func nodeWidth(lines []string, size, extra float64) float64 {
	widest := 0.0
	for _, l := range lines {
		widest = max(widest, textWidth(l, size))
	}
	return widest/72 + 2*nodeMarginX + extra
}

// textWidth estimates the width of s in points: a full em for East Asian
// wide characters, 0.6 em for the others (sans-serif average).
func textWidth(s string, size float64) float64 {
	ems := 0.0
	for _, r := range s {
		switch width.LookupRune(r).Kind() {
		case width.EastAsianWide, width.EastAsianFullwidth:
			ems++
		default:
			ems += 0.6
		}
	}
	return ems * size
}

// renderSVG lays out and draws a DOT graph with Graphviz (WebAssembly).
func renderSVG(ctx context.Context, dot []byte) ([]byte, error) {
	g, err := graphviz.New(ctx)
	if err != nil {
		return nil, err
	}
	defer func() { _ = g.Close() }()
	graph, err := graphviz.ParseBytes(dot)
	if err != nil {
		return nil, err
	}
	defer func() { _ = graph.Close() }()
	var buf bytes.Buffer
	if err := g.Render(ctx, graph, graphviz.SVG, &buf); err != nil {
		return nil, err
	}
	if buf.Len() == 0 {
		return nil, errors.New("布局引擎 Graphviz 未输出任何内容 / Graphviz wrote nothing")
	}
	return buf.Bytes(), nil
}
