// Package deploy_test renders the Helm chart (bin/helm template) and
// config/default (kustomize, as a library) and has a real API server check
// every object with a server-side dry-run apply; it also checks that both
// install the same RBAC rules and webhooks, and what the chart promises
// about the manager's pods. There is no kubelet, so no pod runs; the
// operator runs beside the API server (internal/testenv) for what the chart's
// test hook and metrics endpoint promise.
package deploy_test

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	admissionv1 "k8s.io/api/admissionregistration/v1"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	utilyaml "k8s.io/apimachinery/pkg/util/yaml"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/kustomize/api/krusty"
	"sigs.k8s.io/kustomize/kyaml/filesys"
	"sigs.k8s.io/yaml"

	"github.com/cunshe/cunshe-operator/internal/testenv"
)

var (
	env  *testenv.Env
	k8s  client.Client
	root = func() string {
		_, file, _, _ := runtime.Caller(0)
		return filepath.Join(filepath.Dir(file), "..", "..")
	}()
)

func TestMain(m *testing.M) {
	os.Exit(run(m))
}

func run(m *testing.M) int {
	foreign, err := decodeFile[apiextensionsv1.CustomResourceDefinition]("testdata/foreign-crds.yaml")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	if env, err = testenv.Start(testenv.Options{Manager: true, Metrics: true, CRDs: foreign}); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer func() {
		if err := env.Stop(); err != nil {
			fmt.Fprintln(os.Stderr, err)
		}
	}()
	k8s = env.Client
	// A dry run of a namespaced object needs its namespace to exist.
	for _, ns := range []string{"cunshe-system", "ops"} {
		if err := k8s.Create(context.Background(), &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: ns}}); err != nil {
			fmt.Fprintln(os.Stderr, err)
			return 1
		}
	}
	return m.Run()
}

// helmTemplate renders the chart with bin/helm (`make helm` installs it).
func helmTemplate(t *testing.T, release, namespace string, set ...string) []*unstructured.Unstructured {
	t.Helper()
	helm := filepath.Join(root, "bin", "helm")
	if _, err := os.Stat(helm); err != nil {
		t.Fatalf("%s is missing: run `make helm` (make test does)", helm)
	}
	args := []string{"template", release, filepath.Join(root, "charts", "cunshe-operator"), "--namespace", namespace, "--include-crds"}
	for _, s := range set {
		args = append(args, "--set", s)
	}
	var stderr bytes.Buffer
	cmd := exec.Command(helm, args...)
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("helm %s: %v\n%s", strings.Join(args, " "), err, stderr.String())
	}
	return decodeObjects(t, out)
}

// kustomizeBuild renders config/default as `kubectl kustomize` would.
func kustomizeBuild(t *testing.T) []*unstructured.Unstructured {
	t.Helper()
	resources, err := krusty.MakeKustomizer(krusty.MakeDefaultOptions()).Run(filesys.MakeFsOnDisk(), filepath.Join(root, "config", "default"))
	if err != nil {
		t.Fatalf("kustomize build config/default: %v", err)
	}
	out, err := resources.AsYaml()
	if err != nil {
		t.Fatal(err)
	}
	return decodeObjects(t, out)
}

// dryRunApply applies every object with server-side apply and dryRun=All:
// the API server runs defaulting, validation and admission, stores nothing.
// Namespaces the render creates (the test hook's) are applied for real
// first: a dry run of a namespaced object needs its namespace to exist.
func dryRunApply(t *testing.T, objs []*unstructured.Unstructured) {
	t.Helper()
	if len(objs) == 0 {
		t.Fatal("nothing rendered")
	}
	for _, obj := range objs {
		if obj.GetKind() == "Namespace" {
			apply(t, obj)
		}
	}
	for _, obj := range objs {
		err := k8s.Apply(context.Background(), client.ApplyConfigurationFromUnstructured(obj), client.DryRunAll, client.ForceOwnership, client.FieldOwner("deploy-test"))
		if err != nil {
			t.Errorf("%s %s/%s: %v", obj.GetKind(), obj.GetNamespace(), obj.GetName(), err)
		}
	}
}

// apply applies an object for real.
func apply(t *testing.T, obj *unstructured.Unstructured) {
	t.Helper()
	obj = obj.DeepCopy()
	if err := k8s.Apply(context.Background(), client.ApplyConfigurationFromUnstructured(obj), client.ForceOwnership, client.FieldOwner("deploy-test")); err != nil {
		t.Fatalf("applying %s %s/%s: %v", obj.GetKind(), obj.GetNamespace(), obj.GetName(), err)
	}
}

