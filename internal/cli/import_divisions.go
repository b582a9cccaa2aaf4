package cli

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/schollz/progressbar/v3"
	"github.com/spf13/cobra"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"sigs.k8s.io/yaml"

	governancev1alpha1 "github.com/cunshe/cunshe-operator/api/v1alpha1"
	"github.com/cunshe/cunshe-operator/internal/divisions"
)

// importOptions are import-divisions' flags.
type importOptions struct {
	outputDir string
	// jurisdictions also writes the cities' and provinces' Jurisdictions.
	jurisdictions bool
	// defaultCity is --default-city: the city marked spec.default.
	defaultCity string
	// cityNames are the --city-name values, CODE=NAME.
	cityNames []string
	// enrolledSince is --enrolled-since: the date every imported village
	// keeps its records on the platform from (S11); "" enrols none.
	enrolledSince string
}

func newImportDivisionsCommand() *cobra.Command {
	var opts importOptions
	cmd := &cobra.Command{
		Use:   "import-divisions FILE.csv",
		Short: "由区划登记表生成 Village（及 Jurisdiction）清单 / write Village (and Jurisdiction) manifests from the division registry",
		Long: `由国家统计局区划登记表（CSV，列 level,code,name,parent_code，UTF-8）生成 Village 清单。
登记表有县（county，6 位代码）、乡镇（township，9 位）和村（village，12 位）行，可另有省
（province，2 位，如 province,33,"浙江省",）和市（city，4 位，上级代码为省，如
city,3303,"温州市",33）行。没有 city 行的市由其县代码的前 4 位得出，市名用
--city-name 代码=市名 给出（可重复）。
默认把全部村（社区）写成一个多文档 YAML 到标准输出；用 -o DIR 则每个县写一个文件
<县代码>-<县名>.yaml，另写 kustomization.yaml 列出它们，供 GitOps 使用。
加 --jurisdictions 时，在村（社区）之前为每个市写一个 Jurisdiction（level City；登记表只有
一个市时设 default: true），为每个有 province 行的省写一个（level Province）。准入只接受
属于已声明的市的 Village，因此请带 --jurisdictions 导入，或先应用本市的 Jurisdiction。
登记表有多个市或加了 --jurisdictions 时，-o DIR 按市分目录：
  DIR/kustomization.yaml                   列出省文件和各市目录
  DIR/province-<省代码>.yaml               省的 Jurisdiction
  DIR/<市代码>-<市名>/jurisdiction.yaml     市的 Jurisdiction
  DIR/<市代码>-<市名>/<县代码>-<县名>.yaml   该县的村（社区）
  DIR/<市代码>-<市名>/kustomization.yaml    按列出顺序应用（sortOptions: fifo），辖区先于村
写 Jurisdiction 或按市分目录时，每个市都须有市名（city 行或 --city-name），否则退出码为 2。
导入的村（社区）默认未启用智慧村社通平台（须查纸质台账，S11）；加 --enrolled-since 日期 把全部
村（社区）登记为自该日起启用（spec.platform.enrolledSince）。只对确已在平台留痕的登记表这样做，
其余由平台运维或乡镇（街道）逐村登记。
FILE.csv 为 - 时读标准输入。任何一行有误都不写出任何文件，退出码为 2。

Writes Village manifests from the National Bureau of Statistics' division
registry (CSV with columns level,code,name,parent_code, UTF-8). The registry
has county (6-digit code), township (9) and village (12) rows, and may have
province (2 digits, e.g. province,33,"浙江省",) and city rows (4 digits, the
province as parent, e.g. city,3303,"温州市",33). A city without a city row is
known by the first 4 digits of its counties' codes; give its name with
--city-name CODE=NAME (repeatable).
By default all villages go to stdout as one multi-document YAML; with -o DIR,
one file per county, <countycode>-<countyname>.yaml, plus a kustomization.yaml
listing them, for GitOps.
With --jurisdictions, a Jurisdiction per city (level City; default: true when
the registry holds a single city) and per province with a province row (level
Province) comes before the villages. Admission takes only Villages of a
declared city, so import with --jurisdictions or apply the city's
Jurisdiction first.
When the registry holds several cities or --jurisdictions is given, -o DIR
has one folder per city:
  DIR/kustomization.yaml                      lists the province files and the city folders
  DIR/province-<provincecode>.yaml            the province's Jurisdiction
  DIR/<citycode>-<cityname>/jurisdiction.yaml the city's Jurisdiction
  DIR/<citycode>-<cityname>/<countycode>-<countyname>.yaml  the county's villages
  DIR/<citycode>-<cityname>/kustomization.yaml applied in the order listed
                                              (sortOptions: fifo), the Jurisdiction first
Writing Jurisdictions or city folders needs every city's name (a city row or
--city-name), else the import fails with exit code 2.
Imported villages are not enrolled on the platform (paper ledgers apply,
S11); --enrolled-since DATE records every one as keeping its records there
from that date (spec.platform.enrolledSince). Use it only for a registry
that really is on the platform; otherwise platform ops or the townships
enrol villages one by one.
FILE.csv - reads stdin. Any malformed row fails the import with exit code 2
and nothing is written.`,
		Example: `  kubectl cunshe import-divisions wenzhou-divisions.csv | kubectl apply -f -
  kubectl cunshe import-divisions wenzhou-divisions.csv -o clusters/city/villages
  kubectl cunshe import-divisions wenzhou-divisions.csv --jurisdictions --city-name 3303=温州市 -o clusters/city/divisions
  kubectl cunshe import-divisions province-divisions.csv --jurisdictions -o clusters/province/divisions
  kubectl cunshe import-divisions lucheng-divisions.csv --enrolled-since 2026-03-01 -o clusters/city/villages
  cat wenzhou-divisions.csv | kubectl cunshe import-divisions -`,
		Args: exactArgs("FILE.csv"),
		RunE: func(cmd *cobra.Command, args []string) error {
			return importDivisions(cmd, args[0], opts)
		},
	}
	cmd.Flags().StringVarP(&opts.outputDir, "output-dir", "o", "",
		"每个县一个文件写入此目录，并写 kustomization.yaml / write one file per county and a kustomization.yaml into this folder")
	cmd.Flags().BoolVar(&opts.jurisdictions, "jurisdictions", false,
		"在村（社区）之前写出各市、省的 Jurisdiction / also write the cities' and provinces' Jurisdictions, before the villages")
	cmd.Flags().StringVar(&opts.defaultCity, "default-city", "",
		"标为默认市（spec.default）的市代码；单市登记表默认为该市。默认市一经应用不可更改 / the code of the city marked spec.default; the only city of a one-city registry by default. It cannot change once applied")
	cmd.Flags().StringArrayVar(&opts.cityNames, "city-name", nil,
		"没有 city 行的市的名称，代码=市名，如 3303=温州市（可重复） / the name of a city without a city row, CODE=NAME, e.g. 3303=温州市 (repeatable)")
	cmd.Flags().StringVar(&opts.enrolledSince, "enrolled-since", "",
		"把全部村（社区）登记为自该日期（YYYY-MM-DD）起在平台留痕（S11）；默认不登记 / record every village as keeping its records on the platform from this date, YYYY-MM-DD (S11); none by default")
	return cmd
}

