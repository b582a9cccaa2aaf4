package cli

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	utilyaml "k8s.io/apimachinery/pkg/util/yaml"
	"sigs.k8s.io/yaml"

	governancev1alpha1 "github.com/cunshe/cunshe-operator/api/v1alpha1"
)

// smallRegistry has two counties; its villages are deliberately not in
// code order, and its line numbers are used by the malformed cases below.
const smallRegistry = `level,code,name,parent_code
county,330302,"鹿城区",3303
county,330327,"苍南县",3303
township,330302006,"五马街道",330302
township,330327116,"矾山镇",330327
village,330327116501,"鹤顶山茶场生活区",330327116
village,330327116001,"南下居委会",330327116
village,330302006045,"墨池社区",330302006
village,330302006044,"鼓楼社区",330302006
village,330327116201,"福德湾村委会",330327116
`

const wenzhouRegistry = "../../config/samples/wenzhou-divisions.csv"

// village is the spec a test expects, with the object's name equal to code.
func village(code, name string, typ governancev1alpha1.VillageType, county, countyName, townshipName string) governancev1alpha1.Village {
	return governancev1alpha1.Village{
		Spec: governancev1alpha1.VillageSpec{
			Code: code, Name: name, Type: typ,
			County:   governancev1alpha1.Division{Code: county, Name: countyName},
			Township: governancev1alpha1.Division{Code: code[:9], Name: townshipName},
		},
	}
}

// smallRegistryVillages is smallRegistry's import, in code order.
var smallRegistryVillages = []governancev1alpha1.Village{
	village("330302006044", "鼓楼社区", governancev1alpha1.TypeCommunity, "330302", "鹿城区", "五马街道"),
	village("330302006045", "墨池社区", governancev1alpha1.TypeCommunity, "330302", "鹿城区", "五马街道"),
	village("330327116001", "南下居委会", governancev1alpha1.TypeCommunity, "330327", "苍南县", "矾山镇"),
	village("330327116201", "福德湾村", governancev1alpha1.TypeVillage, "330327", "苍南县", "矾山镇"),
	village("330327116501", "鹤顶山茶场生活区", governancev1alpha1.TypeVillage, "330327", "苍南县", "矾山镇"),
}

// decodeVillages decodes multi-document YAML strictly into Villages and
// checks what every document must look like.
func decodeVillages(t *testing.T, manifests string) []governancev1alpha1.Village {
	t.Helper()
	for _, noise := range []string{"status", "creationTimestamp", "platform", "null", "{}"} {
		if strings.Contains(manifests, noise) {
			t.Errorf("manifests contain %q", noise)
		}
	}
	r := utilyaml.NewYAMLReader(bufio.NewReader(strings.NewReader(manifests)))
	var villages []governancev1alpha1.Village
	for {
		doc, err := r.Read()
		if errors.Is(err, io.EOF) {
			return villages
		}
		if err != nil {
			t.Fatalf("reading document %d: %v", len(villages)+1, err)
		}
		var v governancev1alpha1.Village
		if err := yaml.UnmarshalStrict(doc, &v); err != nil {
			t.Fatalf("decoding document %d:\n%s\n%v", len(villages)+1, doc, err)
		}
		if v.APIVersion != "governance.cunshe.io/v1alpha1" || v.Kind != "Village" {
			t.Errorf("document %d is %s %s, want governance.cunshe.io/v1alpha1 Village", len(villages)+1, v.APIVersion, v.Kind)
		}
		if v.Name != v.Spec.Code {
			t.Errorf("document %d: metadata.name %q differs from spec.code %q", len(villages)+1, v.Name, v.Spec.Code)
		}
		villages = append(villages, v)
	}
}

// specs drops what decodeVillages already checked, for comparing specs.
func specs(villages []governancev1alpha1.Village) []governancev1alpha1.VillageSpec {
	out := make([]governancev1alpha1.VillageSpec, len(villages))
	for i, v := range villages {
		out[i] = v.Spec
	}
	return out
}

func writeRegistry(t *testing.T, content string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "divisions.csv")
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// listDir returns the names in dir, nil when dir does not exist.
func listDir(t *testing.T, dir string) []string {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	return names
}

