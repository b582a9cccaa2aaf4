package deploy_test

import (
	"context"
	"crypto/tls"
	"encoding/json"
	"io"
	"net/http"
	"regexp"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	authenticationv1 "k8s.io/api/authentication/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"
	ctrlmetrics "sigs.k8s.io/controller-runtime/pkg/metrics"
)

// targetLabels are the labels Prometheus adds to every series it scrapes
// from a pod behind a Service (the ServiceMonitor's defaults).
var targetLabels = []string{"namespace", "pod", "service", "endpoint", "job", "instance", "container"}

// registeredMetrics maps each metric name the operator's registry (ours and
// controller-runtime's: reconciles, webhooks, work queues, certwatcher, ...)
// can serve to its label names.
func registeredMetrics(t *testing.T) map[string][]string {
	t.Helper()
	descs := make(chan *prometheus.Desc)
	go func() {
		ctrlmetrics.Registry.(prometheus.Collector).Describe(descs)
		close(descs)
	}()
	name := regexp.MustCompile(`^Desc\{fqName: "([^"]+)"`)
	labels := regexp.MustCompile(`variableLabels: \{([^}]*)\}\}$`)
	out := map[string][]string{}
	for d := range descs {
		s := d.String()
		n, l := name.FindStringSubmatch(s), labels.FindStringSubmatch(s)
		if n == nil || l == nil {
			t.Fatalf("cannot read the descriptor %s", s)
		}
		out[n[1]] = nil
		if l[1] != "" {
			out[n[1]] = strings.Split(l[1], ",")
		}
	}
	return out
}

// waitForRolloutMetrics waits until the manager has registered the rollout
// collector (a runnable of the manager, registered once it started).
func waitForRolloutMetrics(t *testing.T) map[string][]string {
	t.Helper()
	var got map[string][]string
	err := wait.PollUntilContextTimeout(context.Background(), 50*time.Millisecond, time.Minute, true, func(context.Context) (bool, error) {
		got = registeredMetrics(t)
		_, ok := got["cunshe_list_rollout_villages"]
		return ok, nil
	})
	if err != nil {
		t.Fatalf("the rollout metrics were never registered: %v", err)
	}
	return got
}

// checkMetricsExist fails the test for every metric or selector label an
// expression uses that the registry does not serve.
func checkMetricsExist(t *testing.T, where, expr string, registered map[string][]string) {
	t.Helper()
	used, err := metricSelectors(expr)
	if err != nil {
		t.Errorf("%s: %v", where, err)
		return
	}
	if len(used) == 0 {
		t.Errorf("%s: reads no metric: %s", where, expr)
	}
	for name, labels := range used {
		known, ok := registered[name]
		for _, suffix := range []string{"_bucket", "_sum", "_count"} {
			if base, cut := strings.CutSuffix(name, suffix); !ok && cut {
				known, ok = registered[base]
				if suffix == "_bucket" {
					known = append(slices.Clone(known), "le")
				}
			}
		}
		if !ok {
			t.Errorf("%s: metric %s is not registered by the operator:\n%s", where, name, expr)
			continue
		}
		for _, l := range labels {
			if !slices.Contains(known, l) && !slices.Contains(targetLabels, l) {
				t.Errorf("%s: metric %s has no label %q (it has %v):\n%s", where, name, l, known, expr)
			}
		}
	}
}

// grafanaDashboard is the part of a Grafana dashboard this test reads.
type grafanaDashboard struct {
	UID    string         `json:"uid"`
	Panels []grafanaPanel `json:"panels"`
}

type grafanaPanel struct {
	ID         int    `json:"id"`
	Type       string `json:"type"`
	Title      string `json:"title"`
	Datasource *struct {
		UID string `json:"uid"`
	} `json:"datasource"`
	Targets []struct {
		Expr string `json:"expr"`
	} `json:"targets"`
}

// TestDashboardUsesRegisteredMetrics: every PromQL expression of the Grafana
// dashboard the chart ships (as the sidecar's ConfigMap) reads metrics and
// labels the operator registers, so the dashboard cannot drift from the code.
func TestDashboardUsesRegisteredMetrics(t *testing.T) {
	objs := helmTemplate(t, "cunshe-operator", "cunshe-system", "dashboards.enabled=true")
	var cm *corev1.ConfigMap
	for _, obj := range objs {
		if obj.GetKind() == "ConfigMap" && obj.GetLabels()["grafana_dashboard"] == "1" {
			cm = convert[corev1.ConfigMap](t, obj)
		}
	}
	if cm == nil {
		t.Fatal("no ConfigMap labelled grafana_dashboard: \"1\" rendered")
	}
	var dash grafanaDashboard
	if err := json.Unmarshal([]byte(cm.Data["cunshe.json"]), &dash); err != nil {
		t.Fatalf("the dashboard is not JSON: %v", err)
	}
	registered := waitForRolloutMetrics(t)
	ids, exprs := map[int]bool{}, 0
	for _, p := range dash.Panels {
		if ids[p.ID] {
			t.Errorf("panel %q: id %d used twice", p.Title, p.ID)
		}
		ids[p.ID] = true
		if p.Type == "row" {
			continue
		}
		if p.Datasource == nil || p.Datasource.UID != "${datasource}" {
			t.Errorf("panel %q does not read the dashboard's data source variable", p.Title)
		}
		if len(p.Targets) == 0 {
			t.Errorf("panel %q has no query", p.Title)
		}
		for _, target := range p.Targets {
			exprs++
			checkMetricsExist(t, "panel "+p.Title, target.Expr, registered)
		}
	}
	if dash.UID == "" || exprs < 20 {
		t.Errorf("dashboard %q: %d queries, want a uid and at least 20", dash.UID, exprs)
	}
}

