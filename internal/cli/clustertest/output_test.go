package clustertest

import (
	"encoding/json"
	"slices"
	"testing"

	corev1 "k8s.io/api/core/v1"

	governancev1alpha1 "github.com/cunshe/cunshe-operator/api/v1alpha1"
)

// TestReportAndDecideJSON: with -o json, report prints the Report the API
// stored (admission's annotations included) and decide the ReportDecision
// with the Report once the operator followed it: what a script reads back.
func TestReportAndDecideJSON(t *testing.T) {
	emergencyTask(t, "well-check", governancev1alpha1.TaskTargets{Villages: []string{yongjia}}, nil)
	ns := governancev1alpha1.TenantNamespaceName(yongjia)

	filed := run(t, append([]string{"report", yongjia, "--reason", "ScopeEnlarged", "--task", "dept-tjj/well-check", "--name", "well-check-json", "-o", "json"},
		cadre("zhou.ba", yongjia)...)...)
	if filed.code != 0 {
		t.Fatalf("report -o json: exit code %d:\n%s", filed.code, filed.stderr)
	}
	var r governancev1alpha1.Report
	if err := json.Unmarshal([]byte(filed.stdout), &r); err != nil {
		t.Fatalf("report -o json: %v\n%s", err, filed.stdout)
	}
	if r.Kind != "Report" || r.Namespace != ns || r.Name != "well-check-json" || r.UID == "" ||
		r.Annotations[governancev1alpha1.AnnotationCreatedBy] != "zhou.ba" || len(r.ManagedFields) != 0 {
		t.Errorf("not the stored report (kind %q, %s/%s, uid %q, created by %q, %d managed fields)",
			r.Kind, r.Namespace, r.Name, r.UID, r.Annotations[governancev1alpha1.AnnotationCreatedBy], len(r.ManagedFields))
	}

	decided := run(t, "decide", "well-check-json", "-n", ns, "--unit", "mzj", "--outcome", "Investigating", "-o", "json",
		"--as", "zhao.min", "--as-group", "cunshe:unit:mzj")
	if decided.code != 0 {
		t.Fatalf("decide -o json: exit code %d:\n%s", decided.code, decided.stderr)
	}
	var list corev1.List
	if err := json.Unmarshal([]byte(decided.stdout), &list); err != nil || list.Kind != "List" || len(list.Items) != 2 {
		t.Fatalf("decide -o json is no List of two (%v):\n%s", err, decided.stdout)
	}
	var d governancev1alpha1.ReportDecision
	var followed governancev1alpha1.Report
	if err := json.Unmarshal(list.Items[0].Raw, &d); err != nil || d.Kind != "ReportDecision" || d.Name != "well-check-json.mzj" {
		t.Errorf("the first item is not the decision (%v): %s", err, list.Items[0].Raw)
	}
	if err := json.Unmarshal(list.Items[1].Raw, &followed); err != nil || followed.Kind != "Report" {
		t.Fatalf("the second item is not the report (%v): %s", err, list.Items[1].Raw)
	}
	if followed.Status.Phase != governancev1alpha1.ReportInvestigating ||
		!slices.ContainsFunc(followed.Status.Decisions, func(r governancev1alpha1.ReportDecisionRecord) bool { return r.Decision == d.Name }) {
		t.Errorf("the report printed has not followed the decision: %+v", followed.Status)
	}
}
