package openreports_test

import (
	"fmt"
	"testing"
	"time"

	. "github.com/onsi/gomega"
	openreportsv1alpha1 "github.com/openreports/reports-api/apis/openreports.io/v1alpha1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"

	governancev1alpha1 "github.com/cunshe/cunshe-operator/api/v1alpha1"
	"github.com/cunshe/cunshe-operator/internal/openreports"
)

var since = metav1.NewTime(time.Date(2026, 11, 20, 8, 0, 0, 0, time.UTC))

// audited is a task as the audit leaves it: its phase, its findings with
// their rules, and the conditions whose message a report quotes.
func audited(name string, phase governancev1alpha1.TaskPhase, findings ...[2]string) governancev1alpha1.Task {
	t := governancev1alpha1.Task{
		ObjectMeta: metav1.ObjectMeta{Namespace: "dept-tjj", Name: name, UID: types.UID("uid-" + name)},
		Spec:       governancev1alpha1.TaskSpec{Title: name, ItemRef: "l1-census-assist", Targets: governancev1alpha1.TaskTargets{All: true}},
		Status: governancev1alpha1.TaskStatus{Phase: phase, Department: "tjj", Conditions: []metav1.Condition{
			{Type: governancev1alpha1.CompliantCondition, Status: metav1.ConditionTrue, Reason: governancev1alpha1.ReasonListed,
				Message: "任务在已公布清单之内 / the task is on the published lists", LastTransitionTime: since},
			{Type: governancev1alpha1.ViolationCondition, Status: metav1.ConditionTrue, Reason: governancev1alpha1.ReasonReportUpheld,
				Message: "S8 联审单位认定村（社区）反映属实 / review units upheld villages' reports", LastTransitionTime: since},
		}},
	}
	for _, f := range findings {
		t.Status.FindingRules = append(t.Status.FindingRules, f[0])
		t.Status.Findings = append(t.Status.Findings, f[1])
	}
	return t
}

// want is what a test expects of one result; the rest is checked once.
type want struct {
	policy, rule, message string
	result                openreportsv1alpha1.Result
	severity              openreportsv1alpha1.ResultSeverity
	scored                bool
}

