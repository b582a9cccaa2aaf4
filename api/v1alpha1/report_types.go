package v1alpha1

import metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

// ReportReason is why a village refuses and reports (S8).
// +kubebuilder:validation:Enum=NotListed;ScopeEnlarged;DutyShifted;WallPosting;PaperLedger;Other
type ReportReason string

const (
	ReportReasonNotListed     ReportReason = "NotListed"
	ReportReasonScopeEnlarged ReportReason = "ScopeEnlarged"
	ReportReasonDutyShifted   ReportReason = "DutyShifted"
	ReportReasonWallPosting   ReportReason = "WallPosting"
	ReportReasonPaperLedger   ReportReason = "PaperLedger"
	ReportReasonOther         ReportReason = "Other"
)

// TaskReference names a Task in a department's namespace.
type TaskReference struct {
	// namespace is the department's namespace.
	// +required
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=63
	Namespace string `json:"namespace"`

	// name is the Task's name.
	// +required
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=253
	Name string `json:"name"`
}

// Demand describes work asked of the village outside any Task object (an
// unlisted demand by phone, message or visit).
type Demand struct {
	// department is the id of the department that made the demand.
	// 提出要求的部门编号。
	// +required
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=63
	Department string `json:"department"`

	// description says what was asked.
	// 所提要求。
	// +required
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=2048
	Description string `json:"description"`

	// date is when it was asked, YYYY-MM-DD.
	// +optional
	// +kubebuilder:validation:Pattern=`^[0-9]{4}-[0-9]{2}-[0-9]{2}$`
	Date string `json:"date,omitempty"`
}

// ReportSpec is a village's refusal and report (S8).
// 村（社区）拒绝并向联审单位反映的事项（S8）。
// +kubebuilder:validation:XValidation:rule="has(self.taskRef) != has(self.demand)",message="S8 须且只能填写 taskRef（所拒绝的任务）或 demand（清单外要求）之一 / S8: a report names either taskRef (the task refused) or demand (an unlisted demand), not both"
type ReportSpec struct {
	// reason is NotListed, ScopeEnlarged, DutyShifted, WallPosting, PaperLedger or Other.
	// 反映事由。
	// +required
	Reason ReportReason `json:"reason"`

	// taskRef is the Task the village refuses.
	// +optional
	TaskRef *TaskReference `json:"taskRef,omitempty"`

	// demand is an unlisted demand made outside any Task.
	// +optional
	Demand *Demand `json:"demand,omitempty"`

	// details is the village's account.
	// 具体情况。
	// +optional
	// +kubebuilder:validation:MaxLength=4096
	Details string `json:"details,omitempty"`
}

// ReportPhase follows the report's latest decision.
// +kubebuilder:validation:Enum=Filed;Investigating;Upheld;Dismissed
type ReportPhase string

const (
	ReportFiled         ReportPhase = "Filed"
	ReportInvestigating ReportPhase = "Investigating"
	ReportUpheld        ReportPhase = "Upheld"
	ReportDismissed     ReportPhase = "Dismissed"
)

// IsOpen reports whether the report still awaits an outcome.
func (p ReportPhase) IsOpen() bool { return p == "" || p == ReportFiled || p == ReportInvestigating }

// ReportDecisionRecord is one decision as the report's status lists it.
type ReportDecisionRecord struct {
	Unit     string          `json:"unit"`
	Outcome  DecisionOutcome `json:"outcome"`
	Decision string          `json:"decision"`
	// +optional
	By string      `json:"by,omitempty"`
	At metav1.Time `json:"at"`
}

// ReportStatus follows the decisions.
type ReportStatus struct {
	// +optional
	ObservedGeneration int64 `json:"observedGeneration,omitempty"`

	// phase is Filed, Investigating, Upheld or Dismissed: the latest decision's outcome.
	// +optional
	Phase ReportPhase `json:"phase,omitempty"`

	// department is the department reported (the task's namespace label, or the demand's).
	// +optional
	Department string `json:"department,omitempty"`

	// findings are the latest decision's findings.
	// +optional
	Findings string `json:"findings,omitempty"`

	// decisions lists every decision, oldest first; they stay on record.
	// +optional
	// +kubebuilder:validation:MaxItems=64
	Decisions []ReportDecisionRecord `json:"decisions,omitempty"`

	// +optional
	// +listType=map
	// +listMapKey=type
	// +kubebuilder:validation:MaxItems=8
	Conditions []metav1.Condition `json:"conditions,omitempty"`
}

