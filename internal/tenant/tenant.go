// Package tenant declares the objects that make up a village's tenant on the
// smart-village platform (S9): its namespace and the children inside it. The
// functions are pure, so the reconciler, the benchmark's floor and the tests
// all build the same objects.
package tenant

import (
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	governancev1alpha1 "github.com/cunshe/cunshe-operator/api/v1alpha1"
)

// Names of the tenant's children and of the cluster roles they bind.
const (
	VillageRoleBinding  = "cunshe-village"
	TownshipRoleBinding = "cunshe-township"
	// VillageClusterRole lets village cadres read their lists and file reports (S8).
	VillageClusterRole = "cunshe-village"
	// TownshipClusterRole lets a township oversee its villages' tenants (S15).
	TownshipClusterRole = "cunshe-township"
	QuotaName           = "cunshe-platform"
	LimitRangeName      = "cunshe-platform"
	NetworkPolicyName   = "cunshe-tenant-isolation"
	// ListsConfigMap holds the lists published to the village (S1, S10).
	ListsConfigMap = "cunshe-lists"
	// LabelLists marks the lists ConfigMaps, so the operator caches only those.
	LabelLists = "governance.cunshe.io/lists"
	// LabelPlatform marks namespaces of the platform itself, allowed to reach tenants.
	LabelPlatform = "governance.cunshe.io/platform"
)

// VillageGroup is the group of a village's cadres (DESIGN: actors).
func VillageGroup(code string) string { return governancev1alpha1.VillageGroupPrefix + code }

// TownshipGroup is the group of a township's staff.
func TownshipGroup(code string) string { return governancev1alpha1.TownshipGroupPrefix + code }

// Labels are the division labels every tenant object carries; the manager's
// caches select on LabelManagedBy.
func Labels(v *governancev1alpha1.Village) map[string]string {
	return map[string]string{
		governancev1alpha1.LabelManagedBy:   governancev1alpha1.ManagedByValue,
		governancev1alpha1.LabelVillage:     v.Spec.Code,
		governancev1alpha1.LabelTownship:    v.Spec.Township.Code,
		governancev1alpha1.LabelCounty:      v.Spec.County.Code,
		governancev1alpha1.LabelVillageType: string(v.Spec.Type),
	}
}

// Quota bounds what the platform's workloads may use in one village's tenant.
type Quota struct {
	Hard         corev1.ResourceList
	DefaultLimit corev1.ResourceList
	DefaultReq   corev1.ResourceList
}

// DefaultQuota is sized for the platform's per-village services: a few small
// pods (QR-code entry points, ledger sync) and their config.
func DefaultQuota() Quota {
	return Quota{
		Hard: corev1.ResourceList{
			corev1.ResourceRequestsCPU:    resource.MustParse("2"),
			corev1.ResourceRequestsMemory: resource.MustParse("4Gi"),
			corev1.ResourceLimitsCPU:      resource.MustParse("4"),
			corev1.ResourceLimitsMemory:   resource.MustParse("8Gi"),
			corev1.ResourcePods:           resource.MustParse("20"),
			corev1.ResourceConfigMaps:     resource.MustParse("50"),
			corev1.ResourceSecrets:        resource.MustParse("50"),
		},
		DefaultLimit: corev1.ResourceList{
			corev1.ResourceCPU:    resource.MustParse("500m"),
			corev1.ResourceMemory: resource.MustParse("512Mi"),
		},
		DefaultReq: corev1.ResourceList{
			corev1.ResourceCPU:    resource.MustParse("100m"),
			corev1.ResourceMemory: resource.MustParse("128Mi"),
		},
	}
}

// Child is one object of a tenant with the function that brings an existing
// copy of it to the declared state. Mutate changes only the fields the
// operator owns, so defaults the API server adds never look like drift; the
// spec it declares is compared through SpecHash (see TrimForCache).
type Child struct {
	Object client.Object
	Mutate func(existing client.Object)
}

// Namespace is the tenant namespace of a village.
func Namespace(v *governancev1alpha1.Village) Child {
	ns := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: governancev1alpha1.TenantNamespaceName(v.Spec.Code)}}
	return Child{Object: ns, Mutate: func(o client.Object) { mergeLabels(o, Labels(v)) }}
}

