package bench

import (
	"context"
	"fmt"
	"os"
	"slices"
	"sync"
	"testing"
	"time"

	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/rest"
	"sigs.k8s.io/controller-runtime/pkg/client"

	governancev1alpha1 "github.com/cunshe/cunshe-operator/api/v1alpha1"
	"github.com/cunshe/cunshe-operator/config"
	"github.com/cunshe/cunshe-operator/internal/divisions"
	"github.com/cunshe/cunshe-operator/internal/operator"
)

// auditController is the task audit's name in the metrics.
const auditController = "taskaudit"

// auditFloorWorkers are the concurrencies the floor tries; the best counts.
var auditFloorWorkers = []int{64, 256}

// BenchmarkTaskAudit measures the continuous audit at scale (S7): 10,000
// live tasks of 3,685 villages under 50 published items, then one item
// retires and a revision is cut. The figure is the time from the
// retirement until every task that cites the item reads NonCompliant,
// against a bare client writing the same number of task statuses at its
// best concurrency in the same run; with the operator's status writes to
// tasks (only those whose standing changed may be written: writes to the
// others are counted apart, target 0), the CPU the control plane and the
// operator used meanwhile, and how long until the audit was idle again
// (the new revision and the rollout re-read every task). It needs its own
// control plane: `BENCH_ONLY=audit make bench`, or
//
//	go test ./test/bench/ -run '^$' -bench '^BenchmarkTaskAudit$' -benchtime 1x -timeout 60m -count=1 -v
//
// BENCH_AUDIT_TASKS, BENCH_AUDIT_ITEMS and BENCH_VILLAGES scale it down for a
// smoke run.
func BenchmarkTaskAudit(b *testing.B) {
	b.StopTimer()
	ctx := b.Context()
	cfg := unthrottled(env.Config)
	c, err := client.New(cfg, client.Options{Scheme: operator.Scheme()})
	if err != nil {
		b.Fatal(err)
	}
	villages, err := divisions.Parse(config.SampleDivisions())
	if err != nil {
		b.Fatal(err)
	}
	if limit := envInt("BENCH_VILLAGES", 0); limit > 0 && limit < len(villages) {
		villages = villages[:limit]
	}
	a := &auditBench{rolloutBench: rolloutBench{b: b, ctx: ctx, c: c}, cfg: cfg, villages: villages,
		taskCount: envInt("BENCH_AUDIT_TASKS", 10000), itemCount: envInt("BENCH_AUDIT_ITEMS", 50)}
	op := a.prepare()
	res := a.measure(op)
	if err := op.Stop(); err != nil {
		b.Fatal(err)
	}
	res.floor, res.floorWorkers = a.floor(res.affected)

	b.ReportMetric(res.seconds, "seconds")
	b.ReportMetric(res.floor, "floor_seconds")
	b.ReportMetric(res.seconds/res.floor, "ratio")
	b.ReportMetric(float64(res.unaffectedWrites), "unaffected_writes")
	fmt.Printf("audit tasks=%d villages=%d items=%d affected=%d seconds=%.2f floor_seconds=%.2f ratio=%.2f acked_seconds=%.2f acked_ratio=%.2f status_writes=%d unaffected_writes=%d "+
		"cpu_core_seconds=%.1f settle_seconds=%.1f floor_concurrency=%d target_ratio=1.5 target_unaffected_writes=0\n",
		a.taskCount, len(villages), a.itemCount, len(res.affected), res.seconds, res.floor, res.seconds/res.floor, res.acked, res.acked/res.floor,
		res.statusWrites, res.unaffectedWrites, res.cpu.coreSeconds(), res.settle, res.floorWorkers)
	logf("audit cpu during the measured run: %s", res.cpu)
	if res.unaffectedWrites != 0 {
		b.Errorf("the audit wrote the status of %d tasks whose standing did not change, want 0", res.unaffectedWrites)
	}
}

type auditBench struct {
	rolloutBench
	cfg       *rest.Config
	villages  []governancev1alpha1.Village
	taskCount int
	itemCount int
	// itemNames are the published items, in order of creation.
	itemNames []string
}

type auditResult struct {
	affected        []types.NamespacedName
	seconds, settle float64
	// acked: until the API server acknowledged the last of the writes that
	// turned the affected tasks NonCompliant (as the floor is timed).
	acked            float64
	floor            float64
	floorWorkers     int
	statusWrites     int
	unaffectedWrites int
	cpu              cpuUse
}

