package controllers_test

import (
	"context"
	"fmt"
	"sync/atomic"
	"testing"
	"time"

	. "github.com/onsi/gomega"
	corev1 "k8s.io/api/core/v1"
	eventsv1 "k8s.io/api/events/v1"
	networkingv1 "k8s.io/api/networking/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	governancev1alpha1 "github.com/cunshe/cunshe-operator/api/v1alpha1"
	"github.com/cunshe/cunshe-operator/internal/tenant"
	"github.com/cunshe/cunshe-operator/internal/testenv"
)

// villageSeq hands every test its own village code, so tests never share objects.
var villageSeq atomic.Int64

func newVillage(typ governancev1alpha1.VillageType) *governancev1alpha1.Village {
	code := fmt.Sprintf("330302006%03d", villageSeq.Add(1))
	return &governancev1alpha1.Village{
		ObjectMeta: metav1.ObjectMeta{Name: code},
		Spec: governancev1alpha1.VillageSpec{
			Code: code, Name: "测试社区", Type: typ,
			County:   governancev1alpha1.Division{Code: "330302", Name: "鹿城区"},
			Township: governancev1alpha1.Division{Code: "330302006", Name: "五马街道"},
		},
	}
}

func createReady(t *testing.T, v *governancev1alpha1.Village) *governancev1alpha1.Village {
	t.Helper()
	g := NewWithT(t)
	ctx := context.Background()
	g.Expect(env.Client.Create(ctx, v)).To(Succeed())
	t.Cleanup(func() { _ = env.Client.Delete(context.Background(), v) })
	g.Eventually(func(g Gomega) {
		g.Expect(env.Client.Get(ctx, client.ObjectKeyFromObject(v), v)).To(Succeed())
		g.Expect(meta.IsStatusConditionTrue(v.Status.Conditions, governancev1alpha1.ReadyCondition)).To(BeTrue())
	}).WithTimeout(30 * time.Second).Should(Succeed())
	return v
}

func TestProvisionsTheTenant(t *testing.T) {
	g := NewWithT(t)
	ctx := context.Background()
	v := createReady(t, newVillage(governancev1alpha1.TypeCommunity))
	ns := governancev1alpha1.TenantNamespaceName(v.Name)

	g.Expect(v.Status.TenantNamespace).To(Equal(ns))
	g.Expect(v.Spec.Platform).To(BeZero(), "S11: a village is not enrolled on the platform by default")
	g.Expect(v.Status.PaperLedgerExempt).To(BeFalse(), "S11: exempt only on the evidence of platform records")
	for _, c := range v.Status.Conditions {
		g.Expect(c.ObservedGeneration).To(Equal(v.Generation), c.Type)
	}

	namespace := &corev1.Namespace{}
	g.Expect(env.Client.Get(ctx, client.ObjectKey{Name: ns}, namespace)).To(Succeed())
	g.Expect(namespace.Labels).To(HaveKeyWithValue(governancev1alpha1.LabelCounty, "330302"))
	g.Expect(namespace.Labels).To(HaveKeyWithValue(governancev1alpha1.LabelTownship, "330302006"))
	g.Expect(namespace.Labels).To(HaveKeyWithValue(governancev1alpha1.LabelVillage, v.Name))
	g.Expect(namespace.Labels).To(HaveKeyWithValue(governancev1alpha1.LabelVillageType, "Community"))
	g.Expect(metav1.IsControlledBy(namespace, v)).To(BeTrue())

	villageRB := &rbacv1.RoleBinding{}
	g.Expect(env.Client.Get(ctx, client.ObjectKey{Namespace: ns, Name: tenant.VillageRoleBinding}, villageRB)).To(Succeed())
	g.Expect(villageRB.Subjects).To(ConsistOf(rbacv1.Subject{APIGroup: rbacv1.GroupName, Kind: "Group", Name: "cunshe:village:" + v.Name}))
	g.Expect(villageRB.RoleRef.Name).To(Equal(tenant.VillageClusterRole))
	townshipRB := &rbacv1.RoleBinding{}
	g.Expect(env.Client.Get(ctx, client.ObjectKey{Namespace: ns, Name: tenant.TownshipRoleBinding}, townshipRB)).To(Succeed())
	g.Expect(townshipRB.Subjects[0].Name).To(Equal("cunshe:township:330302006"))

	for _, obj := range []client.Object{&corev1.ResourceQuota{}, &corev1.LimitRange{}, &networkingv1.NetworkPolicy{}, &corev1.ConfigMap{}} {
		name := map[string]string{"*v1.ResourceQuota": tenant.QuotaName, "*v1.LimitRange": tenant.LimitRangeName,
			"*v1.NetworkPolicy": tenant.NetworkPolicyName, "*v1.ConfigMap": tenant.ListsConfigMap}[fmt.Sprintf("%T", obj)]
		g.Expect(env.Client.Get(ctx, client.ObjectKey{Namespace: ns, Name: name}, obj)).To(Succeed(), name)
		g.Expect(metav1.IsControlledBy(obj, v)).To(BeTrue(), name)
	}

	// The cache compares specs by hash: the API server's defaults must not
	// look like drift.
	for _, child := range tenant.Children(v, tenant.DefaultQuota()) {
		declared, live := child.Object.DeepCopyObject().(client.Object), child.Object.DeepCopyObject().(client.Object)
		child.Mutate(declared)
		g.Expect(env.Client.Get(ctx, client.ObjectKeyFromObject(live), live)).To(Succeed())
		g.Expect(tenant.SpecHash(live)).To(Equal(tenant.SpecHash(declared)), "%T %s", live, live.GetName())
	}

	g.Eventually(func(g Gomega) {
		events := &eventsv1.EventList{}
		g.Expect(env.Client.List(ctx, events, client.InNamespace("default"))).To(Succeed())
		g.Expect(events.Items).To(ContainElement(And(
			HaveField("Regarding.Name", v.Name),
			HaveField("Reason", "TenantProvisioned"),
		)))
	}).WithTimeout(10 * time.Second).Should(Succeed())
}

