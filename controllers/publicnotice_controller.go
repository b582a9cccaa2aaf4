package controllers

import (
	"context"

	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"

	governancev1alpha1 "github.com/cunshe/cunshe-operator/api/v1alpha1"
	"github.com/cunshe/cunshe-operator/internal/rules"
	"github.com/cunshe/cunshe-operator/internal/status"
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
	patcher := status.NewPatcher(r.Client, n)
	n.Status.Active = !n.Withdrawn()
	reason, message := noticeReady(n)
	status.Summarise(n, reason, message)
	return ctrl.Result{}, patcher.Patch(ctx, n)
}

// noticeReady is Ready's reason and message: in force, or withdrawn.
func noticeReady(n *governancev1alpha1.PublicNotice) (reason, message string) {
	if w := n.Spec.Withdrawal; w != nil {
		return governancev1alpha1.ReasonWithdrawn, rules.S19 + " 联审单位 " + w.Unit + " 已撤回通报，记录保留 / review unit " + w.Unit + " withdrew the notice; it stays on record"
	}
	return governancev1alpha1.ReasonInForce, rules.S19 + " 通报公开中 / the notice is in force"
}

// SetupWithManager watches notices.
func (r *PublicNoticeReconciler) SetupWithManager(mgr ctrl.Manager) error {
	return ctrl.NewControllerManagedBy(mgr).For(&governancev1alpha1.PublicNotice{}).Named("publicnotice").Complete(r)
}
