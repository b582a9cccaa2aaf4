package controllers

import (
	"context"
	"fmt"
	"slices"
	"time"

	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/handler"
	"sigs.k8s.io/controller-runtime/pkg/reconcile"

	governancev1alpha1 "github.com/cunshe/cunshe-operator/api/v1alpha1"
	"github.com/cunshe/cunshe-operator/internal/rules"
	"github.com/cunshe/cunshe-operator/internal/status"
)

// IndexApprovalItem indexes ItemApprovals by the item they decide on.
const IndexApprovalItem = "spec.item"

// chinaTime is the zone in which pause ends are shown (the message says CST).
var chinaTime = time.FixedZone("CST", 8*60*60)

// ListItemReconciler keeps each item's joint-review state (S5) and its
// approvals' standing up to date; the rules are the rule engine's.
type ListItemReconciler struct {
	client.Client
	// Now is the clock; tests set it.
	Now func() time.Time
}

// +kubebuilder:rbac:groups=governance.cunshe.io,resources=listitems;itemapprovals;reviewunits;powerflows,verbs=get;list;watch
// +kubebuilder:rbac:groups=governance.cunshe.io,resources=itemapprovals,verbs=patch
// +kubebuilder:rbac:groups=governance.cunshe.io,resources=listitems/status;itemapprovals/status;reviewunits/status;powerflows/status,verbs=get;update;patch

// Reconcile evaluates one item against the review units and its approvals.
func (r *ListItemReconciler) Reconcile(ctx context.Context, req ctrl.Request) (ctrl.Result, error) {
	item := &governancev1alpha1.ListItem{}
	if err := r.Get(ctx, req.NamespacedName, item); err != nil {
		return ctrl.Result{}, client.IgnoreNotFound(err)
	}
	ctx = ctrl.LoggerInto(ctx, ctrl.LoggerFrom(ctx).WithValues("ListItem", item.Name))
	units := &governancev1alpha1.ReviewUnitList{}
	if err := r.List(ctx, units); err != nil {
		return ctrl.Result{}, err
	}
	approvals := &governancev1alpha1.ItemApprovalList{}
	if err := r.List(ctx, approvals, client.MatchingFields{IndexApprovalItem: item.Name}); err != nil {
		return ctrl.Result{}, err
	}
	juris, err := readJurisdictions(ctx, r.Client)
	if err != nil {
		return ctrl.Result{}, err
	}
	flow, err := r.flowOf(ctx, item)
	if err != nil {
		return ctrl.Result{}, err
	}
	now := r.Now().In(juris.Location(item.Spec.Jurisdiction))
	eval := rules.EvaluateItem(item, flow, units.Items, approvals.Items, juris, now.Format(time.DateOnly))
	if publishedChanges(item, eval) {
		if err := awaitInRollouts(ctx, r.Client, item, eval.Phase == governancev1alpha1.PhaseApproved, juris); err != nil {
			return ctrl.Result{}, err
		}
	}
	patcher := status.NewPatcher(r.Client, item)
	setItemStatus(ctx, item, eval, now)
	if err := patcher.Patch(ctx, item); err != nil {
		return ctrl.Result{}, err
	}
	if err := r.patchApprovalStatuses(ctx, approvals.Items, eval); err != nil {
		return ctrl.Result{}, err
	}
	if err := r.ownApprovals(ctx, item, approvals.Items); err != nil {
		return ctrl.Result{}, err
	}
	return r.untilRetirement(item, eval, now), nil
}

// publishedChanges: the item enters or leaves the lists with this
// evaluation, so its city's next revision differs (S1, S7).
func publishedChanges(item *governancev1alpha1.ListItem, eval rules.Evaluation) bool {
	onLists := func(p governancev1alpha1.ItemPhase) bool { return p == governancev1alpha1.PhaseApproved }
	return onLists(item.Status.Phase) != onLists(eval.Phase)
}

// flowOf is the content of the flow an item names, which Digest counts for
// MicroPower items (P1); nil for none or a flow that does not exist (yet).
func (r *ListItemReconciler) flowOf(ctx context.Context, item *governancev1alpha1.ListItem) (*governancev1alpha1.PowerFlowSpec, error) {
	if item.Spec.FlowRef == "" {
		return nil, nil
	}
	flow := &governancev1alpha1.PowerFlow{}
	if err := r.Get(ctx, client.ObjectKey{Name: item.Spec.FlowRef}, flow); err != nil {
		return nil, client.IgnoreNotFound(err)
	}
	return &flow.Spec, nil
}