// jurisdictionDoc is one rendered Jurisdiction.
type jurisdictionDoc struct {
	code     string
	level    governancev1alpha1.JurisdictionLevel
	manifest []byte
}

func importDivisions(cmd *cobra.Command, path string, opts importOptions) error {
	flagNames, err := parseCityNames(opts.cityNames)
	if err != nil {
		return usageError(cmd, err)
	}
	if since := opts.enrolledSince; since != "" {
		if _, err := time.Parse(time.DateOnly, since); err != nil {
			return usageError(cmd, fmt.Errorf("--enrolled-since %q 不是 YYYY-MM-DD 格式的日期 / --enrolled-since %q is not a date written YYYY-MM-DD", since, since))
		}
	}
	reg, err := readRegistry(cmd.InOrStdin(), path)
	if err != nil {
		return inputError(err)
	}
	cities, err := nameCities(reg.Cities, flagNames)
	if err != nil {
		return usageError(cmd, fmt.Errorf("%s: %w", registryName(path), err))
	}
	folders := opts.outputDir != "" && (opts.jurisdictions || len(cities) > 1)
	if opts.jurisdictions || folders {
		if err := requireCityNames(cities); err != nil {
			return inputError(fmt.Errorf("%s: %w", registryName(path), err))
		}
	}
	var jurisdictions []jurisdictionDoc
	if opts.jurisdictions {
		if jurisdictions, err = renderJurisdictions(reg.Provinces, cities, opts.defaultCity); err != nil {
			return inputError(fmt.Errorf("%s: %w", registryName(path), err))
		}
	}

	villages := reg.Villages
	for i := range villages {
		villages[i].Spec.Platform.EnrolledSince = opts.enrolledSince
	}
	bar := newProgressBar(cmd.ErrOrStderr(), len(villages), "生成清单 / rendering")
	counties, err := renderCounties(villages, bar)
	if err != nil {
		_ = bar.Clear()
		return err
	}
	_ = bar.Finish()

	if !folders {
		if opts.outputDir == "" && len(jurisdictions) > 0 {
			return writeStream(cmd.OutOrStdout(), jurisdictions, counties)
		}
		written, err := writeCounties(cmd, opts.outputDir, counties)
		if err != nil || !written {
			return err
		}
		_, err = fmt.Fprintf(cmd.OutOrStdout(), "已将 %d 个村（社区）写入 %s 的 %d 个县文件 / wrote %d villages in %d county files to %s\n",
			len(villages), opts.outputDir, len(counties), len(villages), len(counties), opts.outputDir)
		return err
	}

	layout, err := cityLayout(cities, jurisdictions, counties)
	if err != nil {
		return inputError(err)
	}
	if err := layout.write(opts.outputDir); err != nil {
		return err
	}
	out := cmd.OutOrStdout()
	if len(jurisdictions) > 0 {
		_, err = fmt.Fprintf(out, "已将 %d 个辖区、%d 个村（社区）写入 %s 的 %d 个市目录（%d 个县文件） / wrote %d jurisdictions and %d villages in %d city folders (%d county files) to %s\n",
			len(jurisdictions), len(villages), opts.outputDir, len(layout.folders), len(counties),
			len(jurisdictions), len(villages), len(layout.folders), len(counties), opts.outputDir)
	} else {
		_, err = fmt.Fprintf(out, "已将 %d 个村（社区）写入 %s 的 %d 个市目录（%d 个县文件） / wrote %d villages in %d city folders (%d county files) to %s\n",
			len(villages), opts.outputDir, len(layout.folders), len(counties),
			len(villages), len(layout.folders), len(counties), opts.outputDir)
	}
	return err
}

