package faults

import (
	"context"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"sync/atomic"
	"testing"
	"time"

	"k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"

	governancev1alpha1 "github.com/cunshe/cunshe-operator/api/v1alpha1"
)

// progressFunc counts how much of a round's work the city shows done.
type progressFunc func(*state) (done, total int)

// killLoop SIGKILLs the manager at random points of real work, restarts it
// at once, and after each restart waits for the city to converge and
// checks it.
type killLoop struct {
	t   *testing.T
	ctx context.Context
	c   *city
	m   *managerProcess

	kills, converged, lateKills int
	maxConverge                 time.Duration
	// etcdBytes is the largest size of etcd's database file seen.
	etcdBytes int64
	last      *verdict
	mixed     map[string]bool
}

// testKill: 20 kills (4 at the reduced scale) spread over provisioning the
// city, citywide rollouts, bursts of approvals that cut revisions, and the
// promotion of a staged rollout; then a restart of the converged city must
// write nothing.
func testKill(t *testing.T) {
	c := h.city
	if c.villages() > 0 {
		t.Fatal("the kill scenario provisions the city: it runs first (go test -run 'TestFaults$' or TestFaults/kill)")
	}
	k := &killLoop{t: t, ctx: t.Context(), c: c, mixed: map[string]bool{}}
	var err error
	if k.m, err = h.startManager(k.ctx, "kill", managerArgs{}); err != nil {
		t.Fatal(err)
	}
	defer func() { k.m.stop() }()
	if err := c.ensureSetUp(k.ctx); err != nil {
		t.Fatal(err)
	}
	s := h.scale
	for _, n := range split(len(c.registry), s.provisionKills) {
		k.round("provisioning", k.provision(n))
	}
	// The city's own lists (config/samples/lists) arrive; the suite's items
	// come on top of them.
	if err := c.addSampleLists(k.ctx, nil); err != nil {
		t.Fatal(err)
	}
	if _, err := c.waitConverged(k.ctx, s.converge); err != nil {
		t.Fatal(err)
	}
	for range s.rolloutKills {
		k.round("citywide rollout", k.rollout())
	}
	for range s.burstKills {
		k.round("approval burst", k.burst())
	}
	for i := range s.promoteKills {
		k.round("staged rollout's promote", k.promote(i == 0))
	}
	// The other scenarios publish citywide.
	if err := c.citywide(k.ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := c.waitConverged(k.ctx, s.converge); err != nil {
		t.Fatal(err)
	}
	resync := k.resyncWrites()

	fmt.Printf("faults scenario=kill kills=%d converged=%d mixed_revisions=%d lost_objects=%d max_converge_seconds=%.1f resync_writes=%d villages=%d revisions=%d revision_regressions=%d revision_numbering_errors=%d kills_after_work=%d etcd_db_mib=%.0f\n",
		k.kills, k.converged, len(k.mixed), k.last.lost, k.maxConverge.Seconds(), resync, c.villages(), k.last.revisions,
		k.last.regressions, k.last.revisionProblems, k.lateKills, float64(k.etcdBytes)/(1<<20))
	if resync != 0 {
		t.Errorf("a restart on the converged city made %d writes, want 0", resync)
	}
	if k.converged != k.kills || k.kills != s.kills() {
		t.Errorf("%d kills, the city converged after %d; want %d", k.kills, k.converged, s.kills())
	}
}

// split divides n villages into parts batches.
func split(n, parts int) []int {
	out := make([]int, parts)
	for i := range out {
		out[i] = n / parts
		if i < n%parts {
			out[i]++
		}
	}
	return out
}

// round starts a piece of work, kills the manager once a random share of
// it (10–90 %) shows done, restarts the manager and checks the city once it
// has converged. work returns the progress to watch and, for work the
// suite's own clients do while the manager is down, when they are done.
func (k *killLoop) round(phase string, work func() (progressFunc, <-chan error)) {
	t, ctx := k.t, k.ctx
	progress, clients := work()
	share := 0.1 + 0.8*h.rand.Float64()
	done, total, err := k.waitFor(progress, share)
	if err != nil {
		t.Fatalf("%s: %v", phase, err)
	}
	k.m.kill()
	k.kills++
	if done >= total {
		k.lateKills++
	}
	t.Logf("kill %d during the %s, at %d/%d", k.kills, phase, done, total)
	if k.m, err = h.startManager(ctx, fmt.Sprintf("kill-%d", k.kills), managerArgs{}); err != nil {
		t.Fatal(err)
	}
	from := time.Now()
	if clients != nil {
		if err := <-clients; err != nil {
			t.Fatalf("%s: %v", phase, err)
		}
		from = time.Now()
	}
	at, err := k.c.waitConverged(ctx, h.scale.converge)
	if err != nil {
		t.Fatalf("after kill %d (%s): %v\nmanager log: %s", k.kills, phase, err, k.m.log)
	}
	k.converged++
	k.maxConverge = max(k.maxConverge, at.Sub(from))
	k.etcdBytes = max(k.etcdBytes, etcdSize())
	t.Logf("kill %d: converged %.1fs after the restart", k.kills, at.Sub(from).Seconds())
	k.check(fmt.Sprintf("after kill %d (%s)", k.kills, phase))
}

// check verifies the converged city and fails the test on what it finds.
func (k *killLoop) check(when string) {
	v, err := k.c.verify(k.ctx)
	if err != nil {
		k.t.Fatal(err)
	}
	k.last = v
	for ns := range v.mixed {
		k.mixed[ns] = true
	}
	if len(v.problems) > 0 {
		k.t.Errorf("%s:\n%s", when, v)
	}
}

// waitFor waits until progress reaches share of its total (rounded up).
func (k *killLoop) waitFor(progress progressFunc, share float64) (int, int, error) {
	deadline := time.Now().Add(h.scale.converge)
	for {
		s, err := k.c.watch.state(k.ctx)
		if err != nil {
			return 0, 0, err
		}
		done, total := progress(s)
		if total > 0 && done >= int(math.Ceil(share*float64(total))) {
			return done, total, nil
		}
		if k.m != nil && k.m.exitedByItself() {
			return 0, 0, fmt.Errorf("the manager exited by itself: %v; log %s", k.m.exitErr, k.m.log)
		}
		if time.Now().After(deadline) {
			return done, total, fmt.Errorf("only %d/%d done after %s", done, total, h.scale.converge)
		}
		time.Sleep(pollEvery(total))
	}
}

// pollEvery: a rollout of a few dozen villages takes a few tens of
// milliseconds, one of the whole city seconds.
func pollEvery(villages int) time.Duration {
	if villages < 500 {
		return 2 * time.Millisecond
	}
	return 20 * time.Millisecond
}

// provision creates the next n villages; done is how many of them are
// Ready with the latest revision published to them.
func (k *killLoop) provision(n int) func() (progressFunc, <-chan error) {
	return func() (progressFunc, <-chan error) {
		names, err := k.c.createVillages(k.ctx, n)
		if err != nil {
			k.t.Fatal(err)
		}
		return func(s *state) (int, int) {
			done := 0
			for _, name := range names {
				if v := s.villages[name]; v != nil && meta.IsStatusConditionTrue(v.Status.Conditions, governancev1alpha1.ReadyCondition) &&
					s.heldRevision(name) == s.latest() {
					done++
				}
			}
			return done, len(names)
		}, nil
	}
}

// rollout approves one more item and counts the villages holding the
// revision cut for it.
func (k *killLoop) rollout() func() (progressFunc, <-chan error) {
	return func() (progressFunc, <-chan error) {
		target := k.latest() + 1
		if _, err := k.c.addItem(k.ctx, nil); err != nil {
			k.t.Fatal(err)
		}
		return k.holding(target, nil), nil
	}
}

// holding counts the villages (but those skip names) whose lists hold at least revision target.
func (k *killLoop) holding(target int64, skip func(*governancev1alpha1.Village) bool) progressFunc {
	return func(s *state) (int, int) {
		done, total := 0, 0
		for name, v := range s.villages {
			if skip != nil && skip(v) {
				continue
			}
			total++
			if s.heldRevision(name) >= target {
				done++
			}
		}
		return done, total
	}
}

func (k *killLoop) latest() int64 {
	s, err := k.c.watch.state(k.ctx)
	if err != nil {
		k.t.Fatal(err)
	}
	return s.latest()
}

// burst approves items one after another at random intervals around the
// revision settle time, so that some land in one revision and some in
// their own, and a village files a report that a unit then decides; the
// suite's clients go on, retrying, while the manager is down. done counts
// the requests answered.
func (k *killLoop) burst() func() (progressFunc, <-chan error) {
	return func() (progressFunc, <-chan error) {
		items := h.scale.burstItems
		planned := items*(1+len(k.c.units)) + 2
		var answered atomic.Int64
		step := func() { answered.Add(1) }
		gaps := make([]time.Duration, items)
		for i := range gaps {
			gaps[i] = time.Duration(h.rand.Float64() * 2 * float64(h.scale.settle))
		}
		village := k.c.registry[h.rand.IntN(k.c.villages())].Name
		k.c.mu.Lock()
		report := len(k.c.reports) + 1
		k.c.mu.Unlock()
		done := make(chan error, 1)
		go func() {
			done <- func() error {
				for i := range items {
					if _, err := k.c.addItem(k.ctx, step); err != nil {
						return err
					}
					time.Sleep(gaps[i])
				}
				key, err := k.c.fileReport(k.ctx, village, report)
				if err != nil {
					return err
				}
				step()
				if err := k.c.decide(k.ctx, key); err != nil {
					return err
				}
				step()
				return nil
			}()
		}()
		return func(*state) (int, int) { return int(answered.Load()), planned }, done
	}
}

// promote stages the next revision: the pilot county first, then a pause
// until promoted, then every village. Once the rollout pauses, it promotes
// it; done counts the villages outside the pilot county holding the revision.
func (k *killLoop) promote(first bool) func() (progressFunc, <-chan error) {
	return func() (progressFunc, <-chan error) {
		if first {
			k.setSteps([]governancev1alpha1.RolloutStep{{Counties: []string{pilotCounty}}, {Pause: &governancev1alpha1.RolloutPause{}}, {Percent: ptr.To[int32](100)}})
		}
		target := k.latest() + 1
		if _, err := k.c.addItem(k.ctx, nil); err != nil {
			k.t.Fatal(err)
		}
		k.waitPaused(target)
		k.promoteRollout(fmt.Sprintf("faults-%d", target))
		return k.holding(target, func(v *governancev1alpha1.Village) bool { return v.Spec.County.Code == pilotCounty }), nil
	}
}

func (k *killLoop) setSteps(steps []governancev1alpha1.RolloutStep) {
	k.updateRollout(func(ro *governancev1alpha1.ListRollout) { ro.Spec.Steps = steps })
}

// promoteRollout does what `kubectl cunshe rollout promote` does.
func (k *killLoop) promoteRollout(token string) {
	k.updateRollout(func(ro *governancev1alpha1.ListRollout) {
		if ro.Annotations == nil {
			ro.Annotations = map[string]string{}
		}
		ro.Annotations[governancev1alpha1.AnnotationPromote] = token
	})
}

func (k *killLoop) updateRollout(change func(*governancev1alpha1.ListRollout)) {
	deadline := time.Now().Add(time.Minute)
	for {
		ro := &governancev1alpha1.ListRollout{}
		err := h.client.Get(k.ctx, client.ObjectKey{Name: rolloutName}, ro)
		if err == nil {
			change(ro)
			err = h.client.Update(k.ctx, ro)
		}
		if err == nil {
			return
		}
		if time.Now().After(deadline) {
			k.t.Fatalf("updating the rollout: %v", err)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// waitPaused waits until the rollout holds revision target at its pause,
// the pilot county done.
func (k *killLoop) waitPaused(target int64) {
	deadline := time.Now().Add(h.scale.converge)
	for {
		s, err := k.c.watch.state(k.ctx)
		if err != nil {
			k.t.Fatal(err)
		}
		if ro := s.rollout; ro != nil && ro.Status.CurrentRevision == target && ro.Status.ObservedGeneration == ro.Generation {
			if c := meta.FindStatusCondition(ro.Status.Conditions, governancev1alpha1.ReadyCondition); c != nil && c.Reason == "Paused" {
				return
			}
		}
		if time.Now().After(deadline) {
			k.t.Fatalf("the rollout did not pause at revision %d", target)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// resyncWrites restarts the manager on the converged city, as an upgrade
// would, and counts its writes until it is idle: it must find nothing to do.
func (k *killLoop) resyncWrites() int {
	k.m.stop()
	mark := h.audit.mark()
	var err error
	if k.m, err = h.startManager(k.ctx, "resync", managerArgs{}); err != nil {
		k.t.Fatal(err)
	}
	if _, err := k.m.waitIdle(k.ctx, h.scale.quiet, h.scale.converge, reconciledAll(k.c.villages())); err != nil {
		k.t.Fatal(err)
	}
	k.check("after the final restart")
	writes, err := h.audit.writesSince(mark)
	if err != nil {
		k.t.Fatal(err)
	}
	if len(writes) > 0 {
		k.t.Logf("the restarted manager wrote: %s; e.g. %s %s", summary(writes), writes[0].object(), writes[0].RequestObject)
	}
	return len(writes)
}

// etcdSize is the size of etcd's database file: every rollout rewrites
// every village's lists, and etcd keeps old versions until compaction.
func etcdSize() int64 {
	fi, err := os.Stat(filepath.Join(h.cp.Env.ControlPlane.Etcd.DataDir, "member", "snap", "db"))
	if err != nil {
		return 0
	}
	return fi.Size()
}
