// Package portalbench measures the public portal on the 3,685-village city
// (make bench, BENCH_ONLY=portal): village pages per second and their
// latency at 50 and 200 concurrent clients, against a floor measured in the
// same run — the same bytes served as static files by net/http.FileServer —
// and the manager's heap growth when the portal starts.
//
// The city is real: Wenzhou's registry provisioned by the operator, 60
// approved items over the six lists rolled out to every village, two 三务公开
// records per village filed by its cadre through the webhook.
package portalbench

import (
	"context"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/client-go/rest"
	"k8s.io/utils/ptr"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"

	governancev1alpha1 "github.com/cunshe/cunshe-operator/api/v1alpha1"
	"github.com/cunshe/cunshe-operator/config"
	"github.com/cunshe/cunshe-operator/internal/divisions"
	"github.com/cunshe/cunshe-operator/internal/operator"
	"github.com/cunshe/cunshe-operator/internal/portal"
	"github.com/cunshe/cunshe-operator/internal/publish"
	"github.com/cunshe/cunshe-operator/internal/testenv"
)

var env *testenv.Env

func TestMain(m *testing.M) {
	testenv.Run(m, testenv.Options{Manager: false, APIServerFlags: testenv.BenchAPIServerFlags}, &env)
}

const (
	itemsPerList = 10
	writers      = 32
)

// Run lengths: BENCH_PORTAL_SECONDS per concurrency level and arm.
func runLength() time.Duration {
	if s := os.Getenv("BENCH_PORTAL_SECONDS"); s != "" {
		if d, err := time.ParseDuration(s + "s"); err == nil {
			return d
		}
	}
	return 8 * time.Second
}

func BenchmarkPortal(b *testing.B) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	mgr := startOperator(b, ctx)
	villages := seedCity(b, ctx)
	waitPublished(b, ctx, villages)
	waitRecordsReady(b, ctx, 2*len(villages))

	before := liveHeap()
	site := portal.NewSite("")
	srv := &portal.Server{Addr: "127.0.0.1:0", Site: site, Cache: mgr.GetCache(), CacheDir: b.TempDir(), Log: ctrl.Log.WithName("portal")}
	addr, err := srv.Listen()
	if err != nil {
		b.Fatal(err)
	}
	site.PublicURL = "http://" + addr
	go func() { _ = srv.Start(ctx) }()
	base := "http://" + addr
	waitPortal(b, base, villages)

	paths := make([]string, len(villages))
	for i, v := range villages {
		paths[i] = "/v/" + v.Name + "/"
	}
	// The first view of each page renders it (and fills the portal's page
	// cache); its pages are the floor's files.
	floorDir := b.TempDir()
	coldStart := time.Now()
	bytesPerPage := writeFloor(b, base, floorDir, paths)
	cold := float64(len(paths)) / time.Since(coldStart).Seconds()
	floor := &http.Server{Handler: http.FileServer(http.Dir(floorDir)), ReadHeaderTimeout: 5 * time.Second}
	fl, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	go func() { _ = floor.Serve(fl) }()
	defer func() { _ = floor.Close() }()
	floorBase := "http://" + fl.Addr().String()

	b.ResetTimer()
	for _, clients := range []int{50, 200} {
		// Alternate the arms, twice each, so that a noisy second hits both.
		var ops, flo []load
		for range 2 {
			flo = append(flo, hammer(b, floorBase, paths, clients, runLength()))
			ops = append(ops, hammer(b, base, paths, clients, runLength()))
		}
		op, fr := best(ops), best(flo)
		fmt.Printf("portal villages=%d clients=%d pages_per_second=%.0f floor_pages_per_second=%.0f throughput_ratio=%.2f p50_ms=%.2f p99_ms=%.2f floor_p50_ms=%.2f floor_p99_ms=%.2f p99_ratio=%.2f bytes_per_page=%d first_view_pages_per_second=%.0f errors=%d target_throughput_ratio=0.8 target_p99_ratio=1.25\n",
			len(villages), clients, op.perSecond, fr.perSecond, op.perSecond/fr.perSecond, ms(op.p50), ms(op.p99), ms(fr.p50), ms(fr.p99),
			float64(op.p99)/float64(fr.p99), bytesPerPage, cold, op.errors+fr.errors)
	}
	b.StopTimer()
	http.DefaultTransport.(*http.Transport).CloseIdleConnections()
	time.Sleep(2 * time.Second) // the servers' connections close behind the clients'
	after := liveHeap()
	fmt.Printf("portal memory villages=%d heap_growth_bytes_per_village=%.0f heap_before_mib=%.1f heap_after_mib=%.1f target=2048\n",
		len(villages), float64(after-before)/float64(len(villages)), mib(before), mib(after))
	runtime.KeepAlive(site)
}