// parseCityNames reads the --city-name values, CODE=NAME, into code → name.
func parseCityNames(values []string) (map[string]string, error) {
	names := map[string]string{}
	for _, v := range values {
		code, name, ok := strings.Cut(v, "=")
		name = strings.TrimSpace(name)
		if !ok || len(code) != governancev1alpha1.CityCodeLength || strings.Trim(code, "0123456789") != "" || name == "" {
			return nil, fmt.Errorf("--city-name %q 应为 4 位市代码=市名，如 3303=温州市 / --city-name %q must be a 4-digit city code=name, e.g. 3303=温州市", v, v)
		}
		if old, ok := names[code]; ok && old != name {
			return nil, fmt.Errorf("--city-name 为市 %s 给了两个名称 %s 和 %s / --city-name gives city %s two names, %s and %s", code, old, name, code, old, name)
		}
		names[code] = name
	}
	return names, nil
}

// nameCities gives the cities without a city row their --city-name. A
// --city-name for a city the registry does not hold, or one that differs
// from the city's row, is refused: it is most likely a typo.
func nameCities(cities []divisions.Area, flagNames map[string]string) ([]divisions.Area, error) {
	out := slices.Clone(cities)
	used := map[string]bool{}
	for i, c := range out {
		name, ok := flagNames[c.Code]
		if !ok {
			continue
		}
		used[c.Code] = true
		switch {
		case c.Name == "":
			out[i].Name = name
		case c.Name != name:
			return nil, fmt.Errorf("--city-name %s=%s 与登记表的 city 行（%s）不符 / --city-name %s=%s differs from the registry's city row (%s)",
				c.Code, name, c.Name, c.Code, name, c.Name)
		}
	}
	codes := make([]string, 0, len(flagNames))
	for code := range flagNames {
		if !used[code] {
			codes = append(codes, code)
		}
	}
	if len(codes) > 0 {
		slices.Sort(codes)
		return nil, fmt.Errorf("--city-name %s：登记表中没有市 %s / --city-name %s: the registry holds no city %s",
			codes[0], codes[0], codes[0], codes[0])
	}
	return out, nil
}

