package cli

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/cunshe/cunshe-operator/internal/golden"

	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/client/interceptor"

	governancev1alpha1 "github.com/cunshe/cunshe-operator/api/v1alpha1"
)

func TestDiffGolden(t *testing.T) {
	c := newCity(t)
	useCluster(t, interceptor.Funcs{}, c.objects(nil)...)

	text := run(t, "", "diff", "1", "3")
	if text.code != ExitOK {
		t.Fatalf("exit code %d:\n%s", text.code, text.stderr)
	}
	golden.Check(t, "testdata/diff/1-3.txt.golden", text.stdout)

	js := run(t, "", "diff", "lists-1", "lists-3", "-o", "json")
	if js.code != ExitOK {
		t.Fatalf("-o json: exit code %d:\n%s", js.code, js.stderr)
	}
	golden.Check(t, "testdata/diff/1-3.json.golden", js.stdout)
	var d revisionDiff
	if err := json.Unmarshal([]byte(js.stdout), &d); err != nil {
		t.Fatal(err)
	}
	if len(d.Added) != 5 || len(d.Removed) != 1 || len(d.Changed) != 1 || d.Unchanged != 5 {
		t.Errorf("added %d, removed %d, changed %d, unchanged %d; want 5, 1, 1, 5", len(d.Added), len(d.Removed), len(d.Changed), d.Unchanged)
	}
	if d.Removed[0].Name != "l2-family-relationship" || d.Changed[0].Name != "l4-director-affairs-disclosure" {
		t.Errorf("removed %s, changed %s; want the retired certificate and the re-approved duty", d.Removed[0].Name, d.Changed[0].Name)
	}
}

func TestDiffCases(t *testing.T) {
	c := newCity(t)
	tests := map[string]struct {
		args []string
		// objects replace the city's when set.
		objects []client.Object
		// wantCode is the exit code.
		wantCode int
		// wantStdout and wantStderr must appear in their stream.
		wantStdout, wantStderr string
	}{
		"numbers and names mix": {
			args: []string{"lists-2", "3"}, wantStdout: "第 2 版 (lists-2) → 第 3 版 (lists-3)",
		},
		"backwards: what 3 added, 1 lacks": {
			args:       []string{"3", "1"},
			wantStdout: "汇总 / summary: 新增 1，退出 5，变更 1，未变 5，服务减少 5 / 1 added, 5 removed, 1 changed, 5 unchanged, 5 services dropped\n",
		},
		"a revision against itself": {
			args: []string{"2", "2"},
			wantStdout: "新增事项 / added: 0\n  无 / none\n\n退出事项 / removed (retired): 0\n  无 / none\n\n服务减少 / services dropped (S20): 0\n  无 / none\n\n" +
				"变更事项 / changed: 0\n  无 / none\n\n汇总 / summary: 新增 0，退出 0，变更 0，未变 9，服务减少 0",
		},
		"an item that is gone from the cluster keeps its place": {
			args:       []string{"1", "2"},
			objects:    without(c.objects(nil), "l6-rural-homestead-application"),
			wantStdout: "+  l6-rural-homestead-application  （集群中已无此事项 / no such ListItem in the cluster）\n",
		},
		"a revision that does not exist": {
			args: []string{"1", "4"}, wantCode: ExitUnusableInput,
			wantStderr: `错误 / error: 集群中没有清单版本 "4" / list revision "4" not found in the cluster；现有版本 / ; there are revisions 1–3` + "\n",
		},
		"no revisions at all": {
			args: []string{"1", "2"}, objects: []client.Object{}, wantCode: ExitUnusableInput,
			wantStderr: `集群中没有清单版本 "1" / list revision "1" not found in the cluster；集群中还没有清单版本 / ; no list revision exists yet`,
		},
		"an output format diff does not print": {
			args: []string{"1", "2", "-o", "name"}, wantCode: ExitUnusableInput,
			wantStderr: `输出格式 "name" 无效，可选 / output format "name" is not supported; use one of: json, yaml, kyaml,`,
		},
		"two revisions are needed": {
			args: []string{"1"}, wantCode: ExitUnusableInput,
			wantStderr: "需要 2 个参数 REV1 REV2，收到 1 个",
		},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			objs := tc.objects
			if objs == nil {
				objs = c.objects(nil)
			}
			useCluster(t, interceptor.Funcs{}, objs...)
			got := run(t, "", append([]string{"diff"}, tc.args...)...)
			if got.code != tc.wantCode {
				t.Errorf("exit code = %d, want %d; stderr:\n%s", got.code, tc.wantCode, got.stderr)
			}
			if !strings.Contains(got.stdout, tc.wantStdout) {
				t.Errorf("stdout does not contain %q:\n%s", tc.wantStdout, got.stdout)
			}
			if !strings.Contains(got.stderr, tc.wantStderr) {
				t.Errorf("stderr does not contain %q:\n%s", tc.wantStderr, got.stderr)
			}
		})
	}
}

