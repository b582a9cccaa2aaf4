package v1alpha1

import metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

// Annotations the admission webhook sets on an ItemApproval from the request;
// a client's own values are overwritten.
const (
	// AnnotationCreatedBy is the user who created the approval.
	AnnotationCreatedBy = "governance.cunshe.io/created-by"
	// AnnotationVerifiedBy is how the approval was proven: Signature or Membership.
	AnnotationVerifiedBy = "governance.cunshe.io/verified-by"
)

// Signature is an Ed25519 signature over the approval's message (see docs/approvals.md).
type Signature struct {
	// keyID names the unit's public key that verifies the signature.
	// 验证签名所用公钥的编号。
	// +required
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=64
	KeyID string `json:"keyID"`

	// value is the base64 of the 64-byte Ed25519 signature.
	// 64 字节 Ed25519 签名的 base64 编码。
	// +required
	// +kubebuilder:validation:MinLength=88
	// +kubebuilder:validation:MaxLength=88
	Value string `json:"value"`
}

// ItemApprovalSpec is one unit's decision on one digest of one item (S5).
// 某联审单位对某事项某一摘要的审核意见（S5）。
type ItemApprovalSpec struct {
	// item is the ListItem's name.
	// 事项名称。
	// +required
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=253
	Item string `json:"item"`

	// digest is the item digest decided on (kubectl cunshe digest ITEM.yaml); a
	// changed item has a new digest and earlier approvals no longer count.
	// 所审核的事项摘要；事项变更后摘要改变，原审核意见失效。
	// +required
	// +kubebuilder:validation:MaxLength=71
	// +kubebuilder:validation:XValidation:rule="self.matches('^sha256:[0-9a-f]{64}$')",message="S5 spec.digest 必须形如 sha256:<64 位十六进制> / spec.digest must look like sha256:<64 hex digits>"
	Digest string `json:"digest"`

	// unit is the ReviewUnit deciding.
	// 审核单位（ReviewUnit 名称）。
	// +required
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=253
	Unit string `json:"unit"`

	// decision is Approve or Reject.
	// 意见：同意（Approve）或不同意（Reject）。
	// +required
	Decision ApprovalDecision `json:"decision"`

	// comment explains the decision.
	// 审核说明。
	// +optional
	// +kubebuilder:validation:MaxLength=2048
	Comment string `json:"comment,omitempty"`

	// signature, when present, proves the decision comes from the unit; without
	// one, only a member of the unit's group may create the approval.
	// 签名：有签名时以公钥验证；无签名时只有本单位成员组的用户可以提交。
	// +optional
	Signature *Signature `json:"signature,omitempty"`
}

// ItemApprovalStatus says whether the approval counts.
type ItemApprovalStatus struct {
	// observedGeneration is the generation this status describes.
	// 本状态对应的版本。
	// +optional
	ObservedGeneration int64 `json:"observedGeneration,omitempty"`

	// conditions: Counted is true while the approval counts for its item's
	// current digest; Ready is true once the operator has weighed it (a void
	// approval is Ready too: recorded, never going to count).
	// 状态条件：审核意见对事项当前摘要有效时 Counted 为 True；operator 审核过即 Ready（已失效的意见也是）。
	// +optional
	// +listType=map
	// +listMapKey=type
	// +kubebuilder:validation:MaxItems=8
	Conditions []metav1.Condition `json:"conditions,omitempty"`
}

// ItemApproval is one review unit's immutable decision on one item digest (S5).
// 联审单位对清单事项的审核意见（S5），提交后不可修改。
//
// +kubebuilder:object:root=true
// +kubebuilder:subresource:status
// +kubebuilder:resource:scope=Cluster,shortName=ia,categories=cunshe
// +kubebuilder:printcolumn:name="Item",type=string,JSONPath=`.spec.item`
// +kubebuilder:printcolumn:name="Unit",type=string,JSONPath=`.spec.unit`
// +kubebuilder:printcolumn:name="Decision",type=string,JSONPath=`.spec.decision`
// +kubebuilder:printcolumn:name="Verified",type=string,JSONPath=`.metadata.annotations.governance\.cunshe\.io/verified-by`
// +kubebuilder:printcolumn:name="Counts",type=string,JSONPath=`.status.conditions[?(@.type=="Counted")].status`
// +kubebuilder:printcolumn:name="Age",type=date,JSONPath=`.metadata.creationTimestamp`
// +kubebuilder:validation:XValidation:rule="!has(oldSelf.spec) || self.spec == oldSelf.spec",message="S5 审核意见提交后不可修改，请另行提交新的审核意见 / S5: an approval is immutable; create a new one instead"
type ItemApproval struct {
	metav1.TypeMeta `json:",inline"`
	// +optional
	metav1.ObjectMeta `json:"metadata,omitempty"`

	// spec is the decision.
	// +required
	Spec ItemApprovalSpec `json:"spec"`

	// status is written by the operator.
	// +optional
	// +kubebuilder:default={observedGeneration: 0}
	Status ItemApprovalStatus `json:"status,omitempty"`
}

// +kubebuilder:object:root=true

// ItemApprovalList is a list of ItemApprovals.
type ItemApprovalList struct {
	metav1.TypeMeta `json:",inline"`
	// +optional
	metav1.ListMeta `json:"metadata,omitempty"`
	Items           []ItemApproval `json:"items"`
}

func init() {
	SchemeBuilder.Register(&ItemApproval{}, &ItemApprovalList{})
}
