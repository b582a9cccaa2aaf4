package bench

import (
	"cmp"
	"context"
	"fmt"
	"os"
	"runtime"
	"runtime/pprof"
	"slices"
	"strconv"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/client"

	governancev1alpha1 "github.com/cunshe/cunshe-operator/api/v1alpha1"
	"github.com/cunshe/cunshe-operator/config"
	"github.com/cunshe/cunshe-operator/internal/divisions"
	"github.com/cunshe/cunshe-operator/internal/operator"
	"github.com/cunshe/cunshe-operator/internal/publish"
	"github.com/cunshe/cunshe-operator/internal/tenant"
	"github.com/cunshe/cunshe-operator/internal/testenv"
)

// rolloutFloorWorkers are the concurrencies the floor tries; the best counts.
var rolloutFloorWorkers = []int{256, 512}

// BenchmarkRollout measures a citywide rollout of a new list revision: the
// time from the revision's creation until every village's cunshe-lists
// ConfigMap holds it, against a bare client doing the same writes (each
// village's ConfigMap and its status) at its best concurrency in the same
// run; then the same at 25,000 synthetic villages, and the manager's heap
// per village there. BENCH_ROLLOUT_VILLAGES overrides the 25,000. The
// 3,685-village figures are those of the median of BENCH_ROLLOUT_ROUNDS
// rounds (default 3), each a floor and a rollout: a rollout of 5 seconds on
// a shared machine swings by half from one run to the next. The
// 25,000-village rollout takes a minute and is measured once.
func BenchmarkRollout(b *testing.B) {
	b.StopTimer()
	ctx := b.Context()
	cfg := unthrottled(env.Config)
	c, err := client.New(cfg, client.Options{Scheme: operator.Scheme()})
	if err != nil {
		b.Fatal(err)
	}
	wenzhou, err := divisions.Parse(config.SampleDivisions())
	if err != nil {
		b.Fatal(err)
	}
	r := &rolloutBench{b: b, ctx: ctx, c: c}
	small := r.measure(wenzhou, envInt("BENCH_ROLLOUT_ROUNDS", 3))
	large := r.measure(append(wenzhou, syntheticVillages(envInt("BENCH_ROLLOUT_VILLAGES", 25000)-len(wenzhou))...), 1)
	bytesPerVillage := r.heapPerVillage(len(large.names))

	for _, m := range []rolloutResult{small, large} {
		fmt.Printf("rollout villages=%d seconds=%.1f floor_seconds=%.1f ratio=%.2f writes=%d writes_per_village=%.2f floor_concurrency=%d\n",
			len(m.names), m.seconds, m.floor, m.seconds/m.floor, m.writes, float64(m.writes)/float64(len(m.names)), m.floorWorkers)
	}
	drift := (large.seconds/large.floor)/(small.seconds/small.floor) - 1
	fmt.Printf("rollout scaling villages=%d ratio=%.2f small_ratio=%.2f drift=%.0f%% target=10%%\n",
		len(large.names), large.seconds/large.floor, small.seconds/small.floor, drift*100)
	fmt.Printf("memory villages=%d bytes_per_village=%.0f target=8192\n", len(large.names), bytesPerVillage)
	b.ReportMetric(small.seconds/small.floor, "ratio_3685")
	b.ReportMetric(large.seconds/large.floor, "ratio_large")
	b.ReportMetric(bytesPerVillage, "heap_bytes/village")
}

type rolloutBench struct {
	b     *testing.B
	ctx   context.Context
	c     client.Client
	units testenv.Units
	items int
}

type rolloutResult struct {
	names        []string
	seconds      float64
	floor        float64
	floorWorkers int
	writes       int64
}

// seed creates the review units and a department once; the units' webhook
// needs the operator running.
func (r *rolloutBench) seed() {
	if r.units != nil {
		return
	}
	var err error
	if r.units, err = testenv.CreateReviewUnits(r.ctx, r.c); err != nil {
		r.b.Fatal(err)
	}
	if err := testenv.CreateDepartment(r.ctx, r.c, "tjj"); err != nil {
		r.b.Fatal(err)
	}
}

