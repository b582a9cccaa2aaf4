package webhookbench

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"os"
	"runtime/pprof"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	admissionv1 "k8s.io/api/admissionregistration/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/client-go/rest"
	"k8s.io/utils/ptr"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	ctrlconfig "sigs.k8s.io/controller-runtime/pkg/config"
	metricsserver "sigs.k8s.io/controller-runtime/pkg/metrics/server"
	"sigs.k8s.io/controller-runtime/pkg/webhook"
	"sigs.k8s.io/controller-runtime/pkg/webhook/admission"

	governancev1alpha1 "github.com/cunshe/cunshe-operator/api/v1alpha1"
	"github.com/cunshe/cunshe-operator/internal/listindex"
	"github.com/cunshe/cunshe-operator/internal/operator"
	"github.com/cunshe/cunshe-operator/internal/webhooks"
)

const (
	// taskWebhook is the operator's validating task webhook, as generated.
	taskWebhook = "vtask.governance.cunshe.io"
	// noopWebhook and noopPath are the floor: a validating webhook on the
	// same server that allows everything.
	noopWebhook = "noop.bench.cunshe.io"
	noopPath    = "/bench-noop"
)

func BenchmarkWebhook(b *testing.B) {
	ctx := context.Background()
	c, err := client.New(unthrottled(env.Config), client.Options{Scheme: operator.Scheme()})
	if err != nil {
		b.Fatal(err)
	}
	idx, stop, err := startWebhooks(ctx)
	if err != nil {
		b.Fatal(err)
	}
	defer stop()
	start := time.Now()
	villages, err := seed(ctx, c)
	if err != nil {
		b.Fatal(err)
	}
	logf("seeded %d villages, %d items and revision 1 in %s", len(villages), items, time.Since(start).Round(time.Second))
	if err := splitArms(ctx, c); err != nil {
		b.Fatal(err)
	}
	if err := waitForIndex(ctx, idx, len(villages)); err != nil {
		b.Fatal(err)
	}
	if err := checkArms(ctx, c); err != nil {
		b.Fatal(err)
	}
	tasks := newTasks(villages)

	for b.Loop() {
		for _, clients := range concurrencies() {
			requests := requestsPerRound(clients)
			rules, noop := &arm{name: "rules", namespace: rulesNamespace}, &arm{name: "noop", namespace: noopNamespace}
			// Warm up: connections, informers started on first read, memoised revisions.
			for _, a := range []*arm{rules, noop} {
				if _, err := a.round(ctx, c, tasks, clients, requests/2); err != nil {
					b.Fatal(err)
				}
			}
			stopProfile := profile(b, clients)
			for r := range rounds() {
				order := []*arm{rules, noop}
				if r%2 == 1 {
					order = []*arm{noop, rules}
				}
				for _, a := range order {
					cpu := clusterCPU()
					lat, err := a.round(ctx, c, tasks, clients, requests)
					if err != nil {
						b.Fatal(err)
					}
					a.cpu += clusterCPU() - cpu
					a.latencies = append(a.latencies, lat...)
					a.roundP99 = append(a.roundP99, percentile(lat, 0.99))
				}
			}
			stopProfile()
			report(clients, rules, noop)
		}
	}
}