func TestChartPassesServerSideDryRun(t *testing.T) {
	for name, tc := range map[string]struct {
		release, namespace string
		set                []string
	}{
		"defaults: self-signed certificates": {release: "cunshe-operator", namespace: "cunshe-system"},
		"cert-manager and a ServiceMonitor": {release: "cunshe-operator", namespace: "cunshe-system",
			set: []string{"webhook.certManager.enabled=true", "metrics.serviceMonitor.enabled=true"}},
		"monitoring: ServiceMonitor, PrometheusRule, dashboard, metrics readers": {release: "cunshe-operator", namespace: "cunshe-system",
			set: []string{"metrics.serviceMonitor.enabled=true", "prometheusRule.enabled=true", "dashboards.enabled=true",
				"metrics.readers[0].kind=ServiceAccount", "metrics.readers[0].name=prometheus-k8s", "metrics.readers[0].namespace=monitoring",
				"prometheusRule.additionalAlertLabels.team=cunshe"}},
		"another release name and namespace, one replica": {release: "gov", namespace: "ops",
			set: []string{"replicaCount=1", "webhook.failurePolicy=Ignore", "networkPolicy.enabled=false"}},
		"plain HTTP metrics, console logs, the test in an existing namespace": {release: "gov", namespace: "ops",
			set: []string{"metrics.secure=false", "metrics.serviceMonitor.enabled=true", "logFormat=console", "tests.namespace=default"}},
	} {
		t.Run(name, func(t *testing.T) { dryRunApply(t, helmTemplate(t, tc.release, tc.namespace, tc.set...)) })
	}
}

func TestKustomizePassesServerSideDryRun(t *testing.T) {
	dryRunApply(t, kustomizeBuild(t))
}

func TestChartLint(t *testing.T) {
	out, err := exec.Command(filepath.Join(root, "bin", "helm"), "lint", "--strict", filepath.Join(root, "charts", "cunshe-operator")).CombinedOutput()
	if err != nil {
		t.Errorf("helm lint --strict: %v\n%s", err, out)
	}
}

func TestChartRefusesBadValues(t *testing.T) {
	helm := filepath.Join(root, "bin", "helm")
	for value, want := range map[string]string{
		"webhook.failurePolicy=Maybe":      "value must be one of 'Fail', 'Ignore'",
		"replicaCount=2,leaderElect=false": "leaderElect must be true when replicaCount is more than 1",
		"webhook.certManagr.enabled=true":  "additional properties 'certManagr' not allowed",
		"logFormat=xml":                    "value must be one of 'json', 'console'",
		"tests.namespace=default":          "tests.namespace must not be the release's namespace",
		"tests.namespace=kube-system":      "at '/tests/namespace': 'not' failed",
	} {
		out, err := exec.Command(helm, "template", filepath.Join(root, "charts", "cunshe-operator"), "--set", value).CombinedOutput()
		if err == nil || !strings.Contains(string(out), want) {
			t.Errorf("--set %s: got %v\n%s\nwant an error containing %q", value, err, out, want)
		}
	}
}