// measure provisions the villages (if needed), publishes a first revision to
// all of them, then measures the floor and the rollout of a second one.
func (r *rolloutBench) measure(villages []governancev1alpha1.Village, rounds int) rolloutResult {
	b, ctx := r.b, r.ctx
	names := make([]string, 0, len(villages))
	for _, v := range villages {
		names = append(names, v.Name)
	}
	op, err := startOperator(ctx, unthrottled(env.Config), operator.DefaultConcurrency)
	if err != nil {
		b.Fatal(err)
	}
	r.seed()
	if _, err := operator.CreateVillages(ctx, r.c, villages, 256); err != nil {
		b.Fatal(err)
	}
	r.waitReady(names)
	rev := r.publishNewItem()
	r.ensureRollout()
	r.waitRollout(rev, len(villages))
	logf("rollout: %d villages hold revision %d", len(villages), rev)
	runs := make([]rolloutResult, 0, rounds)
	for range rounds {
		var res rolloutResult
		res, rev = r.round(op, villages, rev)
		res.names = names
		runs = append(runs, res)
	}
	if err := op.waitUntilIdle(ctx, quiet, settleTimeout); err != nil {
		b.Fatal(err)
	}
	if err := op.Stop(); err != nil {
		b.Fatal(err)
	}
	slices.SortFunc(runs, func(a, b rolloutResult) int { return cmp.Compare(a.seconds/a.floor, b.seconds/b.floor) })
	return runs[len(runs)/2]
}

// round measures the floor with the operator stopped, then the operator's
// rollout of the next revision, which it returns; op runs before and after.
func (r *rolloutBench) round(op *runningOperator, villages []governancev1alpha1.Village, rev int64) (rolloutResult, int64) {
	b, ctx := r.b, r.ctx
	// Stop only once idle: the workqueue gauges are per controller name, and
	// a manager stopped with work queued would leave them non-zero.
	if err := op.waitUntilIdle(ctx, quiet, settleTimeout); err != nil {
		b.Fatal(err)
	}
	if err := op.Stop(); err != nil {
		b.Fatal(err)
	}

	// The floor: the same writes by a bare client, the operator stopped.
	res := rolloutResult{floor: 1e9}
	for _, workers := range rolloutFloorWorkers {
		d := r.floor(villages, workers, rev)
		logf("rollout floor: villages=%d workers=%d seconds=%.1f", len(villages), workers, d.Seconds())
		if d.Seconds() < res.floor {
			res.floor, res.floorWorkers = d.Seconds(), workers
		}
	}

	// Back to the operator: it puts the floor's ConfigMaps right, then the measured rollout.
	restarted, err := startOperator(ctx, unthrottled(env.Config), operator.DefaultConcurrency)
	if err != nil {
		b.Fatal(err)
	}
	*op = *restarted
	r.waitRollout(rev, len(villages))
	if err := op.waitUntilIdle(ctx, quiet, settleTimeout); err != nil {
		b.Fatal(err)
	}
	before := op.writes.Writes()
	stopProfile := startProfileIn(b, rolloutProfile(len(villages)))
	defer stopProfile()
	b.StartTimer()
	start := time.Now()
	next := r.publishNewItem()
	created := r.revisionCreated(next)
	r.waitRollout(next, len(villages))
	end := time.Now()
	b.StopTimer()
	if err := op.waitUntilIdle(ctx, quiet, settleTimeout); err != nil {
		b.Fatal(err)
	}
	res.seconds = end.Sub(created).Seconds()
	res.writes = op.writes.Writes() - before
	logf("rollout: villages=%d approval-to-revision=%.1fs revision-to-all=%.1fs ratio=%.2f writes=%d (%s)",
		len(villages), created.Sub(start).Seconds(), res.seconds, res.seconds/res.floor, res.writes, op.counts.Summary())
	return res, next
}

// rolloutProfile names the CPU profile file of a rollout of n villages:
// BENCH_ROLLOUT_CPUPROFILE with the size appended, or none.
func rolloutProfile(n int) string {
	if prefix := os.Getenv("BENCH_ROLLOUT_CPUPROFILE"); prefix != "" {
		return fmt.Sprintf("%s.%d", prefix, n)
	}
	return ""
}