// requireCityNames fails, naming each, when a city has no name.
func requireCityNames(cities []divisions.Area) error {
	var errs []error
	for _, c := range cities {
		if c.Name == "" {
			errs = append(errs, fmt.Errorf("市 %s 没有名称：登记表中没有它的 city 行；请加一行 city,%s,\"<市名>\",<省代码> 或用 --city-name %s=<市名> / city %s has no name: the registry has no city row for it; add a row city,%s,\"NAME\",PROVINCECODE or give --city-name %s=NAME",
				c.Code, c.Code, c.Code, c.Code, c.Code, c.Code))
		}
	}
	return errors.Join(errs...)
}

// maxJurisdictionName is the longest spec.name a Jurisdiction takes.
const maxJurisdictionName = 32

// renderJurisdictions renders the provinces, then the cities, in code
// order. The default city is --default-city, or the only city of a
// single-city registry: a repository first imported with one city keeps
// that city the default when re-imported with more (spec.default cannot
// change once applied).
func renderJurisdictions(provinces, cities []divisions.Area, defaultCity string) ([]jurisdictionDoc, error) {
	if defaultCity == "" && len(cities) == 1 {
		defaultCity = cities[0].Code
	}
	if defaultCity != "" && !slices.ContainsFunc(cities, func(a divisions.Area) bool { return a.Code == defaultCity }) {
		return nil, fmt.Errorf("--default-city %s：登记表中没有该市 / --default-city %s: the registry holds no such city", defaultCity, defaultCity)
	}
	var docs []jurisdictionDoc
	add := func(level governancev1alpha1.JurisdictionLevel, a divisions.Area, isDefault bool) error {
		if utf8.RuneCountInString(a.Name) > maxJurisdictionName {
			return fmt.Errorf("%s 的名称 %q 超过 %d 个字 / the name %q of %s is longer than %d characters",
				a.Code, a.Name, maxJurisdictionName, a.Name, a.Code, maxJurisdictionName)
		}
		j := divisions.NewJurisdiction(level, a.Code, a.Name)
		j.Spec.Default = isDefault
		doc, err := jurisdictionManifest(&j)
		if err != nil {
			return err
		}
		docs = append(docs, jurisdictionDoc{code: a.Code, level: level, manifest: doc})
		return nil
	}
	for _, p := range provinces {
		if err := add(governancev1alpha1.LevelProvince, p, false); err != nil {
			return nil, err
		}
	}
	for _, c := range cities {
		if err := add(governancev1alpha1.LevelCity, c, c.Code == defaultCity); err != nil {
			return nil, err
		}
	}
	return docs, nil
}

// jurisdictionManifest renders j as a manifest to apply: no status,
// creationTimestamp or empty spec sections (review: {} and the like).
func jurisdictionManifest(j *governancev1alpha1.Jurisdiction) ([]byte, error) {
	obj, err := runtime.DefaultUnstructuredConverter.ToUnstructured(j)
	if err != nil {
		return nil, fmt.Errorf("转换辖区 %s 失败 / converting jurisdiction %s: %w", j.Name, j.Name, err)
	}
	delete(obj, "status")
	unstructured.RemoveNestedField(obj, "metadata", "creationTimestamp")
	if spec, ok := obj["spec"].(map[string]any); ok {
		for k, v := range spec {
			if m, ok := v.(map[string]any); ok && len(m) == 0 {
				delete(spec, k)
			}
		}
	}
	doc, err := yaml.Marshal(obj)
	if err != nil {
		return nil, fmt.Errorf("生成辖区 %s 的 YAML 失败 / rendering jurisdiction %s as YAML: %w", j.Name, j.Name, err)
	}
	return doc, nil
}

