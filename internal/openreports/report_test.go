package openreports_test

import (
	"encoding/json"
	"testing"

	. "github.com/onsi/gomega"
	"k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	utiljson "k8s.io/apimachinery/pkg/util/json"

	governancev1alpha1 "github.com/cunshe/cunshe-operator/api/v1alpha1"
	"github.com/cunshe/cunshe-operator/internal/openreports"
)

var (
	openReportsGVK       = schema.GroupVersionKind{Group: "openreports.io", Version: "v1alpha1", Kind: "Report"}
	policyReportV1alpha2 = schema.GroupVersionKind{Group: "wgpolicyk8s.io", Version: "v1alpha2", Kind: "PolicyReport"}
	policyReportV1beta1  = schema.GroupVersionKind{Group: "wgpolicyk8s.io", Version: "v1beta1", Kind: "PolicyReport"}
)

// The operator writes the kind the cluster serves, OpenReports first, and
// never both; a cluster with neither turns the feature off, not the operator.
func TestChoose(t *testing.T) {
	tests := map[string]struct {
		installed []schema.GroupVersionKind // the kinds whose CRD the cluster serves
		write     openreports.Kind          // what the operator writes (nil: nothing)
		served    []openreports.Kind        // what it finds served
	}{
		"neither":           {},
		"OpenReports alone": {installed: []schema.GroupVersionKind{openReportsGVK}, write: openreports.OpenReports, served: []openreports.Kind{openreports.OpenReports}},
		"the PolicyReport alone": {installed: []schema.GroupVersionKind{policyReportV1alpha2}, write: openreports.PolicyReports,
			served: []openreports.Kind{openreports.PolicyReports}},
		"both: OpenReports only": {installed: []schema.GroupVersionKind{policyReportV1alpha2, openReportsGVK}, write: openreports.OpenReports,
			served: []openreports.Kind{openreports.OpenReports, openreports.PolicyReports}},
		"a PolicyReport CRD without v1alpha2": {installed: []schema.GroupVersionKind{policyReportV1beta1}},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			g := NewWithT(t)
			mapper := meta.NewDefaultRESTMapper(nil)
			for _, gvk := range tc.installed {
				mapper.Add(gvk, meta.RESTScopeNamespace)
			}
			write, served, err := openreports.Choose(mapper)
			g.Expect(err).NotTo(HaveOccurred())
			if tc.write == nil {
				g.Expect(write).To(BeNil())
			} else {
				g.Expect(write).To(Equal(tc.write))
			}
			g.Expect(served).To(Equal(tc.served))
		})
	}
}

// storedPolicyReport is a report as the API server gives it back: its JSON
// decoded into an unstructured object (empty fields left out).
func storedPolicyReport(g Gomega, obj any) *unstructured.Unstructured {
	data, err := json.Marshal(obj)
	g.Expect(err).NotTo(HaveOccurred())
	var m map[string]any
	g.Expect(utiljson.Unmarshal(data, &m)).To(Succeed()) // as client-go decodes: whole numbers as int64
	return &unstructured.Unstructured{Object: m}
}

// A PolicyReport says what the OpenReports Report of the same content says,
// field for field under the same JSON names, without OpenReports' report
// source and configuration, which v1alpha2 does not have.
func TestPolicyReportSaysWhatTheReportSays(t *testing.T) {
	g := NewWithT(t)
	tasks := []governancev1alpha1.Task{audited("census", governancev1alpha1.TaskAdmitted),
		audited("fire", governancev1alpha1.TaskNonCompliant, [2]string{"S7", "S7 事项已退出清单 / the item is retired"})}
	for range 25 {
		tasks = append(tasks, tasks[1])
	}
	village := &governancev1alpha1.Village{Status: governancev1alpha1.VillageStatus{TenantNamespace: "village-330302006044"}}
	village.Name, village.UID = "330302006044", "v-uid"
	content := openreports.VillageContent(village, tasks)

	polr, err := content.PolicyReport()
	g.Expect(err).NotTo(HaveOccurred())
	report := storedPolicyReport(g, content.Report())

	g.Expect(polr.GetAPIVersion()).To(Equal("wgpolicyk8s.io/v1alpha2"))
	g.Expect(polr.GetKind()).To(Equal("PolicyReport"))
	g.Expect(polr.GetNamespace()).To(Equal("village-330302006044"))
	g.Expect(polr.GetName()).To(Equal("cunshe-tasks"))
	g.Expect(polr.GetLabels()).To(Equal(report.GetLabels()))
	g.Expect(polr.GetAnnotations()).To(Equal(map[string]string{openreports.AnnotationOmitted: "6"}))
	stored := storedPolicyReport(g, polr)
	for _, field := range []string{"scope", "summary", "results"} {
		g.Expect(stored.Object[field]).To(Equal(report.Object[field]), field)
	}
	g.Expect(stored.Object).NotTo(HaveKey("source"), "v1alpha2 names the source on each result only")
	g.Expect(stored.Object).NotTo(HaveKey("configuration"))
	g.Expect(stored.Object["results"]).To(HaveLen(openreports.VillageMaxResults))
}

// A stored PolicyReport that says what the operator would write is no
// difference (so no write), whatever others added; Set makes it say the new.
func TestPolicyReportSameAndSet(t *testing.T) {
	g := NewWithT(t)
	kind := openreports.PolicyReports
	before, err := kind.Build(openreports.DepartmentContent("dept-tjj", []governancev1alpha1.Task{audited("census", governancev1alpha1.TaskAdmitted)}))
	g.Expect(err).NotTo(HaveOccurred())
	after, err := kind.Build(openreports.DepartmentContent("dept-tjj", []governancev1alpha1.Task{
		audited("census", governancev1alpha1.TaskNonCompliant, [2]string{"S7", "S7 retired"})}))
	g.Expect(err).NotTo(HaveOccurred())

	stored := storedPolicyReport(g, before)
	stored.SetResourceVersion("42")
	stored.SetLabels(map[string]string{"app.kubernetes.io/managed-by": "cunshe-operator", "team": "audit"})
	stored.SetAnnotations(map[string]string{"note": "theirs"})
	g.Expect(kind.Same(stored, before)).To(BeTrue(), "what others add is not a difference")
	g.Expect(kind.Same(stored, after)).To(BeFalse())

	kind.Set(stored, after)
	g.Expect(kind.Same(stored, after)).To(BeTrue())
	g.Expect(kind.Same(storedPolicyReport(g, stored), after)).To(BeTrue(), "once stored and read back")
	g.Expect(stored.GetLabels()).To(HaveKeyWithValue("team", "audit"))
	g.Expect(stored.GetAnnotations()).To(Equal(map[string]string{"note": "theirs"}))
	g.Expect(stored.GetResourceVersion()).To(Equal("42"))
	fail, _, err := unstructured.NestedInt64(stored.Object, "summary", "fail")
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(fail).To(Equal(int64(1)))
}
