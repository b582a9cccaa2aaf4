// Package operator assembles the manager: scheme, caches sized for a
// province, controllers and webhooks. The manager binary, the local mode,
// the integration tests and the benchmarks all build it here, so they run
// the same operator.
package operator

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"maps"
	"net/http"
	"path/filepath"
	"time"

	openreportsv1alpha1 "github.com/openreports/reports-api/apis/openreports.io/v1alpha1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/runtime"
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"
	"k8s.io/client-go/rest"
	toolscache "k8s.io/client-go/tools/cache"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/cache"
	"sigs.k8s.io/controller-runtime/pkg/certwatcher"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/client/apiutil"
	ctrlconfig "sigs.k8s.io/controller-runtime/pkg/config"
	"sigs.k8s.io/controller-runtime/pkg/metrics/filters"
	metricsserver "sigs.k8s.io/controller-runtime/pkg/metrics/server"
	"sigs.k8s.io/controller-runtime/pkg/webhook"

	governancev1alpha1 "github.com/cunshe/cunshe-operator/api/v1alpha1"
	"github.com/cunshe/cunshe-operator/config"
	"github.com/cunshe/cunshe-operator/controllers"
	"github.com/cunshe/cunshe-operator/internal/listindex"
	"github.com/cunshe/cunshe-operator/internal/metrics"
	"github.com/cunshe/cunshe-operator/internal/openreports"
	"github.com/cunshe/cunshe-operator/internal/portal"
	"github.com/cunshe/cunshe-operator/internal/rules"
	"github.com/cunshe/cunshe-operator/internal/tenant"
	"github.com/cunshe/cunshe-operator/internal/webhooks"
)

// Scheme knows the built-in kinds and the governance.cunshe.io kinds.
func Scheme() *runtime.Scheme {
	s := runtime.NewScheme()
	if err := clientgoscheme.AddToScheme(s); err != nil {
		panic(err)
	}
	if err := governancev1alpha1.AddToScheme(s); err != nil {
		panic(err)
	}
	if err := openreportsv1alpha1.Install(s); err != nil {
		panic(err)
	}
	return s
}

// Options configure the manager.
type Options struct {
	// MetricsAddr is where the metrics endpoint listens; "0" disables it.
	MetricsAddr string
	// MetricsSecure serves the metrics over HTTPS (a self-signed
	// certificate) to clients the API server authenticates (TokenReview)
	// and authorizes (SubjectAccessReview: get on the non-resource URL
	// /metrics), as kubebuilder scaffolds it.
	MetricsSecure           bool
	ProbeAddr               string
	LeaderElection          bool
	LeaderElectionNamespace string
	WebhookHost             string
	WebhookPort             int
	WebhookCertDir          string
	// Concurrency is the number of parallel reconciles per controller.
	Concurrency int
	// ViewConcurrency is the number of parallel writes of the villages'
	// task inboxes (DefaultViewConcurrency when zero).
	ViewConcurrency int
	// RolloutWriters is the number of parallel ConfigMap writes of a rollout.
	RolloutWriters int
	// RevisionSettle is how long the approved set must stay unchanged before
	// a revision is cut (changes arriving together make one revision).
	RevisionSettle time.Duration
	// RevisionHistoryLimit is how many unused old revisions are kept.
	RevisionHistoryLimit int
	// Now, when set, is the clock of the task admission and audit and of
	// the villages' paper-ledger exemption (tests move it to expire
	// emergencies, S6, and to age platform records, S11).
	Now func() time.Time
	// WrapClient, when set, wraps the manager's client (the benchmarks count writes with it).
	WrapClient func(client.Client) client.Client
	// AllowSampleKeys accepts the shipped sample review-unit keys (local
	// mode only: their private halves are public).
	AllowSampleKeys bool
	// PortalAddr is where the public portal listens (S9, S10); empty: no portal.
	PortalAddr string
	// PortalPublicURL is the portal's address as residents reach it (its QR codes).
	PortalPublicURL string
	// PortalCacheDir holds the portal's rendered pages (empty: the temp folder).
	PortalCacheDir string
	// SkipNameValidation lets one process build the manager more than once
	// (the benchmark restarts it to measure a full resync).
	SkipNameValidation bool
}

func (o Options) now() func() time.Time {
	if o.Now != nil {
		return o.Now
	}
	return time.Now
}

