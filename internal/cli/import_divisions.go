package cli

import (
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/schollz/progressbar/v3"
	"github.com/spf13/cobra"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"sigs.k8s.io/yaml"

	governancev1alpha1 "github.com/cunshe/cunshe-operator/api/v1alpha1"
	"github.com/cunshe/cunshe-operator/internal/divisions"
)

const yamlSeparator = "---\n"

func newImportDivisionsCommand() *cobra.Command {
	var outputDir string
	cmd := &cobra.Command{
		Use:   "import-divisions FILE.csv",
		Short: "由区划登记表生成 Village 清单 / write Village manifests from the division registry",
		Long: `由国家统计局区划登记表（CSV，列 level,code,name,parent_code，UTF-8）生成 Village 清单。
默认把全部村（社区）写成一个多文档 YAML 到标准输出；用 -o DIR 则每个县写一个文件
<县代码>-<县名>.yaml，另写 kustomization.yaml 列出它们，供 GitOps 使用。
FILE.csv 为 - 时读标准输入。任何一行有误都不写出任何文件，退出码为 2。

Writes Village manifests from the National Bureau of Statistics' division
registry (CSV with columns level,code,name,parent_code, UTF-8). By default all
villages go to stdout as one multi-document YAML; with -o DIR, one file per
county, <countycode>-<countyname>.yaml, plus a kustomization.yaml listing them,
for GitOps. FILE.csv - reads stdin. Any malformed row fails the import with
exit code 2 and nothing is written.`,
		Example: `  kubectl cunshe import-divisions wenzhou-divisions.csv | kubectl apply -f -
  kubectl cunshe import-divisions wenzhou-divisions.csv -o clusters/wenzhou/villages
  cat wenzhou-divisions.csv | kubectl cunshe import-divisions -`,
		Args: exactArgs("FILE.csv"),
		RunE: func(cmd *cobra.Command, args []string) error {
			return importDivisions(cmd, args[0], outputDir)
		},
	}
	cmd.Flags().StringVarP(&outputDir, "output-dir", "o", "",
		"每个县一个文件写入此目录，并写 kustomization.yaml / write one file per county and a kustomization.yaml into this folder")
	return cmd
}

// county is one county's rendered manifests.
type county struct {
	code, name string
	villages   int
	manifests  []byte // the county's Villages as multi-document YAML
}

func (c county) fileName() string { return c.code + "-" + c.name + ".yaml" }

// kustomization is the kustomization.yaml written next to the county files.
type kustomization struct {
	APIVersion string   `json:"apiVersion"`
	Kind       string   `json:"kind"`
	Resources  []string `json:"resources"`
}

func importDivisions(cmd *cobra.Command, path, dir string) error {
	villages, err := readVillages(cmd.InOrStdin(), path)
	if err != nil {
		return inputError(err)
	}
	bar := newProgressBar(cmd.ErrOrStderr(), len(villages), "生成清单 / rendering")
	counties, err := renderCounties(villages, bar)
	if err != nil {
		_ = bar.Clear()
		return err
	}
	_ = bar.Finish()

	written, err := writeCounties(cmd, dir, counties)
	if err != nil || !written {
		return err
	}
	_, err = fmt.Fprintf(cmd.OutOrStdout(), "已将 %d 个村（社区）写入 %s 的 %d 个县文件 / wrote %d villages in %d county files to %s\n",
		len(villages), dir, len(counties), len(villages), len(counties), dir)
	return err
}

// writeCounties writes the counties' manifests to stdout when dir is "",
// else one file per county into dir (written reports the latter).
// Everything is rendered before the first byte goes out, so a failure never
// leaves half a stream for `kubectl apply -f -`.
func writeCounties(cmd *cobra.Command, dir string, counties []county) (written bool, err error) {
	if dir == "" {
		var buf bytes.Buffer
		for i, c := range counties {
			if i > 0 {
				buf.WriteString(yamlSeparator)
			}
			buf.Write(c.manifests)
		}
		_, err := cmd.OutOrStdout().Write(buf.Bytes())
		return false, err
	}
	files, err := countyFiles(counties)
	if err != nil {
		return false, inputError(err)
	}
	return true, writeFiles(dir, files)
}

// readVillages reads and parses the registry at path ("-" is stdin), sorted
// by code so that the output does not depend on the file's row order.
func readVillages(stdin io.Reader, path string) ([]governancev1alpha1.Village, error) {
	name := path
	var data []byte
	var err error
	if path == "-" {
		name = "<stdin>"
		data, err = io.ReadAll(stdin)
	} else {
		data, err = os.ReadFile(path)
	}
	if err != nil {
		return nil, fmt.Errorf("无法读取登记表 / reading the registry: %w", err)
	}
	data = bytes.TrimPrefix(data, []byte("\uFEFF")) // spreadsheets save UTF-8 CSV with a BOM
	if err := checkUTF8(data); err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	villages, err := divisions.Parse(bytes.NewReader(data))
	if err != nil {
		return nil, fmt.Errorf("%s: %w%s", name, err, csvHint(err))
	}
	if len(villages) == 0 {
		// An empty import synced with pruning would delete every Village.
		return nil, fmt.Errorf("%s: 登记表中没有村（社区） / the registry lists no villages", name)
	}
	slices.SortStableFunc(villages, func(a, b governancev1alpha1.Village) int {
		return strings.Compare(a.Spec.Code, b.Spec.Code)
	})
	return villages, nil
}