// without drops the ListItem name from objs.
func without(objs []client.Object, name string) []client.Object {
	var out []client.Object
	for _, o := range objs {
		if _, ok := o.(*governancev1alpha1.ListItem); ok && o.GetName() == name {
			continue
		}
		out = append(out, o)
	}
	return out
}

// TestDiffServiceCarried: a retired certificate whose service a new item of
// the same department carries is not a service dropped (S20); the same new
// item under another department does not carry it.
func TestDiffServiceCarried(t *testing.T) {
	for name, tc := range map[string]struct {
		// department is the new certificate's responsible department.
		department    string
		wantCoveredBy string
		wantDropped   int
	}{
		"the same department's new certificate carries it": {department: "mzj", wantCoveredBy: "l2-kinship-certificate", wantDropped: 0},
		"another department's does not":                    {department: "gaj", wantCoveredBy: "", wantDropped: 1},
	} {
		t.Run(name, func(t *testing.T) {
			c := newCity(t)
			kinship := c.items["l2-family-relationship"].DeepCopy()
			kinship.Name, kinship.Spec.Retirement = "l2-kinship-certificate", nil
			kinship.Spec.Title = "本村（社区）可查知的亲属关系证明"
			kinship.Spec.ResponsibleDepartments, kinship.Spec.Applicant.Name = []string{tc.department}, tc.department
			kinship.Status.Phase = governancev1alpha1.PhaseApproved
			c.items[kinship.Name] = kinship
			var third []string
			for _, it := range c.revisions[3].Spec.Items {
				third = append(third, it.Name)
			}
			c.addRevision(3, c.revisions[3].CreationTimestamp.Time, append(third, kinship.Name), nil)
			useCluster(t, interceptor.Funcs{}, c.objects(nil)...)

			got := run(t, "", "diff", "1", "3", "-o", "json")
			if got.code != ExitOK {
				t.Fatalf("exit code %d:\n%s", got.code, got.stderr)
			}
			var d revisionDiff
			if err := json.Unmarshal([]byte(got.stdout), &d); err != nil {
				t.Fatal(err)
			}
			if len(d.Removed) != 1 || d.Removed[0].CoveredBy != tc.wantCoveredBy || len(d.ServicesDropped) != tc.wantDropped {
				t.Errorf("removed %+v, services dropped %+v; want l2-family-relationship covered by %q and %d dropped", d.Removed, d.ServicesDropped, tc.wantCoveredBy, tc.wantDropped)
			}
			text := run(t, "", "diff", "1", "3")
			want := "服务由 l2-kinship-certificate 承接 / service carried by l2-kinship-certificate"
			if tc.wantCoveredBy == "" {
				want = "!  l2-family-relationship  仅在本村（社区）可查知的亲属关系证明  无在列事项承接此服务 / no listed item carries this service"
			}
			if !strings.Contains(text.stdout, want) {
				t.Errorf("the text does not say %q:\n%s", want, text.stdout)
			}
		})
	}
}
