package cli

import (
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"sigs.k8s.io/controller-runtime/pkg/client/interceptor"
	"sigs.k8s.io/yaml"

	governancev1alpha1 "github.com/cunshe/cunshe-operator/api/v1alpha1"
)

// parseJSON decodes one JSON document of stdout, failing the test with the
// run's output when it is not one.
func parseJSON(t *testing.T, got result) *unstructured.Unstructured {
	t.Helper()
	if got.code != ExitOK {
		t.Fatalf("exit code %d:\n%s", got.code, got.stderr)
	}
	u := &unstructured.Unstructured{}
	if err := json.Unmarshal([]byte(got.stdout), &u.Object); err != nil {
		t.Fatalf("stdout is not one JSON document: %v\n%s", err, got.stdout)
	}
	return u
}

// jsonField reads a field of u by its path, e.g. jsonField(u, "status", "currentRevision").
func jsonField(u *unstructured.Unstructured, path ...string) any {
	v, _, _ := unstructured.NestedFieldNoCopy(u.Object, path...)
	return v
}

// wantKind fails unless u is of apiVersion and kind.
func wantKind(t *testing.T, u *unstructured.Unstructured, apiVersion, kind string) {
	t.Helper()
	if u.GetAPIVersion() != apiVersion || u.GetKind() != kind {
		t.Errorf("apiVersion/kind = %s/%s, want %s/%s", u.GetAPIVersion(), u.GetKind(), apiVersion, kind)
	}
}

const governance = "governance.cunshe.io/v1alpha1"