func TestVillageCadresMayReadOnlyTheirOwnLists(t *testing.T) {
	g := NewWithT(t)
	ctx := context.Background()
	mine := createReady(t, newVillage(governancev1alpha1.TypeVillage))
	other := createReady(t, newVillage(governancev1alpha1.TypeVillage))

	cadre := impersonate(t, "cadre", tenant.VillageGroup(mine.Name))
	lists := &corev1.ConfigMap{}
	g.Expect(cadre.Get(ctx, client.ObjectKey{Namespace: mine.Status.TenantNamespace, Name: tenant.ListsConfigMap}, lists)).To(Succeed())
	err := cadre.Get(ctx, client.ObjectKey{Namespace: other.Status.TenantNamespace, Name: tenant.ListsConfigMap}, lists)
	g.Expect(apierrors.IsForbidden(err)).To(BeTrue(), "a village reads no other village's lists: %v", err)
}

func TestRepairsDrift(t *testing.T) {
	ctx := context.Background()
	v := createReady(t, newVillage(governancev1alpha1.TypeCommunity))
	ns := v.Status.TenantNamespace

	t.Run("a deleted RoleBinding is restored", func(t *testing.T) {
		g := NewWithT(t)
		rb := &rbacv1.RoleBinding{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: tenant.VillageRoleBinding}}
		g.Expect(env.Client.Get(ctx, client.ObjectKeyFromObject(rb), rb)).To(Succeed())
		oldUID := rb.UID
		g.Expect(env.Client.Delete(ctx, rb)).To(Succeed())
		g.Eventually(func(g Gomega) {
			g.Expect(env.Client.Get(ctx, client.ObjectKeyFromObject(rb), rb)).To(Succeed())
			g.Expect(rb.UID).NotTo(Equal(oldUID))
		}).WithTimeout(15 * time.Second).Should(Succeed())
	})

	t.Run("an edited quota is put back", func(t *testing.T) {
		g := NewWithT(t)
		rq := &corev1.ResourceQuota{}
		key := client.ObjectKey{Namespace: ns, Name: tenant.QuotaName}
		g.Expect(env.Client.Get(ctx, key, rq)).To(Succeed())
		rq.Spec.Hard[corev1.ResourcePods] = resource.MustParse("1000")
		g.Expect(env.Client.Update(ctx, rq)).To(Succeed())
		g.Eventually(func(g Gomega) {
			g.Expect(env.Client.Get(ctx, key, rq)).To(Succeed())
			pods := rq.Spec.Hard[corev1.ResourcePods]
			g.Expect(pods.String()).To(Equal("20"))
		}).WithTimeout(15 * time.Second).Should(Succeed())
	})

	t.Run("a network policy edited twice is put back each time", func(t *testing.T) {
		// Only a digest of the spec is kept: each edit changes it.
		g := NewWithT(t)
		np := &networkingv1.NetworkPolicy{}
		key := client.ObjectKey{Namespace: ns, Name: tenant.NetworkPolicyName}
		for range 2 {
			g.Expect(env.Client.Get(ctx, key, np)).To(Succeed())
			np.Spec.Ingress = nil
			g.Expect(env.Client.Update(ctx, np)).To(Succeed())
			g.Eventually(func(g Gomega) {
				g.Expect(env.Client.Get(ctx, key, np)).To(Succeed())
				g.Expect(np.Spec.Ingress).To(HaveLen(1))
			}).WithTimeout(15 * time.Second).Should(Succeed())
		}
	})

	t.Run("a limit range emptied while no operator ran is put back when one starts", func(t *testing.T) {
		g := NewWithT(t)
		lr := &corev1.LimitRange{}
		key := client.ObjectKey{Namespace: ns, Name: tenant.LimitRangeName}
		g.Expect(env.RestartManagerAfter(func() error {
			if err := env.Client.Get(ctx, key, lr); err != nil {
				return err
			}
			lr.Spec.Limits = nil
			return env.Client.Update(ctx, lr)
		})).To(Succeed())
		g.Eventually(func(g Gomega) {
			g.Expect(env.Client.Get(ctx, key, lr)).To(Succeed())
			g.Expect(lr.Spec.Limits).To(HaveLen(1))
		}).WithTimeout(15 * time.Second).Should(Succeed())
	})

	t.Run("a ConfigMap whose labels were removed is adopted back", func(t *testing.T) {
		g := NewWithT(t)
		cm := &corev1.ConfigMap{}
		key := client.ObjectKey{Namespace: ns, Name: tenant.ListsConfigMap}
		g.Expect(env.Client.Get(ctx, key, cm)).To(Succeed())
		cm.Labels = nil
		g.Expect(env.Client.Update(ctx, cm)).To(Succeed())
		// The label-filtered cache now sees a delete: the village is reconciled.
		g.Eventually(func(g Gomega) {
			g.Expect(env.Client.Get(ctx, key, cm)).To(Succeed())
			g.Expect(cm.Labels).To(HaveKeyWithValue(tenant.LabelLists, "true"))
		}).WithTimeout(15 * time.Second).Should(Succeed())
	})

	t.Run("a RoleBinding whose labels were removed is adopted back", func(t *testing.T) {
		g := NewWithT(t)
		rb := &rbacv1.RoleBinding{}
		key := client.ObjectKey{Namespace: ns, Name: tenant.TownshipRoleBinding}
		g.Expect(env.Client.Get(ctx, key, rb)).To(Succeed())
		rb.Labels = nil
		g.Expect(env.Client.Update(ctx, rb)).To(Succeed())
		// The label-selected watch sees it go: the village is reconciled.
		g.Eventually(func(g Gomega) {
			g.Expect(env.Client.Get(ctx, key, rb)).To(Succeed())
			g.Expect(rb.Labels).To(HaveKeyWithValue(governancev1alpha1.LabelVillage, v.Spec.Code))
		}).WithTimeout(15 * time.Second).Should(Succeed())
	})

	t.Run("a quota whose owner reference was removed is owned again", func(t *testing.T) {
		g := NewWithT(t)
		rq := &corev1.ResourceQuota{}
		key := client.ObjectKey{Namespace: ns, Name: tenant.QuotaName}
		g.Expect(env.Client.Get(ctx, key, rq)).To(Succeed())
		rq.OwnerReferences = nil
		g.Expect(env.Client.Update(ctx, rq)).To(Succeed())
		g.Eventually(func(g Gomega) {
			g.Expect(env.Client.Get(ctx, key, rq)).To(Succeed())
			g.Expect(metav1.GetControllerOf(rq)).To(HaveField("Name", v.Name))
		}).WithTimeout(15 * time.Second).Should(Succeed())
	})

	t.Run("the repair is told in an event", func(t *testing.T) {
		g := NewWithT(t)
		g.Eventually(func(g Gomega) {
			events := &eventsv1.EventList{}
			g.Expect(env.Client.List(ctx, events, client.InNamespace("default"))).To(Succeed())
			g.Expect(events.Items).To(ContainElement(And(
				HaveField("Regarding.Name", v.Name),
				HaveField("Reason", "TenantRepaired"),
			)))
		}).WithTimeout(10 * time.Second).Should(Succeed())
	})
}

