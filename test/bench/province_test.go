package bench

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/base64"
	"fmt"
	"math"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
	"sigs.k8s.io/controller-runtime/pkg/client"

	governancev1alpha1 "github.com/cunshe/cunshe-operator/api/v1alpha1"
	"github.com/cunshe/cunshe-operator/config"
	"github.com/cunshe/cunshe-operator/controllers"
	"github.com/cunshe/cunshe-operator/internal/divisions"
	"github.com/cunshe/cunshe-operator/internal/operator"
	"github.com/cunshe/cunshe-operator/internal/publish"
	"github.com/cunshe/cunshe-operator/internal/rules"
	"github.com/cunshe/cunshe-operator/internal/tenant"
	"github.com/cunshe/cunshe-operator/internal/testenv"
	"github.com/cunshe/cunshe-operator/internal/writecount"
)

// BenchmarkProvince measures a whole province on the local control plane
// (issue 13): provisioning, two cities rolling out at once, and the
// manager's heap, each against the floor measured in the same run.
//
// The province is divisions.SyntheticProvince(wenzhou, 11): Zhejiang's 11
// real city codes (3301 杭州市 … 3311 丽水市) under the province 33 浙江省.
// 温州市 3303 holds the 3,685 real villages of the sample registry; each of
// the 10 other cities holds a copy of Wenzhou's tree (its 12 counties and
// their townships, every name kept) with the first 4 digits of each code
// replaced by the city's, trimmed to an evenly spread 2,182 of the 3,685
// villages: 3,685 + 10 × 2,182 = 25,505 villages, Zhejiang's ~25,500.
// 3303 is the default city (its revisions are lists-<n>).
//
// Steps, all on one fresh control plane (the benchmark refuses a cluster
// that holds villages: run it alone, BENCH_ONLY=province):
//
//  1. With the operator running, the 12 Jurisdictions (the province first),
//     four ReviewUnits for each of the two cities that roll out (3301 and
//     3303, each city's own units named in its spec.review.units) and a
//     department.
//  2. Provisioning. The floor is provision_test.go's: a bare client creating
//     the same villages (codes renamed 9<round>…, so they never meet the
//     real ones), the namespace and 6 children of each and one status write
//     per village, at PROVINCE_FLOOR_CONCURRENCY (default 512, one round: a
//     round leaves 25,505 namespaces behind, and kube-controller-manager,
//     at 20 requests/s per controller, takes ~21 minutes to catch up with
//     them). The operator is stopped
//     during the floor, so a no-op webhook takes its place on the village
//     admission path: the floor pays the same admission round trip as the
//     operator's import, not the (map lookup) decision. Then, once
//     kube-controller-manager has caught up (PROVINCE_SETTLE_TIMEOUT,
//     default 25m; past it the run goes on with a warning), the operator's
//     run: the time from the first create (operator.CreateVillages, 256
//     workers, as an import) until every village is Ready.
//     provision_ratio = operator / floor, the floor being the mean of this
//     round and step 5's.
//  3. Two rollouts at once. Cities B = 3303 (3,685 villages) and A = 3301
//     (2,182) each have a ListRollout (spec.jurisdiction) and a first
//     revision everywhere. Measured: A's next item is approved by all of
//     A's own units but one; B's next item is approved and B's revision cut;
//     as soon as B's rollout has written PROVINCE_OVERLAP of B's ConfigMaps
//     (default 0: at once), A's last unit approves and A's revision is cut;
//     A's time runs from the moment A's revision appears until A's rollout
//     reports every A village at it, while B's rollout goes on. Then, the
//     operator stopped, the floor: a bare client doing B's writes (each B
//     village's ConfigMap, same size, and its status, from one pool, as
//     rollout_test.go's floor) and, from the moment that pool has done the
//     same share of B's ConfigMaps as the operator had when A's revision
//     appeared, A's writes from a second pool of the same size; the floor
//     is A's pool's time, best of 256 and 512 workers a pool.
//     rollout_ratio = A's rollout / that floor. (A's floor with no B beside
//     it is logged too.)
//  4. Memory: rollout_test.go's heapPerVillage over the 25,505 villages.
//  5. The floor again (PROVINCE_FLOOR_AFTER, default 1), the operator
//     stopped, once kube-controller-manager has caught up: the operator
//     provisioned on a cluster holding the first floor's tenants, so a
//     floor taken only before it would be measured on an emptier cluster.
//     The two floors bracket the operator's run (measureFloorAfter).
//
// listed_per_pass counts the rollout controller's reads through the
// manager's client (provinceClient, below): each pass of a rollout lists
// its city's Villages and then its city's lists ConfigMaps through the city
// index, with the same context; only the rollout controller lists
// ConfigMaps by that index, so each such pair is one pass, and the
// ConfigMap updates made with the pass's context are the villages it
// moved. listed_per_pass is the most Villages any pass of the measured
// rollouts listed: the rollout city's villages, not the province's.
//
// The rollout controller reconciles one rollout at a time, so a pass of A
// that starts while B's pass writes waits for it: rollout_ratio includes
// that wait, as the floor's second pool shares the apiserver with B's.
//
// Run time on the 2-core machine: 25 minutes at PROVINCE_VILLAGES=10000;
// 48 minutes at the full size with PROVINCE_FLOOR_AFTER=0 (the floor 8,
// kube-controller-manager catching up with its 25,505 namespaces 20, the
// operator's provisioning 11), about 80 with the second floor and the
// second wait for kube-controller-manager.
//
// It prints one machine-readable line:
//
//	province villages=25505 cities=11 provision_ratio=… rollout_ratio=… bytes_per_village=… listed_per_pass=… passes=… moved_per_pass=…
//
// Environment: PROVINCE_VILLAGES=N builds the province from an evenly
// spread N×3,685/25,505 of the Wenzhou villages (a smaller run of the same
// shape); PROVINCE_FLOOR_CONCURRENCY ("none": no provisioning floor, a
// profiling run), PROVINCE_SETTLE_TIMEOUT, PROVINCE_OVERLAP and
// PROVINCE_FLOOR_AFTER as above;
// PROVINCE_PROVISION_CPUPROFILE=FILE profiles this process (the manager)
// while it provisions, PROVINCE_CPUPROFILE=FILE during the measured
// rollouts; PROVINCE_APISERVER_PROFILE=PREFIX the kube-apiserver for 60 s
// of each floor round and of the operator's provisioning; BENCH_HEAPPROFILE
// as for BenchmarkRollout (it samples every 4 KiB allocated, which costs
// the manager CPU: not for a run whose ratios count).
func BenchmarkProvince(b *testing.B) {
	if provinceRan {
		b.Fatal("BenchmarkProvince runs once per control plane; use -benchtime 1x")
	}
	provinceRan = true
	b.StopTimer()
	p := newProvinceBench(b)
	logf("province: machine: %d CPUs, %s; villages=%d cities=%d (A=%s with %d villages, B=%s with %d)",
		numCPU(), memTotal(), len(p.villages), len(p.cities), p.cityA.code, len(p.cityA.names), p.cityB.code, len(p.cityB.names))
	if existing, err := countExisting(p.ctx, p.c, p.names); err != nil || existing > 0 {
		b.Fatalf("BenchmarkProvince needs a fresh control plane (%d of its villages exist, %v); run it alone (BENCH_ONLY=province)", existing, err)
	}

	p.declare()
	prov := p.measureProvisioning()
	ro := p.measureRollouts()
	bytesPerVillage := (&rolloutBench{b: b, ctx: p.ctx, c: p.c}).heapPerVillage(len(p.villages))
	p.measureFloorAfter(&prov)

	provisionRatio := prov.seconds / prov.floor()
	rolloutRatio := ro.seconds / ro.floor
	logf("province: provisioning seconds=%.1f floor_seconds=%.1f (before %.1f, after %.1f; floor_concurrency=%d); rollout of %s while %s rolls out seconds=%.1f floor_seconds=%.1f (floor_concurrency=%d), alone floor_seconds=%.1f",
		prov.seconds, prov.floor(), prov.floorBefore, prov.floorAfter, prov.floorWorkers, p.cityA.code, p.cityB.code, ro.seconds, ro.floor, ro.floorWorkers, ro.floorAlone)
	b.ReportMetric(provisionRatio, "provision_ratio")
	b.ReportMetric(rolloutRatio, "rollout_ratio")
	b.ReportMetric(bytesPerVillage, "heap_bytes/village")
	fmt.Printf("province villages=%d cities=%d provision_ratio=%.2f rollout_ratio=%.2f bytes_per_village=%.0f listed_per_pass=%d passes=%d moved_per_pass=%d "+
		"provision_seconds=%.1f provision_floor_seconds=%.1f provision_floor_before_seconds=%.1f provision_floor_after_seconds=%.1f rollout_seconds=%.1f rollout_floor_seconds=%.1f target_ratio=1.3 target_bytes=5120\n",
		len(p.villages), len(p.cities), provisionRatio, rolloutRatio, bytesPerVillage, ro.listedPerPass, ro.passes, ro.movedPerPass,
		prov.seconds, prov.floor(), prov.floorBefore, prov.floorAfter, ro.seconds, ro.floor)
}

