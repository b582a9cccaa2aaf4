package controllers

import (
	"context"
	"fmt"

	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/handler"
	"sigs.k8s.io/controller-runtime/pkg/reconcile"

	governancev1alpha1 "github.com/cunshe/cunshe-operator/api/v1alpha1"
	"github.com/cunshe/cunshe-operator/internal/rules"
	"github.com/cunshe/cunshe-operator/internal/status"
)

// DisclosureReconciler keeps each public record's status (S10): whose
// village it is and, on a corrected record, the newest record that
// supersedes it. Records never change, so a converged one costs no writes.
type DisclosureReconciler struct {
	client.Client
}

// +kubebuilder:rbac:groups=governance.cunshe.io,resources=disclosures,verbs=get;list;watch
// +kubebuilder:rbac:groups=governance.cunshe.io,resources=disclosures/status,verbs=get;update;patch

func (r *DisclosureReconciler) Reconcile(ctx context.Context, req ctrl.Request) (ctrl.Result, error) {
	d := &governancev1alpha1.Disclosure{}
	if err := r.Get(ctx, req.NamespacedName, d); err != nil {
		return ctrl.Result{}, client.IgnoreNotFound(err)
	}
	patcher := status.NewPatcher(r.Client, d)
	records := &governancev1alpha1.DisclosureList{}
	if err := r.List(ctx, records, client.InNamespace(d.Namespace)); err != nil {
		return ctrl.Result{}, fmt.Errorf("listing the records of %s: %w", d.Namespace, err)
	}
	s := &d.Status
	s.Village = rules.VillageOfNamespace(d.Namespace)
	s.SupersededBy = rules.NewestSuperseding(d.Name, records.Items)
	reason, message := disclosureReady(d)
	status.Summarise(d, reason, message)
	return ctrl.Result{}, patcher.Patch(ctx, d)
}

// disclosureReady is Ready's reason and message: published, or superseded
// by a correction.
func disclosureReady(d *governancev1alpha1.Disclosure) (reason, message string) {
	if by := d.Status.SupersededBy; by != "" {
		return governancev1alpha1.ReasonSuperseded, fmt.Sprintf("%s 已由 %s 更正，原记录继续公开 / superseded by %s; this record stays published", rules.S10, by, by)
	}
	return governancev1alpha1.ReasonPublished, "已公开 / published"
}

// SetupWithManager watches records; a correction also wakes the record it supersedes.
func (r *DisclosureReconciler) SetupWithManager(mgr ctrl.Manager) error {
	return ctrl.NewControllerManagedBy(mgr).
		For(&governancev1alpha1.Disclosure{}).
		Watches(&governancev1alpha1.Disclosure{}, handler.EnqueueRequestsFromMapFunc(func(_ context.Context, o client.Object) []reconcile.Request {
			if old := o.(*governancev1alpha1.Disclosure).Spec.Supersedes; old != "" {
				return []reconcile.Request{{NamespacedName: client.ObjectKey{Namespace: o.GetNamespace(), Name: old}}}
			}
			return nil
		})).
		Named("disclosure").
		Complete(r)
}