// Report is a village's refusal and report of a task or an unlisted demand
// (S8), filed in its own tenant namespace and decided by review units. Its
// resource is villagereports (kubectl get villagereports, or rpt): the
// namespaced reports of OpenReports (openreports.io), which Policy Reporter
// reads, share the name reports.
// 村（社区）的拒绝与反映（S8）。资源名为 villagereports（kubectl get villagereports）。
//
// +kubebuilder:object:root=true
// +kubebuilder:subresource:status
// +kubebuilder:resource:path=villagereports,singular=villagereport,scope=Namespaced,shortName=rpt,categories=cunshe
// +kubebuilder:printcolumn:name="Reason",type=string,JSONPath=`.spec.reason`
// +kubebuilder:printcolumn:name="Task",type=string,JSONPath=`.spec.taskRef.name`
// +kubebuilder:printcolumn:name="Department",type=string,JSONPath=`.status.department`
// +kubebuilder:printcolumn:name="Phase",type=string,JSONPath=`.status.phase`
// +kubebuilder:printcolumn:name="Age",type=date,JSONPath=`.metadata.creationTimestamp`
type Report struct {
	metav1.TypeMeta `json:",inline"`
	// +optional
	metav1.ObjectMeta `json:"metadata,omitempty"`

	// +required
	Spec ReportSpec `json:"spec"`

	// +optional
	// +kubebuilder:default={observedGeneration: 0}
	Status ReportStatus `json:"status,omitempty"`
}

// +kubebuilder:object:root=true

// ReportList is a list of Reports.
type ReportList struct {
	metav1.TypeMeta `json:",inline"`
	// +optional
	metav1.ListMeta `json:"metadata,omitempty"`
	Items           []Report `json:"items"`
}

// DecisionOutcome is a review unit's decision on a report.
// +kubebuilder:validation:Enum=Investigating;Upheld;Dismissed
type DecisionOutcome string

const (
	OutcomeInvestigating DecisionOutcome = "Investigating"
	OutcomeUpheld        DecisionOutcome = "Upheld"
	OutcomeDismissed     DecisionOutcome = "Dismissed"
)

// ReportDecisionSpec is one review unit's decision on one report.
// 联审单位对村（社区）反映事项的处理意见。
// +kubebuilder:validation:XValidation:rule="self.outcome == 'Investigating' || size(self.findings) > 0",message="S8 认定属实或不属实须写明调查结论（findings） / S8: an Upheld or Dismissed decision needs findings"
type ReportDecisionSpec struct {
	// report is the Report's name, in the same namespace.
	// +required
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=253
	Report string `json:"report"`

	// unit is the ReviewUnit deciding.
	// +required
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=253
	Unit string `json:"unit"`

	// outcome is Investigating, Upheld or Dismissed.
	// +required
	Outcome DecisionOutcome `json:"outcome"`

	// findings are what the unit found.
	// +optional
	// +kubebuilder:validation:MaxLength=4096
	Findings string `json:"findings,omitempty"`
}

// ReportDecision is one review unit's immutable decision on a report (S8);
// only members of the unit's group may create one.
// 联审单位对反映事项的处理意见，提交后不可修改。
//
// +kubebuilder:object:root=true
// +kubebuilder:resource:scope=Namespaced,shortName=rdec,categories=cunshe
// +kubebuilder:printcolumn:name="Report",type=string,JSONPath=`.spec.report`
// +kubebuilder:printcolumn:name="Unit",type=string,JSONPath=`.spec.unit`
// +kubebuilder:printcolumn:name="Outcome",type=string,JSONPath=`.spec.outcome`
// +kubebuilder:printcolumn:name="By",type=string,JSONPath=`.metadata.annotations.governance\.cunshe\.io/created-by`
// +kubebuilder:printcolumn:name="Age",type=date,JSONPath=`.metadata.creationTimestamp`
// +kubebuilder:validation:XValidation:rule="!has(oldSelf.spec) || self.spec == oldSelf.spec",message="S8 处理意见提交后不可修改，请另行提交新的处理意见 / S8: a decision is immutable; create a new one instead"
type ReportDecision struct {
	metav1.TypeMeta `json:",inline"`
	// +optional
	metav1.ObjectMeta `json:"metadata,omitempty"`

	// +required
	Spec ReportDecisionSpec `json:"spec"`
}

// +kubebuilder:object:root=true

// ReportDecisionList is a list of ReportDecisions.
type ReportDecisionList struct {
	metav1.TypeMeta `json:",inline"`
	// +optional
	metav1.ListMeta `json:"metadata,omitempty"`
	Items           []ReportDecision `json:"items"`
}

func init() {
	SchemeBuilder.Register(&Report{}, &ReportList{}, &ReportDecision{}, &ReportDecisionList{})
}