func TestImportDivisionsToStdout(t *testing.T) {
	tests := map[string]struct {
		// args are the arguments after import-divisions; FILE is replaced
		// by the path of a file holding registry.
		args     []string
		stdin    string
		registry string
	}{
		"a file":                  {args: []string{"FILE"}, registry: smallRegistry},
		"stdin as -":              {args: []string{"-"}, stdin: smallRegistry},
		"a file saved with a BOM": {args: []string{"FILE"}, registry: "\uFEFF" + smallRegistry},
		"CRLF line endings":       {args: []string{"FILE"}, registry: strings.ReplaceAll(smallRegistry, "\n", "\r\n")},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			args := []string{"import-divisions"}
			for _, a := range tc.args {
				if a == "FILE" {
					a = writeRegistry(t, tc.registry)
				}
				args = append(args, a)
			}
			got := run(t, tc.stdin, args...)
			if got.code != ExitOK {
				t.Fatalf("exit code = %d, want 0; stderr:\n%s", got.code, got.stderr)
			}
			if got.stderr != "" {
				t.Errorf("stderr is not empty (no progress bar when it is not a terminal):\n%s", got.stderr)
			}
			if n := strings.Count(got.stdout, "\n---\n"); n != len(smallRegistryVillages)-1 {
				t.Errorf("stdout has %d --- separators, want %d", n, len(smallRegistryVillages)-1)
			}
			if diff := cmpSpecs(specs(decodeVillages(t, got.stdout)), specs(smallRegistryVillages)); diff != "" {
				t.Error(diff)
			}
		})
	}
}

func cmpSpecs(got, want []governancev1alpha1.VillageSpec) string {
	if slices.Equal(got, want) {
		return ""
	}
	return fmt.Sprintf("villages =\n%+v\nwant\n%+v", got, want)
}

func TestImportDivisionsToDir(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "villages")
	path := writeRegistry(t, smallRegistry)
	// A second import over the same folder replaces the files in place.
	for range 2 {
		got := run(t, "", "import-divisions", path, "--output-dir", dir)
		if got.code != ExitOK {
			t.Fatalf("exit code = %d, want 0; stderr:\n%s", got.code, got.stderr)
		}
		wantStdout := "已将 5 个村（社区）写入 " + dir + " 的 2 个县文件 / wrote 5 villages in 2 county files to " + dir + "\n"
		if got.stdout != wantStdout {
			t.Errorf("stdout = %q, want %q", got.stdout, wantStdout)
		}
	}

	wantFiles := []string{"330302-鹿城区.yaml", "330327-苍南县.yaml", "kustomization.yaml"}
	if got := listDir(t, dir); !slices.Equal(got, wantFiles) {
		t.Fatalf("files = %q, want %q", got, wantFiles)
	}
	wantByFile := map[string][]governancev1alpha1.Village{
		"330302-鹿城区.yaml": smallRegistryVillages[:2],
		"330327-苍南县.yaml": smallRegistryVillages[2:],
	}
	for file, want := range wantByFile {
		data, err := os.ReadFile(filepath.Join(dir, file))
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmpSpecs(specs(decodeVillages(t, string(data))), specs(want)); diff != "" {
			t.Errorf("%s: %s", file, diff)
		}
	}
	var k kustomization
	data, err := os.ReadFile(filepath.Join(dir, "kustomization.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	if err := yaml.UnmarshalStrict(data, &k); err != nil {
		t.Fatal(err)
	}
	wantK := kustomization{APIVersion: "kustomize.config.k8s.io/v1beta1", Kind: "Kustomization", Resources: wantFiles[:2]}
	if k.APIVersion != wantK.APIVersion || k.Kind != wantK.Kind || !slices.Equal(k.Resources, wantK.Resources) {
		t.Errorf("kustomization.yaml = %+v, want %+v", k, wantK)
	}
}