// writeStream writes the Jurisdictions and then the counties' Villages to
// w as one multi-document YAML, in one write.
func writeStream(w io.Writer, jurisdictions []jurisdictionDoc, counties []county) error {
	docs := make([][]byte, 0, len(jurisdictions)+len(counties))
	for _, j := range jurisdictions {
		docs = append(docs, j.manifest)
	}
	for _, c := range counties {
		docs = append(docs, c.manifests)
	}
	return writeDocs(w, docs)
}

// layout is the folder-per-city output: each city's folder and the files
// at the top.
type layout struct {
	folders []cityFolder
	top     []outputFile // the province files and kustomization.yaml
}

// cityFolder is one city's folder, <code>-<name>, and its files.
type cityFolder struct {
	name  string
	files []outputFile
}

// cityLayout lays out one folder per city that has anything to write: its
// Jurisdiction, its county files and a kustomization.yaml that applies
// them in that order; at the top, the province Jurisdictions and a
// kustomization.yaml listing them and the city folders. counties are in
// code order.
func cityLayout(cities []divisions.Area, jurisdictions []jurisdictionDoc, counties []county) (*layout, error) {
	l := &layout{}
	var resources []string
	for _, j := range jurisdictions {
		if j.level == governancev1alpha1.LevelProvince {
			name := "province-" + j.code + ".yaml"
			l.top = append(l.top, outputFile{name: name, data: j.manifest})
			resources = append(resources, name)
		}
	}
	for _, c := range cities {
		if err := checkFileName("市", "city", c.Code, c.Name); err != nil {
			return nil, err
		}
		var files []outputFile
		for _, j := range jurisdictions {
			if j.level == governancev1alpha1.LevelCity && j.code == c.Code {
				files = append(files, outputFile{name: "jurisdiction.yaml", data: j.manifest})
			}
		}
		for _, cc := range counties {
			if governancev1alpha1.CityOf(cc.code) != c.Code {
				continue
			}
			if err := checkFileName("县", "county", cc.code, cc.name); err != nil {
				return nil, err
			}
			files = append(files, outputFile{name: cc.fileName(), data: cc.manifests})
		}
		if len(files) == 0 {
			continue // a city row without counties, and no Jurisdiction to write
		}
		k, err := kustomizationFile(fileNames(files), true)
		if err != nil {
			return nil, err
		}
		folder := cityFolder{name: c.Code + "-" + c.Name, files: append(files, k)}
		l.folders = append(l.folders, folder)
		resources = append(resources, folder.name)
	}
	k, err := kustomizationFile(resources, true)
	if err != nil {
		return nil, err
	}
	l.top = append(l.top, k)
	return l, nil
}

// write writes the city folders, then the top files, kustomization.yaml
// last. It first checks that no file or folder is in the way, so that a
// failure it can foresee leaves nothing written.
func (l *layout) write(dir string) error {
	inTheWay := func(path string, wantDir bool) error {
		fi, err := os.Lstat(path)
		switch {
		case err != nil || fi.IsDir() == wantDir:
			return nil
		case wantDir:
			return fmt.Errorf("无法写入 %s：同名文件已存在 / cannot write %s: a file of that name exists", path, path)
		default:
			return fmt.Errorf("无法写入 %s：同名目录已存在 / cannot write %s: a folder of that name exists", path, path)
		}
	}
	for _, f := range l.folders {
		if err := inTheWay(filepath.Join(dir, f.name), true); err != nil {
			return err
		}
		for _, file := range f.files {
			if err := inTheWay(filepath.Join(dir, f.name, file.name), false); err != nil {
				return err
			}
		}
	}
	for _, file := range l.top {
		if err := inTheWay(filepath.Join(dir, file.name), false); err != nil {
			return err
		}
	}
	for _, f := range l.folders {
		if err := writeFiles(filepath.Join(dir, f.name), f.files); err != nil {
			return err
		}
	}
	return writeFiles(dir, l.top)
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
