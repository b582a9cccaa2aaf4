package controllers

import (
	"context"
	"errors"
	"testing"
	"time"

	. "github.com/onsi/gomega"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/client/fake"

	governancev1alpha1 "github.com/cunshe/cunshe-operator/api/v1alpha1"
	"github.com/cunshe/cunshe-operator/internal/publish"
	"github.com/cunshe/cunshe-operator/internal/tenant"
)

// The rollout's state machine, one function at a time, on a fake API
// server: target, retarget, advance (steps, pauses, promotion) and
// summarise. test/rollout runs the same rollouts end to end.

var stateNow = time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)

// stateVillages: two villages of 鹿城区 (330302), one of 龙湾区 (330303).
var stateVillages = []string{"330302006001", "330302101201", "330303101201"}

func stateVillage(code string) *governancev1alpha1.Village {
	return &governancev1alpha1.Village{ObjectMeta: metav1.ObjectMeta{Name: code}, Spec: governancev1alpha1.VillageSpec{
		Code: code, Name: "测试村" + code[9:], Type: governancev1alpha1.TypeVillage,
		County: governancev1alpha1.Division{Code: code[:6]}, Township: governancev1alpha1.Division{Code: code[:9]}}}
}

// statePass is a rollout pass over the villages, each holding revision
// `held`, with revisions 1..revisions of the city.
func statePass(t *testing.T, ro *governancev1alpha1.ListRollout, held string, revisions int64) (*ListRolloutReconciler, *rolloutPass) {
	t.Helper()
	scheme := runtime.NewScheme()
	_ = corev1.AddToScheme(scheme)
	_ = governancev1alpha1.AddToScheme(scheme)
	p := &rolloutPass{ro: ro, now: stateNow, lists: map[string]*corev1.ConfigMap{}, revisions: map[int64]*governancev1alpha1.ListRevision{},
		catalog: publish.Catalog{Items: map[string]*governancev1alpha1.ListItem{}, Flows: map[string]*governancev1alpha1.PowerFlow{}},
		record:  func(context.Context) error { return nil }}
	var objs []client.Object
	for _, code := range stateVillages {
		p.villages = append(p.villages, stateVillage(code))
		cm := &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: tenant.ListsConfigMap, Namespace: governancev1alpha1.TenantNamespaceName(code),
			Annotations: map[string]string{publish.AnnotationRevision: held}}}
		p.lists[cm.Namespace] = cm
		objs = append(objs, cm)
	}
	p.villages = publish.Order(p.villages)
	for n := int64(1); n <= revisions; n++ {
		p.revisions[n] = &governancev1alpha1.ListRevision{Spec: governancev1alpha1.ListRevisionSpec{Revision: n}}
	}
	r := &ListRolloutReconciler{Client: fake.NewClientBuilder().WithScheme(scheme).WithObjects(objs...).Build(), Writers: 1}
	return r, p
}

// holding is the villages whose lists hold revision n.
func holding(p *rolloutPass, n string) []string {
	var codes []string
	for _, v := range p.villages {
		if p.lists[governancev1alpha1.TenantNamespaceName(v.Name)].Annotations[publish.AnnotationRevision] == n {
			codes = append(codes, v.Name)
		}
	}
	return codes
}

func rolloutWith(steps ...governancev1alpha1.RolloutStep) *governancev1alpha1.ListRollout {
	return &governancev1alpha1.ListRollout{ObjectMeta: metav1.ObjectMeta{Name: "wenzhou", Generation: 1, Annotations: map[string]string{}},
		Spec: governancev1alpha1.ListRolloutSpec{Steps: steps}}
}

var (
	pilotCounty  = governancev1alpha1.RolloutStep{Counties: []string{"330302"}}
	promotePause = governancev1alpha1.RolloutStep{Pause: &governancev1alpha1.RolloutPause{}}
	hourPause    = governancev1alpha1.RolloutStep{Pause: &governancev1alpha1.RolloutPause{Duration: &metav1.Duration{Duration: time.Hour}}}
	everyone     = governancev1alpha1.RolloutStep{Percent: ptr.To[int32](100)}
)

func TestRolloutTarget(t *testing.T) {
	tests := map[string]struct {
		// pinned is spec.revision; revisions is how many the city has.
		pinned, revisions int64
		want              int64
	}{
		"follows the latest":                    {revisions: 3, want: 3},
		"a pinned revision that exists":         {pinned: 2, revisions: 3, want: 2},
		"a pinned revision that does not exist": {pinned: 7, revisions: 3, want: 0},
		"no revision yet":                       {revisions: 0, want: 0},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			ro := rolloutWith()
			ro.Spec.Revision = tc.pinned
			r, p := statePass(t, ro, "", tc.revisions)
			NewWithT(t).Expect(r.target(p)).To(Equal(tc.want))
		})
	}
}

