package faults

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"

	"go.uber.org/zap/zapcore"
	"k8s.io/client-go/rest"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/log/zap"

	"github.com/cunshe/cunshe-operator/config"
	"github.com/cunshe/cunshe-operator/internal/localcp"
	"github.com/cunshe/cunshe-operator/internal/operator"
	"github.com/cunshe/cunshe-operator/internal/testenv"
)

// scale is how much work the scenarios do: reduced in `make test`, the
// whole city in `make faults`.
type scale struct {
	full bool
	// villages of the registry to provision; 0 means all 3,685.
	villages int
	// kills per phase of the kill scenario.
	provisionKills, rolloutKills, burstKills, promoteKills int
	// burstItems are the items approved in one burst.
	burstItems int
	// settle is the manager's --revision-settle.
	settle time.Duration
	// idle is how long the manager's idle CPU is sampled under latency.
	idle time.Duration
	// converge bounds the wait for the city to converge after a fault.
	converge time.Duration
	// quiet is how long a manager must write nothing to count as idle.
	quiet time.Duration
	// down is how long a restarted etcd or apiserver stays away; grace is
	// how long a stopping one may take before it is killed (a kubelet
	// gives a static pod 30 s).
	down, grace time.Duration
}

func scaleFromEnv() scale {
	if os.Getenv("FAULTS_FULL") != "" {
		return scale{full: true, provisionKills: 5, rolloutKills: 5, burstKills: 5, promoteKills: 5,
			burstItems: 3, settle: 3 * time.Second, idle: 30 * time.Second, converge: 15 * time.Minute,
			quiet: 5 * time.Second, down: 5 * time.Second, grace: 30 * time.Second}
	}
	return scale{villages: 50, provisionKills: 1, rolloutKills: 1, burstKills: 1, promoteKills: 1,
		burstItems: 2, settle: time.Second, idle: 5 * time.Second, converge: 3 * time.Minute,
		quiet: 2 * time.Second, down: 2 * time.Second, grace: 5 * time.Second}
}

func (s scale) kills() int {
	return s.provisionKills + s.rolloutKills + s.burstKills + s.promoteKills
}

// harness is the package's control plane, the manager binary and the city.
type harness struct {
	dir    string
	cp     *localcp.ControlPlane
	cfg    *rest.Config
	client client.Client
	// manager is the binary the scenarios run.
	manager string
	// kubeconfig is a cluster-admin kubeconfig for the manager processes.
	kubeconfig string
	// webhookPort and certDir are where the installed webhook
	// configurations expect the webhook server.
	webhookPort int
	certDir     string
	scale       scale
	rand        *rand.Rand
	city        *city
	// runs counts the manager processes started, to name their logs.
	runs int
	// metricsSecureFlag: the binary has --metrics-secure (HTTPS by default).
	metricsSecureFlag bool
	// audit is the API server's record of the manager's writes.
	audit auditLog
}

var h *harness

func TestMain(m *testing.M) {
	code, err := run(m)
	if err != nil {
		fmt.Fprintf(os.Stderr, "fault suite: %v\n", err)
		code = 1
	}
	os.Exit(code)
}

func run(m *testing.M) (int, error) {
	ctrl.SetLogger(zap.New(zap.WriteTo(os.Stderr), zap.Level(zapcore.ErrorLevel)))
	dir, err := os.MkdirTemp("", "cunshe-faults-")
	if err != nil {
		return 0, err
	}
	if h, err = newHarness(dir); err != nil {
		return 0, err
	}
	code := m.Run()
	h.city.watch.stop()
	stopErr := h.cp.Stop()
	// A failed run keeps the control plane's folder and the managers' logs.
	if os.Getenv("FAULTS_KEEP") != "" || code != 0 {
		fmt.Fprintf(os.Stderr, "fault suite: control plane and manager logs in %s\n", dir)
	} else {
		_ = os.RemoveAll(dir)
	}
	if stopErr != nil {
		return code, fmt.Errorf("stopping the control plane: %w", stopErr)
	}
	return code, nil
}

