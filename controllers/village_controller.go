// Package controllers holds the reconcilers that converge the cluster to the
// approved declarations.
package controllers

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/equality"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	kerrors "k8s.io/apimachinery/pkg/util/errors"
	"k8s.io/client-go/tools/events"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/builder"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/controller"
	"sigs.k8s.io/controller-runtime/pkg/controller/controllerutil"
	"sigs.k8s.io/controller-runtime/pkg/event"
	"sigs.k8s.io/controller-runtime/pkg/handler"
	"sigs.k8s.io/controller-runtime/pkg/predicate"
	"sigs.k8s.io/controller-runtime/pkg/reconcile"

	governancev1alpha1 "github.com/cunshe/cunshe-operator/api/v1alpha1"
	"github.com/cunshe/cunshe-operator/internal/publish"
	"github.com/cunshe/cunshe-operator/internal/rules"
	"github.com/cunshe/cunshe-operator/internal/status"
	"github.com/cunshe/cunshe-operator/internal/tenant"
)

// Event reasons a person sees at `kubectl describe village`.
const (
	EventTenantProvisioned = "TenantProvisioned"
	EventTenantRepaired    = "TenantRepaired"
	EventProvisionFailed   = "ProvisionFailed"
	// EventNoRecentRecord: an enrolled village stopped recording its work on
	// the platform and lost its paper-ledger exemption (S11).
	EventNoRecentRecord = "NoRecentRecord"
)

// terminatingRequeue is how soon a village whose namespace is being deleted
// is looked at again; the namespace controller needs a few seconds.
const terminatingRequeue = 5 * time.Second

// VillageReconciler gives every Village a tenant on the smart-village
// platform (S9) and keeps it as declared.
type VillageReconciler struct {
	client.Client
	// APIReader reads a child whose cached copy shows drift (the cache holds
	// no specs, only their hashes) and one the cache does not hold (someone
	// removed its labels), which is adopted instead of failing to create.
	APIReader client.Reader
	Scheme    *runtime.Scheme
	Recorder  events.EventRecorder
	Quota     tenant.Quota
	// MaxConcurrentReconciles bounds parallel reconciles; provisioning a city
	// is bound by the API server, not by this process.
	MaxConcurrentReconciles int
	// Now is the clock of the paper-ledger exemption (S11); tests set it.
	Now func() time.Time

	// children keeps a digest of each tenant child (set up with the manager).
	children *tenant.Observer
}

// villageScope carries one reconcile pass's findings to the status patch.
type villageScope struct {
	village     *governancev1alpha1.Village
	terminating bool
	// provisioned is set when this pass created the tenant namespace.
	provisioned bool
	// publishedRevision is the list revision the village's ConfigMap holds.
	publishedRevision int64
	// evidence is what the paper-ledger exemption rests on (S11).
	evidence rules.PlatformEvidence
	// juris are the cities, for the exemption's window and day.
	juris rules.Jurisdictions
	// written are the children created or repaired in this pass; the pass
	// waits until the cache sees them, so the next pass does not write again.
	written []client.Object
	err     error
}

// +kubebuilder:rbac:groups=governance.cunshe.io,resources=villages,verbs=get;list;watch
// +kubebuilder:rbac:groups=governance.cunshe.io,resources=villages/status,verbs=get;update;patch
// +kubebuilder:rbac:groups="",resources=namespaces;configmaps;resourcequotas;limitranges,verbs=get;list;watch;create;update;patch;delete
// +kubebuilder:rbac:groups=rbac.authorization.k8s.io,resources=rolebindings,verbs=get;list;watch;create;update;patch;delete
// +kubebuilder:rbac:groups=rbac.authorization.k8s.io,resources=clusterroles,verbs=bind,resourceNames=cunshe-village;cunshe-township
// +kubebuilder:rbac:groups=networking.k8s.io,resources=networkpolicies,verbs=get;list;watch;create;update;patch;delete
// +kubebuilder:rbac:groups=events.k8s.io,resources=events,verbs=create;patch
// +kubebuilder:rbac:groups=governance.cunshe.io,resources=disclosures;jurisdictions,verbs=get;list;watch

