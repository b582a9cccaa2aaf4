package cli

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"encoding/pem"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/cunshe/cunshe-operator/internal/golden"

	"sigs.k8s.io/yaml"

	governancev1alpha1 "github.com/cunshe/cunshe-operator/api/v1alpha1"
	"github.com/cunshe/cunshe-operator/internal/rules"
)

func TestKeygen(t *testing.T) {
	now = func() time.Time { return time.Date(2026, 11, 26, 0, 0, 0, 0, time.UTC) }
	t.Cleanup(func() { now = time.Now })

	t.Run("writes a 0600 PKCS#8 key and prints the entry to paste", func(t *testing.T) {
		dir := t.TempDir()
		got := run(t, "", "keygen", "--unit", "mzj", "--output-dir", dir)
		if got.code != ExitOK {
			t.Fatalf("exit code %d:\n%s", got.code, got.stderr)
		}
		keyPath := filepath.Join(dir, "mzj.key")
		fi, err := os.Stat(keyPath)
		if err != nil {
			t.Fatal(err)
		}
		if fi.Mode().Perm() != 0o600 {
			t.Errorf("key file mode = %v, want 0600", fi.Mode().Perm())
		}
		key, err := readKeyFile(keyPath)
		if err != nil {
			t.Fatal(err)
		}
		if key.unit != "mzj" || key.keyID != "mzj-2026" {
			t.Errorf("key file names unit %q, key id %q; want mzj, mzj-2026 (the default <unit>-<year>)", key.unit, key.keyID)
		}
		pubFile, err := os.ReadFile(filepath.Join(dir, "mzj.pub.yaml"))
		if err != nil {
			t.Fatal(err)
		}
		if string(pubFile) != got.stdout {
			t.Errorf("mzj.pub.yaml differs from what was printed:\n%s\n%s", pubFile, got.stdout)
		}
		var entries []governancev1alpha1.PublicKey
		if err := yaml.UnmarshalStrict(pubFile, &entries); err != nil {
			t.Fatal(err)
		}
		if len(entries) != 1 || entries[0].ID != "mzj-2026" || entries[0].Ed25519 != publicKeyOf(key.key) {
			t.Errorf("entries = %+v, want the key's public half as mzj-2026", entries)
		}
		if !strings.HasPrefix(got.stdout, "# 粘贴到 ReviewUnit mzj 的 spec.publicKeys 下") || !strings.Contains(got.stdout, "- id: mzj-2026\n  ed25519: ") {
			t.Errorf("stdout is not the entry to paste, id first:\n%s", got.stdout)
		}
		// The rule engine accepts the key.
		u := &governancev1alpha1.ReviewUnit{Spec: governancev1alpha1.ReviewUnitSpec{PublicKeys: entries}}
		if errs := rules.ValidateReviewUnit(u, rules.Jurisdictions{}); len(errs) > 0 {
			t.Errorf("ValidateReviewUnit: %v", errs)
		}
		if !strings.Contains(got.stderr, "切勿提交到 Git / ") {
			t.Errorf("stderr does not warn to keep the key secret:\n%s", got.stderr)
		}

		again := run(t, "", "keygen", "--unit", "mzj", "--output-dir", dir)
		if again.code != ExitFailure || !strings.Contains(again.stderr, "已存在，不覆盖 / ") {
			t.Errorf("a second keygen: exit code %d, stderr:\n%s", again.code, again.stderr)
		}
		if after, _ := readKeyFile(keyPath); !after.key.Equal(key.key) {
			t.Error("a second keygen overwrote the key")
		}
	})

	t.Run("without -o: the key in the current folder, the entry on stdout only", func(t *testing.T) {
		dir := t.TempDir()
		t.Chdir(dir)
		got := run(t, "", "keygen", "--unit", "nyj")
		entries, _ := os.ReadDir(dir)
		if got.code != ExitOK || len(entries) != 1 || entries[0].Name() != "nyj.key" || !strings.Contains(got.stdout, "- id: nyj-2026\n") {
			t.Errorf("exit code %d, files %v, stdout:\n%s", got.code, entries, got.stdout)
		}
	})

	t.Run("an explicit key id", func(t *testing.T) {
		dir := t.TempDir()
		got := run(t, "", "keygen", "--unit", "sjw", "--key-id", "sjw-2027a", "--output-dir", dir)
		key, err := readKeyFile(filepath.Join(dir, "sjw.key"))
		if got.code != ExitOK || err != nil || key.keyID != "sjw-2027a" || !strings.Contains(got.stdout, "- id: sjw-2027a\n") {
			t.Errorf("exit code %d, key %+v, %v; stdout:\n%s", got.code, key, err, got.stdout)
		}
	})

	usage := map[string]struct {
		args       []string
		wantStderr string
	}{
		"no unit":            {nil, "缺少必需的参数 --unit / required flag(s) --unit not set"},
		"a unit with a path": {[]string{"--unit", "../mzj"}, `联审单位 "../mzj" 不是有效的 ReviewUnit 名称 / `},
		"a key id too long":  {[]string{"--unit", "mzj", "--key-id", strings.Repeat("k", 65)}, "须为不含空白、不超过 64 个字符的字符串"},
		"an argument":        {[]string{"--unit", "mzj", "extra"}, "不接受参数，收到 1 个 / takes no arguments, got 1"},
	}
	for name, tc := range usage {
		t.Run(name, func(t *testing.T) {
			dir := t.TempDir()
			got := run(t, "", append([]string{"keygen", "--output-dir", dir}, tc.args...)...)
			if got.code != ExitUnusableInput || !strings.Contains(got.stderr, tc.wantStderr) {
				t.Errorf("exit code %d, stderr does not contain %q:\n%s", got.code, tc.wantStderr, got.stderr)
			}
			if entries, _ := os.ReadDir(dir); len(entries) > 0 {
				t.Errorf("files were written: %v", entries)
			}
		})
	}
}

