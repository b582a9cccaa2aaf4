package v1alpha1

import (
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// VillageType says whether a village-level unit is a rural village or an
// urban community; scopes of list items and signboards differ between them.
// Village (村) or Community (社区): the fields of this type check it with a
// bilingual CEL rule (a schema enum would refuse in English only).
type VillageType string

const (
	// TypeVillage is a rural village (村), governed by a villagers' committee.
	TypeVillage VillageType = "Village"
	// TypeCommunity is an urban community (社区), governed by a residents' committee.
	TypeCommunity VillageType = "Community"
)

// Division names one county- or township-level administrative division.
// 行政区划：代码与名称。
type Division struct {
	// code is the division's statistical code: 6 digits for a county, 9 for a township.
	// 区划代码：县级 6 位，乡镇级 9 位。
	// +required
	// +kubebuilder:validation:MinLength=6
	// +kubebuilder:validation:MaxLength=9
	Code string `json:"code"`

	// name is the division's official name, e.g. 鹿城区 or 五马街道.
	// 区划名称，如“鹿城区”“五马街道”。
	// +required
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=64
	Name string `json:"name"`
}

// PlatformEnrolment records whether the village keeps its work records on the
// city's smart-village platform 智慧村社通 (S9).
// 智慧村社通平台启用情况（S9）。
type PlatformEnrolment struct {
	// enrolled is true when the village keeps its ledgers on the platform (S9);
	// with a ready tenant it exempts the village from paper ledgers (S11).
	// 是否已在“智慧村社通”平台掌上留痕（S9）；租户就绪时免查纸质台账（S11）。
	// +optional
	// +kubebuilder:default=true
	Enrolled *bool `json:"enrolled,omitempty"`
}

// VillageSpec declares one village-level unit (村/社区) of the division registry.
// 村（社区）的登记信息，来自国家统计局区划代码。
// +kubebuilder:validation:XValidation:rule="size(self.code) < 6 || self.county.code == self.code.substring(0, 6)",message="spec.county.code 必须等于 spec.code 的前 6 位 / spec.county.code must be the first 6 digits of spec.code",fieldPath=".county.code"
// +kubebuilder:validation:XValidation:rule="size(self.code) < 9 || self.township.code == self.code.substring(0, 9)",message="spec.township.code 必须等于 spec.code 的前 9 位 / spec.township.code must be the first 9 digits of spec.code",fieldPath=".township.code"
// +kubebuilder:validation:XValidation:rule="has(self.name) && self.name.trim() != ''",message="S1 村（社区）须写明名称（spec.name），如“鼓楼社区” / a village needs its name (spec.name), e.g. 鼓楼社区",fieldPath=".name",reason=FieldValueRequired
// +kubebuilder:validation:XValidation:rule="has(self.type)",message="S1 村（社区）须写明类型（spec.type）：Village（村）或 Community（社区） / a village needs its type (spec.type): Village (村) or Community (社区)",fieldPath=".type",reason=FieldValueRequired
type VillageSpec struct {
	// code is the village's 12-digit statistical division code; it is also the
	// object's name and can never change.
	// 12 位统计用区划代码，同时是对象名称，不可修改。
	// +required
	// +kubebuilder:validation:MaxLength=64
	// +kubebuilder:validation:XValidation:rule="self.matches('^[0-9]{12}$')",message="spec.code 必须是 12 位数字区划代码 / spec.code must be a 12-digit division code"
	// +kubebuilder:validation:XValidation:rule="self == oldSelf",message="spec.code 不可修改 / spec.code is immutable"
	Code string `json:"code"`

	// name is the village's official name, e.g. 鼓楼社区. Required: a CEL
	// rule of the spec says so in Chinese and English (S1).
	// 村（社区）名称，如“鼓楼社区”。必填。
	// +optional
	// +kubebuilder:validation:MaxLength=64
	Name string `json:"name"`

	// type is Village (村) or Community (社区). Required (S1).
	// 类型：Village（村）或 Community（社区）。必填。
	// +optional
	// +kubebuilder:validation:XValidation:rule="self in ['Village', 'Community']",message="S1 村（社区）类型只能是 Village（村）或 Community（社区） / a village's type is Village (村) or Community (社区)"
	Type VillageType `json:"type"`

	// county is the county-level division (县、市、区) the village belongs to.
	// 所属县（市、区）。
	// +required
	County Division `json:"county"`

	// township is the township or sub-district (乡、镇、街道) the village belongs to.
	// 所属乡镇（街道）。
	// +required
	Township Division `json:"township"`

	// platform records enrolment on the smart-village platform (S9).
	// 智慧村社通平台启用情况（S9）。
	// +optional
	Platform PlatformEnrolment `json:"platform,omitempty"`
}

// VillageStatus is what the operator observed of the village's tenant.
// 村（社区）租户的实际状态，由 operator 写入。
type VillageStatus struct {
	// observedGeneration is the generation of the spec this status describes.
	// 本状态对应的 spec 版本。
	// +optional
	ObservedGeneration int64 `json:"observedGeneration,omitempty"`

	// conditions: TenantReady (namespace and children as declared) and Ready.
	// 状态条件：TenantReady（租户命名空间及其对象齐备）与 Ready。
	// +optional
	// +listType=map
	// +listMapKey=type
	// +kubebuilder:validation:MaxItems=8
	Conditions []metav1.Condition `json:"conditions,omitempty"`

	// tenantNamespace is the namespace provisioned for the village on the platform.
	// 为该村（社区）开通的平台租户命名空间。
	// +optional
	TenantNamespace string `json:"tenantNamespace,omitempty"`

	// publishedRevision is the list revision the village currently holds (S1, S10).
	// 该村（社区）当前持有的清单版本（S1、S10）。
	// +optional
	PublishedRevision int64 `json:"publishedRevision,omitempty"`

	// paperLedgerExempt is true while the village is enrolled on the platform and
	// its tenant is ready: no one may ask it for paper ledgers (S11).
	// 已启用平台且租户就绪时为 true：不得再要求检查纸质台账（S11）。
	// +optional
	PaperLedgerExempt bool `json:"paperLedgerExempt,omitempty"`
}

// Village is one village-level unit (村/社区) of the division registry; the
// operator gives each one a tenant on the smart-village platform (S9).
// 村（社区）：区划登记中的一个村级单位，operator 为其开通智慧村社通租户（S9）。
//
// +kubebuilder:object:root=true
// +kubebuilder:subresource:status
// +kubebuilder:resource:scope=Cluster,shortName=vil,categories=cunshe
// +kubebuilder:printcolumn:name="Code",type=string,JSONPath=`.spec.code`
// +kubebuilder:printcolumn:name="Village",type=string,JSONPath=`.spec.name`
// +kubebuilder:printcolumn:name="County",type=string,JSONPath=`.spec.county.name`
// +kubebuilder:printcolumn:name="Township",type=string,JSONPath=`.spec.township.name`
// +kubebuilder:printcolumn:name="Type",type=string,JSONPath=`.spec.type`
// +kubebuilder:printcolumn:name="Ready",type=string,JSONPath=`.status.conditions[?(@.type=="Ready")].status`
// +kubebuilder:printcolumn:name="Age",type=date,JSONPath=`.metadata.creationTimestamp`
// +kubebuilder:validation:XValidation:rule="self.metadata.name == self.spec.code",message="metadata.name 必须等于 spec.code / metadata.name must equal spec.code"
type Village struct {
	metav1.TypeMeta `json:",inline"`
	// +optional
	metav1.ObjectMeta `json:"metadata,omitempty"`

	// spec is the village as registered.
	// 登记信息。
	// +required
	Spec VillageSpec `json:"spec"`

	// status is written by the operator.
	// 状态，由 operator 写入。
	// +optional
	// +kubebuilder:default={observedGeneration: 0}
	Status VillageStatus `json:"status,omitempty"`
}

// IsEnrolled reports whether the village is on the platform; unset means enrolled (S9).
func (v *Village) IsEnrolled() bool {
	return v.Spec.Platform.Enrolled == nil || *v.Spec.Platform.Enrolled
}

// Identities of a village and its township (DESIGN: actors), shared by the
// tenant's RoleBindings and the admission rules.
const (
	// TenantNamespacePrefix starts every village tenant namespace: village-<code>.
	TenantNamespacePrefix = "village-"
	// VillageGroupPrefix starts the group of a village's cadres: cunshe:village:<code>.
	VillageGroupPrefix = "cunshe:village:"
	// TownshipGroupPrefix starts the group of a township's staff: cunshe:township:<code>.
	TownshipGroupPrefix = "cunshe:township:"
)

// TenantNamespaceName is the name of the village's tenant namespace.
func TenantNamespaceName(code string) string { return TenantNamespacePrefix + code }

// +kubebuilder:object:root=true

// VillageList is a list of Villages.
type VillageList struct {
	metav1.TypeMeta `json:",inline"`
	// +optional
	metav1.ListMeta `json:"metadata,omitempty"`
	Items           []Village `json:"items"`
}

func init() {
	SchemeBuilder.Register(&Village{}, &VillageList{})
}