func (o Options) concurrency() int {
	if o.Concurrency <= 0 {
		return DefaultConcurrency
	}
	return o.Concurrency
}

func (o Options) rolloutWriters() int {
	if o.RolloutWriters <= 0 {
		return DefaultRolloutWriters
	}
	return o.RolloutWriters
}

// DefaultRolloutWriters is where a bare client's ConfigMap writes peak on
// a 2-core control plane (the rollout benchmark's floor).
const DefaultRolloutWriters = 256

// DefaultConcurrency keeps the API server busy without queuing in the operator.
const DefaultConcurrency = 64

// DefaultViewConcurrency bounds the task inboxes' writers. An inbox is a
// view of up to a few hundred tasks, rewritten whole; a county's task
// turning rewrites hundreds of them, and 64 such writes at once starve the
// API server of the audit's small verdict writes the views are made from
// (a retirement's 200 affected tasks took 7.6 s instead of 2.7 s). The
// views catch up behind them, a few seconds later.
const DefaultViewConcurrency = 4

func (o Options) viewConcurrency() int {
	if o.ViewConcurrency <= 0 {
		return DefaultViewConcurrency
	}
	return o.ViewConcurrency
}

// DefaultRevisionSettle is --revision-settle's default: approvals a pipeline
// applies together make one revision, not one each.
const DefaultRevisionSettle = 3 * time.Second

// The metrics endpoint asks the API server who a scraper is and whether it
// may get /metrics (--metrics-secure):
// +kubebuilder:rbac:groups=authentication.k8s.io,resources=tokenreviews,verbs=create
// +kubebuilder:rbac:groups=authorization.k8s.io,resources=subjectaccessreviews,verbs=create

// NewManager builds the manager with every controller and webhook registered.
func NewManager(cfg *rest.Config, opts Options) (ctrl.Manager, error) {
	scheme := Scheme()
	webhookCerts, err := watchWebhookCertificate(opts.WebhookCertDir)
	if err != nil {
		return nil, err
	}
	mapper, err := restMapper(cfg)
	if err != nil {
		return nil, err
	}
	reports, err := reportKind(mapper)
	if err != nil {
		return nil, err
	}
	mgrOpts := ctrl.Options{
		Scheme:                  scheme,
		MapperProvider:          func(*rest.Config, *http.Client) (meta.RESTMapper, error) { return mapper, nil },
		Metrics:                 metricsOptions(opts),
		HealthProbeBindAddress:  opts.ProbeAddr,
		LeaderElection:          opts.LeaderElection,
		LeaderElectionID:        "cunshe-operator.governance.cunshe.io",
		LeaderElectionNamespace: opts.LeaderElectionNamespace,
		Cache:                   withReports(CacheOptions(), reports),
		Controller:              ctrlconfig.Controller{SkipNameValidation: &opts.SkipNameValidation},
		WebhookServer: webhooks.NewServer(webhook.Options{
			Host: opts.WebhookHost, Port: opts.WebhookPort,
			TLSOpts: []func(*tls.Config){func(c *tls.Config) { c.GetCertificate = webhookCerts.GetCertificate }},
		}, webhooks.DefaultLimits),
	}
	if opts.WrapClient != nil {
		mgrOpts.NewClient = func(config *rest.Config, o client.Options) (client.Client, error) {
			c, err := client.New(config, o)
			if err != nil {
				return nil, err
			}
			return opts.WrapClient(c), nil
		}
	}
	mgr, err := ctrl.NewManager(cfg, mgrOpts)
	if err != nil {
		return nil, fmt.Errorf("creating manager: %w", err)
	}
	if err := mgr.Add(webhookCerts); err != nil {
		return nil, err
	}
	if err := mgr.Add(&metrics.RolloutCollector{Reader: mgr.GetCache()}); err != nil {
		return nil, err
	}
	if err := (&controllers.VillageReconciler{
		Client:                  mgr.GetClient(),
		APIReader:               mgr.GetAPIReader(),
		Scheme:                  scheme,
		Recorder:                mgr.GetEventRecorder("cunshe-operator"),
		Quota:                   tenant.DefaultQuota(),
		MaxConcurrentReconciles: opts.concurrency(),
		Now:                     opts.now(),
	}).SetupWithManager(mgr); err != nil {
		return nil, fmt.Errorf("setting up the village controller: %w", err)
	}
	if err := (&controllers.TaskInboxReconciler{Client: mgr.GetClient(), MaxConcurrentReconciles: opts.viewConcurrency()}).
		SetupWithManager(context.Background(), mgr); err != nil {
		return nil, fmt.Errorf("setting up the task inboxes: %w", err)
	}
	if err := setupLists(mgr, opts); err != nil {
		return nil, err
	}
	if err := setupSignboards(mgr, opts); err != nil {
		return nil, err
	}
	if err := setupPortal(mgr, opts); err != nil {
		return nil, err
	}
	if err := setupReports(mgr, opts, reports); err != nil {
		return nil, err
	}
	return mgr, nil
}