// TestOutputOffline: the commands that do not read the cluster print, with
// -o json, one document a program parses back: API objects as the API
// prints them, results with the cli.cunshe.io kind docs/cli.md describes.
func TestOutputOffline(t *testing.T) {
	t.Setenv("KUBECONFIG", "/nonexistent")
	items := writeFile(t, t.TempDir(), "items.yaml", censusItem)

	t.Run("version", func(t *testing.T) {
		u := parseJSON(t, run(t, "", "version", "-o", "json"))
		wantKind(t, u, resultAPIVersion, "Version")
		if jsonField(u, "version") == nil || jsonField(u, "platform") == nil {
			t.Errorf("no version or platform: %v", u.Object)
		}
	})
	t.Run("digest", func(t *testing.T) {
		u := parseJSON(t, run(t, "", "digest", items, "-o", "json"))
		wantKind(t, u, resultAPIVersion, "ItemDigestList")
		list, _ := jsonField(u, "items").([]any)
		if len(list) != 1 || !strings.HasPrefix(list[0].(map[string]any)["digest"].(string), "sha256:") {
			t.Errorf("items = %v", list)
		}
		name := run(t, "", "digest", items, "-o", "name")
		if name.stdout != "listitem.governance.cunshe.io/l1-census-assist\n" {
			t.Errorf("-o name = %q", name.stdout)
		}
	})
	t.Run("keygen", func(t *testing.T) {
		dir := t.TempDir()
		u := parseJSON(t, run(t, "", "keygen", "--unit", "mzj", "--output-dir", dir, "-o", "json"))
		wantKind(t, u, resultAPIVersion, "ReviewUnitKey")
		key, err := readKeyFile(filepath.Join(dir, "mzj.key"))
		if err != nil {
			t.Fatal(err)
		}
		if jsonField(u, "keyFile") != filepath.Join(dir, "mzj.key") || jsonField(u, "publicKeyFile") != filepath.Join(dir, "mzj.pub.yaml") ||
			jsonField(u, "publicKey", "ed25519") != publicKeyOf(key.key) || jsonField(u, "publicKey", "id") != key.keyID {
			t.Errorf("the result does not describe the key written: %v", u.Object)
		}
	})
	t.Run("approve", func(t *testing.T) {
		u := parseJSON(t, run(t, "", "approve", "--unit", "mzj", "--key", testKey("mzj"), items, "-o", "json"))
		wantKind(t, u, governance, "ItemApproval")
		if u.GetName() != "l1-census-assist.mzj" || jsonField(u, "spec", "signature", "keyID") == nil {
			t.Errorf("not the signed approval: %v", u.Object)
		}
		two := writeFile(t, t.TempDir(), "two.yaml", censusItem+"---\n"+strings.Replace(censusItem, "name: l1-census-assist", "name: l1-census-assist-2", 1))
		list := parseJSON(t, run(t, "", "approve", "--unit", "mzj", "--key", testKey("mzj"), two, "-o", "json"))
		wantKind(t, list, "v1", "List")
		if items, _ := jsonField(list, "items").([]any); len(items) != 2 {
			t.Errorf("two items give a List of %d", len(items))
		}
		name := run(t, "", "approve", "--unit", "mzj", "--key", testKey("mzj"), two, "-o", "name")
		if name.stdout != "itemapproval.governance.cunshe.io/l1-census-assist.mzj\nitemapproval.governance.cunshe.io/l1-census-assist-2.mzj\n" {
			t.Errorf("-o name = %q", name.stdout)
		}
	})
	t.Run("validate", func(t *testing.T) {
		got := run(t, "", "validate", fixtureFindings, "-o", "json")
		got.code = ExitOK // errors found: exit code 1, and the report all the same
		u := parseJSON(t, got)
		wantKind(t, u, resultAPIVersion, "ValidationReport")
		findings, _ := jsonField(u, "findings").([]any)
		if len(findings) == 0 || findings[0].(map[string]any)["rule"] == "" {
			t.Errorf("findings without a rule: %v", findings)
		}
	})
	t.Run("report --dry-run", func(t *testing.T) {
		u := parseJSON(t, run(t, "", "report", "330302006044", "--reason", "NotListed", "--department", "tjj",
			"--demand", "电话要求上报辖区商户名单", "--dry-run", "-o", "json"))
		wantKind(t, u, governance, "Report")
		if u.GetNamespace() != "village-330302006044" || jsonField(u, "spec", "reason") != "NotListed" {
			t.Errorf("not the report: %v", u.Object)
		}
	})
	t.Run("decide --dry-run, yaml", func(t *testing.T) {
		got := run(t, "", "decide", "census-extra-forms", "-n", "village-330302006044", "--unit", "mzj",
			"--outcome", "Investigating", "--dry-run", "-o", "yaml")
		var d governancev1alpha1.ReportDecision
		if err := yaml.UnmarshalStrict([]byte(got.stdout), &d); err != nil || d.Kind != "ReportDecision" || d.Name != "census-extra-forms.mzj" {
			t.Errorf("exit code %d, %v:\n%s%s", got.code, err, got.stdout, got.stderr)
		}
	})
}

