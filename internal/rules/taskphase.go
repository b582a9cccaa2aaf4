package rules

import (
	"time"

	governancev1alpha1 "github.com/cunshe/cunshe-operator/api/v1alpha1"
)

// EmergencyExpired reports whether a task's emergency exemption has ended
// at now (S6): from then on the task no longer stands.
func EmergencyExpired(t *governancev1alpha1.Task, now time.Time) bool {
	return t.IsEmergency() && t.Spec.Emergency.Expires != nil && !t.Spec.Emergency.Expires.After(now)
}

// TaskPhase is where a task stands after the audit (S6, S7, S8): a report
// upheld against it outranks an expired exemption, which outranks the
// audit's findings. The audit and `kubectl cunshe compliance` (from a
// folder of manifests) both call it, so their counts agree.
func TaskPhase(t *governancev1alpha1.Task, v TaskVerdict, upheldReports int, now time.Time) governancev1alpha1.TaskPhase {
	switch {
	case upheldReports > 0:
		return governancev1alpha1.TaskViolation
	case EmergencyExpired(t, now):
		return governancev1alpha1.TaskExpired
	case !v.Allowed():
		return governancev1alpha1.TaskNonCompliant
	}
	return governancev1alpha1.TaskAdmitted
}
