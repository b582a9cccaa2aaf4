package bench

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	eventsv1 "k8s.io/api/events/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/client-go/rest"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/cache"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/webhook"
	"sigs.k8s.io/controller-runtime/pkg/webhook/admission"

	governancev1alpha1 "github.com/cunshe/cunshe-operator/api/v1alpha1"
	"github.com/cunshe/cunshe-operator/controllers"
	"github.com/cunshe/cunshe-operator/internal/operator"
	"github.com/cunshe/cunshe-operator/internal/rules"
	"github.com/cunshe/cunshe-operator/internal/status"
	"github.com/cunshe/cunshe-operator/internal/tenant"
)

// The floor is the same work as the operator's, done by a bare client: per
// village, create the Village, its namespace and six children, then write
// its status once (9 writes; the operator's share is the last 8).
//
// Its objects must never reach the operator, whose manager starts after the
// floor, so that the measured run does exactly the 3,685 real villages' work:
//
//   - Floor villages get codes of their own (the registry's leading "33"
//     replaced by 90, 91, … per round), so their names and tenant namespaces
//     never collide with the real ones or with another round's.
//   - Their tenant objects carry every label the operator sets, but
//     managed-by (and the lists marker) has another value: the operator's
//     caches select on those labels, so it neither holds nor watches them.
//   - Their owner reference has the operator's shape but points at one
//     ClusterRole that lives as long as the control plane, not at the floor
//     Village: deleting a floor Village then cascades to nothing.
//   - The floor Villages are deleted right after each round (they have no
//     finalizer, so this takes seconds), before the manager ever starts.
//     Deleting the tenants instead would keep the namespace controller busy
//     for ~10 minutes per round, so they stay.
//
// Between rounds, and before the measured run, the benchmark waits for
// kube-controller-manager to catch up with the namespaces created so far
// (waitForControllerManager), so that no phase runs against another's trail.
const (
	floorManagedBy   = "cunshe-bench-floor"
	floorOwnerName   = "cunshe-bench-floor"
	floorListsMarker = "floor"
)

// Status messages as the operator writes them, so the floor's status write
// has the operator's size.
const (
	tenantReadyMessage = "租户命名空间及其对象齐备 / the tenant namespace and its objects are as declared"
	readyMessage       = "村（社区）租户就绪 / the village's tenant is ready"
)

// floorVillages renames the villages for one floor round.
func floorVillages(villages []governancev1alpha1.Village, prefix string) ([]governancev1alpha1.Village, error) {
	out := make([]governancev1alpha1.Village, len(villages))
	seen := make(map[string]bool, len(villages))
	for i := range villages {
		v := villages[i].DeepCopy()
		code := prefix + v.Spec.Code[len(prefix):]
		if seen[code] {
			return nil, fmt.Errorf("floor code %s is not unique", code)
		}
		seen[code] = true
		v.Name, v.Spec.Code = code, code
		v.Spec.County.Code, v.Spec.Township.Code = code[:6], code[:9]
		out[i] = *v
	}
	return out, nil
}

// ensureFloorOwner creates the ClusterRole that owns every floor object.
func ensureFloorOwner(ctx context.Context, c client.Client) (metav1.OwnerReference, error) {
	role := &rbacv1.ClusterRole{ObjectMeta: metav1.ObjectMeta{Name: floorOwnerName}}
	if err := c.Create(ctx, role); err != nil {
		return metav1.OwnerReference{}, fmt.Errorf("creating the floor's owner: %w", err)
	}
	return metav1.OwnerReference{
		APIVersion: rbacv1.SchemeGroupVersion.String(), Kind: "ClusterRole",
		Name: role.Name, UID: role.UID,
		Controller: ptr.To(true), BlockOwnerDeletion: ptr.To(true),
	}, nil
}

// floorRound is one floor measurement. The plain rounds do the writes above;
// the variants, for investigations, add the rest of what an operator costs
// the apiserver, so that comparing with them isolates the operator's own
// pipeline (queue, sequential writes, cache waits):
//   - events: one events.k8s.io Event per village, as the operator's recorder writes;
//   - watch: informers on the same kinds with the operator's cache options,
//     selecting the floor's objects, running during the round.
type floorRound struct {
	workers       int
	events, watch bool
}

func (r floorRound) plain() bool { return !r.events && !r.watch }

func (r floorRound) String() string {
	s := strconv.Itoa(r.workers)
	if r.events {
		s += "+events"
	}
	if r.watch {
		s += "+watch"
	}
	return s
}

