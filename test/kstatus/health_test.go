package kstatus_test

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	. "github.com/onsi/gomega"
	lua "github.com/yuin/gopher-lua"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"sigs.k8s.io/cli-utils/pkg/kstatus/status"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/yaml"

	governancev1alpha1 "github.com/cunshe/cunshe-operator/api/v1alpha1"
	"github.com/cunshe/cunshe-operator/internal/golden"
	"github.com/cunshe/cunshe-operator/internal/operator"
	statuspkg "github.com/cunshe/cunshe-operator/internal/status"
)

// healthDir holds the Argo CD health scripts: kstatus.lua, the source,
// and one copy per kind, as Argo CD's resource customizations are keyed.
const healthDir = "../../charts/cunshe-operator/health"

// kinds are the kinds that carry the kstatus conditions, sorted.
func kinds() []string {
	var out []string
	for kind := range governancev1alpha1.ReadyReasons {
		out = append(out, kind)
	}
	slices.Sort(out)
	return out
}

// healthScript is the script of a kind: the source under a header.
func healthScript(t *testing.T, kind string) string {
	t.Helper()
	src, err := os.ReadFile(filepath.Join(healthDir, "kstatus.lua"))
	if err != nil {
		t.Fatal(err)
	}
	return fmt.Sprintf("-- governance.cunshe.io/%s: a copy of ../kstatus.lua (go test ./test/kstatus -update writes it).\n%s", kind, src)
}

// argocdConfig is the argocd-cm snippet with every kind's script.
func argocdConfig(t *testing.T) string {
	t.Helper()
	var b strings.Builder
	b.WriteString("# Argo CD health checks for the cunshe-operator kinds: merge into the argocd-cm\n")
	b.WriteString("# ConfigMap (or the argo-cd chart's configs.cm). Written by go test ./test/kstatus -update.\n")
	b.WriteString("data:\n")
	for _, kind := range kinds() {
		fmt.Fprintf(&b, "  resource.customizations.health.governance.cunshe.io_%s: |\n", kind)
		for _, line := range strings.SplitAfter(healthScript(t, kind), "\n") {
			if strings.TrimSpace(line) == "" {
				b.WriteString(strings.TrimLeft(line, " \t"))
				continue
			}
			b.WriteString("    " + line)
		}
	}
	return b.String()
}

// TestHealthScriptsCurrent: each kind's script and the argocd-cm snippet are
// the source's copies, so Argo CD reads every kind as kstatus does.
func TestHealthScriptsCurrent(t *testing.T) {
	for _, kind := range kinds() {
		golden.Check(t, filepath.Join(healthDir, kind, "health.lua"), healthScript(t, kind))
	}
	snippet := argocdConfig(t)
	var parsed struct {
		Data map[string]string `json:"data"`
	}
	if err := yaml.Unmarshal([]byte(snippet), &parsed); err != nil {
		t.Fatalf("the argocd-cm snippet is not YAML: %v", err)
	}
	for _, kind := range kinds() {
		if got := parsed.Data["resource.customizations.health.governance.cunshe.io_"+kind]; got != healthScript(t, kind) {
			t.Errorf("the argocd-cm snippet's script of %s is not the kind's script", kind)
		}
	}
	golden.Check(t, filepath.Join(healthDir, "argocd-cm.yaml"), snippet)
}

// argoHealth runs the kind's health.lua on obj as Argo CD does (obj is the
// object as a Lua table) and returns the status and message it answers.
func argoHealth(t *testing.T, u *unstructured.Unstructured) (string, string) {
	t.Helper()
	script, err := os.ReadFile(filepath.Join(healthDir, u.GetKind(), "health.lua"))
	if err != nil {
		t.Fatalf("no health script for %s: %v", u.GetKind(), err)
	}
	L := lua.NewState(lua.Options{SkipOpenLibs: false})
	defer L.Close()
	L.SetGlobal("obj", toLua(L, u.Object))
	if err := L.DoString(string(script)); err != nil {
		t.Fatalf("health.lua of %s: %v", u.GetKind(), err)
	}
	hs, ok := L.Get(-1).(*lua.LTable)
	if !ok {
		t.Fatalf("health.lua of %s returned %s, not a table", u.GetKind(), L.Get(-1).Type())
	}
	return lua.LVAsString(hs.RawGetString("status")), lua.LVAsString(hs.RawGetString("message"))
}