// startOperator runs the operator's manager without its portal: the bench
// starts the portal itself once the city has converged, to weigh it.
func startOperator(b *testing.B, ctx context.Context) ctrl.Manager {
	host, port, certDir := env.ControlPlane.WebhookServing()
	cfg := rest.CopyConfig(env.Config)
	cfg.QPS, cfg.Burst = -1, 0
	mgr, err := operator.NewManager(cfg, operator.Options{
		MetricsAddr: "0", ProbeAddr: "0", WebhookHost: host, WebhookPort: port, WebhookCertDir: certDir,
		RevisionSettle: time.Second, SkipNameValidation: true,
	})
	if err != nil {
		b.Fatal(err)
	}
	go func() { _ = mgr.Start(ctx) }()
	if !mgr.GetCache().WaitForCacheSync(ctx) {
		b.Fatal("the manager's cache did not sync")
	}
	deadline := time.Now().Add(time.Minute)
	for mgr.GetWebhookServer().StartedChecker()(nil) != nil {
		if time.Now().After(deadline) {
			b.Fatal("the webhook server did not start")
		}
		time.Sleep(50 * time.Millisecond)
	}
	return mgr
}

// seedCity declares Wenzhou, its units and a department, imports its 3,685
// villages, approves 60 items and rolls them out; then each village's
// cadre files two records.
func seedCity(b *testing.B, ctx context.Context) []governancev1alpha1.Village {
	c := env.Client
	must(b, c.Create(ctx, &governancev1alpha1.Jurisdiction{ObjectMeta: metav1.ObjectMeta{Name: "3303"},
		Spec: governancev1alpha1.JurisdictionSpec{Code: "3303", Name: "温州市", Level: governancev1alpha1.LevelCity, Default: true}}))
	units, err := testenv.CreateReviewUnits(ctx, c)
	must(b, err)
	must(b, testenv.CreateDepartment(ctx, c, "tjj"))
	villages, err := divisions.Parse(config.SampleDivisions())
	must(b, err)
	must(b, parallel(len(villages), func(i int) error { return c.Create(ctx, villages[i].DeepCopy()) }))
	must(b, c.Create(ctx, benchFlow()))
	var items []*governancev1alpha1.ListItem
	for _, list := range governancev1alpha1.Lists {
		for i := range itemsPerList {
			items = append(items, benchItem(list, i))
		}
	}
	must(b, parallel(len(items), func(i int) error {
		if err := c.Create(ctx, items[i]); err != nil {
			return err
		}
		return units.Approve(ctx, c, items[i])
	}))
	must(b, c.Create(ctx, &governancev1alpha1.ListRollout{ObjectMeta: metav1.ObjectMeta{Name: "citywide"},
		Spec: governancev1alpha1.ListRolloutSpec{Steps: []governancev1alpha1.RolloutStep{{Percent: ptr.To[int32](100)}}}}))
	cadres := cadreClient(b)
	must(b, parallel(len(villages), func(i int) error { return disclose(ctx, cadres, villages[i].Name) }))
	return villages
}

