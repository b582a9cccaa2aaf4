package bench

import (
	"context"
	"fmt"
	"os"
	"runtime/pprof"
	"strconv"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
	"sigs.k8s.io/controller-runtime/pkg/client"

	governancev1alpha1 "github.com/cunshe/cunshe-operator/api/v1alpha1"
	"github.com/cunshe/cunshe-operator/config"
	"github.com/cunshe/cunshe-operator/internal/divisions"
	"github.com/cunshe/cunshe-operator/internal/operator"
)

const (
	// createWorkers create the real villages, as an import would.
	createWorkers = 256
	readyTimeout  = 30 * time.Minute
	settleTimeout = 15 * time.Minute
	// quiet is how long the operator must make no write to count as settled.
	quiet = 5 * time.Second
)

// provisioned guards against a second run: the real villages can be created
// only once per control plane.
var provisioned bool

// BenchmarkProvision measures how long the operator takes to give every
// Wenzhou village a Ready tenant, against a floor measured in the same run
// on the same apiserver, how many writes it makes per village, and how many
// it makes when a fresh manager resyncs the converged city (target 0).
func BenchmarkProvision(b *testing.B) {
	if provisioned {
		b.Fatal("BenchmarkProvision runs once per control plane; use -benchtime 1x")
	}
	provisioned = true
	b.StopTimer()
	h := newHarness(b)
	logf("machine: %d CPUs, %s; villages=%d", numCPU(), memTotal(), len(h.villages))
	if existing, err := countExisting(h.ctx, h.client, h.names); err != nil || existing > 0 {
		b.Fatalf("BenchmarkProvision needs a cluster without the sample villages (%d exist, %v); it runs first in the package", existing, err)
	}

	floor := h.measureFloor()
	concurrency := envInt("BENCH_CONCURRENCY", operator.DefaultConcurrency)
	run := h.measureProvisioning(concurrency)
	resyncWrites := h.measureResync(concurrency)
	notReady, err := countNotReady(h.ctx, h.client, h.names)
	if err != nil {
		b.Fatal(err)
	}

	n := len(h.villages)
	ratio := run.seconds / floor.seconds
	reportNoise(floor.cpu, run.cpu)
	for _, v := range floor.variants {
		logf("floor variant %s: seconds=%.1f ratio=%.2f", v.round, v.seconds, run.seconds/v.seconds)
	}
	b.ReportMetric(run.seconds, "seconds")
	b.ReportMetric(floor.seconds, "floor_seconds")
	b.ReportMetric(ratio, "ratio")
	b.ReportMetric(run.writesPerVillage, "writes/village")
	b.ReportMetric(float64(run.children), "children/village")
	b.ReportMetric(float64(resyncWrites), "resync_writes")
	fmt.Printf("provision villages=%d seconds=%.1f floor_seconds=%.1f ratio=%.2f writes_per_village=%.2f children_per_village=%d resync_writes=%d floor_concurrency=%d\n",
		n, run.seconds, floor.seconds, ratio, run.writesPerVillage, run.children, resyncWrites, floor.workers)

	if notReady > 0 {
		b.Fatalf("%d of %d villages are not Ready after the resync", notReady, n)
	}
	if resyncWrites != 0 {
		b.Fatalf("a resync of the converged city made %d writes, want 0", resyncWrites)
	}
}

// harness is what the phases of the benchmark share.
type harness struct {
	b        *testing.B
	ctx      context.Context
	cfg      *rest.Config
	client   client.Client
	cs       kubernetes.Interface
	villages []governancev1alpha1.Village
	names    []string
}

func newHarness(b *testing.B) *harness {
	villages, err := divisions.Parse(config.SampleDivisions())
	if err != nil {
		b.Fatal(err)
	}
	if limit := envInt("BENCH_VILLAGES", 0); limit > 0 && limit < len(villages) {
		villages = villages[:limit] // a quick smoke run
	}
	h := &harness{b: b, ctx: b.Context(), cfg: unthrottled(env.Config), villages: villages}
	for _, v := range villages {
		h.names = append(h.names, v.Name)
	}
	if h.client, err = client.New(h.cfg, client.Options{Scheme: operator.Scheme()}); err != nil {
		b.Fatal(err)
	}
	if h.cs, err = kubernetes.NewForConfig(h.cfg); err != nil {
		b.Fatal(err)
	}
	return h
}

// provisioning is what the measured run found.
type provisioning struct {
	seconds          float64
	cpu              cpuUse
	writesPerVillage float64
	children         int
}

