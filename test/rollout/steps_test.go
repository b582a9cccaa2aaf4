package rollout_test

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	. "github.com/onsi/gomega"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/reconcile"

	governancev1alpha1 "github.com/cunshe/cunshe-operator/api/v1alpha1"
	"github.com/cunshe/cunshe-operator/controllers"
	"github.com/cunshe/cunshe-operator/internal/publish"
	"github.com/cunshe/cunshe-operator/internal/testenv"
)

// The tests of this file run after TestPublishing and start from whatever
// it left: they publish the latest revision citywide first. Both were
// found by the fault suite (test/faults, issue 14).

var staged = []governancev1alpha1.RolloutStep{{Counties: []string{"330302"}}, {Pause: &governancev1alpha1.RolloutPause{}}, {Percent: ptr.To[int32](100)}}

// TestNewStepsStageTheNextRevision: giving a published rollout new steps
// moves no village; the steps apply to the next revision, which starts
// from the one every village holds.
func TestNewStepsStageTheNextRevision(t *testing.T) {
	latest := publishCitywide(t, nil)
	passes := testenv.Passes(t, "listrollout")
	setRollout(t, func(ro *governancev1alpha1.ListRollout) { ro.Spec.Steps = staged })
	testenv.WaitForPass(t, "listrollout", passes)
	g := NewWithT(t)
	g.Expect(held(g)).To(Equal(every(latest)), "new steps sent villages back")
	expectReadyReason(t, "Published")

	approveItems(t, item("flood-patrol", "协助开展汛期巡查", governancev1alpha1.Scope{}))
	expectHeld(t, pilotOr(latest+1, latest))
	expectReadyReason(t, "Paused")
	g.Expect(rollout(g).Status.PreviousRevision).To(Equal(latest))
	annotate(t, governancev1alpha1.AnnotationPromote, fmt.Sprintf("steps-%d", latest+1))
	expectHeld(t, func(string) int64 { return latest + 1 })
}

// TestStepsChangedWhileARevisionIsPending: the steps change right after an
// approval, when the rollout already says a revision is pending (not
// Published): the villages still hold what they hold, and the new steps
// stage the pending revision from there.
func TestStepsChangedWhileARevisionIsPending(t *testing.T) {
	latest := publishCitywide(t, nil)
	approveItems(t, item("typhoon-drill", "协助开展防台风转移演练", governancev1alpha1.Scope{}))
	expectReadyReason(t, governancev1alpha1.RolloutRevisionPending)
	setRollout(t, func(ro *governancev1alpha1.ListRollout) { ro.Spec.Steps = staged })
	expectHeld(t, pilotOr(latest+1, latest))
	expectReadyReason(t, "Paused")
	annotate(t, governancev1alpha1.AnnotationPromote, fmt.Sprintf("pending-%d", latest+1))
	expectHeld(t, func(string) int64 { return latest + 1 })
}

// TestADyingManagerDoesNotUndoAPromotion: a manager that dies while it
// writes a promoted step leaves the step recorded, so the next manager
// finishes the step instead of sending the villages already written back
// to the previous revision and then forward again.
func TestADyingManagerDoesNotUndoAPromotion(t *testing.T) {
	latest := publishCitywide(t, staged)
	approveItems(t, item("heat-check", "协助开展高温天气独居老人走访", governancev1alpha1.Scope{}))
	next := latest + 1
	expectHeld(t, pilotOr(next, latest))
	expectReadyReason(t, "Paused")

	ctx := context.Background()
	req := reconcile.Request{NamespacedName: client.ObjectKey{Name: "citywide"}}
	history := &writeHistory{}
	// While the manager is stopped its webhook refuses the promote
	// annotation, so both passes are shown it as `kubectl cunshe rollout
	// promote` would have set it; it is set for real afterwards.
	token := fmt.Sprintf("dying-%d", next)
	NewWithT(t).Expect(env.RestartManagerAfter(func() error {
		// The dying manager writes three villages, then every write fails:
		// its process is gone before it can record anything more.
		dying := &controllers.ListRolloutReconciler{Client: &dyingClient{Client: env.Client, history: history, left: 3, promote: token}, Writers: 1, Now: time.Now}
		if _, err := dying.Reconcile(ctx, req); err == nil {
			return errors.New("the dying pass succeeded")
		}
		next := &controllers.ListRolloutReconciler{Client: &dyingClient{Client: env.Client, history: history, left: -1, promote: token}, Writers: 1, Now: time.Now}
		_, err := next.Reconcile(ctx, req)
		return err
	})).To(Succeed())
	annotate(t, governancev1alpha1.AnnotationPromote, token)
	expectHeld(t, func(string) int64 { return next })
	NewWithT(t).Expect(history.backwards()).To(BeEmpty(), "villages sent back to an older revision")
}