func TestImportDivisionsMalformed(t *testing.T) {
	lines := strings.SplitAfter(smallRegistry, "\n")
	// appendRow adds row as line 11, after smallRegistry's last line.
	appendRow := func(row string) string { return smallRegistry + row + "\n" }
	tests := map[string]struct {
		registry string
		// wantLine is the line the error names; 0 when it names none.
		wantLine int
		// wantErr must appear in stderr.
		wantErr string
	}{
		"a village code with a letter": {
			registry: appendRow(`village,33030200604x,"坏村委会",330302006`),
			wantLine: 11,
			wantErr:  `village code "33030200604x" must be 12 digits`,
		},
		"a row with five columns": {
			registry: appendRow(`village,330302006046,"五列村委会",330302006,extra`),
			wantLine: 11,
			wantErr:  "wrong number of fields（每行应有 4 列 level,code,name,parent_code / each row needs the 4 columns level,code,name,parent_code）",
		},
		"a row with three columns": {
			registry: appendRow(`village,330302006046,"三列村委会"`),
			wantLine: 11,
			wantErr:  "wrong number of fields",
		},
		"a village whose township is missing": {
			registry: appendRow(`village,330302099001,"无乡村委会",330302099`),
			wantLine: 11,
			wantErr:  "the county 330302 or township 330302099 of village 330302099001 is not in the registry",
		},
		"a village under another township's parent code": {
			registry: appendRow(`village,330302006046,"错上级村委会",330327116`),
			wantLine: 11,
			wantErr:  "code 330302006046 does not start with its parent code 330327116",
		},
		"a village code listed twice": {
			registry: appendRow(`village,330302006044,"重复社区",330302006`),
			wantLine: 11,
			wantErr:  "code 330302006044 already appears on line 9",
		},
		"a bare quote in the first field": {
			registry: appendRow(`vil"lage,330302006046,"引号村委会",330302006`),
			wantLine: 11,
			wantErr:  "a quote is unmatched or misplaced",
		},
		"a malformed township before the villages": {
			registry: strings.Join(slices.Insert(slices.Clone(lines), 3, "township,33030200,\"短码街道\",330302\n"), ""),
			wantLine: 4,
			wantErr:  `township code "33030200" must be 9 digits`,
		},
		"a GBK-encoded name": {
			registry: appendRow("village,330302006046,\"\xb9\xc4\xc2\xa5\xc9\xe7\xc7\xf8\",330302006"),
			wantLine: 11,
			wantErr:  "the file is not UTF-8",
		},
		"a wrong header": {
			registry: "level,code,name,parent\n" + strings.Join(lines[1:], ""),
			wantLine: 1,
			wantErr:  "the header must be level,code,name,parent_code",
		},
		"a registry without villages": {
			registry: strings.Join(lines[:5], ""),
			wantErr:  "the registry lists no villages",
		},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			path := writeRegistry(t, tc.registry)
			check := func(t *testing.T, got result) {
				t.Helper()
				if got.code != ExitUnusableInput {
					t.Errorf("exit code = %d, want %d", got.code, ExitUnusableInput)
				}
				if got.stdout != "" {
					t.Errorf("stdout is not empty:\n%s", got.stdout)
				}
				want := "错误 / error: " + path + ": "
				if tc.wantLine > 0 {
					want += fmt.Sprintf("第 %d 行 / line %d: ", tc.wantLine, tc.wantLine)
				}
				if !strings.HasPrefix(got.stderr, want) {
					t.Errorf("stderr does not start with %q:\n%s", want, got.stderr)
				}
				if !strings.Contains(got.stderr, tc.wantErr) {
					t.Errorf("stderr does not contain %q:\n%s", tc.wantErr, got.stderr)
				}
			}

			t.Run("stdout", func(t *testing.T) {
				check(t, run(t, "", "import-divisions", path))
			})
			t.Run("existing output dir", func(t *testing.T) {
				dir := t.TempDir()
				if err := os.WriteFile(filepath.Join(dir, "README.md"), nil, 0o644); err != nil {
					t.Fatal(err)
				}
				check(t, run(t, "", "import-divisions", path, "-o", dir))
				if got := listDir(t, dir); !slices.Equal(got, []string{"README.md"}) {
					t.Errorf("output dir holds %q, want only README.md", got)
				}
			})
			t.Run("missing output dir", func(t *testing.T) {
				dir := filepath.Join(t.TempDir(), "villages")
				check(t, run(t, "", "import-divisions", path, "-o", dir))
				if _, err := os.Stat(dir); !errors.Is(err, os.ErrNotExist) {
					t.Errorf("output dir was created (%v)", err)
				}
			})
		})
	}
}

func TestImportDivisionsDirFailures(t *testing.T) {
	tests := map[string]struct {
		registry string
		// prepare readies the output dir.
		prepare  func(t *testing.T, dir string)
		wantCode int
		wantErr  string
		// wantFiles is the output dir's content afterwards.
		wantFiles []string
	}{
		"a county name that is no file name": {
			registry:  strings.Replace(smallRegistry, `"鹿城区"`, `"鹿城/../区"`, 1),
			prepare:   func(*testing.T, string) {},
			wantCode:  ExitUnusableInput,
			wantErr:   `the name "鹿城/../区" of county 330302 cannot be used in a file name`,
			wantFiles: nil,
		},
		"a folder in the way of the last county file": {
			registry: smallRegistry,
			prepare: func(t *testing.T, dir string) {
				if err := os.MkdirAll(filepath.Join(dir, "330327-苍南县.yaml"), 0o755); err != nil {
					t.Fatal(err)
				}
			},
			wantCode:  ExitFailure,
			wantErr:   "a folder of that name exists",
			wantFiles: []string{"330327-苍南县.yaml"},
		},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			dir := filepath.Join(t.TempDir(), "villages")
			tc.prepare(t, dir)
			got := run(t, "", "import-divisions", writeRegistry(t, tc.registry), "-o", dir)
			if got.code != tc.wantCode {
				t.Errorf("exit code = %d, want %d", got.code, tc.wantCode)
			}
			if !strings.Contains(got.stderr, tc.wantErr) {
				t.Errorf("stderr does not contain %q:\n%s", tc.wantErr, got.stderr)
			}
			if files := listDir(t, dir); !slices.Equal(files, tc.wantFiles) {
				t.Errorf("output dir holds %q, want %q", files, tc.wantFiles)
			}
		})
	}
}

