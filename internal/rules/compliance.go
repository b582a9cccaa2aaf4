package rules

import (
	"cmp"
	"fmt"
	"slices"
	"strings"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/sets"

	governancev1alpha1 "github.com/cunshe/cunshe-operator/api/v1alpha1"
)

// Rule IDs of the year-end rectification.
const (
	S18 = "S18" // rectification by the city's deadline
)

// MaxComplianceFindings caps a summary's detail: a department or county
// with thousands of findings still has one small object.
const MaxComplianceFindings = 50

// SummariseDepartment counts a department's tasks and the villages' reports
// against it (S7, S19); the detail lists non-compliant tasks, violations and
// emergencies, capped. The controller and `kubectl cunshe compliance` (from
// a folder of manifests) both call it.
func SummariseDepartment(tasks []governancev1alpha1.Task, reports []governancev1alpha1.Report) governancev1alpha1.DepartmentComplianceStatus {
	var s governancev1alpha1.DepartmentComplianceStatus
	var findings []governancev1alpha1.ComplianceFinding
	for _, t := range tasks {
		s.Tasks++
		switch t.Status.Phase {
		case governancev1alpha1.TaskNonCompliant:
			s.NonCompliant++
			findings = append(findings, taskFinding(&t))
		case governancev1alpha1.TaskViolation:
			s.Violations++
			findings = append(findings, taskFinding(&t))
		case governancev1alpha1.TaskExpired:
			s.Expired++
		case governancev1alpha1.TaskAdmitted:
			s.Admitted++
			if t.IsEmergency() {
				s.Emergencies++
				findings = append(findings, governancev1alpha1.ComplianceFinding{Object: t.Namespace + "/" + t.Name, Kind: "Emergency",
					Message: fmt.Sprintf("S6 %s until %s", t.Spec.Emergency.Category, t.Spec.Emergency.Expires.UTC().Format(time.RFC3339))})
			}
		}
	}
	for _, rep := range reports {
		countReport(&s.Reports, &rep)
		if rep.Status.Phase == governancev1alpha1.ReportUpheld && rep.Spec.Demand != nil {
			s.Violations++
			findings = append(findings, governancev1alpha1.ComplianceFinding{Object: rep.Namespace + "/" + rep.Name, Kind: "Violation",
				Message: "S8 upheld: unlisted demand: " + rep.Spec.Demand.Description})
		}
	}
	s.Findings, s.Truncated = capFindings(findings)
	return s
}

// CountyFacts is what a county's summary reads besides tasks and reports.
type CountyFacts struct {
	// Code is the county's 6-digit code.
	Code string
	// Counties are every county of the county's city: a task for all
	// villages reaches each of them.
	Counties sets.Set[string]
}

// SummariseCounty counts what remains to rectify in a county (S18, S19):
// the tasks off the lists that reach its villages, the items it applied
// for that are still pending or were rejected, and the reports its
// villages filed.
func SummariseCounty(county CountyFacts, tasks []governancev1alpha1.Task, reports []governancev1alpha1.Report, items []governancev1alpha1.ListItem) governancev1alpha1.CountyComplianceStatus {
	var s governancev1alpha1.CountyComplianceStatus
	var findings []governancev1alpha1.ComplianceFinding
	for i := range tasks {
		t := &tasks[i]
		if !TaskCounties(t, county.Counties).Has(county.Code) {
			continue
		}
		s.Tasks++
		switch t.Status.Phase {
		case governancev1alpha1.TaskNonCompliant:
			s.NonCompliant++
			findings = append(findings, taskFinding(t))
		case governancev1alpha1.TaskViolation:
			s.Violations++
			findings = append(findings, taskFinding(t))
		}
	}
	for i := range items {
		it := &items[i]
		if it.Spec.Applicant.Kind != governancev1alpha1.ApplicantCounty || it.Spec.Applicant.Name != county.Code || it.WasApproved() {
			continue
		}
		s.PendingItems++
		findings = append(findings, governancev1alpha1.ComplianceFinding{Object: it.Name, Kind: "PendingItem",
			Message: fmt.Sprintf("S18 %s: %s", cmp.Or(it.Status.Phase, governancev1alpha1.PhasePending), it.Spec.Title)})
	}
	for i := range reports {
		if strings.HasPrefix(VillageOfNamespace(reports[i].Namespace), county.Code) {
			countReport(&s.Reports, &reports[i])
		}
	}
	s.Findings, s.Truncated = capFindings(findings)
	return s
}

// TaskCounties are the counties a task's targets reach; cityCounties are
// every county of its city, which a task for all villages reaches.
func TaskCounties(t *governancev1alpha1.Task, cityCounties sets.Set[string]) sets.Set[string] {
	switch {
	case t.Spec.Targets.All:
		return cityCounties
	case len(t.Spec.Targets.Counties) > 0:
		return sets.New(t.Spec.Targets.Counties...)
	}
	out := sets.New[string]()
	for _, v := range t.Spec.Targets.Villages {
		if len(v) >= 6 {
			out.Insert(v[:6])
		}
	}
	return out
}

