package v1alpha1

import metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

// Labels and the finalizer of the emergency records (S6).
const (
	// LabelJurisdiction on a department's namespace names the city (or
	// province) the department belongs to; without it, the default city.
	// With LabelCounty beside it, the department is a county's (县级部门)
	// and answers for that county's villages only.
	LabelJurisdiction = "governance.cunshe.io/jurisdiction"
	// LabelTaskUID on an EmergencyExemption is the UID of the task that
	// claimed it: one record per task, found again by it.
	LabelTaskUID = "governance.cunshe.io/task-uid"
	// FinalizerEmergencyRecord holds an emergency task until its
	// EmergencyExemption exists, so deleting the task at once cannot leave
	// an emergency without a record (and so renew it).
	FinalizerEmergencyRecord = "governance.cunshe.io/emergency-record"
)

// ExemptionPhase is where an emergency exemption stands (S6, S19).
type ExemptionPhase string

const (
	// ExemptionActive: the exemption has not ended.
	ExemptionActive ExemptionPhase = "Active"
	// ExemptionAwaitingRatification: it has ended; the review units have
	// until status.ratifyBy to ratify or reject it.
	ExemptionAwaitingRatification ExemptionPhase = "AwaitingRatification"
	// ExemptionRatified: a review unit ratified it and none rejected it.
	ExemptionRatified ExemptionPhase = "Ratified"
	// ExemptionRejected: a review unit rejected it (S19: counts against the department).
	ExemptionRejected ExemptionPhase = "Rejected"
	// ExemptionUnratified: no unit decided it by status.ratifyBy (S19:
	// counts against the department until one does).
	ExemptionUnratified ExemptionPhase = "Unratified"
)

// TaskRecordRef names the task that claimed an exemption; the task may be
// gone, the record stays.
type TaskRecordRef struct {
	// name is the task's name, in the record's namespace.
	// +required
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=253
	Name string `json:"name"`

	// uid is the task's UID.
	// +required
	// +kubebuilder:validation:MaxLength=64
	UID string `json:"uid"`
}

// EmergencyExemptionSpec is the emergency as it was admitted (S6).
type EmergencyExemptionSpec struct {
	// department is the department that claimed the exemption.
	// 申请豁免的部门。
	// +required
	// +kubebuilder:validation:MaxLength=63
	Department string `json:"department"`

	// jurisdiction is the city whose review units ratify the exemption
	// ("" on a cluster without jurisdictions).
	// 负责追认的联审单位所属的市。
	// +optional
	// +kubebuilder:validation:MaxLength=4
	Jurisdiction string `json:"jurisdiction,omitempty"`

	// task is the task that claimed the exemption.
	// +required
	Task TaskRecordRef `json:"task"`

	// title is the task's title.
	// 任务名称。
	// +optional
	// +kubebuilder:validation:MaxLength=256
	Title string `json:"title,omitempty"`

	// subject is the emergency's subject: one per department, subject and
	// overlapping scope at a time.
	// 紧急事项主题。
	// +optional
	// +kubebuilder:validation:MaxLength=256
	Subject string `json:"subject,omitempty"`

	// category, nature, issuer and justification are the task's.
	// 紧急类别、事件性质、决定人、紧急事由。
	// +optional
	Category EmergencyCategory `json:"category,omitempty"`
	// +optional
	Nature EmergencyNature `json:"nature,omitempty"`
	// +optional
	Issuer *EmergencyIssuer `json:"issuer,omitempty"`
	// +optional
	// +kubebuilder:validation:MaxLength=2048
	Justification string `json:"justification,omitempty"`

	// scope is the villages the exemption reaches: the task's targets.
	// 豁免范围：任务对象。
	// +required
	Scope TaskTargets `json:"scope"`

	// villages counts the villages of the scope when the task was admitted.
	// +optional
	Villages int32 `json:"villages,omitempty"`

	// start is when the exemption began (the task's creation); deleting and
	// recreating the task does not move it.
	// 豁免开始时间（任务创建时间）；删除重建任务不会改变。
	// +required
	Start metav1.Time `json:"start"`

	// expires is when the exemption ends.
	// 豁免截止时间。
	// +required
	Expires metav1.Time `json:"expires"`
}

