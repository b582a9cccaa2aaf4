package tenant

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"maps"
	"slices"
	"strings"
	"sync"
	"unique"

	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	governancev1alpha1 "github.com/cunshe/cunshe-operator/api/v1alpha1"
)

// TrimListsForCache is the cache transform of the lists ConfigMaps, which
// the manager caches for the rollout and the admission index: it keeps
// their metadata (the rollout writes a cached copy back with new data, so
// nothing else is removed), drops their data and managed fields, and
// shares the strings and annotation maps that repeat across villages (the
// revision and the content hash are the same for every village of a county
// and type). The other children are not cached at all (Observer).
func TrimListsForCache(obj any) (any, error) {
	cm, ok := obj.(*corev1.ConfigMap)
	if !ok {
		return obj, nil
	}
	cm.Data, cm.BinaryData = nil, nil
	trimMeta(cm)
	cm.Annotations = sharedMap(cm.Annotations)
	return cm, nil
}

// SpecHash hashes the part of a child the operator declares beyond its
// metadata (a RoleBinding's roleRef and subjects, another kind's spec);
// "" for kinds where that is nothing (a namespace, the lists ConfigMap,
// whose data the rollout owns). 64 bits tell a change apart.
func SpecHash(obj client.Object) string {
	var spec any
	switch t := obj.(type) {
	case *rbacv1.RoleBinding:
		spec = struct {
			RoleRef  rbacv1.RoleRef   `json:"roleRef"`
			Subjects []rbacv1.Subject `json:"subjects"`
		}{t.RoleRef, t.Subjects}
	case *corev1.ResourceQuota:
		spec = t.Spec
	case *corev1.LimitRange:
		spec = t.Spec
	case *networkingv1.NetworkPolicy:
		spec = t.Spec
	default:
		return ""
	}
	// Plain API structs always marshal; fields come in order, map keys sorted.
	data, _ := json.Marshal(spec)
	sum := sha256.Sum256(data)
	return hex.EncodeToString(sum[:8])
}

func trimMeta(o client.Object) {
	o.SetManagedFields(nil)
	o.SetNamespace(intern(o.GetNamespace()))
	o.SetName(intern(o.GetName()))
	o.SetLabels(internMap(o.GetLabels()))
	o.SetAnnotations(internMap(o.GetAnnotations()))
	owners := o.GetOwnerReferences()
	for i := range owners {
		internOwner(&owners[i])
	}
}

// intern returns the one shared copy of s: decoding gives every object its
// own copy of every string, and a province's children repeat most of them
// (a village's code and namespace in each of its children).
func intern(s string) string { return unique.Make(s).Value() }

func internMap(m map[string]string) map[string]string {
	if m == nil {
		return nil
	}
	out := make(map[string]string, len(m))
	for k, v := range m {
		out[intern(k)] = intern(v)
	}
	return out
}

var yes, no = true, false

func internOwner(o *metav1.OwnerReference) {
	o.APIVersion, o.Kind, o.Name = intern(o.APIVersion), intern(o.Kind), intern(o.Name)
	o.UID = unique.Make(o.UID).Value()
	o.Controller, o.BlockOwnerDeletion = sharedBool(o.Controller), sharedBool(o.BlockOwnerDeletion)
}

// sharedBool points at one of two package-wide bools; the cache's readers
// get deep copies, so no one writes through it.
func sharedBool(b *bool) *bool {
	switch {
	case b == nil:
		return nil
	case *b:
		return &yes
	default:
		return &no
	}
}

// TrimVillageForCache is the cache transform of Villages: it drops their
// managed fields and kubectl's copy of the last applied configuration (no
// one writes a whole Village back; status is patched), and shares their
// strings with their children's (code, UID, namespace) and with other
// villages' (divisions, conditions, the labels and annotations GitOps tools
// put on every village alike).
func TrimVillageForCache(obj any) (any, error) {
	v, ok := obj.(*governancev1alpha1.Village)
	if !ok {
		return obj, nil
	}
	delete(v.Annotations, corev1.LastAppliedConfigAnnotation)
	trimMeta(v)
	v.Labels, v.Annotations = sharedMap(v.Labels), sharedMap(v.Annotations)
	v.UID = unique.Make(v.UID).Value()
	s := &v.Spec
	s.Code, s.Type = intern(s.Code), governancev1alpha1.VillageType(intern(string(s.Type)))
	s.County.Code, s.County.Name = intern(s.County.Code), intern(s.County.Name)
	s.Township.Code, s.Township.Name = intern(s.Township.Code), intern(s.Township.Name)
	s.Platform.Enrolled = sharedBool(s.Platform.Enrolled)
	s.Platform.EnrolledSince = intern(s.Platform.EnrolledSince)
	if p := v.Status.Platform; p != nil {
		p.EnrolledSince = intern(p.EnrolledSince)
	}
	v.Status.TenantNamespace = intern(v.Status.TenantNamespace)
	for i := range v.Status.Conditions {
		c := &v.Status.Conditions[i]
		c.Type, c.Reason, c.Message = intern(c.Type), intern(c.Reason), intern(c.Message)
		c.Status = metav1.ConditionStatus(intern(string(c.Status)))
	}
	return v, nil
}

// maxSharedMaps bounds sharedMaps: past it the table starts over, so maps
// of revisions long gone do not pile up; objects keep the maps they have.
const maxSharedMaps = 4096

// sharedMaps holds one copy of each distinct small map the cache keeps
// many equal copies of. Cached objects are read-only: readers get deep
// copies, and event handlers only read.
var sharedMaps = struct {
	sync.Mutex
	byContent map[string]map[string]string
}{byContent: map[string]map[string]string{}}

// sharedMap returns the one shared map equal to m (an empty map costs
// nothing and is returned as is): a Go map costs about 300 bytes however
// few its entries.
func sharedMap(m map[string]string) map[string]string {
	if len(m) == 0 {
		return m
	}
	key := contentKey(m)
	sharedMaps.Lock()
	defer sharedMaps.Unlock()
	if shared, ok := sharedMaps.byContent[key]; ok {
		return shared
	}
	if len(sharedMaps.byContent) >= maxSharedMaps {
		clear(sharedMaps.byContent)
	}
	sharedMaps.byContent[key] = m
	return m
}

func contentKey(m map[string]string) string {
	keys := slices.Sorted(maps.Keys(m))
	var b strings.Builder
	for _, k := range keys {
		b.WriteString(k)
		b.WriteByte(0)
		b.WriteString(m[k])
		b.WriteByte(0)
	}
	return b.String()
}
