package v1alpha1

import (
	"fmt"
	"time"

	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// Ready reasons of a ListRollout. The controller sets them and `kubectl
// cunshe rollout status -w` reads them with the functions below, so a CI
// gate never reads a rollout differently from the operator.
const (
	// RolloutPublished: every village holds the revision, and no approved
	// or retired item waits for a newer one.
	RolloutPublished = "Published"
	// RolloutProgressing: villages are being moved to the revision.
	RolloutProgressing = "Progressing"
	// RolloutPaused: a pause step holds the rollout until promoted or timed out.
	RolloutPaused = "Paused"
	// RolloutAborted: the abort annotation holds every village where it is.
	RolloutAborted = "Aborted"
	// RolloutNoRevision: no revision of the city exists yet.
	RolloutNoRevision = "NoRevision"
	// RolloutInactive: another rollout of the city (the first by name) drives its villages.
	RolloutInactive = "Inactive"
	// RolloutWriteFailed: writing a village's lists failed; the pass retries.
	RolloutWriteFailed = "WriteFailed"
	// RolloutRevisionPending: the approved items changed since the newest
	// revision; the next one is being cut. Not Ready, so that a pipeline
	// that waits for Ready and then cites a newly approved item is admitted.
	RolloutRevisionPending = "RevisionPending"
)

// Aborted reports whether the abort annotation holds the rollout.
func (ro *ListRollout) Aborted() bool {
	return ro.Annotations[AnnotationAbort] == "true"
}

// StepsDone reports whether the rollout is past its last step.
func (ro *ListRollout) StepsDone() bool {
	return int(ro.Status.CurrentStep) >= len(ro.Spec.Steps)
}

// PauseStep is the step the rollout waits at when that step is a pause.
func (ro *ListRollout) PauseStep() (*RolloutStep, bool) {
	i := int(ro.Status.CurrentStep)
	if i < 0 || i >= len(ro.Spec.Steps) || ro.Spec.Steps[i].Pause == nil {
		return nil, false
	}
	return &ro.Spec.Steps[i], true
}

// NewPromotion is the promote annotation's token when the rollout has not
// acted on it yet.
func (ro *ListRollout) NewPromotion() (string, bool) {
	token := ro.Annotations[AnnotationPromote]
	return token, token != "" && token != ro.Status.PromotedToken
}

// IsUndo reports whether moving to target is an undo, which the villages
// take at once, skipping the steps: the rollout is pinned (spec.revision)
// to the revision it came from. Following the latest revision is never an
// undo, so a revision that was undone goes through the steps again when the
// rollout follows the latest once more.
func (ro *ListRollout) IsUndo(target int64) bool {
	return ro.Spec.Revision != 0 && target == ro.Status.PreviousRevision
}

// StrayPromotion reports whether the promote annotation holds a token the
// rollout cannot act on: one given while it waited at no pause, or while it
// was aborted. Left in place, it would release the next pause before anyone
// looked at it (the CLI refuses such a promote; kubectl annotate and a GitOps
// sync do not).
func (ro *ListRollout) StrayPromotion() bool {
	_, fresh := ro.NewPromotion()
	_, atPause := ro.PauseStep()
	return fresh && (!atPause || ro.Aborted())
}

// DropPromotion records the promote annotation's token as acted on without
// releasing anything; it returns the token, "" when there was no new one.
func (ro *ListRollout) DropPromotion() string {
	token, fresh := ro.NewPromotion()
	if !fresh {
		return ""
	}
	ro.Status.PromotedToken = token
	return token
}

// PauseEnd is when the timed pause the rollout waits at ends; false when it
// waits at no pause, at one that waits for a promotion, or at one not
// started yet.
func (ro *ListRollout) PauseEnd() (time.Time, bool) {
	step, ok := ro.PauseStep()
	if !ok || step.Pause.Duration == nil || ro.Status.PauseStartedAt == nil {
		return time.Time{}, false
	}
	return ro.Status.PauseStartedAt.Add(step.Pause.Duration.Duration), true
}

// PauseLeft is how long the timed pause has still to run at now (0 once
// over); false as for PauseEnd.
func (ro *ListRollout) PauseLeft(now time.Time) (time.Duration, bool) {
	end, ok := ro.PauseEnd()
	if !ok {
		return 0, false
	}
	return max(0, end.Sub(now)), true
}

// ReadyReason is the reason of the Ready condition, or "Unknown" before the
// operator wrote one.
func (ro *ListRollout) ReadyReason() string {
	if c := meta.FindStatusCondition(ro.Status.Conditions, ReadyCondition); c != nil {
		return c.Reason
	}
	return "Unknown"
}

// RolloutOutcome is where a watch of a rollout stands.
type RolloutOutcome int

const (
	// RolloutUnderway: neither Ready nor Stalled, or a status the operator
	// has not caught up with (a stale status is never an outcome).
	RolloutUnderway RolloutOutcome = iota
	// RolloutComplete: Ready=True at the current generation.
	RolloutComplete
	// RolloutStalled: Stalled=True at the current generation (aborted or inactive).
	RolloutStalled
)

// Outcome says whether the rollout is complete, stalled or underway, as
// kstatus would, after checking that the status is not stale.
func (ro *ListRollout) Outcome() RolloutOutcome {
	if stale, _ := ro.StaleStatus(); stale {
		return RolloutUnderway
	}
	switch {
	case meta.IsStatusConditionTrue(ro.Status.Conditions, ReadyCondition):
		return RolloutComplete
	case meta.IsStatusConditionTrue(ro.Status.Conditions, StalledCondition):
		return RolloutStalled
	}
	return RolloutUnderway
}

// StaleStatus reports whether the status predates the rollout's spec or its
// abort annotation (the operator has not acted on them yet), and why, in
// Chinese and English.
func (ro *ListRollout) StaleStatus() (bool, string) {
	if ro.Generation != 0 && ro.Status.ObservedGeneration < ro.Generation {
		return true, fmt.Sprintf("状态对应第 %d 代 spec，最新为第 %d 代，operator 尚未处理 / the status describes generation %d of the spec, the latest is %d: the operator has not acted on it yet",
			ro.Status.ObservedGeneration, ro.Generation, ro.Status.ObservedGeneration, ro.Generation)
	}
	statusAborted := ro.ReadyReason() == RolloutAborted
	switch {
	case ro.Aborted() && !statusAborted:
		return true, "已设中止注解，operator 尚未处理 / the rollout is marked aborted; the operator has not acted on it yet"
	case !ro.Aborted() && statusAborted:
		return true, "中止注解已移除，operator 尚未处理 / the abort annotation is gone; the operator has not acted on it yet"
	}
	return false, ""
}

// PauseOver reports whether the pause the rollout waits at is over at now,
// recording on the status what it acted on: a new promotion token, or when
// the pause began. left is how long a timed pause has still to run.
func (ro *ListRollout) PauseOver(now time.Time) (over bool, left time.Duration) {
	s := &ro.Status
	if token, ok := ro.NewPromotion(); ok {
		s.PromotedToken = token
		return true, 0
	}
	if s.PauseStartedAt == nil {
		s.PauseStartedAt = &metav1.Time{Time: now}
	}
	left, timed := ro.PauseLeft(now)
	if !timed {
		return false, 0
	}
	return left <= 0, left
}