// startWebhooks serves the operator's webhooks exactly as its manager does
// (same cache options, same index, same handlers) and the no-op webhook
// beside them, on the address the installed configurations call. No
// controller runs: nothing rewrites the statuses the benchmark seeds.
func startWebhooks(ctx context.Context) (*listindex.Index, func(), error) {
	host, port, certDir := env.ControlPlane.WebhookServing()
	mgr, err := ctrl.NewManager(env.Config, ctrl.Options{
		Scheme: operator.Scheme(), Cache: operator.CacheOptions(),
		Metrics: metricsserver.Options{BindAddress: "0"}, HealthProbeBindAddress: "0",
		Controller:    ctrlconfig.Controller{SkipNameValidation: ptr.To(true)},
		WebhookServer: webhook.NewServer(webhook.Options{Host: host, Port: port, CertDir: certDir}),
	})
	if err != nil {
		return nil, nil, err
	}
	idx, err := listindex.New(ctx, mgr)
	if err != nil {
		return nil, nil, err
	}
	if err := webhooks.Setup(ctx, mgr, idx, time.Now, nil); err != nil {
		return nil, nil, err
	}
	mgr.GetWebhookServer().Register(noopPath, &webhook.Admission{Handler: admission.HandlerFunc(
		func(context.Context, admission.Request) admission.Response { return admission.Allowed("") })})
	mctx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() { _ = mgr.Start(mctx); close(done) }() // ended by stop: its error says nothing
	stop := func() { cancel(); <-done }
	if !mgr.GetCache().WaitForCacheSync(mctx) {
		stop()
		return nil, nil, errors.New("the cache did not sync")
	}
	started := mgr.GetWebhookServer().StartedChecker()
	if err := wait.PollUntilContextTimeout(mctx, 50*time.Millisecond, time.Minute, true, func(context.Context) (bool, error) {
		return started(nil) == nil, nil
	}); err != nil {
		stop()
		return nil, nil, fmt.Errorf("the webhook server did not start: %w", err)
	}
	return idx, stop, nil
}

// splitArms points the operator's validating task webhook at the rules
// arm's namespace only and adds the no-op webhook for the other arm, served
// by the same server. The mutating task webhook stays on both.
func splitArms(ctx context.Context, c client.Client) error {
	list := &admissionv1.ValidatingWebhookConfigurationList{}
	if err := c.List(ctx, list); err != nil {
		return err
	}
	for i := range list.Items {
		cfg := &list.Items[i]
		at := slices.IndexFunc(cfg.Webhooks, func(w admissionv1.ValidatingWebhook) bool { return w.Name == taskWebhook })
		if at < 0 {
			continue
		}
		real := &cfg.Webhooks[at]
		if real.ClientConfig.URL == nil {
			return fmt.Errorf("webhook %s has no URL; envtest installs webhooks by URL", taskWebhook)
		}
		noop := *real.DeepCopy()
		u, err := url.Parse(*real.ClientConfig.URL)
		if err != nil {
			return err
		}
		u.Path = noopPath
		noop.Name, noop.ClientConfig.URL = noopWebhook, ptr.To(u.String())
		noop.NamespaceSelector = &metav1.LabelSelector{MatchLabels: map[string]string{armLabel: "noop"}}
		real.NamespaceSelector = &metav1.LabelSelector{MatchLabels: map[string]string{armLabel: "rules"}}
		cfg.Webhooks = append(cfg.Webhooks, noop)
		return c.Update(ctx, cfg)
	}
	return fmt.Errorf("no ValidatingWebhookConfiguration holds %s", taskWebhook)
}

// waitForIndex waits until the webhooks' village index holds every village
// at revision 1.
func waitForIndex(ctx context.Context, idx *listindex.Index, villages int) error {
	return wait.PollUntilContextTimeout(ctx, 200*time.Millisecond, 2*time.Minute, true, func(context.Context) (bool, error) {
		groups, _ := idx.Villages.TargetVillages(governancev1alpha1.TaskTargets{All: true})
		n := 0
		for _, g := range groups {
			if g.Revision == 1 {
				n += g.Count
			}
		}
		return n == villages, nil
	})
}

// checkArms waits until each arm reaches its own webhook: an unlisted task
// is refused (S1) where the rules decide and admitted where the no-op does,
// and a listed task is admitted in both.
func checkArms(ctx context.Context, c client.Client) error {
	var last error
	err := wait.PollUntilContextTimeout(ctx, 250*time.Millisecond, time.Minute, true, func(context.Context) (bool, error) {
		unlisted := task(rulesNamespace, "check-unlisted", "not-on-the-lists", governancev1alpha1.TaskTargets{All: true})
		if err := c.Create(ctx, unlisted, client.DryRunAll); err == nil || !strings.Contains(err.Error(), "S1 ") {
			last = fmt.Errorf("the rules arm did not refuse an unlisted task (S1): %v", err)
			return false, nil
		}
		unlisted.Namespace = noopNamespace
		if last = c.Create(ctx, unlisted, client.DryRunAll); last != nil {
			return false, nil
		}
		if unlisted.Labels[governancev1alpha1.LabelDepartment] != department {
			last = errors.New("the mutating task webhook did not label the no-op arm's task")
			return false, nil
		}
		listed := task(rulesNamespace, "check-listed", itemName(0), governancev1alpha1.TaskTargets{All: true})
		last = c.Create(ctx, listed, client.DryRunAll)
		return last == nil, nil
	})
	if err != nil {
		return fmt.Errorf("the arms are not wired as intended: %w (last: %v)", err, last)
	}
	return nil
}