func TestImportWenzhouRegistry(t *testing.T) {
	wantCounties := []string{
		"330302-鹿城区.yaml", "330303-龙湾区.yaml", "330304-瓯海区.yaml", "330305-洞头区.yaml",
		"330324-永嘉县.yaml", "330326-平阳县.yaml", "330327-苍南县.yaml", "330328-文成县.yaml",
		"330329-泰顺县.yaml", "330381-瑞安市.yaml", "330382-乐清市.yaml", "330383-龙港市.yaml",
	}
	const wantVillages = 3685

	t.Run("stdout", func(t *testing.T) {
		got := run(t, "", "import-divisions", wenzhouRegistry)
		if got.code != ExitOK {
			t.Fatalf("exit code = %d, want 0; stderr:\n%s", got.code, got.stderr)
		}
		villages := decodeVillages(t, got.stdout)
		if len(villages) != wantVillages {
			t.Errorf("%d villages, want %d", len(villages), wantVillages)
		}
		if !slices.IsSortedFunc(villages, func(a, b governancev1alpha1.Village) int { return strings.Compare(a.Name, b.Name) }) {
			t.Error("villages are not in code order")
		}
	})

	t.Run("output dir", func(t *testing.T) {
		dir := t.TempDir()
		got := run(t, "", "import-divisions", wenzhouRegistry, "-o", dir)
		if got.code != ExitOK {
			t.Fatalf("exit code = %d, want 0; stderr:\n%s", got.code, got.stderr)
		}
		if files := listDir(t, dir); !slices.Equal(files, append(slices.Clone(wantCounties), "kustomization.yaml")) {
			t.Fatalf("files = %q, want the 12 county files and kustomization.yaml", files)
		}
		total := 0
		for _, file := range wantCounties {
			data, err := os.ReadFile(filepath.Join(dir, file))
			if err != nil {
				t.Fatal(err)
			}
			villages := decodeVillages(t, string(data))
			for _, v := range villages {
				if got := v.Spec.County.Code + "-" + v.Spec.County.Name + ".yaml"; got != file {
					t.Errorf("%s holds village %s of county %s", file, v.Name, got)
				}
			}
			total += len(villages)
		}
		if total != wantVillages {
			t.Errorf("%d villages in the county files, want %d", total, wantVillages)
		}
	})

	t.Run("jurisdictions in a city folder", func(t *testing.T) {
		dir := t.TempDir()
		got := run(t, "", "import-divisions", wenzhouRegistry, "--jurisdictions", "--city-name", "3303=温州市", "-o", dir)
		if got.code != ExitOK {
			t.Fatalf("exit code = %d, want 0; stderr:\n%s", got.code, got.stderr)
		}
		if files := listDir(t, dir); !slices.Equal(files, []string{"3303-温州市", "kustomization.yaml"}) {
			t.Fatalf("files = %q, want the city folder and kustomization.yaml", files)
		}
		city := filepath.Join(dir, "3303-温州市")
		want := slices.Concat(wantCounties, []string{"jurisdiction.yaml", "kustomization.yaml"})
		slices.Sort(want)
		if files := listDir(t, city); !slices.Equal(files, want) {
			t.Fatalf("city folder holds %q, want %q", files, want)
		}
		data, err := os.ReadFile(filepath.Join(city, "jurisdiction.yaml"))
		if err != nil {
			t.Fatal(err)
		}
		if got, want := summarize(t, string(data)), []string{"Jurisdiction 3303 温州市 City default"}; !slices.Equal(got, want) {
			t.Errorf("jurisdiction.yaml holds %q, want %q", got, want)
		}
		var k kustomization
		if data, err = os.ReadFile(filepath.Join(city, "kustomization.yaml")); err != nil {
			t.Fatal(err)
		}
		if err := yaml.UnmarshalStrict(data, &k); err != nil {
			t.Fatal(err)
		}
		if wantRes := slices.Concat([]string{"jurisdiction.yaml"}, wantCounties); !slices.Equal(k.Resources, wantRes) || k.SortOptions == nil || k.SortOptions.Order != "fifo" {
			t.Errorf("kustomization.yaml = %+v, want fifo %q", k, wantRes)
		}
	})
}

// twoCities is a registry of two cities of one province, with province and
// city rows. Its codes and the names of its divisions are real; the names
// of the villages of 3301 (宝石社区, 松木场社区) are invented test data.
const twoCities = "testdata/import-divisions/two-cities.csv"

// twoCitiesWithout returns twoCities without the rows that start with
// prefix, in a temporary file.
func twoCitiesWithout(t *testing.T, prefix string) string {
	t.Helper()
	data, err := os.ReadFile(twoCities)
	if err != nil {
		t.Fatal(err)
	}
	var kept []string
	for line := range strings.Lines(string(data)) {
		if !strings.HasPrefix(line, prefix) {
			kept = append(kept, line)
		}
	}
	return writeRegistry(t, strings.Join(kept, ""))
}

