package cli

import (
	"fmt"
	"path/filepath"

	"github.com/spf13/cobra"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"sigs.k8s.io/controller-runtime/pkg/client"

	governancev1alpha1 "github.com/cunshe/cunshe-operator/api/v1alpha1"
	"github.com/cunshe/cunshe-operator/internal/rules"
	"github.com/cunshe/cunshe-operator/internal/signboards"
)

// renderBoardsOptions are render boards' flags.
type renderBoardsOptions struct {
	kube   *clusterFlags
	output string   // file, empty for stdout
	files  []string // read the objects from these files instead of the cluster
}

// boardsInput is what a picture of a village's boards needs.
type boardsInput struct {
	village *governancev1alpha1.Village
	set     *governancev1alpha1.SignboardSet
	style   *governancev1alpha1.SignboardStyle // nil when the set's style does not exist
}

func newRenderBoardsCommand() *cobra.Command {
	var o renderBoardsOptions
	cmd := &cobra.Command{
		Use:   "boards VILLAGE [-f FILE]... [-o out.svg]",
		Short: "绘制村（社区）的牌子 / draw a village's boards and signs (SignboardSet)",
		Long: `按乡镇（街道）的统一样式（SignboardStyle：尺寸、颜色、字体、材质，S15）把村（社区）的牌子
画成 SVG：第一行四块机构牌子（S12），第二行服务标牌（S13），按比例绘制，竖牌文字自上而下；
下方列出室内展示的荣誉（S16）和规则检查结果，多出或不应悬挂的牌子以红框标出。VILLAGE 是 12 位
村（社区）代码。默认从集群读取 Village、其租户命名空间中的 SignboardSet 和所用的
SignboardStyle（kubeconfig 按 kubectl 的规则）；用 -f 则从文件读取（可多次给出，- 为标准输入）。
不合规的牌子照样绘制，规则检查结果另写到标准错误。只输出 SVG：要 PNG 可用 rsvg-convert 转换。

Draws a village's boards as SVG in its township's style (SignboardStyle:
size, colours, typeface, material; S15): the four institution boards
(S12) on the first row, the service signs (S13) on the second, to scale,
vertical boards read top to bottom; below them the honours kept inside
(S16) and the rule engine's verdict; extra or misplaced boards are framed
in red. VILLAGE is the 12-digit code. The Village, the SignboardSet of its
tenant namespace and the style it names are read from the cluster
(kubeconfig as kubectl finds it), or with -f from files (repeatable; - is
stdin). A noncompliant set is drawn all the same, and its findings go to
stderr. SVG only: convert with rsvg-convert for a PNG.`,
		Example: `  kubectl cunshe render boards 330302006044 -o gulou.svg
  kubectl cunshe render boards 330302006044 -f villages.yaml -f signboards.yaml -o gulou.svg
  kubectl cunshe render boards 330302006044 | rsvg-convert -o gulou.png`,
		Args: exactArgs("VILLAGE"),
		RunE: func(cmd *cobra.Command, args []string) error {
			return renderBoards(cmd, o, args[0])
		},
	}
	f := cmd.Flags()
	f.StringVarP(&o.output, "output", "o", "", "写入此文件，默认标准输出 / write to this file instead of stdout")
	f.StringArrayVarP(&o.files, "filename", "f", nil, "从这些文件读取 Village、SignboardSet、SignboardStyle / read the Village, SignboardSet and SignboardStyle from these files")
	o.kube = addClusterFlags(cmd, false)
	cmd.ValidArgsFunction = completeArgs(1, completeFromCluster(o.kube, listVillageCandidates))
	return cmd
}

func renderBoards(cmd *cobra.Command, o renderBoardsOptions, code string) error {
	var in boardsInput
	var err error
	if len(o.files) > 0 {
		in, err = boardsFromFiles(cmd, o.files, code)
	} else {
		in, err = boardsFromCluster(cmd, o.kube, code)
	}
	if err != nil {
		return err
	}
	for _, e := range rules.ValidateSignboardSet(in.set, in.village, in.style) {
		_, _ = fmt.Fprintf(cmd.ErrOrStderr(), "不合规 / noncompliant: %v\n", e)
	}
	out := signboards.RenderSVG(in.set, in.style, in.village)
	if o.output == "" {
		_, err = cmd.OutOrStdout().Write(out)
		return err
	}
	return writeFiles(filepath.Dir(o.output), []outputFile{{name: filepath.Base(o.output), data: out}})
}

func boardsFromFiles(cmd *cobra.Command, paths []string, code string) (boardsInput, error) {
	var in boardsInput
	styles := map[string]*governancev1alpha1.SignboardStyle{}
	namespace := governancev1alpha1.TenantNamespaceName(code)
	for _, path := range paths {
		file, data, err := readInput(cmd.InOrStdin(), path)
		if err != nil {
			return in, inputError(err)
		}
		ms, err := decodeManifests(file, data)
		if err != nil {
			return in, inputError(err)
		}
		for _, m := range ms {
			switch obj := m.obj.(type) {
			case *governancev1alpha1.Village:
				if obj.Name == code {
					in.village = obj
				}
			case *governancev1alpha1.SignboardSet:
				if obj.Namespace == namespace && obj.Name == governancev1alpha1.SignboardSetName {
					in.set = obj
				}
			case *governancev1alpha1.SignboardStyle:
				styles[obj.Name] = obj
			}
		}
	}
	switch {
	case in.village == nil:
		return in, inputError(fmt.Errorf("文件中没有 Village %q / the files hold no Village %q", code, code))
	case in.set == nil:
		return in, inputError(fmt.Errorf("文件中没有命名空间 %s 的 SignboardSet %q / the files hold no SignboardSet %q in namespace %s",
			namespace, governancev1alpha1.SignboardSetName, governancev1alpha1.SignboardSetName, namespace))
	}
	in.style = styles[in.set.Spec.Style]
	return in, nil
}

func boardsFromCluster(cmd *cobra.Command, k *clusterFlags, code string) (boardsInput, error) {
	var in boardsInput
	ctx := cmd.Context()
	c, err := k.connect(cmd)
	if err != nil {
		return in, err
	}
	in.village = &governancev1alpha1.Village{}
	if err := getObject(ctx, c, client.ObjectKey{Name: code}, in.village, "村（社区）Village", "Village"); err != nil {
		return in, err
	}
	in.set = &governancev1alpha1.SignboardSet{}
	key := client.ObjectKey{Namespace: governancev1alpha1.TenantNamespaceName(code), Name: governancev1alpha1.SignboardSetName}
	if err := getObject(ctx, c, key, in.set, "牌子清单 SignboardSet", "SignboardSet"); err != nil {
		return in, err
	}
	in.style = &governancev1alpha1.SignboardStyle{}
	err = c.Get(ctx, client.ObjectKey{Name: in.set.Spec.Style}, in.style)
	switch {
	case apierrors.IsNotFound(err):
		in.style = nil // drawn unstyled; the findings say why
	case err != nil:
		return in, fmt.Errorf("读取 SignboardStyle %q 失败 / getting SignboardStyle %q: %w", in.set.Spec.Style, in.set.Spec.Style, err)
	}
	return in, nil
}