// provinceRan guards against a second run on the same control plane.
var provinceRan bool

// The two cities that roll out: B first, A while B goes on.
const (
	provinceCityA = "3301"
	provinceCityB = "3303" // 温州市, the default city
)

type provinceBench struct {
	b        *testing.B
	ctx      context.Context
	cfg      *rest.Config
	c        client.Client
	cs       kubernetes.Interface
	juris    []governancev1alpha1.Jurisdiction
	cities   []string
	villages []governancev1alpha1.Village
	names    []string
	cityA    *provinceCity // rolls out while cityB does
	cityB    *provinceCity
	items    int
	// op is the running operator, pc the counting client of its manager.
	op *runningOperator
	pc *provinceClient
}

// provinceCity is a city that rolls out: its villages, units and rollout.
type provinceCity struct {
	code     string
	names    []string
	villages []governancev1alpha1.Village
	units    testenv.Units
	rollout  string
	revision int64 // the latest revision cut
}

func newProvinceBench(b *testing.B) *provinceBench {
	wenzhou, err := divisions.Parse(config.SampleDivisions())
	if err != nil {
		b.Fatal(err)
	}
	if n := envInt("PROVINCE_VILLAGES", 0); n > 0 {
		k := max(24, min(len(wenzhou), (n*divisions.WenzhouVillages+divisions.ZhejiangVillages/2)/divisions.ZhejiangVillages))
		wenzhou = evenlySpread(wenzhou, k)
	}
	juris, villages := divisions.SyntheticProvince(wenzhou, len(divisions.ZhejiangCities))
	p := &provinceBench{b: b, ctx: b.Context(), cfg: unthrottled(env.Config), juris: juris, villages: villages}
	for i := range p.juris {
		j := &p.juris[i]
		j.TypeMeta = metav1.TypeMeta{}
		if j.Spec.Level == governancev1alpha1.LevelCity {
			p.cities = append(p.cities, j.Spec.Code)
		}
		j.Spec.Default = j.Spec.Code == provinceCityB
	}
	p.cityA = &provinceCity{code: provinceCityA, rollout: "province-" + provinceCityA, units: testenv.Units{}}
	p.cityB = &provinceCity{code: provinceCityB, rollout: "province-" + provinceCityB, units: testenv.Units{}}
	for i := range p.villages {
		v := &p.villages[i]
		v.TypeMeta = metav1.TypeMeta{}
		p.names = append(p.names, v.Name)
		for _, city := range []*provinceCity{p.cityA, p.cityB} {
			if governancev1alpha1.CityOf(v.Spec.Code) == city.code {
				city.names = append(city.names, v.Name)
				city.villages = append(city.villages, *v)
			}
		}
	}
	if p.c, err = client.New(p.cfg, client.Options{Scheme: operator.Scheme()}); err != nil {
		b.Fatal(err)
	}
	if p.cs, err = kubernetes.NewForConfig(p.cfg); err != nil {
		b.Fatal(err)
	}
	return p
}