func TestRolloutRetarget(t *testing.T) {
	tests := map[string]struct {
		// status is where the rollout stands; target is the new target,
		// pinned or followed (pinned 0).
		status governancev1alpha1.ListRolloutStatus
		pinned int64
		target int64
		want   governancev1alpha1.ListRolloutStatus
	}{
		"the same target changes nothing": {
			status: governancev1alpha1.ListRolloutStatus{CurrentRevision: 3, PreviousRevision: 2, CurrentStep: 1},
			target: 3,
			want:   governancev1alpha1.ListRolloutStatus{CurrentRevision: 3, PreviousRevision: 2, CurrentStep: 1},
		},
		"a new revision after a finished rollout starts over from what the villages hold": {
			status: governancev1alpha1.ListRolloutStatus{CurrentRevision: 3, PreviousRevision: 2, CurrentStep: 3},
			target: 4,
			want:   governancev1alpha1.ListRolloutStatus{CurrentRevision: 4, PreviousRevision: 3},
		},
		"a new revision mid-rollout keeps the revision most villages hold": {
			status: governancev1alpha1.ListRolloutStatus{CurrentRevision: 3, PreviousRevision: 2, CurrentStep: 1, PauseStartedAt: &metav1.Time{Time: stateNow}},
			target: 4,
			want:   governancev1alpha1.ListRolloutStatus{CurrentRevision: 4, PreviousRevision: 2},
		},
		"undo returns to the previous revision at once": {
			status: governancev1alpha1.ListRolloutStatus{CurrentRevision: 3, PreviousRevision: 2, CurrentStep: 1},
			pinned: 2,
			target: 2,
			want:   governancev1alpha1.ListRolloutStatus{CurrentRevision: 2, PreviousRevision: 3, CurrentStep: 3},
		},
		"following the latest after an undo takes the undone revision through the steps again": {
			status: governancev1alpha1.ListRolloutStatus{CurrentRevision: 2, PreviousRevision: 3, CurrentStep: 3},
			target: 3,
			want:   governancev1alpha1.ListRolloutStatus{CurrentRevision: 3, PreviousRevision: 2},
		},
		"the first revision": {
			target: 1,
			want:   governancev1alpha1.ListRolloutStatus{CurrentRevision: 1},
		},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			ro := rolloutWith(pilotCounty, promotePause, everyone)
			ro.Spec.Revision, ro.Status = tc.pinned, tc.status
			r, p := statePass(t, ro, "", 4)
			r.retarget(context.Background(), p, tc.target)
			NewWithT(t).Expect(ro.Status).To(Equal(tc.want))
		})
	}
}

// TestRolloutAdvance walks a rollout through a county, a pause it waits at
// until promoted, and the rest.
func TestRolloutAdvance(t *testing.T) {
	g := NewWithT(t)
	ctx := context.Background()
	ro := rolloutWith(pilotCounty, promotePause, everyone)
	ro.Status = governancev1alpha1.ListRolloutStatus{CurrentRevision: 2, PreviousRevision: 1}
	r, p := statePass(t, ro, "1", 2)
	recorded := 0
	p.record = func(context.Context) error { recorded++; return nil }

	r.advance(ctx, p)
	g.Expect(p.paused).To(BeTrue(), "the pause holds")
	g.Expect(ro.Status.CurrentStep).To(Equal(int32(1)))
	g.Expect(ro.Status.PauseStartedAt.Time).To(Equal(stateNow))
	g.Expect(p.requeue).To(BeZero(), "a pause without a duration waits for a promotion only")
	g.Expect(holding(p, "2")).To(ConsistOf("330302006001", "330302101201"), "the pilot county holds the new revision")
	g.Expect(holding(p, "1")).To(ConsistOf("330303101201"))
	g.Expect(recorded).To(Equal(1), "each step is recorded before its villages are written")

	// Another pass without a promotion waits where it is.
	p.paused = false
	r.advance(ctx, p)
	g.Expect(p.paused).To(BeTrue())
	g.Expect(ro.Status.CurrentStep).To(Equal(int32(1)))

	ro.Annotations[governancev1alpha1.AnnotationPromote] = "2026-03-02T09:05:00Z"
	p.paused = false
	r.advance(ctx, p)
	g.Expect(p.paused).To(BeFalse())
	g.Expect(ro.StepsDone()).To(BeTrue())
	g.Expect(ro.Status.PromotedToken).To(Equal("2026-03-02T09:05:00Z"))
	g.Expect(ro.Status.PauseStartedAt).To(BeNil())
	g.Expect(holding(p, "2")).To(HaveLen(len(stateVillages)))
	g.Expect(recorded).To(Equal(3))
}