// TestOutputFromTheCluster: the commands that read or change the cluster
// print, with -o json, the objects the API returned or their result.
func TestOutputFromTheCluster(t *testing.T) {
	tests := map[string]struct {
		// state is the rollout's (rolloutStates).
		state string
		args  []string
		check func(t *testing.T, u *unstructured.Unstructured)
	}{
		"rollout status": {state: "paused", args: []string{"rollout", "status", "wenzhou"},
			check: func(t *testing.T, u *unstructured.Unstructured) {
				wantKind(t, u, governance, "ListRollout")
				if jsonField(u, "status", "currentRevision") != float64(3) || len(jsonField(u, "status", "conditions").([]any)) != 3 {
					t.Errorf("status = %v", jsonField(u, "status"))
				}
			}},
		"rollout promote": {state: "paused", args: []string{"rollout", "promote", "wenzhou"},
			check: func(t *testing.T, u *unstructured.Unstructured) {
				if u.GetAnnotations()[governancev1alpha1.AnnotationPromote] == "" {
					t.Errorf("the rollout printed is not the promoted one: %v", u.GetAnnotations())
				}
			}},
		"rollout abort": {state: "paused", args: []string{"rollout", "abort", "wenzhou"},
			check: func(t *testing.T, u *unstructured.Unstructured) {
				if u.GetAnnotations()[governancev1alpha1.AnnotationAbort] != "true" {
					t.Errorf("the rollout printed is not the aborted one: %v", u.GetAnnotations())
				}
			}},
		"rollout resume": {state: "aborted", args: []string{"rollout", "resume", "wenzhou"},
			check: func(t *testing.T, u *unstructured.Unstructured) {
				if _, ok := u.GetAnnotations()[governancev1alpha1.AnnotationAbort]; ok {
					t.Errorf("the rollout printed is still aborted: %v", u.GetAnnotations())
				}
			}},
		"rollout undo": {state: "paused", args: []string{"rollout", "undo", "wenzhou"},
			check: func(t *testing.T, u *unstructured.Unstructured) {
				if jsonField(u, "spec", "revision") != float64(2) {
					t.Errorf("spec.revision = %v, want 2", jsonField(u, "spec", "revision"))
				}
			}},
		"rollout history": {state: "paused", args: []string{"rollout", "history", "wenzhou"},
			check: func(t *testing.T, u *unstructured.Unstructured) {
				wantKind(t, u, resultAPIVersion, "RolloutHistory")
				revs, _ := jsonField(u, "revisions").([]any)
				if len(revs) != 3 {
					t.Fatalf("revisions = %v", revs)
				}
				third := revs[2].(map[string]any)
				if third["name"] != "lists-3" || third["villages"] != float64(2) || third["current"] != true || jsonField(u, "villagesWithoutRevision") != float64(1) {
					t.Errorf("revisions = %v, villagesWithoutRevision %v", revs, jsonField(u, "villagesWithoutRevision"))
				}
			}},
		"diff": {state: "paused", args: []string{"diff", "1", "3"},
			check: func(t *testing.T, u *unstructured.Unstructured) {
				wantKind(t, u, resultAPIVersion, "RevisionDiff")
				if jsonField(u, "from", "revision") != float64(1) || len(jsonField(u, "added").([]any)) == 0 {
					t.Errorf("diff = %v", u.Object)
				}
			}},
		"lists": {state: "paused", args: []string{"lists", "330324108207"},
			check: func(t *testing.T, u *unstructured.Unstructured) {
				wantKind(t, u, resultAPIVersion, "VillageLists")
				if jsonField(u, "village", "code") != "330324108207" || jsonField(u, "revision") != float64(2) || len(jsonField(u, "lists").([]any)) == 0 {
					t.Errorf("lists = %v", u.Object)
				}
			}},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			c := newCity(t)
			useCluster(t, interceptor.Funcs{}, c.objects(rolloutIn(c, tc.state))...)
			for _, o := range []string{"json", "yaml"} {
				got := run(t, "", append(tc.args, "-o", o)...)
				if o == "yaml" {
					js, err := yaml.YAMLToJSON([]byte(got.stdout))
					if err != nil {
						t.Fatalf("-o yaml: %v\n%s", err, got.stdout)
					}
					got.stdout = string(js)
					useCluster(t, interceptor.Funcs{}, c.objects(rolloutIn(c, tc.state))...) // undo the change of the json run
				}
				tc.check(t, parseJSON(t, got))
			}
		})
	}
}

