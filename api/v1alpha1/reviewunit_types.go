package v1alpha1

import metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

// PublicKey is one Ed25519 verification key of a review unit.
// 联审单位的一把 Ed25519 公钥。
type PublicKey struct {
	// id names the key; signed approvals cite it in signature.keyID.
	// 公钥编号；签名审核意见在 signature.keyID 中引用它。
	// +required
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=64
	ID string `json:"id"`

	// ed25519 is the base64 (standard encoding) of the 32-byte public key.
	// 32 字节 Ed25519 公钥的 base64 编码。
	// +required
	// +kubebuilder:validation:MinLength=44
	// +kubebuilder:validation:MaxLength=44
	Ed25519 string `json:"ed25519"`
}

// ReviewUnitSpec declares one of the joint review units (S5).
// 联审单位（S5）。
type ReviewUnitSpec struct {
	// displayName is the unit's name as people know it, e.g. 市民政局.
	// 单位名称，如“市民政局”。
	// +required
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=64
	DisplayName string `json:"displayName"`

	// group is the user group whose members may approve without a signature,
	// e.g. cunshe:unit:mzj.
	// 成员组：组内成员可不签名直接提交审核意见，如 cunshe:unit:mzj。
	// +required
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=128
	Group string `json:"group"`

	// required says whether every list item needs this unit's approval (S5: all four must agree).
	// 是否为必需审核单位（S5：四家联审单位须全部同意）。
	// +optional
	// +kubebuilder:default=true
	Required *bool `json:"required,omitempty"`

	// publicKeys verify the unit's signed approvals, so a GitOps bot can apply
	// approvals it cannot forge.
	// 用于验证本单位签名审核意见的公钥；GitOps 机器人只能提交、无法伪造审核意见。
	// +optional
	// +listType=map
	// +listMapKey=id
	// +kubebuilder:validation:MaxItems=8
	PublicKeys []PublicKey `json:"publicKeys,omitempty"`

	// jurisdiction is the code of the city or province whose items the unit reviews it belongs to: 4 digits for a city
	// (3303), 2 for a province (33). Empty means the default jurisdiction (the one
	// marked spec.default), so objects made before jurisdictions existed keep
	// their meaning.
	// 所属辖区代码：市 4 位（3303），省 2 位（33）。为空表示默认辖区（spec.default 为真者），
	// 引入辖区之前创建的对象含义不变。
	// +optional
	// +kubebuilder:validation:XValidation:rule="self.matches('^([0-9]{2}|[0-9]{4})$')",message="S1 jurisdiction 须为 2 位（省）或 4 位（市）区划代码 / jurisdiction must be a 2-digit (province) or 4-digit (city) code"
	// +kubebuilder:validation:XValidation:rule="self == oldSelf",message="S1 jurisdiction 不可修改 / jurisdiction is immutable"
	Jurisdiction string `json:"jurisdiction,omitempty"`
}

// ReviewUnitStatus is written by the operator.
type ReviewUnitStatus struct {
	// observedGeneration is the generation this status describes.
	// +optional
	ObservedGeneration int64 `json:"observedGeneration,omitempty"`

	// conditions: Ready when the unit's keys are usable.
	// 状态条件：公钥可用时 Ready。
	// +optional
	// +listType=map
	// +listMapKey=type
	// +kubebuilder:validation:MaxItems=8
	Conditions []metav1.Condition `json:"conditions,omitempty"`
}

// ReviewUnit is one of the joint review units whose approval a list item
// needs (S5): 市纪委市监委, 市委组织部, 市民政局, 市农业农村局.
// 联审单位（S5）：市纪委市监委、市委组织部、市民政局、市农业农村局。
//
// +kubebuilder:object:root=true
// +kubebuilder:subresource:status
// +kubebuilder:resource:scope=Cluster,shortName=ru,categories=cunshe
// +kubebuilder:printcolumn:name="Unit",type=string,JSONPath=`.spec.displayName`
// +kubebuilder:printcolumn:name="Group",type=string,JSONPath=`.spec.group`
// +kubebuilder:printcolumn:name="Required",type=boolean,JSONPath=`.spec.required`
// +kubebuilder:printcolumn:name="Ready",type=string,JSONPath=`.status.conditions[?(@.type=="Ready")].status`
// +kubebuilder:printcolumn:name="Age",type=date,JSONPath=`.metadata.creationTimestamp`
type ReviewUnit struct {
	metav1.TypeMeta `json:",inline"`
	// +optional
	metav1.ObjectMeta `json:"metadata,omitempty"`

	// spec declares the unit.
	// +required
	Spec ReviewUnitSpec `json:"spec"`

	// status is written by the operator.
	// +optional
	// +kubebuilder:default={observedGeneration: 0}
	Status ReviewUnitStatus `json:"status,omitempty"`
}

// IsRequired reports whether items need this unit's approval; unset means required.
func (u *ReviewUnit) IsRequired() bool { return u.Spec.Required == nil || *u.Spec.Required }

// +kubebuilder:object:root=true

// ReviewUnitList is a list of ReviewUnits.
type ReviewUnitList struct {
	metav1.TypeMeta `json:",inline"`
	// +optional
	metav1.ListMeta `json:"metadata,omitempty"`
	Items           []ReviewUnit `json:"items"`
}

func init() {
	SchemeBuilder.Register(&ReviewUnit{}, &ReviewUnitList{})
}