// measureProvisioning starts the manager, creates the real villages and
// measures the time from the first create until every village is Ready;
// then, once everything has settled, the operator's writes.
func (h *harness) measureProvisioning(concurrency int) provisioning {
	b, ctx, n := h.b, h.ctx, len(h.villages)
	h.settle()
	watcher, err := watchReady(ctx, h.cfg, h.names)
	if err != nil {
		b.Fatal(err)
	}
	defer watcher.Stop()
	op, err := startOperator(ctx, h.cfg, concurrency)
	if err != nil {
		b.Fatal(err)
	}
	defer func() { _ = op.Stop() }()
	stopProfile := startProfile(b)
	reconcilesBefore, busyBefore := reconciles(), reconcileSeconds()
	requests, err := apiserverCounts(ctx, h.cs)
	if err != nil {
		b.Fatal(err)
	}
	cpu := sampleCPU()

	b.StartTimer()
	start := time.Now()
	if _, err := operator.CreateVillages(ctx, h.client, h.villages, createWorkers); err != nil {
		b.Fatal(err)
	}
	logf("operator: created %d villages in %.1fs", n, time.Since(start).Seconds())
	readyAt, err := watcher.Wait(ctx, readyTimeout, func() {
		logf("operator: t=%.0fs ready=%d/%d writes=%d reconciles=%.0f queue=%.0f", time.Since(start).Seconds(),
			watcher.Ready(), n, op.writes.Writes(), reconciles()-reconcilesBefore, metricSum("workqueue_depth", "name", controllerName))
	})
	b.StopTimer()
	stopProfile()
	if err != nil {
		b.Fatal(err)
	}

	run := provisioning{seconds: readyAt.Sub(start).Seconds(), cpu: cpuSince(cpu)}
	logf("operator: concurrency=%d all %d villages Ready after %.1fs; writes=%d reconciles=%.0f worker_seconds_per_village=%.2f; cpu (cores): %s",
		concurrency, n, run.seconds, op.writes.Writes(), reconciles()-reconcilesBefore,
		(reconcileSeconds()-busyBefore)/float64(n), run.cpu)
	logf("operator: apiserver served: %s", countsSince(ctx, h.cs, requests, float64(n)/2))

	// The controller-manager's trail touches the operator's quotas; count
	// the writes once it and the operator have settled.
	h.settle()
	if err := op.waitUntilIdle(ctx, quiet, settleTimeout); err != nil {
		b.Fatal(err)
	}
	writes := op.writes.Writes()
	run.writesPerVillage = float64(writes) / float64(n)
	logf("operator: writes=%d (%s) status_writes_per_village=%.2f reconciles_per_village=%.2f",
		writes, op.counts.Summary(), float64(op.counts.StatusWrites())/float64(n), (reconciles()-reconcilesBefore)/float64(n))
	if run.children, err = countTenantObjects(ctx, h.client, governancev1alpha1.TenantNamespaceName(h.villages[0].Spec.Code)); err != nil {
		b.Fatal(err)
	}
	if events, err := countVillageEvents(ctx, h.client, h.names); err == nil {
		logf("operator: events about Villages=%d (%.2f per village; written by the event recorder, not counted in writes)",
			events, float64(events)/float64(n))
	}
	return run
}

// measureResync starts a fresh manager on the converged city, waits until its
// village controller has read and reconciled every village and gone quiet,
// and returns the writes it made.
func (h *harness) measureResync(concurrency int) int64 {
	b, ctx := h.b, h.ctx
	reconcilesBefore := reconciles()
	start := time.Now()
	op, err := startOperator(ctx, h.cfg, concurrency)
	if err != nil {
		b.Fatal(err)
	}
	defer func() { _ = op.Stop() }()
	deadline := time.Now().Add(settleTimeout)
	for op.counts.Unread(h.names) > 0 || !controllerIdle() {
		if time.Now().After(deadline) {
			b.Fatalf("the resync did not reach every village within %s: %d unread", settleTimeout, op.counts.Unread(h.names))
		}
		select {
		case <-ctx.Done():
			b.Fatal(ctx.Err())
		case <-time.After(250 * time.Millisecond):
		}
	}
	reconciled := time.Since(start)
	if err := op.waitUntilIdle(ctx, quiet, settleTimeout); err != nil {
		b.Fatal(err)
	}
	writes := op.writes.Writes()
	logf("resync: every village reconciled %.1fs after the manager started; reconciles=%.0f writes=%d (%s)",
		reconciled.Seconds(), reconciles()-reconcilesBefore, writes, op.counts.Summary())
	return writes
}

