package cli

import (
	"encoding/json"
	"fmt"
	"os"
	"strings"
	"testing"

	"sigs.k8s.io/yaml"

	governancev1alpha1 "github.com/cunshe/cunshe-operator/api/v1alpha1"
	"github.com/cunshe/cunshe-operator/internal/rules"
)

// censusItem is an item in the usual block style.
const censusItem = `apiVersion: governance.cunshe.io/v1alpha1
kind: ListItem
metadata:
  name: l1-census-assist
spec:
  list: Admission
  title: 协助开展人口普查入户登记
  content: 协助普查员入户登记 <不代填>
  applicant:
    kind: CityDepartment
    name: tjj
  basis:
    kind: Regulation
    citation: 《全国人口普查条例》第十条
  villageRole: Assist
  responsibleDepartments: [tjj, mzj]
  residentFacing: true
  scope:
    counties: ["330302", "330324"]
`

// digestOf runs digest on one document and returns the digest it prints.
func digestOf(t *testing.T, doc string) string {
	t.Helper()
	got := run(t, doc, "digest", "-")
	if got.code != ExitOK {
		t.Fatalf("digest: exit code %d:\n%s", got.code, got.stderr)
	}
	name, digest, ok := strings.Cut(strings.TrimSuffix(got.stdout, "\n"), "\t")
	if !ok || name != "l1-census-assist" || strings.Contains(digest, "\n") {
		t.Fatalf("digest printed %q, want one line <name>\\t<digest>", got.stdout)
	}
	return digest
}

func TestDigestIsStable(t *testing.T) {
	want := digestOf(t, censusItem)
	var item governancev1alpha1.ListItem
	if err := yaml.UnmarshalStrict([]byte(censusItem), &item); err != nil {
		t.Fatal(err)
	}
	if d := rules.Digest(&item.Spec, nil); d != want {
		t.Fatalf("digest printed %s, rules.Digest says %s", want, d)
	}

	same := map[string]string{
		"keys in another order": `kind: ListItem
spec:
  villageRole: Assist
  scope:
    counties: ["330302", "330324"]
  residentFacing: true
  responsibleDepartments: [tjj, mzj]
  basis:
    citation: 《全国人口普查条例》第十条
    kind: Regulation
  applicant:
    name: tjj
    kind: CityDepartment
  content: 协助普查员入户登记 <不代填>
  title: 协助开展人口普查入户登记
  list: Admission
metadata:
  name: l1-census-assist
apiVersion: governance.cunshe.io/v1alpha1
`,
		"flow style, quotes, comments and a document marker": `--- # the census item
{apiVersion: governance.cunshe.io/v1alpha1, kind: ListItem, metadata: {name: "l1-census-assist"},
 spec: {list: "Admission", title: '协助开展人口普查入户登记', content: "协助普查员入户登记 <不代填>",
   applicant: {kind: CityDepartment, name: tjj},   # 统计局
   basis: {kind: Regulation, citation: "《全国人口普查条例》第十条"},
   villageRole: Assist, responsibleDepartments: ["tjj", "mzj"], residentFacing: true,
   scope: {counties: ['330302', '330324']}}}
`,
		"JSON": `{"apiVersion":"governance.cunshe.io/v1alpha1","kind":"ListItem","metadata":{"name":"l1-census-assist"},"spec":{"list":"Admission","title":"协助开展人口普查入户登记","content":"协助普查员入户登记 \u003c不代填\u003e","applicant":{"kind":"CityDepartment","name":"tjj"},"basis":{"kind":"Regulation","citation":"《全国人口普查条例》第十条"},"villageRole":"Assist","responsibleDepartments":["tjj","mzj"],"residentFacing":true,"scope":{"counties":["330302","330324"]}}}`,
		"sets in another order, with repeats": strings.NewReplacer(
			`[tjj, mzj]`, `[mzj, tjj, mzj]`, `["330302", "330324"]`, `["330324", "330302"]`).Replace(censusItem),
		"village types spelled out as the default": censusItem + "    villageTypes: [Village, Community]\n",
		"a retirement (not signed)":                censusItem + "  retirement: {reason: 依据已废止, effective: \"2027-01-01\"}\n",
		"metadata and status (not signed)": strings.Replace(censusItem, "  name: l1-census-assist\n",
			"  name: l1-census-assist\n  labels: {list: l1}\n  annotations: {note: x}\n", 1) + "status:\n  phase: Pending\n",
	}
	for name, doc := range same {
		t.Run(name, func(t *testing.T) {
			if got := digestOf(t, doc); got != want {
				t.Errorf("digest = %s, want %s", got, want)
			}
		})
	}

	differs := map[string]string{
		"another title":           strings.Replace(censusItem, "入户登记", "入户登记工作", 1),
		"another village role":    strings.Replace(censusItem, "villageRole: Assist", "villageRole: Undertake", 1),
		"one county fewer":        strings.Replace(censusItem, `["330302", "330324"]`, `["330302"]`, 1),
		"residents need not know": strings.Replace(censusItem, "residentFacing: true", "residentFacing: false", 1),
	}
	for name, doc := range differs {
		t.Run(name+" changes the digest", func(t *testing.T) {
			if got := digestOf(t, doc); got == want {
				t.Errorf("digest unchanged: %s", got)
			}
		})
	}
}