// evenlySpread keeps n of the villages, evenly spread and in order.
func evenlySpread(villages []governancev1alpha1.Village, n int) []governancev1alpha1.Village {
	out := make([]governancev1alpha1.Village, 0, n)
	for i := range villages {
		if (i+1)*n/len(villages) > i*n/len(villages) {
			out = append(out, villages[i])
		}
	}
	return out
}

// declare creates the jurisdictions, the two cities' units and a department
// with the operator running (its webhooks admit them), then stops it.
func (p *provinceBench) declare() {
	b, ctx := p.b, p.ctx
	p.startOperator()
	for _, city := range []*provinceCity{p.cityA, p.cityB} {
		for i := range p.juris {
			if j := &p.juris[i]; j.Spec.Code == city.code {
				for _, id := range []string{"sjw", "zzb", "mzj", "nyj"} {
					j.Spec.Review.Units = append(j.Spec.Review.Units, id+"-"+city.code)
				}
			}
		}
	}
	for i := range p.juris {
		p.createEventually(&p.juris[i])
	}
	for _, city := range []*provinceCity{p.cityA, p.cityB} {
		for _, id := range []string{"sjw", "zzb", "mzj", "nyj"} {
			name := id + "-" + city.code
			u, key := provinceUnit(b, name, city.code)
			city.units[name] = key
			p.createEventually(u)
		}
	}
	if err := testenv.CreateDepartment(ctx, p.c, "tjj"); err != nil {
		b.Fatal(err)
	}
	p.stopOperator()
	logf("province: declared %d jurisdictions (default %s) and %d review units", len(p.juris), provinceCityB, len(p.cityA.units)+len(p.cityB.units))
}

// createEventually creates obj, retrying while admission does not know yet
// what was just created before it (its caches lag by milliseconds).
func (p *provinceBench) createEventually(obj client.Object) {
	var last error
	if err := wait.PollUntilContextTimeout(p.ctx, 100*time.Millisecond, 30*time.Second, true, func(ctx context.Context) (bool, error) {
		last = p.c.Create(ctx, obj.DeepCopyObject().(client.Object))
		return last == nil, nil
	}); err != nil {
		p.b.Fatalf("creating %T %s: %v", obj, obj.GetName(), last)
	}
}

// provinceProvisioning is what the provisioning step measured.
type provinceProvisioning struct {
	seconds      float64
	floorWorkers int
	// floorBefore is the best plain floor round before the operator's run
	// (NaN with no floor), floorAfter the round after it (measureFloorAfter;
	// 0 when not run); rounds is how many rounds ran before, owner their owner.
	floorBefore, floorAfter float64
	rounds                  int
	owner                   metav1.OwnerReference
}

// floor is what provision_ratio divides by: the mean of the floors that
// bracket the operator's run, or the one before it alone.
func (p provinceProvisioning) floor() float64 {
	if p.floorAfter == 0 {
		return p.floorBefore
	}
	return (p.floorBefore + p.floorAfter) / 2
}

// measureProvisioning runs the floor, waits for kube-controller-manager,
// then measures the operator's provisioning; the operator stays running.
func (p *provinceBench) measureProvisioning() provinceProvisioning {
	b, ctx, n := p.b, p.ctx, len(p.villages)
	owner, err := ensureFloorOwner(ctx, p.c)
	if err != nil {
		b.Fatal(err)
	}
	res := provinceProvisioning{floorBefore: math.NaN()}
	var floorCPU cpuUse
	rounds := provinceFloorRounds(b)
	for i, round := range rounds {
		d, used := p.runFloorRound(owner, i, round)
		if round.plain() && (res.floorWorkers == 0 || d < res.floorBefore) {
			res.floorBefore, res.floorWorkers, floorCPU = d, round.workers, used
		}
	}
	res.rounds, res.owner = len(rounds), owner
	switch {
	case len(rounds) == 0:
		logf("province floor: none (PROVINCE_FLOOR_CONCURRENCY=none): a profiling run, provision_ratio is not measured")
	case res.floorWorkers == 0:
		b.Fatal("PROVINCE_FLOOR_CONCURRENCY has no plain round to take the floor from")
	default:
		p.settleControllerManager()
	}

	watcher, err := watchReady(ctx, p.cfg, p.names)
	if err != nil {
		b.Fatal(err)
	}
	defer watcher.Stop()
	p.startOperator()
	reconcilesBefore, byController := reconciles(), reconcilesByController()
	requests, _ := apiserverCounts(ctx, p.cs)
	cpu := sampleCPU()
	stopProfile := startProfileIn(b, os.Getenv("PROVINCE_PROVISION_CPUPROFILE"))
	b.StartTimer()
	start := time.Now()
	if _, err := operator.CreateVillages(ctx, p.c, p.villages, createWorkers); err != nil {
		b.Fatal(err)
	}
	logf("province operator: created %d villages in %.1fs", n, time.Since(start).Seconds())
	profiled := p.profileAPIServer("operator")
	readyAt, err := watcher.Wait(ctx, readyTimeout, func() {
		logf("province operator: t=%.0fs ready=%d/%d writes=%d reconciles=%.0f queue=%.0f", time.Since(start).Seconds(),
			watcher.Ready(), n, p.op.writes.Writes(), reconciles()-reconcilesBefore, metricSum("workqueue_depth", "name", controllerName))
	})
	b.StopTimer()
	stopProfile()
	profiled()
	if err != nil {
		b.Fatal(err)
	}
	res.seconds = readyAt.Sub(start).Seconds()
	used := cpuSince(cpu)
	logf("province operator: all %d villages Ready after %.1fs; writes=%d; cpu (cores): %s", n, res.seconds, p.op.writes.Writes(), used)
	logf("province operator: reconciles (count/seconds in Reconcile): %s", reconcilesSince(byController))
	logf("province operator: apiserver served: %s", countsSince(ctx, p.cs, requests, float64(n)/2))
	reportNoise(floorCPU, used)
	if err := p.op.waitUntilIdle(ctx, quiet, settleTimeout); err != nil {
		b.Fatal(err)
	}
	logf("province operator: settled: writes=%d (%.2f per village: %s)", p.op.writes.Writes(), float64(p.op.writes.Writes())/float64(n), p.op.counts.Summary())
	return res
}