// publishNewItem creates and approves one more item; it returns the revision
// that will hold it.
func (r *rolloutBench) publishNewItem() int64 {
	r.items++
	item := &governancev1alpha1.ListItem{
		ObjectMeta: metav1.ObjectMeta{Name: fmt.Sprintf("bench-item-%d", r.items)},
		Spec: governancev1alpha1.ListItemSpec{List: governancev1alpha1.ListAdmission, Title: fmt.Sprintf("协助开展统计调查 %d", r.items),
			Content:     "配合统计部门开展入户摸底、登记工作。",
			Applicant:   governancev1alpha1.Applicant{Kind: governancev1alpha1.ApplicantCityDepartment, Name: "tjj"},
			Basis:       governancev1alpha1.Basis{Kind: governancev1alpha1.BasisLaw, Citation: "《中华人民共和国统计法》第七条"},
			VillageRole: governancev1alpha1.RoleAssist, ResponsibleDepartments: []string{"tjj"}},
	}
	if err := r.c.Create(r.ctx, item); err != nil {
		r.b.Fatal(err)
	}
	if err := r.units.Approve(r.ctx, r.c, item); err != nil {
		r.b.Fatal(err)
	}
	revs := &governancev1alpha1.ListRevisionList{}
	if err := r.c.List(r.ctx, revs); err != nil {
		r.b.Fatal(err)
	}
	latest := int64(0)
	for _, rev := range revs.Items {
		latest = max(latest, rev.Spec.Revision)
	}
	return latest + 1
}

func (r *rolloutBench) ensureRollout() {
	ro := &governancev1alpha1.ListRollout{ObjectMeta: metav1.ObjectMeta{Name: "citywide"}}
	if err := r.c.Create(r.ctx, ro); client.IgnoreAlreadyExists(err) != nil {
		r.b.Fatal(err)
	}
}

// revisionCreated waits for revision n and returns when it was seen (its
// creationTimestamp has whole seconds only).
func (r *rolloutBench) revisionCreated(n int64) time.Time {
	rev := &governancev1alpha1.ListRevision{}
	r.poll(2*time.Minute, func() bool {
		return r.c.Get(r.ctx, client.ObjectKey{Name: governancev1alpha1.RevisionName("", n)}, rev) == nil
	}, "revision %d", n)
	return time.Now()
}

// waitRollout waits until the rollout reports every village at revision n.
func (r *rolloutBench) waitRollout(n int64, villages int) {
	r.poll(30*time.Minute, func() bool {
		ro := &governancev1alpha1.ListRollout{}
		if err := r.c.Get(r.ctx, client.ObjectKey{Name: "citywide"}, ro); err != nil {
			return false
		}
		s := ro.Status
		return s.CurrentRevision == n && int(s.UpdatedVillages) == villages && int(s.TotalVillages) == villages
	}, "revision %d at %d villages", n, villages)
}

func (r *rolloutBench) waitReady(names []string) {
	w, err := watchReady(r.ctx, unthrottled(env.Config), names)
	if err != nil {
		r.b.Fatal(err)
	}
	defer w.Stop()
	if _, err := w.Wait(r.ctx, readyTimeout, func() { logf("rollout: provisioning %d/%d villages", w.Ready(), len(names)) }); err != nil {
		r.b.Fatal(err)
	}
}