// ownApprovals makes the item the owner of its approvals, so that the
// approvals of a pending item that is deleted go with it (an approved item
// is never deleted, S7). Approvals a GitOps sync applied before their item
// are adopted here once the item exists.
func (r *ListItemReconciler) ownApprovals(ctx context.Context, item *governancev1alpha1.ListItem, approvals []governancev1alpha1.ItemApproval) error {
	owner := metav1.OwnerReference{APIVersion: governancev1alpha1.GroupVersion.String(), Kind: "ListItem", Name: item.Name, UID: item.UID}
	for i := range approvals {
		a := &approvals[i]
		if slices.ContainsFunc(a.OwnerReferences, func(o metav1.OwnerReference) bool { return o.UID == item.UID }) {
			continue
		}
		before := a.DeepCopy()
		a.OwnerReferences = append(a.OwnerReferences, owner)
		if err := r.Patch(ctx, a, client.MergeFrom(before)); client.IgnoreNotFound(err) != nil {
			return fmt.Errorf("adopting approval %s: %w", a.Name, err)
		}
	}
	return nil
}

// setItemStatus records the evaluation: the phase, the decisions and, the
// first time the item is approved, the approved digest and when.
func setItemStatus(ctx context.Context, item *governancev1alpha1.ListItem, eval rules.Evaluation, now time.Time) {
	s := &item.Status
	s.Phase, s.Digest, s.Approvals = eval.Phase, eval.Digest, eval.Decisions
	s.ApprovedUnits, s.RequiredUnits, s.ApprovalSummary = eval.Approved, eval.Required, eval.Summary()
	if eval.Phase == governancev1alpha1.PhaseApproved && s.ApprovedDigest == "" {
		s.ApprovedDigest, s.ApprovedAt = eval.Digest, &metav1.Time{Time: now}
		ctrl.LoggerFrom(ctx).Info("List item approved by every required review unit", "digest", eval.Digest)
	}
	setItemConditions(item, eval)
}

// setItemConditions sets Approved (S5) and the kstatus conditions: Ready
// reads Pending, Approved or Retired, all Current for kstatus (waiting for
// review units is not the operator's work), or Rejected, which is Failed.
func setItemConditions(item *governancev1alpha1.ListItem, eval rules.Evaluation) {
	approved := metav1.Condition{Type: governancev1alpha1.ApprovedCondition, ObservedGeneration: item.Generation}
	switch eval.Phase {
	case governancev1alpha1.PhaseApproved:
		approved.Status, approved.Reason = metav1.ConditionTrue, governancev1alpha1.ReasonApproved
		approved.Message = fmt.Sprintf("全部 %d 家必需联审单位已同意 / all %d required review units approved (S5)", eval.Required, eval.Required)
	case governancev1alpha1.PhaseRetired:
		approved.Status, approved.Reason, approved.Message = metav1.ConditionTrue, governancev1alpha1.ReasonApproved, "曾通过联合审核 / was approved by the joint review (S5)"
	case governancev1alpha1.PhaseRejected:
		approved.Status, approved.Reason = metav1.ConditionFalse, governancev1alpha1.ReasonRejected
		approved.Message = "有联审单位不同意当前版本 / a required review unit rejected the current version (S5)"
	default:
		approved.Status, approved.Reason = metav1.ConditionFalse, governancev1alpha1.ReasonPending
		approved.Message = fmt.Sprintf("%s 家必需联审单位已同意当前版本 / %s required review units approved the current version (S5)", eval.Summary(), eval.Summary())
	}
	meta.SetStatusCondition(&item.Status.Conditions, approved)
	setFundedCondition(item)
	if eval.Phase == governancev1alpha1.PhaseRetired {
		r := rules.Retirement(item)
		status.Summarise(item, governancev1alpha1.ReasonRetired, fmt.Sprintf("已于 %s 退出清单：%s / retired from the lists on %s (S7)", r.Effective, r.Reason, r.Effective))
		return
	}
	status.Summarise(item, approved.Reason, approved.Message)
}

// setFundedCondition tells the review units whether an Admission item's
// money follows its work to the villages (S20, 费随事转): False flags it,
// without holding up its review. Items of the other lists have no Funded
// condition.
func setFundedCondition(item *governancev1alpha1.ListItem) {
	reason, flagged := rules.ItemFunding(&item.Spec)
	if reason == "" {
		meta.RemoveStatusCondition(&item.Status.Conditions, governancev1alpha1.FundedCondition)
		return
	}
	funded := metav1.Condition{Type: governancev1alpha1.FundedCondition, Status: metav1.ConditionFalse, Reason: reason, ObservedGeneration: item.Generation}
	if flagged != nil {
		funded.Message = rules.Sentence(flagged)
	} else {
		f := item.Spec.Funding
		funded.Status = metav1.ConditionTrue
		funded.Message = fmt.Sprintf("%s 经费保障：%s（%s），费随事转 / funded from %s (%s); the money follows the work to the villages",
			rules.S20, rules.FundingSourceTitle(f.Source), f.Budget, f.Source, f.Budget)
	}
	meta.SetStatusCondition(&item.Status.Conditions, funded)
}

