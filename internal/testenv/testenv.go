// Package testenv starts, once per test package, a real control plane
// (etcd, kube-apiserver, kube-controller-manager) with the CRDs and webhooks
// installed and the operator's manager running against it.
package testenv

import (
	"context"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"go.uber.org/zap/zapcore"
	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/client-go/rest"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/log/zap"

	"github.com/cunshe/cunshe-operator/config"
	"github.com/cunshe/cunshe-operator/internal/localcp"
	"github.com/cunshe/cunshe-operator/internal/operator"
	"github.com/cunshe/cunshe-operator/internal/writecount"
)

// K8sVersion is the version hack/build-controlplane.sh builds.
const K8sVersion = "1.37.2"

// Env is a running control plane with the operator.
type Env struct {
	ControlPlane *localcp.ControlPlane
	opts         Options
	parity       parity
	Config       *rest.Config
	// Client talks to the apiserver directly, as a user with kubectl would.
	Client client.Client
	// Operator counts the writes of the manager's client.
	Operator *writecount.Client
	// PortalURL is the portal's address when Options.Portal is set.
	PortalURL string
	// MetricsURL is the metrics endpoint's https://host:port when
	// Options.Metrics is set.
	MetricsURL string
	cancel     context.CancelFunc
	done       chan error
}

// Options select what runs.
type Options struct {
	// Manager starts the operator's manager.
	Manager bool
	// Concurrency of the manager's controllers (0: default).
	Concurrency int
	// AggregateClusterRoles runs the controller-manager's cluster role
	// aggregation (the RBAC tests).
	AggregateClusterRoles bool
	// Now is the manager's clock for task admission and audit (nil: time.Now).
	Now func() time.Time
	// NoWebhooks installs no webhook configuration: the schema and the CEL
	// rules alone decide (the API package's tests, which run no operator).
	NoWebhooks bool
	// RefuseSampleKeys runs the operator as in a real cluster, refusing the
	// shipped sample keys; by default the tests run it as local mode does.
	RefuseSampleKeys bool
	// Portal serves the public portal on a free loopback port (Env.PortalURL).
	Portal bool
	// CRDs are installed beside the operator's (e.g. stand-ins for the
	// CRDs of a chart's optional objects: ServiceMonitor, PrometheusRule).
	CRDs []*apiextensionsv1.CustomResourceDefinition
	// Metrics serves the metrics endpoint as the deployed operator does
	// (HTTPS, authenticated and authorized by the API server) on a free
	// loopback port (Env.MetricsURL).
	Metrics bool
	// Setup runs with an admin client once the manager serves its webhooks,
	// to seed what every test of the package relies on.
	Setup func(client.Client) error
	// APIServerFlags are extra kube-apiserver flags (the benchmarks turn
	// off its background work that is nobody's request).
	APIServerFlags map[string]string
	// OfflineParity checks every create the API server refuses offline too:
	// kubectl cunshe validate must refuse it for the same rules (parity.go).
	OfflineParity bool
}

// BenchAPIServerFlags are the benchmarks' kube-apiserver flags: they turn
// off the watch cache's consistency check (DetectCacheInconsistency, on by
// default since Kubernetes 1.34). Every 5 to 7.5 minutes, for each
// resource, it lists and decodes every object from etcd: nobody's request,
// and not the operator's work. It lands at random, more often in a long
// window than in a short one, so it weighs on the operator's side of a
// ratio more than on the floor's: in one audit run it took 0.31 of the
// kube-apiserver's 1.03 CPU-seconds in the window's first second (10,000
// tasks decoded).
var BenchAPIServerFlags = map[string]string{"feature-gates": "DetectCacheInconsistency=false"}

// AssetsDir finds the control plane binaries: $KUBEBUILDER_ASSETS, else the
// repository's bin/k8s, so `go test` works without make once they are built.
func AssetsDir() string {
	if dir := os.Getenv("KUBEBUILDER_ASSETS"); dir != "" {
		return dir
	}
	_, file, _, _ := runtime.Caller(0)
	root := filepath.Join(filepath.Dir(file), "..", "..")
	return filepath.Join(root, "bin", "k8s", K8sVersion+"-linux-"+runtime.GOARCH)
}

// Start brings up the control plane and, if asked, the manager.
func Start(opts Options) (*Env, error) {
	ctrl.SetLogger(zap.New(zap.WriteTo(os.Stderr), zap.Level(zapLevel())))
	crds, err := config.CRDs()
	if err != nil {
		return nil, err
	}
	validating, mutating, err := config.Webhooks()
	if err != nil {
		return nil, err
	}
	if opts.NoWebhooks {
		validating, mutating = nil, nil
	}
	cp, err := localcp.Start(localcp.Options{
		AssetsDir: AssetsDir(), ControllerManager: true, AggregateClusterRoles: opts.AggregateClusterRoles,
		CRDs: append(crds, opts.CRDs...), ValidatingWebhooks: validating, MutatingWebhooks: mutating,
		APIServerFlags: opts.APIServerFlags,
	})
	if err != nil {
		return nil, err
	}
	env := &Env{ControlPlane: cp, Config: cp.Config, opts: opts}
	if env.Client, err = env.newClient(cp.Config); err != nil {
		_ = cp.Stop()
		return nil, err
	}
	if err := operator.EnsureTenantClusterRoles(context.Background(), env.Client); err != nil {
		_ = cp.Stop()
		return nil, err
	}
	if opts.Manager {
		if err := env.startManager(opts); err != nil {
			_ = env.Stop()
			return nil, err
		}
	}
	if opts.Setup != nil {
		if err := opts.Setup(env.Client); err != nil {
			_ = env.Stop()
			return nil, fmt.Errorf("seeding the test cluster: %w", err)
		}
	}
	return env, nil
}

