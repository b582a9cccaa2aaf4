package bench

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"sort"
	"strconv"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
	"sigs.k8s.io/controller-runtime/pkg/client"
)

// waitForControllerManager waits until kube-controller-manager has caught up
// with every namespace created so far: each has its default ServiceAccount
// and kube-root-ca.crt ConfigMap, and every ResourceQuota has a status. It
// trails on purpose (20 requests/s per controller, ~3 minutes for 3,685
// namespaces); a phase started before it caught up would share the machine
// with the previous phase's trail.
func waitForControllerManager(ctx context.Context, c client.Client, timeout time.Duration) (time.Duration, error) {
	start := time.Now()
	deadline := start.Add(timeout)
	for {
		state, done, err := controllerManagerBacklog(ctx, c)
		if err != nil {
			return time.Since(start), err
		}
		if done {
			return time.Since(start), nil
		}
		if time.Now().After(deadline) {
			return time.Since(start), fmt.Errorf("kube-controller-manager did not catch up within %s: %s", timeout, state)
		}
		select {
		case <-ctx.Done():
			return time.Since(start), ctx.Err()
		case <-time.After(3 * time.Second):
		}
	}
}

func controllerManagerBacklog(ctx context.Context, c client.Client) (string, bool, error) {
	count := func(kind string, opts ...client.ListOption) (int, error) {
		list := &metav1.PartialObjectMetadataList{}
		list.SetGroupVersionKind(corev1.SchemeGroupVersion.WithKind(kind + "List"))
		if err := c.List(ctx, list, opts...); err != nil {
			return 0, fmt.Errorf("listing %s: %w", kind, err)
		}
		return len(list.Items), nil
	}
	namespaces, err := count("Namespace")
	if err != nil {
		return "", false, err
	}
	accounts, err := count("ServiceAccount", client.MatchingFields{"metadata.name": "default"})
	if err != nil {
		return "", false, err
	}
	rootCAs, err := count("ConfigMap", client.MatchingFields{"metadata.name": "kube-root-ca.crt"})
	if err != nil {
		return "", false, err
	}
	quotas := &corev1.ResourceQuotaList{}
	if err := c.List(ctx, quotas); err != nil {
		return "", false, fmt.Errorf("listing ResourceQuotas: %w", err)
	}
	unsynced := 0
	for _, q := range quotas.Items {
		if len(q.Status.Hard) == 0 {
			unsynced++
		}
	}
	state := fmt.Sprintf("namespaces=%d default-serviceaccounts=%d root-ca-configmaps=%d quotas-without-status=%d",
		namespaces, accounts, rootCAs, unsynced)
	return state, accounts >= namespaces && rootCAs >= namespaces && unsynced == 0, nil
}

// cpuSample is the CPU time used so far by this process (the benchmark and
// the operator's manager), by its child processes (etcd, kube-apiserver,
// kube-controller-manager) and by the whole machine.
type cpuSample struct {
	at        time.Time
	processes map[string]time.Duration
	busy      time.Duration // all CPUs, everyone's work
}

// clockTick is Linux's USER_HZ, the unit of /proc's CPU times.
const clockTick = 10 * time.Millisecond

func sampleCPU() cpuSample {
	s := cpuSample{at: time.Now(), processes: map[string]time.Duration{}}
	self := strconv.Itoa(os.Getpid())
	if _, cpu, ok := procStat("self"); ok {
		s.processes["bench+operator"] = cpu
	}
	entries, _ := os.ReadDir("/proc")
	for _, e := range entries {
		if _, err := strconv.Atoi(e.Name()); err != nil {
			continue
		}
		if fields, cpu, ok := procStat(e.Name()); ok && fields[1] == self {
			s.processes[fields[len(fields)-1]] += cpu
		}
	}
	if data, err := os.ReadFile("/proc/stat"); err == nil {
		line, _, _ := bytes.Cut(data, []byte("\n"))
		fields := strings.Fields(string(line))
		for i, f := range fields[1:] {
			if i == 3 || i == 4 { // idle, iowait
				continue
			}
			n, _ := strconv.ParseInt(f, 10, 64)
			s.busy += time.Duration(n) * clockTick
		}
	}
	return s
}

// procStat reads /proc/<pid>/stat: the fields after the command name (state,
// ppid, …) with the command name appended, and the CPU time used.
func procStat(pid string) ([]string, time.Duration, bool) {
	data, err := os.ReadFile("/proc/" + pid + "/stat")
	if err != nil {
		return nil, 0, false
	}
	open, end := bytes.IndexByte(data, '('), bytes.LastIndexByte(data, ')')
	if open < 0 || end < open || end+2 > len(data) {
		return nil, 0, false
	}
	fields := strings.Fields(string(data[end+2:]))
	if len(fields) < 13 {
		return nil, 0, false
	}
	utime, _ := strconv.ParseInt(fields[11], 10, 64)
	stime, _ := strconv.ParseInt(fields[12], 10, 64)
	return append(fields, string(data[open+1:end])), time.Duration(utime+stime) * clockTick, true
}

