// Command manager runs cunshe-operator: its controllers and webhooks. With
// --local-dir it is the embedded default (`make run`): it starts its own
// etcd, kube-apiserver and kube-controller-manager (or uses $KUBECONFIG's
// cluster), installs the CRDs and webhooks, serves the webhooks with a
// certificate it generates itself and imports the sample villages.
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"go.uber.org/zap/zapcore"
	"k8s.io/client-go/rest"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/healthz"
	"sigs.k8s.io/controller-runtime/pkg/log/zap"
	"sigs.k8s.io/controller-runtime/pkg/manager"

	"github.com/cunshe/cunshe-operator/config"
	"github.com/cunshe/cunshe-operator/internal/localcp"
	"github.com/cunshe/cunshe-operator/internal/operator"
	"github.com/cunshe/cunshe-operator/internal/version"
)

type flags struct {
	operator.Options
	certs        certFlags
	localDir     string
	localPort    int
	assetsDir    string
	importSample bool
	presets      []string
}

func parseFlags() flags {
	var f flags
	flag.StringVar(&f.MetricsAddr, "metrics-bind-address", ":8443", "Address the metrics endpoint binds to; 0 disables it.")
	flag.BoolVar(&f.MetricsSecure, "metrics-secure", true, "Serve the metrics over HTTPS to clients the API server authenticates and authorizes (get on /metrics); false: plain HTTP to anyone.")
	flag.StringVar(&f.ProbeAddr, "health-probe-bind-address", ":8081", "Address the health probes bind to.")
	flag.BoolVar(&f.LeaderElection, "leader-elect", false, "Elect a leader, so that only one replica reconciles.")
	flag.StringVar(&f.LeaderElectionNamespace, "leader-election-namespace", "", "Namespace of the leader election Lease; default: the pod's own (outside a cluster it must be given).")
	flag.IntVar(&f.WebhookPort, "webhook-port", 9443, "Port the webhook server listens on.")
	flag.StringVar(&f.WebhookCertDir, "webhook-cert-dir", "", "Directory with tls.crt and tls.key for the webhook server.")
	flag.IntVar(&f.Concurrency, "concurrency", operator.DefaultConcurrency, "Parallel reconciles per controller.")
	flag.IntVar(&f.RolloutWriters, "rollout-writers", operator.DefaultRolloutWriters, "Parallel ConfigMap writes of a list rollout.")
	flag.DurationVar(&f.RevisionSettle, "revision-settle", 3*time.Second, "How long the approved items must stay unchanged before a list revision is cut.")
	flag.IntVar(&f.RevisionHistoryLimit, "revision-history-limit", 10, "Unused old list revisions to keep.")
	flag.StringVar(&f.PortalAddr, "portal-bind-address", "", "Address the public portal (S9, S10) listens on; 0 disables it. Default :8088, in local mode 127.0.0.1:8088.")
	flag.StringVar(&f.PortalPublicURL, "portal-public-url", "", "The portal's address as residents reach it, used in its QR codes, e.g. https://cunshe.example.gov.cn. Default: http://<bind address>.")
	flag.StringVar(&f.PortalCacheDir, "portal-cache-dir", "", "Folder for the portal's rendered pages, one file per village (default: the system's temp folder).")
	flag.StringVar(&f.localDir, "local-dir", "", "Run the embedded default: keep a local control plane's data in this folder "+
		"(or, when $KUBECONFIG is set, use that cluster), install CRDs and webhooks, import the samples.")
	flag.IntVar(&f.localPort, "local-port", 6443, "The local kube-apiserver's port.")
	flag.StringVar(&f.assetsDir, "local-assets", os.Getenv("KUBEBUILDER_ASSETS"), "Folder with etcd, kube-apiserver and kube-controller-manager.")
	flag.BoolVar(&f.importSample, "import-samples", true, "In local mode, set up the sample city (preset "+operator.DefaultPreset+") and import its villages into an empty cluster.")
	flag.Func("preset", fmt.Sprintf("In local mode, also apply these presets of config/samples/jurisdictions (comma-separated; known: %s), e.g. --preset=hangzhou,zhejiang.",
		strings.Join(config.Presets(), ", ")), func(v string) error {
		for _, p := range strings.Split(v, ",") {
			if p = strings.TrimSpace(p); p != "" && !slices.Contains(config.Presets(), p) {
				return fmt.Errorf("unknown preset %q (known: %s)", p, strings.Join(config.Presets(), ", "))
			} else if p != "" {
				f.presets = append(f.presets, p)
			}
		}
		return nil
	})
	f.certs.bind(flag.CommandLine)
	opts := zap.Options{Development: true, Level: zapcore.InfoLevel}
	opts.BindFlags(flag.CommandLine)
	flag.Parse()
	ctrl.SetLogger(zap.New(zap.UseFlagOptions(&opts)))
	f.portalDefaults()
	return f
}

