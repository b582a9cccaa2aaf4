package faults

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"
)

// testFailover: two replicas elect a leader; the webhook configurations
// reach both through a TCP proxy on the port they name (what the chart's
// Service does); the leader is killed mid-rollout while a department keeps
// sending dry-run task creates. The other replica must take the lease and
// finish the rollout; every refusal for want of a webhook is counted.
func testFailover(t *testing.T) {
	ctx := t.Context()
	c := h.city
	if err := c.ensureProvisioned(ctx); err != nil {
		t.Fatal(err)
	}
	if err := h.client.Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: leaseNamespace}}); err != nil && !apierrors.IsAlreadyExists(err) {
		t.Fatal(err)
	}
	ports := [2]int{}
	for i := range ports {
		var err error
		if ports[i], err = freePort(); err != nil {
			t.Fatal(err)
		}
	}
	px, err := startProxy(fmt.Sprintf("127.0.0.1:%d", h.webhookPort), 0, fmt.Sprintf("127.0.0.1:%d", ports[0]), fmt.Sprintf("127.0.0.1:%d", ports[1]))
	if err != nil {
		t.Fatal(err)
	}
	defer px.Close()
	a, err := h.startManager(ctx, "replica-a", managerArgs{webhookPort: ports[0], leaderElect: true})
	if err != nil {
		t.Fatal(err)
	}
	defer a.stop()
	waitLeader(t, a)
	b, err := h.startManager(ctx, "replica-b", managerArgs{webhookPort: ports[1], leaderElect: true})
	if err != nil {
		t.Fatal(err)
	}
	defer b.stop()

	p := startTaskProbe(ctx, t)
	p.waitAdmitted(t, 10)
	k := &killLoop{t: t, ctx: ctx, c: c}
	target := k.latest() + 1
	if _, err := c.addItem(ctx, nil); err != nil {
		t.Fatal(err)
	}
	done, total, err := k.waitFor(k.holding(target, nil), 0.1+0.8*h.rand.Float64())
	if err != nil {
		t.Fatal(err)
	}
	killed := time.Now()
	a.kill()
	t.Logf("killed the leader at %d/%d villages", done, total)
	waitLeader(t, b)
	takeover := time.Since(killed)
	at, err := c.waitConverged(ctx, h.scale.converge)
	if err != nil {
		t.Fatalf("%v\nreplica b's log: %s", err, b.log)
	}
	p.waitAdmitted(t, p.admitted.Load()+10) // the webhooks answer again
	p.stop()
	v, err := c.verify(ctx)
	if err != nil {
		t.Fatal(err)
	}
	fmt.Printf("faults scenario=failover takeover_seconds=%.1f webhook_errors=%d requests=%d refused_by_rules=%d converge_seconds=%.1f mixed_revisions=%d lost_objects=%d\n",
		takeover.Seconds(), p.unavailable.Load(), p.requests.Load(), p.refused.Load(), at.Sub(killed).Seconds(), len(v.mixed), v.lost)
	if msg := p.firstUnavailable(); msg != "" {
		t.Logf("a refusal for want of a webhook, as the department saw it: %s", msg)
	}
	if len(v.problems) > 0 {
		t.Errorf("after the failover:\n%s", v)
	}
	if p.refused.Load() > 0 {
		t.Errorf("%d dry-run tasks were refused by the rules; first: %s", p.refused.Load(), p.firstRefusal())
	}
}

// waitLeader waits until the replica reports it holds the lease.
func waitLeader(t *testing.T, m *managerProcess) {
	t.Helper()
	deadline := time.Now().Add(2 * time.Minute)
	for {
		if samples, err := m.scrape(t.Context()); err == nil && isLeader(samples) {
			return
		}
		if m.exited() {
			t.Fatalf("replica %s exited: %v; log %s", m.name, m.exitErr, m.log)
		}
		if time.Now().After(deadline) {
			t.Fatalf("replica %s did not become the leader", m.name)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// taskProbe is a department clerk sending dry-run creates of the sample
// task without pause, from two clients, counting the answers.
type taskProbe struct {
	requests, admitted, refused, unavailable atomic.Int64
	mu                                       sync.Mutex
	refusal, outage                          string
	cancel                                   context.CancelFunc
	wg                                       sync.WaitGroup
}

func startTaskProbe(ctx context.Context, t *testing.T) *taskProbe {
	clerk, err := h.city.clerk()
	if err != nil {
		t.Fatal(err)
	}
	p := &taskProbe{}
	ctx, p.cancel = context.WithCancel(ctx)
	for range 2 {
		p.wg.Go(func() {
			for ctx.Err() == nil {
				p.record(clerk.Create(ctx, dryRunTask(), client.DryRunAll))
				time.Sleep(20 * time.Millisecond)
			}
		})
	}
	return p
}

func (p *taskProbe) record(err error) {
	if err != nil && strings.Contains(err.Error(), "context canceled") {
		return
	}
	p.requests.Add(1)
	switch {
	case err == nil:
		p.admitted.Add(1)
	case webhookUnavailable(err):
		p.unavailable.Add(1)
		p.remember(&p.outage, err)
	default:
		p.refused.Add(1)
		p.remember(&p.refusal, err)
	}
}

func (p *taskProbe) remember(where *string, err error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if *where == "" {
		*where = err.Error()
	}
}

func (p *taskProbe) firstRefusal() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.refusal
}

func (p *taskProbe) firstUnavailable() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.outage
}

// waitAdmitted waits until n dry-runs in all were admitted.
func (p *taskProbe) waitAdmitted(t *testing.T, n int64) {
	t.Helper()
	deadline := time.Now().Add(2 * time.Minute)
	for p.admitted.Load() < n {
		if time.Now().After(deadline) {
			t.Fatalf("only %d dry-run tasks admitted (refused %d: %s; unavailable %d: %s)", p.admitted.Load(),
				p.refused.Load(), p.firstRefusal(), p.unavailable.Load(), p.firstUnavailable())
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func (p *taskProbe) stop() {
	p.cancel()
	p.wg.Wait()
}