// TestApproveRoundTrip: keys from keygen, approvals from approve, and
// validate (the rules admission runs) agrees that they verify.
func TestApproveRoundTrip(t *testing.T) {
	keys, repo := t.TempDir(), t.TempDir()
	var units strings.Builder
	for _, u := range reviewUnits {
		got := run(t, "", "keygen", "--unit", u, "--output-dir", keys)
		if got.code != ExitOK {
			t.Fatalf("keygen: %s", got.stderr)
		}
		units.WriteString("---\napiVersion: governance.cunshe.io/v1alpha1\nkind: ReviewUnit\nmetadata: {name: " + u +
			"}\nspec:\n  displayName: " + u + "\n  group: cunshe:unit:" + u + "\n  publicKeys:\n" + indent(got.stdout, "  "))
	}
	writeFile(t, repo, "units.yaml", units.String())
	writeFile(t, repo, "dept.yaml", "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: dept-tjj\n  labels: {governance.cunshe.io/department: tjj}\n")
	items := writeFile(t, repo, "items.yaml", censusItem+"---\n"+strings.Replace(censusItem, "name: l1-census-assist", "name: l1-census-other", 1))
	writeFile(t, repo, "village.yaml", `apiVersion: governance.cunshe.io/v1alpha1
kind: Village
metadata: {name: "330302006044"}
spec: {code: "330302006044", name: 鼓楼社区, type: Community, county: {code: "330302", name: 鹿城区}, township: {code: "330302006", name: 五马街道}}
---
apiVersion: governance.cunshe.io/v1alpha1
kind: Village
metadata: {name: "330324108207"}
spec: {code: "330324108207", name: 芙蓉村, type: Village, county: {code: "330324", name: 永嘉县}, township: {code: "330324108", name: 岩头镇}}
`)
	writeFile(t, repo, "dept-mzj.yaml", "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: dept-mzj\n  labels: {governance.cunshe.io/department: mzj}\n")

	for _, u := range reviewUnits {
		got := run(t, "", "approve", "--unit", u, "--key", filepath.Join(keys, u+".key"), "--comment", "同意", items)
		if got.code != ExitOK {
			t.Fatalf("approve --unit %s: exit code %d:\n%s", u, got.code, got.stderr)
		}
		writeFile(t, repo, "approvals-"+u+".yaml", got.stdout)

		// Each approval verifies with the rule engine directly, too.
		ms, err := decodeManifests("approvals", []byte(got.stdout))
		if err != nil || len(ms) != 2 {
			t.Fatalf("approve wrote %d objects, %v:\n%s", len(ms), err, got.stdout)
		}
		a := ms[0].obj.(*governancev1alpha1.ItemApproval)
		unit := reviewUnitOf(t, repo, u)
		if a.Name != "l1-census-assist."+u || a.Spec.Item != "l1-census-assist" || a.Spec.Unit != u ||
			a.Spec.Decision != governancev1alpha1.DecisionApprove || a.Spec.Comment != "同意" || a.Spec.Digest != digestOf(t, censusItem) {
			t.Errorf("approval = %+v", a)
		}
		if err := rules.VerifySignature(&a.Spec, unit); err != nil {
			t.Errorf("VerifySignature: %v", err)
		}
	}

	got := run(t, "", "validate", repo, "--require-approved")
	if got.code != ExitOK || !strings.Contains(got.stdout, "ListItem/l1-census-assist: Approved 4/4") || !strings.Contains(got.stdout, "ListItem/l1-census-other: Approved 4/4") {
		t.Errorf("validate: exit code %d\n%s\n%s", got.code, got.stdout, got.stderr)
	}

	// A unit changes its mind: a newer approval file, signed Reject.
	reject := run(t, "", "approve", "--unit", "sjw", "--key", filepath.Join(keys, "sjw.key"), "--decision", "reject", items)
	writeFile(t, repo, "approvals-sjw.yaml", reject.stdout)
	got = run(t, "", "validate", repo)
	if got.code != ExitOK || !strings.Contains(got.stdout, "ListItem/l1-census-assist: Rejected 3/4") {
		t.Errorf("after sjw's Reject: exit code %d\n%s", got.code, got.stdout)
	}

	// The item changes after approval: every approval is stale.
	writeFile(t, repo, "items.yaml", strings.Replace(censusItem, "入户登记", "入户登记及复查", 1))
	got = run(t, "", "validate", repo)
	if got.code != ExitOK || !strings.Contains(got.stdout, "ListItem/l1-census-assist: Pending 0/4") || !strings.Contains(got.stdout, "审核的是事项的旧版本") {
		t.Errorf("after a change: exit code %d\n%s", got.code, got.stdout)
	}
}

