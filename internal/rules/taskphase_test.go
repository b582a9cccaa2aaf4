package rules_test

import (
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/validation/field"

	governancev1alpha1 "github.com/cunshe/cunshe-operator/api/v1alpha1"
	"github.com/cunshe/cunshe-operator/internal/rules"
)

// S6, S7, S8: an upheld report outranks an expired exemption, which
// outranks the audit's findings.
func TestTaskPhase(t *testing.T) {
	now := time.Date(2026, 12, 1, 8, 0, 0, 0, time.UTC)
	emergency := func(expires time.Time) *governancev1alpha1.Emergency {
		return &governancev1alpha1.Emergency{Category: governancev1alpha1.EmergencyPublicSafety, Expires: &metav1.Time{Time: expires}}
	}
	offLists := rules.TaskVerdict{Errs: field.ErrorList{field.Invalid(field.NewPath("spec", "itemRef"), "x", "S7 retired")}}
	cases := map[string]struct {
		emergency *governancev1alpha1.Emergency
		verdict   rules.TaskVerdict
		upheld    int
		want      governancev1alpha1.TaskPhase
	}{
		"on the lists":                            {want: governancev1alpha1.TaskAdmitted},
		"off the lists":                           {verdict: offLists, want: governancev1alpha1.TaskNonCompliant},
		"an emergency in force":                   {emergency: emergency(now.Add(time.Second)), want: governancev1alpha1.TaskAdmitted},
		"an emergency that ends now":              {emergency: emergency(now), want: governancev1alpha1.TaskExpired},
		"expired outranks the findings":           {emergency: emergency(now.Add(-time.Hour)), verdict: offLists, want: governancev1alpha1.TaskExpired},
		"an upheld report outranks everything":    {emergency: emergency(now.Add(-time.Hour)), verdict: offLists, upheld: 1, want: governancev1alpha1.TaskViolation},
		"an upheld report on a task on the lists": {upheld: 2, want: governancev1alpha1.TaskViolation},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			task := &governancev1alpha1.Task{Spec: governancev1alpha1.TaskSpec{Emergency: tc.emergency}}
			if got := rules.TaskPhase(task, tc.verdict, tc.upheld, now); got != tc.want {
				t.Errorf("TaskPhase = %s, want %s", got, tc.want)
			}
		})
	}
}
