package v1alpha1

import metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

// Annotations the CLI sets to drive a rollout (as kubectl argo rollouts does).
const (
	// AnnotationPromote releases the pause the rollout waits at; its value is
	// any new token (the CLI writes a timestamp).
	AnnotationPromote = "governance.cunshe.io/promote"
	// AnnotationAbort holds the rollout where it is while "true".
	AnnotationAbort = "governance.cunshe.io/abort"
)

// RolloutPause waits until promoted, or for a duration.
type RolloutPause struct {
	// duration, when set, ends the pause by itself, e.g. 1h; without it the
	// rollout waits for `kubectl cunshe rollout promote`.
	// 暂停时长；不填则等待人工放行（kubectl cunshe rollout promote）。
	// +optional
	Duration *metav1.Duration `json:"duration,omitempty"`
}

// RolloutStep is one step of a rollout: exactly one of counties, percent, pause.
// +kubebuilder:validation:XValidation:rule="[has(self.counties), has(self.percent), has(self.pause)].filter(x, x).size() == 1",message="S1 每一步须且只能设置 counties、percent、pause 之一 / each step sets exactly one of counties, percent, pause"
type RolloutStep struct {
	// counties adds every village of these counties (6-digit codes).
	// 本步新增的县（市、区）。
	// +optional
	// +listType=set
	// +kubebuilder:validation:MaxItems=256
	Counties []string `json:"counties,omitempty"`

	// percent brings the share of villages holding the revision to at least this.
	// 本步完成后持有新版本的村社比例下限。
	// +optional
	// +kubebuilder:validation:Minimum=1
	// +kubebuilder:validation:Maximum=100
	Percent *int32 `json:"percent,omitempty"`

	// pause waits for a promotion or a duration.
	// 暂停，等待放行或到时。
	// +optional
	Pause *RolloutPause `json:"pause,omitempty"`
}

// ListRolloutSpec says how a revision reaches the villages.
// 清单发布计划：新版本如何分步下发到各村（社区）。
type ListRolloutSpec struct {
	// jurisdiction is the 4-digit code of the city whose villages the rollout
	// moves (3303 温州市); its steps may name that city's counties only. Empty
	// means the default city. One rollout per city drives its villages.
	// 本发布计划所属市的 4 位代码（3303 温州市），步骤只能列本市的县（市、区）；为空表示默认市。
	// 每个市同一时间只有一个发布计划推进。
	// +optional
	// +kubebuilder:validation:XValidation:rule="self.matches('^[0-9]{4}$')",message="S1 发布计划的 jurisdiction 须为 4 位市级代码 / a rollout's jurisdiction is a 4-digit city code"
	// +kubebuilder:validation:XValidation:rule="self == oldSelf",message="S1 jurisdiction 不可修改 / jurisdiction is immutable"
	Jurisdiction string `json:"jurisdiction,omitempty"`

	// revision pins the revision to roll out; 0 follows the latest.
	// 发布的版本号；0 表示始终跟随最新版本。
	// +optional
	// +kubebuilder:validation:Minimum=0
	Revision int64 `json:"revision,omitempty"`

	// steps run in order; after the last, every village holds the revision.
	// 发布步骤，依次执行；最后一步之后全部村社持有该版本。
	// +optional
	// +kubebuilder:validation:MaxItems=32
	Steps []RolloutStep `json:"steps,omitempty"`
}

// CountyProgress counts one county's villages.
type CountyProgress struct {
	Code    string `json:"code"`
	Updated int32  `json:"updated"`
	Total   int32  `json:"total"`
}

// AwaitedItem is an item whose change a rollout has still to publish.
type AwaitedItem struct {
	// name is the ListItem's name.
	// +required
	// +kubebuilder:validation:MaxLength=253
	Name string `json:"name"`
	// published is whether the item enters the lists (approved) or leaves them (retired).
	// +optional
	Published bool `json:"published,omitempty"`
}

