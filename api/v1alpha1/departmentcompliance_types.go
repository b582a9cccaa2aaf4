package v1alpha1

import metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

// ComplianceFinding is one finding of the summary's capped detail.
type ComplianceFinding struct {
	// task is namespace/name of the task, or of the report for a demand.
	Object string `json:"object"`
	// kind is NonCompliant, Violation, Emergency, UnratifiedEmergency or RejectedEmergency.
	Kind string `json:"kind"`
	// message cites the rule.
	Message string `json:"message"`
}

// ReportCounts counts a department's reports by phase (S8).
type ReportCounts struct {
	// +optional
	Open int32 `json:"open"`
	// +optional
	Upheld int32 `json:"upheld"`
	// +optional
	// +optional
	Dismissed int32 `json:"dismissed"`
}

// DepartmentComplianceStatus is a department's standing (S7, S19).
type DepartmentComplianceStatus struct {
	// observedGeneration is the generation this status describes.
	// +optional
	ObservedGeneration int64 `json:"observedGeneration,omitempty"`
	// tasks counts the department's tasks.
	// +optional
	Tasks int32 `json:"tasks"`
	// admitted counts tasks that meet the lists.
	// +optional
	Admitted int32 `json:"admitted"`
	// nonCompliant counts tasks the audit found off the lists (S7 clean-up).
	// +optional
	NonCompliant int32 `json:"nonCompliant"`
	// violations counts tasks with an upheld report (S19).
	// +optional
	Violations int32 `json:"violations"`
	// emergencies counts emergency tasks still in force (S6).
	// +optional
	Emergencies int32 `json:"emergencies"`
	// expired counts emergency tasks whose exemption ended.
	// +optional
	Expired int32 `json:"expired"`
	// unratifiedEmergencies counts the department's emergency exemptions
	// that ended and that no review unit ratified in the city's time (S6, S19).
	// 逾期未经联审单位追认的紧急豁免数（S6、S19）。
	// +optional
	UnratifiedEmergencies int32 `json:"unratifiedEmergencies"`
	// rejectedEmergencies counts exemptions a review unit rejected (S6, S19).
	// 被联审单位否决的紧急豁免数（S6、S19）。
	// +optional
	RejectedEmergencies int32 `json:"rejectedEmergencies"`
	// reports counts the villages' reports against the department.
	// +optional
	Reports ReportCounts `json:"reports"`
	// rectification is the department against its city's deadline (S18);
	// absent when the city sets none.
	// +optional
	Rectification *Rectification `json:"rectification"`
	// findings is the detail, capped at 50; truncated says more exist.
	// +optional
	// +kubebuilder:validation:MaxItems=50
	Findings []ComplianceFinding `json:"findings"`
	// truncated is true when findings were capped.
	// +optional
	Truncated bool `json:"truncated"`
	// +optional
	// +listType=map
	// +listMapKey=type
	// +kubebuilder:validation:MaxItems=8
	Conditions []metav1.Condition `json:"conditions,omitempty"`
}

// DepartmentCompliance is a department's compliance summary (S7, S19),
// written by the operator: one object per department (its name is the
// department id), never one per finding.
// 部门清理规范情况汇总（S7、S19），由系统维护。
//
// +kubebuilder:object:root=true
// +kubebuilder:subresource:status
// +kubebuilder:resource:scope=Cluster,shortName=dc,categories=cunshe
// +kubebuilder:printcolumn:name="Tasks",type=integer,JSONPath=`.status.tasks`
// +kubebuilder:printcolumn:name="NonCompliant",type=integer,JSONPath=`.status.nonCompliant`
// +kubebuilder:printcolumn:name="Violations",type=integer,JSONPath=`.status.violations`
// +kubebuilder:printcolumn:name="Emergencies",type=integer,JSONPath=`.status.emergencies`
// +kubebuilder:printcolumn:name="Unratified",type=integer,JSONPath=`.status.unratifiedEmergencies`,priority=1
// +kubebuilder:printcolumn:name="Rejected",type=integer,JSONPath=`.status.rejectedEmergencies`,priority=1
// +kubebuilder:printcolumn:name="Upheld",type=integer,JSONPath=`.status.reports.upheld`
// +kubebuilder:printcolumn:name="Open",type=integer,JSONPath=`.status.reports.open`
// +kubebuilder:printcolumn:name="Named",type=boolean,JSONPath=`.status.rectification.named`
type DepartmentCompliance struct {
	metav1.TypeMeta `json:",inline"`
	// +optional
	metav1.ObjectMeta `json:"metadata,omitempty"`

	// +optional
	// +kubebuilder:default={observedGeneration: 0}
	Status DepartmentComplianceStatus `json:"status,omitempty"`
}

// +kubebuilder:object:root=true

// DepartmentComplianceList is a list of DepartmentCompliances.
type DepartmentComplianceList struct {
	metav1.TypeMeta `json:",inline"`
	// +optional
	metav1.ListMeta `json:"metadata,omitempty"`
	Items           []DepartmentCompliance `json:"items"`
}

func init() {
	SchemeBuilder.Register(&DepartmentCompliance{}, &DepartmentComplianceList{})
}
