package deploy_test

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"unicode"

	"github.com/google/go-cmp/cmp"
)

// promqlWords are PromQL's aggregations and keywords: identifiers that are
// not metric names even when no parenthesis follows them.
var promqlWords = map[string]bool{
	"sum": true, "min": true, "max": true, "avg": true, "group": true, "stddev": true, "stdvar": true,
	"count": true, "count_values": true, "bottomk": true, "topk": true, "quantile": true, "limitk": true, "limit_ratio": true,
	"and": true, "or": true, "unless": true, "bool": true, "inf": true, "nan": true, "atan2": true,
}

// promqlLabelLists are keywords followed by a parenthesised list of label names.
var promqlLabelLists = map[string]bool{"by": true, "without": true, "on": true, "ignoring": true, "group_left": true, "group_right": true}

// metricSelectors lists the metrics a PromQL expression reads, each with
// the label names its selectors match on. It knows enough PromQL for the
// chart's dashboard and alerts: selectors, range and subquery brackets
// (skipped, with Grafana's $__ variables), functions, aggregations with
// by/without, vector matching, numbers and strings.
func metricSelectors(expr string) (map[string][]string, error) {
	out := map[string][]string{}
	r := []rune(expr)
	for i := 0; i < len(r); {
		c := r[i]
		switch {
		case unicode.IsSpace(c):
			i++
		case c == '"' || c == '\'' || c == '`':
			end, err := skipString(r, i)
			if err != nil {
				return nil, err
			}
			i = end
		case c == '[':
			end := slices.Index(r[i:], ']')
			if end < 0 {
				return nil, fmt.Errorf("unclosed [ in %q", expr)
			}
			i += end + 1
		case c == '{':
			return nil, fmt.Errorf("a selector without a metric name in %q: name the metric", expr)
		case isIdentStart(c):
			word, next := ident(r, i)
			after := skipSpace(r, next)
			switch {
			case promqlLabelLists[word]:
				end := slices.Index(r[after:], ')')
				if end < 0 {
					return nil, fmt.Errorf("unclosed label list after %s in %q", word, expr)
				}
				i = after + end + 1
			case word == "offset":
				_, i = ident(r, skipSpace(r, after)) // the duration
			case promqlWords[word] || (after < len(r) && r[after] == '('):
				i = next
			default:
				labels, end, err := selectorLabels(r, after)
				if err != nil {
					return nil, fmt.Errorf("%s in %q: %w", word, expr, err)
				}
				out[word] = append(out[word], labels...)
				i = end
				if end == after {
					i = next
				}
			}
		case c == '$':
			_, i = ident(r, i+1) // a Grafana variable outside brackets
		case unicode.IsDigit(c) || c == '.':
			for i < len(r) && (unicode.IsDigit(r[i]) || strings.ContainsRune(".eE", r[i])) {
				i++
			}
		default: // operators and parentheses
			i++
		}
	}
	for name, labels := range out {
		slices.Sort(labels)
		out[name] = slices.Compact(labels)
	}
	return out, nil
}

// selectorLabels reads the label names of a {…} selector starting at i
// (none when there is none) and returns where it ends.
func selectorLabels(r []rune, i int) ([]string, int, error) {
	if i >= len(r) || r[i] != '{' {
		return nil, i, nil
	}
	var labels []string
	for i++; ; {
		i = skipSpace(r, i)
		switch {
		case i >= len(r):
			return nil, i, fmt.Errorf("unclosed selector")
		case r[i] == '}':
			return labels, i + 1, nil
		case r[i] == ',':
			i++
		case isIdentStart(r[i]):
			var name string
			name, i = ident(r, i)
			labels = append(labels, name)
			i = skipSpace(r, i)
			for i < len(r) && strings.ContainsRune("=!~", r[i]) {
				i++
			}
			end, err := skipString(r, skipSpace(r, i))
			if err != nil {
				return nil, i, err
			}
			i = end
		default:
			return nil, i, fmt.Errorf("unexpected %q in a selector", r[i])
		}
	}
}

func skipString(r []rune, i int) (int, error) {
	if i >= len(r) || !strings.ContainsRune("\"'`", r[i]) {
		return i, fmt.Errorf("a string expected at %d", i)
	}
	quote := r[i]
	for i++; i < len(r); i++ {
		switch r[i] {
		case '\\':
			i++
		case quote:
			return i + 1, nil
		}
	}
	return i, fmt.Errorf("unclosed string")
}

func isIdentStart(c rune) bool { return c == '_' || c == ':' || unicode.IsLetter(c) }

func ident(r []rune, i int) (string, int) {
	start := i
	for i < len(r) && (isIdentStart(r[i]) || unicode.IsDigit(r[i])) {
		i++
	}
	return string(r[start:i]), i
}

func skipSpace(r []rune, i int) int {
	for i < len(r) && unicode.IsSpace(r[i]) {
		i++
	}
	return i
}

func TestMetricSelectors(t *testing.T) {
	for name, tc := range map[string]struct {
		expr string
		want map[string][]string
	}{
		"aggregation with by, a range in a Grafana variable": {
			expr: `sum by (rule) (rate(cunshe_task_admissions_total{namespace="$namespace", decision="denied"}[$__rate_interval]))`,
			want: map[string][]string{"cunshe_task_admissions_total": {"decision", "namespace"}},
		},
		"a histogram quantile": {
			expr: `histogram_quantile(0.99, sum by (le, webhook) (rate(controller_runtime_webhook_latency_seconds_bucket[5m])))`,
			want: map[string][]string{"controller_runtime_webhook_latency_seconds_bucket": nil},
		},
		"vector matching, comparison, arithmetic": {
			expr: "max by (rollout) (a{type=\"Reconciling\", reason!=\"Paused\"}) == 1\n and on (rollout) max by (rollout) (changes(b[30m])) == 0\n and on(rollout) (b < c)",
			want: map[string][]string{"a": {"reason", "type"}, "b": nil, "c": nil},
		},
		"time and numbers": {
			expr: `min((cert_expiry{namespace="x"} - time()) / 86400) < 14 * 86400`,
			want: map[string][]string{"cert_expiry": {"namespace"}},
		},
		"a subquery, offset, escaped quote": {
			expr: `sort_desc(x{a="say \"hi\"", b=~'S1|S2'}[1h:5m] offset 1d)`,
			want: map[string][]string{"x": {"a", "b"}},
		},
	} {
		t.Run(name, func(t *testing.T) {
			got, err := metricSelectors(tc.expr)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
	if _, err := metricSelectors(`{__name__="x"}`); err == nil {
		t.Error("a selector without a metric name was accepted")
	}
}