// prepare provisions the villages, publishes the items to all of them,
// creates the tasks through admission and waits until the audit has
// looked at every one and is idle: the city at rest, the operator running.
func (a *auditBench) prepare() *runningOperator {
	b, ctx := a.b, a.ctx
	// As deployed: a retirement's revision is cut once the lists have been
	// still for --revision-settle, and its rollout begins then.
	op, err := startOperator(ctx, a.cfg, operator.DefaultConcurrency, func(o *operator.Options) { o.RevisionSettle = operator.DefaultRevisionSettle })
	if err != nil {
		b.Fatal(err)
	}
	a.seed()
	if _, err := operator.CreateVillages(ctx, a.c, a.villages, createWorkers); err != nil {
		b.Fatal(err)
	}
	names := make([]string, len(a.villages))
	for i, v := range a.villages {
		names[i] = v.Name
	}
	a.waitReady(names)
	for range a.itemCount {
		a.publishNewItem()
		a.itemNames = append(a.itemNames, fmt.Sprintf("bench-item-%d", a.items))
	}
	a.ensureRollout()
	rev := a.revisionHolding(a.itemNames)
	a.waitRollout(rev, len(a.villages))
	a.waitAdmissionAgrees(rev)
	logf("audit: %d villages hold revision %d with %d items", len(a.villages), rev, a.itemCount)

	start := time.Now()
	if err := forEach(ctx, a.taskCount, 64, func(i int) error { return a.c.Create(ctx, a.task(i)) }); err != nil {
		b.Fatal(err)
	}
	logf("audit: %d tasks admitted in %.1fs", a.taskCount, time.Since(start).Seconds())
	a.every(2*time.Second, func() bool { return a.audited() == a.taskCount }, "the audit of %d tasks", a.taskCount)
	if err := waitControllerIdle(ctx, auditController, quiet, settleTimeout, op); err != nil {
		b.Fatal(err)
	}
	logf("audit: every task audited %.1fs after the first was created", time.Since(start).Seconds())
	return op
}

// task is the i-th task: under item i mod items, for three neighbouring
// villages, or every tenth for a county, as departments assign work.
func (a *auditBench) task(i int) *governancev1alpha1.Task {
	targets := governancev1alpha1.TaskTargets{}
	if v := a.villages[i%len(a.villages)]; i%10 == 9 {
		targets.Counties = []string{v.Spec.County.Code}
	} else {
		for k := range 3 {
			targets.Villages = append(targets.Villages, a.villages[(i+k)%len(a.villages)].Name)
		}
	}
	return &governancev1alpha1.Task{
		ObjectMeta: metav1.ObjectMeta{Namespace: "dept-tjj", Name: fmt.Sprintf("audit-%05d", i)},
		Spec: governancev1alpha1.TaskSpec{Type: governancev1alpha1.TaskWork, Title: fmt.Sprintf("统计调查入户协助 %d", i),
			ItemRef: a.itemNames[i%len(a.itemNames)], VillageRole: governancev1alpha1.RoleAssist, Targets: targets, Due: "2026-12-31"},
	}
}

// audited counts the tasks the audit has given a phase.
func (a *auditBench) audited() int {
	list := &governancev1alpha1.TaskList{}
	if err := a.c.List(a.ctx, list, client.InNamespace("dept-tjj")); err != nil {
		return -1
	}
	n := 0
	for _, t := range list.Items {
		if t.Status.Phase != "" {
			n++
		}
	}
	return n
}

