// Package openreports writes what the audit found of tasks as OpenReports
// (openreports.io/v1alpha1 Report), the format Policy Reporter and other
// policy tools read with no custom code: one report per village tenant
// (the tasks that reach the village) and one per department namespace (the
// department's tasks). A report is bounded by its namespace, never one
// object per admission or per finding (Kyverno #8974), and its results
// are capped (MaxResults) while its summary counts them all.
//
// A cluster that serves only the wg-policy PolicyReport
// (wgpolicyk8s.io/v1alpha2, older Kyverno and Policy Reporter releases)
// gets the same reports as PolicyReports: one Content, two adapters (Kind).
//
// The builder is pure: tasks, as the audit left them, in; a report out.
// The controller (controllers.OpenReportsReconciler) decides which tasks
// and writes only a change.
package openreports

import (
	"cmp"
	"slices"

	openreportsv1alpha1 "github.com/openreports/reports-api/apis/openreports.io/v1alpha1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	governancev1alpha1 "github.com/cunshe/cunshe-operator/api/v1alpha1"
	"github.com/cunshe/cunshe-operator/internal/rules"
)

// Source names the operator as the source of every report and result.
const Source = "cunshe-operator"

// Results of a report (OpenReports' result values).
const (
	Pass = openreportsv1alpha1.Result("pass")
	Fail = openreportsv1alpha1.Result("fail")
	Warn = openreportsv1alpha1.Result("warn")
	Skip = openreportsv1alpha1.Result("skip")
)

// Severities of a result (OpenReports' severity values).
const (
	SeverityHigh   = openreportsv1alpha1.ResultSeverity("high")
	SeverityMedium = openreportsv1alpha1.ResultSeverity("medium")
	SeverityLow    = openreportsv1alpha1.ResultSeverity("low")
	SeverityInfo   = openreportsv1alpha1.ResultSeverity("info")
)

// Rules (OpenReports' rule, within the policy that is our rule ID): the
// kind of finding, as the compliance summaries name it.
const (
	RuleAdmitted     = "Admitted"     // the task is on the lists (pass)
	RuleNonCompliant = "NonCompliant" // the audit found it off the lists (fail)
	RuleWarning      = "Warning"      // a finding on a task that stands anyway: warn mode (warn)
	RuleEmergency    = "Emergency"    // admitted outside the lists as an emergency, S6 (warn)
	RuleExpired      = "Expired"      // its emergency exemption ended, S6 (fail)
	RuleViolation    = "Violation"    // a review unit upheld a village's report, S8 (fail)
)

// Properties every result carries.
const (
	PropertyDepartment = "department"
	PropertyItem       = "item"
	PropertyPhase      = "phase"
)

// TaskResults are what a report says of one task, from its status as the
// audit wrote it: one result per finding while it has findings, else one
// for its standing. A task the audit has not looked at yet says nothing.
//
//   - Admitted, no findings: pass (S1), or warn (S6) for an emergency in force;
//   - Admitted with findings (status.admissionAction Warn: its county or
//     department pilots the lists in Warn): one warn per finding, policy =
//     the finding's rule;
//   - NonCompliant: one fail per finding, policy = the finding's rule;
//   - Expired: fail (S6); Violation: fail (S8, severity high).
func TaskResults(t *governancev1alpha1.Task) []openreportsv1alpha1.ReportResult {
	s := &t.Status
	switch s.Phase {
	case governancev1alpha1.TaskAdmitted:
		switch {
		case len(s.Findings) > 0: // admitted under Warn (status.admissionAction): they are warnings
			return findingResults(t, Warn, SeverityLow, RuleWarning)
		case t.IsEmergency():
			return []openreportsv1alpha1.ReportResult{result(t, rules.S6, RuleEmergency, Warn, SeverityLow, governancev1alpha1.CompliantCondition)}
		}
		return []openreportsv1alpha1.ReportResult{result(t, rules.S1, RuleAdmitted, Pass, SeverityInfo, governancev1alpha1.CompliantCondition)}
	case governancev1alpha1.TaskNonCompliant:
		return findingResults(t, Fail, SeverityMedium, RuleNonCompliant)
	case governancev1alpha1.TaskExpired:
		return []openreportsv1alpha1.ReportResult{result(t, rules.S6, RuleExpired, Fail, SeverityMedium, governancev1alpha1.CompliantCondition)}
	case governancev1alpha1.TaskViolation:
		return []openreportsv1alpha1.ReportResult{result(t, rules.S8, RuleViolation, Fail, SeverityHigh, governancev1alpha1.ViolationCondition)}
	}
	return nil
}