// restMapper is the manager's RESTMapper, made before the manager so that
// what the cluster serves can shape the manager (OpenReports).
func restMapper(cfg *rest.Config) (meta.RESTMapper, error) {
	httpClient, err := rest.HTTPClientFor(cfg)
	if err != nil {
		return nil, fmt.Errorf("creating the HTTP client: %w", err)
	}
	mapper, err := apiutil.NewDynamicRESTMapper(cfg, httpClient)
	if err != nil {
		return nil, fmt.Errorf("creating the RESTMapper: %w", err)
	}
	return mapper, nil
}

// reportKind tells, once at start, which reports the operator writes:
// OpenReports where the cluster serves them (beside the wg-policy
// PolicyReport or not), else PolicyReports where it serves those, else
// none (openreports.Choose). Installing a CRD later takes a restart.
func reportKind(mapper meta.RESTMapper) (openreports.Kind, error) {
	kind, served, err := openreports.Choose(mapper)
	if err != nil {
		return nil, err
	}
	log := ctrl.Log.WithName("openreports")
	switch {
	case kind == nil:
		log.Info("Neither OpenReports (reports.openreports.io) nor the wg-policy PolicyReport (policyreports.wgpolicyk8s.io v1alpha2) is installed: writing no reports")
		return nil, nil
	case len(served) > 1:
		log.Info("Both OpenReports and the wg-policy PolicyReport are installed: writing OpenReports only, since Policy Reporter reads both and would count every finding twice")
	}
	log.Info("Writing one report per village tenant and per department namespace", "kind", kind.GroupVersionKind().String(), "report", openreports.Name)
	return kind, nil
}

// withReports caches the operator's own reports (only those: other tools
// write many) of the kind it writes.
func withReports(o cache.Options, kind openreports.Kind) cache.Options {
	if kind != nil {
		o.ByObject[kind.New()] = cache.ByObject{
			Label: labels.SelectorFromSet(labels.Set{governancev1alpha1.LabelManagedBy: governancev1alpha1.ManagedByValue}),
		}
	}
	return o
}

// setupReports registers the report writer where the cluster serves a kind of report.
func setupReports(mgr ctrl.Manager, opts Options, kind openreports.Kind) error {
	if kind == nil {
		return nil
	}
	if err := (&controllers.OpenReportsReconciler{Client: mgr.GetClient(), Kind: kind, Reports: mgr.GetCache(), MaxConcurrentReconciles: opts.concurrency()}).
		SetupWithManager(context.Background(), mgr); err != nil {
		return fmt.Errorf("setting up the report writer: %w", err)
	}
	return nil
}

// metricsOptions serve the metrics over plain HTTP, or with
// --metrics-secure over HTTPS to authenticated and authorized scrapers.
func metricsOptions(opts Options) metricsserver.Options {
	m := metricsserver.Options{BindAddress: opts.MetricsAddr}
	if opts.MetricsSecure {
		m.SecureServing = true
		m.FilterProvider = filters.WithAuthenticationAndAuthorization
	}
	return m
}

// watchWebhookCertificate loads the webhook server's certificate and
// reloads it when it changes (as the webhook server would itself), and
// exports its expiry (cunshe_webhook_certificate_expiration_timestamp_seconds)
// for the certificate alert.
func watchWebhookCertificate(dir string) (*certwatcher.CertWatcher, error) {
	if dir == "" {
		dir = filepath.Join("/tmp", "k8s-webhook-server", "serving-certs") // the webhook server's default
	}
	w, err := certwatcher.New(filepath.Join(dir, "tls.crt"), filepath.Join(dir, "tls.key"))
	if err != nil {
		return nil, fmt.Errorf("reading the webhook server's certificate in %s: %w", dir, err)
	}
	w.RegisterCallback(metrics.ObserveServingCertificate)
	return w, nil
}