// summarize decodes multi-document YAML strictly into Jurisdictions and
// Villages and sums each up as "Jurisdiction <code> <name> <level>
// [default]" or "Village <code>", in order.
func summarize(t *testing.T, manifests string) []string {
	t.Helper()
	for _, noise := range []string{"status", "creationTimestamp", "platform", "null", "{}"} {
		if strings.Contains(manifests, noise) {
			t.Errorf("manifests contain %q", noise)
		}
	}
	r := utilyaml.NewYAMLReader(bufio.NewReader(strings.NewReader(manifests)))
	var out []string
	for {
		doc, err := r.Read()
		if errors.Is(err, io.EOF) {
			return out
		}
		if err != nil {
			t.Fatalf("reading document %d: %v", len(out)+1, err)
		}
		var head struct{ APIVersion, Kind string }
		if err := yaml.Unmarshal(doc, &head); err != nil || head.APIVersion != "governance.cunshe.io/v1alpha1" {
			t.Fatalf("document %d is %+v (%v), want a governance.cunshe.io/v1alpha1 object:\n%s", len(out)+1, head, err, doc)
		}
		switch head.Kind {
		case "Jurisdiction":
			var j governancev1alpha1.Jurisdiction
			if err := yaml.UnmarshalStrict(doc, &j); err != nil {
				t.Fatalf("decoding document %d:\n%s\n%v", len(out)+1, doc, err)
			}
			if j.Name != j.Spec.Code {
				t.Errorf("document %d: metadata.name %q differs from spec.code %q", len(out)+1, j.Name, j.Spec.Code)
			}
			s := fmt.Sprintf("Jurisdiction %s %s %s", j.Spec.Code, j.Spec.Name, j.Spec.Level)
			if j.Spec.Default {
				s += " default"
			}
			out = append(out, s)
		case "Village":
			out = append(out, "Village "+decodeVillages(t, string(doc))[0].Spec.Code)
		default:
			t.Fatalf("document %d is a %s", len(out)+1, head.Kind)
		}
	}
}

// twoCitiesVillages are twoCities' villages, by city.
var (
	hangzhouVillages       = []string{"Village 330106002001", "Village 330106002002"}
	wenzhouLuchengVillages = []string{"Village 330302006044", "Village 330302006045"}
	wenzhouCangnanVillages = []string{"Village 330327116201"}
)

func TestImportDivisionsJurisdictionsToStdout(t *testing.T) {
	tests := map[string]struct {
		// args follow import-divisions; FILE is replaced by registry's path.
		args     []string
		registry func(t *testing.T) string
		// want sums up the documents on stdout, in order.
		want []string
	}{
		"two cities: the province, then the cities, then the villages": {
			args:     []string{"FILE", "--jurisdictions"},
			registry: func(*testing.T) string { return twoCities },
			want: slices.Concat([]string{
				"Jurisdiction 33 浙江省 Province",
				"Jurisdiction 3301 杭州市 City",
				"Jurisdiction 3303 温州市 City",
			}, hangzhouVillages, wenzhouLuchengVillages, wenzhouCangnanVillages),
		},
		"a city without a row named by --city-name; no province row, no province": {
			args:     []string{"FILE", "--jurisdictions", "--city-name", "3301=杭州市"},
			registry: func(t *testing.T) string { return twoCitiesWithout(t, "province,") },
			want: slices.Concat([]string{
				"Jurisdiction 3301 杭州市 City",
				"Jurisdiction 3303 温州市 City",
			}, hangzhouVillages, wenzhouLuchengVillages, wenzhouCangnanVillages),
		},
		"a single city is the default": {
			args:     []string{"FILE", "--jurisdictions", "--city-name", "3303=温州市"},
			registry: func(t *testing.T) string { return writeRegistry(t, smallRegistry) },
			want: []string{
				"Jurisdiction 3303 温州市 City default",
				"Village 330302006044", "Village 330302006045",
				"Village 330327116001", "Village 330327116201", "Village 330327116501",
			},
		},
		"--default-city keeps a city the default among several": {
			args:     []string{"FILE", "--jurisdictions", "--default-city", "3303"},
			registry: func(*testing.T) string { return twoCities },
			want: slices.Concat([]string{
				"Jurisdiction 33 浙江省 Province",
				"Jurisdiction 3301 杭州市 City",
				"Jurisdiction 3303 温州市 City default",
			}, hangzhouVillages, wenzhouLuchengVillages, wenzhouCangnanVillages),
		},
		"without --jurisdictions, villages only, and no city needs a name": {
			args:     []string{"FILE"},
			registry: func(t *testing.T) string { return twoCitiesWithout(t, "city,") },
			want:     slices.Concat(hangzhouVillages, wenzhouLuchengVillages, wenzhouCangnanVillages),
		},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			args := []string{"import-divisions"}
			for _, a := range tc.args {
				if a == "FILE" {
					a = tc.registry(t)
				}
				args = append(args, a)
			}
			got := run(t, "", args...)
			if got.code != ExitOK {
				t.Fatalf("exit code = %d, want 0; stderr:\n%s", got.code, got.stderr)
			}
			if docs := summarize(t, got.stdout); !slices.Equal(docs, tc.want) {
				t.Errorf("stdout holds\n%q\nwant\n%q", docs, tc.want)
			}
		})
	}
}