// Reconcile provisions or repairs one village's tenant and records the result
// in one status patch.
func (r *VillageReconciler) Reconcile(ctx context.Context, req ctrl.Request) (result ctrl.Result, retErr error) {
	village := &governancev1alpha1.Village{}
	err := r.Get(ctx, req.NamespacedName, village)
	switch {
	case apierrors.IsNotFound(err), err == nil && !village.DeletionTimestamp.IsZero():
		// Owner references hand the tenant to the garbage collector; its
		// records are archived as its namespace goes.
		return r.archiveGoingTenant(ctx, req.Name)
	case err != nil:
		return ctrl.Result{}, err
	}
	ctx = ctrl.LoggerInto(ctx, ctrl.LoggerFrom(ctx).WithValues("Village", village.Name))

	patcher := status.NewPatcher(r.Client, village)
	scope := &villageScope{village: village}
	defer func() {
		retErr = kerrors.NewAggregate([]error{retErr, r.patchStatus(ctx, patcher, scope)})
	}()

	for _, phase := range []func(context.Context, *villageScope) (ctrl.Result, error){
		r.reconcileNamespace,
		r.reconcileChildren,
		r.waitForWrites,
		r.readRevision,
		r.readPlatformRecords,
	} {
		res, err := phase(ctx, scope)
		if err != nil || !res.IsZero() {
			scope.err = err
			return res, err
		}
	}
	// Look again when the exemption changes with time alone (S11).
	if changes := r.exemption(scope).Changes; !changes.IsZero() {
		return ctrl.Result{RequeueAfter: max(changes.Sub(r.Now()), time.Second)}, nil
	}
	return ctrl.Result{}, nil
}

// reconcileNamespace ensures the tenant namespace; while it is being deleted
// nothing can be created in it, so the pass archives its records, which may
// then go with it, and waits for it to go.
func (r *VillageReconciler) reconcileNamespace(ctx context.Context, s *villageScope) (ctrl.Result, error) {
	ns, err := r.ensure(ctx, s, tenant.Namespace(s.village))
	if err != nil {
		return ctrl.Result{}, err
	}
	if ns.Deleting {
		s.terminating = true
		return ctrl.Result{RequeueAfter: terminatingRequeue}, r.archiveTenant(ctx, s.village.Spec.Code)
	}
	return ctrl.Result{}, nil
}

func (r *VillageReconciler) reconcileChildren(ctx context.Context, s *villageScope) (ctrl.Result, error) {
	for _, child := range tenant.Children(s.village, r.Quota) {
		if _, err := r.ensure(ctx, s, child); err != nil {
			return ctrl.Result{}, err
		}
	}
	return ctrl.Result{}, nil
}

// readRevision reads the revision the village's lists ConfigMap holds,
// once the cache has seen this pass's writes.
func (r *VillageReconciler) readRevision(ctx context.Context, s *villageScope) (ctrl.Result, error) {
	lists := &corev1.ConfigMap{}
	key := client.ObjectKey{Namespace: governancev1alpha1.TenantNamespaceName(s.village.Spec.Code), Name: tenant.ListsConfigMap}
	if err := r.Get(ctx, key, lists); err != nil {
		return ctrl.Result{}, client.IgnoreNotFound(err)
	}
	s.publishedRevision, _ = strconv.ParseInt(lists.Annotations[publish.AnnotationRevision], 10, 64)
	return ctrl.Result{}, nil
}

// readPlatformRecords finds the village's latest work record on the
// platform, the evidence of its paper-ledger exemption (S11): the newest
// Disclosure (三务公开) of its tenant. Task completions are not recorded on
// the platform yet; when they are, they count here too.
func (r *VillageReconciler) readPlatformRecords(ctx context.Context, s *villageScope) (ctrl.Result, error) {
	juris, err := readJurisdictions(ctx, r.Client)
	if err != nil {
		return ctrl.Result{}, err
	}
	// Reached only once every child of the tenant is as declared.
	s.juris, s.evidence.EnrolledSince, s.evidence.TenantReady = juris, s.village.Spec.Platform.EnrolledSince, true
	records := &governancev1alpha1.DisclosureList{}
	ns := governancev1alpha1.TenantNamespaceName(s.village.Spec.Code)
	if err := r.List(ctx, records, client.InNamespace(ns), client.UnsafeDisableDeepCopy); err != nil {
		return ctrl.Result{}, fmt.Errorf("listing the Disclosures of %s: %w", ns, err)
	}
	for i := range records.Items {
		d := &records.Items[i]
		if at := d.CreationTimestamp.Time; at.After(s.evidence.LastRecordAt) {
			s.evidence.LastRecord, s.evidence.LastRecordAt = "Disclosure/"+d.Name, at
		}
	}
	return ctrl.Result{}, nil
}

// exemption is the S11 decision on the village as this pass found it.
func (r *VillageReconciler) exemption(s *villageScope) rules.Exemption {
	city := s.juris.CityOf(s.village.Spec.Code)
	window := s.juris.Get(city).RecordWithinDays()
	return rules.PaperLedgerExemption(s.evidence, r.Now(), s.juris.Location(city), window)
}