func TestDigestOutput(t *testing.T) {
	second := strings.Replace(censusItem, "name: l1-census-assist", "name: l1-census-other", 1)
	twoItems := censusItem + "---\n" + `apiVersion: v1
kind: Namespace
metadata: {name: dept-tjj}
---
` + second

	t.Run("one line per item, in file order, other kinds skipped", func(t *testing.T) {
		got := run(t, twoItems, "digest", "-")
		lines := strings.Split(strings.TrimSuffix(got.stdout, "\n"), "\n")
		if got.code != ExitOK || len(lines) != 2 || !strings.HasPrefix(lines[0], "l1-census-assist\tsha256:") || !strings.HasPrefix(lines[1], "l1-census-other\tsha256:") {
			t.Errorf("exit code %d, stdout:\n%s\nstderr:\n%s", got.code, got.stdout, got.stderr)
		}
	})
	t.Run("several files", func(t *testing.T) {
		dir := t.TempDir()
		got := run(t, "", "digest", writeFile(t, dir, "a.yaml", censusItem), writeFile(t, dir, "b.yaml", second))
		if got.code != ExitOK || strings.Count(got.stdout, "\n") != 2 {
			t.Errorf("exit code %d, stdout:\n%s", got.code, got.stdout)
		}
	})
	t.Run("-o json", func(t *testing.T) {
		got := run(t, twoItems, "digest", "-", "-o", "json")
		var digests itemDigestList
		if err := json.Unmarshal([]byte(got.stdout), &digests); err != nil {
			t.Fatalf("%v:\n%s", err, got.stdout)
		}
		want := digestOf(t, censusItem)
		if digests.Kind != "ItemDigestList" || len(digests.Items) != 2 || digests.Items[0] != (itemDigest{Name: "l1-census-assist", Digest: want}) {
			t.Errorf("digests = %+v", digests)
		}
	})

	errors := map[string]struct {
		stdin      string
		args       []string
		wantStderr string
	}{
		"an unknown field names the document": {
			stdin: twoItems + "  flowref: x\n", args: []string{"-"},
			wantStderr: `<stdin>: 第 3 个文档 / document 3 (ListItem "l1-census-other"): 未知字段 "spec.flowref" / unknown field "spec.flowref"`,
		},
		"no ListItem": {
			stdin: "apiVersion: v1\nkind: Namespace\nmetadata: {name: x}\n", args: []string{"-"},
			wantStderr: "<stdin> 中没有 ListItem / <stdin> holds no ListItem",
		},
		"a missing file": {
			args:       []string{"nope.yaml"},
			wantStderr: "无法读取 nope.yaml / reading nope.yaml",
		},
		"an unknown output format": {
			stdin: censusItem, args: []string{"-", "-o", "csv"},
			wantStderr: `输出格式 "csv" 无效，可选 / output format "csv" is not supported; use one of: json, yaml, kyaml, name,`,
		},
		"no file": {
			wantStderr: "需要至少 1 个参数 FILE... / want at least 1 argument FILE...",
		},
	}
	for name, tc := range errors {
		t.Run(name, func(t *testing.T) {
			got := run(t, tc.stdin, append([]string{"digest"}, tc.args...)...)
			if got.code != ExitUnusableInput {
				t.Errorf("exit code = %d, want %d", got.code, ExitUnusableInput)
			}
			if !strings.Contains(got.stderr, tc.wantStderr) {
				t.Errorf("stderr does not contain %q:\n%s", tc.wantStderr, got.stderr)
			}
			if got.stdout != "" {
				t.Errorf("stdout = %q, want nothing", got.stdout)
			}
		})
	}
}

// FuzzDecodeManifests: the decoder never panics, and what it decodes
// digests without panicking.
func FuzzDecodeManifests(f *testing.F) {
	f.Add(censusItem)
	f.Add(censusItem + "---\n" + strings.Replace(censusItem, "title:", "titel:", 1))
	f.Add("apiVersion: governance.cunshe.io/v1alpha1\nkind: ListItemList\nitems: [{metadata: {name: x}}]\n")
	f.Add("- id: a\n  ed25519: b\n")
	f.Add("{")
	f.Fuzz(func(t *testing.T, doc string) {
		ms, err := decodeManifests("fuzz.yaml", []byte(doc))
		if err != nil {
			if !strings.Contains(err.Error(), "document") {
				t.Errorf("error %q does not name the document", err)
			}
			return
		}
		for _, item := range listItemsOf(ms) {
			_ = rules.Digest(&item.Spec, nil)
			_ = fmt.Sprint(item.Name)
		}
	})
}

// P1: a MicroPower item's digest covers its flow, so digest (and approve)
// needs the flow's manifest beside the item, and says so when it is missing.
func TestDigestOfAMicroPowerItemNeedsItsFlow(t *testing.T) {
	items, flows := "../../config/samples/lists/items-l6-micro-power.yaml", "../../config/samples/lists/flows.yaml"
	alone := run(t, "", "digest", items)
	if alone.code == ExitOK || !strings.Contains(alone.stderr, `P1 小微权力事项 "l6-village-engineering-project" 的摘要包含其运行流程图`) ||
		!strings.Contains(alone.stderr, "give the flow's file too") {
		t.Fatalf("digest without the flow: exit %d, stderr:\n%s", alone.code, alone.stderr)
	}
	both := run(t, "", "digest", items, flows)
	if both.code != ExitOK {
		t.Fatalf("digest with the flow: exit %d:\n%s", both.code, both.stderr)
	}
	approvals, err := os.ReadFile("../../config/samples/lists/approvals-mzj.yaml")
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Split(strings.TrimSpace(both.stdout), "\n") {
		_, digest, _ := strings.Cut(line, "\t")
		if !strings.Contains(string(approvals), "digest: "+digest) {
			t.Errorf("the sample approvals do not sign %s (the digest with the flow)", line)
		}
	}
}