// measure retires the first item and times the audit until every task
// citing it reads NonCompliant, then waits until it is idle again.
func (a *auditBench) measure(op *runningOperator) auditResult {
	b, ctx := a.b, a.ctx
	retired := a.itemNames[0]
	w, err := watchNonCompliant(ctx, a.cfg, retired)
	if err != nil {
		b.Fatal(err)
	}
	defer w.Stop()
	retiredAt := watchRetired(ctx, b, a.cfg, retired)
	var res auditResult
	writes := op.counts.watchTaskStatus()
	errorsBefore := metricSum("controller_runtime_reconcile_errors_total", "controller", auditController)
	reconcileBefore := metricSum("controller_runtime_reconcile_time_seconds", "controller", auditController)
	queuedBefore := metricSum("workqueue_queue_duration_seconds", "name", auditController)
	cpu := sampleCPU()
	stopProfile := startProfile(b) // BENCH_CPUPROFILE: from the retirement until every affected task reads NonCompliant
	apiserverProfiled := profileAPIServer(b, a.cfg, os.Getenv("BENCH_APISERVER_PROFILE"), 1)
	before := op.writes.Snapshot()
	b.StartTimer()
	start := time.Now()
	today := time.Now().In(time.FixedZone("CST", 8*3600)).Format(time.DateOnly)
	patch := fmt.Sprintf(`{"spec":{"retirement":{"reason":"统计调查改由调查员直接入户，不再需要村（社区）协助","effective":%q}}}`, today)
	if err := a.c.Patch(ctx, &governancev1alpha1.ListItem{ObjectMeta: metav1.ObjectMeta{Name: retired}}, client.RawPatch(types.MergePatchType, []byte(patch))); err != nil {
		b.Fatal(err)
	}
	end, affected, err := w.Wait(ctx, settleTimeout)
	b.StopTimer()
	stopProfile()
	if err != nil {
		b.Fatal(err)
	}
	res.cpu = cpuSince(cpu)
	res.seconds, res.affected = end.Sub(start).Seconds(), affected
	logf("audit: the operator's writes until every affected task read NonCompliant: %s", op.writes.SummarySince(before))
	// The revision the retirement cuts, and its rollout, re-read every task.
	a.waitRollout(a.latestRevision(), len(a.villages))
	if err := waitControllerIdle(ctx, auditController, quiet, settleTimeout, op); err != nil {
		b.Fatal(err)
	}
	res.settle = time.Since(start).Seconds() - quiet.Seconds()
	apiserverProfiled()
	written := writes()
	isAffected := map[types.NamespacedName]bool{}
	for _, k := range affected {
		isAffected[k] = true
	}
	var acked []float64
	for key, tw := range written {
		res.statusWrites += tw.n
		if !isAffected[key] {
			res.unaffectedWrites += tw.n
		} else if !tw.firstAcked.IsZero() {
			acked = append(acked, tw.firstAcked.Sub(start).Seconds())
		}
	}
	slices.Sort(acked)
	if len(acked) > 0 {
		res.acked = acked[len(acked)-1]
		logf("audit: the affected tasks' writes acknowledged after %.2fs (half of them), %.2fs (nine in ten); the audit's reconcile errors meanwhile: %.0f, "+
			"seconds reconciling %.1f, seconds queued %.1f",
			acked[len(acked)/2], acked[len(acked)*9/10], metricSum("controller_runtime_reconcile_errors_total", "controller", auditController)-errorsBefore,
			metricSum("controller_runtime_reconcile_time_seconds", "controller", auditController)-reconcileBefore,
			metricSum("workqueue_queue_duration_seconds", "name", auditController)-queuedBefore)
	}
	logf("audit: the item read Retired %.2fs after its retirement was applied; the first task read NonCompliant %.2fs after it; "+
		"the API server acknowledged the last of the writes that turned them %.2fs after it",
		retiredAt().Sub(start).Seconds(), w.firstAt.Sub(start).Seconds(), res.acked)
	logf("audit: %d of %d tasks cite %s; all NonCompliant %.2fs after its retirement; %d task status writes (%d to other tasks); idle after %.1fs; writes %s",
		len(affected), a.taskCount, retired, res.seconds, res.statusWrites, res.unaffectedWrites, res.settle, op.counts.Summary())
	return res
}

// revisionHolding waits until a revision holds every named item and returns it.
func (a *auditBench) revisionHolding(items []string) int64 {
	var found int64
	a.every(time.Second, func() bool {
		revs := &governancev1alpha1.ListRevisionList{}
		if err := a.c.List(a.ctx, revs); err != nil {
			return false
		}
		for _, r := range revs.Items {
			held := map[string]bool{}
			for _, it := range r.Spec.Items {
				held[it.Name] = true
			}
			if !slices.ContainsFunc(items, func(n string) bool { return !held[n] }) {
				found = r.Spec.Revision
				return true
			}
		}
		return false
	}, "a revision holding the %d items", len(items))
	return found
}

// every checks done every interval until it holds (polling a city's tasks
// every 50 ms, as poll does, would load the apiserver it measures).
func (a *auditBench) every(interval time.Duration, done func() bool, what string, args ...any) {
	deadline := time.Now().Add(settleTimeout)
	for !done() {
		if time.Now().After(deadline) {
			a.b.Fatalf("timed out waiting for "+what, args...)
		}
		time.Sleep(interval)
	}
}

