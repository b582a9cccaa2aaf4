package bench

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"sync"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/client-go/rest"
	toolscache "k8s.io/client-go/tools/cache"
	"sigs.k8s.io/controller-runtime/pkg/cache"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/metrics"

	governancev1alpha1 "github.com/cunshe/cunshe-operator/api/v1alpha1"
	"github.com/cunshe/cunshe-operator/internal/operator"
	"github.com/cunshe/cunshe-operator/internal/writecount"
)

// controllerName is the village controller's name in the metrics.
const controllerName = "village"

// unthrottled copies cfg without a client-side rate limit, as
// ctrl.GetConfigOrDie gives the deployed manager (envtest's config allows
// 1,000 requests/s per resource).
func unthrottled(cfg *rest.Config) *rest.Config {
	cfg = rest.CopyConfig(cfg)
	cfg.QPS, cfg.Burst = -1, 0
	return cfg
}

// runningOperator is a manager started by the benchmark, with its client
// wrapped twice: writecount.Client counts every write (the figure reported),
// and counts splits them by verb and kind and notes the villages read.
type runningOperator struct {
	writes *writecount.Client
	counts *counts
	stop   context.CancelFunc
	done   chan error
}

// startOperator builds the manager exactly as the operator's binary does and
// returns once its caches are in sync and its controller is running.
func startOperator(ctx context.Context, cfg *rest.Config, concurrency int, options ...func(*operator.Options)) (*runningOperator, error) {
	host, port, certDir := env.ControlPlane.WebhookServing()
	op := &runningOperator{done: make(chan error, 1)}
	opts := operator.Options{
		MetricsAddr: "0", ProbeAddr: "0",
		WebhookHost: host, WebhookPort: port, WebhookCertDir: certDir,
		Concurrency:        concurrency,
		SkipNameValidation: true, // the benchmark starts a second manager for the resync
		WrapClient: func(c client.Client) client.Client {
			op.writes = writecount.Wrap(c)
			op.counts = newCounts(op.writes)
			return op.counts
		},
	}
	for _, o := range options {
		o(&opts)
	}
	mgr, err := operator.NewManager(cfg, opts)
	if err != nil {
		return nil, err
	}
	mctx, cancel := context.WithCancel(ctx)
	op.stop = cancel
	go func() { op.done <- mgr.Start(mctx) }()
	// The controller creates its informers when it starts; asking for them
	// here lets the wait below cover all of them. (The other tenant children
	// are observed by the village controller's own reflectors, which it
	// waits for before its workers start.)
	for _, obj := range watchedKinds() {
		if _, err := mgr.GetCache().GetInformer(mctx, obj); err != nil {
			_ = op.Stop()
			return nil, fmt.Errorf("getting the informer for %T: %w", obj, err)
		}
	}
	if !mgr.GetCache().WaitForCacheSync(mctx) {
		_ = op.Stop()
		return nil, fmt.Errorf("the manager's cache did not sync")
	}
	started := mgr.GetWebhookServer().StartedChecker()
	if err := wait.PollUntilContextTimeout(mctx, 50*time.Millisecond, time.Minute, true, func(context.Context) (bool, error) {
		return started(nil) == nil, nil
	}); err != nil {
		_ = op.Stop()
		return nil, fmt.Errorf("the manager's webhook server did not start: %w", err)
	}
	// The controller starts its workers once its sources are in sync, which
	// they now are; give it a moment.
	time.Sleep(500 * time.Millisecond)
	select {
	case err := <-op.done:
		return nil, fmt.Errorf("the manager stopped: %w", err)
	default:
	}
	return op, nil
}

// Stop stops the manager and waits for it.
func (o *runningOperator) Stop() error {
	o.stop()
	return <-o.done
}

// watchedKinds are the kinds the operator's manager caches.
func watchedKinds() []client.Object {
	return []client.Object{&governancev1alpha1.Village{}, &corev1.ConfigMap{}}
}

