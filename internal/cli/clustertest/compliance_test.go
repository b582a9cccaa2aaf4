package clustertest

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/client/apiutil"
	"sigs.k8s.io/yaml"

	governancev1alpha1 "github.com/cunshe/cunshe-operator/api/v1alpha1"
)

// pastDeadline is a rectification deadline long gone (S18).
const pastDeadline = "2020-12-31"

// TestComplianceAgreesWithTheCluster: with the city's deadline past and a
// report of 测试村045 still open, `kubectl cunshe compliance` names 鹿城区 and
// the department (S18, S19), as the operator's summaries do; and computed
// offline from the cluster's objects written to a folder (`-f`), the
// summaries are the operator's: one rule engine.
func TestComplianceAgreesWithTheCluster(t *testing.T) {
	ctx := t.Context()
	city := &governancev1alpha1.Jurisdiction{ObjectMeta: metav1.ObjectMeta{Name: "3303"},
		Spec: governancev1alpha1.JurisdictionSpec{Code: "3303", Name: "温州市", Level: governancev1alpha1.LevelCity, Default: true,
			RectificationDeadline: pastDeadline}}
	if err := env.Client.Create(ctx, city); err != nil {
		t.Fatalf("creating the city: %v", err)
	}
	t.Cleanup(func() { _ = env.Client.Delete(ctx, city) })
	emergencyTask(t, "drain-check", governancev1alpha1.TaskTargets{Villages: []string{neighbour}}, nil)
	filed := run(t, append([]string{"report", neighbour, "--reason", "ScopeEnlarged", "--task", "dept-tjj/drain-check", "--name", "drain-check-open"},
		cadre("wang.wu", neighbour)...)...)
	if filed.code != 0 {
		t.Fatalf("filing the report: exit code %d:\n%s", filed.code, filed.stderr)
	}

	eventually(t, "the operator names 鹿城区 and tjj", func() string {
		for _, o := range []client.Object{&governancev1alpha1.CountyCompliance{ObjectMeta: metav1.ObjectMeta{Name: "330302"}},
			&governancev1alpha1.DepartmentCompliance{ObjectMeta: metav1.ObjectMeta{Name: "tjj"}}} {
			if err := env.Client.Get(ctx, client.ObjectKeyFromObject(o), o); err != nil {
				return err.Error()
			}
			if r := rectificationOf(o); r == nil || !r.Named || r.Deadline != pastDeadline {
				return fmt.Sprintf("%s %s: rectification %+v", o.GetObjectKind().GroupVersionKind().Kind, o.GetName(), r)
			}
		}
		return ""
	})

	t.Run("the table names them", func(t *testing.T) {
		got := run(t, "compliance")
		if got.code != 0 {
			t.Fatalf("exit code %d:\n%s", got.code, got.stderr)
		}
		lucheng := lineStartingWith(got.stdout, "330302 ")
		if !strings.HasSuffix(lucheng, "  "+pastDeadline+"           已通报 / NAMED") {
			t.Errorf("鹿城区's line is %q:\n%s", lucheng, got.stdout)
		}
		want := "S19 县（市、区）330302 整改期限 " + pastDeadline + " 已过，仍有 "
		if !strings.Contains(got.stdout, "\n通报 / named:\n") || !strings.Contains(got.stdout, "\n  "+want) {
			t.Errorf("the notices do not name 鹿城区 (%q):\n%s", want, got.stdout)
		}
	})

	t.Run("offline from the cluster's objects, the operator's summaries", func(t *testing.T) {
		eventually(t, "the offline summaries", func() string {
			dir := t.TempDir()
			if err := exportCity(t, dir); err != nil {
				return err.Error()
			}
			stored, err := storedSummaries(t)
			if err != nil {
				return err.Error()
			}
			offline := run(t, "compliance", "-f", dir, "-o", "json")
			if offline.code != 0 {
				t.Fatalf("compliance -f: exit code %d:\n%s", offline.code, offline.stderr)
			}
			got, err := summariesOf(offline.stdout)
			if err != nil {
				t.Fatalf("%v:\n%s", err, offline.stdout)
			}
			if diff := cmp.Diff(stored, got); diff != "" {
				return "the offline summaries differ from the operator's (-stored +offline):\n" + diff
			}
			return ""
		})
	})
}

