package cli

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	governancev1alpha1 "github.com/cunshe/cunshe-operator/api/v1alpha1"
)

// signboardsOf decodes the output strictly into styles and sets.
func signboardsOf(t *testing.T, file, data string) (styles []string, sets map[string]*governancev1alpha1.SignboardSet) {
	t.Helper()
	ms, err := decodeManifests(file, []byte(data))
	if err != nil {
		t.Fatal(err)
	}
	sets = map[string]*governancev1alpha1.SignboardSet{}
	for _, m := range ms {
		switch o := m.obj.(type) {
		case *governancev1alpha1.SignboardStyle:
			styles = append(styles, o.Name+" "+o.Spec.Township.Name)
		case *governancev1alpha1.SignboardSet:
			sets[o.Namespace] = o
		default:
			t.Fatalf("unexpected %s", m.ref())
		}
	}
	return styles, sets
}

func TestImportSignboards(t *testing.T) {
	got := run(t, smallRegistry, "import-signboards", "--city", "温州市", "-")
	if got.code != ExitOK {
		t.Fatalf("exit code %d:\n%s", got.code, got.stderr)
	}
	if strings.Contains(got.stdout, "status") || strings.Contains(got.stdout, "creationTimestamp") {
		t.Errorf("the manifests carry status or creationTimestamp:\n%s", got.stdout)
	}
	styles, sets := signboardsOf(t, "stdout", got.stdout)
	if diff := cmp.Diff([]string{"330302006 五马街道", "330327116 矾山镇"}, styles); diff != "" {
		t.Errorf("styles (-want +got):\n%s", diff)
	}
	if len(sets) != 5 {
		t.Fatalf("%d sets, want 5", len(sets))
	}
	tests := map[string]struct {
		namespace string
		// want are the committee, the cooperative and the cultural sign.
		want []string
	}{
		"a community": {namespace: "village-330302006044", want: []string{
			"ResidentsCommittee 温州市鹿城区五马街道鼓楼社区居民委员会", "EconomicCooperative 温州市鹿城区五马街道鼓楼社区股份经济合作社", "CommunityCultureHome 鼓楼社区文化家园"}},
		"a 居委会 is a community": {namespace: "village-330327116001", want: []string{
			"ResidentsCommittee 温州市苍南县矾山镇南下居委会居民委员会", "EconomicCooperative 温州市苍南县矾山镇南下居委会股份经济合作社", "CommunityCultureHome 南下居委会文化家园"}},
		"a village": {namespace: "village-330327116201", want: []string{
			"VillagersCommittee 温州市苍南县矾山镇福德湾村村民委员会", "EconomicCooperative 温州市苍南县矾山镇福德湾村经济合作社", "CulturalHall 福德湾村文化礼堂"}},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			s := sets[tc.namespace]
			if s == nil {
				t.Fatalf("no set in %s", tc.namespace)
			}
			b := s.Spec.InstitutionBoards
			got := []string{string(b[1].Type) + " " + b[1].Text, string(b[3].Type) + " " + b[3].Text,
				string(s.Spec.ServiceSigns[2].Type) + " " + s.Spec.ServiceSigns[2].Text}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}

func TestImportSignboardsPerCounty(t *testing.T) {
	dir := t.TempDir()
	got := run(t, "", "import-signboards", wenzhouRegistry, "--city", "温州市", "-o", dir)
	if got.code != ExitOK {
		t.Fatalf("exit code %d:\n%s", got.code, got.stderr)
	}
	if want := "wrote the signboards of 3685 villages in 12 county files to " + dir; !strings.Contains(got.stdout, want) {
		t.Errorf("stdout %q does not say %q", got.stdout, want)
	}
	data, err := os.ReadFile(filepath.Join(dir, "330302-鹿城区.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	styles, sets := signboardsOf(t, "330302-鹿城区.yaml", string(data))
	if len(styles) != 14 || len(sets) != 171 {
		t.Errorf("鹿城区: %d styles and %d sets, want 14 and 171", len(styles), len(sets))
	}
	if _, err := os.Stat(filepath.Join(dir, "kustomization.yaml")); err != nil {
		t.Error(err)
	}
}

func TestRenderBoardsFromFiles(t *testing.T) {
	dir := t.TempDir()
	villages := writeFile(t, dir, "villages.yaml", run(t, smallRegistry, "import-divisions", "-").stdout)
	sets := writeFile(t, dir, "signboards.yaml", run(t, smallRegistry, "import-signboards", "--city", "温州市", "-").stdout)
	tests := map[string]struct {
		args       []string
		wantCode   int
		wantStdout string
		wantStderr string
	}{
		"a compliant village": {
			args: []string{"330327116201", "-f", villages, "-f", sets}, wantStdout: "✔ 符合 S12–S16 / compliant",
		},
		"a village that is not in the files": {
			args: []string{"330302006999", "-f", villages, "-f", sets}, wantCode: ExitUnusableInput,
			wantStderr: `文件中没有 Village "330302006999" / the files hold no Village "330302006999"`,
		},
		"a set edited to hang its honour outside": {
			args: []string{"330302006044", "-f", villages, "-f", "-"}, wantStdout: "✘ 不符合规则",
			wantStderr: `不合规 / noncompliant: spec.honours[0].display: Forbidden: S16 荣誉 "省级文明社区" 不得在室外悬挂`,
		},
	}
	stdin, err := os.ReadFile(sets)
	if err != nil {
		t.Fatal(err)
	}
	withHonour := strings.Replace(string(stdin), "  style: \"330302006\"\n", "  style: \"330302006\"\n  honours: [{title: 省级文明社区, display: Outside}]\n", 1)
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			got := run(t, withHonour, append([]string{"render", "boards"}, tc.args...)...)
			if got.code != tc.wantCode {
				t.Errorf("exit code = %d, want %d; stderr:\n%s", got.code, tc.wantCode, got.stderr)
			}
			if !strings.Contains(got.stdout, tc.wantStdout) {
				t.Errorf("stdout does not contain %q", tc.wantStdout)
			}
			if !strings.Contains(got.stderr, tc.wantStderr) {
				t.Errorf("stderr does not contain %q:\n%s", tc.wantStderr, got.stderr)
			}
		})
	}
}
