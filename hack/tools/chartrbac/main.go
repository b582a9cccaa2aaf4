// Command chartrbac checks the generated RBAC and webhook manifests and the
// Helm chart's copies of them (hack/check-chart-rbac.sh, run by `make verify`):
//
//   - the chart renders its ClusterRoles and webhook configurations from
//     files/ (copied there by `make manifests`): the copies must equal
//     config/rbac/{role,actor_roles,tenant_roles}.yaml and
//     config/webhook/manifests.yaml;
//   - no ClusterRole rule uses a wildcard (least privilege);
//   - every webhook matches only governance.cunshe.io, and its
//     namespaceSelector never matches kube-system, kube-public,
//     kube-node-lease or the operator's namespace (cunshe-system), so an
//     operator outage cannot block the cluster's own components;
//   - the chart's default webhook.failurePolicy is the generated one.
//
// test/deploy compares what `helm template` and `kustomize build
// config/default` render. It exits 1 and prints the problems.
package main

import (
	"bufio"
	"bytes"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"

	admissionv1 "k8s.io/api/admissionregistration/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	utilyaml "k8s.io/apimachinery/pkg/util/yaml"
	"sigs.k8s.io/yaml"
)

// ProtectedNamespaces are never matched by a webhook; cunshe-system is the
// operator's namespace in config/default (the chart substitutes its own).
var ProtectedNamespaces = []string{"kube-system", "kube-public", "kube-node-lease", "cunshe-system"}

const group = "governance.cunshe.io"

func main() {
	chart := flag.String("chart", "charts/cunshe-operator", "the Helm chart")
	flag.Parse()
	problems, err := check(*chart)
	if err != nil {
		fmt.Fprintln(os.Stderr, "chartrbac:", err)
		os.Exit(2)
	}
	if len(problems) > 0 {
		fmt.Fprintln(os.Stderr, "RBAC and webhook manifests:")
		for _, p := range problems {
			fmt.Fprintln(os.Stderr, "  "+p)
		}
		fmt.Fprintln(os.Stderr, "fix the markers or config/rbac, then run 'make manifests'")
		os.Exit(1)
	}
}

var copies = map[string]string{
	"config/rbac/role.yaml":         "files/rbac/role.yaml",
	"config/rbac/actor_roles.yaml":  "files/rbac/actor_roles.yaml",
	"config/rbac/tenant_roles.yaml": "files/rbac/tenant_roles.yaml",
	"config/webhook/manifests.yaml": "files/webhook/manifests.yaml",
}

func check(chart string) ([]string, error) {
	var problems []string
	for src, dst := range copies {
		a, err := os.ReadFile(src)
		if err != nil {
			return nil, err
		}
		b, err := os.ReadFile(filepath.Join(chart, dst))
		if err != nil || !bytes.Equal(a, b) {
			problems = append(problems, fmt.Sprintf("%s/%s is not a copy of %s", chart, dst, src))
		}
	}
	for _, file := range []string{"config/rbac/role.yaml", "config/rbac/actor_roles.yaml", "config/rbac/tenant_roles.yaml"} {
		roles, err := decode[rbacv1.ClusterRole](file, "ClusterRole")
		if err != nil {
			return nil, err
		}
		for _, r := range roles {
			problems = append(problems, wildcards(file, r)...)
		}
	}
	p, err := checkWebhooks("config/webhook/manifests.yaml", filepath.Join(chart, "values.yaml"))
	return append(problems, p...), err
}

func wildcards(file string, role *rbacv1.ClusterRole) []string {
	var out []string
	for i, rule := range role.Rules {
		for field, values := range map[string][]string{"apiGroups": rule.APIGroups, "resources": rule.Resources, "verbs": rule.Verbs} {
			if slices.ContainsFunc(values, func(v string) bool { return strings.Contains(v, "*") }) {
				out = append(out, fmt.Sprintf("%s: ClusterRole %s rule %d has a wildcard in %s", file, role.Name, i, field))
			}
		}
	}
	return out
}

