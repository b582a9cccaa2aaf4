// Command manager runs cunshe-operator: its controllers and webhooks. With
// --local-dir it is the embedded default (`make run`): it starts its own
// etcd, kube-apiserver and kube-controller-manager (or uses $KUBECONFIG's
// cluster), installs the CRDs and webhooks, serves the webhooks with a
// certificate it generates itself and imports the sample villages.
//
// The local mode lives in local.go; the image the chart deploys is built
// with -tags nolocal (Dockerfile), which leaves it out, and envtest and the
// control-plane launcher with it (issue 15, item 10).
package main

import (
	"context"
	"flag"
	"os"
	"strings"

	"go.uber.org/zap/zapcore"
	"k8s.io/client-go/rest"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/healthz"
	"sigs.k8s.io/controller-runtime/pkg/log/zap"
	"sigs.k8s.io/controller-runtime/pkg/manager"

	"github.com/cunshe/cunshe-operator/internal/operator"
	"github.com/cunshe/cunshe-operator/internal/version"
)

type flags struct {
	operator.Options
	certs certFlags
	local localFlags // empty in a -tags nolocal build
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
	flag.IntVar(&f.ViewConcurrency, "view-concurrency", operator.DefaultViewConcurrency, "Parallel writes of the villages' task inboxes, kept below --concurrency so that the audit's verdicts reach the API server first.")
	flag.IntVar(&f.RolloutWriters, "rollout-writers", operator.DefaultRolloutWriters, "Parallel ConfigMap writes of a list rollout.")
	flag.DurationVar(&f.RevisionSettle, "revision-settle", operator.DefaultRevisionSettle, "How long the approved items must stay unchanged before a list revision is cut.")
	flag.IntVar(&f.RevisionHistoryLimit, "revision-history-limit", 10, "Unused old list revisions to keep.")
	flag.StringVar(&f.PortalAddr, "portal-bind-address", "", "Address the public portal (S9, S10) listens on; 0 disables it. Default :8088, in local mode 127.0.0.1:8088.")
	flag.StringVar(&f.PortalPublicURL, "portal-public-url", "", "The portal's address as residents reach it, used in its QR codes, e.g. https://cunshe.example.gov.cn. Default: http://<bind address>.")
	flag.StringVar(&f.PortalCacheDir, "portal-cache-dir", "", "Folder for the portal's rendered pages, one file per village (default: the system's temp folder).")
	f.local.bind(flag.CommandLine)
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
		if f.local.enabled() {
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
	if f.local.enabled() {
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
