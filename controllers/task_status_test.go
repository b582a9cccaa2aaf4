package controllers

import (
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	governancev1alpha1 "github.com/cunshe/cunshe-operator/api/v1alpha1"
)

// A new revision that leaves a task's standing as it was does not rewrite
// the task (auditedRevision stays); one that changes it records the revision.
func TestKeepAuditedRevision(t *testing.T) {
	standing := func(rev int64, phase governancev1alpha1.TaskPhase) *governancev1alpha1.TaskStatus {
		return &governancev1alpha1.TaskStatus{AuditedRevision: rev, Phase: phase, TargetVillages: 3,
			Conditions: []metav1.Condition{{Type: governancev1alpha1.CompliantCondition, Status: metav1.ConditionTrue, Reason: governancev1alpha1.ReasonListed}}}
	}
	for name, tc := range map[string]struct {
		before, after *governancev1alpha1.TaskStatus
		want          int64
	}{
		"the standing unchanged":  {standing(4, governancev1alpha1.TaskAdmitted), standing(5, governancev1alpha1.TaskAdmitted), 4},
		"the standing changed":    {standing(4, governancev1alpha1.TaskAdmitted), standing(5, governancev1alpha1.TaskNonCompliant), 5},
		"the first audit":         {&governancev1alpha1.TaskStatus{}, standing(5, governancev1alpha1.TaskAdmitted), 5},
		"the same revision again": {standing(5, governancev1alpha1.TaskAdmitted), standing(5, governancev1alpha1.TaskAdmitted), 5},
		"more villages reached": {standing(4, governancev1alpha1.TaskAdmitted), func() *governancev1alpha1.TaskStatus {
			s := standing(5, governancev1alpha1.TaskAdmitted)
			s.TargetVillages = 4
			return s
		}(), 5},
	} {
		keepAuditedRevision(tc.before, tc.after)
		if tc.after.AuditedRevision != tc.want {
			t.Errorf("%s: auditedRevision %d, want %d", name, tc.after.AuditedRevision, tc.want)
		}
	}
}