func newHarness(dir string) (*harness, error) {
	seed := uint64(time.Now().UnixNano())
	if s := os.Getenv("FAULTS_SEED"); s != "" {
		n, err := strconv.ParseUint(s, 10, 64)
		if err != nil {
			return nil, fmt.Errorf("FAULTS_SEED: %w", err)
		}
		seed = n
	}
	fmt.Fprintf(os.Stderr, "fault suite: FAULTS_SEED=%d\n", seed)
	manager, err := managerBinary(dir)
	if err != nil {
		return nil, err
	}
	crds, err := config.CRDs()
	if err != nil {
		return nil, err
	}
	validating, mutating, err := config.Webhooks()
	if err != nil {
		return nil, err
	}
	policy := filepath.Join(dir, "audit-policy.yaml")
	if err := os.WriteFile(policy, []byte(auditPolicy), 0o600); err != nil {
		return nil, err
	}
	audit := auditLog{path: filepath.Join(dir, "audit.log")}
	// A data folder of its own: etcd and the apiserver restart on it with
	// what they held, and the apiserver keeps its certificates.
	cp, err := localcp.Start(localcp.Options{Dir: filepath.Join(dir, "controlplane"), AssetsDir: testenv.AssetsDir(),
		ControllerManager: true, CRDs: crds, ValidatingWebhooks: validating, MutatingWebhooks: mutating,
		APIServerFlags: map[string]string{"audit-policy-file": policy, "audit-log-path": audit.path},
		// Every citywide rollout of the sample lists writes ~200 MB of
		// ConfigMaps; at etcd's default 2 GiB quota the kill loop filled
		// etcd after about 7 of them in half an hour (README, "What
		// happens when things fail"). 8 GiB is etcd's suggested maximum.
		EtcdFlags: map[string]string{"quota-backend-bytes": strconv.FormatInt(8<<30, 10)}})
	if err != nil {
		return nil, err
	}
	hh := &harness{dir: dir, cp: cp, cfg: cp.Config, manager: manager, scale: scaleFromEnv(), rand: rand.New(rand.NewPCG(seed, seed>>1)),
		metricsSecureFlag: hasFlag(manager, "metrics-secure"), audit: audit}
	if err := hh.init(); err != nil {
		_ = cp.Stop()
		return nil, err
	}
	return hh, nil
}

func (hh *harness) init() error {
	var err error
	if hh.client, err = client.New(hh.cfg, client.Options{Scheme: operator.Scheme()}); err != nil {
		return err
	}
	hh.kubeconfig = filepath.Join(hh.dir, "manager.kubeconfig")
	if err := hh.cp.WriteKubeconfig(hh.kubeconfig, managerUser); err != nil {
		return err
	}
	_, hh.webhookPort, hh.certDir = hh.cp.WebhookServing()
	if err := os.MkdirAll(filepath.Join(hh.dir, "logs"), 0o750); err != nil {
		return err
	}
	ctx := context.Background()
	if err := operator.EnsureTenantClusterRoles(ctx, hh.client); err != nil {
		return err
	}
	if err := operator.EnsureActorClusterRoles(ctx, hh.client); err != nil {
		return err
	}
	hh.city, err = newCity(hh)
	return err
}

// managerBinary builds ./cmd/manager once, unless FAULTS_MANAGER names one.
func managerBinary(dir string) (string, error) {
	if path := os.Getenv("FAULTS_MANAGER"); path != "" {
		return filepath.Abs(path)
	}
	_, file, _, _ := runtime.Caller(0)
	root := filepath.Join(filepath.Dir(file), "..", "..")
	out := filepath.Join(dir, "manager")
	cmd := exec.Command("go", "build", "-o", out, "./cmd/manager")
	cmd.Dir = root
	if b, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("building the manager: %w\n%s", err, b)
	}
	return out, nil
}

// hasFlag reports whether the manager binary knows a flag.
func hasFlag(binary, name string) bool {
	out, _ := exec.Command(binary, "--help").CombinedOutput()
	return strings.Contains(string(out), "-"+name+" ") || strings.Contains(string(out), "-"+name+"\n")
}

// TestFaults runs the scenarios in order: the kill loop provisions the city
// (the others find it provisioned, or provision it themselves when run alone).
func TestFaults(t *testing.T) {
	for _, s := range []struct {
		name string
		run  func(*testing.T)
	}{
		{"kill", testKill},
		{"failover", testFailover},
		{"apiserver-restart", testAPIServerRestart},
		{"etcd-restart", testEtcdRestart},
		{"webhook-down", testWebhookDown},
		{"slow-apiserver", testSlowAPIServer},
	} {
		t.Run(s.name, s.run)
	}
}
