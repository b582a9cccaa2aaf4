package v1alpha1

import metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

// Rectification is where a county or department stands against the city's
// year-end rectification deadline (S18): the work that remains, the days
// left, and, once the deadline has passed with work remaining, that it is
// named (S19).
type Rectification struct {
	// deadline is the city's rectificationDeadline (YYYY-MM-DD).
	Deadline string `json:"deadline"`
	// remaining counts what is still to rectify: tasks off the lists,
	// open reports and, for a county, its items pending clean-up.
	// +optional
	Remaining int32 `json:"remaining"`
	// daysLeft until the deadline (negative once past).
	// +optional
	DaysLeft int32 `json:"daysLeft"`
	// named is true once the deadline passed with work remaining (S19).
	// +optional
	Named bool `json:"named"`
}

// CountyComplianceStatus is a county's standing (S18, S19).
type CountyComplianceStatus struct {
	// observedGeneration is the generation this status describes.
	// +optional
	ObservedGeneration int64 `json:"observedGeneration,omitempty"`
	// tasks counts the tasks that reach the county's villages.
	// +optional
	Tasks int32 `json:"tasks"`
	// nonCompliant counts those the audit found off the lists (S7, S18).
	// +optional
	NonCompliant int32 `json:"nonCompliant"`
	// violations counts those with an upheld report (S19).
	// +optional
	Violations int32 `json:"violations"`
	// pendingItems counts items the county applied for that await the joint
	// review, or were rejected and not withdrawn (clean-up, S18).
	// +optional
	PendingItems int32 `json:"pendingItems"`
	// reports counts the reports filed by the county's villages.
	// +optional
	Reports ReportCounts `json:"reports"`
	// rectification is the county against the city's deadline (S18); absent
	// when the city sets none.
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

// CountyCompliance is a county's (县（市、区）) rectification summary (S18,
// S19), written by the operator: one object per county, named by its
// 6-digit code.
// 县（市、区）整改情况汇总（S18、S19），由系统维护。
//
// The summaries are written as a whole-status merge patch, so their optional
// fields carry no omitempty: a finding that went away is written as null
// and removed, not left behind.
//
// +kubebuilder:object:root=true
// +kubebuilder:subresource:status
// +kubebuilder:resource:scope=Cluster,shortName=cc,categories=cunshe
// +kubebuilder:printcolumn:name="Tasks",type=integer,JSONPath=`.status.tasks`
// +kubebuilder:printcolumn:name="NonCompliant",type=integer,JSONPath=`.status.nonCompliant`
// +kubebuilder:printcolumn:name="PendingItems",type=integer,JSONPath=`.status.pendingItems`
// +kubebuilder:printcolumn:name="OpenReports",type=integer,JSONPath=`.status.reports.open`
// +kubebuilder:printcolumn:name="Remaining",type=integer,JSONPath=`.status.rectification.remaining`
// +kubebuilder:printcolumn:name="DaysLeft",type=integer,JSONPath=`.status.rectification.daysLeft`
// +kubebuilder:printcolumn:name="Named",type=boolean,JSONPath=`.status.rectification.named`
type CountyCompliance struct {
	metav1.TypeMeta `json:",inline"`
	// +optional
	metav1.ObjectMeta `json:"metadata,omitempty"`

	// +optional
	// +kubebuilder:default={observedGeneration: 0}
	Status CountyComplianceStatus `json:"status,omitempty"`
}

// +kubebuilder:object:root=true

// CountyComplianceList is a list of CountyCompliances.
type CountyComplianceList struct {
	metav1.TypeMeta `json:",inline"`
	// +optional
	metav1.ListMeta `json:"metadata,omitempty"`
	Items           []CountyCompliance `json:"items"`
}

func init() {
	SchemeBuilder.Register(&CountyCompliance{}, &CountyComplianceList{})
}