func benchItem(list governancev1alpha1.ListKind, i int) *governancev1alpha1.ListItem {
	it := &governancev1alpha1.ListItem{
		ObjectMeta: metav1.ObjectMeta{Name: fmt.Sprintf("bench-%s-%02d", strings.ToLower(string(list)), i)},
		Spec: governancev1alpha1.ListItemSpec{
			List: list, Title: fmt.Sprintf("%s第%d项：协助开展统计调查入户登记", governancev1alpha1.ListTitles[list], i+1),
			Content:                "配合统计部门开展调查的入户摸底、登记工作，不承担填表报送以外的任务。",
			Applicant:              governancev1alpha1.Applicant{Kind: governancev1alpha1.ApplicantCityDepartment, Name: "tjj"},
			Basis:                  governancev1alpha1.Basis{Kind: governancev1alpha1.BasisLaw, Citation: "《中华人民共和国统计法》第七条"},
			ResponsibleDepartments: []string{"tjj"},
		},
	}
	switch list {
	case governancev1alpha1.ListAdmission:
		it.Spec.VillageRole = governancev1alpha1.RoleAssist
	case governancev1alpha1.ListMicroPower:
		it.Spec.FlowRef = "village-engineering-project" // P1
	}
	return it
}

// benchFlow is the sample 四议两公开 flow of a village engineering project.
func benchFlow() *governancev1alpha1.PowerFlow {
	step := func(id, name string, actor governancev1alpha1.FlowActor, public bool, next ...string) governancev1alpha1.FlowStep {
		return governancev1alpha1.FlowStep{ID: id, Name: name, Actor: actor, PublicNotice: public, Next: next}
	}
	return &governancev1alpha1.PowerFlow{ObjectMeta: metav1.ObjectMeta{Name: "village-engineering-project"},
		Spec: governancev1alpha1.PowerFlowSpec{Title: "村级工程项目", Start: "propose", Steps: []governancev1alpha1.FlowStep{
			step("propose", "村党组织提议", "PartyOrganization", false, "discuss"),
			step("discuss", "村两委联席会议商议", "VillagersCommittee", false, "review"),
			step("review", "党员大会审议", "PartyOrganization", false, "resolve"),
			step("resolve", "村民（代表）会议决议", "VillagersAssembly", false, "notice"),
			step("notice", "决议公开", "VillagersCommittee", true, "build"),
			step("build", "签订合同并组织施工", "VillagersCommittee", false, "result"),
			step("result", "实施结果公开并归档", "VillagersCommittee", true),
		}}}
}

// cadreClient acts as the cadre of the village in the request's context, as
// the webhook requires (S10), through one connection pool.
type cadreKey struct{}

func cadreClient(b *testing.B) client.Client {
	cfg := rest.CopyConfig(env.Config)
	cfg.QPS, cfg.Burst = -1, 0
	cfg.WrapTransport = func(rt http.RoundTripper) http.RoundTripper {
		return roundTripper(func(r *http.Request) (*http.Response, error) {
			if code, ok := r.Context().Value(cadreKey{}).(string); ok {
				r = r.Clone(r.Context())
				r.Header.Set("Impersonate-User", "cadre-"+code)
				r.Header.Add("Impersonate-Group", governancev1alpha1.VillageGroupPrefix+code)
				r.Header.Add("Impersonate-Group", "system:authenticated")
			}
			return rt.RoundTrip(r)
		})
	}
	c, err := client.New(cfg, client.Options{Scheme: operator.Scheme()})
	must(b, err)
	return c
}

type roundTripper func(*http.Request) (*http.Response, error)

func (f roundTripper) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

