package v1alpha1

import metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

// FlowActor is who carries out a step of a micro-power flow (P1), one of
// the constants below, checked by a bilingual CEL rule of FlowStep (a
// schema enum would refuse in English only).
type FlowActor string

const (
	ActorPartyOrganization    FlowActor = "PartyOrganization"    // 村党组织
	ActorVillagersCommittee   FlowActor = "VillagersCommittee"   // 村民委员会
	ActorSupervisionCommittee FlowActor = "SupervisionCommittee" // 村务监督委员会
	ActorVillagersAssembly    FlowActor = "VillagersAssembly"    // 村民（代表）会议
	ActorEconomicCooperative  FlowActor = "EconomicCooperative"  // 村经济合作社
	ActorTownship             FlowActor = "Township"             // 乡镇（街道）
	ActorResidents            FlowActor = "Residents"            // 村民（居民）
)

// ActorNames are the actors' Chinese names, as flowcharts show them.
var ActorNames = map[FlowActor]string{
	ActorPartyOrganization:    "村党组织",
	ActorVillagersCommittee:   "村民委员会",
	ActorSupervisionCommittee: "村务监督委员会",
	ActorVillagersAssembly:    "村民（代表）会议",
	ActorEconomicCooperative:  "村经济合作社",
	ActorTownship:             "乡镇（街道）",
	ActorResidents:            "村民（居民）",
}

// FlowStep is one step of a micro-power flow.
// +kubebuilder:validation:XValidation:rule="has(self.actor)",message="P1 流程步骤须写明执行主体（actor） / a flow step needs its actor",fieldPath=".actor",reason=FieldValueRequired
type FlowStep struct {
	// id names the step within the flow.
	// 步骤编号。
	// +required
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=63
	ID string `json:"id"`

	// name is the step as the flowchart shows it, e.g. 村党组织提议.
	// 步骤名称，如“村党组织提议”。
	// +required
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=128
	Name string `json:"name"`

	// actor carries out the step: PartyOrganization, VillagersCommittee,
	// SupervisionCommittee, VillagersAssembly, EconomicCooperative, Township
	// or Residents. Required.
	// 执行主体：村党组织、村民委员会、村务监督委员会、村民（代表）会议、村经济合作社、乡镇（街道）或村民（居民）。必填。
	// +optional
	// +kubebuilder:validation:XValidation:rule="self in ['PartyOrganization', 'VillagersCommittee', 'SupervisionCommittee', 'VillagersAssembly', 'EconomicCooperative', 'Township', 'Residents']",message="P1 执行主体只能是 PartyOrganization（村党组织）、VillagersCommittee（村民委员会）、SupervisionCommittee（村务监督委员会）、VillagersAssembly（村民（代表）会议）、EconomicCooperative（村经济合作社）、Township（乡镇（街道））或 Residents（村民（居民）） / a step's actor is PartyOrganization, VillagersCommittee, SupervisionCommittee, VillagersAssembly, EconomicCooperative, Township or Residents"
	Actor FlowActor `json:"actor"`

	// publicNotice marks a step that makes something public (公开公示, S10).
	// 是否为公开公示环节（S10）。
	// +optional
	PublicNotice bool `json:"publicNotice,omitempty"`

	// next are the ids of the steps that may follow; a step with none ends the flow.
	// 后续步骤编号；没有后续步骤的为结束步骤。
	// +optional
	// +listType=set
	// +kubebuilder:validation:MaxItems=8
	Next []string `json:"next,omitempty"`
}

// PowerFlowSpec is a micro-power flowchart (P1).
// 小微权力运行流程图（P1）。
type PowerFlowSpec struct {
	// title is the power the flow exercises, e.g. 村级工程项目.
	// 流程名称，如“村级工程项目”。
	// +required
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=128
	Title string `json:"title"`

	// start is the id of the first step.
	// 起始步骤编号。
	// +required
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=63
	Start string `json:"start"`

	// steps are the flow's steps; every one must be reachable from start and
	// reach an end (a step with no next).
	// 流程步骤：每一步都须可由起始步骤到达，并能到达结束步骤。
	// +required
	// +listType=map
	// +listMapKey=id
	// +kubebuilder:validation:MinItems=1
	// +kubebuilder:validation:MaxItems=64
	Steps []FlowStep `json:"steps"`
}

// PowerFlowStatus is written by the operator.
type PowerFlowStatus struct {
	// observedGeneration is the generation this status describes.
	// +optional
	ObservedGeneration int64 `json:"observedGeneration,omitempty"`

	// conditions: Ready when the flow is well-formed.
	// +optional
	// +listType=map
	// +listMapKey=type
	// +kubebuilder:validation:MaxItems=8
	Conditions []metav1.Condition `json:"conditions,omitempty"`
}

// PowerFlow is the flowchart by which a micro-power (L6) is exercised (P1).
// 小微权力运行流程图（P1）。
//
// +kubebuilder:object:root=true
// +kubebuilder:subresource:status
// +kubebuilder:resource:scope=Cluster,shortName=pf,categories=cunshe
// +kubebuilder:printcolumn:name="Title",type=string,JSONPath=`.spec.title`
// +kubebuilder:printcolumn:name="Start",type=string,JSONPath=`.spec.start`
// +kubebuilder:printcolumn:name="Ready",type=string,JSONPath=`.status.conditions[?(@.type=="Ready")].status`
// +kubebuilder:printcolumn:name="Age",type=date,JSONPath=`.metadata.creationTimestamp`
type PowerFlow struct {
	metav1.TypeMeta `json:",inline"`
	// +optional
	metav1.ObjectMeta `json:"metadata,omitempty"`

	// spec is the flow.
	// +required
	Spec PowerFlowSpec `json:"spec"`

	// status is written by the operator.
	// +optional
	// +kubebuilder:default={observedGeneration: 0}
	Status PowerFlowStatus `json:"status,omitempty"`
}

// +kubebuilder:object:root=true

// PowerFlowList is a list of PowerFlows.
type PowerFlowList struct {
	metav1.TypeMeta `json:",inline"`
	// +optional
	metav1.ListMeta `json:"metadata,omitempty"`
	Items           []PowerFlow `json:"items"`
}

func init() {
	SchemeBuilder.Register(&PowerFlow{}, &PowerFlowList{})
}