func (r *rolloutBench) poll(timeout time.Duration, done func() bool, what string, args ...any) {
	deadline := time.Now().Add(timeout)
	for !done() {
		if time.Now().After(deadline) {
			r.b.Fatalf("timed out waiting for "+what, args...)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// floor rewrites every village's ConfigMap with lists of the same size and
// patches each village's status, as the rollout does, with a bare client.
func (r *rolloutBench) floor(villages []governancev1alpha1.Village, workers int, rev int64) time.Duration {
	sample := &corev1.ConfigMap{}
	key := client.ObjectKey{Namespace: governancev1alpha1.TenantNamespaceName(villages[0].Name), Name: tenant.ListsConfigMap}
	if err := r.c.Get(r.ctx, key, sample); err != nil {
		r.b.Fatal(err)
	}
	data := sample.Data[publish.DataKey]
	marker := strconv.FormatInt(time.Now().UnixNano(), 10)
	start := time.Now()
	// 2n independent writes: the ConfigMaps, then the statuses, from one pool,
	// so no worker waits on its own previous write.
	n := len(villages)
	err := forEach(r.ctx, 2*n, workers, func(i int) error {
		if i >= n {
			status := fmt.Sprintf(`{"status":{"publishedRevision":%d}}`, rev+1000)
			return r.c.Status().Patch(r.ctx, &governancev1alpha1.Village{ObjectMeta: metav1.ObjectMeta{Name: villages[i-n].Name}},
				client.RawPatch(types.MergePatchType, []byte(status)))
		}
		cm := &corev1.ConfigMap{}
		patch := fmt.Sprintf(`{"metadata":{"annotations":{%q:%q,%q:%q}},"data":{%q:%q}}`,
			publish.AnnotationRevision, strconv.FormatInt(rev, 10), publish.AnnotationContentHash, "floor-"+marker, publish.DataKey, data)
		cm.Namespace, cm.Name = governancev1alpha1.TenantNamespaceName(villages[i].Name), tenant.ListsConfigMap
		return r.c.Patch(r.ctx, cm, client.RawPatch(types.MergePatchType, []byte(patch)))
	})
	if err != nil {
		r.b.Fatal(err)
	}
	return time.Since(start)
}

// heapPerVillage starts a fresh manager over the whole cluster, lets it
// resync, and reports the heap it holds per village: the heap in use after
// GC with the manager idle, less a baseline of this process without it. The
// baseline is the lower of the heap just before the manager starts and just
// after it stops, so memory a previous manager released late is counted
// against this one, never for it; the harness's own bookkeeping of the
// villages the manager read is dropped before measuring. BENCH_HEAPPROFILE
// names a file for a heap profile taken at the measurement.
func (r *rolloutBench) heapPerVillage(villages int) float64 {
	before := heapInUse()
	op, err := startOperator(r.ctx, unthrottled(env.Config), operator.DefaultConcurrency)
	if err != nil {
		r.b.Fatal(err)
	}
	if err := op.waitUntilIdle(r.ctx, quiet, settleTimeout); err != nil {
		_ = op.Stop()
		r.b.Fatal(err)
	}
	op.counts.forgetReads()
	running := heapInUse()
	writeHeapProfile(r.b)
	if err := op.Stop(); err != nil {
		r.b.Fatal(err)
	}
	after := heapInUse()
	used := running - min(before, after)
	logf("memory: heap in use %.1f MiB before the manager, %.1f MiB with it (%d villages), %.1f MiB after it stopped",
		mib(before), mib(running), villages, mib(after))
	return float64(used) / float64(villages)
}

func mib(n int64) float64 { return float64(n) / (1 << 20) }

func heapInUse() int64 {
	runtime.GC()
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return int64(m.HeapInuse)
}

// writeHeapProfile writes a heap profile when BENCH_HEAPPROFILE names a file.
func writeHeapProfile(b *testing.B) {
	path := os.Getenv("BENCH_HEAPPROFILE")
	if path == "" {
		return
	}
	f, err := os.Create(path)
	if err != nil {
		b.Fatal(err)
	}
	defer func() { _ = f.Close() }()
	if err := pprof.WriteHeapProfile(f); err != nil {
		b.Fatal(err)
	}
}

// syntheticVillages makes n villages beyond the real registry, in 12
// counties of 10 townships each, half villages and half communities.
func syntheticVillages(n int) []governancev1alpha1.Village {
	out := make([]governancev1alpha1.Village, 0, n)
	for i := range n {
		county := fmt.Sprintf("9901%02d", i%12+1)
		township := fmt.Sprintf("%s%03d", county, (i/12)%10+1)
		code := fmt.Sprintf("%s%03d", township, (i/120)%1000)
		typ := governancev1alpha1.TypeVillage
		if i%2 == 0 {
			typ = governancev1alpha1.TypeCommunity
		}
		v := testenv.Village(code, typ)
		v.TypeMeta = metav1.TypeMeta{}
		out = append(out, *v)
	}
	return out
}

// A heap profile that samples every 4 KiB tells where a few MiB go.
func init() {
	if os.Getenv("BENCH_HEAPPROFILE") != "" {
		runtime.MemProfileRate = 4096
	}
}
