package openreports

import (
	"fmt"
	"strconv"

	openreportsv1alpha1 "github.com/openreports/reports-api/apis/openreports.io/v1alpha1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/equality"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"

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

// VillageReport is a village's report, in its tenant: the tasks that reach it.
func VillageReport(v *governancev1alpha1.Village, tasks []governancev1alpha1.Task) *openreportsv1alpha1.Report {
	scope := &corev1.ObjectReference{APIVersion: governancev1alpha1.GroupVersion.String(), Kind: "Village", Name: v.Name, UID: v.UID}
	return newReport(v.Status.TenantNamespace, scope, VillageFilter, VillageMaxResults, tasks)
}

// DepartmentReport is a department's report, in its namespace (the
// department's identity is the namespace's label): its tasks, passes listed.
func DepartmentReport(namespace string, tasks []governancev1alpha1.Task) *openreportsv1alpha1.Report {
	return newReport(namespace, &corev1.ObjectReference{APIVersion: "v1", Kind: "Namespace", Name: namespace}, nil, MaxResults, tasks)
}

// newReport is the report of one namespace about the tasks given, listing
// the results whose status the filter names (all, for none), at most limit,
// and declaring the filter and the cap (configuration.limits).
func newReport(namespace string, scope *corev1.ObjectReference, filter []openreportsv1alpha1.StatusFilter, limit int, tasks []governancev1alpha1.Task) *openreportsv1alpha1.Report {
	results, summary, omitted := Results(tasks, filter, limit)
	r := &openreportsv1alpha1.Report{
		ObjectMeta: metav1.ObjectMeta{Name: Name, Namespace: namespace,
			Labels: map[string]string{governancev1alpha1.LabelManagedBy: governancev1alpha1.ManagedByValue}},
		Source: Source,
		Scope:  scope,
		Configuration: &openreportsv1alpha1.ReportConfiguration{
			Limits: openreportsv1alpha1.Limits{MaxResults: limit, StatusFilter: filter}},
		Summary: summary,
		Results: results,
	}
	if omitted > 0 {
		r.Annotations = map[string]string{AnnotationOmitted: strconv.Itoa(omitted)}
	}
	return r
}

// Same reports whether a stored report already says what want says: its
// content and the label and annotation the operator sets. Whatever else
// others add to it (labels, annotations) is theirs and left alone.
func Same(have, want *openreportsv1alpha1.Report) bool {
	return have.Labels[governancev1alpha1.LabelManagedBy] == want.Labels[governancev1alpha1.LabelManagedBy] &&
		have.Annotations[AnnotationOmitted] == want.Annotations[AnnotationOmitted] &&
		have.Source == want.Source &&
		equality.Semantic.DeepEqual(have.Scope, want.Scope) &&
		have.ScopeSelector == nil &&
		equality.Semantic.DeepEqual(have.Configuration, want.Configuration) &&
		have.Summary == want.Summary &&
		equality.Semantic.DeepEqual(normal(have.Results), normal(want.Results))
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
	if have.Labels == nil {
		have.Labels = map[string]string{}
	}
	have.Labels[governancev1alpha1.LabelManagedBy] = want.Labels[governancev1alpha1.LabelManagedBy]
	if n, ok := want.Annotations[AnnotationOmitted]; ok {
		if have.Annotations == nil {
			have.Annotations = map[string]string{}
		}
		have.Annotations[AnnotationOmitted] = n
	} else {
		delete(have.Annotations, AnnotationOmitted)
	}
	have.Source, have.Scope, have.ScopeSelector, have.Configuration = want.Source, want.Scope, nil, want.Configuration
	have.Summary, have.Results = want.Summary, want.Results
}

// GroupKind is the kind of the reports the operator writes.
var GroupKind = schema.GroupKind{Group: openreportsv1alpha1.GroupName, Kind: "Report"}

// Installed reports whether the cluster serves OpenReports' Report (its
// CRD is installed), as the RESTMapper finds it.
func Installed(mapper meta.RESTMapper) (bool, error) {
	_, err := mapper.RESTMapping(GroupKind, openreportsv1alpha1.GroupVersion.Version)
	switch {
	case err == nil:
		return true, nil
	case meta.IsNoMatchError(err):
		return false, nil
	}
	return false, fmt.Errorf("looking up %s: %w", GroupKind, err)
}
