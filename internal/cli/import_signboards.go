package cli

import (
	"fmt"

	"github.com/spf13/cobra"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"sigs.k8s.io/yaml"

	governancev1alpha1 "github.com/cunshe/cunshe-operator/api/v1alpha1"
	"github.com/cunshe/cunshe-operator/internal/signboards"
)

func newImportSignboardsCommand() *cobra.Command {
	var outputDir, city string
	cmd := &cobra.Command{
		Use:   "import-signboards FILE.csv",
		Short: "由区划登记表生成默认牌子样式与牌子清单 / write default SignboardStyles and SignboardSets from the division registry",
		Long: `由区划登记表（与 import-divisions 相同的 CSV）为每个乡镇（街道）生成默认 SignboardStyle
（竖牌 600×2400 毫米、白底黑字、方正小标宋简体、钛金不锈钢，S15），为每个村（社区）生成合规的
默认 SignboardSet（S12、S13）：四块机构牌子写全称（中共<市><县><乡镇><村>委员会……），
村挂村民委员会、村务监督委员会、经济合作社、村文化礼堂，社区挂居民委员会、居务监督委员会、
股份经济合作社、社区文化家园。牌子清单放在村租户命名空间 village-<代码>，须在 Village 创建、
租户就绪之后应用。默认写到标准输出；用 -o DIR 则每个县一个文件并写 kustomization.yaml。
任何一行有误都不写出任何文件，退出码为 2。

Writes, from the division registry (the CSV import-divisions reads), a
default SignboardStyle for every township (vertical 600×2400 mm, black on
white, 方正小标宋简体, 钛金不锈钢; S15) and a compliant default SignboardSet for
every village (S12, S13): the four institution boards carry full names
(中共<city><county><township><village>委员会…); villages hang 村民委员会,
村务监督委员会, 经济合作社 and 村文化礼堂, communities 居民委员会, 居务监督委员会,
股份经济合作社 and 社区文化家园. Sets live in the villages' tenant namespaces,
village-<code>: apply them once the Villages exist and their tenants are
ready. By default everything goes to stdout; with -o DIR, one file per
county and a kustomization.yaml. Any malformed row fails the import with
exit code 2 and nothing is written.`,
		Example: `  kubectl cunshe import-signboards wenzhou-divisions.csv --city 温州市 | kubectl apply -f -
  kubectl cunshe import-signboards wenzhou-divisions.csv --city 温州市 -o clusters/wenzhou/signboards`,
		Args: exactArgs("FILE.csv"),
		RunE: func(cmd *cobra.Command, args []string) error {
			return importSignboards(cmd, args[0], outputDir, city)
		},
	}
	cmd.Flags().StringVarP(&outputDir, "output-dir", "o", "",
		"每个县一个文件写入此目录，并写 kustomization.yaml / write one file per county and a kustomization.yaml into this folder")
	cmd.Flags().StringVar(&city, "city", "", "机构牌子全称开头的市名（必填，如 温州市；即本市 Jurisdiction 的 spec.signboards.cityName 或 spec.name） / the city that leads the institution boards' names (required, e.g. 温州市: the city's Jurisdiction spec.signboards.cityName or spec.name)")
	_ = cmd.MarkFlagRequired("city")
	return cmd
}

func importSignboards(cmd *cobra.Command, path, dir, city string) error {
	villages, err := readVillages(cmd.InOrStdin(), path)
	if err != nil {
		return inputError(err)
	}
	counties, err := renderSignboardCounties(villages, city)
	if err != nil {
		return err
	}
	written, err := writeCounties(cmd, dir, counties)
	if err != nil || !written {
		return err
	}
	_, err = fmt.Fprintf(cmd.OutOrStdout(), "已将 %d 个村（社区）的牌子写入 %s 的 %d 个县文件 / wrote the signboards of %d villages in %d county files to %s\n",
		len(villages), dir, len(counties), len(villages), len(counties), dir)
	return err
}

// renderSignboardCounties renders, per county in code order, the county's
// township styles and then its villages' sets. villages are sorted by code.
func renderSignboardCounties(villages []governancev1alpha1.Village, city string) ([]county, error) {
	styles, sets := signboards.Defaults(villages, city)
	var counties []county
	add := func(code, name string, obj runtime.Object) error {
		if n := len(counties); n == 0 || counties[n-1].code != code { // counties arrive in code order
			counties = append(counties, county{code: code, name: name})
		}
		c := &counties[len(counties)-1]
		doc, err := cleanManifest(obj)
		if err != nil {
			return err
		}
		if len(c.manifests) > 0 {
			c.manifests = append(c.manifests, yamlSeparator...)
		}
		c.manifests = append(c.manifests, doc...)
		return nil
	}
	next := 0 // the next style to write, before its county's villages
	for i := range villages {
		v := &villages[i]
		for next < len(styles) && styles[next].Name[:6] <= v.Spec.County.Code {
			if err := add(styles[next].Name[:6], v.Spec.County.Name, styles[next]); err != nil {
				return nil, err
			}
			next++
		}
		if err := add(v.Spec.County.Code, v.Spec.County.Name, sets[i]); err != nil {
			return nil, err
		}
		counties[len(counties)-1].villages++
	}
	return counties, nil
}

// cleanManifest renders obj as a manifest to apply: no status and no
// creationTimestamp: null.
func cleanManifest(obj runtime.Object) ([]byte, error) {
	u, err := runtime.DefaultUnstructuredConverter.ToUnstructured(obj)
	if err != nil {
		return nil, fmt.Errorf("转换对象失败 / converting an object: %w", err)
	}
	delete(u, "status")
	unstructured.RemoveNestedField(u, "metadata", "creationTimestamp")
	doc, err := yaml.Marshal(u)
	if err != nil {
		return nil, fmt.Errorf("生成 YAML 失败 / rendering YAML: %w", err)
	}
	return doc, nil
}