// runFloorRound is one floor round with the operator stopped: the
// province's villages renamed under the prefix 9<i>, created with their
// tenants by a bare client, the Villages deleted again (their namespaces
// stay: kube-controller-manager would take longer to delete them than the
// whole run). It returns the round's time in seconds and its CPU.
func (p *provinceBench) runFloorRound(owner metav1.OwnerReference, i int, round floorRound) (float64, cpuUse) {
	b, ctx := p.b, p.ctx
	fv, err := floorVillages(p.villages, fmt.Sprintf("9%d", i))
	if err != nil {
		b.Fatal(err)
	}
	stopWebhook := serveNoopVillageWebhook(ctx, b)
	defer stopWebhook()
	requests, _ := apiserverCounts(ctx, p.cs)
	cpu := sampleCPU()
	profiled := p.profileAPIServer(fmt.Sprintf("floor%d", i))
	d, err := runFloor(ctx, p.cfg, p.c, fv, owner, round)
	profiled()
	if err != nil {
		b.Fatal(err)
	}
	used := cpuSince(cpu)
	logf("province floor: workers=%s villages=%d seconds=%.1f writes/s=%.0f; cpu (cores): %s", round, len(fv), d.Seconds(), float64(9*len(fv))/d.Seconds(), used)
	logf("province floor: apiserver served: %s", countsSince(ctx, p.cs, requests, float64(len(fv))/2))
	if err := deleteVillages(ctx, p.c, fv); err != nil {
		b.Fatal(err)
	}
	return d.Seconds(), used
}

// profileAPIServer profiles the kube-apiserver for 60 s from now into
// PROVINCE_APISERVER_PROFILE-<phase>.pprof, when that prefix is set: the
// floor's rounds and the operator's provisioning (after its creates), to
// compare what the API server does for each.
func (p *provinceBench) profileAPIServer(phase string) (wait func()) {
	prefix := os.Getenv("PROVINCE_APISERVER_PROFILE")
	if prefix == "" {
		return func() {}
	}
	return profileAPIServer(p.b, p.cfg, prefix+"-"+phase+".pprof", 60)
}

// measureFloorAfter runs the floor's best round again once the operator has
// provisioned the province and stopped (PROVINCE_FLOOR_AFTER, default 1;
// 0 skips it). The operator provisions on a cluster that already holds the
// first floor's tenants; a floor measured only before it would run on an
// emptier one. The floors before and after bracket the operator's run, and
// provision_ratio is taken against their mean: the floor at the operator's
// state of the cluster, if the cost grows evenly with the tenants there.
func (p *provinceBench) measureFloorAfter(prov *provinceProvisioning) {
	if os.Getenv("PROVINCE_FLOOR_AFTER") == "0" || prov.floorWorkers == 0 {
		return
	}
	if prov.rounds >= 10 {
		p.b.Fatal("PROVINCE_FLOOR_AFTER: the first floor used every prefix 90 to 99")
	}
	p.settleControllerManager()
	prov.floorAfter, _ = p.runFloorRound(prov.owner, prov.rounds, floorRound{workers: prov.floorWorkers})
	logf("province floor: before the operator %.1fs, after it %.1fs; provision_ratio is taken against their mean %.1fs (against the floor before alone: %.2f)",
		prov.floorBefore, prov.floorAfter, prov.floor(), prov.seconds/prov.floorBefore)
}

// settleControllerManager waits (PROVINCE_SETTLE_TIMEOUT, default 25m) for
// kube-controller-manager to catch up with the namespaces just created (the
// floor's, or before the second floor the operator's).
func (p *provinceBench) settleControllerManager() {
	settle, _ := time.ParseDuration(os.Getenv("PROVINCE_SETTLE_TIMEOUT"))
	if settle <= 0 {
		settle = 25 * time.Minute
	}
	if d, err := p.waitForControllerManager(settle); err != nil {
		logf("WARNING: province: %v; the next measurement shares the machine with its trail", err)
	} else {
		logf("province: waited %.0fs for kube-controller-manager to catch up with the new namespaces", d.Seconds())
	}
}

