package v1alpha1

import metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

// TaskInboxName is the name of the one TaskInbox in each village tenant.
const TaskInboxName = "cunshe-tasks"

// MaxInboxTasks caps the tasks a TaskInbox lists; tasksTotal counts them all.
const MaxInboxTasks = 1000

// EmergencyStanding is a task's emergency exemption as its villages read it.
type EmergencyStanding struct {
	// category is what the emergency concerns (S6).
	Category EmergencyCategory `json:"category"`
	// expires is when the exemption ends.
	// +optional
	Expires *metav1.Time `json:"expires,omitempty"`
}

// TaskStanding is one task as the villages it reaches read it: what it asks,
// under which item, and where the audit says it stands.
// 任务及其审计状态，按村社干部阅读的方式给出。
type TaskStanding struct {
	// namespace is the department's namespace the task lives in.
	Namespace string `json:"namespace"`
	// name is the task's name.
	Name string `json:"name"`
	// department is the department that assigned it.
	// +optional
	Department string `json:"department"`
	// title is the task's title.
	// +optional
	Title string `json:"title"`
	// type is what the task asks (Work unless it says otherwise).
	Type TaskType `json:"type"`
	// item is the list item the task cites.
	// +optional
	Item string `json:"item,omitempty"`
	// role is the village's role (Undertake or Assist).
	// +optional
	Role VillageRole `json:"role,omitempty"`
	// due is the due date.
	// +optional
	Due string `json:"due,omitempty"`
	// phase is the audit's standing: Admitted, NonCompliant, Violation or
	// Expired; empty until audited.
	// +optional
	Phase TaskPhase `json:"phase,omitempty"`
	// action is Warn for a task admitted under a pilot's Warn although it
	// breaks the lists (the task's status.admissionAction).
	// +optional
	Action AdmissionAction `json:"action,omitempty"`
	// emergency is the task's emergency exemption (S6).
	// +optional
	Emergency *EmergencyStanding `json:"emergency,omitempty"`
	// finding is why a task that is not Admitted (or is, under Warn) stands
	// where it does: the audit's first finding, or its Ready condition's
	// message.
	// +optional
	Finding string `json:"finding,omitempty"`
}

// InboxVillage names the village an inbox belongs to.
type InboxVillage struct {
	// code is the village's 12-digit division code.
	Code string `json:"code"`
	// name is the village's name.
	// +optional
	Name string `json:"name,omitempty"`
}

// TaskInboxStatus lists the tasks that reach the village (rules.TaskReaches)
// and their standing.
type TaskInboxStatus struct {
	// observedGeneration is the generation this status describes.
	// +optional
	ObservedGeneration int64 `json:"observedGeneration,omitempty"`
	// village is the village whose inbox this is.
	// +optional
	Village InboxVillage `json:"village"`
	// tasksTotal counts the tasks that reach the village.
	// +optional
	TasksTotal int32 `json:"tasksTotal"`
	// nonCompliant counts those the audit found off the lists (S7).
	// +optional
	NonCompliant int32 `json:"nonCompliant"`
	// violations counts those with an upheld report (S8, S19).
	// +optional
	Violations int32 `json:"violations"`
	// tasks are the tasks by namespace and name, the first MaxInboxTasks.
	// +optional
	// +kubebuilder:validation:MaxItems=1000
	Tasks []TaskStanding `json:"tasks"`
	// truncated is true when tasks were capped.
	// +optional
	Truncated bool `json:"truncated"`
	// contentHash is a digest of the rest of the status: the operator writes
	// the inbox only when it changes.
	// +optional
	ContentHash string `json:"contentHash"`
	// +optional
	// +listType=map
	// +listMapKey=type
	// +kubebuilder:validation:MaxItems=8
	Conditions []metav1.Condition `json:"conditions,omitempty"`
}

// TaskInbox is what reaches one village: the tasks whose targets name it and
// whose item applies to it, with their standing (S1, S8), kept by the
// operator in the village's tenant, where its cadres may read it without
// reading any department's objects or another village's.
// 派发给本村（社区）的任务及其审计状态，由系统维护在本村（社区）的命名空间中，
// 村社干部可直接读取，无需读取部门或其他村（社区）的对象。
//
// The status is written as a whole (a merge patch), so its optional fields
// carry no omitempty: a task that stopped reaching the village goes.
//
// +kubebuilder:object:root=true
// +kubebuilder:subresource:status
// +kubebuilder:resource:scope=Namespaced,shortName=inbox,categories=cunshe
// +kubebuilder:printcolumn:name="Village",type=string,JSONPath=`.status.village.name`
// +kubebuilder:printcolumn:name="Tasks",type=integer,JSONPath=`.status.tasksTotal`
// +kubebuilder:printcolumn:name="NonCompliant",type=integer,JSONPath=`.status.nonCompliant`
// +kubebuilder:printcolumn:name="Violations",type=integer,JSONPath=`.status.violations`
// +kubebuilder:printcolumn:name="Age",type=date,JSONPath=`.metadata.creationTimestamp`
type TaskInbox struct {
	metav1.TypeMeta `json:",inline"`
	// +optional
	metav1.ObjectMeta `json:"metadata,omitempty"`

	// +optional
	// +kubebuilder:default={observedGeneration: 0}
	Status TaskInboxStatus `json:"status,omitempty"`
}

// +kubebuilder:object:root=true

// TaskInboxList is a list of TaskInboxes.
type TaskInboxList struct {
	metav1.TypeMeta `json:",inline"`
	// +optional
	metav1.ListMeta `json:"metadata,omitempty"`
	Items           []TaskInbox `json:"items"`
}

func init() {
	SchemeBuilder.Register(&TaskInbox{}, &TaskInboxList{})
}

// StatusConditions points at status.conditions.
func (i *TaskInbox) StatusConditions() *[]metav1.Condition { return &i.Status.Conditions }

// StatusObservedGeneration points at status.observedGeneration.
func (i *TaskInbox) StatusObservedGeneration() *int64 { return &i.Status.ObservedGeneration }
