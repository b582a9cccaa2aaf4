package tenant

import (
	"maps"
	"slices"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/util/workqueue"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/reconcile"

	governancev1alpha1 "github.com/cunshe/cunshe-operator/api/v1alpha1"
)

// owned gives the declared children of testVillage the controller reference
// the village controller sets.
func owned() map[string]client.Object {
	v := testVillage()
	yes := true
	out := declared(v, DefaultQuota())
	for _, obj := range out {
		obj.SetManagedFields(nil)
		obj.SetOwnerReferences([]metav1.OwnerReference{{APIVersion: governancev1alpha1.GroupVersion.String(), Kind: "Village",
			Name: v.Name, UID: v.UID, Controller: &yes, BlockOwnerDeletion: &yes}})
	}
	return out
}

// asStored is a child as the API server returns it: with what the server
// and other controllers add, none of which the operator declares.
func asStored(obj client.Object) client.Object {
	live := obj.DeepCopyObject().(client.Object)
	live.SetUID("server-uid")
	live.SetResourceVersion("1234")
	live.SetAnnotations(map[string]string{"note": "added by someone"})
	labels := maps.Clone(live.GetLabels())
	labels[corev1.LabelMetadataName] = live.GetName()
	live.SetLabels(labels)
	switch t := live.(type) {
	case *corev1.ResourceQuota:
		t.Status.Used = corev1.ResourceList{corev1.ResourcePods: resource.MustParse("3")}
	case *corev1.Namespace:
		t.Spec.Finalizers = []corev1.FinalizerName{corev1.FinalizerKubernetes}
		t.Status.Phase = corev1.NamespaceActive
	case *corev1.ConfigMap:
		t.Data = map[string]string{"lists.yaml": "…"}
	}
	return live
}

func TestDigestIgnoresWhatTheOperatorDoesNotDeclare(t *testing.T) {
	for name, obj := range owned() {
		if Digest(asStored(obj)) != Digest(obj) {
			t.Errorf("%s: a child as declared, with what the server adds, has another digest", name)
		}
	}
}

func TestDigestTellsEveryDrift(t *testing.T) {
	drifts := map[string]func(client.Object){
		"a declared label changed": func(o client.Object) {
			o.GetLabels()[governancev1alpha1.LabelCounty] = "330303"
		},
		"a declared label removed": func(o client.Object) { delete(o.GetLabels(), governancev1alpha1.LabelVillageType) },
		"the controller removed":   func(o client.Object) { o.SetOwnerReferences(nil) },
		"another controller": func(o client.Object) {
			o.GetOwnerReferences()[0].UID = "another-village"
		},
	}
	specDrifts := map[string]func(client.Object){
		"RoleBinding/" + VillageRoleBinding: func(o client.Object) {
			o.(*rbacv1.RoleBinding).Subjects[0].Name = VillageGroup("330302006002")
		},
		"ResourceQuota/" + QuotaName: func(o client.Object) {
			o.(*corev1.ResourceQuota).Spec.Hard[corev1.ResourcePods] = resource.MustParse("200")
		},
		"LimitRange/" + LimitRangeName: func(o client.Object) {
			o.(*corev1.LimitRange).Spec.Limits = nil
		},
		"NetworkPolicy/" + NetworkPolicyName: func(o client.Object) {
			o.(*networkingv1.NetworkPolicy).Spec.Ingress = nil
		},
	}
	for name, obj := range owned() {
		for drift, apply := range drifts {
			live := asStored(obj)
			apply(live)
			if Digest(live) == Digest(obj) {
				t.Errorf("%s, %s: the digest did not change", name, drift)
			}
		}
		if apply, ok := specDrifts[name]; ok {
			live := asStored(obj)
			apply(live)
			if Digest(live) == Digest(obj) {
				t.Errorf("%s, its spec edited: the digest did not change", name)
			}
		}
	}
}

func TestObserveRecordsVersionDeletionAndVillage(t *testing.T) {
	ns := asStored(owned()["Namespace/village-330302006001"])
	rec := Observe(ns)
	if rec.Village != "330302006001" || rec.ResourceVersion != 1234 || rec.Deleting {
		t.Errorf("observed %+v, want village 330302006001 at version 1234, not deleting", rec)
	}
	now := metav1.Now()
	ns.SetDeletionTimestamp(&now)
	ns.SetOwnerReferences(nil)
	if rec := Observe(ns); !rec.Deleting || rec.Village != "330302006001" {
		t.Errorf("observed %+v: want deleting, and the village found by its label once the owner is gone", rec)
	}
}

// queued drains q and returns the village names it held, sorted.
func queued(q workqueue.TypedRateLimitingInterface[reconcile.Request]) []string {
	var out []string
	for q.Len() > 0 {
		req, _ := q.Get()
		out = append(out, req.Name)
		q.Done(req)
	}
	slices.Sort(out)
	return out
}