// Children are the namespaced objects inside the tenant namespace.
func Children(v *governancev1alpha1.Village, q Quota) []Child {
	return []Child{
		roleBinding(v, VillageRoleBinding, VillageClusterRole, VillageGroup(v.Spec.Code)),
		roleBinding(v, TownshipRoleBinding, TownshipClusterRole, TownshipGroup(v.Spec.Township.Code)),
		quota(v, q),
		limitRange(v, q),
		networkPolicy(v),
		listsConfigMap(v),
	}
}

func meta(v *governancev1alpha1.Village, name string) metav1.ObjectMeta {
	return metav1.ObjectMeta{Name: name, Namespace: governancev1alpha1.TenantNamespaceName(v.Spec.Code)}
}

func roleBinding(v *governancev1alpha1.Village, name, role, group string) Child {
	rb := &rbacv1.RoleBinding{ObjectMeta: meta(v, name)}
	return Child{Object: rb, Mutate: func(o client.Object) {
		rb := o.(*rbacv1.RoleBinding)
		mergeLabels(rb, Labels(v))
		rb.RoleRef = rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: "ClusterRole", Name: role}
		rb.Subjects = []rbacv1.Subject{{APIGroup: rbacv1.GroupName, Kind: rbacv1.GroupKind, Name: group}}
	}}
}

func quota(v *governancev1alpha1.Village, q Quota) Child {
	rq := &corev1.ResourceQuota{ObjectMeta: meta(v, QuotaName)}
	return Child{Object: rq, Mutate: func(o client.Object) {
		rq := o.(*corev1.ResourceQuota)
		mergeLabels(rq, Labels(v))
		rq.Spec.Hard = q.Hard.DeepCopy()
	}}
}

func limitRange(v *governancev1alpha1.Village, q Quota) Child {
	lr := &corev1.LimitRange{ObjectMeta: meta(v, LimitRangeName)}
	return Child{Object: lr, Mutate: func(o client.Object) {
		lr := o.(*corev1.LimitRange)
		mergeLabels(lr, Labels(v))
		lr.Spec.Limits = []corev1.LimitRangeItem{{
			Type:           corev1.LimitTypeContainer,
			Default:        q.DefaultLimit.DeepCopy(),
			DefaultRequest: q.DefaultReq.DeepCopy(),
		}}
	}}
}

// networkPolicy admits traffic from the tenant's own pods and from the
// platform's namespaces only, so one village's tenant cannot reach another's.
func networkPolicy(v *governancev1alpha1.Village) Child {
	np := &networkingv1.NetworkPolicy{ObjectMeta: meta(v, NetworkPolicyName)}
	return Child{Object: np, Mutate: func(o client.Object) {
		np := o.(*networkingv1.NetworkPolicy)
		mergeLabels(np, Labels(v))
		np.Spec = networkingv1.NetworkPolicySpec{
			PodSelector: metav1.LabelSelector{},
			PolicyTypes: []networkingv1.PolicyType{networkingv1.PolicyTypeIngress},
			Ingress: []networkingv1.NetworkPolicyIngressRule{{
				From: []networkingv1.NetworkPolicyPeer{
					{PodSelector: &metav1.LabelSelector{}},
					{NamespaceSelector: &metav1.LabelSelector{MatchLabels: map[string]string{LabelPlatform: "true"}}},
				},
			}},
		}
	}}
}

// listsConfigMap is the placeholder the publishing controller fills; its
// data is left alone here so that the two controllers never fight over it.
func listsConfigMap(v *governancev1alpha1.Village) Child {
	cm := &corev1.ConfigMap{ObjectMeta: meta(v, ListsConfigMap)}
	return Child{Object: cm, Mutate: func(o client.Object) {
		labels := Labels(v)
		labels[LabelLists] = "true"
		mergeLabels(o, labels)
	}}
}

func mergeLabels(o client.Object, want map[string]string) {
	labels := o.GetLabels()
	if labels == nil {
		labels = make(map[string]string, len(want))
	}
	for k, v := range want {
		labels[k] = v
	}
	o.SetLabels(labels)
}
