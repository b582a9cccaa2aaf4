package controllers

import (
	"context"
	"fmt"
	"testing"
	"time"

	. "github.com/onsi/gomega"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/types"
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

// A pass finds the cache behind the controller's own write until the cache
// holds that version or a newer one; then, or once the wait would have
// given up, the expectation is gone, and a sweep forgets the old writes of
// objects no pass looked at again.
func TestWriteExpectationsHoldUntilTheCacheCatchesUp(t *testing.T) {
	g := NewWithT(t)
	now := time.Date(2026, 12, 7, 23, 30, 0, 0, time.UTC)
	task := func(name, rv string) *corev1.ConfigMap {
		return &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: "dept-330300-mzj", ResourceVersion: rv}}
	}
	var w writeExpectations
	g.Expect(w.behind(task("a", "10"), now)).To(BeFalse(), "nothing written, nothing awaited")

	w.expect(task("a", "12"), now)
	g.Expect(w.behind(task("a", "10"), now)).To(BeTrue(), "the cache holds the task from before the write")
	g.Expect(w.behind(task("b", "10"), now)).To(BeFalse(), "another task awaits nothing")
	g.Expect(w.behind(task("a", "12"), now)).To(BeFalse(), "the cache holds the write")
	g.Expect(w.behind(task("a", "10"), now)).To(BeFalse(), "the expectation was met and is gone")

	w.expect(task("a", "14"), now)
	g.Expect(w.behind(task("a", "15"), now)).To(BeFalse(), "a newer version than the write also counts")
	w.expect(task("a", "16"), now)
	g.Expect(w.behind(task("a", "15"), now.Add(cacheWaitTimeout+time.Millisecond))).To(BeFalse(), "the wait gives up as waitForOwnWrite does")
	w.expect(task("a", "18"), now)
	w.forget(types.NamespacedName{Namespace: "dept-330300-mzj", Name: "a"})
	g.Expect(w.behind(task("a", "15"), now)).To(BeFalse(), "a deleted task awaits nothing")

	for i := range expectationsSwept {
		w.expect(task(fmt.Sprintf("old-%d", i), "20"), now)
	}
	w.expect(task("new", "30"), now.Add(cacheWaitTimeout+time.Second))
	g.Expect(w.written).To(HaveLen(1), "the writes older than the wait's limit are swept")
}
