package v1alpha1_test

import (
	"testing"
	"time"

	. "github.com/onsi/gomega"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	governancev1alpha1 "github.com/cunshe/cunshe-operator/api/v1alpha1"
)

var pauseStart = time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)

// pausedRollout waits at step 2 of 3, a pause of d (0: until promoted),
// started at pauseStart.
func pausedRollout(d time.Duration) *governancev1alpha1.ListRollout {
	pause := &governancev1alpha1.RolloutPause{}
	if d > 0 {
		pause.Duration = &metav1.Duration{Duration: d}
	}
	return &governancev1alpha1.ListRollout{
		ObjectMeta: metav1.ObjectMeta{Name: "wenzhou", Generation: 2, Annotations: map[string]string{}},
		Spec: governancev1alpha1.ListRolloutSpec{Steps: []governancev1alpha1.RolloutStep{
			{Counties: []string{"330302"}}, {Pause: pause}, {Counties: []string{"330303"}}}},
		Status: governancev1alpha1.ListRolloutStatus{ObservedGeneration: 2, CurrentStep: 1, PauseStartedAt: &metav1.Time{Time: pauseStart}},
	}
}

func TestRolloutPauseArithmetic(t *testing.T) {
	tests := map[string]struct {
		// ro is the rollout at now.
		ro  *governancev1alpha1.ListRollout
		now time.Time
		// end, left and timed are what PauseEnd and PauseLeft say.
		end   time.Time
		left  time.Duration
		timed bool
	}{
		"a timed pause with time to run": {ro: pausedRollout(time.Hour), now: pauseStart.Add(20 * time.Minute),
			end: pauseStart.Add(time.Hour), left: 40 * time.Minute, timed: true},
		"a timed pause that is over": {ro: pausedRollout(time.Hour), now: pauseStart.Add(2 * time.Hour),
			end: pauseStart.Add(time.Hour), left: 0, timed: true},
		"a pause until promoted has no end": {ro: pausedRollout(0), now: pauseStart.Add(time.Hour)},
		"a step that is no pause": {ro: func() *governancev1alpha1.ListRollout {
			ro := pausedRollout(time.Hour)
			ro.Status.CurrentStep = 2
			return ro
		}(), now: pauseStart},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			g := NewWithT(t)
			end, timed := tc.ro.PauseEnd()
			g.Expect(timed).To(Equal(tc.timed))
			g.Expect(end).To(BeTemporally("==", tc.end))
			left, timed := tc.ro.PauseLeft(tc.now)
			g.Expect(timed).To(Equal(tc.timed))
			g.Expect(left).To(Equal(tc.left))
		})
	}
}

func TestRolloutPauseOver(t *testing.T) {
	g := NewWithT(t)

	ro := pausedRollout(time.Hour)
	over, left := ro.PauseOver(pauseStart.Add(15 * time.Minute))
	g.Expect(over).To(BeFalse())
	g.Expect(left).To(Equal(45*time.Minute), "the controller wakes when the pause ends")
	over, _ = ro.PauseOver(pauseStart.Add(time.Hour))
	g.Expect(over).To(BeTrue())

	ro = pausedRollout(0)
	ro.Status.PauseStartedAt = nil
	over, left = ro.PauseOver(pauseStart)
	g.Expect(over).To(BeFalse())
	g.Expect(left).To(BeZero())
	g.Expect(ro.Status.PauseStartedAt.Time).To(Equal(pauseStart), "the pause's start is recorded")

	ro.Annotations[governancev1alpha1.AnnotationPromote] = "2026-03-02T10:00:00Z"
	over, _ = ro.PauseOver(pauseStart.Add(time.Minute))
	g.Expect(over).To(BeTrue(), "a new promotion releases the pause")
	g.Expect(ro.Status.PromotedToken).To(Equal("2026-03-02T10:00:00Z"))
	over, _ = ro.PauseOver(pauseStart.Add(2 * time.Minute))
	g.Expect(over).To(BeFalse(), "a promotion acted on releases no second pause")
}

// TestRolloutStrayPromotion: only a token given while the rollout waits at
// a pause, not aborted, may release it; any other is dropped unacted.
func TestRolloutStrayPromotion(t *testing.T) {
	g := NewWithT(t)
	const token = "2026-03-02T10:00:00Z"

	ro := pausedRollout(0)
	g.Expect(ro.StrayPromotion()).To(BeFalse(), "no token")
	ro.Annotations[governancev1alpha1.AnnotationPromote] = token
	g.Expect(ro.StrayPromotion()).To(BeFalse(), "a token given at a pause is the pause's")

	ro.Annotations[governancev1alpha1.AnnotationAbort] = "true"
	g.Expect(ro.StrayPromotion()).To(BeTrue(), "a token given while aborted")

	ro = pausedRollout(0)
	ro.Status.CurrentStep = 0
	ro.Annotations[governancev1alpha1.AnnotationPromote] = token
	g.Expect(ro.StrayPromotion()).To(BeTrue(), "a token given before the pause is reached")
	g.Expect(ro.DropPromotion()).To(Equal(token))
	g.Expect(ro.StrayPromotion()).To(BeFalse(), "a dropped token is acted on")
	ro.Status.CurrentStep = 1
	over, _ := ro.PauseOver(pauseStart.Add(time.Minute))
	g.Expect(over).To(BeFalse(), "a dropped token releases no pause")
	g.Expect(ro.DropPromotion()).To(BeEmpty())
}

func TestRolloutOutcome(t *testing.T) {
	withReady := func(ready, stalled metav1.ConditionStatus, reason string) *governancev1alpha1.ListRollout {
		ro := pausedRollout(0)
		ro.Status.Conditions = []metav1.Condition{
			{Type: governancev1alpha1.ReadyCondition, Status: ready, Reason: reason},
			{Type: governancev1alpha1.StalledCondition, Status: stalled, Reason: reason},
		}
		return ro
	}
	tests := map[string]struct {
		ro   *governancev1alpha1.ListRollout
		want governancev1alpha1.RolloutOutcome
	}{
		"published": {ro: withReady(metav1.ConditionTrue, metav1.ConditionFalse, governancev1alpha1.RolloutPublished),
			want: governancev1alpha1.RolloutComplete},
		"paused": {ro: withReady(metav1.ConditionFalse, metav1.ConditionFalse, governancev1alpha1.RolloutPaused),
			want: governancev1alpha1.RolloutUnderway},
		"aborted": {ro: func() *governancev1alpha1.ListRollout {
			ro := withReady(metav1.ConditionFalse, metav1.ConditionTrue, governancev1alpha1.RolloutAborted)
			ro.Annotations[governancev1alpha1.AnnotationAbort] = "true"
			return ro
		}(), want: governancev1alpha1.RolloutStalled},
		"aborted, but the annotation is gone: stale": {ro: withReady(metav1.ConditionFalse, metav1.ConditionTrue, governancev1alpha1.RolloutAborted),
			want: governancev1alpha1.RolloutUnderway},
		"Ready for an older generation: stale": {ro: func() *governancev1alpha1.ListRollout {
			ro := withReady(metav1.ConditionTrue, metav1.ConditionFalse, governancev1alpha1.RolloutPublished)
			ro.Generation = 3
			return ro
		}(), want: governancev1alpha1.RolloutUnderway},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			NewWithT(t).Expect(tc.ro.Outcome()).To(Equal(tc.want))
		})
	}
}