// waitUntilIdle waits until the village controller has nothing queued or in
// progress and the operator has made no write for quiet.
func (o *runningOperator) waitUntilIdle(ctx context.Context, quiet, timeout time.Duration) error {
	deadline := time.Now().Add(timeout)
	last, since := o.writes.Writes(), time.Now()
	for {
		if w := o.writes.Writes(); w != last {
			last, since = w, time.Now()
		}
		if controllerIdle() && time.Since(since) >= quiet {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("the operator did not settle within %s (queue %v, active %v)", timeout,
				metricSum("workqueue_depth", "name", controllerName), metricSum("controller_runtime_active_workers", "controller", controllerName))
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(250 * time.Millisecond):
		}
	}
}

func controllerIdle() bool {
	return metricSum("workqueue_depth", "name", controllerName) == 0 &&
		metricSum("controller_runtime_active_workers", "controller", controllerName) == 0
}

// reconciles is how many reconciles the village controller has finished.
func reconciles() float64 {
	return metricSum("controller_runtime_reconcile_total", "controller", controllerName)
}

// reconcileSeconds is the time the village controller's workers have spent
// in Reconcile, summed over workers.
func reconcileSeconds() float64 {
	return metricSum("controller_runtime_reconcile_time_seconds", "controller", controllerName)
}

// metricSum adds up the samples of a counter or gauge (or the sums of a
// histogram) of controller-runtime's registry whose label has the given value.
func metricSum(name, label, value string) float64 {
	families, err := metrics.Registry.Gather()
	if err != nil {
		return -1
	}
	var sum float64
	for _, f := range families {
		if f.GetName() != name {
			continue
		}
		for _, m := range f.GetMetric() {
			for _, l := range m.GetLabel() {
				if l.GetName() == label && l.GetValue() == value {
					sum += m.GetCounter().GetValue() + m.GetGauge().GetValue() + m.GetHistogram().GetSampleSum()
				}
			}
		}
	}
	return sum
}

// reconcilesByController is each controller's reconcile count and the
// seconds its workers spent reconciling, from controller-runtime's metrics:
// which controllers worked during a measured window, as "name=count/seconds".
func reconcilesByController() map[string][2]float64 {
	out := map[string][2]float64{}
	families, err := metrics.Registry.Gather()
	if err != nil {
		return out
	}
	for _, f := range families {
		name := f.GetName()
		if name != "controller_runtime_reconcile_total" && name != "controller_runtime_reconcile_time_seconds" {
			continue
		}
		for _, m := range f.GetMetric() {
			for _, l := range m.GetLabel() {
				if l.GetName() != "controller" {
					continue
				}
				v := out[l.GetValue()]
				if name == "controller_runtime_reconcile_total" {
					v[0] += m.GetCounter().GetValue()
				} else {
					v[1] += m.GetHistogram().GetSampleSum()
				}
				out[l.GetValue()] = v
			}
		}
	}
	return out
}

// reconcilesSince formats the controllers' reconciles since before, busiest first.
func reconcilesSince(before map[string][2]float64) string {
	type row struct {
		name string
		n, s float64
	}
	var rows []row
	for name, v := range reconcilesByController() {
		if n, s := v[0]-before[name][0], v[1]-before[name][1]; n > 0 {
			rows = append(rows, row{name, n, s})
		}
	}
	sort.Slice(rows, func(i, j int) bool { return rows[i].s > rows[j].s })
	parts := make([]string, len(rows))
	for i, r := range rows {
		parts[i] = fmt.Sprintf("%s=%.0f/%.1fs", r.name, r.n, r.s)
	}
	return strings.Join(parts, " ")
}

// counts records which Villages the reconciler has read (its first step),
// so the resync can tell when every village has been reconciled; the writes
// are counted, by verb and kind, by the writecount.Client it wraps.
type counts struct {
	*writecount.Client
	mu   sync.Mutex
	read map[string]bool
	// tasks are the task status writes BenchmarkTaskAudit records.
	tasks taskStatusWrites
}

func newCounts(c *writecount.Client) *counts {
	return &counts{Client: c, read: map[string]bool{}}
}

// StatusWrites is the number of writes to the status subresource.
func (c *counts) StatusWrites() int { return c.SubresourceWrites("status") }