// waitForControllerManager is floor_test.go's wait for kube-controller-manager
// at the province's size: the same test (every namespace has its default
// ServiceAccount and kube-root-ca.crt, every ResourceQuota a status), read
// in pages every 30 seconds. Listing 50,000 quotas whole every 3 seconds,
// as the city-sized wait does, keeps the apiserver busy and slows the
// very trail it waits for.
func (p *provinceBench) waitForControllerManager(timeout time.Duration) (time.Duration, error) {
	start := time.Now()
	deadline := start.Add(timeout)
	for {
		state, done, err := p.controllerManagerBacklog()
		if err != nil {
			return time.Since(start), err
		}
		if done {
			return time.Since(start), nil
		}
		if time.Now().After(deadline) {
			return time.Since(start), fmt.Errorf("kube-controller-manager did not catch up within %s: %s", timeout, state)
		}
		logf("province: waiting for kube-controller-manager: %s", state)
		select {
		case <-p.ctx.Done():
			return time.Since(start), p.ctx.Err()
		case <-time.After(30 * time.Second):
		}
	}
}

func (p *provinceBench) controllerManagerBacklog() (string, bool, error) {
	const page = 2000
	count := func(kind string, opts ...client.ListOption) (int, error) {
		n := 0
		list := &metav1.PartialObjectMetadataList{}
		list.SetGroupVersionKind(corev1.SchemeGroupVersion.WithKind(kind + "List"))
		for {
			if err := p.c.List(p.ctx, list, append(opts, client.Limit(page), client.Continue(list.Continue))...); err != nil {
				return 0, fmt.Errorf("listing %s: %w", kind, err)
			}
			n += len(list.Items)
			if list.Continue == "" {
				return n, nil
			}
		}
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
	unsynced := 0
	quotas := &corev1.ResourceQuotaList{}
	for {
		if err := p.c.List(p.ctx, quotas, client.Limit(page), client.Continue(quotas.Continue)); err != nil {
			return "", false, fmt.Errorf("listing ResourceQuotas: %w", err)
		}
		for _, q := range quotas.Items {
			if len(q.Status.Hard) == 0 {
				unsynced++
			}
		}
		if quotas.Continue == "" {
			break
		}
	}
	state := fmt.Sprintf("namespaces=%d default-serviceaccounts=%d root-ca-configmaps=%d quotas-without-status=%d",
		namespaces, accounts, rootCAs, unsynced)
	return state, accounts >= namespaces && rootCAs >= namespaces && unsynced == 0, nil
}

// provinceFloorRounds reads PROVINCE_FLOOR_CONCURRENCY (default one round
// of 512; "none" for no floor, a run that only profiles).
func provinceFloorRounds(b *testing.B) []floorRound {
	spec := os.Getenv("PROVINCE_FLOOR_CONCURRENCY")
	switch spec {
	case "":
		spec = "512"
	case "none":
		return nil
	}
	var out []floorRound
	for _, f := range strings.Split(spec, ",") {
		r, err := parseFloorRound(f)
		if err != nil {
			b.Fatalf("PROVINCE_FLOOR_CONCURRENCY=%q: %v", spec, err)
		}
		out = append(out, r)
	}
	if len(out) > 10 {
		b.Fatal("PROVINCE_FLOOR_CONCURRENCY: at most 10 rounds (floor codes use the prefixes 90 to 99)")
	}
	return out
}

// provinceRollouts is what the rollout step measured.
type provinceRollouts struct {
	seconds, floor, floorAlone float64
	floorWorkers               int
	listedPerPass, passes      int
	movedPerPass               int
}

// measureRollouts publishes a first revision to both cities, then measures
// A's rollout while B's goes on, then the floor; it leaves the cluster
// converged and the operator stopped.
func (p *provinceBench) measureRollouts() provinceRollouts {
	b, ctx := p.b, p.ctx
	a, bc := p.cityA, p.cityB
	for _, city := range []*provinceCity{a, bc} {
		p.createEventually(&governancev1alpha1.ListRollout{ObjectMeta: metav1.ObjectMeta{Name: city.rollout},
			Spec: governancev1alpha1.ListRolloutSpec{Jurisdiction: city.code}})
		p.publish(city)
	}
	for _, city := range []*provinceCity{a, bc} {
		p.waitRevisionCut(city)
		p.waitRollout(city)
	}
	if err := p.op.waitUntilIdle(ctx, quiet, settleTimeout); err != nil {
		b.Fatal(err)
	}
	logf("province rollout: %s and %s hold revisions %d and %d", a.code, bc.code, a.revision, bc.revision)

	// Measured: B's next revision, then A's while B's rollout goes on.
	overlap := 0.0
	if f, err := strconv.ParseFloat(os.Getenv("PROVINCE_OVERLAP"), 64); err == nil && f >= 0 && f < 1 {
		overlap = f
	}
	itemA := p.prepare(a) // approved by all of A's units but one
	p.poll(time.Minute, func() bool {
		item := &governancev1alpha1.ListItem{}
		return p.c.Get(ctx, client.ObjectKeyFromObject(itemA), item) == nil && strings.HasPrefix(item.Status.ApprovalSummary, strconv.Itoa(len(a.units)-1)+"/")
	}, "A's item to count its first %d approvals", len(a.units)-1)
	p.pc.reset()
	before := p.op.writes.Writes()
	cpu := sampleCPU()
	stopProfile := startProfileIn(b, os.Getenv("PROVINCE_CPUPROFILE"))
	b.StartTimer()
	p.publish(bc)
	createdB := p.waitRevisionCut(bc)
	p.poll(2*time.Minute, func() bool { return p.pc.updated(bc.code) >= int(overlap*float64(len(bc.names))) }, "B's rollout to write %.0f%% of its ConfigMaps", overlap*100)
	p.release(a, itemA)
	createdA := p.waitRevisionCut(a)
	shareB := float64(p.pc.updated(bc.code)) / float64(len(bc.names))
	done := p.waitRollouts(a, bc)
	doneA, doneB := done[0], done[1]
	b.StopTimer()
	stopProfile()
	logf("province rollout: cpu (cores) during the measured rollouts: %s", cpuSince(cpu))
	if err := p.op.waitUntilIdle(ctx, quiet, settleTimeout); err != nil {
		b.Fatal(err)
	}
	res := provinceRollouts{seconds: doneA.Sub(createdA).Seconds()}
	passes := p.pc.report()
	for _, ps := range passes {
		res.passes++
		res.listedPerPass = max(res.listedPerPass, ps.villages)
		res.movedPerPass = max(res.movedPerPass, ps.moved)
	}
	logf("province rollout: B=%s revision cut, A=%s's revision cut %.1fs later with B at %.0f%% of its ConfigMaps; A reached all %d villages %.1fs after its revision, B all %d %.1fs after its own (%+.1fs from A's end); writes=%d (%s)",
		bc.code, a.code, createdA.Sub(createdB).Seconds(), shareB*100, len(a.names), res.seconds, len(bc.names), doneB.Sub(createdB).Seconds(),
		doneB.Sub(doneA).Seconds(), p.op.writes.Writes()-before, p.op.counts.Summary())
	for _, ps := range passes {
		logf("province rollout pass: city=%s listed villages=%d lists_configmaps=%d moved=%d", ps.city, ps.villages, ps.configMaps, ps.moved)
	}
	logf("province rollout: village lists without the city index, by any controller, during the rollouts: %d calls, %d villages", p.pc.unindexedCalls(), p.pc.unindexedVillages())

	// The floor, the operator stopped: B's writes from one pool and, from
	// the same share of B's ConfigMaps on, A's from another.
	p.stopOperator()
	res.floor, res.floorAlone = 1e9, 1e9
	for _, workers := range rolloutFloorWorkers {
		alone, _ := p.rolloutFloor(nil, a, workers, 0)
		logf("province rollout floor: %s alone workers=%d seconds=%.1f", a.code, workers, alone.Seconds())
		res.floorAlone = min(res.floorAlone, alone.Seconds())
		cpu := sampleCPU()
		da, db := p.rolloutFloor(bc, a, workers, shareB)
		logf("province rollout floor: %s from %.0f%% of %s's ConfigMaps, workers=%d a pool: %s seconds=%.1f, %s seconds=%.1f; cpu (cores): %s",
			a.code, shareB*100, bc.code, workers, a.code, da.Seconds(), bc.code, db.Seconds(), cpuSince(cpu))
		if da.Seconds() < res.floor {
			res.floor, res.floorWorkers = da.Seconds(), workers
		}
	}

	// Back to the operator, which puts the floor's writes right.
	p.startOperator()
	for _, city := range []*provinceCity{a, bc} {
		p.waitRollout(city)
	}
	if err := p.op.waitUntilIdle(ctx, quiet, settleTimeout); err != nil {
		b.Fatal(err)
	}
	p.stopOperator()
	return res
}

// publish creates one more item of the city and has the city's own units
// approve it; the city's next revision will hold it.
func (p *provinceBench) publish(city *provinceCity) {
	p.release(city, p.prepare(city))
}

// prepare creates one more item of the city, approved by all of the city's
// units but the last (by name): it waits for release.
func (p *provinceBench) prepare(city *provinceCity) *governancev1alpha1.ListItem {
	p.items++
	item := &governancev1alpha1.ListItem{
		ObjectMeta: metav1.ObjectMeta{Name: fmt.Sprintf("province-item-%s-%d", city.code, p.items)},
		Spec: governancev1alpha1.ListItemSpec{List: governancev1alpha1.ListAdmission, Jurisdiction: city.code,
			Title:       fmt.Sprintf("协助开展统计调查 %s-%d", city.code, p.items),
			Content:     "配合统计部门开展入户摸底、登记工作。",
			Applicant:   governancev1alpha1.Applicant{Kind: governancev1alpha1.ApplicantCityDepartment, Name: "tjj"},
			Basis:       governancev1alpha1.Basis{Kind: governancev1alpha1.BasisLaw, Citation: "《中华人民共和国统计法》第七条"},
			VillageRole: governancev1alpha1.RoleAssist, ResponsibleDepartments: []string{"tjj"}},
	}
	if err := p.c.Create(p.ctx, item); err != nil {
		p.b.Fatal(err)
	}
	first, _ := splitUnits(city.units)
	if err := first.Approve(p.ctx, p.c, item); err != nil {
		p.b.Fatal(err)
	}
	return item
}

// release has the city's last unit approve the item: the item is approved,
// and the city's next revision is cut.
func (p *provinceBench) release(city *provinceCity, item *governancev1alpha1.ListItem) {
	_, last := splitUnits(city.units)
	if err := last.Approve(p.ctx, p.c, item); err != nil {
		p.b.Fatal(err)
	}
	city.revision++
}

// splitUnits splits the units into all but the last by name, and the last.
func splitUnits(units testenv.Units) (testenv.Units, testenv.Units) {
	names := make([]string, 0, len(units))
	for name := range units {
		names = append(names, name)
	}
	slices.Sort(names)
	first, last := testenv.Units{}, testenv.Units{}
	for i, name := range names {
		if i == len(names)-1 {
			last[name] = units[name]
		} else {
			first[name] = units[name]
		}
	}
	return first, last
}

// waitRevisionCut waits for the city's latest revision and returns when it
// was seen (its creationTimestamp has whole seconds only).
func (p *provinceBench) waitRevisionCut(city *provinceCity) time.Time {
	name := rules.NewJurisdictions(p.juris).RevisionName(city.code, city.revision)
	p.poll(2*time.Minute, func() bool {
		return p.c.Get(p.ctx, client.ObjectKey{Name: name}, &governancev1alpha1.ListRevision{}) == nil
	}, "revision %s", name)
	return time.Now()
}

// waitRollout waits until the city's rollout reports every village at its
// latest revision, and returns when it saw it.
func (p *provinceBench) waitRollout(city *provinceCity) time.Time { return p.waitRollouts(city)[0] }

// waitRollouts polls the cities' rollouts together until each reports every
// village at its latest revision, and returns when it saw each.
func (p *provinceBench) waitRollouts(cities ...*provinceCity) []time.Time {
	done := make([]time.Time, len(cities))
	left := len(cities)
	p.poll(30*time.Minute, func() bool {
		for i, city := range cities {
			if !done[i].IsZero() {
				continue
			}
			ro := &governancev1alpha1.ListRollout{}
			if err := p.c.Get(p.ctx, client.ObjectKey{Name: city.rollout}, ro); err != nil {
				continue
			}
			s := ro.Status
			if s.CurrentRevision == city.revision && int(s.UpdatedVillages) == len(city.names) && int(s.TotalVillages) == len(city.names) {
				done[i] = time.Now()
				left--
			}
		}
		return left == 0
	}, "rollouts of %d cities to reach their latest revisions", len(cities))
	return done
}

func (p *provinceBench) poll(timeout time.Duration, done func() bool, what string, args ...any) {
	deadline := time.Now().Add(timeout)
	for !done() {
		if time.Now().After(deadline) {
			p.b.Fatalf("timed out waiting for "+what, args...)
		}
		select {
		case <-p.ctx.Done():
			p.b.Fatal(p.ctx.Err())
		case <-time.After(20 * time.Millisecond):
		}
	}
}

// rolloutFloor writes, with a bare client, what rollout_test.go's floor
// writes for a city: each village's ConfigMap (lists of the same size) and
// its status, 2n writes from one pool. With other set, other's pool starts
// first and city's starts once other's has written share of other's
// ConfigMaps; it returns the time of city's pool and of other's.
func (p *provinceBench) rolloutFloor(other, city *provinceCity, workers int, share float64) (time.Duration, time.Duration) {
	var (
		otherTime time.Duration
		otherErr  error
		wg        sync.WaitGroup
	)
	write := p.floorWriter(city)
	if other != nil {
		threshold := min(len(other.villages), int(share*float64(len(other.villages))))
		reached := make(chan struct{})
		var written atomic.Int64
		var once sync.Once
		if threshold == 0 {
			once.Do(func() { close(reached) })
		}
		writeOther := p.floorWriter(other)
		wg.Go(func() {
			start := time.Now()
			otherErr = forEach(p.ctx, 2*len(other.villages), workers, func(i int) error {
				err := writeOther(i)
				if i < len(other.villages) && int(written.Add(1)) >= threshold {
					once.Do(func() { close(reached) })
				}
				return err
			})
			otherTime = time.Since(start)
			once.Do(func() { close(reached) })
		})
		<-reached
	}
	start := time.Now()
	if err := forEach(p.ctx, 2*len(city.villages), workers, write); err != nil {
		p.b.Fatal(err)
	}
	d := time.Since(start)
	wg.Wait()
	if otherErr != nil {
		p.b.Fatal(otherErr)
	}
	return d, otherTime
}

// floorWriter returns the floor's i-th write of the city: ConfigMaps for
// 0..n-1, statuses for n..2n-1 (as rollout_test.go's floor).
func (p *provinceBench) floorWriter(city *provinceCity) func(i int) error {
	sample := &corev1.ConfigMap{}
	key := client.ObjectKey{Namespace: governancev1alpha1.TenantNamespaceName(city.names[0]), Name: tenant.ListsConfigMap}
	if err := p.c.Get(p.ctx, key, sample); err != nil {
		p.b.Fatal(err)
	}
	data := sample.Data[publish.DataKey]
	marker := strconv.FormatInt(time.Now().UnixNano(), 10)
	rev := city.revision
	n := len(city.villages)
	return func(i int) error {
		if i >= n {
			status := fmt.Sprintf(`{"status":{"publishedRevision":%d}}`, rev+1000)
			return p.c.Status().Patch(p.ctx, &governancev1alpha1.Village{ObjectMeta: metav1.ObjectMeta{Name: city.villages[i-n].Name}},
				client.RawPatch(types.MergePatchType, []byte(status)))
		}
		cm := &corev1.ConfigMap{}
		patch := fmt.Sprintf(`{"metadata":{"annotations":{%q:%q,%q:%q}},"data":{%q:%q}}`,
			publish.AnnotationRevision, strconv.FormatInt(rev, 10), publish.AnnotationContentHash, "floor-"+marker, publish.DataKey, data)
		cm.Namespace, cm.Name = governancev1alpha1.TenantNamespaceName(city.villages[i].Name), tenant.ListsConfigMap
		return p.c.Patch(p.ctx, cm, client.RawPatch(types.MergePatchType, []byte(patch)))
	}
}

// startOperator starts the manager with the province's counting client.
func (p *provinceBench) startOperator() {
	pc := newProvinceClient()
	op, err := startOperatorWrapped(p.ctx, p.cfg, operator.DefaultConcurrency, func(c client.Client) client.Client {
		pc.Client = c
		return pc
	})
	if err != nil {
		p.b.Fatal(err)
	}
	p.op, p.pc = op, pc
}

// stopOperator stops the manager once it is idle (the workqueue gauges are
// per controller name; a manager stopped with work queued would leave them
// non-zero for the next one).
func (p *provinceBench) stopOperator() {
	if err := p.op.waitUntilIdle(p.ctx, quiet, settleTimeout); err != nil {
		p.b.Fatal(err)
	}
	if err := p.op.Stop(); err != nil {
		p.b.Fatal(err)
	}
	p.op = nil
}

// startOperatorWrapped is startOperator (operator_test.go) with one more
// client wrapped around the manager's counting ones.
func startOperatorWrapped(ctx context.Context, cfg *rest.Config, concurrency int, wrap func(client.Client) client.Client) (*runningOperator, error) {
	host, port, certDir := env.ControlPlane.WebhookServing()
	op := &runningOperator{done: make(chan error, 1)}
	mgr, err := operator.NewManager(cfg, operator.Options{
		MetricsAddr: "0", ProbeAddr: "0",
		WebhookHost: host, WebhookPort: port, WebhookCertDir: certDir,
		Concurrency:        concurrency,
		SkipNameValidation: true,
		WrapClient: func(c client.Client) client.Client {
			op.writes = writecount.Wrap(c)
			op.counts = newCounts(op.writes)
			return wrap(op.counts)
		},
	})
	if err != nil {
		return nil, err
	}
	mctx, cancel := context.WithCancel(ctx)
	op.stop = cancel
	go func() { op.done <- mgr.Start(mctx) }()
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
	time.Sleep(500 * time.Millisecond)
	select {
	case err := <-op.done:
		return nil, fmt.Errorf("the manager stopped: %w", err)
	default:
	}
	return op, nil
}

// provinceClient wraps the manager's client to count the rollout
// controller's work per pass. ListRolloutReconciler.load lists, with the
// context of one reconcile, the city's Villages and then the city's lists
// ConfigMaps, both through the field index controllers.IndexCity; no other
// controller lists ConfigMaps through that index. So a city-indexed
// ConfigMap list that follows a city-indexed Village list made with the
// same context is one rollout pass, and the lists ConfigMap updates made
// with that context (ListRolloutReconciler.write) are the villages the pass
// moved. The jurisdiction controller's city-indexed Village lists (counting
// a city's villages) are not followed by a ConfigMap list and never count.
type provinceClient struct {
	client.Client
	mu sync.Mutex
	// pendingVillages are the city-indexed Village lists not yet paired, by context.
	pendingVillages map[context.Context]int
	byContext       map[context.Context]*rolloutPassCount
	passes          []*rolloutPassCount
	// updates are the lists ConfigMap updates by city.
	updates         map[string]int
	unindexed       int
	unindexedListed int
}

// rolloutPassCount is one pass of the rollout controller.
type rolloutPassCount struct {
	city                 string
	villages, configMaps int
	moved                int
}

func newProvinceClient() *provinceClient {
	pc := &provinceClient{}
	pc.reset()
	return pc
}

// reset forgets what was counted so far.
func (c *provinceClient) reset() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.pendingVillages = map[context.Context]int{}
	c.byContext = map[context.Context]*rolloutPassCount{}
	c.passes = nil
	c.updates = map[string]int{}
	c.unindexed, c.unindexedListed = 0, 0
}

