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

// PlatformEnrolment records since when the village keeps its work records
// on the city's smart-village platform 智慧村社通 (S9): a dated fact set by
// the platform team, or by the village's township (S11).
// 智慧村社通平台启用情况（S9）：由平台运维或本乡镇（街道）登记的启用日期。
type PlatformEnrolment struct {
	// enrolledSince is the date (YYYY-MM-DD) from which the village keeps its
	// work records on the platform (掌上留痕). Unset: not enrolled. Set by
	// platform ops, or by staff of the village's own township (group
	// cunshe:township:<code>), who may change nothing else of a village.
	// With a platform record within the city's window it exempts the
	// village from paper ledgers (S11).
	// 在“智慧村社通”平台掌上留痕的起始日期（YYYY-MM-DD）；未填写即未启用。由平台运维或本乡镇（街道）
	// （组 cunshe:township:<代码>）登记，乡镇只能修改此项。启用且在规定天数内有平台留痕记录时免查纸质台账（S11）。
	// +optional
	// +kubebuilder:validation:MaxLength=10
	EnrolledSince string `json:"enrolledSince,omitempty"`

	// enrolled is deprecated and no longer decides anything: enrolment is
	// enrolledSince (docs/api-changes.md, issue 16). It used to default to
	// true, which made every imported village exempt from paper ledgers
	// without evidence.
	// 已弃用，不再起作用：是否启用以 enrolledSince 为准。
	// +optional
	Enrolled *bool `json:"enrolled,omitempty"`
}

// VillageSpec declares one village-level unit (村/社区) of the division registry.
// 村（社区）的登记信息，来自国家统计局区划代码。
// +kubebuilder:validation:XValidation:rule="size(self.code) < 6 || self.county.code == self.code.substring(0, 6)",message="S1 spec.county.code 必须等于 spec.code 的前 6 位 / spec.county.code must be the first 6 digits of spec.code",fieldPath=".county.code"
// +kubebuilder:validation:XValidation:rule="size(self.code) < 9 || self.township.code == self.code.substring(0, 9)",message="S1 spec.township.code 必须等于 spec.code 的前 9 位 / spec.township.code must be the first 9 digits of spec.code",fieldPath=".township.code"
// +kubebuilder:validation:XValidation:rule="has(self.name) && size(self.name.trim()) > 0",message="S1 村（社区）须写明名称（spec.name），如“鼓楼社区” / a village needs its name (spec.name), e.g. 鼓楼社区",fieldPath=".name",reason=FieldValueRequired
// +kubebuilder:validation:XValidation:rule="has(self.type)",message="S1 村（社区）须写明类型（spec.type）：Village（村）或 Community（社区） / a village needs its type (spec.type): Village (村) or Community (社区)",fieldPath=".type",reason=FieldValueRequired
type VillageSpec struct {
	// code is the village's 12-digit statistical division code; it is also the
	// object's name and can never change.
	// 12 位统计用区划代码，同时是对象名称，不可修改。
	// +required
	// +kubebuilder:validation:MaxLength=64
	// +kubebuilder:validation:XValidation:rule="self.matches('^[0-9]{12}$')",message="S1 spec.code 必须是 12 位数字区划代码 / spec.code must be a 12-digit division code"
	// +kubebuilder:validation:XValidation:rule="self == oldSelf",message="S1 spec.code 不可修改 / spec.code is immutable"
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

	// paperLedgerExempt is true while the village is enrolled on the
	// platform, has a platform record within the city's window and its
	// tenant is ready: no one may ask it for paper ledgers (S11). The
	// PaperLedgerExempt condition says why it is or is not.
	// 已启用平台、规定天数内有平台留痕记录且租户就绪时为 true：不得再要求检查纸质台账（S11）。
	// +optional
	PaperLedgerExempt bool `json:"paperLedgerExempt,omitempty"`

	// platform is the evidence the exemption rests on (S9, S11).
	// 免查纸质台账所依据的平台留痕情况（S9、S11）。
	// +optional
	Platform *PlatformRecords `json:"platform,omitempty"`
}

// PlatformRecords is what the operator saw of a village's work on the
// platform (掌上留痕, S9, S11).
// 村（社区）在平台上的留痕情况。
type PlatformRecords struct {
	// enrolledSince is the date the village is enrolled from (spec.platform.enrolledSince).
	// 平台启用日期。
	// +optional
	EnrolledSince string `json:"enrolledSince,omitempty"`
	// lastRecord names the village's latest record on the platform, e.g.
	// Disclosure/finance-2026-q3 (a 三务公开 record of its tenant).
	// 最近一条平台留痕记录，如 Disclosure/finance-2026-q3。
	// +optional
	LastRecord string `json:"lastRecord,omitempty"`
	// lastRecordAt is when that record was made on the platform.
	// 最近一条留痕记录的时间。
	// +optional
	LastRecordAt *metav1.Time `json:"lastRecordAt,omitempty"`
	// recordWithinDays is the city's window: a record at most this many
	// days old keeps the exemption (Jurisdiction spec.paperLedgerExemption).
	// 本市规定的留痕期限（天）。
	// +optional
	RecordWithinDays int32 `json:"recordWithinDays,omitempty"`
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
// +kubebuilder:printcolumn:name="Enrolled-Since",type=string,JSONPath=`.spec.platform.enrolledSince`
// +kubebuilder:printcolumn:name="Last-Record",type=date,JSONPath=`.status.platform.lastRecordAt`,priority=1
// +kubebuilder:printcolumn:name="Paper-Exempt",type=string,JSONPath=`.status.conditions[?(@.type=="PaperLedgerExempt")].status`
// +kubebuilder:printcolumn:name="Ready",type=string,JSONPath=`.status.conditions[?(@.type=="Ready")].status`
// +kubebuilder:printcolumn:name="Age",type=date,JSONPath=`.metadata.creationTimestamp`
// +kubebuilder:validation:XValidation:rule="self.metadata.name == self.spec.code",message="S1 metadata.name 必须等于 spec.code / metadata.name must equal spec.code"
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
