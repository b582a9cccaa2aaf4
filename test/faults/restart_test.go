package faults

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// controlPlaneProcess is etcd or kube-apiserver, which envtest can stop and
// start again on the same data folder, ports and certificates.
type controlPlaneProcess interface {
	Stop() error
	Start() error
}

// restartable is a control plane process and how to find its process: its
// binary and an argument only it has.
type restartable struct {
	process controlPlaneProcess
	binary  string
	arg     string
}

func testAPIServerRestart(t *testing.T) {
	api := h.cp.Env.ControlPlane.APIServer
	testRestart(t, "apiserver-restart", restartable{api, "kube-apiserver", "--cert-dir=" + api.CertDir})
}

func testEtcdRestart(t *testing.T) {
	etcd := h.cp.Env.ControlPlane.Etcd
	testRestart(t, "etcd-restart", restartable{etcd, "etcd", "--data-dir=" + etcd.DataDir})
}

// stop sends SIGTERM, waits up to the grace period and then kills, as a kubelet does;
// envtest then only notes that the process is gone. It reports how the
// process ended.
func (r restartable) stop() (string, error) {
	pid, err := findProcess(r.binary, r.arg)
	if err != nil {
		return "", err
	}
	how := "SIGTERM"
	_ = syscall.Kill(pid, syscall.SIGTERM)
	if !waitGone(pid, h.scale.grace) {
		how = "SIGKILL after " + h.scale.grace.String()
		_ = syscall.Kill(pid, syscall.SIGKILL)
		waitGone(pid, 10*time.Second)
	}
	var stopErr error
	for range 20 { // envtest notices the exit a moment after the process is reaped
		if stopErr = r.process.Stop(); stopErr == nil {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	return how, stopErr
}

// findProcess is the pid of the suite's own process of a binary, told
// apart from any other by one of its arguments.
func findProcess(binary, arg string) (int, error) {
	entries, err := os.ReadDir("/proc")
	if err != nil {
		return 0, err
	}
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		cmdline, err := os.ReadFile("/proc/" + e.Name() + "/cmdline")
		if err != nil {
			continue
		}
		args := strings.Split(string(cmdline), "\x00")
		if filepath.Base(args[0]) == binary && slices.Contains(args, arg) {
			return pid, nil
		}
	}
	return 0, fmt.Errorf("no %s process with %s", binary, arg)
}

// waitGone waits until the process has ended and been reaped.
func waitGone(pid int, timeout time.Duration) bool {
	deadline := time.Now().Add(timeout)
	for time.Now().Before(deadline) {
		if _, err := os.Stat(fmt.Sprintf("/proc/%d", pid)); os.IsNotExist(err) {
			return true
		}
		time.Sleep(50 * time.Millisecond)
	}
	return false
}

// testRestart restarts a control plane process in the middle of a rollout.
// The manager is not restarted by the suite and must not exit; it must
// finish the rollout, and then still follow changes (its watches are
// re-established): a further approval is rolled out too.
func testRestart(t *testing.T, scenario string, process restartable) {
	ctx := t.Context()
	c := h.city
	if err := c.ensureProvisioned(ctx); err != nil {
		t.Fatal(err)
	}
	m, err := h.startManager(ctx, scenario, managerArgs{})
	if err != nil {
		t.Fatal(err)
	}
	defer m.stop()
	k := &killLoop{t: t, ctx: ctx, c: c, m: m}
	target := k.latest() + 1
	if _, err := c.addItem(ctx, nil); err != nil {
		t.Fatal(err)
	}
	done, total, err := k.waitFor(k.holding(target, nil), 0.1+0.8*h.rand.Float64())
	if err != nil {
		t.Fatal(err)
	}
	stopping := time.Now()
	how, err := process.stop()
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("%s: stopped (%s, %.1fs) at %d/%d villages", scenario, how, time.Since(stopping).Seconds(), done, total)
	time.Sleep(h.scale.down)
	if err := process.process.Start(); err != nil {
		t.Fatal(err)
	}
	back := time.Now()
	at, err := c.waitConverged(ctx, h.scale.converge)
	if err != nil {
		t.Fatalf("%v\nmanager log: %s", err, m.log)
	}
	// The watches are live again: a new approval is published too.
	target = k.latest() + 1
	if _, err := c.addItem(ctx, nil); err != nil {
		t.Fatal(err)
	}
	if _, err := c.waitConverged(ctx, h.scale.converge); err != nil {
		t.Fatalf("after the restart, a new approval was not published: %v\nmanager log: %s", err, m.log)
	}
	exits := 0
	if m.exited() {
		exits = 1
	}
	v, err := c.verify(ctx)
	if err != nil {
		t.Fatal(err)
	}
	fmt.Printf("faults scenario=%s manager_exits=%d converged=%t converge_seconds=%.1f down_seconds=%.0f stopped_by=%s revision=%d mixed_revisions=%d lost_objects=%d\n",
		scenario, exits, v.revisions >= target, at.Sub(back).Seconds(), h.scale.down.Seconds(), strings.ReplaceAll(how, " ", "_"), v.revisions, len(v.mixed), v.lost)
	if exits > 0 {
		t.Errorf("the manager exited: %v\n%s", m.exitErr, tail(m.log, 30))
	}
	if len(v.problems) > 0 {
		t.Errorf("after the %s:\n%s", scenario, v)
	}
}