// EmergencyDecisionRecord is one decision as the exemption's status lists it.
type EmergencyDecisionRecord struct {
	Unit     string           `json:"unit"`
	Outcome  EmergencyOutcome `json:"outcome"`
	Decision string           `json:"decision"`
	// +optional
	By string `json:"by,omitempty"`
	// +optional
	Reason string      `json:"reason,omitempty"`
	At     metav1.Time `json:"at"`
}

// EmergencyExemptionStatus follows the clock and the review units' decisions.
type EmergencyExemptionStatus struct {
	// +optional
	ObservedGeneration int64 `json:"observedGeneration,omitempty"`

	// phase is Active, AwaitingRatification, Ratified, Rejected or Unratified.
	// +optional
	Phase ExemptionPhase `json:"phase,omitempty"`

	// ratifyBy is when the review units' time to decide runs out: expires
	// plus the city's spec.emergency.ratificationDays.
	// 联审单位追认期限。
	// +optional
	RatifyBy *metav1.Time `json:"ratifyBy,omitempty"`

	// decisions lists every decision, oldest first; they stay on record.
	// +optional
	// +kubebuilder:validation:MaxItems=64
	Decisions []EmergencyDecisionRecord `json:"decisions,omitempty"`

	// +optional
	// +listType=map
	// +listMapKey=type
	// +kubebuilder:validation:MaxItems=8
	Conditions []metav1.Condition `json:"conditions,omitempty"`
}

// EmergencyExemption is the durable record of one emergency exemption (S6),
// written by the operator in the department's namespace when an emergency
// task is admitted. It outlives the task: deleting and recreating the task
// does not renew the exemption, and the review units ratify or reject it
// once it has ended (EmergencyDecision); an unratified or rejected one
// counts against the department (S19). Nobody edits or deletes it.
// 紧急豁免记录（S6）：紧急任务准入时由系统在部门命名空间中生成，任务删除后仍保留；
// 豁免结束后由联审单位追认或否决，逾期未追认或被否决的计入部门清理规范情况（S19）。不可修改、不可删除。
//
// +kubebuilder:object:root=true
// +kubebuilder:subresource:status
// +kubebuilder:resource:scope=Namespaced,shortName=emx,categories=cunshe
// +kubebuilder:printcolumn:name="Department",type=string,JSONPath=`.spec.department`
// +kubebuilder:printcolumn:name="Task",type=string,JSONPath=`.spec.task.name`
// +kubebuilder:printcolumn:name="Category",type=string,JSONPath=`.spec.category`
// +kubebuilder:printcolumn:name="Issuer",type=string,JSONPath=`.spec.issuer.level`
// +kubebuilder:printcolumn:name="Expires",type=string,JSONPath=`.spec.expires`
// +kubebuilder:printcolumn:name="Phase",type=string,JSONPath=`.status.phase`
// +kubebuilder:printcolumn:name="Age",type=date,JSONPath=`.metadata.creationTimestamp`
// +kubebuilder:validation:XValidation:rule="!has(oldSelf.spec) || self.spec == oldSelf.spec",message="S6 紧急豁免记录不可修改 / an emergency exemption's record cannot be changed"
type EmergencyExemption struct {
	metav1.TypeMeta `json:",inline"`
	// +optional
	metav1.ObjectMeta `json:"metadata,omitempty"`

	// +required
	Spec EmergencyExemptionSpec `json:"spec"`

	// +optional
	// +kubebuilder:default={observedGeneration: 0}
	Status EmergencyExemptionStatus `json:"status,omitempty"`
}