// waitAdmissionAgrees waits until the rollout is Ready on revision rev:
// only then does task admission read every village at rev (a rollout is
// Ready once the admission index agrees), as a GitOps pipeline waits.
func (a *auditBench) waitAdmissionAgrees(rev int64) {
	a.every(200*time.Millisecond, func() bool {
		ro := &governancev1alpha1.ListRollout{}
		if err := a.c.Get(a.ctx, client.ObjectKey{Name: "citywide"}, ro); err != nil {
			return false
		}
		return ro.Status.CurrentRevision == rev && ro.Status.ObservedGeneration == ro.Generation &&
			meta.IsStatusConditionTrue(ro.Status.Conditions, governancev1alpha1.ReadyCondition)
	}, "the rollout Ready on revision %d", rev)
}

func (a *auditBench) latestRevision() int64 {
	revs := &governancev1alpha1.ListRevisionList{}
	if err := a.c.List(a.ctx, revs); err != nil {
		a.b.Fatal(err)
	}
	var latest int64
	for _, r := range revs.Items {
		latest = max(latest, r.Spec.Revision)
	}
	return latest
}

// floor writes the status of the affected tasks with a bare client, the
// operator stopped: each write changes what the audit changed (phase,
// findings, the Compliant condition) to a value of the same size, so the
// apiserver stores every one.
func (a *auditBench) floor(affected []types.NamespacedName) (float64, int) {
	best, bestWorkers := 1e9, 0
	for round, workers := range auditFloorWorkers {
		start := time.Now()
		err := forEach(a.ctx, len(affected), workers, func(i int) error {
			finding := fmt.Sprintf("S7 floor round %d: 事项已退出清单，不得再据此派发任务 / the item has been retired from the lists; no task may cite it", round)
			patch := fmt.Sprintf(`{"status":{"phase":"NonCompliant","findings":[%q],"conditions":[{"type":%q,"status":"False","reason":%q,"message":%q,"lastTransitionTime":%q,"observedGeneration":1}]}}`,
				finding, governancev1alpha1.CompliantCondition, governancev1alpha1.ReasonOffLists, finding, time.Now().UTC().Format(time.RFC3339))
			t := &governancev1alpha1.Task{ObjectMeta: metav1.ObjectMeta{Namespace: affected[i].Namespace, Name: affected[i].Name}}
			return a.c.Status().Patch(a.ctx, t, client.RawPatch(types.MergePatchType, []byte(patch)))
		})
		if err != nil {
			a.b.Fatal(err)
		}
		d := time.Since(start).Seconds()
		logf("audit floor: tasks=%d workers=%d seconds=%.2f", len(affected), workers, d)
		if d < best {
			best, bestWorkers = d, workers
		}
	}
	return best, bestWorkers
}

// waitControllerIdle waits until the named controller has nothing queued or
// in progress and the operator has made no write for quiet.
func waitControllerIdle(ctx context.Context, name string, quiet, timeout time.Duration, op *runningOperator) error {
	deadline := time.Now().Add(timeout)
	last, since := op.writes.Writes(), time.Now()
	for {
		if w := op.writes.Writes(); w != last {
			last, since = w, time.Now()
		}
		idle := metricSum("workqueue_depth", "name", name) == 0 && metricSum("controller_runtime_active_workers", "controller", name) == 0
		if idle && time.Since(since) >= quiet {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("the %s controller did not settle within %s", name, timeout)
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(100 * time.Millisecond):
		}
	}
}

// nonCompliantWatcher watches the tasks from its own informer and notes
// when every task citing an item reads NonCompliant with Compliant=False.
type nonCompliantWatcher struct {
	item   string
	mu     sync.Mutex
	citing map[types.NamespacedName]bool // true once NonCompliant
	left   int
	// firstAt: the first task that read NonCompliant; doneAt: the last.
	firstAt, doneAt time.Time
	done            chan struct{}
	cancel          context.CancelFunc
}

func watchNonCompliant(ctx context.Context, cfg *rest.Config, item string) (*nonCompliantWatcher, error) {
	w := &nonCompliantWatcher{item: item, citing: map[types.NamespacedName]bool{}, done: make(chan struct{})}
	cancel, err := watchKind(ctx, cfg, &governancev1alpha1.Task{}, w.observe)
	if err != nil {
		return nil, err
	}
	w.cancel = cancel
	return w, nil
}

func (w *nonCompliantWatcher) observe(obj any) {
	t, ok := obj.(*governancev1alpha1.Task)
	if !ok || t.Spec.ItemRef != w.item {
		return
	}
	now := time.Now()
	key := types.NamespacedName{Namespace: t.Namespace, Name: t.Name}
	off := t.Status.Phase == governancev1alpha1.TaskNonCompliant &&
		meta.IsStatusConditionFalse(t.Status.Conditions, governancev1alpha1.CompliantCondition)
	w.mu.Lock()
	defer w.mu.Unlock()
	was, seen := w.citing[key]
	w.citing[key] = off
	switch {
	case !seen && !off:
		w.left++
	case !seen && off, seen && off == was:
	case off:
		w.left--
	default:
		w.left++
	}
	if off && w.firstAt.IsZero() {
		w.firstAt = now
	}
	if w.left == 0 && w.doneAt.IsZero() && len(w.citing) > 0 && off {
		w.doneAt = now
		close(w.done)
	}
}