// ensure creates the child or brings it back to its declared state. What
// the operator knows of a child is a digest of what it declares
// (tenant.Observe): a child whose digest is as declared costs nothing; any
// other is read from the API server and patched where it drifted.
func (r *VillageReconciler) ensure(ctx context.Context, s *villageScope, child tenant.Child) (tenant.Observed, error) {
	declared := child.Object.DeepCopyObject().(client.Object)
	if err := r.declare(s, child, declared); err != nil {
		return tenant.Observed{}, err
	}
	have, found, err := r.observe(ctx, child.Object)
	switch {
	case err != nil:
	case !found:
		err = r.create(ctx, s, child, declared)
	case have.Digest != tenant.Digest(declared):
		err = r.repair(ctx, s, child)
	}
	if err != nil {
		return tenant.Observed{}, fmt.Errorf("ensuring %s %s: %w", kindOf(child.Object), client.ObjectKeyFromObject(child.Object), err)
	}
	return have, nil
}

// observe returns the record of a child: the Observer's, or for the lists
// ConfigMap, which the manager caches for the rollout, one made from the
// cached copy.
func (r *VillageReconciler) observe(ctx context.Context, obj client.Object) (tenant.Observed, bool, error) {
	return r.observeOr(ctx, obj, observeCached(r.Client))
}

// observeVersion is observe for a wait: the Observer's record, or only the
// resourceVersion of the cached copy.
func (r *VillageReconciler) observeVersion(ctx context.Context, obj client.Object) (tenant.Observed, bool, error) {
	return r.observeOr(ctx, obj, observeVersion(r.Client))
}

func (r *VillageReconciler) observeOr(ctx context.Context, obj client.Object, cached observeFunc) (tenant.Observed, bool, error) {
	if r.children.Observes(obj) {
		have, found := r.children.Get(obj)
		return have, found, nil
	}
	return cached(ctx, obj)
}

// declare brings obj to the child's declared state, owned by the village.
func (r *VillageReconciler) declare(s *villageScope, child tenant.Child, obj client.Object) error {
	child.Mutate(obj)
	return controllerutil.SetControllerReference(s.village, obj, r.Scheme)
}

func (r *VillageReconciler) create(ctx context.Context, s *villageScope, child tenant.Child, declared client.Object) error {
	err := r.Create(ctx, declared)
	if apierrors.IsAlreadyExists(err) {
		// It exists but the label-selected watch does not see it: someone
		// removed its labels. Adopt it.
		return r.repair(ctx, s, child)
	}
	if err != nil {
		return err
	}
	r.wrote(ctx, s, declared, controllerutil.OperationResultCreated)
	return nil
}

// repair reads the child from the API server and patches what drifted; the
// patch leaves alone what the operator does not declare (the published
// lists, defaults the API server added).
func (r *VillageReconciler) repair(ctx context.Context, s *villageScope, child tenant.Child) error {
	live := child.Object.DeepCopyObject().(client.Object)
	if err := r.APIReader.Get(ctx, client.ObjectKeyFromObject(live), live); err != nil {
		return err
	}
	before := live.DeepCopyObject().(client.Object)
	if err := r.declare(s, child, live); err != nil {
		return err
	}
	if equality.Semantic.DeepEqual(before, live) {
		return nil
	}
	if err := r.Patch(ctx, live, client.MergeFrom(before)); err != nil {
		return err
	}
	r.wrote(ctx, s, live, controllerutil.OperationResultUpdated)
	return nil
}

func (r *VillageReconciler) wrote(ctx context.Context, s *villageScope, obj client.Object, op controllerutil.OperationResult) {
	ctrl.LoggerFrom(ctx).V(1).Info("Wrote tenant object", "kind", kindOf(obj), "name", obj.GetName(), "operation", op)
	s.written = append(s.written, obj)
	if _, isNamespace := obj.(*corev1.Namespace); isNamespace && op == controllerutil.OperationResultCreated {
		s.provisioned = true
	}
}

// waitForWrites waits until the cache holds what this pass wrote (as Cluster
// API's MachineSet controller does): the events of those writes queue the
// village again at once, and a pass reading a stale cache would write again.
func (r *VillageReconciler) waitForWrites(ctx context.Context, s *villageScope) (ctrl.Result, error) {
	for _, obj := range s.written {
		r.waitForCache(ctx, obj)
	}
	return ctrl.Result{}, nil
}