// setupPortal serves the public portal from the manager's cache; the port
// is bound now, so that a busy one stops the start with a clear error.
func setupPortal(mgr ctrl.Manager, opts Options) error {
	if opts.PortalAddr == "" {
		return nil
	}
	srv := &portal.Server{Addr: opts.PortalAddr, Site: portal.NewSite(opts.PortalPublicURL), Cache: mgr.GetCache(),
		CacheDir: opts.PortalCacheDir, Log: ctrl.Log.WithName("portal")}
	if _, err := srv.Listen(); err != nil {
		return fmt.Errorf("the portal cannot listen on %s (--portal-bind-address): %w", opts.PortalAddr, err)
	}
	return mgr.Add(srv)
}

// setupSignboards registers the controllers of the boards and signs (S12–S16);
// their webhook is registered with the others.
func setupSignboards(mgr ctrl.Manager, opts Options) error {
	if err := (&controllers.SignboardSetReconciler{Client: mgr.GetClient(), MaxConcurrentReconciles: opts.concurrency()}).
		SetupWithManager(context.Background(), mgr); err != nil {
		return fmt.Errorf("setting up the signboard set controller: %w", err)
	}
	if err := (&controllers.SignboardStyleReconciler{Client: mgr.GetClient()}).SetupWithManager(mgr); err != nil {
		return fmt.Errorf("setting up the signboard style controller: %w", err)
	}
	return nil
}

// setupLists registers the controllers and webhooks of the six lists (S1–S7).
func setupLists(mgr ctrl.Manager, opts Options) error {
	ctx := context.Background()
	if err := (&controllers.ListItemReconciler{Client: mgr.GetClient()}).SetupWithManager(ctx, mgr); err != nil {
		return fmt.Errorf("setting up the list item controller: %w", err)
	}
	if err := controllers.NewPowerFlowStatusReconciler(mgr.GetClient()).SetupWithManager(mgr); err != nil {
		return fmt.Errorf("setting up the power flow controller: %w", err)
	}
	if err := controllers.NewReviewUnitStatusReconciler(mgr.GetClient()).SetupWithManager(mgr); err != nil {
		return fmt.Errorf("setting up the review unit controller: %w", err)
	}
	if err := (&controllers.ListRevisionReconciler{Client: mgr.GetClient(), Settle: opts.RevisionSettle, HistoryLimit: opts.RevisionHistoryLimit}).SetupWithManager(mgr); err != nil {
		return fmt.Errorf("setting up the list revision controller: %w", err)
	}
	if err := controllers.SetupCityIndexes(mgr); err != nil {
		return fmt.Errorf("setting up the city indexes: %w", err)
	}
	idx, err := listindex.New(ctx, mgr)
	if err != nil {
		return fmt.Errorf("setting up the list index: %w", err)
	}
	// Ready only once the index knows the whole city: a Service then sends
	// no task to a replica that would judge it against part of the city.
	if err := mgr.AddReadyzCheck("lists-index", func(*http.Request) error {
		if !idx.Synced() {
			return errors.New("the list index has not read every village yet")
		}
		return nil
	}); err != nil {
		return err
	}
	if err := (&controllers.ListRolloutReconciler{Client: mgr.GetClient(), Writers: opts.rolloutWriters(), Admission: idx.Villages.Revision}).SetupWithManager(mgr); err != nil {
		return fmt.Errorf("setting up the list rollout controller: %w", err)
	}
	if err := (&controllers.JurisdictionReconciler{Client: mgr.GetClient()}).SetupWithManager(mgr); err != nil {
		return fmt.Errorf("setting up the jurisdiction controller: %w", err)
	}
	if err := setupTasks(ctx, mgr, idx, opts.now(), opts.concurrency()); err != nil {
		return err
	}
	var sample rules.SampleKeys
	if !opts.AllowSampleKeys {
		keys, err := config.SampleKeys()
		if err != nil {
			return fmt.Errorf("reading the sample keys: %w", err)
		}
		sample = keys
	}
	if err := webhooks.Setup(ctx, mgr, idx, opts.now(), sample); err != nil {
		return fmt.Errorf("setting up the webhooks: %w", err)
	}
	return nil
}