// disclose files a quarter's finances and a residents' meeting, once the
// village's tenant grants its cadres their role.
func disclose(ctx context.Context, c client.Client, code string) error {
	ns := governancev1alpha1.TenantNamespaceName(code)
	for deadline := time.Now().Add(3 * time.Minute); ; {
		if err := env.Client.Get(ctx, client.ObjectKey{Namespace: ns, Name: "cunshe-village"}, &rbacv1.RoleBinding{}); err == nil {
			break
		} else if time.Now().After(deadline) {
			return fmt.Errorf("tenant %s: %w", ns, err)
		}
		time.Sleep(time.Second)
	}
	ctx = context.WithValue(ctx, cadreKey{}, code)
	for _, d := range []governancev1alpha1.DisclosureSpec{
		{Category: governancev1alpha1.DisclosureFinance, Title: "2026年第三季度财务收支公开", Period: "2026-Q3", Format: governancev1alpha1.DisclosureMarkdown,
			Body: "| 项目 | 金额（元） |\n|---|---|\n| 经营收入 | 312,400.00 |\n| 转移支付 | 150,000.00 |\n| 管理费用 | 98,760.00 |\n| 公益事业支出 | 91,000.00 |\n\n经村务监督委员会审核。"},
		{Category: governancev1alpha1.DisclosureVillageAffairs, Title: "居民代表会议决议公开", Period: "2026-11",
			Body: "2026年11月5日召开居民代表会议，应到45人，实到41人。\n\n会议表决通过老旧小区加装电梯补助方案。"},
	} {
		name := "bench-" + strings.ToLower(string(d.Category))
		// The API server's RBAC learns of a new RoleBinding a moment later.
		err := wait.PollUntilContextTimeout(ctx, 200*time.Millisecond, 30*time.Second, true, func(ctx context.Context) (bool, error) {
			err := c.Create(ctx, &governancev1alpha1.Disclosure{ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: ns}, Spec: d})
			switch {
			case err == nil || apierrors.IsAlreadyExists(err):
				return true, nil
			case apierrors.IsForbidden(err):
				return false, nil
			}
			return false, err
		})
		if err != nil {
			return fmt.Errorf("disclosure %s/%s: %w", ns, name, err)
		}
	}
	return nil
}

// waitPublished waits until every village's lists ConfigMap holds a revision.
func waitPublished(b *testing.B, ctx context.Context, villages []governancev1alpha1.Village) {
	deadline := time.Now().Add(10 * time.Minute)
	for {
		list := &corev1.ConfigMapList{}
		must(b, env.Client.List(ctx, list, client.MatchingLabels{"governance.cunshe.io/lists": "true"}))
		held := 0
		for _, cm := range list.Items {
			if cm.Annotations[publish.AnnotationRevision] != "" {
				held++
			}
		}
		if held == len(villages) {
			return
		}
		if time.Now().After(deadline) {
			b.Fatalf("only %d of %d villages hold the lists", held, len(villages))
		}
		time.Sleep(2 * time.Second)
	}
}

// waitRecordsReady waits until the disclosure controller has written every
// record's status, so that the heap measured before the portal starts is a
// settled operator's.
func waitRecordsReady(b *testing.B, ctx context.Context, n int) {
	deadline := time.Now().Add(10 * time.Minute)
	for {
		list := &governancev1alpha1.DisclosureList{}
		must(b, env.Client.List(ctx, list))
		ready := 0
		for _, d := range list.Items {
			if d.Status.ObservedGeneration == d.Generation && d.Status.Village != "" {
				ready++
			}
		}
		if ready == n {
			time.Sleep(2 * time.Second)
			return
		}
		if time.Now().After(deadline) {
			b.Fatalf("only %d of %d records have their status", ready, n)
		}
		time.Sleep(2 * time.Second)
	}
}

// waitPortal waits until the portal shows the last village with its records.
func waitPortal(b *testing.B, base string, villages []governancev1alpha1.Village) {
	deadline := time.Now().Add(time.Minute)
	for {
		resp, err := http.Get(base + "/v/" + villages[len(villages)-1].Name + "/")
		if err == nil {
			body, _ := io.ReadAll(resp.Body)
			_ = resp.Body.Close()
			if resp.StatusCode == http.StatusOK && strings.Contains(string(body), `id="d-bench-finance"`) {
				return
			}
		}
		if time.Now().After(deadline) {
			b.Fatalf("the portal did not serve: %v", err)
		}
		time.Sleep(500 * time.Millisecond)
	}
}

