package tenant

import (
	"fmt"
	"strings"
	"testing"
	"unsafe"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	governancev1alpha1 "github.com/cunshe/cunshe-operator/api/v1alpha1"
)

func testVillage() *governancev1alpha1.Village {
	return &governancev1alpha1.Village{ObjectMeta: metav1.ObjectMeta{Name: "330302006001", UID: "u-1"},
		Spec: governancev1alpha1.VillageSpec{Code: "330302006001", Type: governancev1alpha1.TypeVillage,
			County: governancev1alpha1.Division{Code: "330302"}, Township: governancev1alpha1.Division{Code: "330302006"}}}
}

// declared builds every child of v as the operator writes it.
func declared(v *governancev1alpha1.Village, q Quota) map[string]client.Object {
	out := map[string]client.Object{}
	for _, c := range append([]Child{Namespace(v)}, Children(v, q)...) {
		obj := c.Object.DeepCopyObject().(client.Object)
		c.Mutate(obj)
		obj.SetManagedFields([]metav1.ManagedFieldsEntry{{Manager: "manager", Operation: metav1.ManagedFieldsOperationUpdate}})
		out[kindName(obj)] = obj
	}
	return out
}

func kindName(obj client.Object) string {
	t := fmt.Sprintf("%T", obj)
	return t[strings.LastIndex(t, ".")+1:] + "/" + obj.GetName()
}

func TestTrimForCacheKeepsTheSpecsHashOnly(t *testing.T) {
	for name, obj := range declared(testVillage(), DefaultQuota()) {
		want := SpecHash(obj)
		out, err := TrimForCache(obj)
		if err != nil {
			t.Fatal(err)
		}
		trimmed := out.(client.Object)
		if got := trimmed.GetAnnotations()[AnnotationCachedSpecHash]; got != want {
			t.Errorf("%s: cached spec hash %q, want the hash of the spec removed, %q", name, got, want)
		}
		if hash := SpecHash(trimmed); hash != "" && hash == want {
			t.Errorf("%s: the cached copy still holds its spec", name)
		}
		if trimmed.GetManagedFields() != nil {
			t.Errorf("%s: managed fields kept", name)
		}
	}
	cm := &corev1.ConfigMap{Data: map[string]string{"lists.yaml": "…"}}
	if out, _ := TrimForCache(cm); out.(*corev1.ConfigMap).Data != nil {
		t.Error("the lists ConfigMap keeps its data in the cache")
	}
	ns := &corev1.Namespace{Spec: corev1.NamespaceSpec{Finalizers: []corev1.FinalizerName{corev1.FinalizerKubernetes}}}
	if out, _ := TrimForCache(ns); out.(*corev1.Namespace).Spec.Finalizers != nil || len(out.(*corev1.Namespace).Annotations) != 0 {
		t.Error("a namespace, whose spec the operator does not declare, is kept with a spec or a spec hash")
	}
}

func TestSpecHashFollowsTheDeclaredSpec(t *testing.T) {
	v := testVillage()
	bigger := DefaultQuota()
	bigger.Hard[corev1.ResourcePods] = resource.MustParse("40")
	first, again, changed := declared(v, DefaultQuota()), declared(v, DefaultQuota()), declared(v, bigger)
	for name, obj := range first {
		declaresSpec := !strings.HasPrefix(name, "Namespace/") && !strings.HasPrefix(name, "ConfigMap/")
		if h := SpecHash(obj); (h != "") != declaresSpec {
			t.Errorf("%s: spec hash %q; only children whose spec the operator declares have one", name, h)
		}
		if SpecHash(again[name]) != SpecHash(obj) {
			t.Errorf("%s: the hash of the same declaration changed", name)
		}
	}
	quota, limits := "ResourceQuota/"+QuotaName, "LimitRange/"+LimitRangeName
	if SpecHash(changed[quota]) == SpecHash(first[quota]) {
		t.Error("a changed quota kept its hash")
	}
	if SpecHash(changed[limits]) != SpecHash(first[limits]) {
		t.Error("the limit range's hash changed with the quota's hard limits")
	}
}

func TestTrimForCacheSharesRepeatedStrings(t *testing.T) {
	controller := true
	decode := func() *corev1.LimitRange {
		// Fresh copies of every string, as decoding gives them.
		s := func(v string) string { return string([]byte(v)) }
		return &corev1.LimitRange{ObjectMeta: metav1.ObjectMeta{
			Namespace: s("village-330302006001"), Labels: map[string]string{s(governancev1alpha1.LabelCounty): s("330302")},
			OwnerReferences: []metav1.OwnerReference{{APIVersion: s("governance.cunshe.io/v1alpha1"), Kind: s("Village"), Name: s("330302006001"), UID: "u-1", Controller: &controller}},
		}}
	}
	a, _ := TrimForCache(decode())
	b, _ := TrimForCache(decode())
	x, y := a.(*corev1.LimitRange), b.(*corev1.LimitRange)
	same := func(p, q string) bool { return unsafe.StringData(p) == unsafe.StringData(q) }
	if !same(x.Namespace, y.Namespace) || !same(x.Labels[governancev1alpha1.LabelCounty], y.Labels[governancev1alpha1.LabelCounty]) ||
		!same(x.OwnerReferences[0].Kind, y.OwnerReferences[0].Kind) || !same(x.Annotations[AnnotationCachedSpecHash], y.Annotations[AnnotationCachedSpecHash]) {
		t.Error("two children's equal strings are still two copies")
	}
	village := testVillage()
	village.Name, village.Status.TenantNamespace = string([]byte(village.Name)), "village-330302006001"
	out, _ := TrimVillageForCache(village)
	if v := out.(*governancev1alpha1.Village); !same(v.Name, x.OwnerReferences[0].Name) || !same(v.Status.TenantNamespace, x.Namespace) {
		t.Error("a village's code and namespace are not shared with its children")
	}
	if !*x.OwnerReferences[0].Controller || x.OwnerReferences[0].Controller != y.OwnerReferences[0].Controller {
		t.Error("the controller flag is not one shared true")
	}
}