// TestOutputName: -o name prints kind.group/name a line, for objects and
// for the objects a result is about.
func TestOutputName(t *testing.T) {
	c := newCity(t)
	tests := map[string]struct {
		args []string
		want string
	}{
		"rollout status": {args: []string{"rollout", "status", "wenzhou"}, want: "listrollout.governance.cunshe.io/wenzhou\n"},
		"rollout history": {args: []string{"rollout", "history", "wenzhou"},
			want: "listrevision.governance.cunshe.io/lists-1\nlistrevision.governance.cunshe.io/lists-2\nlistrevision.governance.cunshe.io/lists-3\n"},
		"tasks": {args: []string{"tasks", "330302006044"},
			want: "task.governance.cunshe.io/elderly-wall\ntask.governance.cunshe.io/census-2026\ntask.governance.cunshe.io/census-extra-forms\ntask.governance.cunshe.io/flood-drill\n"},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			// Each case its own cluster: useCluster's cleanup at the end of
			// a case restores the real client, whatever order the map gives.
			objs := c.objects(nil)
			if name == "tasks" {
				objs = append(objs, cityTasks()...)
			}
			useCluster(t, interceptor.Funcs{}, objs...)
			got := run(t, "", append(tc.args, "-o", "name")...)
			if got.code != ExitOK || got.stdout != tc.want {
				t.Errorf("exit code %d, stdout:\n%s\nwant:\n%s\nstderr:\n%s", got.code, got.stdout, tc.want, got.stderr)
			}
		})
	}
}

// TestOutputFormats: a format a command does not print is a usage error
// naming the ones it does, before the command does anything.
func TestOutputFormats(t *testing.T) {
	t.Setenv("KUBECONFIG", "/nonexistent")
	tests := map[string]struct {
		args []string
		want string
	}{
		"an unknown format": {args: []string{"version", "-o", "xml"},
			want: `输出格式 "xml" 无效，可选 / output format "xml" is not supported; use one of: json, yaml, kyaml, go-template,`},
		"name where it does not fit": {args: []string{"version", "-o", "name"},
			want: `输出格式 "name" 无效`},
		"keygen's old -o DIR": {args: []string{"keygen", "--unit", "mzj", "-o", "keys/"},
			want: "-o 现为输出格式，写入目录请用 --output-dir DIR / -o is the output format now: use --output-dir DIR for the folder"},
		"before filing anything": {args: []string{"report", "330302006044", "--reason", "NotListed", "--department", "tjj", "--demand", "x", "-o", "table"},
			want: `输出格式 "table" 无效`},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			got := run(t, "", tc.args...)
			if got.code != ExitUnusableInput || got.stdout != "" || !strings.Contains(got.stderr, tc.want) {
				t.Errorf("exit code %d, stdout %q, stderr:\n%s\nwant it to contain %q", got.code, got.stdout, got.stderr, tc.want)
			}
		})
	}
	if _, err := os.Stat("keys"); err == nil {
		t.Error("keygen -o keys/ wrote a folder")
	}
}

// TestRolloutStatusWatchJSON: -w -o json prints the rollout, then the
// rollout again each time its progress changes: a stream of objects on
// stdout, the outcome on stderr.
func TestRolloutStatusWatchJSON(t *testing.T) {
	rolloutPollInterval = time.Millisecond
	t.Cleanup(func() { rolloutPollInterval = 2 * time.Second })
	c := newCity(t)
	paused, complete := rolloutIn(c, "paused"), rolloutIn(c, "complete")
	useCluster(t, sequence(paused, paused, complete), c.objects(nil)...)
	got := run(t, "", "rollout", "status", "wenzhou", "-w", "-o", "json")
	if got.code != ExitOK {
		t.Fatalf("exit code %d:\n%s", got.code, got.stderr)
	}
	dec := json.NewDecoder(strings.NewReader(got.stdout))
	var ready []string
	for dec.More() {
		var ro governancev1alpha1.ListRollout
		if err := dec.Decode(&ro); err != nil {
			t.Fatalf("stdout is not a stream of ListRollouts: %v\n%s", err, got.stdout)
		}
		ready = append(ready, ro.ReadyReason())
	}
	if !slices.Equal(ready, []string{"Paused", "Published"}) {
		t.Errorf("the rollouts printed are %v, want Paused then Published", ready)
	}
	if got.stderr != "发布完成 / rollout complete: 第 3 版已下发到 6/6 个村社 / revision 3 reached 6 of 6 villages\n" {
		t.Errorf("stderr does not say the rollout is complete, and only that:\n%s", got.stderr)
	}
}