func (c *provinceClient) List(ctx context.Context, list client.ObjectList, opts ...client.ListOption) error {
	err := c.Client.List(ctx, list, opts...)
	if err != nil {
		return err
	}
	var city string
	var indexed bool
	if sel := (&client.ListOptions{}).ApplyOptions(opts).FieldSelector; sel != nil {
		city, indexed = sel.RequiresExactMatch(controllers.IndexCity)
	}
	n := meta.LenList(list)
	c.mu.Lock()
	defer c.mu.Unlock()
	switch list.(type) {
	case *governancev1alpha1.VillageList:
		if !indexed {
			c.unindexed++
			c.unindexedListed += n
			return nil
		}
		if len(c.pendingVillages) > 1024 { // unpaired lists of other controllers
			c.pendingVillages = map[context.Context]int{}
		}
		c.pendingVillages[ctx] = n
	case *corev1.ConfigMapList:
		villages, ok := c.pendingVillages[ctx]
		if !indexed || !ok {
			return nil
		}
		delete(c.pendingVillages, ctx)
		pass := &rolloutPassCount{city: city, villages: villages, configMaps: n}
		c.byContext[ctx] = pass
		c.passes = append(c.passes, pass)
	}
	return nil
}

func (c *provinceClient) Update(ctx context.Context, obj client.Object, opts ...client.UpdateOption) error {
	if cm, ok := obj.(*corev1.ConfigMap); ok && cm.Name == tenant.ListsConfigMap {
		c.mu.Lock()
		c.updates[governancev1alpha1.CityOf(cm.Labels[governancev1alpha1.LabelVillage])]++
		if pass := c.byContext[ctx]; pass != nil {
			pass.moved++
		}
		c.mu.Unlock()
	}
	return c.Client.Update(ctx, obj, opts...)
}

