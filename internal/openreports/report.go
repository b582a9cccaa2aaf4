package openreports

import (
	"strconv"

	openreportsv1alpha1 "github.com/openreports/reports-api/apis/openreports.io/v1alpha1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/equality"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	governancev1alpha1 "github.com/cunshe/cunshe-operator/api/v1alpha1"
)

// Name is the name of the operator's report in each namespace.
const Name = "cunshe-tasks"

// MaxResults caps a department's report, VillageMaxResults a village's:
// a department with thousands of tasks, or a village reached by hundreds
// that break a rule, still has one small object (a result is about 1 KB;
// a province's cluster holds tens of thousands of village reports). The
// summary counts every result, the report declares its cap
// (configuration.limits.maxResults) and AnnotationOmitted says how many
// results were left out; the most urgent are kept.
const (
	MaxResults        = 100
	VillageMaxResults = 20
)

// AnnotationOmitted counts the results the cap left out of a report.
const AnnotationOmitted = "governance.cunshe.io/results-omitted"

// VillageFilter is what a village's report lists: what breaks a rule
// there (fail, warn, error). Its summary counts the passes too. A city's
// citywide tasks reach every village, and a pass listed in each of tens of
// thousands of village reports is the flood of report data OpenReports
// producers are warned of (Kyverno #8974); the department's report lists
// them.
var VillageFilter = []openreportsv1alpha1.StatusFilter{"fail", "warn", "error"}

// Content is what a namespace's report says, whichever kind carries it:
// built once from the tasks (Results), then turned into OpenReports'
// Report or the wg-policy PolicyReport by that kind's adapter (Kind).
type Content struct {
	Namespace string
	// Scope is what the report is about: a Village, or a department's Namespace.
	Scope *corev1.ObjectReference
	// Filter names the results listed (nil: all); Limit caps them.
	Filter []openreportsv1alpha1.StatusFilter
	Limit  int
	// Results are the listed results, Summary counts them all, and Omitted
	// is how many the cap left out.
	Results []openreportsv1alpha1.ReportResult
	Summary openreportsv1alpha1.ReportSummary
	Omitted int
}

// VillageContent is a village's report, in its tenant: the tasks that reach it.
func VillageContent(v *governancev1alpha1.Village, tasks []governancev1alpha1.Task) Content {
	scope := &corev1.ObjectReference{APIVersion: governancev1alpha1.GroupVersion.String(), Kind: "Village", Name: v.Name, UID: v.UID}
	return newContent(v.Status.TenantNamespace, scope, VillageFilter, VillageMaxResults, tasks)
}

// DepartmentContent is a department's report, in its namespace (the
// department's identity is the namespace's label): its tasks, passes listed.
func DepartmentContent(namespace string, tasks []governancev1alpha1.Task) Content {
	return newContent(namespace, &corev1.ObjectReference{APIVersion: "v1", Kind: "Namespace", Name: namespace}, nil, MaxResults, tasks)
}

// newContent is the report of one namespace about the tasks given, listing
// the results whose status the filter names (all, for none), at most limit.
func newContent(namespace string, scope *corev1.ObjectReference, filter []openreportsv1alpha1.StatusFilter, limit int, tasks []governancev1alpha1.Task) Content {
	results, summary, omitted := Results(tasks, filter, limit)
	return Content{Namespace: namespace, Scope: scope, Filter: filter, Limit: limit, Results: results, Summary: summary, Omitted: omitted}
}

// objectMeta is the name, namespace, label and annotation every report
// carries, whichever its kind.
func (c Content) objectMeta() metav1.ObjectMeta {
	m := metav1.ObjectMeta{Name: Name, Namespace: c.Namespace,
		Labels: map[string]string{governancev1alpha1.LabelManagedBy: governancev1alpha1.ManagedByValue}}
	if c.Omitted > 0 {
		m.Annotations = map[string]string{AnnotationOmitted: strconv.Itoa(c.Omitted)}
	}
	return m
}

// Report is the content as OpenReports' Report, which also declares the
// filter and the cap (configuration.limits).
func (c Content) Report() *openreportsv1alpha1.Report {
	return &openreportsv1alpha1.Report{
		ObjectMeta: c.objectMeta(),
		Source:     Source,
		Scope:      c.Scope,
		Configuration: &openreportsv1alpha1.ReportConfiguration{
			Limits: openreportsv1alpha1.Limits{MaxResults: c.Limit, StatusFilter: c.Filter}},
		Summary: c.Summary,
		Results: c.Results,
	}
}

// Same reports whether a stored report already says what want says: its
// content and the label and annotation the operator sets. Whatever else
// others add to it (labels, annotations) is theirs and left alone.
func Same(have, want *openreportsv1alpha1.Report) bool {
	return sameMeta(have, want) &&
		have.Source == want.Source &&
		equality.Semantic.DeepEqual(have.Scope, want.Scope) &&
		have.ScopeSelector == nil &&
		equality.Semantic.DeepEqual(have.Configuration, want.Configuration) &&
		have.Summary == want.Summary &&
		equality.Semantic.DeepEqual(normal(have.Results), normal(want.Results))
}

// sameMeta: the stored report carries the operator's label and annotation as want does.
func sameMeta(have, want metav1.Object) bool {
	return have.GetLabels()[governancev1alpha1.LabelManagedBy] == want.GetLabels()[governancev1alpha1.LabelManagedBy] &&
		have.GetAnnotations()[AnnotationOmitted] == want.GetAnnotations()[AnnotationOmitted]
}

// normal treats no results and an empty list alike, as the API server does.
func normal(r []openreportsv1alpha1.ReportResult) []openreportsv1alpha1.ReportResult {
	if len(r) == 0 {
		return nil
	}
	return r
}

// Set makes a stored report say what want says (Same holds after it),
// keeping what others added to it.
func Set(have, want *openreportsv1alpha1.Report) {
	setMeta(have, want)
	have.Source, have.Scope, have.ScopeSelector, have.Configuration = want.Source, want.Scope, nil, want.Configuration
	have.Summary, have.Results = want.Summary, want.Results
}

// setMeta gives a stored report the operator's label and annotation as
// want has them, keeping the others'.
func setMeta(have, want metav1.Object) {
	labels := have.GetLabels()
	if labels == nil {
		labels = map[string]string{}
	}
	labels[governancev1alpha1.LabelManagedBy] = want.GetLabels()[governancev1alpha1.LabelManagedBy]
	have.SetLabels(labels)
	annotations := have.GetAnnotations()
	if n, ok := want.GetAnnotations()[AnnotationOmitted]; ok {
		if annotations == nil {
			annotations = map[string]string{}
		}
		annotations[AnnotationOmitted] = n
	} else {
		delete(annotations, AnnotationOmitted)
	}
	have.SetAnnotations(annotations)
}