// TestAPromotionGivenWhileAbortedReleasesNoPause: a promote annotation set
// while the rollout is aborted (kubectl annotate or a GitOps sync; the CLI
// refuses it) is dropped, so lifting the abort leaves the rollout waiting
// at its pause until someone promotes it then.
func TestAPromotionGivenWhileAbortedReleasesNoPause(t *testing.T) {
	latest := publishCitywide(t, staged)
	approveItems(t, item("school-road", "协助开展学生上下学路段安全劝导", governancev1alpha1.Scope{}))
	next := latest + 1
	expectHeld(t, pilotOr(next, latest))
	expectReadyReason(t, "Paused")

	annotate(t, governancev1alpha1.AnnotationAbort, "true")
	expectReadyReason(t, "Aborted")
	stray := fmt.Sprintf("stray-%d", next)
	annotate(t, governancev1alpha1.AnnotationPromote, stray)
	// The controller has read the token once it records it as acted on.
	NewWithT(t).Eventually(func(g Gomega) string { return rollout(g).Status.PromotedToken }).
		WithTimeout(30 * time.Second).Should(Equal(stray))

	setRollout(t, func(ro *governancev1alpha1.ListRollout) { delete(ro.Annotations, governancev1alpha1.AnnotationAbort) })
	expectReadyReason(t, "Paused")
	g := NewWithT(t)
	g.Expect(held(g)).To(Equal(pilotHeld(next, latest)), "the stray promotion released the pause")

	annotate(t, governancev1alpha1.AnnotationPromote, fmt.Sprintf("resumed-%d", next))
	expectHeld(t, func(string) int64 { return next })
}

// pilotHeld is what every village holds while the pilot county alone has
// the new revision.
func pilotHeld(pilot, others int64) map[string]int64 {
	out := map[string]int64{}
	for code := range villages {
		out[code] = pilotOr(pilot, others)(code)
	}
	return out
}

// publishCitywide publishes the latest revision to every village with the
// given steps (already promoted) and returns it.
func publishCitywide(t *testing.T, steps []governancev1alpha1.RolloutStep) int64 {
	t.Helper()
	setRollout(t, func(ro *governancev1alpha1.ListRollout) {
		// A promotion given while aborted would still be pending: drop it.
		ro.Spec.Revision, ro.Spec.Steps = 0, nil
		delete(ro.Annotations, governancev1alpha1.AnnotationPromote)
	})
	g := NewWithT(t)
	var latest int64
	for _, r := range revisions(g) {
		latest = max(latest, r.Spec.Revision)
	}
	expectHeld(t, func(string) int64 { return latest })
	expectReadyReason(t, "Published")
	if steps != nil {
		setRollout(t, func(ro *governancev1alpha1.ListRollout) { ro.Spec.Steps = steps })
		expectReadyReason(t, "Published")
	}
	return latest
}

func setRollout(t *testing.T, change func(*governancev1alpha1.ListRollout)) {
	t.Helper()
	NewWithT(t).Eventually(func(g Gomega) {
		ro := rollout(g)
		change(ro)
		g.Expect(env.Client.Update(context.Background(), ro)).To(Succeed())
	}).WithTimeout(10 * time.Second).Should(Succeed())
}

