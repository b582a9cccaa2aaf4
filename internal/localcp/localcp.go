// Package localcp runs a real local control plane — etcd, kube-apiserver and
// kube-controller-manager built by hack/build-controlplane.sh — for the
// embedded default (`make run`), the integration tests and the benchmarks.
// etcd and kube-apiserver come from envtest; the controller-manager is added
// so that owned objects are garbage-collected and deleted namespaces finish
// terminating, as on a real cluster.
package localcp

import (
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"syscall"
	"time"

	admissionv1 "k8s.io/api/admissionregistration/v1"
	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	"k8s.io/client-go/rest"
	"sigs.k8s.io/controller-runtime/pkg/envtest"
)

// Options configure a control plane.
type Options struct {
	// Dir keeps etcd's data, the certificates and logs across restarts; empty
	// means temporary directories, removed on Stop.
	Dir string
	// AssetsDir holds etcd, kube-apiserver and kube-controller-manager.
	AssetsDir string
	// Port is the apiserver's secure port; 0 picks a free one.
	Port int
	// ControllerManager starts kube-controller-manager beside the apiserver.
	ControllerManager bool
	// AggregateClusterRoles adds the controller-manager's cluster role
	// aggregation loop.
	AggregateClusterRoles bool
	// UseExistingCluster skips starting anything and uses $KUBECONFIG's cluster.
	UseExistingCluster bool
	CRDs               []*apiextensionsv1.CustomResourceDefinition
	ValidatingWebhooks []*admissionv1.ValidatingWebhookConfiguration
	MutatingWebhooks   []*admissionv1.MutatingWebhookConfiguration
	// Logs receives the control plane's output when Dir is empty; with a Dir
	// they go to Dir/logs.
	Logs io.Writer
	// APIServerFlags are extra kube-apiserver flags, e.g. an audit policy
	// (the fault suite counts the operator's writes in the audit log).
	APIServerFlags map[string]string
	// EtcdFlags are extra etcd flags, e.g. --quota-backend-bytes (with a Dir).
	EtcdFlags map[string]string
}

// ControlPlane is a running local control plane.
type ControlPlane struct {
	Env    *envtest.Environment
	Config *rest.Config
	dir    string
	kcm    *exec.Cmd
	kcmOut io.Closer
	// lock holds the data folder (lock.go) while the control plane runs.
	lock io.Closer
}

// controllers are the kube-controller-manager loops a cluster of villages
// needs; nothing here schedules pods, so node and workload loops stay off.
const controllers = "garbage-collector-controller,namespace-controller,serviceaccount-controller," +
	"serviceaccount-token-controller,resourcequota-controller,root-ca-certificate-publisher-controller"

// aggregationController fills in aggregated cluster roles (view,
// cunshe-platform-ops); only the RBAC tests ask for it, since it rewrites
// every built-in aggregated role while the tests start.
const aggregationController = "clusterrole-aggregation-controller"

// Start brings the control plane up and installs CRDs and webhook configurations.
func Start(opts Options) (*ControlPlane, error) {
	existing := opts.UseExistingCluster
	env := &envtest.Environment{
		BinaryAssetsDirectory:    opts.AssetsDir,
		UseExistingCluster:       &existing,
		CRDs:                     opts.CRDs,
		ErrorIfCRDPathMissing:    true,
		ControlPlaneStartTimeout: 2 * time.Minute,
		ControlPlaneStopTimeout:  time.Minute,
		WebhookInstallOptions: envtest.WebhookInstallOptions{
			ValidatingWebhooks: opts.ValidatingWebhooks,
			MutatingWebhooks:   opts.MutatingWebhooks,
		},
	}
	cp := &ControlPlane{Env: env, dir: opts.Dir}
	if !existing && opts.Dir != "" {
		lock, err := lockDir(opts.Dir)
		if err != nil {
			return nil, err
		}
		cp.lock = lock
	}
	if !existing {
		if err := cp.configure(opts); err != nil {
			cp.unlock()
			return nil, err
		}
	}
	cfg, err := env.Start()
	if err != nil {
		cp.unlock()
		return nil, fmt.Errorf("starting etcd and kube-apiserver from %s (run `make controlplane` to build them): %w", opts.AssetsDir, err)
	}
	cp.Config = cfg
	if existing || !opts.ControllerManager {
		return cp, nil
	}
	if err := cp.saveCA(); err != nil {
		_ = cp.Stop()
		return nil, err
	}
	if err := cp.startControllerManager(opts); err != nil {
		_ = cp.Stop()
		return nil, err
	}
	return cp, nil
}

// configure points etcd and the apiserver at persistent directories when a
// Dir is given, and sets the flags a loopback-only apiserver needs.
func (cp *ControlPlane) configure(opts Options) error {
	api := cp.Env.ControlPlane.GetAPIServer()
	if opts.Port != 0 {
		api.SecureServing.Address, api.SecureServing.Port = "127.0.0.1", strconv.Itoa(opts.Port)
	}
	// 1.37 refuses to reconcile the kubernetes endpoints for 127.0.0.1.
	api.Configure().Set("endpoint-reconciler-type", "none")
	for flag, value := range opts.APIServerFlags {
		api.Configure().Set(flag, value)
	}
	if cp.dir == "" {
		if opts.Logs != nil {
			api.Out, api.Err = opts.Logs, opts.Logs
		}
		return nil
	}
	for _, sub := range []string{"etcd", "pki", "logs"} {
		if err := os.MkdirAll(filepath.Join(cp.dir, sub), 0o750); err != nil {
			return fmt.Errorf("creating %s: %w", sub, err)
		}
	}
	cp.Env.ControlPlane.Etcd = &envtest.Etcd{DataDir: filepath.Join(cp.dir, "etcd")}
	for flag, value := range opts.EtcdFlags {
		cp.Env.ControlPlane.Etcd.Configure().Set(flag, value)
	}
	api.CertDir = filepath.Join(cp.dir, "pki")
	if err := reuseServingCA(api); err != nil {
		return err
	}
	apiLog, err := openLog(cp.dir, "kube-apiserver.log")
	if err != nil {
		return err
	}
	api.Out, api.Err = apiLog, apiLog
	return nil
}

