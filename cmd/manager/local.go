//go:build !nolocal

package main

// The local mode (`make run`): a control plane of its own (internal/localcp,
// on envtest's launcher) or $KUBECONFIG's cluster, with the CRDs, webhooks
// and samples installed. A -tags nolocal build (the image) has nolocal.go
// instead, so neither envtest nor the launcher is linked into it.

import (
	"context"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	"k8s.io/client-go/rest"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/cunshe/cunshe-operator/config"
	"github.com/cunshe/cunshe-operator/internal/localcp"
	"github.com/cunshe/cunshe-operator/internal/operator"
)

// localFlags select the local mode and its control plane.
type localFlags struct {
	dir          string
	port         int
	assetsDir    string
	importSample bool
	presets      []string
}

func (l *localFlags) bind(fs *flag.FlagSet) {
	fs.StringVar(&l.dir, "local-dir", "", "Run the embedded default: keep a local control plane's data in this folder "+
		"(or, when $KUBECONFIG is set, use that cluster), install CRDs and webhooks, import the samples.")
	fs.IntVar(&l.port, "local-port", 6443, "The local kube-apiserver's port.")
	fs.StringVar(&l.assetsDir, "local-assets", os.Getenv("KUBEBUILDER_ASSETS"), "Folder with etcd, kube-apiserver and kube-controller-manager.")
	fs.BoolVar(&l.importSample, "import-samples", true, "In local mode, set up the sample city (preset "+operator.DefaultPreset+") and import its villages into an empty cluster.")
	fs.Func("preset", fmt.Sprintf("In local mode, also apply these presets of config/samples/jurisdictions (comma-separated; known: %s), e.g. --preset=hangzhou,zhejiang.",
		strings.Join(config.Presets(), ", ")), l.addPresets)
}

// addPresets takes a --preset value: known preset names, comma-separated.
func (l *localFlags) addPresets(v string) error {
	for _, p := range strings.Split(v, ",") {
		if p = strings.TrimSpace(p); p != "" && !slices.Contains(config.Presets(), p) {
			return fmt.Errorf("unknown preset %q (known: %s)", p, strings.Join(config.Presets(), ", "))
		} else if p != "" {
			l.presets = append(l.presets, p)
		}
	}
	return nil
}

// enabled tells whether --local-dir asked for the local mode.
func (l *localFlags) enabled() bool { return l.dir != "" }

func runLocal(ctx context.Context, f flags) error {
	log := ctrl.Log.WithName("local")
	existing := os.Getenv("KUBECONFIG") != ""
	crds, err := localCRDs(existing)
	if err != nil {
		return err
	}
	validating, mutating, err := config.Webhooks()
	if err != nil {
		return err
	}
	dir, err := filepath.Abs(f.local.dir)
	if err != nil {
		return err
	}
	if existing {
		log.Info("KUBECONFIG is set: using that cluster, starting no local control plane")
	} else {
		log.Info("Starting the local control plane (etcd, kube-apiserver, kube-controller-manager)", "dir", dir)
	}
	cp, err := localcp.Start(localcp.Options{
		Dir: dir, AssetsDir: f.local.assetsDir, Port: f.local.port, ControllerManager: true, AggregateClusterRoles: true,
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

// localCRDs are the operator's CRDs and, on the embedded control plane,
// OpenReports' (so a local run shows one report per village and per
// department). $KUBECONFIG's cluster keeps the OpenReports it has, or has
// none: another tool's CRDs are that tool's to install and upgrade.
func localCRDs(existing bool) ([]*apiextensionsv1.CustomResourceDefinition, error) {
	crds, err := config.CRDs()
	if err != nil || existing {
		return crds, err
	}
	reports, err := config.OpenReportsCRDs()
	return append(crds, reports...), err
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
	if f.local.importSample {
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
	presets := f.local.presets
	if f.local.importSample && !slices.Contains(presets, operator.DefaultPreset) {
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