func TestConvergedVillageCostsNoWrites(t *testing.T) {
	g := NewWithT(t)
	ctx := context.Background()
	v := createReady(t, newVillage(governancev1alpha1.TypeVillage))
	before := settledWrites(t)
	passes := testenv.Passes(t, "village")

	// A metadata change requeues the village without changing what it declares.
	for i := range 5 {
		patch := client.MergeFrom(v.DeepCopy())
		v.Annotations = map[string]string{"example.com/touch": fmt.Sprint(i)}
		g.Expect(env.Client.Patch(ctx, v, patch)).To(Succeed())
	}
	testenv.WaitForPass(t, "village", passes)
	g.Expect(env.Operator.Writes()).To(Equal(before), "re-reconciling a converged village must write nothing")
}

func TestDeletingTheVillageRemovesItsTenant(t *testing.T) {
	g := NewWithT(t)
	ctx := context.Background()
	v := createReady(t, newVillage(governancev1alpha1.TypeVillage))
	g.Expect(env.Client.Delete(ctx, v)).To(Succeed())
	// kube-controller-manager's garbage collector and namespace controller do this.
	g.Eventually(func() bool {
		err := env.Client.Get(ctx, client.ObjectKey{Name: v.Status.TenantNamespace}, &corev1.Namespace{})
		return apierrors.IsNotFound(err)
	}).WithTimeout(60 * time.Second).WithPolling(time.Second).Should(BeTrue())
}

