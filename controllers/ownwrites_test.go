package controllers

import (
	"context"
	"testing"

	. "github.com/onsi/gomega"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/client/fake"

	"github.com/cunshe/cunshe-operator/internal/tenant"
)

// A wait for the controller's own write reads only the resourceVersion the
// reader holds, of typed and unstructured objects alike, and reports an
// object the reader does not hold as not found.
func TestObserveVersionReadsTheStoredVersion(t *testing.T) {
	g := NewWithT(t)
	ctx := context.Background()
	scheme := runtime.NewScheme()
	g.Expect(corev1.AddToScheme(scheme)).To(Succeed())
	stored := &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: "lists", Namespace: "village-330302006001"}, Data: map[string]string{"k": "v"}}
	c := fake.NewClientBuilder().WithScheme(scheme).WithObjects(stored).Build()
	g.Expect(c.Get(ctx, client.ObjectKeyFromObject(stored), stored)).To(Succeed())
	observe := observeVersion(c)

	written := &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: "lists", Namespace: stored.Namespace, ResourceVersion: "1"}}
	have, found, err := observe(ctx, written)
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(found).To(BeTrue())
	g.Expect(have).To(Equal(tenant.Observed{ResourceVersion: tenant.ResourceVersion(stored)}))
	g.Expect(written.Data).To(BeNil(), "the written object is not filled in")

	u := &unstructured.Unstructured{}
	u.SetGroupVersionKind(corev1.SchemeGroupVersion.WithKind("ConfigMap"))
	u.SetNamespace(stored.Namespace)
	u.SetName(stored.Name)
	have, found, err = observe(ctx, u)
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(found).To(BeTrue())
	g.Expect(have.ResourceVersion).To(Equal(tenant.ResourceVersion(stored)))

	_, found, err = observe(ctx, &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: "other", Namespace: stored.Namespace}})
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(found).To(BeFalse())
}