// ListRolloutStatus is the rollout's progress.
type ListRolloutStatus struct {
	// observedGeneration is the generation this status describes.
	// +optional
	ObservedGeneration int64 `json:"observedGeneration,omitempty"`
	// conditions: Ready, Reconciling, Stalled (kstatus).
	// +optional
	// +listType=map
	// +listMapKey=type
	// +kubebuilder:validation:MaxItems=8
	Conditions []metav1.Condition `json:"conditions,omitempty"`
	// currentRevision is the revision being rolled out.
	// +optional
	CurrentRevision int64 `json:"currentRevision,omitempty"`
	// awaitingItems are items approved or retired whose change the villages
	// do not hold yet: the rollout is not Ready until the revision it rolls
	// out carries them (written by the item controller before the item's new
	// phase, so whoever sees the item Approved sees the rollout not Ready).
	// +optional
	// +listType=map
	// +listMapKey=name
	// +kubebuilder:validation:MaxItems=10000
	AwaitingItems []AwaitedItem `json:"awaitingItems,omitempty"`
	// previousRevision is the revision villages held before; undo returns to it.
	// +optional
	PreviousRevision int64 `json:"previousRevision,omitempty"`
	// currentStep is the index of the step the rollout is at; len(steps) when done.
	// +optional
	CurrentStep int32 `json:"currentStep,omitempty"`
	// pauseStartedAt is when the current pause began.
	// +optional
	PauseStartedAt *metav1.Time `json:"pauseStartedAt,omitempty"`
	// promotedToken is the promote annotation last acted on.
	// +optional
	PromotedToken string `json:"promotedToken,omitempty"`
	// updatedVillages hold the current revision.
	// +optional
	UpdatedVillages int32 `json:"updatedVillages,omitempty"`
	// totalVillages is the number of villages.
	// +optional
	TotalVillages int32 `json:"totalVillages,omitempty"`
	// counties are per-county counts.
	// +optional
	// +listType=map
	// +listMapKey=code
	Counties []CountyProgress `json:"counties,omitempty"`
}

// ListRollout rolls list revisions out to the villages step by step — the
// GitOps pipeline's handle, with kstatus conditions Argo CD and Flux read.
// 清单发布：分县、分比例、可暂停放行地把清单版本下发到各村（社区）。
//
// +kubebuilder:object:root=true
// +kubebuilder:subresource:status
// +kubebuilder:resource:scope=Cluster,shortName=lro,categories=cunshe
// +kubebuilder:printcolumn:name="Revision",type=integer,JSONPath=`.status.currentRevision`
// +kubebuilder:printcolumn:name="Step",type=integer,JSONPath=`.status.currentStep`
// +kubebuilder:printcolumn:name="Updated",type=integer,JSONPath=`.status.updatedVillages`
// +kubebuilder:printcolumn:name="Total",type=integer,JSONPath=`.status.totalVillages`
// +kubebuilder:printcolumn:name="Ready",type=string,JSONPath=`.status.conditions[?(@.type=="Ready")].status`
// +kubebuilder:printcolumn:name="Reason",type=string,JSONPath=`.status.conditions[?(@.type=="Ready")].reason`
// +kubebuilder:printcolumn:name="Age",type=date,JSONPath=`.metadata.creationTimestamp`
type ListRollout struct {
	metav1.TypeMeta `json:",inline"`
	// +optional
	metav1.ObjectMeta `json:"metadata,omitempty"`

	// spec is the plan.
	// +required
	Spec ListRolloutSpec `json:"spec"`

	// status is written by the operator.
	// +optional
	// +kubebuilder:default={observedGeneration: 0}
	Status ListRolloutStatus `json:"status,omitempty"`
}

// +kubebuilder:object:root=true

// ListRolloutList is a list of ListRollouts.
type ListRolloutList struct {
	metav1.TypeMeta `json:",inline"`
	// +optional
	metav1.ListMeta `json:"metadata,omitempty"`
	Items           []ListRollout `json:"items"`
}

func init() {
	SchemeBuilder.Register(&ListRollout{}, &ListRolloutList{})
}