func TestTaskResults(t *testing.T) {
	retired := [2]string{"S7", "S7 事项 \"l1-fire\" 已退出清单 / item \"l1-fire\" has been retired from the lists"}
	enlarged := [2]string{"S2", "S2 不得扩大事项范围 / the task may not enlarge the item's scope"}
	emergency := audited("typhoon", governancev1alpha1.TaskAdmitted)
	emergency.Spec.Emergency = &governancev1alpha1.Emergency{Category: governancev1alpha1.EmergencyPublicSafety}
	emergency.Status.Conditions[0].Message = "S6 紧急任务不受清单限制 / emergency task admitted outside the lists"
	warned := audited("pilot", governancev1alpha1.TaskAdmitted, enlarged, retired)
	warned.Status.AdmissionAction = governancev1alpha1.AdmissionWarn
	legacy := audited("before-finding-rules", governancev1alpha1.TaskNonCompliant, retired)
	legacy.Status.FindingRules = nil
	tests := map[string]struct {
		task governancev1alpha1.Task
		want []want
	}{
		// The audit has not looked yet: nothing to say.
		"not audited": {task: audited("new", "")},
		"on the lists passes S1": {task: audited("census", governancev1alpha1.TaskAdmitted),
			want: []want{{policy: "S1", rule: openreports.RuleAdmitted, result: openreports.Pass, severity: openreports.SeverityInfo, scored: true,
				message: "任务在已公布清单之内 / the task is on the published lists"}}},
		"an emergency in force warns under S6, unscored": {task: emergency,
			want: []want{{policy: "S6", rule: openreports.RuleEmergency, result: openreports.Warn, severity: openreports.SeverityLow,
				message: "S6 紧急任务不受清单限制 / emergency task admitted outside the lists"}}},
		// Warn mode: the task stands although findings say it breaks a rule.
		"a task admitted under Warn warns once per finding, under each finding's rule": {
			task: warned,
			want: []want{
				{policy: "S2", rule: openreports.RuleWarning, result: openreports.Warn, severity: openreports.SeverityLow, message: enlarged[1]},
				{policy: "S7", rule: openreports.RuleWarning, result: openreports.Warn, severity: openreports.SeverityLow, message: retired[1]},
			}},
		"off the lists fails once per finding, under each finding's rule": {
			task: audited("fire", governancev1alpha1.TaskNonCompliant, retired, enlarged),
			want: []want{
				{policy: "S7", rule: openreports.RuleNonCompliant, result: openreports.Fail, severity: openreports.SeverityMedium, scored: true, message: retired[1]},
				{policy: "S2", rule: openreports.RuleNonCompliant, result: openreports.Fail, severity: openreports.SeverityMedium, scored: true, message: enlarged[1]},
			}},
		"a finding stored before findingRules is the audit's clean-up, S7": {task: legacy,
			want: []want{{policy: "S7", rule: openreports.RuleNonCompliant, result: openreports.Fail, severity: openreports.SeverityMedium, scored: true, message: retired[1]}}},
		"an expired emergency fails S6": {task: audited("expired", governancev1alpha1.TaskExpired),
			want: []want{{policy: "S6", rule: openreports.RuleExpired, result: openreports.Fail, severity: openreports.SeverityMedium, scored: true,
				message: "任务在已公布清单之内 / the task is on the published lists"}}},
		"an upheld report fails S8, high": {task: audited("violation", governancev1alpha1.TaskViolation),
			want: []want{{policy: "S8", rule: openreports.RuleViolation, result: openreports.Fail, severity: openreports.SeverityHigh, scored: true,
				message: "S8 联审单位认定村（社区）反映属实 / review units upheld villages' reports"}}},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			g := NewWithT(t)
			got := openreports.TaskResults(&tc.task)
			g.Expect(got).To(HaveLen(len(tc.want)))
			for i, w := range tc.want {
				r := got[i]
				g.Expect([]any{r.Policy, r.Rule, r.Result, r.Severity, r.Scored, r.Description}).To(Equal([]any{w.policy, w.rule, w.result, w.severity, w.scored, w.message}), "result %d", i)
				g.Expect(r.Source).To(Equal("cunshe-operator"))
				g.Expect(r.Subjects).To(Equal([]corev1.ObjectReference{{APIVersion: "governance.cunshe.io/v1alpha1", Kind: "Task",
					Namespace: "dept-tjj", Name: tc.task.Name, UID: tc.task.UID}}))
				g.Expect(r.Properties).To(Equal(map[string]string{"department": "tjj", "item": "l1-census-assist", "phase": string(tc.task.Status.Phase)}))
				// The condition's time: a pass of the audit that changes nothing changes no result.
				g.Expect(r.Timestamp).To(Equal(metav1.Timestamp{Seconds: since.Unix()}))
			}
		})
	}
}

func TestResultsPutFailuresFirstAndCapTheRest(t *testing.T) {
	g := NewWithT(t)
	var tasks []governancev1alpha1.Task
	for i := range 120 {
		tasks = append(tasks, audited(fmt.Sprintf("census-%03d", i), governancev1alpha1.TaskAdmitted))
	}
	tasks = append(tasks, audited("zz-fire", governancev1alpha1.TaskNonCompliant, [2]string{"S7", "S7 retired"}),
		audited("aa-violation", governancev1alpha1.TaskViolation))

	kept, summary, omitted := openreports.Results(tasks, nil, openreports.MaxResults)

	g.Expect(summary).To(Equal(openreportsv1alpha1.ReportSummary{Pass: 120, Fail: 2}), "the summary counts every result")
	g.Expect(kept).To(HaveLen(openreports.MaxResults))
	g.Expect(omitted).To(Equal(122 - openreports.MaxResults))
	g.Expect([]string{kept[0].Subjects[0].Name, kept[1].Subjects[0].Name, kept[2].Subjects[0].Name}).
		To(Equal([]string{"aa-violation", "zz-fire", "census-000"}), "failures first, then by task")

	kept, summary, omitted = openreports.Results(tasks, openreports.VillageFilter, openreports.MaxResults)
	g.Expect(outcomes(kept)).To(Equal([]string{"aa-violation S8 fail", "zz-fire S7 fail"}), "a filter keeps what it names")
	g.Expect(summary).To(Equal(openreportsv1alpha1.ReportSummary{Pass: 120, Fail: 2}), "and the summary still counts everything")
	g.Expect(omitted).To(BeZero(), "what the filter leaves out is declared, not omitted")
}

func outcomes(rs []openreportsv1alpha1.ReportResult) []string {
	out := make([]string, len(rs))
	for i, r := range rs {
		out[i] = r.Subjects[0].Name + " " + r.Policy + " " + string(r.Result)
	}
	return out
}