// parseFloorRound reads "512", "512+events", "512+events+watch".
func parseFloorRound(spec string) (floorRound, error) {
	parts := strings.Split(strings.TrimSpace(spec), "+")
	n, err := strconv.Atoi(parts[0])
	if err != nil || n <= 0 {
		return floorRound{}, fmt.Errorf("floor round %q: want a positive worker count", spec)
	}
	r := floorRound{workers: n}
	for _, p := range parts[1:] {
		switch p {
		case "events":
			r.events = true
		case "watch":
			r.watch = true
		default:
			return floorRound{}, fmt.Errorf("floor round %q: unknown variant %q (want events or watch)", spec, p)
		}
	}
	return r, nil
}

// runFloor provisions the villages as the round says and returns the time
// from the first write to the last.
func runFloor(ctx context.Context, cfg *rest.Config, c client.Client, villages []governancev1alpha1.Village, owner metav1.OwnerReference, round floorRound) (time.Duration, error) {
	if round.watch {
		stop, err := watchLikeTheOperator(ctx, cfg)
		if err != nil {
			return 0, err
		}
		defer stop()
	}
	quota := tenant.DefaultQuota()
	start := time.Now()
	err := forEach(ctx, len(villages), round.workers, func(i int) error {
		v := villages[i].DeepCopy()
		if err := provisionBare(ctx, c, v, quota, owner); err != nil {
			return err
		}
		if round.events {
			return c.Create(ctx, provisionedEvent(v))
		}
		return nil
	})
	return time.Since(start), err
}

// provisionedEvent is the Event the operator's recorder writes for a new tenant.
func provisionedEvent(v *governancev1alpha1.Village) *eventsv1.Event {
	now := time.Now()
	ns := governancev1alpha1.TenantNamespaceName(v.Spec.Code)
	return &eventsv1.Event{
		ObjectMeta: metav1.ObjectMeta{Name: fmt.Sprintf("%s.%x", v.Name, now.UnixNano()), Namespace: metav1.NamespaceDefault},
		EventTime:  metav1.NewMicroTime(now), ReportingController: "cunshe-operator", ReportingInstance: "cunshe-operator-bench",
		Action: "Provision", Reason: controllers.EventTenantProvisioned, Type: corev1.EventTypeNormal,
		Regarding: corev1.ObjectReference{APIVersion: governancev1alpha1.GroupVersion.String(), Kind: "Village", Name: v.Name, UID: v.UID, ResourceVersion: v.ResourceVersion},
		Note:      fmt.Sprintf("已开通租户命名空间 %s / provisioned tenant namespace %s", ns, ns),
	}
}

// watchLikeTheOperator runs informers on the operator's kinds, with its cache
// options but selecting the floor's objects, and returns a stop function.
func watchLikeTheOperator(ctx context.Context, cfg *rest.Config) (func(), error) {
	opts := operator.CacheOptions()
	opts.Scheme = operator.Scheme()
	floor := cache.ByObject{Label: labels.SelectorFromSet(labels.Set{governancev1alpha1.LabelManagedBy: floorManagedBy})}
	for obj := range opts.ByObject {
		opts.ByObject[obj] = floor
	}
	opts.ByObject[&corev1.ConfigMap{}] = cache.ByObject{Label: labels.SelectorFromSet(labels.Set{tenant.LabelLists: floorListsMarker})}
	c, err := cache.New(cfg, opts)
	if err != nil {
		return nil, err
	}
	ctx, cancel := context.WithCancel(ctx)
	for _, obj := range watchedKinds() {
		if _, err := c.GetInformer(ctx, obj); err != nil {
			cancel()
			return nil, err
		}
	}
	go func() { _ = c.Start(ctx) }()
	if !c.WaitForCacheSync(ctx) {
		cancel()
		return nil, fmt.Errorf("the floor's watch did not sync")
	}
	return cancel, nil
}