// waitForCache waits until the village controller's sources hold obj as
// this pass wrote it.
func (r *VillageReconciler) waitForCache(ctx context.Context, obj client.Object) {
	waitForOwnWrite(ctx, obj, r.observeVersion)
}

// patchStatus rebuilds the status from this pass; the patcher writes it
// only if it differs from what is stored.
func (r *VillageReconciler) patchStatus(ctx context.Context, patcher *status.Patcher, s *villageScope) error {
	v := s.village
	read := v.ResourceVersion
	tenantReady := tenantReadyCondition(v, s)
	meta.SetStatusCondition(&v.Status.Conditions, tenantReady)
	ready := tenantReady.Message
	if tenantReady.Status == metav1.ConditionTrue {
		ready = "村（社区）租户就绪 / the village's tenant is ready"
	}
	status.Summarise(v, tenantReady.Reason, ready)
	v.Status.TenantNamespace = governancev1alpha1.TenantNamespaceName(v.Spec.Code)
	v.Status.PublishedRevision = s.publishedRevision
	s.evidence.EnrolledSince, s.evidence.TenantReady = v.Spec.Platform.EnrolledSince, tenantReady.Status == metav1.ConditionTrue
	flaggedBefore := meta.IsStatusConditionPresentAndEqual(v.Status.Conditions, governancev1alpha1.PaperLedgerExemptCondition, metav1.ConditionFalse) &&
		meta.FindStatusCondition(v.Status.Conditions, governancev1alpha1.PaperLedgerExemptCondition).Reason == governancev1alpha1.ReasonNoRecentRecord
	ex := r.setExemption(v, s)
	r.recordEvents(s)
	if ex.Flagged && !flaggedBefore {
		r.Recorder.Eventf(v, nil, corev1.EventTypeWarning, EventNoRecentRecord, "CheckPlatformRecords", "%s", ex.Message.Text)
	}
	if err := patcher.Patch(ctx, v); err != nil {
		return err
	}
	if v.ResourceVersion != read {
		r.waitForCache(ctx, v)
	}
	return nil
}

// setExemption records the S11 decision: paperLedgerExempt, the
// PaperLedgerExempt condition and the evidence it rests on.
func (r *VillageReconciler) setExemption(v *governancev1alpha1.Village, s *villageScope) rules.Exemption {
	ex := r.exemption(s)
	c := metav1.Condition{Type: governancev1alpha1.PaperLedgerExemptCondition, Status: metav1.ConditionFalse,
		Reason: ex.Reason, Message: ex.Message.Text, ObservedGeneration: v.Generation}
	if ex.Exempt {
		c.Status = metav1.ConditionTrue
	}
	meta.SetStatusCondition(&v.Status.Conditions, c)
	v.Status.PaperLedgerExempt = ex.Exempt
	v.Status.Platform = nil
	if e := s.evidence; e.EnrolledSince != "" || !e.LastRecordAt.IsZero() {
		p := &governancev1alpha1.PlatformRecords{EnrolledSince: e.EnrolledSince, LastRecord: e.LastRecord,
			RecordWithinDays: s.juris.Get(s.juris.CityOf(v.Spec.Code)).RecordWithinDays()}
		if !e.LastRecordAt.IsZero() {
			p.LastRecordAt = &metav1.Time{Time: e.LastRecordAt}
		}
		v.Status.Platform = p
	}
	return ex
}

// tenantReadyCondition says whether the tenant is as declared; a write the
// API server refused is ProvisionFailed (Stalled: a person must change the
// village, the quota or a policy), any other failure ProvisionRetrying.
func tenantReadyCondition(v *governancev1alpha1.Village, s *villageScope) metav1.Condition {
	c := metav1.Condition{Type: governancev1alpha1.TenantReadyCondition, ObservedGeneration: v.Generation}
	switch {
	case s.err != nil:
		c.Status, c.Reason = metav1.ConditionFalse, governancev1alpha1.ReasonProvisionRetrying
		if refused(s.err) {
			c.Reason = governancev1alpha1.ReasonProvisionFailed
		}
		c.Message = fmt.Sprintf("租户开通失败 / tenant provisioning failed: %v", s.err)
	case s.terminating:
		c.Status, c.Reason = metav1.ConditionFalse, governancev1alpha1.ReasonNamespaceTerminating
		c.Message = "租户命名空间正在删除，删除完成后将重建 / the tenant namespace is being deleted and will be recreated"
	default:
		c.Status, c.Reason = metav1.ConditionTrue, governancev1alpha1.ReasonProvisioned
		c.Message = "租户命名空间及其对象齐备 / the tenant namespace and its objects are as declared"
	}
	return c
}

