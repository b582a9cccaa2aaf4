package tenant

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"unique"

	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	governancev1alpha1 "github.com/cunshe/cunshe-operator/api/v1alpha1"
)

// AnnotationCachedSpecHash exists only in the operator's cache, never on the
// API server: TrimForCache puts there the hash of the spec it removed.
const AnnotationCachedSpecHash = "governance.cunshe.io/cached-spec-hash"

// TrimForCache is the cache transform of the tenant's children. The cache
// keeps their metadata only: the operator declares nothing of a namespace
// or a lists ConfigMap but labels and owner, and of the others it compares
// the spec by its hash, which this puts in AnnotationCachedSpecHash. Every
// edit of a spec, while the operator runs or not, changes that hash, and a
// province's specs do not sit in memory. It also shares the strings that
// repeat across children (label keys and values, owners) and drops the
// managed fields. A trimmed child must never be written back.
func TrimForCache(obj any) (any, error) {
	o, ok := obj.(client.Object)
	if !ok {
		return obj, nil
	}
	hash := SpecHash(o)
	switch t := o.(type) {
	case *corev1.Namespace:
		t.Spec, t.Status = corev1.NamespaceSpec{}, corev1.NamespaceStatus{}
	case *corev1.ConfigMap:
		t.Data, t.BinaryData = nil, nil
	case *rbacv1.RoleBinding:
		t.RoleRef, t.Subjects = rbacv1.RoleRef{}, nil
	case *corev1.ResourceQuota:
		t.Spec, t.Status = corev1.ResourceQuotaSpec{}, corev1.ResourceQuotaStatus{}
	case *corev1.LimitRange:
		t.Spec = corev1.LimitRangeSpec{}
	case *networkingv1.NetworkPolicy:
		t.Spec = networkingv1.NetworkPolicySpec{}
	}
	trimMeta(o, hash)
	return o, nil
}

// IsChild reports whether obj is of a kind the operator creates in tenants.
func IsChild(obj any) bool {
	switch obj.(type) {
	case *corev1.Namespace, *corev1.ConfigMap, *rbacv1.RoleBinding, *corev1.ResourceQuota, *corev1.LimitRange, *networkingv1.NetworkPolicy:
		return true
	}
	return false
}

// SpecHash hashes the part of a child the operator declares beyond its
// metadata (a RoleBinding's roleRef and subjects, another kind's spec);
// "" for kinds where that is nothing. 64 bits tell a change apart.
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

// SpecAsDeclared tells from a cached child whether its spec is the one
// declared (always so for kinds whose spec the operator does not declare).
func SpecAsDeclared(cached, declared client.Object) bool {
	return cached.GetAnnotations()[AnnotationCachedSpecHash] == SpecHash(declared)
}

func trimMeta(o client.Object, specHash string) {
	o.SetManagedFields(nil)
	o.SetNamespace(intern(o.GetNamespace()))
	o.SetName(intern(o.GetName()))
	o.SetLabels(internMap(o.GetLabels()))
	annotations := internMap(o.GetAnnotations())
	if specHash != "" {
		if annotations == nil {
			annotations = make(map[string]string, 1)
		}
		annotations[AnnotationCachedSpecHash] = intern(specHash)
	}
	o.SetAnnotations(annotations)
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
// managed fields and shares their strings with their children's (code,
// UID, namespace) and with other villages' (divisions, conditions).
func TrimVillageForCache(obj any) (any, error) {
	v, ok := obj.(*governancev1alpha1.Village)
	if !ok {
		return obj, nil
	}
	trimMeta(v, "")
	v.UID = unique.Make(v.UID).Value()
	s := &v.Spec
	s.Code, s.Type = intern(s.Code), governancev1alpha1.VillageType(intern(string(s.Type)))
	s.County.Code, s.County.Name = intern(s.County.Code), intern(s.County.Name)
	s.Township.Code, s.Township.Name = intern(s.Township.Code), intern(s.Township.Name)
	s.Platform.Enrolled = sharedBool(s.Platform.Enrolled)
	v.Status.TenantNamespace = intern(v.Status.TenantNamespace)
	for i := range v.Status.Conditions {
		c := &v.Status.Conditions[i]
		c.Type, c.Reason, c.Message = intern(c.Type), intern(c.Reason), intern(c.Message)
		c.Status = metav1.ConditionStatus(intern(string(c.Status)))
	}
	return v, nil
}
