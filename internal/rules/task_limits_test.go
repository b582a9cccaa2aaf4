package rules_test

import (
	"fmt"
	"strings"
	"testing"

	. "github.com/onsi/gomega"
	"k8s.io/apimachinery/pkg/util/validation/field"

	governancev1alpha1 "github.com/cunshe/cunshe-operator/api/v1alpha1"
	"github.com/cunshe/cunshe-operator/config"
	"github.com/cunshe/cunshe-operator/internal/rules"
)

// codes are n village codes of 鹿城区 that the registry does not hold.
func codes(n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = fmt.Sprintf("330302%06d", 900000+i)
	}
	return out
}

func TestTargetsBeyondTheSchemaAreRefusedUnresolved(t *testing.T) {
	for name, tc := range map[string]struct {
		targets governancev1alpha1.TaskTargets
		want    finding
	}{
		"12,001 villages": {governancev1alpha1.TaskTargets{Villages: codes(12001)}, finding{field.ErrorTypeTooMany, "spec.targets.villages", "S2",
			"一个任务最多派往 12000 个村（社区），现有 12001 个；请按县（市、区）派发（targets.counties）或分为几个任务 / " +
				"a task names at most 12000 villages; this one names 12001 — target counties (targets.counties) or split the task"}},
		"257 counties": {governancev1alpha1.TaskTargets{Counties: make([]string, 257)}, finding{field.ErrorTypeTooMany, "spec.targets.counties", "S2",
			"a task names at most 256 counties; this one names 257"}},
	} {
		t.Run(name, func(t *testing.T) {
			task := censusTask()
			task.Spec.Targets = tc.targets
			expectFindings(t, rules.EvaluateTask(task, tjj(), taskSnapshot()).Errs, []finding{tc.want})
		})
	}
}

func TestTenThousandUnknownTargetsMakeOneShortRefusal(t *testing.T) {
	task := censusTask()
	task.Spec.Targets = governancev1alpha1.TaskTargets{Villages: append(codes(10000), wumaVillage)}
	errs := rules.EvaluateTask(task, tjj(), taskSnapshot()).Errs
	first := strings.Join(codes(10), ", ")
	expectFindings(t, errs, []finding{{field.ErrorTypeNotFound, "spec.targets.villages", "S2",
		"登记册中没有村（社区） " + first + " 等，共 10000 个 / no village " + first + " and 9990 more in the division registry"}})
	NewWithT(t).Expect(len(errs[0].Error())).To(BeNumerically("<", 1024), "what a user reads: %s", errs[0].Error())
}

// The caps are the schema's: the API server and the CLI refuse alike.
func TestTargetCapsAreTheSchemas(t *testing.T) {
	g := NewWithT(t)
	crds, err := config.CRDs()
	g.Expect(err).NotTo(HaveOccurred())
	for _, crd := range crds {
		if crd.Spec.Names.Kind != "Task" {
			continue
		}
		targets := crd.Spec.Versions[0].Schema.OpenAPIV3Schema.Properties["spec"].Properties["targets"]
		g.Expect(*targets.Properties["villages"].MaxItems).To(BeEquivalentTo(rules.MaxTargetVillages))
		g.Expect(*targets.Properties["counties"].MaxItems).To(BeEquivalentTo(rules.MaxTargetCounties))
		return
	}
	t.Fatal("no Task CRD")
}