func checkWebhooks(file, valuesFile string) ([]string, error) {
	validating, err := decode[admissionv1.ValidatingWebhookConfiguration](file, "ValidatingWebhookConfiguration")
	if err != nil {
		return nil, err
	}
	mutating, err := decode[admissionv1.MutatingWebhookConfiguration](file, "MutatingWebhookConfiguration")
	if err != nil {
		return nil, err
	}
	data, err := os.ReadFile(valuesFile)
	if err != nil {
		return nil, err
	}
	var values struct {
		Webhook struct {
			FailurePolicy admissionv1.FailurePolicyType `json:"failurePolicy"`
		} `json:"webhook"`
	}
	if err := yaml.Unmarshal(data, &values); err != nil {
		return nil, fmt.Errorf("%s: %w", valuesFile, err)
	}
	type webhook struct {
		name     string
		rules    []admissionv1.RuleWithOperations
		selector string
		policy   *admissionv1.FailurePolicyType
	}
	var all []webhook
	for _, c := range validating {
		for _, w := range c.Webhooks {
			all = append(all, webhook{w.Name, w.Rules, excluded(w.NamespaceSelector), w.FailurePolicy})
		}
	}
	for _, c := range mutating {
		for _, w := range c.Webhooks {
			all = append(all, webhook{w.Name, w.Rules, excluded(w.NamespaceSelector), w.FailurePolicy})
		}
	}
	var problems []string
	for _, w := range all {
		if w.selector != "" {
			problems = append(problems, fmt.Sprintf("webhook %s: namespaceSelector %s (copy the patch of the markers in internal/webhooks)", w.name, w.selector))
		}
		for _, r := range w.rules {
			if !slices.Equal(r.APIGroups, []string{group}) {
				problems = append(problems, fmt.Sprintf("webhook %s matches API groups %v; only %s is allowed", w.name, r.APIGroups, group))
			}
		}
		if w.policy == nil || *w.policy != values.Webhook.FailurePolicy {
			problems = append(problems, fmt.Sprintf("webhook %s: failurePolicy differs from %s's webhook.failurePolicy %q", w.name, valuesFile, values.Webhook.FailurePolicy))
		}
	}
	return problems, nil
}

// excluded returns "" when the selector keeps every protected namespace out,
// else what is wrong with it.
func excluded(sel *metav1.LabelSelector) string {
	if sel == nil {
		return "missing"
	}
	for _, e := range sel.MatchExpressions {
		if e.Key == "kubernetes.io/metadata.name" && e.Operator == "NotIn" {
			var missing []string
			for _, ns := range ProtectedNamespaces {
				if !slices.Contains(e.Values, ns) {
					missing = append(missing, ns)
				}
			}
			if len(missing) == 0 {
				return ""
			}
			return fmt.Sprintf("does not exclude %s", strings.Join(missing, ", "))
		}
	}
	return "has no kubernetes.io/metadata.name NotIn expression"
}

// decode reads the documents of the given kind from a multi-document file.
func decode[T any](file, kind string) ([]*T, error) {
	data, err := os.ReadFile(file)
	if err != nil {
		return nil, err
	}
	reader := utilyaml.NewYAMLReader(bufio.NewReader(bytes.NewReader(data)))
	var out []*T
	for {
		doc, err := reader.Read()
		if errors.Is(err, io.EOF) {
			return out, nil
		}
		if err != nil {
			return nil, fmt.Errorf("%s: %w", file, err)
		}
		var meta struct{ Kind string }
		if err := yaml.Unmarshal(doc, &meta); err != nil {
			return nil, fmt.Errorf("%s: %w", file, err)
		}
		if meta.Kind != kind {
			continue
		}
		obj := new(T)
		if err := yaml.UnmarshalStrict(doc, obj); err != nil {
			return nil, fmt.Errorf("%s: %w", file, err)
		}
		out = append(out, obj)
	}
}