func indent(s, prefix string) string {
	var b strings.Builder
	for _, l := range strings.SplitAfter(s, "\n") {
		if l != "" {
			b.WriteString(prefix + l)
		}
	}
	return b.String()
}

func reviewUnitOf(t *testing.T, dir, name string) *governancev1alpha1.ReviewUnit {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(dir, "units.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	ms, err := decodeManifests("units.yaml", data)
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range ms {
		if u, ok := m.obj.(*governancev1alpha1.ReviewUnit); ok && u.Name == name {
			return u
		}
	}
	t.Fatalf("no unit %s", name)
	return nil
}

func TestApproveOutput(t *testing.T) {
	items := writeFile(t, t.TempDir(), "items.yaml", censusItem)
	args := []string{"approve", "--unit", "mzj", "--key", testKey("mzj"), "--comment", "同意列入准入事项清单", items}
	got := run(t, "", args...)
	if got.code != ExitOK {
		t.Fatalf("exit code %d:\n%s", got.code, got.stderr)
	}
	// Ed25519 signatures are deterministic: the same item, key and decision
	// give the same bytes, so regenerated approvals make no diff.
	golden.Check(t, "testdata/approve/census.mzj.yaml.golden", got.stdout)
	if again := run(t, "", args...); again.stdout != got.stdout {
		t.Errorf("a second run differs:\n%s", again.stdout)
	}

	// A comment that YAML would misread unquoted comes back as written.
	const comment = "yes: 同意 # 不是注释\n第二行 'quoted' \"too\""
	tricky := run(t, "", "approve", "--unit", "mzj", "--key", testKey("mzj"), "--comment", comment, items)
	ms, err := decodeManifests("approval", []byte(tricky.stdout))
	if err != nil || len(ms) != 1 {
		t.Fatalf("decoding %q: %v", tricky.stdout, err)
	}
	if a := ms[0].obj.(*governancev1alpha1.ItemApproval); a.Spec.Comment != comment {
		t.Errorf("comment = %q, want %q", a.Spec.Comment, comment)
	}
}

func TestApproveErrors(t *testing.T) {
	dir := t.TempDir()
	items := writeFile(t, dir, "items.yaml", censusItem)
	key, err := os.ReadFile(testKey("mzj"))
	if err != nil {
		t.Fatal(err)
	}
	// The same key without the lines keygen writes before the PEM block.
	bare := writeFile(t, dir, "bare.key", string(key[strings.Index(string(key), "-----BEGIN"):]))
	ecKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	der, err := x509.MarshalPKCS8PrivateKey(ecKey)
	if err != nil {
		t.Fatal(err)
	}
	ec := writeFile(t, dir, "ec.key", string(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der})))

	t.Run("a bare PKCS#8 key works with --key-id", func(t *testing.T) {
		got := run(t, "", "approve", "--unit", "mzj", "--key", bare, "--key-id", "mzj-local-only", items)
		want := run(t, "", "approve", "--unit", "mzj", "--key", testKey("mzj"), items)
		if got.code != ExitOK || got.stdout != want.stdout {
			t.Errorf("exit code %d, stderr %s\n%s\nwant\n%s", got.code, got.stderr, got.stdout, want.stdout)
		}
	})

	tests := map[string]struct {
		args       []string
		wantStderr string
	}{
		"no key":                   {[]string{"--unit", "mzj", items}, "缺少必需的参数 --key / required flag(s) --key not set"},
		"no unit nor key":          {[]string{items}, "缺少必需的参数 --unit, --key / required flag(s) --unit, --key not set"},
		"no item file":             {[]string{"--unit", "mzj", "--key", testKey("mzj")}, "需要至少 1 个参数 ITEM.yaml..."},
		"another unit's key":       {[]string{"--unit", "zzb", "--key", testKey("mzj"), items}, `属于联审单位 "mzj"，不是 "zzb" / key ../../config/samples/lists/keys/mzj.local-only.key belongs to review unit "mzj", not "zzb"`},
		"a bare key without an id": {[]string{"--unit", "mzj", "--key", bare, items}, "私钥文件中没有密钥编号，请用 --key-id 指定 / the key file names no key id; give one with --key-id"},
		"an ECDSA key":             {[]string{"--unit", "mzj", "--key", ec, "--key-id", "x", items}, "不是 Ed25519 私钥（而是 *ecdsa.PrivateKey）/ "},
		"a file that is no key":    {[]string{"--unit", "mzj", "--key", items, items}, "不是 PKCS#8 PEM 私钥"},
		"a missing key":            {[]string{"--unit", "mzj", "--key", filepath.Join(dir, "nope.key"), items}, "无法读取私钥 / reading the key "},
		"a bad decision":           {[]string{"--unit", "mzj", "--key", testKey("mzj"), "--decision", "Abstain", items}, `意见 "Abstain" 无效，只能是 Approve 或 Reject / decision "Abstain" is invalid: use Approve or Reject`},
		"a comment too long":       {[]string{"--unit", "mzj", "--key", testKey("mzj"), "--comment", strings.Repeat("长", 2049), items}, "审核说明过长（2049 字，上限 2048）"},
		"a file without items":     {[]string{"--unit", "mzj", "--key", testKey("mzj"), writeFile(t, dir, "ns.yaml", "apiVersion: v1\nkind: Namespace\nmetadata: {name: x}\n")}, "ns.yaml 中没有 ListItem / "},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			got := run(t, "", append([]string{"approve"}, tc.args...)...)
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
