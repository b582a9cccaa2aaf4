package tenant

import (
	"fmt"
	"reflect"
	"strings"
	"testing"
	"unsafe"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/equality"
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

func TestTrimListsForCacheKeepsMetadataOnly(t *testing.T) {
	cm := declared(testVillage(), DefaultQuota())["ConfigMap/"+ListsConfigMap].(*corev1.ConfigMap)
	cm.Data = map[string]string{"lists.yaml": "…"}
	cm.BinaryData = map[string][]byte{"lists.yaml.gz": {1}}
	cm.UID, cm.ResourceVersion = "cm-uid", "42"
	cm.Annotations = map[string]string{"governance.cunshe.io/revision": "3"}
	want := cm.DeepCopy()
	out, err := TrimListsForCache(cm)
	if err != nil {
		t.Fatal(err)
	}
	got := out.(*corev1.ConfigMap)
	if got.Data != nil || got.BinaryData != nil || got.ManagedFields != nil {
		t.Error("the cached lists ConfigMap keeps its data or managed fields")
	}
	// The rollout writes the cached copy back with new data: the rest stays.
	want.Data, want.BinaryData, want.ManagedFields = nil, nil, nil
	if !equality.Semantic.DeepEqual(got, want) {
		t.Errorf("the cached metadata changed:\n got %+v\nwant %+v", got.ObjectMeta, want.ObjectMeta)
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
	// Fresh copies of every string, as decoding gives them.
	fresh := func(v string) string { return string([]byte(v)) }
	decode := func(village string) *corev1.ConfigMap {
		return &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{
			Namespace:   fresh("village-" + village),
			Labels:      map[string]string{fresh(governancev1alpha1.LabelCounty): fresh("330302")},
			Annotations: map[string]string{fresh("governance.cunshe.io/revision"): fresh("3")},
			OwnerReferences: []metav1.OwnerReference{{APIVersion: fresh("governance.cunshe.io/v1alpha1"), Kind: fresh("Village"),
				Name: fresh(village), UID: "u-1", Controller: &controller}},
		}}
	}
	a, _ := TrimListsForCache(decode("330302006001"))
	b, _ := TrimListsForCache(decode("330302006002"))
	x, y := a.(*corev1.ConfigMap), b.(*corev1.ConfigMap)
	same := func(p, q string) bool { return unsafe.StringData(p) == unsafe.StringData(q) }
	if !same(x.Labels[governancev1alpha1.LabelCounty], y.Labels[governancev1alpha1.LabelCounty]) || !same(x.OwnerReferences[0].Kind, y.OwnerReferences[0].Kind) {
		t.Error("two villages' equal strings are still two copies")
	}
	if reflect.ValueOf(x.Annotations).UnsafePointer() != reflect.ValueOf(y.Annotations).UnsafePointer() {
		t.Error("two villages' equal annotations are two maps")
	}
	village := testVillage()
	village.Name, village.Status.TenantNamespace = fresh(village.Name), fresh("village-330302006001")
	village.Annotations = map[string]string{corev1.LastAppliedConfigAnnotation: `{"kind":"Village"}`, "gitops/owner": fresh("civil-affairs")}
	other := testVillage()
	other.Annotations = map[string]string{"gitops/owner": fresh("civil-affairs")}
	out, _ := TrimVillageForCache(village)
	v := out.(*governancev1alpha1.Village)
	if !same(v.Name, x.OwnerReferences[0].Name) || !same(v.Status.TenantNamespace, x.Namespace) {
		t.Error("a village's code and namespace are not shared with its lists")
	}
	if _, kept := v.Annotations[corev1.LastAppliedConfigAnnotation]; kept {
		t.Error("the cache keeps kubectl's last applied configuration of a village")
	}
	if o, _ := TrimVillageForCache(other); reflect.ValueOf(o.(*governancev1alpha1.Village).Annotations).UnsafePointer() != reflect.ValueOf(v.Annotations).UnsafePointer() {
		t.Error("two villages' equal annotations are two maps")
	}
	if !*x.OwnerReferences[0].Controller || x.OwnerReferences[0].Controller != y.OwnerReferences[0].Controller {
		t.Error("the controller flag is not one shared true")
	}
}

func TestSharedMapsStayBounded(t *testing.T) {
	for i := range maxSharedMaps + 10 {
		sharedMap(map[string]string{"revision": fmt.Sprint(i)})
	}
	sharedMaps.Lock()
	defer sharedMaps.Unlock()
	if n := len(sharedMaps.byContent); n > maxSharedMaps {
		t.Errorf("the shared map table holds %d maps, more than its bound %d", n, maxSharedMaps)
	}
}