func every(rev int64) map[string]int64 {
	out := map[string]int64{}
	for code := range villages {
		out[code] = rev
	}
	return out
}

// dyingClient passes writes through until left ConfigMap updates have
// been made (left < 0: no limit); then every write fails.
type dyingClient struct {
	client.Client
	history *writeHistory
	left    int64
	done    atomic.Int64
	// promote is the promote annotation a ListRollout read through it shows.
	promote string
}

func (c *dyingClient) Get(ctx context.Context, key client.ObjectKey, obj client.Object, opts ...client.GetOption) error {
	if err := c.Client.Get(ctx, key, obj, opts...); err != nil {
		return err
	}
	if ro, ok := obj.(*governancev1alpha1.ListRollout); ok && c.promote != "" {
		if ro.Annotations == nil {
			ro.Annotations = map[string]string{}
		}
		ro.Annotations[governancev1alpha1.AnnotationPromote] = c.promote
	}
	return nil
}

var errDead = errors.New("the manager's process is gone")

func (c *dyingClient) dead() bool { return c.left >= 0 && c.done.Load() >= c.left }

func (c *dyingClient) Update(ctx context.Context, obj client.Object, opts ...client.UpdateOption) error {
	if c.dead() {
		return errDead
	}
	if cm, ok := obj.(*corev1.ConfigMap); ok {
		before := &corev1.ConfigMap{}
		if err := c.Client.Get(ctx, client.ObjectKeyFromObject(cm), before); err != nil {
			return err
		}
		c.history.note(cm.Namespace, before.Annotations[publish.AnnotationRevision], cm.Annotations[publish.AnnotationRevision])
		c.done.Add(1)
	}
	return c.Client.Update(ctx, obj, opts...)
}

func (c *dyingClient) Patch(ctx context.Context, obj client.Object, patch client.Patch, opts ...client.PatchOption) error {
	if c.dead() {
		return errDead
	}
	return c.Client.Patch(ctx, obj, patch, opts...)
}

func (c *dyingClient) Status() client.SubResourceWriter { return dyingStatus{c} }

type dyingStatus struct{ c *dyingClient }

func (s dyingStatus) Create(ctx context.Context, obj, sub client.Object, opts ...client.SubResourceCreateOption) error {
	if s.c.dead() {
		return errDead
	}
	return s.c.Client.Status().Create(ctx, obj, sub, opts...)
}

func (s dyingStatus) Update(ctx context.Context, obj client.Object, opts ...client.SubResourceUpdateOption) error {
	if s.c.dead() {
		return errDead
	}
	return s.c.Client.Status().Update(ctx, obj, opts...)
}

func (s dyingStatus) Patch(ctx context.Context, obj client.Object, patch client.Patch, opts ...client.SubResourcePatchOption) error {
	if s.c.dead() {
		return errDead
	}
	return s.c.Client.Status().Patch(ctx, obj, patch, opts...)
}

func (s dyingStatus) Apply(ctx context.Context, obj runtime.ApplyConfiguration, opts ...client.SubResourceApplyOption) error {
	if s.c.dead() {
		return errDead
	}
	return s.c.Client.Status().Apply(ctx, obj, opts...)
}

// writeHistory records the revision each ConfigMap write replaced and set.
type writeHistory struct {
	mu     sync.Mutex
	writes []string
	back   []string
}

func (h *writeHistory) note(namespace, from, to string) {
	h.mu.Lock()
	defer h.mu.Unlock()
	f, _ := strconv.ParseInt(from, 10, 64)
	n, _ := strconv.ParseInt(to, 10, 64)
	h.writes = append(h.writes, fmt.Sprintf("%s %d→%d", namespace, f, n))
	if n < f {
		h.back = append(h.back, fmt.Sprintf("%s %d→%d", namespace, f, n))
	}
}

func (h *writeHistory) backwards() []string {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.back
}