// TestAlertsUseRegisteredMetrics: the PrometheusRule's alerts read metrics
// and labels the operator registers.
func TestAlertsUseRegisteredMetrics(t *testing.T) {
	objs := helmTemplate(t, "cunshe-operator", "cunshe-system", "prometheusRule.enabled=true")
	registered := waitForRolloutMetrics(t)
	var alerts []string
	for _, obj := range objs {
		if obj.GetKind() != "PrometheusRule" {
			continue
		}
		groups, _, _ := unstructured.NestedSlice(obj.Object, "spec", "groups")
		for _, g := range groups {
			rules, _, _ := unstructured.NestedSlice(g.(map[string]any), "rules")
			for _, r := range rules {
				rule := r.(map[string]any)
				alert, _ := rule["alert"].(string)
				expr, _ := rule["expr"].(string)
				alerts = append(alerts, alert)
				checkMetricsExist(t, "alert "+alert, expr, registered)
			}
		}
	}
	sort.Strings(alerts)
	want := []string{"CunsheAuditFindingsRising", "CunsheListRolloutNotProgressing", "CunsheListRolloutStalled",
		"CunsheWebhookCertificateExpiring", "CunsheWebhookErrors"}
	if !slices.Equal(alerts, want) {
		t.Errorf("alerts %v, want %v", alerts, want)
	}
}

// TestMetricsEndpointRequiresAuthorization: the manager serves its metrics
// over HTTPS, and only to a caller whose token the API server accepts and
// whom the chart's metrics-reader ClusterRole (bound by metrics.readers)
// lets get /metrics.
func TestMetricsEndpointRequiresAuthorization(t *testing.T) {
	ctx := context.Background()
	for _, obj := range helmTemplate(t, "cunshe-operator", "cunshe-system",
		"metrics.readers[0].kind=ServiceAccount", "metrics.readers[0].name=prometheus", "metrics.readers[0].namespace=ops") {
		if strings.HasSuffix(obj.GetName(), "-metrics-reader") {
			apply(t, obj) // the ClusterRole and its ClusterRoleBinding
		}
	}
	reader, stranger := serviceAccountToken(t, "ops", "prometheus"), serviceAccountToken(t, "ops", "stranger")

	for name, tc := range map[string]struct {
		token string
		code  int
	}{
		"no token": {"", http.StatusUnauthorized},
		// controller-runtime's filter answers 500 "Authentication failed"
		// when the TokenReview rejects the token (an error, not a "no").
		"a token the API server rejects":                    {"not-a-token", http.StatusInternalServerError},
		"a service account not bound to the metrics reader": {stranger, http.StatusForbidden},
		"the metrics reader":                                {reader, http.StatusOK},
	} {
		t.Run(name, func(t *testing.T) {
			code, body := scrape(ctx, t, tc.token)
			if code != tc.code {
				t.Fatalf("HTTP %d, want %d: %s", code, tc.code, body)
			}
			hasMetrics := strings.Contains(body, "cunshe_webhook_certificate_expiration_timestamp_seconds ")
			if hasMetrics != (tc.code == http.StatusOK) {
				t.Errorf("HTTP %d with the webhook certificate's expiry in the body: %v\n%.2000s", code, hasMetrics, body)
			}
		})
	}
}

// serviceAccountToken creates a service account and returns a token of it.
func serviceAccountToken(t *testing.T, namespace, name string) string {
	t.Helper()
	ctx := context.Background()
	sa := &corev1.ServiceAccount{ObjectMeta: metav1.ObjectMeta{Namespace: namespace, Name: name}}
	if err := k8s.Create(ctx, sa); client.IgnoreAlreadyExists(err) != nil {
		t.Fatal(err)
	}
	req := &authenticationv1.TokenRequest{Spec: authenticationv1.TokenRequestSpec{ExpirationSeconds: ptr.To[int64](3600)}}
	if err := k8s.SubResource("token").Create(ctx, sa, req); err != nil {
		t.Fatalf("requesting a token of %s/%s: %v", namespace, name, err)
	}
	return req.Status.Token
}

// scrape gets /metrics with the token, over TLS without verifying the
// manager's self-signed certificate (as the chart's ServiceMonitor does).
func scrape(ctx context.Context, t *testing.T, token string) (int, string) {
	t.Helper()
	insecure := &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{TLSClientConfig: &tls.Config{InsecureSkipVerify: true}}}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, env.MetricsURL+"/metrics", nil)
	if err != nil {
		t.Fatal(err)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := insecure.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = resp.Body.Close() }()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, string(body)
}