func TestRecreatesANamespaceDeletedUnderIt(t *testing.T) {
	g := NewWithT(t)
	ctx := context.Background()
	v := createReady(t, newVillage(governancev1alpha1.TypeVillage))
	ns := &corev1.Namespace{}
	g.Expect(env.Client.Get(ctx, client.ObjectKey{Name: v.Status.TenantNamespace}, ns)).To(Succeed())
	oldUID := ns.UID
	g.Expect(env.Client.Delete(ctx, ns)).To(Succeed())

	g.Eventually(func(g Gomega) {
		g.Expect(env.Client.Get(ctx, client.ObjectKeyFromObject(v), v)).To(Succeed())
		c := meta.FindStatusCondition(v.Status.Conditions, governancev1alpha1.TenantReadyCondition)
		g.Expect(c).NotTo(BeNil())
		g.Expect(c.Reason).To(Equal(governancev1alpha1.ReasonNamespaceTerminating))
	}).WithTimeout(10 * time.Second).Should(Succeed())

	g.Eventually(func(g Gomega) {
		g.Expect(env.Client.Get(ctx, client.ObjectKey{Name: v.Status.TenantNamespace}, ns)).To(Succeed())
		g.Expect(ns.UID).NotTo(Equal(oldUID))
		g.Expect(env.Client.Get(ctx, client.ObjectKeyFromObject(v), v)).To(Succeed())
		g.Expect(meta.IsStatusConditionTrue(v.Status.Conditions, governancev1alpha1.ReadyCondition)).To(BeTrue())
		g.Expect(env.Client.Get(ctx, client.ObjectKey{Namespace: ns.Name, Name: tenant.ListsConfigMap}, &corev1.ConfigMap{})).To(Succeed())
	}).WithTimeout(60 * time.Second).WithPolling(time.Second).Should(Succeed())
}

// settledWrites waits until the operator has stopped writing (the reconciles
// that provisioning queued have drained: no write for a second of polling)
// and returns its write count. It is the measurement's starting point, not
// its proof: a write it misses makes the test fail, never pass.
func settledWrites(t *testing.T) int64 {
	t.Helper()
	last := env.Operator.Writes()
	NewWithT(t).Eventually(func() bool {
		now := env.Operator.Writes()
		stable := now == last
		last = now
		return stable
	}).WithTimeout(30 * time.Second).WithPolling(time.Second).Should(BeTrue())
	return last
}