// toLua converts a JSON value into Lua values, as Argo CD hands obj over.
func toLua(L *lua.LState, v any) lua.LValue {
	switch v := v.(type) {
	case map[string]any:
		t := L.NewTable()
		for k, e := range v {
			t.RawSetString(k, toLua(L, e))
		}
		return t
	case []any:
		t := L.NewTable()
		for _, e := range v {
			t.Append(toLua(L, e))
		}
		return t
	case string:
		return lua.LString(v)
	case bool:
		return lua.LBool(v)
	case int64:
		return lua.LNumber(v)
	case float64:
		return lua.LNumber(v)
	case nil:
		return lua.LNil
	}
	panic(fmt.Sprintf("no Lua value for %T", v))
}

// argoFor is the Argo CD health that agrees with a kstatus status.
var argoFor = map[status.Status][]string{
	status.CurrentStatus:     {"Healthy"},
	status.InProgressStatus:  {"Progressing", "Suspended"},
	status.FailedStatus:      {"Degraded"},
	status.TerminatingStatus: {"Progressing"},
}

// TestEveryReasonAgrees: for every Ready reason of every kind, an object
// whose conditions the operator's toolkit set reads the same in kstatus
// and in the kind's health.lua; a paused rollout is Suspended in Argo CD.
func TestEveryReasonAgrees(t *testing.T) {
	for _, kind := range kinds() {
		for reason, h := range governancev1alpha1.ReadyReasons[kind] {
			t.Run(kind+"/"+reason, func(t *testing.T) {
				g := NewWithT(t)
				obj, err := operator.Scheme().New(governancev1alpha1.GroupVersion.WithKind(kind))
				g.Expect(err).NotTo(HaveOccurred())
				o := obj.(governancev1alpha1.KStatusObject)
				o.SetName("x")
				o.SetGeneration(2)
				statuspkg.Summarise(o, reason, "why")
				u := asUnstructured(t, obj.(client.Object))
				res, err := status.Compute(u)
				g.Expect(err).NotTo(HaveOccurred())
				want := map[governancev1alpha1.Health]status.Status{
					governancev1alpha1.HealthCurrent: status.CurrentStatus, governancev1alpha1.HealthInProgress: status.InProgressStatus,
					governancev1alpha1.HealthFailed: status.FailedStatus, governancev1alpha1.HealthWaiting: status.InProgressStatus,
				}[h]
				g.Expect(res.Status).To(Equal(want))
				argo, msg := argoHealth(t, u)
				g.Expect(argoFor[want]).To(ContainElement(argo))
				if kind == "ListRollout" && reason == governancev1alpha1.RolloutPaused {
					g.Expect(argo).To(Equal("Suspended"))
				}
				if argo != "Healthy" {
					g.Expect(msg).To(Equal("why"))
				}
			})
		}
	}
}

// TestDocumentedTable: docs/kstatus.md's condition table is the code's.
func TestDocumentedTable(t *testing.T) {
	doc, err := os.ReadFile("../../docs/kstatus.md")
	if err != nil {
		t.Fatal(err)
	}
	names := map[governancev1alpha1.Health]string{governancev1alpha1.HealthCurrent: "Current", governancev1alpha1.HealthInProgress: "InProgress",
		governancev1alpha1.HealthFailed: "Failed", governancev1alpha1.HealthWaiting: "InProgress (Ready=False alone)"}
	documented := map[string]string{}
	for _, line := range strings.Split(string(doc), "\n") {
		cells := strings.Split(strings.Trim(line, "| "), " | ")
		if len(cells) == 3 && governancev1alpha1.ReadyReasons[cells[0]] != nil {
			documented[cells[0]+"/"+cells[1]] = cells[2]
		}
	}
	want := map[string]string{}
	for kind, reasons := range governancev1alpha1.ReadyReasons {
		for reason, h := range reasons {
			want[kind+"/"+reason] = names[h]
		}
	}
	NewWithT(t).Expect(documented).To(Equal(want))
}