// +kubebuilder:object:root=true

// EmergencyExemptionList is a list of EmergencyExemptions.
type EmergencyExemptionList struct {
	metav1.TypeMeta `json:",inline"`
	// +optional
	metav1.ListMeta `json:"metadata,omitempty"`
	Items           []EmergencyExemption `json:"items"`
}

// EmergencyOutcome is a review unit's decision on an ended exemption.
type EmergencyOutcome string

const (
	// EmergencyRatified: the emergency was real and handled within its scope.
	EmergencyRatified EmergencyOutcome = "Ratified"
	// EmergencyRejected: it was not an emergency, or it went beyond one.
	EmergencyRejected EmergencyOutcome = "Rejected"
)

// EmergencyDecisionSpec is one review unit's decision on one exemption.
// 联审单位对紧急豁免的追认或否决意见。
// +kubebuilder:validation:XValidation:rule="self.outcome != 'Rejected' || (has(self.reason) && size(self.reason) > 0)",message="S6 否决紧急豁免须写明理由（reason） / rejecting an emergency exemption needs a reason",fieldPath=".reason"
type EmergencyDecisionSpec struct {
	// exemption is the EmergencyExemption's name, in the same namespace.
	// +required
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=253
	Exemption string `json:"exemption"`

	// unit is the ReviewUnit deciding.
	// +required
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=253
	Unit string `json:"unit"`

	// outcome is Ratified or Rejected.
	// 追认（Ratified）或否决（Rejected）。
	// +required
	// +kubebuilder:validation:XValidation:rule="self in ['Ratified', 'Rejected']",message="S6 处理意见须为 Ratified（追认）或 Rejected（否决） / the outcome must be Ratified or Rejected"
	Outcome EmergencyOutcome `json:"outcome"`

	// reason is why; required to reject.
	// 理由；否决时必填。
	// +optional
	// +kubebuilder:validation:MaxLength=4096
	Reason string `json:"reason,omitempty"`
}

// EmergencyDecision is one review unit's immutable decision on an ended
// emergency exemption (S6); only members of the unit's group may create
// one, and it stays on record.
// 联审单位对紧急豁免的追认或否决意见，提交后不可修改、不可删除。
//
// +kubebuilder:object:root=true
// +kubebuilder:resource:scope=Namespaced,shortName=emdec,categories=cunshe
// +kubebuilder:printcolumn:name="Exemption",type=string,JSONPath=`.spec.exemption`
// +kubebuilder:printcolumn:name="Unit",type=string,JSONPath=`.spec.unit`
// +kubebuilder:printcolumn:name="Outcome",type=string,JSONPath=`.spec.outcome`
// +kubebuilder:printcolumn:name="By",type=string,JSONPath=`.metadata.annotations.governance\.cunshe\.io/created-by`
// +kubebuilder:printcolumn:name="Age",type=date,JSONPath=`.metadata.creationTimestamp`
// +kubebuilder:validation:XValidation:rule="!has(oldSelf.spec) || self.spec == oldSelf.spec",message="S6 追认或否决意见提交后不可修改，请另行提交新的意见 / a decision on an exemption is immutable; create a new one instead"
type EmergencyDecision struct {
	metav1.TypeMeta `json:",inline"`
	// +optional
	metav1.ObjectMeta `json:"metadata,omitempty"`

	// +required
	Spec EmergencyDecisionSpec `json:"spec"`
}

// +kubebuilder:object:root=true

// EmergencyDecisionList is a list of EmergencyDecisions.
type EmergencyDecisionList struct {
	metav1.TypeMeta `json:",inline"`
	// +optional
	metav1.ListMeta `json:"metadata,omitempty"`
	Items           []EmergencyDecision `json:"items"`
}

func init() {
	SchemeBuilder.Register(&EmergencyExemption{}, &EmergencyExemptionList{}, &EmergencyDecision{}, &EmergencyDecisionList{})
}