// cpuUse is the CPU used during a phase, in cores (CPU seconds per wall second).
type cpuUse struct {
	text string
	// ours is what this process and the control plane used; others is what
	// the rest of a shared machine used.
	ours, others float64
	wall         time.Duration
}

// String reads e.g. "kube-apiserver=1.12 etcd=0.31 … others=0.05 machine=1.95/2".
func (u cpuUse) String() string { return u.text }

// coreSeconds is the CPU time this process and the control plane used.
func (u cpuUse) coreSeconds() float64 { return u.ours * u.wall.Seconds() }

func cpuSince(before cpuSample) cpuUse {
	now := sampleCPU()
	u := cpuUse{wall: now.at.Sub(before.at)}
	names := make([]string, 0, len(now.processes))
	for n := range now.processes {
		names = append(names, n)
	}
	sort.Strings(names)
	parts := make([]string, 0, len(names)+1)
	for _, n := range names {
		cores := (now.processes[n] - before.processes[n]).Seconds() / u.wall.Seconds()
		u.ours += cores
		parts = append(parts, fmt.Sprintf("%s=%.2f", n, cores))
	}
	machine := (now.busy - before.busy).Seconds() / u.wall.Seconds()
	u.others = max(0, machine-u.ours)
	parts = append(parts, fmt.Sprintf("others=%.2f machine=%.2f/%d", u.others, machine, numCPU()))
	u.text = strings.Join(parts, " ")
	return u
}

func numCPU() int {
	data, err := os.ReadFile("/proc/stat")
	if err != nil {
		return 0
	}
	n := 0
	for _, line := range strings.Split(string(data), "\n") {
		if strings.HasPrefix(line, "cpu") && !strings.HasPrefix(line, "cpu ") {
			n++
		}
	}
	return n
}

// apiserverCounts reads the apiserver's request and watch-event counters:
// "POST namespaces" → n, "watch-events Namespace" → n.
func apiserverCounts(ctx context.Context, cs kubernetes.Interface) (map[string]float64, error) {
	data, err := cs.CoreV1().RESTClient().Get().AbsPath("/metrics").DoRaw(ctx)
	if err != nil {
		return nil, fmt.Errorf("reading the apiserver's metrics: %w", err)
	}
	out := map[string]float64{}
	for _, line := range strings.Split(string(data), "\n") {
		var key string
		switch {
		case strings.HasPrefix(line, "apiserver_request_total{"):
			l := promLabels(line)
			key = l["verb"] + " " + l["resource"]
			if l["subresource"] != "" {
				key += "/" + l["subresource"]
			}
		case strings.HasPrefix(line, "apiserver_watch_events_total{"):
			l := promLabels(line)
			key = "watch-events " + l["kind"] + l["resource"] // the label's name changed across releases
		default:
			continue
		}
		v, err := strconv.ParseFloat(line[strings.LastIndexByte(line, ' ')+1:], 64)
		if err == nil {
			out[key] += v
		}
	}
	return out, nil
}

// promLabels parses the labels of one line of Prometheus' text format.
func promLabels(line string) map[string]string {
	out := map[string]string{}
	start, end := strings.IndexByte(line, '{'), strings.LastIndexByte(line, '}')
	if start < 0 || end < start {
		return out
	}
	for _, pair := range strings.Split(line[start+1:end], ",") {
		k, v, ok := strings.Cut(pair, "=")
		if ok {
			out[k] = strings.Trim(v, `"`)
		}
	}
	return out
}

// countsSince describes what the apiserver served since before: requests by
// verb and resource, and watch events by kind, largest first, leaving out
// anything under min.
func countsSince(ctx context.Context, cs kubernetes.Interface, before map[string]float64, min float64) string {
	now, err := apiserverCounts(ctx, cs)
	if err != nil {
		return err.Error()
	}
	type entry struct {
		key string
		n   float64
	}
	var entries []entry
	var requests, events float64
	for k, v := range now {
		d := v - before[k]
		if strings.HasPrefix(k, "watch-events ") {
			events += d
		} else {
			requests += d
		}
		if d >= min {
			entries = append(entries, entry{k, d})
		}
	}
	sort.Slice(entries, func(i, j int) bool { return entries[i].n > entries[j].n })
	parts := []string{fmt.Sprintf("requests=%.0f watch-events=%.0f", requests, events)}
	for _, e := range entries {
		parts = append(parts, fmt.Sprintf("%q=%.0f", e.key, e.n))
	}
	return strings.Join(parts, " ")
}