// Wait returns when every task citing the item read NonCompliant, and which.
func (w *nonCompliantWatcher) Wait(ctx context.Context, timeout time.Duration) (time.Time, []types.NamespacedName, error) {
	select {
	case <-w.done:
	case <-time.After(timeout):
		return time.Time{}, nil, fmt.Errorf("tasks citing %s were not all NonCompliant after %s", w.item, timeout)
	case <-ctx.Done():
		return time.Time{}, nil, ctx.Err()
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	keys := make([]types.NamespacedName, 0, len(w.citing))
	for k := range w.citing {
		keys = append(keys, k)
	}
	return w.doneAt, keys, nil
}

func (w *nonCompliantWatcher) Stop() { w.cancel() }

// watchRetired notes when the named item's status first reads Retired; the
// function it returns gives that time (zero: not yet).
func watchRetired(ctx context.Context, b *testing.B, cfg *rest.Config, item string) func() time.Time {
	var mu sync.Mutex
	var at time.Time
	cancel, err := watchKind(ctx, cfg, &governancev1alpha1.ListItem{}, func(obj any) {
		if it, ok := obj.(*governancev1alpha1.ListItem); ok && it.Name == item && it.Status.Phase == governancev1alpha1.PhaseRetired {
			mu.Lock()
			defer mu.Unlock()
			if at.IsZero() {
				at = time.Now()
			}
		}
	})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(cancel)
	return func() time.Time {
		mu.Lock()
		defer mu.Unlock()
		return at
	}
}

// taskStatusWrites records the writes of the operator's client to tasks'
// status, by task, while watchTaskStatus asks for it: how many, and when
// the API server acknowledged the first (the one that changed its standing).
type taskStatusWrites struct {
	mu sync.Mutex
	by map[types.NamespacedName]taskWrites // nil: not recording
}

type taskWrites struct {
	n          int
	firstAcked time.Time
}

// watchTaskStatus starts recording; the function it returns gives the
// writes made since, by task.
func (c *counts) watchTaskStatus() func() map[types.NamespacedName]taskWrites {
	c.tasks.mu.Lock()
	c.tasks.by = map[types.NamespacedName]taskWrites{}
	c.tasks.mu.Unlock()
	return func() map[types.NamespacedName]taskWrites {
		c.tasks.mu.Lock()
		defer c.tasks.mu.Unlock()
		out := c.tasks.by
		c.tasks.by = nil
		return out
	}
}

// record notes a task status write that err says how it ended.
func (w *taskStatusWrites) record(obj client.Object, err error) {
	if _, ok := obj.(*governancev1alpha1.Task); !ok {
		return
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.by == nil {
		return
	}
	key := types.NamespacedName{Namespace: obj.GetNamespace(), Name: obj.GetName()}
	tw := w.by[key]
	tw.n++
	if err == nil && tw.firstAcked.IsZero() {
		tw.firstAcked = time.Now()
	}
	w.by[key] = tw
}

// Status is the status writer of the wrapped client, noting task writes.
func (c *counts) Status() client.SubResourceWriter {
	return recordingStatusWriter{SubResourceWriter: c.Client.Status(), tasks: &c.tasks}
}

type recordingStatusWriter struct {
	client.SubResourceWriter
	tasks *taskStatusWrites
}

func (w recordingStatusWriter) Update(ctx context.Context, obj client.Object, opts ...client.SubResourceUpdateOption) error {
	err := w.SubResourceWriter.Update(ctx, obj, opts...)
	w.tasks.record(obj, err)
	return err
}

func (w recordingStatusWriter) Patch(ctx context.Context, obj client.Object, patch client.Patch, opts ...client.SubResourcePatchOption) error {
	err := w.SubResourceWriter.Patch(ctx, obj, patch, opts...)
	w.tasks.record(obj, err)
	return err
}

func (w recordingStatusWriter) Apply(ctx context.Context, obj runtime.ApplyConfiguration, opts ...client.SubResourceApplyOption) error {
	return w.SubResourceWriter.Apply(ctx, obj, opts...)
}