// reuseServingCA keeps the apiserver's serving certificate across restarts:
// envtest only generates one when none exists, but then forgets its CA, so
// the CA is saved beside it (saveCA) and read back here.
func reuseServingCA(api *envtest.APIServer) error {
	ca, err := os.ReadFile(filepath.Join(api.CertDir, "ca.crt"))
	if err == nil {
		api.SecureServing.CA = ca
		return nil
	}
	if !errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("reading the apiserver CA: %w", err)
	}
	// No CA saved: let envtest generate a fresh serving certificate.
	for _, f := range []string{"apiserver.crt", "apiserver.key"} {
		if err := os.Remove(filepath.Join(api.CertDir, f)); err != nil && !errors.Is(err, os.ErrNotExist) {
			return err
		}
	}
	return nil
}

func (cp *ControlPlane) saveCA() error {
	api := cp.Env.ControlPlane.GetAPIServer()
	return os.WriteFile(filepath.Join(api.CertDir, "ca.crt"), api.SecureServing.CA, 0o640)
}

func openLog(dir, name string) (*os.File, error) {
	f, err := os.OpenFile(filepath.Join(dir, "logs", name), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o640)
	if err != nil {
		return nil, fmt.Errorf("opening log %s: %w", name, err)
	}
	return f, nil
}

func (cp *ControlPlane) startControllerManager(opts Options) error {
	api := cp.Env.ControlPlane.GetAPIServer()
	kubeconfig := filepath.Join(api.CertDir, "kube-controller-manager.kubeconfig")
	if err := cp.WriteKubeconfig(kubeconfig, "system:kube-controller-manager"); err != nil {
		return err
	}
	port, err := freePort()
	if err != nil {
		return err
	}
	cmd := exec.Command(filepath.Join(opts.AssetsDir, "kube-controller-manager"),
		"--kubeconfig="+kubeconfig,
		"--leader-elect=false",
		"--bind-address=127.0.0.1",
		"--secure-port="+strconv.Itoa(port),
		"--controllers="+controllerList(opts),
		"--service-account-private-key-file="+filepath.Join(api.CertDir, "sa-signer.key"),
		"--root-ca-file="+filepath.Join(api.CertDir, "ca.crt"),
		"--use-service-account-credentials=false",
	)
	// The controller-manager must never outlive whoever started it.
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL, Setpgid: true}
	out := io.Discard
	if cp.dir != "" {
		f, err := openLog(cp.dir, "kube-controller-manager.log")
		if err != nil {
			return err
		}
		out, cp.kcmOut = f, f
	} else if opts.Logs != nil {
		out = opts.Logs
	}
	cmd.Stdout, cmd.Stderr = out, out
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("starting kube-controller-manager: %w", err)
	}
	cp.kcm = cmd
	return nil
}

func controllerList(opts Options) string {
	if opts.AggregateClusterRoles {
		return controllers + "," + aggregationController
	}
	return controllers
}

// WriteKubeconfig writes a kubeconfig for a cluster-admin user with the given name.
func (cp *ControlPlane) WriteKubeconfig(path, user string) error {
	u, err := cp.Env.ControlPlane.AddUser(envtest.User{Name: user, Groups: []string{"system:masters"}}, nil)
	if err != nil {
		return fmt.Errorf("creating user %s: %w", user, err)
	}
	data, err := u.KubeConfig()
	if err != nil {
		return fmt.Errorf("rendering kubeconfig for %s: %w", user, err)
	}
	return os.WriteFile(path, data, 0o600)
}

// Stop stops the controller-manager, then the apiserver and etcd.
// unlock releases the data folder.
func (cp *ControlPlane) unlock() {
	if cp.lock != nil {
		_ = cp.lock.Close()
		cp.lock = nil
	}
}

func (cp *ControlPlane) Stop() error {
	defer cp.unlock()
	var errs []error
	if cp.kcm != nil && cp.kcm.Process != nil {
		_ = cp.kcm.Process.Signal(syscall.SIGTERM)
		done := make(chan struct{})
		go func() { _ = cp.kcm.Wait(); close(done) }() // it was told to stop: its exit status says nothing
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			_ = cp.kcm.Process.Kill()
			<-done
		}
		cp.kcm = nil
	}
	if cp.kcmOut != nil {
		_ = cp.kcmOut.Close()
	}
	if err := cp.Env.Stop(); err != nil {
		errs = append(errs, fmt.Errorf("stopping etcd and kube-apiserver: %w", err))
	}
	return errors.Join(errs...)
}

// WebhookServing says where the manager must serve its webhooks so that the
// installed webhook configurations reach it.
func (cp *ControlPlane) WebhookServing() (host string, port int, certDir string) {
	o := cp.Env.WebhookInstallOptions
	return o.LocalServingHost, o.LocalServingPort, o.LocalServingCertDir
}