// Unread is how many of the named Villages the reconciler has not read yet.
func (c *counts) Unread(names []string) (missing int) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, n := range names {
		if !c.read[n] {
			missing++
		}
	}
	return missing
}

// forgetReads drops the record of reads, so that a measurement of the
// manager's heap does not count the harness's bookkeeping.
func (c *counts) forgetReads() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.read = map[string]bool{}
}

func (c *counts) Get(ctx context.Context, key client.ObjectKey, obj client.Object, opts ...client.GetOption) error {
	if _, ok := obj.(*governancev1alpha1.Village); ok {
		c.mu.Lock()
		c.read[key.Name] = true
		c.mu.Unlock()
	}
	return c.Client.Get(ctx, key, obj, opts...)
}

// readyWatcher watches Villages from its own informer and notes when every
// wanted one has Ready=True.
type readyWatcher struct {
	mu     sync.Mutex
	want   map[string]bool
	ready  map[string]bool
	doneAt time.Time
	done   chan struct{}
	cancel context.CancelFunc
}

func watchReady(ctx context.Context, cfg *rest.Config, names []string) (*readyWatcher, error) {
	w := &readyWatcher{want: map[string]bool{}, ready: map[string]bool{}, done: make(chan struct{})}
	for _, n := range names {
		w.want[n] = true
	}
	cancel, err := watchKind(ctx, cfg, &governancev1alpha1.Village{}, w.observe)
	if err != nil {
		return nil, err
	}
	w.cancel = cancel
	return w, nil
}

// watchKind starts an informer of the benchmark's own on one kind, calls
// observe on every add and update, and returns once it has synced; cancel
// stops it.
func watchKind(ctx context.Context, cfg *rest.Config, obj client.Object, observe func(any)) (context.CancelFunc, error) {
	c, err := cache.New(cfg, cache.Options{Scheme: operator.Scheme(), ByObject: map[client.Object]cache.ByObject{obj: {}}})
	if err != nil {
		return nil, err
	}
	ctx, cancel := context.WithCancel(ctx)
	inf, err := c.GetInformer(ctx, obj)
	if err != nil {
		cancel()
		return nil, err
	}
	if _, err := inf.AddEventHandler(toolscache.ResourceEventHandlerFuncs{
		AddFunc:    observe,
		UpdateFunc: func(_, obj any) { observe(obj) },
	}); err != nil {
		cancel()
		return nil, err
	}
	go func() { _ = c.Start(ctx) }()
	if !c.WaitForCacheSync(ctx) {
		cancel()
		return nil, fmt.Errorf("the %T watch did not sync", obj)
	}
	return cancel, nil
}

func (w *readyWatcher) observe(obj any) {
	v, ok := obj.(*governancev1alpha1.Village)
	if !ok || !w.want[v.Name] {
		return
	}
	now := time.Now()
	w.mu.Lock()
	defer w.mu.Unlock()
	if !w.doneAt.IsZero() {
		return
	}
	if meta.IsStatusConditionTrue(v.Status.Conditions, governancev1alpha1.ReadyCondition) {
		w.ready[v.Name] = true
	} else {
		delete(w.ready, v.Name)
	}
	if len(w.ready) == len(w.want) {
		w.doneAt = now
		close(w.done)
	}
}

// Ready is how many wanted villages are Ready.
func (w *readyWatcher) Ready() int {
	w.mu.Lock()
	defer w.mu.Unlock()
	return len(w.ready)
}

// Wait returns when every wanted village was Ready, or an error after timeout.
func (w *readyWatcher) Wait(ctx context.Context, timeout time.Duration, progress func()) (time.Time, error) {
	deadline := time.After(timeout)
	tick := time.NewTicker(10 * time.Second)
	defer tick.Stop()
	for {
		select {
		case <-w.done:
			w.mu.Lock()
			defer w.mu.Unlock()
			return w.doneAt, nil
		case <-tick.C:
			progress()
		case <-deadline:
			return time.Time{}, fmt.Errorf("only %d of %d villages were Ready after %s", w.Ready(), len(w.want), timeout)
		case <-ctx.Done():
			return time.Time{}, ctx.Err()
		}
	}
}

func (w *readyWatcher) Stop() { w.cancel() }
