package controllers

import (
	"context"
	"fmt"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	apimeta "k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/client/apiutil"

	governancev1alpha1 "github.com/cunshe/cunshe-operator/api/v1alpha1"
)

// +kubebuilder:rbac:groups=governance.cunshe.io,resources=archivedrecords,verbs=get;list;watch;create
// +kubebuilder:rbac:groups=governance.cunshe.io,resources=villagereports;reportdecisions;disclosures,verbs=get;list;watch

// archiveGoingTenant archives the records of village code's tenant once its
// namespace is being deleted (its Village went, or platform ops deleted the
// namespace); a tenant that is not going is left alone.
func (r *VillageReconciler) archiveGoingTenant(ctx context.Context, code string) (ctrl.Result, error) {
	ns := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: governancev1alpha1.TenantNamespaceName(code)}}
	if have, found := r.children.Get(ns); !found || !have.Deleting {
		return ctrl.Result{}, nil
	}
	return ctrl.Result{}, r.archiveTenant(ctx, code)
}

// archiveTenant copies each report, decision and public record of a going
// tenant into an ArchivedRecord (S8, S10, S19), which admission then lets
// the namespace delete: the namespace's deletion goes on instead of being
// stuck on records that may not be deleted, and none is lost. It reads the
// API server: once the namespace is terminating nothing new can be created
// in it, so what it lists is all there is. A record archived before is
// left as it is.
func (r *VillageReconciler) archiveTenant(ctx context.Context, code string) error {
	namespace := governancev1alpha1.TenantNamespaceName(code)
	archived, err := r.archivedUIDs(ctx, code)
	if err != nil {
		return err
	}
	for _, list := range []client.ObjectList{&governancev1alpha1.ReportList{}, &governancev1alpha1.ReportDecisionList{}, &governancev1alpha1.DisclosureList{}} {
		if err := r.APIReader.List(ctx, list, client.InNamespace(namespace)); err != nil {
			return fmt.Errorf("listing the records of %s: %w", namespace, err)
		}
		records, err := metaItems(list)
		if err != nil {
			return err
		}
		for _, rec := range records {
			if archived[string(rec.GetUID())] {
				continue
			}
			if err := r.archive(ctx, code, rec); err != nil {
				return err
			}
		}
	}
	return nil
}

// archivedUIDs are the records of village code already archived.
func (r *VillageReconciler) archivedUIDs(ctx context.Context, code string) (map[string]bool, error) {
	list := &governancev1alpha1.ArchivedRecordList{}
	if err := r.APIReader.List(ctx, list, client.MatchingLabels{governancev1alpha1.LabelVillage: code}); err != nil {
		return nil, fmt.Errorf("listing the archive of village %s: %w", code, err)
	}
	out := make(map[string]bool, len(list.Items))
	for _, a := range list.Items {
		out[string(a.Spec.UID)] = true
	}
	return out, nil
}

// archive writes one record's ArchivedRecord.
func (r *VillageReconciler) archive(ctx context.Context, code string, rec client.Object) error {
	gvk, err := apiutil.GVKForObject(rec, r.Scheme)
	if err != nil {
		return err
	}
	copied := rec.DeepCopyObject().(client.Object)
	copied.GetObjectKind().SetGroupVersionKind(gvk)
	copied.SetManagedFields(nil)
	a := &governancev1alpha1.ArchivedRecord{
		ObjectMeta: metav1.ObjectMeta{Name: governancev1alpha1.ArchivedRecordName(gvk.Kind, rec.GetUID()), Labels: map[string]string{
			governancev1alpha1.LabelManagedBy:    governancev1alpha1.ManagedByValue,
			governancev1alpha1.LabelVillage:      code,
			governancev1alpha1.LabelCounty:       code[:6],
			governancev1alpha1.LabelArchivedKind: gvk.Kind,
		}},
		Spec: governancev1alpha1.ArchivedRecordSpec{Village: code, Kind: gvk.Kind, Namespace: rec.GetNamespace(), Name: rec.GetName(), UID: rec.GetUID(),
			Object: runtime.RawExtension{Object: copied}},
	}
	ctrl.LoggerFrom(ctx).Info("Archiving a record of a going tenant", "kind", gvk.Kind, "namespace", rec.GetNamespace(), "name", rec.GetName())
	if err := r.Create(ctx, a); err != nil && !apierrors.IsAlreadyExists(err) {
		return fmt.Errorf("archiving %s %s/%s: %w", gvk.Kind, rec.GetNamespace(), rec.GetName(), err)
	}
	return nil
}

// metaItems are a typed list's items.
func metaItems(list client.ObjectList) ([]client.Object, error) {
	items, err := apimeta.ExtractList(list)
	if err != nil {
		return nil, err
	}
	out := make([]client.Object, len(items))
	for i, o := range items {
		out[i] = o.(client.Object)
	}
	return out, nil
}
