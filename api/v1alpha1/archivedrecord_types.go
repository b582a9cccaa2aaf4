package v1alpha1

import (
	"strings"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/types"
)

// LabelArchivedKind labels an ArchivedRecord with the kind it keeps.
const LabelArchivedKind = "governance.cunshe.io/archived-kind"

// ArchivedRecordSpec is a copy of a village's record as it was when its
// tenant went: a report (S8, S19), a unit's decision on one (S8) or a public
// record (S10).
type ArchivedRecordSpec struct {
	// village is the 12-digit code of the village whose tenant held it.
	// 所属村（社区）代码。
	Village string `json:"village"`
	// kind is the record's kind: Report, ReportDecision or Disclosure.
	// 记录类型。
	Kind string `json:"kind"`
	// namespace is the tenant namespace it was in.
	Namespace string `json:"namespace"`
	// name is its name there.
	Name string `json:"name"`
	// uid is its UID: the record of exactly that object.
	UID types.UID `json:"uid"`
	// object is the record as it was, its status included (managed fields
	// left out).
	// 记录原文（含状态）。
	// +kubebuilder:pruning:PreserveUnknownFields
	// +kubebuilder:validation:EmbeddedResource
	Object runtime.RawExtension `json:"object"`
}

// ArchivedRecord keeps a village's report, a decision on one, or a public
// record after the village's tenant is deleted (S8, S10, S19): the village
// controller writes one per record before the records may go with their
// namespace, so deleting a village never leaves its tenant stuck and never
// loses a violation record. Written once by the operator; no role but the
// operator's may create, change or delete one. Named <kind>-<uid>.
// 村（社区）删除时归档的反映、处理意见与公开记录：租户删除前由系统逐条归档，确保违规记录不因村社撤并而灭失。
//
// +kubebuilder:object:root=true
// +kubebuilder:resource:scope=Cluster,shortName=arc,categories=cunshe
// +kubebuilder:printcolumn:name="Village",type=string,JSONPath=`.spec.village`
// +kubebuilder:printcolumn:name="Kind",type=string,JSONPath=`.spec.kind`
// +kubebuilder:printcolumn:name="Record",type=string,JSONPath=`.spec.name`
// +kubebuilder:printcolumn:name="Age",type=date,JSONPath=`.metadata.creationTimestamp`
type ArchivedRecord struct {
	metav1.TypeMeta `json:",inline"`
	// +optional
	metav1.ObjectMeta `json:"metadata,omitempty"`

	Spec ArchivedRecordSpec `json:"spec"`
}

// ArchivedRecordName is the name of the archive of the object of kind with uid.
func ArchivedRecordName(kind string, uid types.UID) string {
	return strings.ToLower(kind) + "-" + string(uid)
}

// +kubebuilder:object:root=true

// ArchivedRecordList is a list of ArchivedRecords.
type ArchivedRecordList struct {
	metav1.TypeMeta `json:",inline"`
	// +optional
	metav1.ListMeta `json:"metadata,omitempty"`
	Items           []ArchivedRecord `json:"items"`
}

func init() {
	SchemeBuilder.Register(&ArchivedRecord{}, &ArchivedRecordList{})
}