// settle waits for kube-controller-manager to catch up (see floor_test.go).
func (h *harness) settle() {
	d, err := waitForControllerManager(h.ctx, h.client, settleTimeout)
	if err != nil {
		h.b.Fatal(err)
	}
	if d > 5*time.Second {
		logf("waited %.0fs for kube-controller-manager to catch up", d.Seconds())
	}
}

// floorResult is the best plain floor round, and the variants' times.
type floorResult struct {
	seconds  float64
	workers  int
	cpu      cpuUse
	variants []floorVariant
}

type floorVariant struct {
	round   floorRound
	seconds float64
}

// measureFloor runs the floor rounds; the best plain one is the floor.
func (h *harness) measureFloor() floorResult {
	b, ctx, c := h.b, h.ctx, h.client
	owner, err := ensureFloorOwner(ctx, c)
	if err != nil {
		b.Fatal(err)
	}
	var res floorResult
	for i, round := range floorRounds(b) {
		h.settle()
		fv, err := floorVillages(h.villages, fmt.Sprintf("9%d", i))
		if err != nil {
			b.Fatal(err)
		}
		requests, err := apiserverCounts(ctx, h.cs)
		if err != nil {
			b.Fatal(err)
		}
		stopWebhook := serveNoopVillageWebhook(ctx, b)
		cpu := sampleCPU()
		d, err := runFloor(ctx, h.cfg, c, fv, owner, round)
		if err != nil {
			b.Fatal(err)
		}
		s, used := d.Seconds(), cpuSince(cpu)
		writes := 9
		if round.events {
			writes++
		}
		logf("floor: workers=%s villages=%d seconds=%.1f writes/s=%.0f; cpu (cores): %s",
			round, len(fv), s, float64(writes*len(fv))/s, used)
		logf("floor: apiserver served: %s", countsSince(ctx, h.cs, requests, float64(len(fv))/2))
		err = deleteVillages(ctx, c, fv)
		stopWebhook()
		if err != nil {
			b.Fatal(err)
		}
		switch {
		case !round.plain():
			res.variants = append(res.variants, floorVariant{round, s})
		case res.workers == 0 || s < res.seconds:
			res.seconds, res.workers, res.cpu = s, round.workers, used
		}
	}
	if res.workers == 0 {
		b.Fatal("BENCH_FLOOR_CONCURRENCY has no plain round to take the floor from")
	}
	return res
}

// reportNoise says how much of a shared machine other work took during the
// best floor round and the measured run, and compares the CPU the control
// plane and the operator spent, which other work does not inflate.
func reportNoise(floor, op cpuUse) {
	logf("cpu: control plane + benchmark process used %.0f core-seconds for the floor, %.0f for the operator (cpu_ratio=%.2f); "+
		"other work on the machine took %.2f cores during the floor, %.2f during the operator's run",
		floor.coreSeconds(), op.coreSeconds(), op.coreSeconds()/floor.coreSeconds(), floor.others, op.others)
	if max(floor.others, op.others) > 0.2 {
		logf("WARNING: the machine was shared with other work; the wall-clock ratio is unreliable, rerun it or compare cpu_ratio")
	}
}

// countTenantObjects counts the objects in a tenant namespace that carry the
// operator's managed-by label.
func countTenantObjects(ctx context.Context, c client.Client, namespace string) (int, error) {
	n := 0
	for _, list := range []client.ObjectList{
		&corev1.ConfigMapList{}, &corev1.SecretList{}, &corev1.ServiceAccountList{}, &corev1.ResourceQuotaList{},
		&corev1.LimitRangeList{}, &rbacv1.RoleList{}, &rbacv1.RoleBindingList{}, &networkingv1.NetworkPolicyList{},
	} {
		if err := c.List(ctx, list, client.InNamespace(namespace),
			client.MatchingLabels{governancev1alpha1.LabelManagedBy: governancev1alpha1.ManagedByValue}); err != nil {
			return 0, fmt.Errorf("listing %T in %s: %w", list, namespace, err)
		}
		n += meta.LenList(list)
	}
	return n, nil
}