// TestRolloutAdvanceTimedPause: a timed pause asks to be woken when it ends
// and lets the rollout on once it has.
func TestRolloutAdvanceTimedPause(t *testing.T) {
	g := NewWithT(t)
	ctx := context.Background()
	ro := rolloutWith(hourPause, everyone)
	ro.Status = governancev1alpha1.ListRolloutStatus{CurrentRevision: 2, PreviousRevision: 1}
	r, p := statePass(t, ro, "1", 2)
	r.advance(ctx, p)
	g.Expect(p.paused).To(BeTrue())
	g.Expect(p.requeue).To(Equal(time.Hour))

	p.now, p.paused = stateNow.Add(45*time.Minute), false
	r.advance(ctx, p)
	g.Expect(p.paused).To(BeTrue())
	g.Expect(p.requeue).To(Equal(15 * time.Minute))

	p.now, p.paused = stateNow.Add(time.Hour), false
	r.advance(ctx, p)
	g.Expect(p.paused).To(BeFalse())
	g.Expect(holding(p, "2")).To(HaveLen(len(stateVillages)))
}

func TestRolloutSummarise(t *testing.T) {
	tests := map[string]struct {
		// steps, step and held describe the pass; set changes it further.
		steps []governancev1alpha1.RolloutStep
		step  int32
		held  string
		set   func(*rolloutPass)
		// reason is Ready's; ready and stalled are Ready's and Stalled's statuses.
		reason         string
		ready, stalled bool
	}{
		"every village holds the revision": {steps: []governancev1alpha1.RolloutStep{pilotCounty}, step: 1, held: "2",
			reason: governancev1alpha1.RolloutPublished, ready: true},
		"villages still to reach": {steps: []governancev1alpha1.RolloutStep{pilotCounty, everyone}, step: 1, held: "1",
			reason: governancev1alpha1.RolloutProgressing},
		"a pause holds": {steps: []governancev1alpha1.RolloutStep{promotePause}, held: "1",
			set: func(p *rolloutPass) { p.paused = true }, reason: governancev1alpha1.RolloutPaused},
		"a write failed": {held: "1",
			set: func(p *rolloutPass) { p.writeErr = errors.New("refused") }, reason: governancev1alpha1.RolloutWriteFailed},
		"aborted outranks a failed write": {held: "1",
			set: func(p *rolloutPass) { p.aborted, p.writeErr = true, errors.New("refused") }, reason: governancev1alpha1.RolloutAborted, stalled: true},
		"an approved item the revision does not carry": {held: "2",
			set: func(p *rolloutPass) {
				p.ro.Status.AwaitingItems = []governancev1alpha1.AwaitedItem{{Name: "l1-census", Published: true}}
			}, reason: governancev1alpha1.RolloutRevisionPending},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			g := NewWithT(t)
			ro := rolloutWith(tc.steps...)
			ro.Status = governancev1alpha1.ListRolloutStatus{CurrentRevision: 2, PreviousRevision: 1, CurrentStep: tc.step}
			_, p := statePass(t, ro, tc.held, 2)
			// The newest revision holds what the (empty) catalogue publishes.
			p.revisions[2].Spec.ContentHash = publish.ContentHash(nil)
			if tc.set != nil {
				tc.set(p)
			}
			(&ListRolloutReconciler{}).summarise(p)
			ready := meta.FindStatusCondition(ro.Status.Conditions, governancev1alpha1.ReadyCondition)
			g.Expect(ready.Reason).To(Equal(tc.reason))
			g.Expect(ready.Status == metav1.ConditionTrue).To(Equal(tc.ready))
			g.Expect(meta.IsStatusConditionTrue(ro.Status.Conditions, governancev1alpha1.StalledCondition)).To(Equal(tc.stalled))
			g.Expect(ro.Status.ObservedGeneration).To(Equal(ro.Generation))
			g.Expect(ro.Status.TotalVillages).To(Equal(int32(len(stateVillages))))
			g.Expect(ro.Status.Counties).To(HaveLen(2))
		})
	}
}