// writeFloor saves every village page as the portal serves it: the floor
// serves these same bytes as static files.
func writeFloor(b *testing.B, base, dir string, paths []string) int {
	var total atomic.Int64
	must(b, parallel(len(paths), func(i int) error {
		resp, err := http.Get(base + paths[i])
		if err != nil {
			return err
		}
		defer func() { _ = resp.Body.Close() }()
		body, err := io.ReadAll(resp.Body)
		if err != nil || resp.StatusCode != http.StatusOK {
			return fmt.Errorf("%s: %d %v", paths[i], resp.StatusCode, err)
		}
		total.Add(int64(len(body)))
		file := filepath.Join(dir, filepath.FromSlash(paths[i]), "index.html")
		if err := os.MkdirAll(filepath.Dir(file), 0o755); err != nil {
			return err
		}
		return os.WriteFile(file, body, 0o644)
	}))
	return int(total.Load()) / len(paths)
}

// load is one run of clients fetching random village pages.
type load struct {
	perSecond float64
	p50, p99  time.Duration
	errors    int64
}

func hammer(b *testing.B, base string, paths []string, clients int, d time.Duration) load {
	tr := &http.Transport{MaxIdleConnsPerHost: clients, MaxConnsPerHost: clients}
	defer tr.CloseIdleConnections()
	hc := &http.Client{Transport: tr, Timeout: 30 * time.Second}
	var mu sync.Mutex
	var latencies []time.Duration
	var errs atomic.Int64
	stop := time.Now().Add(d)
	var wg sync.WaitGroup
	for w := range clients {
		wg.Go(func() {
			rng := rand.New(rand.NewPCG(uint64(w), 7))
			var mine []time.Duration
			for time.Now().Before(stop) {
				start := time.Now()
				resp, err := hc.Get(base + paths[rng.IntN(len(paths))])
				if err != nil {
					errs.Add(1)
					continue
				}
				_, err = io.Copy(io.Discard, resp.Body)
				_ = resp.Body.Close()
				if err != nil || resp.StatusCode != http.StatusOK {
					errs.Add(1)
					continue
				}
				mine = append(mine, time.Since(start))
			}
			mu.Lock()
			latencies = append(latencies, mine...)
			mu.Unlock()
		})
	}
	wg.Wait()
	if len(latencies) == 0 {
		b.Fatalf("no page served by %s", base)
	}
	slices.Sort(latencies)
	return load{perSecond: float64(len(latencies)) / d.Seconds(), p50: latencies[len(latencies)/2],
		p99: latencies[len(latencies)*99/100], errors: errs.Load()}
}

// best is the run with the highest throughput: noise only ever slows a run.
func best(runs []load) load {
	return slices.MaxFunc(runs, func(a, b load) int {
		switch {
		case a.perSecond < b.perSecond:
			return -1
		case a.perSecond > b.perSecond:
			return 1
		}
		return 0
	})
}

func liveHeap() int64 {
	runtime.GC()
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return int64(m.HeapAlloc)
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

func mib(n int64) float64 { return float64(n) / (1 << 20) }

func must(b *testing.B, err error) {
	b.Helper()
	if err != nil {
		b.Fatal(err)
	}
}

// parallel runs do(0..n-1) on writers goroutines and returns the first error.
func parallel(n int, do func(int) error) error {
	var next atomic.Int64
	var wg sync.WaitGroup
	var first atomic.Pointer[error]
	for range writers {
		wg.Go(func() {
			for i := int(next.Add(1) - 1); i < n && first.Load() == nil; i = int(next.Add(1) - 1) {
				if err := do(i); err != nil {
					first.CompareAndSwap(nil, &err)
				}
			}
		})
	}
	wg.Wait()
	if p := first.Load(); p != nil {
		return *p
	}
	return nil
}