// refused: the API server turned the write down on its merits (schema,
// admission, RBAC); retrying the same write is refused again.
func refused(err error) bool {
	if apierrors.HasStatusCause(err, corev1.NamespaceTerminatingCause) {
		return false // deleted meanwhile: the next pass waits for it and recreates it
	}
	return apierrors.IsInvalid(err) || apierrors.IsForbidden(err) || apierrors.IsBadRequest(err) || apierrors.IsRequestEntityTooLargeError(err)
}

func (r *VillageReconciler) recordEvents(s *villageScope) {
	v := s.village
	switch {
	case s.err != nil:
		r.Recorder.Eventf(v, nil, corev1.EventTypeWarning, EventProvisionFailed, "Provision", "租户开通失败 / tenant provisioning failed: %v", s.err)
	case s.provisioned:
		r.Recorder.Eventf(v, nil, corev1.EventTypeNormal, EventTenantProvisioned, "Provision", "已开通租户命名空间 %s / provisioned tenant namespace %s", v.Status.TenantNamespace, v.Status.TenantNamespace)
	case len(s.written) > 0:
		names := make([]string, 0, len(s.written))
		for _, obj := range s.written {
			names = append(names, fmt.Sprintf("%s/%s", kindOf(obj), obj.GetName()))
		}
		r.Recorder.Eventf(v, nil, corev1.EventTypeNormal, EventTenantRepaired, "Repair", "已恢复被删除或改动的租户对象 / restored deleted or changed tenant objects: %s", strings.Join(names, ", "))
	}
}

// SetupWithManager watches Villages and every child kind, so that deleting
// or editing a child brings its village back to its declared state. The
// children are observed as digests (tenant.Observer), all but the lists
// ConfigMap, which the manager caches without its data for the rollout.
func (r *VillageReconciler) SetupWithManager(mgr ctrl.Manager) error {
	watcher, err := client.NewWithWatch(mgr.GetConfig(), client.Options{Scheme: mgr.GetScheme(), Mapper: mgr.GetRESTMapper()})
	if err != nil {
		return fmt.Errorf("making the tenant children's watch client: %w", err)
	}
	r.children = tenant.NewObserver(watcher)
	if r.Now == nil {
		r.Now = time.Now
	}
	return ctrl.NewControllerManagedBy(mgr).
		For(&governancev1alpha1.Village{}).
		Owns(&corev1.ConfigMap{}).
		WatchesRawSource(r.children).
		// A new record on the platform is new evidence of the village's
		// exemption (S11); records never change, so updates are not watched.
		Watches(&governancev1alpha1.Disclosure{}, handler.EnqueueRequestsFromMapFunc(villageOfTenantObject),
			builder.WithPredicates(predicate.Funcs{UpdateFunc: func(event.UpdateEvent) bool { return false }})).
		// A city's window for records decides its villages' exemptions.
		Watches(&governancev1alpha1.Jurisdiction{}, handler.EnqueueRequestsFromMapFunc(r.villagesOfJurisdiction),
			builder.WithPredicates(predicate.GenerationChangedPredicate{})).
		WithOptions(controller.Options{MaxConcurrentReconciles: max(1, r.MaxConcurrentReconciles)}).
		Named("village").
		Complete(r)
}

// villageOfTenantObject maps an object of a village's tenant to the village.
func villageOfTenantObject(_ context.Context, obj client.Object) []reconcile.Request {
	code, ok := strings.CutPrefix(obj.GetNamespace(), governancev1alpha1.TenantNamespacePrefix)
	if !ok {
		return nil
	}
	return []reconcile.Request{{NamespacedName: client.ObjectKey{Name: code}}}
}

// villagesOfJurisdiction maps a changed city (or province) to its villages.
func (r *VillageReconciler) villagesOfJurisdiction(ctx context.Context, obj client.Object) []reconcile.Request {
	villages := &governancev1alpha1.VillageList{}
	if err := r.List(ctx, villages, client.UnsafeDisableDeepCopy); err != nil {
		ctrl.LoggerFrom(ctx).Error(err, "Listing the villages of a changed jurisdiction", "Jurisdiction", obj.GetName())
		return nil
	}
	var out []reconcile.Request
	for _, v := range villages.Items {
		if strings.HasPrefix(v.Name, obj.GetName()) {
			out = append(out, reconcile.Request{NamespacedName: client.ObjectKey{Name: v.Name}})
		}
	}
	return out
}

// kindOf names a child's kind for events, without its Go package.
func kindOf(obj client.Object) string {
	t := fmt.Sprintf("%T", obj)
	return t[strings.LastIndex(t, ".")+1:]
}
