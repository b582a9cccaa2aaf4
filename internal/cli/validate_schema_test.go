package cli

import (
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"testing"

	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"

	"github.com/cunshe/cunshe-operator/config"
)

// TestEveryCELRuleNamesItsRule: a CEL rule's message is what a user reads
// when the API server (or validate, offline) refuses; it names the rule it
// enforces first — validate reads the rule ID from there — and speaks
// Chinese and English.
func TestEveryCELRuleNamesItsRule(t *testing.T) {
	crds, err := config.CRDs()
	if err != nil {
		t.Fatal(err)
	}
	han := regexp.MustCompile(`\p{Han}`)
	var walk func(kind, path string, s *apiextensionsv1.JSONSchemaProps)
	walk = func(kind, path string, s *apiextensionsv1.JSONSchemaProps) {
		if s == nil {
			return
		}
		for _, r := range s.XValidations {
			if !declaredRule.MatchString(r.Message) || !han.MatchString(r.Message) || !regexp.MustCompile(` / [A-Za-z]`).MatchString(r.Message) {
				t.Errorf("%s %s: rule %q: message %q does not start with its rule ID (S1–S20, P1) and say it in Chinese / English", kind, path, r.Rule, r.Message)
			}
		}
		for name, p := range s.Properties {
			walk(kind, path+"."+name, &p)
		}
		if s.Items != nil {
			walk(kind, path+"[]", s.Items.Schema)
		}
	}
	for _, crd := range crds {
		for _, v := range crd.Spec.Versions {
			walk(crd.Spec.Names.Kind, "", v.Schema.OpenAPIV3Schema)
		}
	}
}

// TestValidateRunsTheSchemaOffline: what the API server refuses by itself
// (a required field, a value the schema does not allow, a CEL-only rule)
// validate refuses too, with the API server's message and its rule.
func TestValidateRunsTheSchemaOffline(t *testing.T) {
	tests := map[string]struct {
		manifest string
		// want is the finding's rule, field and message.
		want finding
	}{
		"a village with an empty name": {
			manifest: villageYAML("330302006044", `name: ""`, "type: Community"),
			want: finding{Rule: "S1", Field: "spec.name",
				Message: "S1 村（社区）须写明名称（spec.name），如“鼓楼社区” / a village needs its name (spec.name), e.g. 鼓楼社区"},
		},
		"a village of a type that is neither Village nor Community": {
			manifest: villageYAML("330302006044", "name: 鼓楼社区", "type: Town"),
			want: finding{Rule: "S1", Field: "spec.type",
				Message: "S1 村（社区）类型只能是 Village（村）或 Community（社区） / a village's type is Village (村) or Community (社区)"},
		},
		"a village whose county is not its code's": {
			manifest: villageYAML("330303006044", "name: 鼓楼社区", "type: Community"),
			want: finding{Rule: "S1", Field: "spec.county.code",
				Message: "S1 spec.county.code 必须等于 spec.code 的前 6 位 / spec.county.code must be the first 6 digits of spec.code"},
		},
		"a report that names neither a task nor a demand (a CEL-only rule)": {
			manifest: "apiVersion: governance.cunshe.io/v1alpha1\nkind: Report\nmetadata: {name: r, namespace: village-330302006044}\nspec: {reason: Other, details: 加班}\n",
			want: finding{Rule: "S8", Field: "spec",
				Message: "S8 须且只能填写 taskRef（所拒绝的任务）或 demand（清单外要求）之一 / S8: a report names either taskRef (the task refused) or demand (an unlisted demand), not both"},
		},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			dir := t.TempDir()
			if err := os.WriteFile(filepath.Join(dir, "object.yaml"), []byte(tc.manifest), 0o600); err != nil {
				t.Fatal(err)
			}
			got := run(t, "", "validate", dir, "-o", "json")
			var report validateReport
			if err := json.Unmarshal([]byte(got.stdout), &report); err != nil {
				t.Fatalf("%v:\n%s", err, got.stdout)
			}
			for _, f := range report.Findings {
				if f.Severity == severityError && f.Rule == tc.want.Rule && f.Field == tc.want.Field && f.Message == tc.want.Message {
					return
				}
			}
			t.Errorf("no finding %+v among:\n%+v", tc.want, report.Findings)
		})
	}
}

// villageYAML is a Village manifest of code (county and township taken from
// 330302006: 鹿城区, 五马街道) with the given name and type lines.
func villageYAML(code, name, typ string) string {
	return "apiVersion: governance.cunshe.io/v1alpha1\nkind: Village\nmetadata: {name: \"" + code + "\"}\nspec:\n  code: \"" + code + "\"\n  " +
		name + "\n  " + typ + "\n  county: {code: \"330302\", name: 鹿城区}\n  township: {code: \"330302006\", name: 五马街道}\n"
}