// patchApprovalStatuses tells on each approval whether it counts (Counted)
// and that the operator weighed it (Ready, void or not), writing only those
// whose standing changed.
func (r *ListItemReconciler) patchApprovalStatuses(ctx context.Context, approvals []governancev1alpha1.ItemApproval, eval rules.Evaluation) error {
	for i := range approvals {
		a := &approvals[i]
		patcher := status.NewPatcher(r.Client, a)
		counted := metav1.Condition{Type: governancev1alpha1.CountedCondition, ObservedGeneration: a.Generation,
			Status: metav1.ConditionTrue, Reason: governancev1alpha1.ReasonCounted,
			Message: fmt.Sprintf("计入事项当前摘要 %s / counts for the item's current digest", eval.Digest)}
		if reason, void := eval.Void[a.Name]; void {
			counted.Status, counted.Reason, counted.Message = metav1.ConditionFalse, governancev1alpha1.ReasonVoid, reason
		}
		meta.SetStatusCondition(&a.Status.Conditions, counted)
		status.Summarise(a, counted.Reason, counted.Message)
		if err := patcher.Patch(ctx, a); err != nil {
			return err
		}
	}
	return nil
}

// untilRetirement requeues an approved item at the start of its retirement date.
func (r *ListItemReconciler) untilRetirement(item *governancev1alpha1.ListItem, eval rules.Evaluation, now time.Time) ctrl.Result {
	if eval.Phase != governancev1alpha1.PhaseApproved {
		return ctrl.Result{}
	}
	return ctrl.Result{RequeueAfter: timeToRetirement(item, now)}
}

// timeToRetirement is how long until an approved item's retirement takes
// effect (the start of that day in now's zone, the city's), or 0 if it is
// not pending.
func timeToRetirement(item *governancev1alpha1.ListItem, now time.Time) time.Duration {
	r := rules.Retirement(item)
	if !item.WasApproved() || r == nil {
		return 0
	}
	at, err := time.ParseInLocation(time.DateOnly, r.Effective, now.Location())
	if err != nil || !at.After(now) {
		return 0
	}
	return at.Sub(now)
}

// SetupWithManager watches items, their approvals and the review units.
func (r *ListItemReconciler) SetupWithManager(ctx context.Context, mgr ctrl.Manager) error {
	if r.Now == nil {
		r.Now = time.Now
	}
	if err := mgr.GetFieldIndexer().IndexField(ctx, &governancev1alpha1.ItemApproval{}, IndexApprovalItem, func(o client.Object) []string {
		return []string{o.(*governancev1alpha1.ItemApproval).Spec.Item}
	}); err != nil {
		return err
	}

	return ctrl.NewControllerManagedBy(mgr).
		For(&governancev1alpha1.ListItem{}).
		Watches(&governancev1alpha1.ItemApproval{}, handler.EnqueueRequestsFromMapFunc(func(_ context.Context, o client.Object) []reconcile.Request {
			return []reconcile.Request{{NamespacedName: client.ObjectKey{Name: o.(*governancev1alpha1.ItemApproval).Spec.Item}}}
		})).
		Watches(&governancev1alpha1.PowerFlow{}, handler.EnqueueRequestsFromMapFunc(r.itemsUsingFlow)).
		Watches(&governancev1alpha1.ReviewUnit{}, handler.EnqueueRequestsFromMapFunc(r.allItems)).
		Watches(&governancev1alpha1.Jurisdiction{}, handler.EnqueueRequestsFromMapFunc(r.allItems)).
		Named("listitem").
		Complete(r)
}

// itemsUsingFlow requeues the items whose digest covers the flow (P1).
// Flows change rarely: a scan of the cached items is enough.
func (r *ListItemReconciler) itemsUsingFlow(ctx context.Context, o client.Object) []reconcile.Request {
	items := &governancev1alpha1.ListItemList{}
	if err := r.List(ctx, items); err != nil {
		ctrl.LoggerFrom(ctx).Error(err, "Listing the items of a flow", "PowerFlow", o.GetName())
		return nil
	}
	var reqs []reconcile.Request
	for _, item := range items.Items {
		if item.Spec.FlowRef == o.GetName() {
			reqs = append(reqs, reconcile.Request{NamespacedName: client.ObjectKeyFromObject(&item)})
		}
	}
	return reqs
}

// allItems requeues every item when a review unit or a jurisdiction
// changes: the required set and the keys decide every item's state.
func (r *ListItemReconciler) allItems(ctx context.Context, _ client.Object) []reconcile.Request {
	items := &governancev1alpha1.ListItemList{}
	if err := r.List(ctx, items); err != nil {
		ctrl.LoggerFrom(ctx).Error(err, "Listing items after a review unit changed")
		return nil
	}
	reqs := make([]reconcile.Request, 0, len(items.Items))
	for _, item := range items.Items {
		reqs = append(reqs, reconcile.Request{NamespacedName: client.ObjectKeyFromObject(&item)})
	}
	return reqs
}