// checkUTF8 rejects files in another encoding (GBK, as spreadsheets often
// save them), whose names would otherwise end up garbled in the manifests.
func checkUTF8(data []byte) error {
	if utf8.Valid(data) {
		return nil
	}
	i := 0
	for i < len(data) {
		r, size := utf8.DecodeRune(data[i:])
		if r == utf8.RuneError && size == 1 {
			break
		}
		i += size
	}
	return &divisions.LineError{
		Line: bytes.Count(data[:i], []byte("\n")) + 1,
		Err:  errors.New("文件不是 UTF-8 编码，GBK 文件请先用 iconv -f GBK -t UTF-8 转换 / the file is not UTF-8; convert GBK files with iconv -f GBK -t UTF-8"),
	}
}

// csvHint explains the CSV reader's English-only errors in Chinese too.
func csvHint(err error) string {
	switch {
	case errors.Is(err, csv.ErrFieldCount):
		return "（每行应有 4 列 level,code,name,parent_code / each row needs the 4 columns level,code,name,parent_code）"
	case errors.Is(err, csv.ErrBareQuote), errors.Is(err, csv.ErrQuote):
		return "（引号不成对或位置不对 / a quote is unmatched or misplaced）"
	default:
		return ""
	}
}

// renderCounties renders villages, sorted by code, into one multi-document
// YAML per county, in county-code order.
func renderCounties(villages []governancev1alpha1.Village, bar *progressbar.ProgressBar) ([]county, error) {
	var counties []county
	for i := range villages {
		v := &villages[i]
		doc, err := villageManifest(v)
		if err != nil {
			return nil, err
		}
		if n := len(counties); n == 0 || counties[n-1].code != v.Spec.County.Code {
			counties = append(counties, county{code: v.Spec.County.Code, name: v.Spec.County.Name})
		}
		c := &counties[len(counties)-1]
		if c.villages > 0 {
			c.manifests = append(c.manifests, yamlSeparator...)
		}
		c.manifests = append(c.manifests, doc...)
		c.villages++
		_ = bar.Add(1)
	}
	return counties, nil
}

// villageManifest renders v as a manifest to apply: no status, and none of
// the empty fields Go's zero values would add (creationTimestamp: null,
// status: {}, platform: {}).
func villageManifest(v *governancev1alpha1.Village) ([]byte, error) {
	obj, err := runtime.DefaultUnstructuredConverter.ToUnstructured(v)
	if err != nil {
		return nil, fmt.Errorf("转换村 %s 失败 / converting village %s: %w", v.Name, v.Name, err)
	}
	delete(obj, "status")
	unstructured.RemoveNestedField(obj, "metadata", "creationTimestamp")
	if p, _, _ := unstructured.NestedMap(obj, "spec", "platform"); len(p) == 0 {
		unstructured.RemoveNestedField(obj, "spec", "platform")
	}
	doc, err := yaml.Marshal(obj)
	if err != nil {
		return nil, fmt.Errorf("生成村 %s 的 YAML 失败 / rendering village %s as YAML: %w", v.Name, v.Name, err)
	}
	return doc, nil
}

// countyFiles names one file per county, <code>-<name>.yaml, and adds the
// kustomization.yaml that lists them.
func countyFiles(counties []county) ([]outputFile, error) {
	files := make([]outputFile, 0, len(counties)+1)
	k := kustomization{APIVersion: "kustomize.config.k8s.io/v1beta1", Kind: "Kustomization"}
	for _, c := range counties {
		if strings.ContainsAny(c.name, `/\`) || strings.ContainsFunc(c.name, unicode.IsControl) {
			return nil, fmt.Errorf("县 %s 的名称 %q 不能用作文件名 / the name %q of county %s cannot be used in a file name",
				c.code, c.name, c.name, c.code)
		}
		files = append(files, outputFile{name: c.fileName(), data: c.manifests})
		k.Resources = append(k.Resources, c.fileName())
	}
	data, err := yaml.Marshal(k)
	if err != nil {
		return nil, fmt.Errorf("生成 kustomization.yaml 失败 / rendering kustomization.yaml: %w", err)
	}
	// Last, so that it is renamed into place after the files it lists.
	return append(files, outputFile{name: "kustomization.yaml", data: data}), nil
}