func TestImportDivisionsCityFolders(t *testing.T) {
	fifo := func(resources ...string) kustomization {
		return kustomization{APIVersion: "kustomize.config.k8s.io/v1beta1", Kind: "Kustomization",
			SortOptions: &sortOptions{Order: "fifo"}, Resources: resources}
	}
	tests := map[string]struct {
		// args follow import-divisions FILE -o DIR.
		args     []string
		registry func(t *testing.T) string
		// wantFiles sums up the documents of each manifest file, by path
		// under the output folder.
		wantFiles map[string][]string
		// wantKustomizations are the kustomization.yaml files, by path.
		wantKustomizations map[string]kustomization
		wantStdout         string
	}{
		"two cities and their province": {
			args:     []string{"--jurisdictions"},
			registry: func(*testing.T) string { return twoCities },
			wantFiles: map[string][]string{
				"province-33.yaml":           {"Jurisdiction 33 浙江省 Province"},
				"3301-杭州市/jurisdiction.yaml": {"Jurisdiction 3301 杭州市 City"},
				"3301-杭州市/330106-西湖区.yaml":   hangzhouVillages,
				"3303-温州市/jurisdiction.yaml": {"Jurisdiction 3303 温州市 City"},
				"3303-温州市/330302-鹿城区.yaml":   wenzhouLuchengVillages,
				"3303-温州市/330327-苍南县.yaml":   wenzhouCangnanVillages,
			},
			wantKustomizations: map[string]kustomization{
				"kustomization.yaml":          fifo("province-33.yaml", "3301-杭州市", "3303-温州市"),
				"3301-杭州市/kustomization.yaml": fifo("jurisdiction.yaml", "330106-西湖区.yaml"),
				"3303-温州市/kustomization.yaml": fifo("jurisdiction.yaml", "330302-鹿城区.yaml", "330327-苍南县.yaml"),
			},
			wantStdout: "已将 3 个辖区、5 个村（社区）写入 DIR 的 2 个市目录（3 个县文件） / wrote 3 jurisdictions and 5 villages in 2 city folders (3 county files) to DIR\n",
		},
		"two cities without --jurisdictions: city folders of villages": {
			registry: func(t *testing.T) string { return twoCitiesWithout(t, "city,3301") },
			args:     []string{"--city-name", "3301=杭州市"},
			wantFiles: map[string][]string{
				"3301-杭州市/330106-西湖区.yaml": hangzhouVillages,
				"3303-温州市/330302-鹿城区.yaml": wenzhouLuchengVillages,
				"3303-温州市/330327-苍南县.yaml": wenzhouCangnanVillages,
			},
			wantKustomizations: map[string]kustomization{
				"kustomization.yaml":          fifo("3301-杭州市", "3303-温州市"),
				"3301-杭州市/kustomization.yaml": fifo("330106-西湖区.yaml"),
				"3303-温州市/kustomization.yaml": fifo("330302-鹿城区.yaml", "330327-苍南县.yaml"),
			},
			wantStdout: "已将 5 个村（社区）写入 DIR 的 2 个市目录（3 个县文件） / wrote 5 villages in 2 city folders (3 county files) to DIR\n",
		},
		"one city with --jurisdictions: its folder, the default city": {
			args:     []string{"--jurisdictions", "--city-name", "3303=温州市"},
			registry: func(t *testing.T) string { return writeRegistry(t, smallRegistry) },
			wantFiles: map[string][]string{
				"3303-温州市/jurisdiction.yaml": {"Jurisdiction 3303 温州市 City default"},
				"3303-温州市/330302-鹿城区.yaml":   {"Village 330302006044", "Village 330302006045"},
				"3303-温州市/330327-苍南县.yaml":   {"Village 330327116001", "Village 330327116201", "Village 330327116501"},
			},
			wantKustomizations: map[string]kustomization{
				"kustomization.yaml":          fifo("3303-温州市"),
				"3303-温州市/kustomization.yaml": fifo("jurisdiction.yaml", "330302-鹿城区.yaml", "330327-苍南县.yaml"),
			},
			wantStdout: "已将 1 个辖区、5 个村（社区）写入 DIR 的 1 个市目录（2 个县文件） / wrote 1 jurisdictions and 5 villages in 1 city folders (2 county files) to DIR\n",
		},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			dir := filepath.Join(t.TempDir(), "divisions")
			// A second import over the same folder replaces the files in place.
			for range 2 {
				got := run(t, "", slices.Concat([]string{"import-divisions", tc.registry(t), "-o", dir}, tc.args)...)
				if got.code != ExitOK {
					t.Fatalf("exit code = %d, want 0; stderr:\n%s", got.code, got.stderr)
				}
				if want := strings.ReplaceAll(tc.wantStdout, "DIR", dir); got.stdout != want {
					t.Errorf("stdout = %q, want %q", got.stdout, want)
				}
			}

			var files, wantFiles []string
			err := filepath.WalkDir(dir, func(path string, d os.DirEntry, err error) error {
				if err == nil && !d.IsDir() {
					rel, _ := filepath.Rel(dir, path)
					files = append(files, filepath.ToSlash(rel))
				}
				return err
			})
			if err != nil {
				t.Fatal(err)
			}
			for f := range tc.wantFiles {
				wantFiles = append(wantFiles, f)
			}
			for f := range tc.wantKustomizations {
				wantFiles = append(wantFiles, f)
			}
			slices.Sort(files)
			slices.Sort(wantFiles)
			if !slices.Equal(files, wantFiles) {
				t.Fatalf("files =\n%q\nwant\n%q", files, wantFiles)
			}
			for file, want := range tc.wantFiles {
				data, err := os.ReadFile(filepath.Join(dir, file))
				if err != nil {
					t.Fatal(err)
				}
				if got := summarize(t, string(data)); !slices.Equal(got, want) {
					t.Errorf("%s holds %q, want %q", file, got, want)
				}
			}
			for file, want := range tc.wantKustomizations {
				data, err := os.ReadFile(filepath.Join(dir, file))
				if err != nil {
					t.Fatal(err)
				}
				var k kustomization
				if err := yaml.UnmarshalStrict(data, &k); err != nil {
					t.Fatalf("%s: %v", file, err)
				}
				if k.APIVersion != want.APIVersion || k.Kind != want.Kind || k.SortOptions == nil ||
					*k.SortOptions != *want.SortOptions || !slices.Equal(k.Resources, want.Resources) {
					t.Errorf("%s = %+v %+v, want %+v %+v", file, k, k.SortOptions, want, want.SortOptions)
				}
			}
		})
	}
}