func provisionBare(ctx context.Context, c client.Client, v *governancev1alpha1.Village, quota tenant.Quota, owner metav1.OwnerReference) error {
	if err := c.Create(ctx, v); err != nil {
		return fmt.Errorf("creating Village %s: %w", v.Name, err)
	}
	for _, child := range append([]tenant.Child{tenant.Namespace(v)}, tenant.Children(v, quota)...) {
		obj := child.Object
		child.Mutate(obj)
		labels := obj.GetLabels()
		labels[governancev1alpha1.LabelManagedBy] = floorManagedBy
		if _, ok := labels[tenant.LabelLists]; ok {
			labels[tenant.LabelLists] = floorListsMarker
		}
		obj.SetOwnerReferences([]metav1.OwnerReference{owner})
		if err := c.Create(ctx, obj); err != nil {
			return fmt.Errorf("creating %T %s: %w", obj, client.ObjectKeyFromObject(obj), err)
		}
	}
	before := v.DeepCopy()
	setProvisioned(v)
	if err := c.Status().Patch(ctx, v, client.MergeFrom(before)); err != nil {
		return fmt.Errorf("patching status of Village %s: %w", v.Name, err)
	}
	return nil
}

// setProvisioned writes the status the operator writes for a provisioned village.
func setProvisioned(v *governancev1alpha1.Village) {
	meta.SetStatusCondition(&v.Status.Conditions, metav1.Condition{Type: governancev1alpha1.TenantReadyCondition, Message: tenantReadyMessage,
		Status: metav1.ConditionTrue, Reason: governancev1alpha1.ReasonProvisioned, ObservedGeneration: v.Generation})
	status.Summarise(v, governancev1alpha1.ReasonProvisioned, readyMessage)
	v.Status.TenantNamespace = governancev1alpha1.TenantNamespaceName(v.Spec.Code)
	// The S11 decision on a village just provisioned, as the operator writes it.
	ex := rules.PaperLedgerExemption(rules.PlatformEvidence{EnrolledSince: v.Spec.Platform.EnrolledSince, TenantReady: true},
		time.Now(), time.UTC, governancev1alpha1.DefaultRecordWithinDays)
	exempt := metav1.ConditionFalse
	if ex.Exempt {
		exempt = metav1.ConditionTrue
	}
	meta.SetStatusCondition(&v.Status.Conditions, metav1.Condition{Type: governancev1alpha1.PaperLedgerExemptCondition, Message: ex.Message.Text,
		Status: exempt, Reason: ex.Reason, ObservedGeneration: v.Generation})
	v.Status.PaperLedgerExempt = ex.Exempt
}

// deleteVillages deletes the floor's Villages (not their tenants).
func deleteVillages(ctx context.Context, c client.Client, villages []governancev1alpha1.Village) error {
	return forEach(ctx, len(villages), 256, func(i int) error {
		v := &governancev1alpha1.Village{ObjectMeta: metav1.ObjectMeta{Name: villages[i].Name}}
		if err := c.Delete(ctx, v); err != nil {
			return fmt.Errorf("deleting floor Village %s: %w", v.Name, err)
		}
		return nil
	})
}

// forEach calls fn for 0..n-1 from the given number of goroutines and stops
// at the first error.
func forEach(ctx context.Context, n, workers int, fn func(i int) error) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var (
		next     atomic.Int64
		wg       sync.WaitGroup
		once     sync.Once
		firstErr error
	)
	for range workers {
		wg.Go(func() {
			for i := int(next.Add(1) - 1); i < n && ctx.Err() == nil; i = int(next.Add(1) - 1) {
				if err := fn(i); err != nil {
					once.Do(func() { firstErr = err; cancel() })
					return
				}
			}
		})
	}
	wg.Wait()
	if firstErr == nil {
		firstErr = ctx.Err()
	}
	return firstErr
}

// villageWebhookPath is the operator's village admission path (config/webhook).
const villageWebhookPath = "/validate-governance-cunshe-io-v1alpha1-village"

// serveNoopVillageWebhook answers the village admission path with "allowed"
// where the operator's webhook server would, while the operator is stopped.
func serveNoopVillageWebhook(ctx context.Context, b *testing.B) func() {
	host, port, certDir := env.ControlPlane.WebhookServing()
	srv := webhook.NewServer(webhook.Options{Host: host, Port: port, CertDir: certDir})
	srv.Register(villageWebhookPath, &webhook.Admission{Handler: admission.HandlerFunc(
		func(context.Context, admission.Request) admission.Response { return admission.Allowed("") })})
	ctx, cancel := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() { done <- srv.Start(ctx) }()
	started := srv.StartedChecker()
	if err := wait.PollUntilContextTimeout(ctx, 50*time.Millisecond, time.Minute, true, func(context.Context) (bool, error) {
		return started(nil) == nil, nil
	}); err != nil {
		cancel()
		b.Fatalf("the no-op village webhook did not start: %v", err)
	}
	return func() {
		cancel()
		if err := <-done; err != nil {
			logf("the no-op village webhook stopped: %v", err)
		}
	}
}