// summary is what a compliance summary counts: its status without the
// parts that say when it was written (conditions, the days left, which
// changes at the city's midnight).
type summary struct {
	Kind, Name string
	Counts     map[string]any
}

// storedSummaries are the operator's summaries, as compliance -o json
// prints them from the cluster.
func storedSummaries(t *testing.T) ([]summary, error) {
	got := run(t, "compliance", "-o", "json")
	if got.code != 0 {
		return nil, fmt.Errorf("compliance -o json: exit code %d: %s", got.code, got.stderr)
	}
	return summariesOf(got.stdout)
}

func summariesOf(listJSON string) ([]summary, error) {
	var list struct {
		Items []struct {
			Kind     string                     `json:"kind"`
			Metadata struct{ Name string }      `json:"metadata"`
			Status   map[string]json.RawMessage `json:"status"`
		} `json:"items"`
	}
	if err := json.Unmarshal([]byte(listJSON), &list); err != nil {
		return nil, err
	}
	out := make([]summary, 0, len(list.Items))
	for _, it := range list.Items {
		s := summary{Kind: it.Kind, Name: it.Metadata.Name, Counts: map[string]any{}}
		for k, raw := range it.Status {
			if k == "conditions" || k == "observedGeneration" {
				continue
			}
			var v any
			if err := json.Unmarshal(raw, &v); err != nil {
				return nil, err
			}
			if r, ok := v.(map[string]any); ok && k == "rectification" {
				delete(r, "daysLeft")
			}
			s.Counts[k] = v
		}
		out = append(out, s)
	}
	return out, nil
}

// exportCity writes what the summaries are computed from, as a GitOps
// repository would hold it: the city, the review units, the departments'
// namespaces, the villages, the items and their approvals, the tasks, the
// reports and their decisions.
func exportCity(t *testing.T, dir string) error {
	lists := []client.ObjectList{
		&governancev1alpha1.JurisdictionList{}, &governancev1alpha1.ReviewUnitList{}, &governancev1alpha1.VillageList{},
		&governancev1alpha1.ListItemList{}, &governancev1alpha1.ItemApprovalList{}, &governancev1alpha1.PowerFlowList{},
		&governancev1alpha1.TaskList{}, &governancev1alpha1.ReportList{}, &governancev1alpha1.ReportDecisionList{},
	}
	namespaces := &corev1.NamespaceList{}
	if err := env.Client.List(t.Context(), namespaces, client.HasLabels{governancev1alpha1.LabelDepartment}); err != nil {
		return err
	}
	var docs []string
	for _, ns := range namespaces.Items {
		doc, err := manifestOf(&ns)
		if err != nil {
			return err
		}
		docs = append(docs, doc)
	}
	for _, l := range lists {
		if err := env.Client.List(t.Context(), l); err != nil {
			return err
		}
		items, err := meta.ExtractList(l)
		if err != nil {
			return err
		}
		for _, o := range items {
			doc, err := manifestOf(o)
			if err != nil {
				return err
			}
			docs = append(docs, doc)
		}
	}
	return os.WriteFile(filepath.Join(dir, "city.yaml"), []byte(strings.Join(docs, "---\n")), 0o644)
}

// manifestOf is o as a manifest: its kind, its name and namespace, labels
// and annotations, spec; what the API server keeps of its own is left out.
func manifestOf(o runtime.Object) (string, error) {
	gvk, err := apiutil.GVKForObject(o, env.Client.Scheme())
	if err != nil {
		return "", err
	}
	o = o.DeepCopyObject()
	o.GetObjectKind().SetGroupVersionKind(gvk)
	m, _ := meta.Accessor(o)
	m.SetManagedFields(nil)
	m.SetResourceVersion("")
	m.SetUID("")
	data, err := yaml.Marshal(o)
	return string(data), err
}

func rectificationOf(o client.Object) *governancev1alpha1.Rectification {
	switch s := o.(type) {
	case *governancev1alpha1.CountyCompliance:
		return s.Status.Rectification
	case *governancev1alpha1.DepartmentCompliance:
		return s.Status.Rectification
	}
	return nil
}

// lineStartingWith is the first line of text that starts with prefix.
func lineStartingWith(text, prefix string) string {
	lines := strings.Split(text, "\n")
	if i := slices.IndexFunc(lines, func(l string) bool { return strings.HasPrefix(l, prefix) }); i >= 0 {
		return lines[i]
	}
	return ""
}