func TestImportDivisionsCityNames(t *testing.T) {
	tests := map[string]struct {
		// args follow import-divisions FILE; DIR is replaced by an output
		// folder that does not exist yet.
		args     []string
		registry func(t *testing.T) string
		// wantErr must appear in stderr, after "错误 / error: ".
		wantErr []string
	}{
		"a city without a row or --city-name, with --jurisdictions": {
			args:     []string{"--jurisdictions"},
			registry: func(t *testing.T) string { return twoCitiesWithout(t, "city,3301") },
			wantErr: []string{
				`市 3301 没有名称：登记表中没有它的 city 行；请加一行 city,3301,"<市名>",<省代码> 或用 --city-name 3301=<市名>`,
				`city 3301 has no name: the registry has no city row for it; add a row city,3301,"NAME",PROVINCECODE or give --city-name 3301=NAME`,
			},
		},
		"a city without a name in the city folders": {
			args:     []string{"-o", "DIR"},
			registry: func(t *testing.T) string { return twoCitiesWithout(t, "city,3303") },
			wantErr:  []string{"市 3303 没有名称", "city 3303 has no name"},
		},
		"every city without a name is named": {
			args:     []string{"--jurisdictions", "-o", "DIR"},
			registry: func(t *testing.T) string { return twoCitiesWithout(t, "city,") },
			wantErr:  []string{"市 3301 没有名称", "city 3301 has no name", "市 3303 没有名称", "city 3303 has no name"},
		},
		"the Wenzhou registry has no city row": {
			args:     []string{"--jurisdictions"},
			registry: func(*testing.T) string { return wenzhouRegistry },
			wantErr:  []string{"市 3303 没有名称", "city 3303 has no name"},
		},
		"a --city-name without a name": {
			args:     []string{"--city-name", "3301="},
			registry: func(*testing.T) string { return twoCities },
			wantErr:  []string{`--city-name "3301=" 应为 4 位市代码=市名，如 3303=温州市 / --city-name "3301=" must be a 4-digit city code=name, e.g. 3303=温州市`},
		},
		"a --city-name with a 6-digit code": {
			args:     []string{"--city-name", "330100=杭州市"},
			registry: func(*testing.T) string { return twoCities },
			wantErr:  []string{`--city-name "330100=杭州市" must be a 4-digit city code=name`},
		},
		"a --city-name giving a city two names": {
			args:     []string{"--city-name", "3301=杭州市", "--city-name", "3301=杭城"},
			registry: func(t *testing.T) string { return twoCitiesWithout(t, "city,3301") },
			wantErr:  []string{"--city-name 为市 3301 给了两个名称 杭州市 和 杭城 / --city-name gives city 3301 two names, 杭州市 and 杭城"},
		},
		"a --city-name for a city the registry does not hold": {
			args:     []string{"--city-name", "3330=温州市"},
			registry: func(*testing.T) string { return wenzhouRegistry },
			wantErr:  []string{"--city-name 3330：登记表中没有市 3330 / --city-name 3330: the registry holds no city 3330"},
		},
		"a --city-name that differs from the city row": {
			args:     []string{"--city-name", "3301=杭城"},
			registry: func(*testing.T) string { return twoCities },
			wantErr:  []string{"--city-name 3301=杭城 与登记表的 city 行（杭州市）不符 / --city-name 3301=杭城 differs from the registry's city row (杭州市)"},
		},
		"a city name that is no folder name": {
			args: []string{"-o", "DIR"},
			registry: func(t *testing.T) string {
				return writeRegistry(t, strings.Replace(mustRead(t, twoCities), `"杭州市"`, `"杭州/.."`, 1))
			},
			wantErr: []string{`市 3301 的名称 "杭州/.." 不能用作文件名 / the name "杭州/.." of city 3301 cannot be used in a file name`},
		},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			dir := filepath.Join(t.TempDir(), "divisions")
			args := []string{"import-divisions", tc.registry(t)}
			for _, a := range tc.args {
				args = append(args, strings.ReplaceAll(a, "DIR", dir))
			}
			got := run(t, "", args...)
			if got.code != ExitUnusableInput {
				t.Errorf("exit code = %d, want %d", got.code, ExitUnusableInput)
			}
			if got.stdout != "" {
				t.Errorf("stdout is not empty:\n%s", got.stdout)
			}
			if !strings.HasPrefix(got.stderr, "错误 / error: ") {
				t.Errorf("stderr does not start with 错误 / error: \n%s", got.stderr)
			}
			for _, want := range tc.wantErr {
				if !strings.Contains(got.stderr, want) {
					t.Errorf("stderr does not contain %q:\n%s", want, got.stderr)
				}
			}
			if _, err := os.Stat(dir); !errors.Is(err, os.ErrNotExist) {
				t.Errorf("output dir was created (%v)", err)
			}
		})
	}
}

