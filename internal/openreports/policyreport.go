package openreports

import (
	"fmt"

	openreportsv1alpha1 "github.com/openreports/reports-api/apis/openreports.io/v1alpha1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/equality"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"sigs.k8s.io/controller-runtime/pkg/client"
)

// PolicyReportGVK is the wg-policy PolicyReport (namespaced; its
// cluster-scoped sibling, ClusterPolicyReport, the operator does not write).
// No Go module the operator can depend on serves its types (they live in
// Kyverno's and Policy Reporter's own modules), so it is written as an
// unstructured object with the schema's field names (policyReportBody).
var PolicyReportGVK = schema.GroupVersionKind{Group: "wgpolicyk8s.io", Version: "v1alpha2", Kind: "PolicyReport"}

// policyReportBody is what a v1alpha2 PolicyReport holds beside its
// metadata, by the schema's JSON names. Its results and summary are
// OpenReports' types: OpenReports is this API's successor and kept the
// result's fields, types and JSON names as they are here (source, policy,
// rule, category, severity, timestamp, result, scored, resources,
// resourceSelector, message, properties), so one value serialises to either
// kind. What OpenReports added (the report's source and configuration)
// has no place here, so a PolicyReport declares no cap: its summary counts
// every result and AnnotationOmitted what the cap left out.
type policyReportBody struct {
	Scope         *corev1.ObjectReference            `json:"scope,omitempty"`
	ScopeSelector *metav1.LabelSelector              `json:"scopeSelector,omitempty"`
	Summary       openreportsv1alpha1.ReportSummary  `json:"summary"`
	Results       []openreportsv1alpha1.ReportResult `json:"results,omitempty"`
}

// bodyFields are the fields of policyReportBody: what Set replaces.
var bodyFields = []string{"scope", "scopeSelector", "summary", "results"}

// PolicyReport is the content as a wgpolicyk8s.io/v1alpha2 PolicyReport:
// the same name, namespace, label, annotation, scope, summary and results
// as the OpenReports Report (Content.Report).
func (c Content) PolicyReport() (*unstructured.Unstructured, error) {
	body, err := runtime.DefaultUnstructuredConverter.ToUnstructured(&policyReportBody{Scope: c.Scope, Summary: c.Summary, Results: c.Results})
	if err != nil {
		return nil, fmt.Errorf("building the PolicyReport of %s: %w", c.Namespace, err)
	}
	u := &unstructured.Unstructured{Object: body}
	u.SetGroupVersionKind(PolicyReportGVK)
	m := c.objectMeta()
	u.SetNamespace(m.Namespace)
	u.SetName(m.Name)
	u.SetLabels(m.Labels)
	if m.Annotations != nil {
		u.SetAnnotations(m.Annotations)
	}
	return u, nil
}

// policyReportsKind writes the PolicyReport, unstructured.
type policyReportsKind struct{}

func (policyReportsKind) GroupVersionKind() schema.GroupVersionKind { return PolicyReportGVK }

func (policyReportsKind) New() client.Object {
	u := &unstructured.Unstructured{}
	u.SetGroupVersionKind(PolicyReportGVK)
	return u
}

func (policyReportsKind) Build(c Content) (client.Object, error) { return c.PolicyReport() }

// Same compares the stored and the wanted report as typed values, so that
// what JSON leaves out (an empty list, a false) or writes differently (an
// integer's Go type) is no difference.
func (policyReportsKind) Same(have, want client.Object) bool {
	h, herr := bodyOf(have)
	w, werr := bodyOf(want)
	return herr == nil && werr == nil && sameMeta(have, want) &&
		equality.Semantic.DeepEqual(h.Scope, w.Scope) &&
		h.ScopeSelector == nil &&
		h.Summary == w.Summary &&
		equality.Semantic.DeepEqual(normal(h.Results), normal(w.Results))
}

func (policyReportsKind) Set(have, want client.Object) {
	h, w := have.(*unstructured.Unstructured), want.(*unstructured.Unstructured)
	setMeta(h, w)
	for _, field := range bodyFields {
		if v, ok := w.Object[field]; ok {
			h.Object[field] = v
		} else {
			delete(h.Object, field)
		}
	}
}

func (policyReportsKind) String() string { return "PolicyReport" }

// bodyOf reads a PolicyReport's content (its metadata is ignored).
func bodyOf(o client.Object) (policyReportBody, error) {
	var b policyReportBody
	err := runtime.DefaultUnstructuredConverter.FromUnstructured(o.(*unstructured.Unstructured).Object, &b)
	return b, err
}