// portalDefaults resolve the portal's address: on by default, only on the
// loopback interface in local mode.
func (f *flags) portalDefaults() {
	switch f.PortalAddr {
	case "0":
		f.PortalAddr = ""
		return
	case "":
		f.PortalAddr = ":8088"
		if f.localDir != "" {
			f.PortalAddr = "127.0.0.1:8088"
		}
	}
	if f.PortalPublicURL == "" {
		host := f.PortalAddr
		if strings.HasPrefix(host, ":") {
			host = "localhost" + host
		}
		f.PortalPublicURL = "http://" + host
	}
}

func main() {
	f := parseFlags()
	ctx := ctrl.SetupSignalHandler()
	log := ctrl.Log.WithName("setup")
	log.Info("Starting cunshe-operator", "version", version.Version)
	var err error
	if f.localDir != "" {
		err = runLocal(ctx, f)
	} else {
		err = runInCluster(ctx, f)
	}
	if err != nil {
		log.Error(err, "Operator stopped")
		os.Exit(1)
	}
}

// runInCluster runs the manager in a cluster; with --cert-rotation it first
// brings the webhook certificate into its --webhook-cert-dir.
func runInCluster(ctx context.Context, f flags) error {
	cfg := ctrl.GetConfigOrDie()
	rotator, err := f.certs.rotator(ctx, cfg, f.WebhookCertDir)
	if err != nil {
		return err
	}
	if rotator == nil {
		return run(ctx, cfg, f.Options, nil)
	}
	return run(ctx, cfg, f.Options, nil, rotator)
}

// run starts the manager and blocks until ctx ends. ready, when set, runs
// once the manager's caches are in sync; extra runnables run beside it.
func run(ctx context.Context, cfg *rest.Config, opts operator.Options, ready func(context.Context, client.Client) error, extra ...manager.Runnable) error {
	mgr, err := operator.NewManager(cfg, opts)
	if err != nil {
		return err
	}
	for _, r := range extra {
		if err := mgr.Add(r); err != nil {
			return err
		}
	}
	if err := mgr.AddHealthzCheck("healthz", healthz.Ping); err != nil {
		return err
	}
	if err := mgr.AddReadyzCheck("readyz", mgr.GetWebhookServer().StartedChecker()); err != nil {
		return err
	}
	if ready != nil {
		go func() {
			if mgr.GetCache().WaitForCacheSync(ctx) {
				if err := ready(ctx, mgr.GetClient()); err != nil {
					ctrl.Log.WithName("setup").Error(err, "Local setup failed")
				}
			}
		}()
	}
	return mgr.Start(ctx)
}

