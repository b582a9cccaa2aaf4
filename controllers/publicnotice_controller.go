package controllers

import (
	"context"

	"k8s.io/apimachinery/pkg/api/equality"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"

	governancev1alpha1 "github.com/cunshe/cunshe-operator/api/v1alpha1"
	"github.com/cunshe/cunshe-operator/internal/rules"
)

// PublicNoticeReconciler keeps each notice's status (S19): active until a
// review unit withdraws it.
type PublicNoticeReconciler struct {
	client.Client
}

// +kubebuilder:rbac:groups=governance.cunshe.io,resources=publicnotices,verbs=get;list;watch;create
// +kubebuilder:rbac:groups=governance.cunshe.io,resources=publicnotices/status,verbs=get;update;patch

func (r *PublicNoticeReconciler) Reconcile(ctx context.Context, req ctrl.Request) (ctrl.Result, error) {
	n := &governancev1alpha1.PublicNotice{}
	if err := r.Get(ctx, req.NamespacedName, n); err != nil {
		return ctrl.Result{}, client.IgnoreNotFound(err)
	}
	before := n.Status.DeepCopy()
	s := &n.Status
	s.ObservedGeneration, s.Active = n.Generation, !n.Withdrawn()
	ready := metav1.Condition{Type: governancev1alpha1.ReadyCondition, Status: metav1.ConditionTrue, ObservedGeneration: n.Generation,
		Reason: governancev1alpha1.ReasonInForce, Message: rules.S19 + " 通报公开中 / the notice is in force"}
	if w := n.Spec.Withdrawal; w != nil {
		ready.Reason = governancev1alpha1.ReasonWithdrawn
		ready.Message = rules.S19 + " 联审单位 " + w.Unit + " 已撤回通报，记录保留 / review unit " + w.Unit + " withdrew the notice; it stays on record"
	}
	meta.SetStatusCondition(&s.Conditions, ready)
	if equality.Semantic.DeepEqual(before, s) {
		return ctrl.Result{}, nil
	}
	return ctrl.Result{}, client.IgnoreNotFound(r.Status().Update(ctx, n))
}

// SetupWithManager watches notices.
func (r *PublicNoticeReconciler) SetupWithManager(mgr ctrl.Manager) error {
	return ctrl.NewControllerManagedBy(mgr).For(&governancev1alpha1.PublicNotice{}).Named("publicnotice").Complete(r)
}