// findingResults gives each finding its own result, whose policy is the
// rule the finding cites (status.findingRules). A status written before
// findingRules existed names no rule: such a finding is the audit's
// clean-up (S7) until the audit's next pass writes the rule.
func findingResults(t *governancev1alpha1.Task, res openreportsv1alpha1.Result, sev openreportsv1alpha1.ResultSeverity, rule string) []openreportsv1alpha1.ReportResult {
	out := make([]openreportsv1alpha1.ReportResult, len(t.Status.Findings))
	for i, f := range t.Status.Findings {
		policy := rules.S7
		if i < len(t.Status.FindingRules) && t.Status.FindingRules[i] != "" {
			policy = t.Status.FindingRules[i]
		}
		out[i] = result(t, policy, rule, res, sev, governancev1alpha1.CompliantCondition)
		out[i].Description = f
	}
	return out
}

// result is one result about a task; its message and time are those of
// the condition that holds the standing, so they change only when it does.
func result(t *governancev1alpha1.Task, policy, rule string, res openreportsv1alpha1.Result, sev openreportsv1alpha1.ResultSeverity, condition string) openreportsv1alpha1.ReportResult {
	r := openreportsv1alpha1.ReportResult{
		Source: Source, Policy: policy, Rule: rule, Result: res, Severity: sev,
		// Scored: a fail counts against the department; a warn, by
		// OpenReports' definition, is a result that is not scored.
		Scored:     res != Warn,
		Subjects:   []corev1.ObjectReference{taskReference(t)},
		Properties: properties(t),
	}
	if c := meta.FindStatusCondition(t.Status.Conditions, condition); c != nil {
		r.Description = c.Message
		r.Timestamp = metav1.Timestamp{Seconds: c.LastTransitionTime.Unix()}
	}
	return r
}

func taskReference(t *governancev1alpha1.Task) corev1.ObjectReference {
	return corev1.ObjectReference{APIVersion: governancev1alpha1.GroupVersion.String(), Kind: "Task",
		Namespace: t.Namespace, Name: t.Name, UID: t.UID}
}

func properties(t *governancev1alpha1.Task) map[string]string {
	p := map[string]string{PropertyPhase: string(t.Status.Phase)}
	if t.Status.Department != "" {
		p[PropertyDepartment] = t.Status.Department
	}
	if t.Spec.ItemRef != "" {
		p[PropertyItem] = t.Spec.ItemRef
	}
	return p
}

// rank orders results most urgent first, so the cap keeps what matters.
var rank = map[openreportsv1alpha1.Result]int{Fail: 0, "error": 1, Warn: 2, Skip: 3, Pass: 4}

// compareResults orders by urgency, then task, then rule ID and message,
// so the same tasks always give the same report (and so no write).
func compareResults(a, b openreportsv1alpha1.ReportResult) int {
	return cmp.Or(
		cmp.Compare(rank[a.Result], rank[b.Result]),
		cmp.Compare(subjectKey(a), subjectKey(b)),
		cmp.Compare(a.Policy, b.Policy),
		cmp.Compare(a.Description, b.Description),
	)
}

func subjectKey(r openreportsv1alpha1.ReportResult) string {
	if len(r.Subjects) == 0 {
		return ""
	}
	return r.Subjects[0].Namespace + "/" + r.Subjects[0].Name
}

// Results are the results of tasks whose status the filter lists (all,
// when it lists none), most urgent first, capped at limit; the summary of
// every result, filtered or not; and how many the cap left out.
func Results(tasks []governancev1alpha1.Task, filter []openreportsv1alpha1.StatusFilter, limit int) (kept []openreportsv1alpha1.ReportResult, summary openreportsv1alpha1.ReportSummary, omitted int) {
	for i := range tasks {
		for _, r := range TaskResults(&tasks[i]) {
			count(&summary, r.Result)
			if len(filter) == 0 || slices.Contains(filter, openreportsv1alpha1.StatusFilter(r.Result)) {
				kept = append(kept, r)
			}
		}
	}
	slices.SortFunc(kept, compareResults)
	if len(kept) > limit {
		return kept[:limit], summary, len(kept) - limit
	}
	return kept, summary, 0
}

func count(s *openreportsv1alpha1.ReportSummary, r openreportsv1alpha1.Result) {
	switch r {
	case Pass:
		s.Pass++
	case Fail:
		s.Fail++
	case Warn:
		s.Warn++
	case Skip:
		s.Skip++
	default:
		s.Error++
	}
}