func mustRead(t *testing.T, path string) string {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(data)
}

func TestImportDivisionsCityFolderInTheWay(t *testing.T) {
	dir := t.TempDir()
	// A file where the second city's folder goes: nothing is written.
	if err := os.WriteFile(filepath.Join(dir, "3303-温州市"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	got := run(t, "", "import-divisions", twoCities, "--jurisdictions", "-o", dir)
	if got.code != ExitFailure {
		t.Errorf("exit code = %d, want %d", got.code, ExitFailure)
	}
	if want := "cannot write " + filepath.Join(dir, "3303-温州市") + ": a file of that name exists"; !strings.Contains(got.stderr, want) {
		t.Errorf("stderr does not contain %q:\n%s", want, got.stderr)
	}
	if files := listDir(t, dir); !slices.Equal(files, []string{"3303-温州市"}) {
		t.Errorf("output dir holds %q, want only the file in the way", files)
	}
}

// S11: an imported village is not enrolled on the platform (decodeVillages
// refuses a platform field); --enrolled-since records every one as keeping
// its records there from that date.
func TestImportDivisionsEnrolledSince(t *testing.T) {
	registry := writeRegistry(t, smallRegistry)
	t.Run("every village from the date", func(t *testing.T) {
		got := run(t, "", "import-divisions", registry, "--enrolled-since", "2026-03-01")
		if got.code != ExitOK {
			t.Fatalf("exit code = %d, want 0; stderr:\n%s", got.code, got.stderr)
		}
		if n := strings.Count(got.stdout, "  platform:\n    enrolledSince: \"2026-03-01\"\n"); n != len(smallRegistryVillages) {
			t.Errorf("%d villages enrolled since 2026-03-01, want all %d:\n%s", n, len(smallRegistryVillages), got.stdout)
		}
	})
	t.Run("a date that is no date", func(t *testing.T) {
		dir := t.TempDir()
		got := run(t, "", "import-divisions", registry, "--enrolled-since", "2026-02-30", "-o", dir)
		if got.code != ExitUnusableInput {
			t.Errorf("exit code = %d, want %d", got.code, ExitUnusableInput)
		}
		if want := `--enrolled-since "2026-02-30" 不是 YYYY-MM-DD 格式的日期 / --enrolled-since "2026-02-30" is not a date written YYYY-MM-DD`; !strings.Contains(got.stderr, want) {
			t.Errorf("stderr does not say %q:\n%s", want, got.stderr)
		}
		if entries, _ := os.ReadDir(dir); len(entries) != 0 {
			t.Errorf("files were written: %v", entries)
		}
	})
}