// countVillageEvents counts the events about the named villages.
func countVillageEvents(ctx context.Context, c client.Client, names []string) (int, error) {
	events := &corev1.EventList{}
	if err := c.List(ctx, events, client.MatchingFields{"involvedObject.kind": "Village"}); err != nil {
		return 0, err
	}
	wanted := make(map[string]bool, len(names))
	for _, n := range names {
		wanted[n] = true
	}
	n := 0
	for _, e := range events.Items {
		if wanted[e.InvolvedObject.Name] {
			n++
		}
	}
	return n, nil
}

// countExisting counts the named villages that exist already.
func countExisting(ctx context.Context, c client.Client, names []string) (int, error) {
	list := &metav1.PartialObjectMetadataList{}
	list.SetGroupVersionKind(governancev1alpha1.GroupVersion.WithKind("VillageList"))
	if err := c.List(ctx, list); err != nil {
		return 0, err
	}
	wanted := make(map[string]bool, len(names))
	for _, n := range names {
		wanted[n] = true
	}
	n := 0
	for _, v := range list.Items {
		if wanted[v.Name] {
			n++
		}
	}
	return n, nil
}

// countNotReady lists the villages from the apiserver and counts the named
// ones that are missing or not Ready.
func countNotReady(ctx context.Context, c client.Client, names []string) (int, error) {
	list := &governancev1alpha1.VillageList{}
	if err := c.List(ctx, list); err != nil {
		return 0, err
	}
	ready := make(map[string]bool, len(list.Items))
	for _, v := range list.Items {
		ready[v.Name] = meta.IsStatusConditionTrue(v.Status.Conditions, governancev1alpha1.ReadyCondition)
	}
	notReady := 0
	for _, n := range names {
		if !ready[n] {
			notReady++
		}
	}
	return notReady, nil
}

func floorRounds(b *testing.B) []floorRound {
	spec := os.Getenv("BENCH_FLOOR_CONCURRENCY")
	if spec == "" {
		spec = "64,256,512"
	}
	var out []floorRound
	for _, f := range strings.Split(spec, ",") {
		r, err := parseFloorRound(f)
		if err != nil {
			b.Fatalf("BENCH_FLOOR_CONCURRENCY=%q: %v", spec, err)
		}
		out = append(out, r)
	}
	if len(out) > 10 {
		b.Fatal("BENCH_FLOOR_CONCURRENCY: at most 10 rounds (floor codes use the prefixes 90 to 99)")
	}
	return out
}

func envInt(name string, def int) int {
	if n, err := strconv.Atoi(os.Getenv(name)); err == nil && n > 0 {
		return n
	}
	return def
}

// startProfile profiles this process (the manager, mostly) when
// BENCH_CPUPROFILE names a file.
func startProfile(b *testing.B) func() { return startProfileIn(b, os.Getenv("BENCH_CPUPROFILE")) }

func startProfileIn(b *testing.B, path string) func() {
	if path == "" {
		return func() {}
	}
	f, err := os.Create(path)
	if err != nil {
		b.Fatal(err)
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		b.Fatal(err)
	}
	return func() {
		pprof.StopCPUProfile()
		_ = f.Close()
	}
}

func memTotal() string {
	data, err := os.ReadFile("/proc/meminfo")
	if err != nil {
		return "memory unknown"
	}
	line, _, _ := strings.Cut(string(data), "\n")
	fields := strings.Fields(line)
	if len(fields) < 2 {
		return "memory unknown"
	}
	kib, _ := strconv.ParseFloat(fields[1], 64)
	return fmt.Sprintf("%.1f GiB memory", kib/(1<<20))
}

// logf prints progress as it happens (b.Log would hold it until the end).
func logf(format string, args ...any) {
	fmt.Printf("bench: "+format+"\n", args...)
}

// profileAPIServer writes the kube-apiserver's own CPU profile (its
// /debug/pprof) of the next seconds into path (nothing when empty), in the
// background; wait blocks until it is written.
func profileAPIServer(b *testing.B, cfg *rest.Config, path string, seconds int) (wait func()) {
	if path == "" {
		return func() {}
	}
	cs, err := kubernetes.NewForConfig(cfg)
	if err != nil {
		b.Fatal(err)
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		data, err := cs.CoreV1().RESTClient().Get().AbsPath("/debug/pprof/profile").Param("seconds", strconv.Itoa(seconds)).DoRaw(context.Background())
		if err == nil {
			err = os.WriteFile(path, data, 0o644)
		}
		if err != nil {
			b.Errorf("profiling the kube-apiserver: %v", err)
		}
	}()
	return func() { <-done }
}