// setupTasks registers the task audit, the emergency records, the reports
// and the departments' and counties' compliance summaries (S6–S8, S18, S19).
func setupTasks(ctx context.Context, mgr ctrl.Manager, idx *listindex.Index, now func() time.Time, concurrency int) error {
	recorder := mgr.GetEventRecorder("cunshe-operator")
	if err := (&controllers.TaskAuditReconciler{Client: mgr.GetClient(), Index: idx, Recorder: recorder, Now: now, MaxConcurrentReconciles: concurrency}).SetupWithManager(ctx, mgr); err != nil {
		return fmt.Errorf("setting up the task audit: %w", err)
	}
	if err := (&controllers.ReportReconciler{Client: mgr.GetClient(), Index: idx, Recorder: recorder}).SetupWithManager(mgr); err != nil {
		return fmt.Errorf("setting up the report controller: %w", err)
	}
	if err := (&controllers.EmergencyRecordReconciler{Client: mgr.GetClient(), Index: idx, Recorder: recorder}).SetupWithManager(mgr); err != nil {
		return fmt.Errorf("setting up the emergency records: %w", err)
	}
	if err := (&controllers.EmergencyExemptionReconciler{Client: mgr.GetClient(), Recorder: recorder, Now: now}).SetupWithManager(ctx, mgr); err != nil {
		return fmt.Errorf("setting up the emergency ratification: %w", err)
	}
	if err := (&controllers.ComplianceReconciler{Client: mgr.GetClient(), Now: now}).SetupWithManager(mgr); err != nil {
		return fmt.Errorf("setting up the compliance controller: %w", err)
	}
	if err := (&controllers.CountyComplianceReconciler{Client: mgr.GetClient(), Now: now}).SetupWithManager(mgr); err != nil {
		return fmt.Errorf("setting up the county compliance controller: %w", err)
	}
	if err := (&controllers.DisclosureReconciler{Client: mgr.GetClient()}).SetupWithManager(mgr); err != nil {
		return fmt.Errorf("setting up the disclosure controller: %w", err)
	}
	if err := (&controllers.PublicNoticeReconciler{Client: mgr.GetClient()}).SetupWithManager(mgr); err != nil {
		return fmt.Errorf("setting up the public notice controller: %w", err)
	}
	return nil
}

// CacheOptions hold only the operator's own objects, and of them only what
// the controllers decide by, so a province's worth of tenants fits in
// memory. Of the tenants' children only the lists ConfigMaps are cached
// (selected by their label, without their data: tenant.TrimListsForCache);
// the village controller keeps a digest of each of the others in its own
// store (tenant.Observer). Villages share their strings with their lists
// (tenant.TrimVillageForCache); managed fields are stripped everywhere.
// The TaskInboxes are cached without the tasks they list
// (tenant.TrimInboxForCache): their content hash is what is compared.
// Neither cache has a namespace index (Villages are cluster-scoped, and the
// operator reads a lists ConfigMap by name or all of them by label), so a
// list in one namespace fails instead of scanning. The observed kinds are
// selected here too, in case a reader ever asks the cache for one: it would
// then hold the operator's own objects, not the cluster's.
func CacheOptions() cache.Options {
	own := cache.ByObject{Label: labels.SelectorFromSet(labels.Set{governancev1alpha1.LabelManagedBy: governancev1alpha1.ManagedByValue})}
	byObject := map[client.Object]cache.ByObject{
		&governancev1alpha1.Village{}:   {Transform: tenant.TrimVillageForCache},
		&corev1.ConfigMap{}:             {Label: labels.SelectorFromSet(labels.Set{tenant.LabelLists: "true"}), Transform: tenant.TrimListsForCache},
		&governancev1alpha1.TaskInbox{}: {Transform: tenant.TrimInboxForCache},
	}
	for _, kind := range tenant.ObservedKinds() {
		byObject[kind] = own
	}
	return cache.Options{
		DefaultTransform: cache.TransformStripManagedFields(),
		NewInformer:      newInformer,
		ByObject:         byObject,
	}
}

func newInformer(lw toolscache.ListerWatcher, obj runtime.Object, resync time.Duration, indexers toolscache.Indexers) toolscache.SharedIndexInformer {
	switch obj.(type) {
	case *corev1.ConfigMap, *governancev1alpha1.Village:
		indexers = maps.Clone(indexers)
		delete(indexers, toolscache.NamespaceIndex)
	}
	return toolscache.NewSharedIndexInformer(lw, obj, resync, indexers)
}