func (e *Env) startManager(opts Options) error {
	host, port, certDir := e.ControlPlane.WebhookServing()
	if opts.Portal && e.PortalURL == "" {
		addr, err := freeLoopbackAddr()
		if err != nil {
			return err
		}
		e.PortalURL = "http://" + addr
	}
	metricsAddr := "0"
	if opts.Metrics {
		if e.MetricsURL == "" {
			addr, err := freeLoopbackAddr()
			if err != nil {
				return err
			}
			e.MetricsURL = "https://" + addr
		}
		metricsAddr = strings.TrimPrefix(e.MetricsURL, "https://")
	}
	mgr, err := operator.NewManager(e.Config, operator.Options{
		AllowSampleKeys: !opts.RefuseSampleKeys,
		MetricsAddr:     metricsAddr, MetricsSecure: opts.Metrics, ProbeAddr: "0", PortalAddr: strings.TrimPrefix(e.PortalURL, "http://"), PortalPublicURL: e.PortalURL,
		WebhookHost: host, WebhookPort: port, WebhookCertDir: certDir,
		Concurrency: opts.Concurrency, Now: opts.Now,
		RevisionSettle: time.Second, RevisionHistoryLimit: 2, SkipNameValidation: true,
		WrapClient: func(c client.Client) client.Client {
			e.Operator = writecount.Wrap(c)
			return e.Operator
		},
	})
	if err != nil {
		return err
	}
	ctx, cancel := context.WithCancel(context.Background())
	e.cancel, e.done = cancel, make(chan error, 1)
	go func() { e.done <- mgr.Start(ctx) }()
	if !mgr.GetCache().WaitForCacheSync(ctx) {
		return fmt.Errorf("the manager's cache did not sync")
	}
	// The apiserver calls the webhooks from the first request on.
	started := mgr.GetWebhookServer().StartedChecker()
	return wait.PollUntilContextTimeout(ctx, 50*time.Millisecond, time.Minute, true, func(context.Context) (bool, error) {
		return started(nil) == nil, nil
	})
}

// freeLoopbackAddr is a loopback address with a port free now (the portal
// keeps it across restarts of the manager).
func freeLoopbackAddr() (string, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	defer func() { _ = l.Close() }()
	return l.Addr().String(), nil
}

// RestartManager stops the operator and starts a new one, as a crash or an
// upgrade would: only what the cluster holds survives.
func (e *Env) RestartManager() error {
	return e.RestartManagerAfter(func() error { return nil })
}

// RestartManagerAfter stops the operator, runs whileStopped and starts a new
// one, which must find what changed meanwhile from the cluster alone.
func (e *Env) RestartManagerAfter(whileStopped func() error) error {
	if err := e.stopManager(); err != nil {
		return err
	}
	if err := whileStopped(); err != nil {
		return err
	}
	return e.startManager(e.opts)
}

func (e *Env) stopManager() error {
	if e.cancel == nil {
		return nil
	}
	e.cancel()
	err := <-e.done
	e.cancel = nil
	return err
}

// Stop stops the manager and the control plane.
func (e *Env) Stop() error {
	if err := e.stopManager(); err != nil {
		return err
	}
	return e.ControlPlane.Stop()
}

// Run is the body of a TestMain: it starts the environment, runs the tests
// and stops it, and exits with the tests' code.
func Run(m interface{ Run() int }, opts Options, env **Env) {
	e, err := Start(opts)
	if err != nil {
		fmt.Fprintf(os.Stderr, "starting the test control plane: %v\n", err)
		os.Exit(1)
	}
	*env = e
	code := m.Run()
	if e.parity.report() && code == 0 {
		code = 1
	}
	if err := e.Stop(); err != nil {
		fmt.Fprintf(os.Stderr, "stopping the test control plane: %v\n", err)
		if code == 0 {
			code = 1
		}
	}
	os.Exit(code)
}

func zapLevel() zapcore.Level {
	if os.Getenv("TEST_VERBOSE_LOGS") != "" {
		return zapcore.DebugLevel
	}
	return zapcore.ErrorLevel // keep test output readable
}

// As returns a client that acts as the given user and groups (impersonation),
// so that tests see what RBAC and the webhooks decide for that user.
func (e *Env) As(user string, groups ...string) (client.Client, error) {
	cfg := rest.CopyConfig(e.Config)
	cfg.Impersonate = rest.ImpersonationConfig{UserName: user, Groups: groups}
	return e.newClient(cfg)
}

// newClient is a client of cfg's user; with OfflineParity, its refused
// creates are checked offline.
func (e *Env) newClient(cfg *rest.Config) (client.Client, error) {
	c, err := client.NewWithWatch(cfg, client.Options{Scheme: operator.Scheme()})
	if err != nil || !e.opts.OfflineParity {
		return c, err
	}
	return e.withParity(c)
}

// ClientAs is As for a test: it fails the test when the client cannot be built.
func (e *Env) ClientAs(t testing.TB, user string, groups ...string) client.Client {
	t.Helper()
	c, err := e.As(user, groups...)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// ExpectRefused checks the whole message a user reads when a webhook refuses.
func ExpectRefused(t testing.TB, err error, webhook, exact string) {
	t.Helper()
	want := `admission webhook "` + webhook + `" denied the request: ` + exact
	switch {
	case err == nil:
		t.Errorf("admitted; want the refusal:\n%s", want)
	case err.Error() != want:
		t.Errorf("refused with:\n%s\nwant:\n%s", err, want)
	}
}
