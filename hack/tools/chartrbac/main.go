// Command chartrbac checks that the Helm chart's hand-written copies of
// generated manifests match them (hack/check-chart-rbac.sh runs it):
//
//   - the rules of the chart's ClusterRole (templates/clusterrole.yaml) and
//     of config/rbac/role.yaml, generated from the +kubebuilder:rbac markers;
//   - the webhooks of the chart's webhook configurations
//     (templates/webhooks.yaml) and of config/webhook/manifests.yaml,
//     generated from the +kubebuilder:webhook markers, apart from what the
//     release sets (Service name and namespace, caBundle, failurePolicy);
//     the chart's default webhook.failurePolicy must equal the generated one.
//
// It reads the templates as text, so it needs neither helm nor kubectl: the
// ClusterRole's rules block must be plain YAML, and in the webhooks template
// a line holding only a template action is dropped and any other action reads
// as a placeholder. It exits 1 and prints the differences when they differ.
// With -write it copies role.yaml's rules into the chart's ClusterRole.
package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"reflect"
	"regexp"
	"slices"
	"sort"
	"strings"

	rbacv1 "k8s.io/api/rbac/v1"
	"sigs.k8s.io/yaml"
)

func main() {
	role := flag.String("role", "config/rbac/role.yaml", "generated ClusterRole")
	chartRole := flag.String("chart-role", "charts/cunshe-operator/templates/clusterrole.yaml", "chart's ClusterRole template")
	webhooks := flag.String("webhooks", "config/webhook/manifests.yaml", "generated webhook configurations")
	chartWebhooks := flag.String("chart-webhooks", "charts/cunshe-operator/templates/webhooks.yaml", "chart's webhook configurations template")
	values := flag.String("values", "charts/cunshe-operator/values.yaml", "chart's values")
	write := flag.Bool("write", false, "copy the generated ClusterRole's rules into the chart's ClusterRole, then check")
	flag.Parse()

	if *write {
		if err := writeRules(*role, *chartRole); err != nil {
			fatal(err)
		}
	}
	var problems []string
	p, err := checkRules(*role, *chartRole)
	if err != nil {
		fatal(err)
	}
	problems = append(problems, p...)
	p, err = checkWebhooks(*webhooks, *chartWebhooks, *values)
	if err != nil {
		fatal(err)
	}
	problems = append(problems, p...)
	if len(problems) > 0 {
		fmt.Fprintln(os.Stderr, "the chart differs from the generated manifests:")
		for _, p := range problems {
			fmt.Fprintln(os.Stderr, "  "+strings.ReplaceAll(p, "\n", "\n    "))
		}
		fmt.Fprintln(os.Stderr, "update charts/cunshe-operator (ClusterRole rules: go run ./hack/tools/chartrbac -write)")
		os.Exit(1)
	}
}

func fatal(err error) {
	fmt.Fprintln(os.Stderr, "chartrbac:", err)
	os.Exit(2)
}

// rulesBlock returns the offset of the line "rules:" at column 0.
func rulesBlock(file string, data []byte) (int, error) {
	i := bytes.Index(data, []byte("\nrules:\n"))
	if i < 0 {
		return 0, fmt.Errorf("%s: no line \"rules:\"", file)
	}
	return i + 1, nil
}

func writeRules(role, chartRole string) error {
	src, err := os.ReadFile(role)
	if err != nil {
		return err
	}
	dst, err := os.ReadFile(chartRole)
	if err != nil {
		return err
	}
	i, err := rulesBlock(role, src)
	if err != nil {
		return err
	}
	j, err := rulesBlock(chartRole, dst)
	if err != nil {
		return err
	}
	return os.WriteFile(chartRole, append(dst[:j:j], src[i:]...), 0o644)
}

func checkRules(role, chartRole string) ([]string, error) {
	data, err := os.ReadFile(role)
	if err != nil {
		return nil, err
	}
	var generated rbacv1.ClusterRole
	if err := yaml.UnmarshalStrict(data, &generated); err != nil {
		return nil, fmt.Errorf("%s: %w", role, err)
	}
	data, err = os.ReadFile(chartRole)
	if err != nil {
		return nil, err
	}
	i, err := rulesBlock(chartRole, data)
	if err != nil {
		return nil, err
	}
	if bytes.Contains(data[i:], []byte("{{")) {
		return nil, fmt.Errorf("%s: the rules block contains template actions; keep it plain YAML", chartRole)
	}
	var chart struct {
		Rules []rbacv1.PolicyRule `json:"rules"`
	}
	if err := yaml.UnmarshalStrict(data[i:], &chart); err != nil {
		return nil, fmt.Errorf("%s: %w", chartRole, err)
	}
	want, got := normaliseRules(generated.Rules), normaliseRules(chart.Rules)
	var problems []string
	for _, r := range want {
		if !slices.Contains(got, r) {
			problems = append(problems, fmt.Sprintf("ClusterRole rule missing from %s:\n%s", chartRole, r))
		}
	}
	for _, r := range got {
		if !slices.Contains(want, r) {
			problems = append(problems, fmt.Sprintf("ClusterRole rule in %s but not in %s:\n%s", chartRole, role, r))
		}
	}
	return problems, nil
}

