package faults

import (
	"fmt"
	"net/url"
	"path/filepath"
	"testing"
	"time"

	"k8s.io/client-go/tools/clientcmd"
)

// latency is the round trip the proxy adds between the manager and the
// API server: half of it on the way there, half on the way back.
const latency = 200 * time.Millisecond

// testSlowAPIServer runs the manager through a proxy that delays every
// byte between it and the API server. Idle, it must not spin (CPU of the
// process over a while) nor write; a rollout must complete, each village's
// lists written once.
func testSlowAPIServer(t *testing.T) {
	ctx := t.Context()
	c := h.city
	if err := c.ensureProvisioned(ctx); err != nil {
		t.Fatal(err)
	}
	api, err := url.Parse(h.cfg.Host)
	if err != nil {
		t.Fatal(err)
	}
	px, err := startProxy("127.0.0.1:0", latency/2, api.Host)
	if err != nil {
		t.Fatal(err)
	}
	defer px.Close()
	kubeconfig := filepath.Join(h.dir, "slow.kubeconfig")
	if err := redirect(h.kubeconfig, kubeconfig, "https://"+px.Addr()); err != nil {
		t.Fatal(err)
	}
	m, err := h.startManager(ctx, "slow", managerArgs{kubeconfig: kubeconfig})
	if err != nil {
		t.Fatal(err)
	}
	defer m.stop()
	villages := c.villages()
	if _, err := m.waitIdle(ctx, h.scale.quiet, h.scale.converge, reconciledAll(villages)); err != nil {
		t.Fatal(err)
	}
	idleMark := h.audit.mark()

	// Idle under latency: CPU and writes over a while.
	cpu0, err := m.cpu()
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	time.Sleep(h.scale.idle)
	cpu1, err := m.cpu()
	if err != nil {
		t.Fatal(err)
	}
	idleCPU := 100 * (cpu1 - cpu0).Seconds() / time.Since(start).Seconds()
	idleWrites := auditedWrites(t, idleMark)

	// A rollout under latency.
	c.watch.resetVersions()
	mark := h.audit.mark()
	begin := time.Now()
	if _, err := c.addItem(ctx, nil); err != nil {
		t.Fatal(err)
	}
	at, err := c.waitConverged(ctx, h.scale.converge)
	if err != nil {
		t.Fatalf("%v\nmanager log: %s", err, m.log)
	}
	if _, err := m.waitIdle(ctx, h.scale.quiet, h.scale.converge, nil); err != nil {
		t.Fatal(err)
	}
	rollout, err := h.audit.writesSince(mark)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("the rollout's writes: %s", summary(rollout))
	// Each village's lists written once and its status once: more is a
	// duplicate, whether the watch saw it as a new version or not.
	duplicates := repeated(rollout, "update configmaps", "patch villages/status") + c.watch.duplicateVersions()
	v, err := c.verify(ctx)
	if err != nil {
		t.Fatal(err)
	}
	fmt.Printf("faults scenario=slow-apiserver latency_ms=%d converged=true rollout_seconds=%.1f writes_per_village=%.2f duplicate_writes=%d idle_cpu_percent=%.1f idle_seconds=%.0f idle_writes=%d mixed_revisions=%d lost_objects=%d\n",
		latency.Milliseconds(), at.Sub(begin).Seconds(), float64(len(rollout))/float64(villages), duplicates, idleCPU, h.scale.idle.Seconds(), len(idleWrites), len(v.mixed), v.lost)
	if duplicates > 0 {
		t.Errorf("%d lists ConfigMaps were written more than once for one rollout", duplicates)
	}
	if len(idleWrites) > 0 {
		t.Errorf("the idle manager made %d writes: %s", len(idleWrites), summary(idleWrites))
	}
	if len(v.problems) > 0 {
		t.Errorf("after the rollout under latency:\n%s", v)
	}
}

func auditedWrites(t *testing.T, mark int64) []auditEvent {
	writes, err := h.audit.writesSince(mark)
	if err != nil {
		t.Fatal(err)
	}
	return writes
}

// redirect copies a kubeconfig with every cluster's server replaced.
func redirect(from, to, server string) error {
	cfg, err := clientcmd.LoadFromFile(from)
	if err != nil {
		return err
	}
	for _, cluster := range cfg.Clusters {
		cluster.Server = server
	}
	return clientcmd.WriteToFile(*cfg, to)
}
