package controllers

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/sets"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/handler"
	"sigs.k8s.io/controller-runtime/pkg/reconcile"

	governancev1alpha1 "github.com/cunshe/cunshe-operator/api/v1alpha1"
	"github.com/cunshe/cunshe-operator/internal/publish"
	"github.com/cunshe/cunshe-operator/internal/tenant"
)

// revisionKey is the one work item of the revision controller: every item
// change maps to it, so changes arriving together collapse into one pass.
var revisionKey = reconcile.Request{NamespacedName: client.ObjectKey{Name: "lists"}}

// ListRevisionReconciler cuts a new numbered ListRevision whenever the set
// of approved, unretired items changes (S1, S7), and prunes old revisions
// that no village and no rollout uses.
type ListRevisionReconciler struct {
	client.Client
	Now func() time.Time
	// Settle is how long the set of items must stay unchanged before a
	// revision is cut, so that items approved together land in one revision.
	Settle time.Duration
	// HistoryLimit is how many unused revisions are kept besides the latest.
	HistoryLimit int

	pendingHash  string
	pendingSince time.Time
}

// +kubebuilder:rbac:groups=governance.cunshe.io,resources=listrevisions,verbs=get;list;watch;create;delete
// +kubebuilder:rbac:groups=governance.cunshe.io,resources=listrollouts,verbs=get;list;watch

// Reconcile compares the published set with the latest revision.
func (r *ListRevisionReconciler) Reconcile(ctx context.Context, _ ctrl.Request) (ctrl.Result, error) {
	items := &governancev1alpha1.ListItemList{}
	if err := r.List(ctx, items); err != nil {
		return ctrl.Result{}, err
	}
	revisions, err := r.revisions(ctx)
	if err != nil {
		return ctrl.Result{}, err
	}
	now := r.Now().In(cityTime)
	published := publish.Published(items.Items, now.Format(time.DateOnly))
	hash := publish.ContentHash(published)
	result := untilNextRetirement(items.Items, now)
	if len(revisions) > 0 && revisions[len(revisions)-1].Spec.ContentHash == hash {
		r.pendingHash = ""
		return result, r.prune(ctx, revisions)
	}
	if hash != r.pendingHash {
		// Wait for the set to settle: more approvals may be on their way.
		r.pendingHash, r.pendingSince = hash, now
	}
	if wait := r.Settle - now.Sub(r.pendingSince); wait > 0 {
		return ctrl.Result{RequeueAfter: wait}, nil
	}
	next := int64(1)
	if len(revisions) > 0 {
		next = revisions[len(revisions)-1].Spec.Revision + 1
	}
	if err := r.cut(ctx, next, hash, published); err != nil {
		return ctrl.Result{}, err
	}
	r.pendingHash = ""
	return result, nil
}

func (r *ListRevisionReconciler) cut(ctx context.Context, n int64, hash string, items []governancev1alpha1.PublishedItem) error {
	rev := &governancev1alpha1.ListRevision{
		ObjectMeta: metav1.ObjectMeta{Name: governancev1alpha1.RevisionName(n)},
		Spec:       governancev1alpha1.ListRevisionSpec{Revision: n, ContentHash: hash, Items: items},
		Status: governancev1alpha1.ListRevisionStatus{ItemCount: int32(len(items)), Conditions: []metav1.Condition{{
			Type: governancev1alpha1.ReadyCondition, Status: metav1.ConditionTrue, Reason: "Recorded",
			Message:            fmt.Sprintf("清单第 %d 版，共 %d 项 / list revision %d with %d items", n, len(items), n, len(items)),
			LastTransitionTime: metav1.Now(),
		}}},
	}
	if err := r.Create(ctx, rev); err != nil {
		return fmt.Errorf("creating ListRevision %s: %w", rev.Name, err)
	}
	ctrl.LoggerFrom(ctx).Info("Cut a new list revision", "ListRevision", rev.Name, "items", len(items), "contentHash", hash)
	return nil
}

// revisions lists the revisions in increasing order.
func (r *ListRevisionReconciler) revisions(ctx context.Context) ([]governancev1alpha1.ListRevision, error) {
	list := &governancev1alpha1.ListRevisionList{}
	if err := r.List(ctx, list); err != nil {
		return nil, err
	}
	slices.SortFunc(list.Items, func(a, b governancev1alpha1.ListRevision) int { return int(a.Spec.Revision - b.Spec.Revision) })
	return list.Items, nil
}

// prune deletes revisions beyond the history limit that no village holds
// and no rollout targets or may return to.
func (r *ListRevisionReconciler) prune(ctx context.Context, revisions []governancev1alpha1.ListRevision) error {
	if len(revisions) <= r.HistoryLimit+1 {
		return nil
	}
	used, err := r.usedRevisions(ctx)
	if err != nil {
		return err
	}
	for _, rev := range revisions[:len(revisions)-1-r.HistoryLimit] {
		if used.Has(rev.Spec.Revision) {
			continue
		}
		if err := r.Delete(ctx, &rev); client.IgnoreNotFound(err) != nil {
			return fmt.Errorf("pruning ListRevision %s: %w", rev.Name, err)
		}
		ctrl.LoggerFrom(ctx).Info("Pruned an unused list revision", "ListRevision", rev.Name)
	}
	return nil
}

func (r *ListRevisionReconciler) usedRevisions(ctx context.Context) (sets.Set[int64], error) {
	used := sets.New[int64]()
	cms := &corev1.ConfigMapList{}
	if err := r.List(ctx, cms, client.MatchingLabels{tenant.LabelLists: "true"}); err != nil {
		return nil, err
	}
	for _, cm := range cms.Items {
		if n, err := strconv.ParseInt(cm.Annotations[publish.AnnotationRevision], 10, 64); err == nil {
			used.Insert(n)
		}
	}
	rollouts := &governancev1alpha1.ListRolloutList{}
	if err := r.List(ctx, rollouts); err != nil {
		return nil, err
	}
	for _, ro := range rollouts.Items {
		used.Insert(ro.Spec.Revision, ro.Status.CurrentRevision, ro.Status.PreviousRevision)
	}
	return used, nil
}

// untilNextRetirement requeues at the next retirement date, when the
// published set changes without any object changing (S7).
func untilNextRetirement(items []governancev1alpha1.ListItem, now time.Time) ctrl.Result {
	var soonest time.Duration
	for i := range items {
		if d := timeToRetirement(&items[i], now); d > 0 && (soonest == 0 || d < soonest) {
			soonest = d
		}
	}
	return ctrl.Result{RequeueAfter: soonest}
}

// SetupWithManager maps every item, revision and rollout event to the one key.
func (r *ListRevisionReconciler) SetupWithManager(mgr ctrl.Manager) error {
	if r.Now == nil {
		r.Now = time.Now
	}
	one := handler.EnqueueRequestsFromMapFunc(func(context.Context, client.Object) []reconcile.Request {
		return []reconcile.Request{revisionKey}
	})
	return ctrl.NewControllerManagedBy(mgr).
		Named("listrevision").
		Watches(&governancev1alpha1.ListItem{}, one).
		Watches(&governancev1alpha1.ListRevision{}, one).
		Watches(&governancev1alpha1.ListRollout{}, one).
		Complete(r)
}