// tasks are the three shapes the benchmark sends in turn: citywide, one
// county, and 50 villages across the city.
type tasks []governancev1alpha1.TaskTargets

func newTasks(villages []governancev1alpha1.Village) tasks {
	var fifty []string
	for i := 0; len(fifty) < 50; i += len(villages) / 50 {
		fifty = append(fifty, villages[i].Name)
	}
	return tasks{{All: true}, {Counties: []string{"330302"}}, {Villages: fifty}}
}

func task(namespace, name, item string, targets governancev1alpha1.TaskTargets) *governancev1alpha1.Task {
	return &governancev1alpha1.Task{
		ObjectMeta: metav1.ObjectMeta{Namespace: namespace, Name: name},
		Spec: governancev1alpha1.TaskSpec{Type: governancev1alpha1.TaskWork, Title: "2026年统计调查入户协助", ItemRef: item,
			VillageRole: governancev1alpha1.RoleAssist, Targets: targets, Due: "2026-12-31"},
	}
}

// arm is one namespace's requests and their latencies.
type arm struct {
	name, namespace string
	latencies       []time.Duration
	// cpu is the CPU time this process and the control plane used during
	// the arm's rounds; only the webhook server's part differs by arm.
	cpu time.Duration
	// roundP99 is each round's p99, to compare the arms round by round.
	roundP99 []time.Duration
}

// pairedRatio is the median over rounds of the rules arm's p99 over the
// no-op arm's in the same round: each pair ran back to back, so a burst of
// other work on the machine moves one pair, not the figure.
func pairedRatio(rules, noop *arm) float64 {
	ratios := make([]float64, len(rules.roundP99))
	for i := range ratios {
		ratios[i] = ms(rules.roundP99[i]) / ms(noop.roundP99[i])
	}
	slices.Sort(ratios)
	if n := len(ratios); n%2 == 0 {
		return (ratios[n/2-1] + ratios[n/2]) / 2
	}
	return ratios[len(ratios)/2]
}

// round sends requests dry-run creates from clients goroutines.
func (a *arm) round(ctx context.Context, c client.Client, shapes tasks, clients, requests int) ([]time.Duration, error) {
	lat := make([]time.Duration, requests)
	var next atomic.Int64
	var failed atomic.Pointer[error]
	var wg sync.WaitGroup
	for range clients {
		wg.Go(func() {
			for i := int(next.Add(1) - 1); i < requests && failed.Load() == nil; i = int(next.Add(1) - 1) {
				t := task(a.namespace, "bench-"+strconv.Itoa(i), itemName(i), shapes[i%len(shapes)])
				start := time.Now()
				err := c.Create(ctx, t, client.DryRunAll)
				lat[i] = time.Since(start)
				if err != nil {
					err = fmt.Errorf("%s arm: %w", a.name, err)
					failed.CompareAndSwap(nil, &err)
				}
			}
		})
	}
	wg.Wait()
	if err := failed.Load(); err != nil {
		return nil, *err
	}
	return lat, nil
}

func report(clients int, rules, noop *arm) {
	p50, p99 := percentile(rules.latencies, 0.50), percentile(rules.latencies, 0.99)
	n50, n99 := percentile(noop.latencies, 0.50), percentile(noop.latencies, 0.99)
	perRequest := func(a *arm) float64 { return float64(a.cpu.Microseconds()) / float64(len(a.latencies)) }
	fmt.Printf("webhook clients=%d p50_ms=%.2f p99_ms=%.2f noop_p50_ms=%.2f noop_p99_ms=%.2f p99_ratio=%.2f paired_p99_ratio=%.2f requests=%d cpu_us=%.0f noop_cpu_us=%.0f cpu_ratio=%.2f\n",
		clients, ms(p50), ms(p99), ms(n50), ms(n99), ms(p99)/ms(n99), pairedRatio(rules, noop), len(rules.latencies),
		perRequest(rules), perRequest(noop), perRequest(rules)/perRequest(noop))
}