// TestChartAsSubchart: a parent chart that depends on this one and sets
// global values lints and renders (the schema refuses unknown keys, but
// must let `global` through).
func TestChartAsSubchart(t *testing.T) {
	parent := t.TempDir()
	if err := os.CopyFS(filepath.Join(parent, "charts", "cunshe-operator"), os.DirFS(filepath.Join(root, "charts", "cunshe-operator"))); err != nil {
		t.Fatal(err)
	}
	files := map[string]string{
		"Chart.yaml": "apiVersion: v2\nname: city-platform\nversion: 1.0.0\n" +
			"dependencies:\n- name: cunshe-operator\n  version: 0.1.0\n",
		"values.yaml": "global:\n  imageRegistry: registry.example.gov.cn\n  storageClass: fast\n" +
			"cunshe-operator:\n  replicaCount: 3\n",
	}
	for name, content := range files {
		if err := os.WriteFile(filepath.Join(parent, name), []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	helm := filepath.Join(root, "bin", "helm")
	for _, args := range [][]string{
		{"lint", "--strict", parent},
		{"template", "city", parent, "--namespace", "cunshe-system", "--set", "global.team=ops"},
	} {
		out, err := exec.Command(helm, args...).CombinedOutput()
		if err != nil {
			t.Errorf("helm %s: %v\n%s", strings.Join(args, " "), err, out)
			continue
		}
		if args[0] == "template" {
			d := only[appsv1.Deployment](t, decodeObjects(t, out), "Deployment")
			if *d.Spec.Replicas != 3 {
				t.Errorf("the parent's value for the subchart was not applied: %d replicas", *d.Spec.Replicas)
			}
		}
	}
}

// TestChartReadmeDocumentsEveryValue: every row of the values table that
// `make chart-docs` generates from values.yaml has a description (a value
// without a `# --` comment gets an empty one).
func TestChartReadmeDocumentsEveryValue(t *testing.T) {
	readme, err := os.ReadFile(filepath.Join(root, "charts", "cunshe-operator", "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	rows := 0
	for _, line := range strings.Split(string(readme), "\n") {
		if !strings.HasPrefix(line, "| ") || strings.HasPrefix(line, "| Key ") {
			continue
		}
		rows++
		cells := strings.Split(line, " | ")
		if strings.TrimSpace(strings.TrimSuffix(cells[len(cells)-1], "|")) == "" {
			t.Errorf("a value without a description: %s\n(give it a `# --` comment in values.yaml, then run make chart-docs)", line)
		}
	}
	if rows < 40 {
		t.Errorf("the chart README's values table has %d rows: run make chart-docs", rows)
	}
}

// TestChartMatchesKustomize: installed either way, the cluster gets the same
// cluster roles and the same webhooks (config/ and the chart have one source).
func TestChartMatchesKustomize(t *testing.T) {
	chart := helmTemplate(t, "cunshe-operator", "cunshe-system", "webhook.certManager.enabled=true")
	kustomize := kustomizeBuild(t)

	chartRoles, kustomizeRoles := clusterRoles(t, chart), clusterRoles(t, kustomize)
	delete(chartRoles, "cunshe-operator-cert-rotation") // only without cert-manager
	if diff := cmp.Diff(kustomizeRoles, chartRoles); diff != "" {
		t.Errorf("cluster roles differ (-kustomize +chart):\n%s", diff)
	}
	if len(chartRoles) < 9 {
		t.Errorf("only %d cluster roles rendered", len(chartRoles))
	}
	if diff := cmp.Diff(webhooks(t, kustomize), webhooks(t, chart)); diff != "" {
		t.Errorf("webhooks differ (-kustomize +chart):\n%s", diff)
	}
}

// TestManagerPods checks what the chart promises about the manager.
func TestManagerPods(t *testing.T) {
	for _, objs := range map[string][]*unstructured.Unstructured{
		"chart":     helmTemplate(t, "cunshe-operator", "cunshe-system"),
		"kustomize": kustomizeBuild(t),
	} {
		d := only[appsv1.Deployment](t, objs, "Deployment")
		if *d.Spec.Replicas != 2 {
			t.Errorf("%s: %d replicas, want 2", d.Name, *d.Spec.Replicas)
		}
		pod, c := d.Spec.Template.Spec, d.Spec.Template.Spec.Containers[0]
		if !slices.Contains(c.Args, "--leader-elect") && !slices.Contains(c.Args, "--leader-elect=true") {
			t.Errorf("%s: no leader election in %v", d.Name, c.Args)
		}
		for _, want := range []string{"--zap-encoder=json", "--metrics-secure=true", "--metrics-bind-address=:8443"} {
			if !slices.Contains(c.Args, want) {
				t.Errorf("%s: no %s in %v", d.Name, want, c.Args)
			}
		}
		sc := c.SecurityContext
		switch {
		case pod.SecurityContext == nil || pod.SecurityContext.RunAsNonRoot == nil || !*pod.SecurityContext.RunAsNonRoot:
			t.Errorf("%s: may run as root", d.Name)
		case pod.SecurityContext.SeccompProfile == nil || pod.SecurityContext.SeccompProfile.Type != corev1.SeccompProfileTypeRuntimeDefault:
			t.Errorf("%s: seccomp profile is not RuntimeDefault", d.Name)
		case sc == nil || sc.ReadOnlyRootFilesystem == nil || !*sc.ReadOnlyRootFilesystem:
			t.Errorf("%s: root filesystem is writable", d.Name)
		case sc.AllowPrivilegeEscalation == nil || *sc.AllowPrivilegeEscalation:
			t.Errorf("%s: allows privilege escalation", d.Name)
		case sc.Capabilities == nil || !slices.Equal(sc.Capabilities.Drop, []corev1.Capability{"ALL"}):
			t.Errorf("%s: does not drop all capabilities", d.Name)
		case c.LivenessProbe == nil || c.ReadinessProbe == nil:
			t.Errorf("%s: no liveness or readiness probe", d.Name)
		case c.Resources.Requests.Cpu().IsZero() || c.Resources.Requests.Memory().IsZero():
			t.Errorf("%s: no resource requests", d.Name)
		}
		if pdb := kinds(objs)["PodDisruptionBudget"]; pdb != 1 {
			t.Errorf("%s: %d PodDisruptionBudgets, want 1", d.Name, pdb)
		}
	}
}

// clusterRoles maps each ClusterRole's name to its rules (sorted) and
// aggregation rule, without labels: what the API server authorizes with.
func clusterRoles(t *testing.T, objs []*unstructured.Unstructured) map[string]string {
	t.Helper()
	out := map[string]string{}
	for _, obj := range objs {
		if obj.GetKind() != "ClusterRole" {
			continue
		}
		role := convert[rbacv1.ClusterRole](t, obj)
		var rules []string
		for _, r := range role.Rules {
			for _, l := range [][]string{r.APIGroups, r.Resources, r.ResourceNames, r.Verbs} {
				sort.Strings(l)
			}
			rules = append(rules, toYAML(t, r))
		}
		sort.Strings(rules)
		out[role.Name] = strings.Join(rules, "---\n") + toYAML(t, role.AggregationRule)
	}
	return out
}

// webhooks maps "<kind> <webhook>" to everything that decides what the
// webhook matches and how it fails; the Service's name is the release's.
func webhooks(t *testing.T, objs []*unstructured.Unstructured) map[string]string {
	t.Helper()
	out := map[string]string{}
	add := func(kind string, ws any) {
		var list []map[string]any
		data, _ := yaml.Marshal(ws)
		if err := yaml.Unmarshal(data, &list); err != nil {
			t.Fatal(err)
		}
		for _, w := range list {
			delete(w["clientConfig"].(map[string]any)["service"].(map[string]any), "name")
			out[kind+" "+w["name"].(string)] = toYAML(t, w)
		}
	}
	for _, obj := range objs {
		switch obj.GetKind() {
		case "ValidatingWebhookConfiguration":
			add(obj.GetKind(), convert[admissionv1.ValidatingWebhookConfiguration](t, obj).Webhooks)
		case "MutatingWebhookConfiguration":
			add(obj.GetKind(), convert[admissionv1.MutatingWebhookConfiguration](t, obj).Webhooks)
		}
	}
	if len(out) == 0 {
		t.Fatal("no webhooks rendered")
	}
	return out
}

func only[T any](t *testing.T, objs []*unstructured.Unstructured, kind string) *T {
	t.Helper()
	var found []*T
	for _, obj := range objs {
		if obj.GetKind() == kind {
			found = append(found, convert[T](t, obj))
		}
	}
	if len(found) != 1 {
		t.Fatalf("%d objects of kind %s, want 1", len(found), kind)
	}
	return found[0]
}

func kinds(objs []*unstructured.Unstructured) map[string]int {
	out := map[string]int{}
	for _, o := range objs {
		out[o.GetKind()]++
	}
	return out
}

func convert[T any](t *testing.T, obj *unstructured.Unstructured) *T {
	t.Helper()
	data, err := obj.MarshalJSON()
	if err != nil {
		t.Fatal(err)
	}
	out := new(T)
	if err := yaml.UnmarshalStrict(data, out); err != nil {
		t.Fatalf("%s %s: %v", obj.GetKind(), obj.GetName(), err)
	}
	return out
}

func toYAML(t *testing.T, v any) string {
	t.Helper()
	data, err := yaml.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(data)
}

func decodeObjects(t *testing.T, data []byte) []*unstructured.Unstructured {
	t.Helper()
	objs, err := decode(data, func(doc []byte) (*unstructured.Unstructured, error) {
		obj := &unstructured.Unstructured{}
		return obj, yaml.Unmarshal(doc, &obj.Object)
	})
	if err != nil {
		t.Fatal(err)
	}
	return objs
}

func decodeFile[T any](file string) ([]*T, error) {
	data, err := os.ReadFile(file)
	if err != nil {
		return nil, err
	}
	return decode(data, func(doc []byte) (*T, error) {
		obj := new(T)
		return obj, yaml.UnmarshalStrict(doc, obj)
	})
}

// decode splits a multi-document YAML stream, skipping empty documents.
func decode[T any](data []byte, parse func([]byte) (*T, error)) ([]*T, error) {
	reader := utilyaml.NewYAMLReader(bufio.NewReader(bytes.NewReader(data)))
	var out []*T
	for {
		doc, err := reader.Read()
		if errors.Is(err, io.EOF) {
			return out, nil
		}
		if err != nil {
			return nil, err
		}
		var meta struct{ Kind string }
		if err := yaml.Unmarshal(doc, &meta); err != nil {
			return nil, err
		}
		if meta.Kind == "" {
			continue
		}
		obj, err := parse(doc)
		if err != nil {
			return nil, err
		}
		out = append(out, obj)
	}
}
