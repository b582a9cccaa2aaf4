package controllers

import (
	"context"
	"testing"

	. "github.com/onsi/gomega"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/client/fake"
	"sigs.k8s.io/controller-runtime/pkg/client/interceptor"

	governancev1alpha1 "github.com/cunshe/cunshe-operator/api/v1alpha1"
)

// A pass that finds no summary in a cache a moment behind the pass that
// created it looks again shortly, without an error in the log and without
// touching the summary that exists (S19).
func TestASummaryCreatedByAnEarlierPassIsNotAnError(t *testing.T) {
	g := NewWithT(t)
	stored := &governancev1alpha1.DepartmentCompliance{ObjectMeta: metav1.ObjectMeta{Name: "tjj"},
		Status: governancev1alpha1.DepartmentComplianceStatus{Tasks: 7}}
	behind := interceptor.Funcs{Get: func(ctx context.Context, c client.WithWatch, key client.ObjectKey, obj client.Object, opts ...client.GetOption) error {
		if _, ok := obj.(*governancev1alpha1.DepartmentCompliance); ok {
			return apierrors.NewNotFound(schema.GroupResource{Group: governancev1alpha1.GroupVersion.Group, Resource: "departmentcompliances"}, key.Name)
		}
		return c.Get(ctx, key, obj, opts...)
	}}
	sch := runtime.NewScheme()
	g.Expect(governancev1alpha1.AddToScheme(sch)).To(Succeed())
	store := fake.NewClientBuilder().WithScheme(sch).WithObjects(stored).WithStatusSubresource(stored).
		WithIndex(&governancev1alpha1.Report{}, IndexReportDept, func(client.Object) []string { return nil }).Build()

	res, err := (&ComplianceReconciler{Client: interceptor.NewClient(store, behind)}).Reconcile(context.Background(), ctrl.Request{NamespacedName: client.ObjectKey{Name: "tjj"}})
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(res.RequeueAfter).To(Equal(ownWriteRequeue))
	kept := &governancev1alpha1.DepartmentCompliance{}
	g.Expect(store.Get(context.Background(), client.ObjectKey{Name: "tjj"}, kept)).To(Succeed())
	g.Expect(kept.Status.Tasks).To(Equal(int32(7)), "the summary that exists is left as it was")
}