func runLocal(ctx context.Context, f flags) error {
	log := ctrl.Log.WithName("local")
	existing := os.Getenv("KUBECONFIG") != ""
	crds, err := config.CRDs()
	if err != nil {
		return err
	}
	validating, mutating, err := config.Webhooks()
	if err != nil {
		return err
	}
	dir, err := filepath.Abs(f.localDir)
	if err != nil {
		return err
	}
	if existing {
		log.Info("KUBECONFIG is set: using that cluster, starting no local control plane")
	} else {
		log.Info("Starting the local control plane (etcd, kube-apiserver, kube-controller-manager)", "dir", dir)
	}
	cp, err := localcp.Start(localcp.Options{
		Dir: dir, AssetsDir: f.assetsDir, Port: f.localPort, ControllerManager: true, AggregateClusterRoles: true,
		UseExistingCluster: existing, CRDs: crds, ValidatingWebhooks: validating, MutatingWebhooks: mutating,
	})
	if err != nil {
		return err
	}
	defer func() {
		log.Info("Stopping the local control plane")
		if err := cp.Stop(); err != nil {
			log.Error(err, "Stopping the local control plane")
		}
	}()
	kubeconfig := filepath.Join(dir, "kubeconfig")
	if !existing {
		if err := cp.WriteKubeconfig(kubeconfig, "admin"); err != nil {
			return err
		}
	}
	f.WebhookHost, f.WebhookPort, f.WebhookCertDir = cp.WebhookServing()
	f.AllowSampleKeys = true // the samples' approvals are signed with them
	return run(ctx, cp.Config, f.Options, func(ctx context.Context, c client.Client) error {
		return localSetup(ctx, cp.Config, c, f, existing, kubeconfig)
	})
}

// localSetup installs the tenants' and the actors' cluster roles, imports
// the samples into an empty cluster and tells the user how to reach it.
func localSetup(ctx context.Context, cfg *rest.Config, c client.Client, f flags, existing bool, kubeconfig string) error {
	log := ctrl.Log.WithName("local")
	if err := operator.EnsureTenantClusterRoles(ctx, c); err != nil {
		return err
	}
	if err := operator.EnsureActorClusterRoles(ctx, c); err != nil {
		return err
	}
	if err := applyPresets(ctx, c, f); err != nil {
		return err
	}
	if f.importSample {
		start := time.Now()
		n, err := operator.ImportSampleVillages(ctx, c)
		if err != nil {
			return err
		}
		if n > 0 {
			log.Info("Imported the sample villages", "villages", n, "seconds", time.Since(start).Seconds())
		}
		start = time.Now()
		styles, sets, err := operator.ImportSampleSignboards(ctx, c)
		if err != nil {
			return err
		}
		if styles+sets > 0 {
			log.Info("Imported the sample signboards", "styles", styles, "sets", sets, "seconds", time.Since(start).Seconds())
		}
		// The records are a demonstration: without them the operator and the
		// portal still work, so a failure is reported and the start goes on.
		records, err := operator.ImportSampleDisclosures(ctx, cfg, c)
		if err != nil {
			log.Error(err, "Publishing the sample villages' public records (三务公开) failed; the portal shows them once they are filed")
		} else if records > 0 {
			log.Info("Published the sample villages' public records (三务公开)", "disclosures", records)
		}
	}
	if existing {
		log.Info("Ready")
		return nil
	}
	fmt.Fprintf(os.Stderr, "\ncunshe-operator is running on its local control plane. In another terminal:\n\n"+
		"    export KUBECONFIG=%s\n    kubectl get villages\n\n%sCtrl-C stops everything.\n\n", kubeconfig, portalLine(f))
	return nil
}

// applyPresets sets up the sample city (when samples are imported) and the
// presets --preset names, each Jurisdiction before what belongs to it.
func applyPresets(ctx context.Context, c client.Client, f flags) error {
	presets := f.presets
	if f.importSample && !slices.Contains(presets, operator.DefaultPreset) {
		presets = append([]string{operator.DefaultPreset}, presets...)
	}
	for _, p := range presets {
		n, err := operator.ApplyPreset(ctx, c, p)
		if err != nil {
			return err
		}
		if n > 0 {
			ctrl.Log.WithName("local").Info("Applied a preset", "preset", p, "objects", n)
		}
	}
	return nil
}

// portalLine tells where the portal is.
func portalLine(f flags) string {
	if f.PortalAddr == "" {
		return ""
	}
	return fmt.Sprintf("The public portal (村（社区）公开栏), in a browser:\n\n    %s/\n\n", f.PortalPublicURL)
}