// updated is how many lists ConfigMap updates of the city were made.
func (c *provinceClient) updated(city string) int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.updates[city]
}

// report copies the passes counted so far.
func (c *provinceClient) report() []rolloutPassCount {
	c.mu.Lock()
	defer c.mu.Unlock()
	out := make([]rolloutPassCount, len(c.passes))
	for i, p := range c.passes {
		out[i] = *p
	}
	slices.SortStableFunc(out, func(a, b rolloutPassCount) int { return strings.Compare(a.city, b.city) })
	return out
}

func (c *provinceClient) unindexedCalls() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.unindexed
}

func (c *provinceClient) unindexedVillages() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.unindexedListed
}

// provinceUnit is a review unit of a jurisdiction with a fresh key whose
// id is "<name>-test", as testenv.Units.Approve signs.
func provinceUnit(b *testing.B, name, jurisdiction string) (*governancev1alpha1.ReviewUnit, ed25519.PrivateKey) {
	pub, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		b.Fatal(err)
	}
	return &governancev1alpha1.ReviewUnit{ObjectMeta: metav1.ObjectMeta{Name: name}, Spec: governancev1alpha1.ReviewUnitSpec{
		DisplayName: name, Group: "cunshe:unit:" + name, Jurisdiction: jurisdiction,
		PublicKeys: []governancev1alpha1.PublicKey{{ID: name + "-test", Ed25519: base64.StdEncoding.EncodeToString(pub)}}}}, priv
}