func percentile(d []time.Duration, p float64) time.Duration {
	s := slices.Clone(d)
	slices.Sort(s)
	i := int(float64(len(s))*p+0.5) - 1
	return s[min(max(i, 0), len(s)-1)]
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

func concurrencies() []int {
	var out []int
	for _, f := range strings.Split(envOr("BENCH_WEBHOOK_CLIENTS", "50,200"), ",") {
		if n, err := strconv.Atoi(strings.TrimSpace(f)); err == nil && n > 0 {
			out = append(out, n)
		}
	}
	return out
}

// rounds are many and short, so that the arms alternate faster than other
// work on a shared machine comes and goes.
func rounds() int { return atoiOr("BENCH_WEBHOOK_ROUNDS", 12) }

func requestsPerRound(clients int) int {
	return atoiOr("BENCH_WEBHOOK_REQUESTS", max(500, 5*clients))
}

// clusterCPU is the CPU time used by this process (the clients and the
// webhook server) and its children (etcd, kube-apiserver,
// kube-controller-manager), user and system, from /proc.
func clusterCPU() time.Duration {
	self := strconv.Itoa(os.Getpid())
	total := procCPU("self")
	entries, _ := os.ReadDir("/proc")
	for _, e := range entries {
		if _, err := strconv.Atoi(e.Name()); err != nil {
			continue
		}
		if ppid, _ := procField(e.Name(), 1); ppid == self {
			total += procCPU(e.Name())
		}
	}
	return total
}

// clockTick is Linux's USER_HZ, the unit of /proc's CPU times.
const clockTick = 10 * time.Millisecond

func procCPU(pid string) time.Duration {
	utime, _ := procField(pid, 11)
	stime, _ := procField(pid, 12)
	u, _ := strconv.ParseInt(utime, 10, 64)
	st, _ := strconv.ParseInt(stime, 10, 64)
	return time.Duration(u+st) * clockTick
}

// procField is field i of /proc/<pid>/stat counted after the command name
// (0 is the state, 1 the parent's pid, 11 and 12 user and system time).
func procField(pid string, i int) (string, bool) {
	data, err := os.ReadFile("/proc/" + pid + "/stat")
	if err != nil {
		return "", false
	}
	end := strings.LastIndexByte(string(data), ')')
	if end < 0 || end+2 > len(data) {
		return "", false
	}
	fields := strings.Fields(string(data[end+2:]))
	if i >= len(fields) {
		return "", false
	}
	return fields[i], true
}

func envOr(name, def string) string {
	if v := os.Getenv(name); v != "" {
		return v
	}
	return def
}

func atoiOr(name string, def int) int {
	if n, err := strconv.Atoi(os.Getenv(name)); err == nil && n > 0 {
		return n
	}
	return def
}

// profile starts a CPU profile of this process when BENCH_CPUPROFILE names
// a file (suffixed with the concurrency), and returns its stop.
func profile(b *testing.B, clients int) func() {
	path := os.Getenv("BENCH_CPUPROFILE")
	if path == "" {
		return func() {}
	}
	f, err := os.Create(fmt.Sprintf("%s.%d", path, clients))
	if err != nil {
		b.Fatal(err)
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		b.Fatal(err)
	}
	return func() { pprof.StopCPUProfile(); _ = f.Close() }
}

// unthrottled copies cfg without a client-side rate limit: the load is the
// clients', not client-go's.
func unthrottled(cfg *rest.Config) *rest.Config {
	cfg = rest.CopyConfig(cfg)
	cfg.QPS, cfg.Burst = -1, 0
	return cfg
}

// logf prints progress as it happens (b.Log would hold it until the end).
func logf(format string, args ...any) {
	fmt.Printf("bench: "+format+"\n", args...)
}