func TestVillageReportListsWhatBreaksARule(t *testing.T) {
	g := NewWithT(t)
	village := &governancev1alpha1.Village{ObjectMeta: metav1.ObjectMeta{Name: "330302006044", UID: "v-uid"},
		Status: governancev1alpha1.VillageStatus{TenantNamespace: "village-330302006044"}}
	tasks := []governancev1alpha1.Task{audited("census", governancev1alpha1.TaskAdmitted),
		audited("fire", governancev1alpha1.TaskNonCompliant, [2]string{"S7", "S7 retired"})}

	r := openreports.VillageContent(village, tasks).Report()

	g.Expect(r.Name).To(Equal("cunshe-tasks"))
	g.Expect(r.Namespace).To(Equal("village-330302006044"))
	g.Expect(r.Labels).To(Equal(map[string]string{"app.kubernetes.io/managed-by": "cunshe-operator"}))
	g.Expect(r.Annotations).To(BeEmpty(), "nothing omitted")
	g.Expect(r.Source).To(Equal("cunshe-operator"))
	g.Expect(r.Scope).To(Equal(&corev1.ObjectReference{APIVersion: "governance.cunshe.io/v1alpha1", Kind: "Village", Name: "330302006044", UID: "v-uid"}))
	g.Expect(r.Configuration.Limits).To(Equal(openreportsv1alpha1.Limits{MaxResults: 20,
		StatusFilter: []openreportsv1alpha1.StatusFilter{"fail", "warn", "error"}}))
	g.Expect(r.Summary).To(Equal(openreportsv1alpha1.ReportSummary{Pass: 1, Fail: 1}))
	g.Expect(outcomes(r.Results)).To(Equal([]string{"fire S7 fail"}))

	for i := range 25 {
		tasks = append(tasks, audited(fmt.Sprintf("t-%03d", i), governancev1alpha1.TaskNonCompliant, [2]string{"S7", "S7 retired"}))
	}
	crowded := openreports.VillageContent(village, tasks).Report()
	g.Expect(crowded.Results).To(HaveLen(20))
	g.Expect(crowded.Summary).To(Equal(openreportsv1alpha1.ReportSummary{Pass: 1, Fail: 26}))
	g.Expect(crowded.Annotations).To(Equal(map[string]string{openreports.AnnotationOmitted: "6"}))
}

func TestDepartmentReportListsEveryTaskUpToTheCap(t *testing.T) {
	g := NewWithT(t)
	many := make([]governancev1alpha1.Task, openreports.MaxResults+3)
	for i := range many {
		many[i] = audited(fmt.Sprintf("t-%03d", i), governancev1alpha1.TaskAdmitted)
	}

	r := openreports.DepartmentContent("dept-tjj", many).Report()

	g.Expect(r.Namespace).To(Equal("dept-tjj"))
	g.Expect(r.Scope).To(Equal(&corev1.ObjectReference{APIVersion: "v1", Kind: "Namespace", Name: "dept-tjj"}))
	g.Expect(r.Configuration.Limits).To(Equal(openreportsv1alpha1.Limits{MaxResults: openreports.MaxResults}))
	g.Expect(r.Summary).To(Equal(openreportsv1alpha1.ReportSummary{Pass: openreports.MaxResults + 3}))
	g.Expect(r.Results).To(HaveLen(openreports.MaxResults))
	g.Expect(r.Annotations).To(Equal(map[string]string{openreports.AnnotationOmitted: "3"}))
}

func TestSameAndSet(t *testing.T) {
	g := NewWithT(t)
	before := openreports.DepartmentContent("dept-tjj", []governancev1alpha1.Task{audited("census", governancev1alpha1.TaskAdmitted)}).Report()
	after := openreports.DepartmentContent("dept-tjj", []governancev1alpha1.Task{audited("census", governancev1alpha1.TaskNonCompliant, [2]string{"S7", "S7 retired"})}).Report()

	stored := before.DeepCopy()
	stored.ResourceVersion, stored.Labels["team"], stored.Annotations = "42", "audit", map[string]string{"note": "theirs"}
	g.Expect(openreports.Same(stored, before)).To(BeTrue(), "what others add is not a difference")
	g.Expect(openreports.Same(stored, after)).To(BeFalse())

	openreports.Set(stored, after)
	g.Expect(openreports.Same(stored, after)).To(BeTrue())
	g.Expect(stored.Labels).To(HaveKeyWithValue("team", "audit"))
	g.Expect(stored.Annotations).To(Equal(map[string]string{"note": "theirs"}))
	g.Expect(stored.Summary).To(Equal(openreportsv1alpha1.ReportSummary{Fail: 1}))
}
