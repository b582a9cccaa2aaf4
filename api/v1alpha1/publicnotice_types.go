package v1alpha1

import metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

// PublicNoticeKind is what a public notice announces.
// +kubebuilder:validation:Enum=ReportUpheld;CleanupIncomplete
type PublicNoticeKind string

const (
	// NoticeReportUpheld: a village's report was upheld; the department is
	// named (通报, S8, S19).
	NoticeReportUpheld PublicNoticeKind = "ReportUpheld"
	// NoticeCleanupIncomplete: a unit still asks villages for work off the
	// lists after clean-up (S7, S18, S19).
	NoticeCleanupIncomplete PublicNoticeKind = "CleanupIncomplete"
)

// NoticeSource names the object a notice was issued for.
type NoticeSource struct {
	// kind is Report or DepartmentCompliance.
	// +required
	// +kubebuilder:validation:MaxLength=64
	Kind string `json:"kind"`
	// namespace of the source; empty for a cluster-scoped one.
	// +optional
	// +kubebuilder:validation:MaxLength=63
	Namespace string `json:"namespace,omitempty"`
	// name of the source.
	// +required
	// +kubebuilder:validation:MaxLength=253
	Name string `json:"name"`
}

// NoticeWithdrawal records a review unit withdrawing a notice.
type NoticeWithdrawal struct {
	// unit is the review unit that withdraws the notice.
	// 撤回通报的联审单位。
	// +required
	// +kubebuilder:validation:MaxLength=63
	Unit string `json:"unit"`
	// reason says why (the department corrected it, a decision was reviewed).
	// 撤回理由。
	// +required
	// +kubebuilder:validation:MaxLength=2048
	Reason string `json:"reason"`
	// by is who withdrew it, recorded by admission.
	// +optional
	// +kubebuilder:validation:MaxLength=253
	By string `json:"by,omitempty"`
}

// PublicNoticeSpec is a public notice (通报) naming a department or county:
// issued by the operator when a report is upheld or clean-up is found
// incomplete, shown on the portal until a review unit withdraws it.
// 公开通报：村（社区）反映经认定属实、或清理不到位时点名通报的部门或县（市、区），撤回前持续公开。
type PublicNoticeSpec struct {
	// kind is ReportUpheld or CleanupIncomplete.
	// 通报类别。
	// +required
	Kind PublicNoticeKind `json:"kind"`

	// rule is the notice's rule ID (S8, S18, S19).
	// 所依据的规则编号。
	// +required
	// +kubebuilder:validation:MaxLength=8
	Rule string `json:"rule"`

	// jurisdiction is the city of the notice; empty for the default city.
	// +optional
	// +kubebuilder:validation:MaxLength=4
	Jurisdiction string `json:"jurisdiction,omitempty"`

	// department is the id of the department named.
	// 被通报的部门。
	// +optional
	// +kubebuilder:validation:MaxLength=63
	Department string `json:"department,omitempty"`

	// county is the code of the county named (S18), if a county is.
	// 被通报的县（市、区）。
	// +optional
	// +kubebuilder:validation:MaxLength=6
	County string `json:"county,omitempty"`

	// villages are the codes of the villages the notice concerns; their
	// pages show it.
	// 通报所涉村（社区）。
	// +optional
	// +listType=set
	// +kubebuilder:validation:MaxItems=12000
	Villages []string `json:"villages,omitempty"`

	// title is the notice's heading.
	// +required
	// +kubebuilder:validation:MaxLength=512
	Title string `json:"title"`

	// text is the notice.
	// +required
	// +kubebuilder:validation:MaxLength=8192
	Text string `json:"text"`

	// source is what the notice was issued for.
	// +optional
	Source *NoticeSource `json:"source,omitempty"`

	// withdrawal, once set by a review unit, ends the notice; it stays on record.
	// 撤回记录：联审单位撤回后通报不再公开展示，但记录保留。
	// +optional
	Withdrawal *NoticeWithdrawal `json:"withdrawal,omitempty"`
}

// PublicNoticeStatus says whether a notice is in force.
type PublicNoticeStatus struct {
	// +optional
	ObservedGeneration int64 `json:"observedGeneration,omitempty"`
	// active is true until the notice is withdrawn.
	// +optional
	Active bool `json:"active,omitempty"`
	// +optional
	// +listType=map
	// +listMapKey=type
	// +kubebuilder:validation:MaxItems=8
	Conditions []metav1.Condition `json:"conditions,omitempty"`
}

// PublicNotice is a durable public notice (通报, S8, S19): Events expire
// within hours, a notice stays on the portal until a review unit withdraws it.
// 公开通报（S8、S19），撤回前在公开页面持续展示。
//
// +kubebuilder:object:root=true
// +kubebuilder:subresource:status
// +kubebuilder:resource:scope=Cluster,shortName=pn,categories=cunshe
// +kubebuilder:printcolumn:name="Kind",type=string,JSONPath=`.spec.kind`
// +kubebuilder:printcolumn:name="Department",type=string,JSONPath=`.spec.department`
// +kubebuilder:printcolumn:name="Rule",type=string,JSONPath=`.spec.rule`
// +kubebuilder:printcolumn:name="Withdrawn-By",type=string,JSONPath=`.spec.withdrawal.unit`
// +kubebuilder:printcolumn:name="Title",type=string,JSONPath=`.spec.title`,priority=1
// +kubebuilder:printcolumn:name="Age",type=date,JSONPath=`.metadata.creationTimestamp`
type PublicNotice struct {
	metav1.TypeMeta `json:",inline"`
	// +optional
	metav1.ObjectMeta `json:"metadata,omitempty"`
	// +required
	Spec PublicNoticeSpec `json:"spec"`
	// +optional
	// +kubebuilder:default={observedGeneration: 0}
	Status PublicNoticeStatus `json:"status,omitempty"`
}

// Withdrawn reports whether a review unit withdrew the notice.
func (n *PublicNotice) Withdrawn() bool { return n.Spec.Withdrawal != nil }

// +kubebuilder:object:root=true

// PublicNoticeList is a list of PublicNotices.
type PublicNoticeList struct {
	metav1.TypeMeta `json:",inline"`
	// +optional
	metav1.ListMeta `json:"metadata,omitempty"`
	Items           []PublicNotice `json:"items"`
}

func init() {
	SchemeBuilder.Register(&PublicNotice{}, &PublicNoticeList{})
}