func quotaOf(village string) *corev1.ResourceQuota {
	v := testVillage()
	v.Name, v.Spec.Code = village, village
	v.UID = types.UID("uid-" + village)
	child := quota(v, DefaultQuota())
	rq := child.Object.DeepCopyObject().(*corev1.ResourceQuota)
	child.Mutate(rq)
	yes := true
	rq.OwnerReferences = []metav1.OwnerReference{{APIVersion: governancev1alpha1.GroupVersion.String(), Kind: "Village", Name: village, UID: v.UID, Controller: &yes}}
	rq.ResourceVersion = "10"
	return rq
}

func TestObserverQueuesTheVillagesWhoseChildrenChange(t *testing.T) {
	q := workqueue.NewTypedRateLimitingQueue(workqueue.DefaultTypedControllerRateLimiter[reconcile.Request]())
	defer q.ShutDown()
	k := newObservedKind(&corev1.ResourceQuota{}, &corev1.ResourceQuotaList{})
	k.queue = q
	a, b, c := quotaOf("330302006001"), quotaOf("330302006002"), quotaOf("330302006003")

	if err := k.Replace([]any{a, b}, "10"); err != nil {
		t.Fatal(err)
	}
	if got := queued(q); len(got) != 0 || !k.synced.Load() {
		t.Errorf("the first list queued %v (the villages' own informer queues them all) or did not mark the kind synced", got)
	}
	if rec, ok := k.get(client.ObjectKeyFromObject(a)); !ok || rec.Digest != Digest(a) {
		t.Errorf("the record of a listed quota is %+v, %v", rec, ok)
	}

	used := a.DeepCopy()
	used.ResourceVersion, used.Status.Used = "11", corev1.ResourceList{corev1.ResourcePods: resource.MustParse("1")}
	must(t, k.Update(used))
	if got := queued(q); len(got) != 0 {
		t.Errorf("a quota's usage update queued %v", got)
	}
	if rec, _ := k.get(client.ObjectKeyFromObject(a)); rec.ResourceVersion != 11 {
		t.Errorf("the record did not follow the resource version: %+v", rec)
	}

	edited := b.DeepCopy()
	edited.Spec.Hard[corev1.ResourcePods] = resource.MustParse("999")
	must(t, k.Update(edited))
	must(t, k.Add(c))
	must(t, k.Delete(a))
	if got, want := queued(q), []string{"330302006001", "330302006002", "330302006003"}; !slices.Equal(got, want) {
		t.Errorf("edit, add and delete queued %v, want %v", got, want)
	}

	// The watch was lost; a relist finds b repaired, c gone and a back.
	must(t, k.Replace([]any{a, b}, "20"))
	if got, want := queued(q), []string{"330302006001", "330302006002", "330302006003"}; !slices.Equal(got, want) {
		t.Errorf("the relist queued %v, want %v", got, want)
	}
	must(t, k.Replace([]any{a, b}, "30"))
	if got := queued(q); len(got) != 0 {
		t.Errorf("a relist with nothing changed queued %v", got)
	}
}

func TestObserverServesOnlyItsKinds(t *testing.T) {
	o := NewObserver(nil)
	for name, obj := range owned() {
		if observed := o.Observes(obj); observed == strings.HasPrefix(name, "ConfigMap/") {
			t.Errorf("%s: observed=%v; every child but the cached lists ConfigMap is observed", name, observed)
		}
	}
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// TestReached orders resourceVersions as the API server defines them: by
// value, not as text ("10" is newer than "9").
func TestReached(t *testing.T) {
	for name, tc := range map[string]struct {
		observed, wrote string // the cached copy's version, the write's
		reached, fails  bool
	}{
		"the write itself":            {observed: "42", wrote: "42", reached: true},
		"a newer copy":                {observed: "43", wrote: "42", reached: true},
		"an older copy":               {observed: "41", wrote: "42"},
		"longer is newer, not text":   {observed: "10", wrote: "9", reached: true},
		"shorter is older, not text":  {observed: "9", wrote: "10"},
		"the write's is not a number": {observed: "42", wrote: "abc", fails: true},
		"the copy's is not a number":  {observed: "abc", wrote: "42", fails: true},
	} {
		t.Run(name, func(t *testing.T) {
			cm := &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{ResourceVersion: tc.observed}}
			reached, err := Observe(cm).Reached(tc.wrote)
			if (err != nil) != tc.fails || reached != tc.reached {
				t.Errorf("Reached(%q) from %q = %v, %v; want %v, failing: %v", tc.wrote, tc.observed, reached, err, tc.reached, tc.fails)
			}
		})
	}
}