// normaliseRules renders each rule as YAML with its lists sorted, sorted.
func normaliseRules(rules []rbacv1.PolicyRule) []string {
	out := make([]string, 0, len(rules))
	for _, r := range rules {
		for _, l := range [][]string{r.APIGroups, r.Resources, r.ResourceNames, r.Verbs, r.NonResourceURLs} {
			sort.Strings(l)
		}
		data, err := yaml.Marshal(r)
		if err != nil {
			panic(err) // a PolicyRule always marshals
		}
		out = append(out, strings.TrimSpace(string(data)))
	}
	sort.Strings(out)
	return out
}

var (
	templateComment = regexp.MustCompile(`(?s)\{\{-?\s*/\*.*?\*/\s*-?\}\}`)
	actionLine      = regexp.MustCompile(`^\s*\{\{[^{}]*\}\}\s*$`)
	action          = regexp.MustCompile(`\{\{.*?\}\}`)
)

// untemplate turns a template into YAML: comments and lines holding only an
// action go, other actions become a placeholder.
func untemplate(data []byte) []byte {
	data = templateComment.ReplaceAll(data, nil)
	var out []string
	for _, line := range strings.Split(string(data), "\n") {
		if actionLine.MatchString(line) {
			continue
		}
		out = append(out, action.ReplaceAllString(line, "TEMPLATED"))
	}
	return []byte(strings.Join(out, "\n"))
}

// webhookDocs maps the kind of each webhook configuration to its webhooks,
// by name, without the fields the release sets.
func webhookDocs(file string, data []byte) (map[string]map[string]map[string]any, map[string]string, error) {
	byKind := map[string]map[string]map[string]any{}
	policies := map[string]string{}
	for _, doc := range regexp.MustCompile(`(?m)^---\s*$`).Split(string(data), -1) {
		var obj struct {
			Kind     string           `json:"kind"`
			Webhooks []map[string]any `json:"webhooks"`
		}
		if err := yaml.Unmarshal([]byte(doc), &obj); err != nil {
			return nil, nil, fmt.Errorf("%s: %w", file, err)
		}
		if obj.Kind == "" {
			continue
		}
		if byKind[obj.Kind] == nil {
			byKind[obj.Kind] = map[string]map[string]any{}
		}
		for _, w := range obj.Webhooks {
			name, _ := w["name"].(string)
			if p, ok := w["failurePolicy"].(string); ok {
				policies[obj.Kind+" "+name] = p
			}
			delete(w, "failurePolicy")
			if cc, ok := w["clientConfig"].(map[string]any); ok {
				delete(cc, "caBundle")
				if svc, ok := cc["service"].(map[string]any); ok {
					delete(svc, "name")
					delete(svc, "namespace")
				}
			}
			byKind[obj.Kind][name] = w
		}
	}
	return byKind, policies, nil
}

func checkWebhooks(generatedFile, chartFile, valuesFile string) ([]string, error) {
	data, err := os.ReadFile(generatedFile)
	if errors.Is(err, os.ErrNotExist) {
		data = nil // no webhooks yet
	} else if err != nil {
		return nil, err
	}
	want, policies, err := webhookDocs(generatedFile, data)
	if err != nil {
		return nil, err
	}
	data, err = os.ReadFile(chartFile)
	if errors.Is(err, os.ErrNotExist) && len(want) == 0 {
		return nil, nil
	} else if err != nil {
		return nil, err
	}
	got, _, err := webhookDocs(chartFile, untemplate(data))
	if err != nil {
		return nil, err
	}
	var problems []string
	for _, kind := range sortedKeys(want, got) {
		for _, name := range sortedKeys(want[kind], got[kind]) {
			w, g := want[kind][name], got[kind][name]
			switch {
			case g == nil:
				problems = append(problems, fmt.Sprintf("%s webhook %s missing from %s", kind, name, chartFile))
			case w == nil:
				problems = append(problems, fmt.Sprintf("%s webhook %s in %s but not in %s", kind, name, chartFile, generatedFile))
			case !reflect.DeepEqual(w, g):
				problems = append(problems, fmt.Sprintf("%s webhook %s differs:\n%s:\n%s\n%s:\n%s", kind, name,
					generatedFile, toYAML(w), chartFile, toYAML(g)))
			}
		}
	}

	data, err = os.ReadFile(valuesFile)
	if err != nil {
		return nil, err
	}
	var values struct {
		Webhook struct {
			FailurePolicy string `json:"failurePolicy"`
		} `json:"webhook"`
	}
	if err := yaml.Unmarshal(data, &values); err != nil {
		return nil, fmt.Errorf("%s: %w", valuesFile, err)
	}
	for _, key := range sortedKeys(policies) {
		if p := policies[key]; p != values.Webhook.FailurePolicy {
			problems = append(problems, fmt.Sprintf("%s webhook %s has failurePolicy %s, %s's webhook.failurePolicy is %q",
				strings.Fields(key)[0], strings.Fields(key)[1], p, valuesFile, values.Webhook.FailurePolicy))
		}
	}
	return problems, nil
}

func sortedKeys[V any](maps ...map[string]V) []string {
	var keys []string
	for _, m := range maps {
		for k := range m {
			if !slices.Contains(keys, k) {
				keys = append(keys, k)
			}
		}
	}
	sort.Strings(keys)
	return keys
}

func toYAML(v any) string {
	data, err := json.Marshal(v)
	if err == nil {
		data, err = yaml.JSONToYAML(data)
	}
	if err != nil {
		return fmt.Sprint(v)
	}
	return strings.TrimSpace(string(data))
}
