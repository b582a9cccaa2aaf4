package writecount_test

import (
	"context"
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/client/fake"

	"github.com/cunshe/cunshe-operator/internal/writecount"
)

// TestCountsWritesNotReads drives every kind of request through a counting
// client over a fake API: reads cost nothing, each write (failed ones too)
// counts once, by verb and kind.
func TestCountsWritesNotReads(t *testing.T) {
	ctx := context.Background()
	ns := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "v-330302006044"}}
	c := writecount.Wrap(fake.NewClientBuilder().WithStatusSubresource(&corev1.Namespace{}).Build())

	must(t, c.Create(ctx, ns))
	must(t, c.Get(ctx, client.ObjectKeyFromObject(ns), ns))
	must(t, c.List(ctx, &corev1.NamespaceList{}))
	ns.Labels = map[string]string{"cunshe.io/village": "330302006044"}
	must(t, c.Update(ctx, ns))
	must(t, c.Patch(ctx, ns, client.MergeFrom(ns.DeepCopy())))
	ns.Status.Phase = corev1.NamespaceActive
	must(t, c.Status().Update(ctx, ns))
	must(t, c.SubResource("status").Patch(ctx, ns, client.MergeFrom(ns.DeepCopy())))
	must(t, c.Delete(ctx, ns))
	if err := c.Delete(ctx, ns); err == nil {
		t.Fatal("deleting a deleted namespace succeeded")
	}

	if got := c.Writes(); got != 7 {
		t.Errorf("Writes() = %d, want 7 (create, update, patch, 2 status writes, 2 deletes)", got)
	}
	if got, want := c.Summary(), "create Namespace=1 delete Namespace=2 patch Namespace=1 status patch Namespace=1 status update Namespace=1 update Namespace=1"; got != want {
		t.Errorf("Summary() = %q, want %q", got, want)
	}
	if got := c.SubresourceWrites("status"); got != 2 {
		t.Errorf("SubresourceWrites(status) = %d, want 2", got)
	}
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// An unstructured object (a kind with no Go type, e.g. the wg-policy
// PolicyReport) counts under the kind it carries, not as "Unstructured".
func TestCountsUnstructuredByItsKind(t *testing.T) {
	c := writecount.Wrap(fake.NewClientBuilder().Build())
	report := &unstructured.Unstructured{}
	report.SetGroupVersionKind(schema.GroupVersionKind{Group: "wgpolicyk8s.io", Version: "v1alpha2", Kind: "PolicyReport"})
	report.SetNamespace("dept-tjj")
	report.SetName("cunshe-tasks")
	must(t, c.Create(context.Background(), report))
	if got, want := c.Summary(), "create PolicyReport=1"; got != want {
		t.Errorf("Summary() = %q, want %q", got, want)
	}
}
