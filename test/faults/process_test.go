package faults

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"
	"time"
)

// managerProcess is one run of the manager binary, as a Deployment's
// container runs it: against a kubeconfig, serving webhooks, metrics and
// probes on its own ports.
type managerProcess struct {
	name    string
	cmd     *exec.Cmd
	metrics string
	probe   string
	log     string
	done    chan struct{}
	// exitErr is how the process ended, once done is closed.
	exitErr error
	// killed is set when the suite ended it on purpose.
	killed atomic.Bool
}

// managerArgs are what differs between the scenarios' managers.
type managerArgs struct {
	kubeconfig  string // default: the harness's
	webhookPort int    // default: the port the webhook configurations name
	leaderElect bool
}

// leaseNamespace holds the leader election Lease.
const leaseNamespace = "cunshe-system"

// startManager starts the manager binary and returns once its webhook
// server answers (its readiness probe).
func (hh *harness) startManager(ctx context.Context, name string, a managerArgs) (*managerProcess, error) {
	if a.kubeconfig == "" {
		a.kubeconfig = hh.kubeconfig
	}
	if a.webhookPort == 0 {
		a.webhookPort = hh.webhookPort
	}
	metrics, err := freeAddr()
	if err != nil {
		return nil, err
	}
	probe, err := freeAddr()
	if err != nil {
		return nil, err
	}
	hh.runs++
	m := &managerProcess{name: name, metrics: metrics, probe: probe, done: make(chan struct{}),
		log: filepath.Join(hh.dir, "logs", fmt.Sprintf("%03d-%s.log", hh.runs, name))}
	args := []string{
		"--metrics-bind-address=" + metrics, "--health-probe-bind-address=" + probe,
		"--webhook-port=" + strconv.Itoa(a.webhookPort), "--webhook-cert-dir=" + hh.certDir,
		"--portal-bind-address=0",
		// Keep every revision, so the suite can tell none was skipped.
		"--revision-history-limit=1000000",
		"--revision-settle=" + hh.scale.settle.String(),
	}
	if a.leaderElect {
		args = append(args, "--leader-elect", "--leader-election-namespace="+leaseNamespace)
	}
	if hh.metricsSecureFlag {
		args = append(args, "--metrics-secure=false") // the suite scrapes plain HTTP on loopback
	}
	m.cmd = exec.Command(hh.manager, args...)
	m.cmd.Env = append(withoutKubeconfig(os.Environ()), "KUBECONFIG="+a.kubeconfig)
	// A manager never outlives the suite.
	m.cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	out, err := os.Create(m.log)
	if err != nil {
		return nil, err
	}
	m.cmd.Stdout, m.cmd.Stderr = out, out
	if err := m.cmd.Start(); err != nil {
		_ = out.Close()
		return nil, fmt.Errorf("starting the manager: %w", err)
	}
	go func() {
		m.exitErr = m.cmd.Wait()
		_ = out.Close()
		close(m.done)
	}()
	if err := m.waitReady(ctx, 3*time.Minute); err != nil {
		m.kill()
		return nil, err
	}
	return m, nil
}

func withoutKubeconfig(env []string) []string {
	out := env[:0:0]
	for _, e := range env {
		if !strings.HasPrefix(e, "KUBECONFIG=") {
			out = append(out, e)
		}
	}
	return out
}

func freeAddr() (string, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	defer func() { _ = l.Close() }()
	return l.Addr().String(), nil
}

func freePort() (int, error) {
	addr, err := freeAddr()
	if err != nil {
		return 0, err
	}
	_, port, _ := net.SplitHostPort(addr)
	return strconv.Atoi(port)
}

// waitReady polls the readiness probe: the webhook server has started.
func (m *managerProcess) waitReady(ctx context.Context, timeout time.Duration) error {
	deadline := time.Now().Add(timeout)
	for {
		if m.exited() {
			return fmt.Errorf("manager %s exited before it was ready (%v); log: %s\n%s", m.name, m.exitErr, m.log, tail(m.log, 20))
		}
		if get(ctx, "http://"+m.probe+"/readyz") == nil {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("manager %s not ready after %s; log: %s", m.name, timeout, m.log)
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(100 * time.Millisecond):
		}
	}
}

func get(ctx context.Context, url string) error {
	_, err := fetch(ctx, url)
	return err
}

func fetch(ctx context.Context, url string) ([]byte, error) {
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return nil, err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return nil, err
	}
	defer func() { _ = resp.Body.Close() }()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, err
	}
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("%s: %s", url, resp.Status)
	}
	return body, nil
}

func (m *managerProcess) exited() bool {
	select {
	case <-m.done:
		return true
	default:
		return false
	}
}

// kill ends the process with SIGKILL, as the OOM killer or a lost node
// does: no deferred cleanup, no lease released.
func (m *managerProcess) kill() {
	m.killed.Store(true)
	_ = m.cmd.Process.Signal(syscall.SIGKILL)
	<-m.done
}

