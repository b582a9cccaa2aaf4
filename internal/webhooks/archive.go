package webhooks

import (
	"context"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"sigs.k8s.io/controller-runtime/pkg/client"

	governancev1alpha1 "github.com/cunshe/cunshe-operator/api/v1alpha1"
	"github.com/cunshe/cunshe-operator/internal/rules"
)

// tenantState asks the API server whether a village record's namespace is
// going and whether the record, of kind, is archived: the cache holds
// neither namespaces nor archives, and a record must never be deleted on a
// stale answer. A namespace that is gone counts as going.
func (r readers) tenantState(ctx context.Context, kind string, obj client.Object) (rules.TenantState, error) {
	ns := &corev1.Namespace{}
	err := r.live.Get(ctx, client.ObjectKey{Name: obj.GetNamespace()}, ns)
	if err != nil && !apierrors.IsNotFound(err) {
		return rules.TenantState{}, err
	}
	s := rules.TenantState{Terminating: apierrors.IsNotFound(err) || ns.DeletionTimestamp != nil || ns.Status.Phase == corev1.NamespaceTerminating}
	if !s.Terminating {
		return s, nil
	}
	archive := &governancev1alpha1.ArchivedRecord{}
	err = r.live.Get(ctx, client.ObjectKey{Name: governancev1alpha1.ArchivedRecordName(kind, obj.GetUID())}, archive)
	switch {
	case err == nil:
		s.Archived = archive.Spec.UID == obj.GetUID()
	case !apierrors.IsNotFound(err):
		return rules.TenantState{}, err
	}
	return s, nil
}