// DepartmentRemaining is what a department still has to rectify (S18): its
// tasks off the lists and the villages' reports against it still open.
func DepartmentRemaining(s *governancev1alpha1.DepartmentComplianceStatus) int32 {
	return s.NonCompliant + s.Reports.Open
}

// CountyRemaining is what a county still has to rectify (S18): the tasks off
// the lists that reach its villages, the items it applied for that are
// pending clean-up, and its villages' open reports.
func CountyRemaining(s *governancev1alpha1.CountyComplianceStatus) int32 {
	return s.NonCompliant + s.PendingItems + s.Reports.Open
}

// Rectify is where work stands against the city's rectification deadline
// on day today (S18); nil when the city sets no deadline. Named once the
// deadline has passed with work remaining (S19).
func Rectify(deadline, today string, remaining int32) *governancev1alpha1.Rectification {
	if deadline == "" {
		return nil
	}
	d, err1 := time.Parse(time.DateOnly, deadline)
	t, err2 := time.Parse(time.DateOnly, today)
	if err1 != nil || err2 != nil {
		return nil
	}
	days := int32(d.Sub(t).Hours() / 24)
	return &governancev1alpha1.Rectification{Deadline: deadline, Remaining: remaining, DaysLeft: days, Named: days < 0 && remaining > 0}
}

// Rectifier is who a rectification summary is of, named in both languages.
type Rectifier struct{ Zh, En string }

// CountyRectifier is a county (县（市、区）) by its code.
func CountyRectifier(code string) Rectifier {
	return Rectifier{Zh: "县（市、区）" + code, En: "county " + code}
}

// DepartmentRectifier is a city department by its id.
func DepartmentRectifier(id string) Rectifier {
	return Rectifier{Zh: "部门 " + id, En: "department " + id}
}

// RectificationCondition is the Rectified condition of a summary (S18, S19).
func RectificationCondition(gen int64, who Rectifier, r *governancev1alpha1.Rectification) metav1.Condition {
	c := metav1.Condition{Type: governancev1alpha1.RectifiedCondition, ObservedGeneration: gen}
	switch {
	case r.Remaining == 0:
		c.Status, c.Reason = metav1.ConditionTrue, "Rectified"
		c.Message = msg(S18, "%[1]s 无待整改事项（期限 %[3]s）", "%[2]s has nothing left to rectify (deadline %[3]s)", who.Zh, who.En, r.Deadline).Text
	case r.Named:
		c.Status, c.Reason = metav1.ConditionFalse, "DeadlinePassed"
		c.Message = msg(S19, "%[1]s 整改期限 %[3]s 已过，仍有 %[4]d 项未整改，予以通报", "%[2]s missed the rectification deadline %[3]s with %[4]d left to rectify and is named",
			who.Zh, who.En, r.Deadline, r.Remaining).Text
	default:
		c.Status, c.Reason = metav1.ConditionFalse, "InProgress"
		c.Message = msg(S18, "%[1]s 尚有 %[3]d 项待整改，距期限 %[4]s 还有 %[5]d 天", "%[2]s has %[3]d left to rectify, %[5]d days before the deadline %[4]s",
			who.Zh, who.En, r.Remaining, r.Deadline, r.DaysLeft).Text
	}
	return c
}

func taskFinding(t *governancev1alpha1.Task) governancev1alpha1.ComplianceFinding {
	f := governancev1alpha1.ComplianceFinding{Object: t.Namespace + "/" + t.Name, Kind: string(t.Status.Phase)}
	if t.Status.Phase == governancev1alpha1.TaskViolation {
		f.Message = "S8 upheld: " + strings.Join(t.Status.UpheldReports, ", ")
	} else {
		f.Message = strings.Join(t.Status.Findings, "; ")
	}
	return f
}

func countReport(c *governancev1alpha1.ReportCounts, rep *governancev1alpha1.Report) {
	switch rep.Status.Phase {
	case governancev1alpha1.ReportUpheld:
		c.Upheld++
	case governancev1alpha1.ReportDismissed:
		c.Dismissed++
	default:
		c.Open++
	}
}

func capFindings(findings []governancev1alpha1.ComplianceFinding) ([]governancev1alpha1.ComplianceFinding, bool) {
	slices.SortFunc(findings, func(a, b governancev1alpha1.ComplianceFinding) int {
		return cmp.Or(cmp.Compare(a.Kind, b.Kind), cmp.Compare(a.Object, b.Object))
	})
	if len(findings) > MaxComplianceFindings {
		return findings[:MaxComplianceFindings], true
	}
	return findings, false
}