// stop ends the process as a rolling update does (SIGTERM), killing it
// after a grace period.
func (m *managerProcess) stop() {
	m.killed.Store(true)
	_ = m.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-m.done:
	case <-time.After(30 * time.Second):
		m.kill()
	}
}

// exitedByItself reports whether the process ended without the suite ending it.
func (m *managerProcess) exitedByItself() bool { return m.exited() && !m.killed.Load() }

// cpu is the CPU time the process has used (utime + stime of /proc/<pid>/stat).
func (m *managerProcess) cpu() (time.Duration, error) {
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", m.cmd.Process.Pid))
	if err != nil {
		return 0, err
	}
	end := bytes.LastIndexByte(data, ')')
	if end < 0 {
		return 0, fmt.Errorf("unreadable /proc stat")
	}
	fields := strings.Fields(string(data[end+2:]))
	if len(fields) < 13 {
		return 0, fmt.Errorf("unreadable /proc stat")
	}
	utime, _ := strconv.ParseInt(fields[11], 10, 64)
	stime, _ := strconv.ParseInt(fields[12], 10, 64)
	return time.Duration(utime+stime) * 10 * time.Millisecond, nil // USER_HZ = 100
}

// sample is one line of Prometheus' text format.
type sample struct {
	name   string
	labels map[string]string
	value  float64
}

// scrape reads the manager's metrics endpoint.
func (m *managerProcess) scrape(ctx context.Context) ([]sample, error) {
	body, err := fetch(ctx, "http://"+m.metrics+"/metrics")
	if err != nil {
		return nil, err
	}
	var out []sample
	sc := bufio.NewScanner(bytes.NewReader(body))
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		line := sc.Text()
		if line == "" || line[0] == '#' {
			continue
		}
		sp := strings.LastIndexByte(line, ' ')
		v, err := strconv.ParseFloat(line[sp+1:], 64)
		if err != nil {
			continue
		}
		s := sample{name: line[:sp], labels: map[string]string{}, value: v}
		if open := strings.IndexByte(line, '{'); open >= 0 && open < sp {
			s.name = line[:open]
			for _, pair := range strings.Split(line[open+1:strings.LastIndexByte(line[:sp], '}')], ",") {
				if k, v, ok := strings.Cut(pair, "="); ok {
					s.labels[k] = strings.Trim(v, `"`)
				}
			}
		}
		out = append(out, s)
	}
	return out, sc.Err()
}

// sum adds the samples of a metric whose labels pass keep.
func sum(samples []sample, name string, keep func(map[string]string) bool) float64 {
	var total float64
	for _, s := range samples {
		if s.name == name && (keep == nil || keep(s.labels)) {
			total += s.value
		}
	}
	return total
}

// writeMethods are the HTTP methods of API writes.
var writeMethods = map[string]bool{"POST": true, "PUT": true, "PATCH": true, "DELETE": true}

// writes is the number of write requests the manager's clients have sent
// to the API server (client-go's rest_client_requests_total).
func writes(samples []sample) int64 {
	return int64(sum(samples, "rest_client_requests_total", func(l map[string]string) bool { return writeMethods[l["method"]] }))
}

// busy is the work queued or in progress in every controller.
func busy(samples []sample) float64 {
	return sum(samples, "workqueue_depth", nil) + sum(samples, "controller_runtime_active_workers", nil)
}

// isLeader reports whether the manager holds the leader election lease.
func isLeader(samples []sample) bool {
	return sum(samples, "leader_election_master_status", nil) > 0
}

// reconciledAll is true once the village controller has reconciled every
// village at least once: a fresh manager has looked at the whole city.
func reconciledAll(villages int) func([]sample) bool {
	return func(samples []sample) bool {
		return sum(samples, "controller_runtime_reconcile_total", func(l map[string]string) bool { return l["controller"] == "village" }) >= float64(villages)
	}
}

// waitIdle waits until started holds, no controller has work and the
// manager has made no write for quiet; it returns the manager's write
// count then.
func (m *managerProcess) waitIdle(ctx context.Context, quiet, timeout time.Duration, started func([]sample) bool) (int64, error) {
	deadline := time.Now().Add(timeout)
	last, since := int64(-1), time.Now()
	for {
		samples, err := m.scrape(ctx)
		if err == nil {
			w := writes(samples)
			if w != last || busy(samples) > 0 || (started != nil && !started(samples)) {
				last, since = w, time.Now()
			}
			if time.Since(since) >= quiet {
				return w, nil
			}
		}
		if m.exited() {
			return 0, fmt.Errorf("manager %s exited: %v", m.name, m.exitErr)
		}
		if time.Now().After(deadline) {
			return 0, fmt.Errorf("manager %s not idle after %s", m.name, timeout)
		}
		select {
		case <-ctx.Done():
			return 0, ctx.Err()
		case <-time.After(250 * time.Millisecond):
		}
	}
}

// tail is the end of a log, for a failure message.
func tail(path string, lines int) string {
	data, err := os.ReadFile(path)
	if err != nil {
		return ""
	}
	all := strings.Split(strings.TrimRight(string(data), "\n"), "\n")
	return strings.Join(all[max(0, len(all)-lines):], "\n")
}
