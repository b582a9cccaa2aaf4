package v1alpha1

import metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

// TaskType is what a task asks of villages.
// +kubebuilder:validation:Enum=Work;WallPosting;PaperLedgerInspection;ExclusiveRoomUse
type TaskType string

const (
	// TaskWork is work under an Admission item (S1, S2).
	TaskWork TaskType = "Work"
	// TaskWallPosting asks villages to put something on their walls (S17).
	TaskWallPosting TaskType = "WallPosting"
	// TaskPaperLedgerInspection inspects villages' paper ledgers (S11).
	TaskPaperLedgerInspection TaskType = "PaperLedgerInspection"
	// TaskExclusiveRoomUse demands a room for one department's use only (S14).
	TaskExclusiveRoomUse TaskType = "ExclusiveRoomUse"
)

// EmergencyCategory is what an emergency that exempts a task from the lists
// concerns, in the notice's words (S6: 涉及人民群众生命财产安全和公共安全):
// LifeSafety (生命安全), PropertySafety (财产安全) or PublicSafety (公共安全).
// The values are checked by a CEL rule and by admission, so that an unknown
// one is refused in Chinese and English (an enum's refusal is English only).
type EmergencyCategory string

const (
	EmergencyLifeSafety     EmergencyCategory = "LifeSafety"
	EmergencyPropertySafety EmergencyCategory = "PropertySafety"
	EmergencyPublicSafety   EmergencyCategory = "PublicSafety"
)

// EmergencyNature is how the event came about, in the notice's words (S6:
// 突发性、群体性): Sudden (突发性) or Mass (群体性).
type EmergencyNature string

const (
	EmergencySudden EmergencyNature = "Sudden"
	EmergencyMass   EmergencyNature = "Mass"
)

// IssuerLevel is the level of government whose decision an emergency rests
// on (S6): the department's own head, a county government, or the city
// government. A citywide emergency needs the city's.
type IssuerLevel string

const (
	// IssuerDepartment: the issuing department's principal (部门主要负责人).
	IssuerDepartment IssuerLevel = "Department"
	// IssuerCounty: a county government or its emergency command (县级人民政府).
	IssuerCounty IssuerLevel = "County"
	// IssuerCity: the city government or its emergency command (市人民政府).
	IssuerCity IssuerLevel = "City"
)

// EmergencyIssuer is who decided the emergency (S6): a person and post, and
// the level of government they decided for.
type EmergencyIssuer struct {
	// name is who decided, with their post, e.g. "市应急管理局局长 张伟".
	// 决定人及职务，如“市应急管理局局长 张伟”。
	// +optional
	// +kubebuilder:validation:MaxLength=128
	Name string `json:"name,omitempty"`

	// level is Department (the department's principal), County (a county
	// government) or City (the city government); a citywide emergency needs City.
	// 决定层级：Department（部门主要负责人）、County（县级人民政府）、City（市人民政府）；全市范围的紧急事项须由市级决定。
	// +optional
	// +kubebuilder:validation:XValidation:rule="self in ['Department', 'County', 'City']",message="S6 决定层级须为 Department（部门主要负责人）、County（县级人民政府）或 City（市人民政府） / the issuer's level must be Department (the department's principal), County (a county government) or City (the city government)"
	Level IssuerLevel `json:"level,omitempty"`
}

// TaskTargets names the villages a task goes to: exactly one of villages,
// counties or all.
// +kubebuilder:validation:XValidation:rule="[has(self.villages) && size(self.villages) > 0, has(self.counties) && size(self.counties) > 0, has(self.all) && self.all].filter(x, x).size() == 1",message="S2 targets 须且只能填写 villages、counties、all 之一 / S2: targets must name exactly one of villages, counties or all"
type TaskTargets struct {
	// villages are 12-digit village codes.
	// 目标村（社区）代码。
	// +optional
	// +listType=set
	// +kubebuilder:validation:MaxItems=12000
	// +kubebuilder:validation:items:Pattern=`^[0-9]{12}$`
	Villages []string `json:"villages,omitempty"`

	// counties are 6-digit county codes: every village of each.
	// 目标县（市、区）代码：其下全部村（社区）。
	// +optional
	// +listType=set
	// +kubebuilder:validation:MaxItems=256
	// +kubebuilder:validation:items:Pattern=`^[0-9]{6}$`
	Counties []string `json:"counties,omitempty"`

	// all targets every village in the item's scope.
	// 事项适用范围内的全部村（社区）。
	// +optional
	All bool `json:"all,omitempty"`
}

// Emergency exempts a task from the lists (S6): a sudden or mass event that
// concerns people's lives, property or public safety. It is accountable:
// its scope is the task's targets (within the department's responsibility),
// it names who decided it, and admission records it in an
// EmergencyExemption that outlives the task and that the review units
// ratify or reject once it has ended. The fields the schema leaves optional
// are required by admission, which refuses in Chinese and English.
type Emergency struct {
	// category is LifeSafety, PropertySafety or PublicSafety (required).
	// 紧急类别（必填）：LifeSafety 生命安全、PropertySafety 财产安全、PublicSafety 公共安全。
	// +optional
	// +kubebuilder:validation:XValidation:rule="self in ['LifeSafety', 'PropertySafety', 'PublicSafety']",message="S6 紧急类别须为通知所列之一：LifeSafety（生命安全）、PropertySafety（财产安全）、PublicSafety（公共安全） / the category must be one the notice names: LifeSafety, PropertySafety or PublicSafety"
	Category EmergencyCategory `json:"category,omitempty"`

	// nature is Sudden (突发性) or Mass (群体性) (required).
	// 事件性质（必填）：Sudden 突发性、Mass 群体性。
	// +optional
	// +kubebuilder:validation:XValidation:rule="self in ['Sudden', 'Mass']",message="S6 事件性质须为通知所列之一：Sudden（突发性）、Mass（群体性） / the nature must be one the notice names: Sudden or Mass"
	Nature EmergencyNature `json:"nature,omitempty"`

	// issuer is who decided the emergency (required).
	// 决定人（必填）。
	// +optional
	Issuer *EmergencyIssuer `json:"issuer,omitempty"`

	// subject is what the emergency is about; one department has one
	// emergency per subject and overlapping scope at a time. Defaulted to
	// the task's title.
	// 紧急事项的主题；同一部门、同一主题、范围重叠的紧急事项同一时间只能有一项。默认取任务名称。
	// +optional
	// +kubebuilder:validation:MaxLength=256
	Subject string `json:"subject,omitempty"`

	// justification says what happened and why villages are needed: a
	// sentence (at least 10 characters; required).
	// 紧急事由：写明发生了什么、为何需要村（社区），不少于 10 字（必填）。
	// +optional
	// +kubebuilder:validation:MaxLength=2048
	Justification string `json:"justification,omitempty"`

	// expires ends the exemption; at most the city's limit after the task is
	// created (Jurisdiction spec.emergency.maxDays, default 30 days), and
	// defaulted to 7 days when omitted.
	// 豁免截止时间，不超过创建后本市规定的天数（Jurisdiction spec.emergency.maxDays，默认 30 天）；未填写时默认 7 天。
	// +optional
	Expires *metav1.Time `json:"expires,omitempty"`
}

// TaskRequires is what a task asks of villages beyond the work (S11, S14, S17).
type TaskRequires struct {
	// paperLedgers: villages keep or hand in paper ledgers for the task
	// (S11: not of villages that keep their records on the platform).
	// 要求建立或报送纸质台账（S11：已上平台留痕的村社不得要求）。
	// +optional
	PaperLedgers bool `json:"paperLedgers,omitempty"`

	// exclusiveRoom: a village room is set aside for the task (S14: never).
	// 要求专用场所（S14：不得要求）。
	// +optional
	ExclusiveRoom bool `json:"exclusiveRoom,omitempty"`

	// wallPosting: something is posted on the office wall (S17: only what
	// residents need to know, under a resident-facing item).
	// 要求上墙（S17：仅限群众需要知晓的内容）。
	// +optional
	WallPosting bool `json:"wallPosting,omitempty"`
}

// TaskSpec is what a department asks of villages.
// 部门向村（社区）派发的工作任务。
type TaskSpec struct {
	// type is Work, WallPosting, PaperLedgerInspection or ExclusiveRoomUse.
	// 任务类型：工作事项、上墙、纸质台账检查、场所排他使用。
	// +optional
	// +kubebuilder:default=Work
	Type TaskType `json:"type,omitempty"`

	// title is what the task is called.
	// 任务名称。
	// +required
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=256
	Title string `json:"title"`

	// description says what the task asks, in the department's words; the
	// city's phrase list is checked against it and the title (S11, S14, S17).
	// 任务说明；与任务名称一并对照本市的表述清单检查（S11、S14、S17）。
	// +optional
	// +kubebuilder:validation:MaxLength=4096
	Description string `json:"description,omitempty"`

	// requires declares what the task asks beyond the work itself: paper
	// ledgers, a room set aside, a posting on the office wall. A Work task
	// that declares none but whose title or description asks for one (the
	// city's phrase list, e.g. 纸质台账, 专用, 上墙) is refused.
	// 任务附带的要求：纸质台账、专用场所、上墙；未声明而名称或说明中出现相关表述的工作任务不予受理。
	// +optional
	Requires *TaskRequires `json:"requires,omitempty"`

	// itemRef is the ListItem the task is done under (S1).
	// 任务依据的清单事项名称。
	// +optional
	// +kubebuilder:validation:MaxLength=253
	ItemRef string `json:"itemRef,omitempty"`

	// villageRole is what villages do: Undertake or Assist, within the item's role (S2).
	// 村（社区）承担或协助，不得超出事项规定的角色。
	// +optional
	VillageRole VillageRole `json:"villageRole,omitempty"`

	// targets are the villages the task goes to.
	// 任务对象。
	// +required
	Targets TaskTargets `json:"targets"`

	// due is the date the task is due, YYYY-MM-DD.
	// 完成期限。
	// +optional
	// +kubebuilder:validation:Pattern=`^[0-9]{4}-[0-9]{2}-[0-9]{2}$`
	Due string `json:"due,omitempty"`

	// emergency, when set, exempts the task from the lists (S6) until it expires.
	// 紧急事项豁免（S6），到期自动失效。
	// +optional
	Emergency *Emergency `json:"emergency,omitempty"`
}

// TaskPhase is a task's standing.
// +kubebuilder:validation:Enum=Admitted;NonCompliant;Violation;Expired
type TaskPhase string

const (
	// TaskAdmitted: the task meets the lists as the villages hold them.
	TaskAdmitted TaskPhase = "Admitted"
	// TaskNonCompliant: the audit found the task no longer meets the lists (S7).
	TaskNonCompliant TaskPhase = "NonCompliant"
	// TaskViolation: a review unit upheld a village's report against it (S8, S19).
	TaskViolation TaskPhase = "Violation"
	// TaskExpired: an emergency task whose exemption ended (S6).
	TaskExpired TaskPhase = "Expired"
)

// TaskStatus is the task's standing as the audit finds it.
type TaskStatus struct {
	// observedGeneration is the generation the audit last evaluated.
	// +optional
	ObservedGeneration int64 `json:"observedGeneration,omitempty"`

	// phase is Admitted, NonCompliant, Violation or Expired.
	// +optional
	Phase TaskPhase `json:"phase,omitempty"`

	// department is the department that owns the task (its namespace's label).
	// +optional
	Department string `json:"department,omitempty"`

	// targetVillages counts the villages the task reaches.
	// +optional
	TargetVillages int32 `json:"targetVillages,omitempty"`

	// auditedRevision is the list revision against which the audit last
	// changed this status. The audit checks every task against each new
	// revision but writes only a task whose standing changes, so a later
	// revision that leaves the standing as it was does not show here.
	// 审计最近一次改变本状态时所依据的清单版本（新版本未改变任务状态时不重写）。
	// +optional
	AuditedRevision int64 `json:"auditedRevision,omitempty"`

	// findings are the audit's findings, capped at 10.
	// +optional
	// +kubebuilder:validation:MaxItems=10
	Findings []string `json:"findings,omitempty"`

	// findingRules are the rules the findings cite, in their order:
	// findingRules[i] is the rule (S1–S20, P1) of findings[i]. The task's
	// OpenReports results and other tools read the rule here, not from the text.
	// 各项审计发现所依据的规则编号，与 findings 一一对应。
	// +optional
	// +kubebuilder:validation:MaxItems=10
	// +kubebuilder:validation:items:MaxLength=8
	FindingRules []string `json:"findingRules,omitempty"`

	// admissionAction is Warn when the task stands although it breaks the
	// lists' rules, because its counties or its department are in Warn (the
	// Jurisdiction's spec.admission.overrides): findings are then warnings,
	// not refusals. Empty otherwise (Enforce). Reports read a Warn task's
	// findings as result warn.
	// 告警放行：任务不符合清单规则，但因所到县（市、区）或其部门处于试点告警而准入；findings 为告警而非拒绝。
	// +optional
	// +kubebuilder:validation:Enum=Enforce;Warn
	AdmissionAction AdmissionAction `json:"admissionAction,omitempty"`

	// upheldReports names the reports upheld against the task (S8).
	// +optional
	// +kubebuilder:validation:MaxItems=50
	UpheldReports []string `json:"upheldReports,omitempty"`

	// conditions: Compliant (the audit), Violation (an upheld report), Ready.
	// +optional
	// +listType=map
	// +listMapKey=type
	// +kubebuilder:validation:MaxItems=8
	Conditions []metav1.Condition `json:"conditions,omitempty"`
}

// Task is work a department assigns to villages; admission refuses anything
// not on the published lists (S1, S2, S11, S14, S17) unless it is an
// emergency (S6), and the audit keeps checking it (S7).
// 部门派发给村（社区）的工作任务：清单之外无事项。
//
// +kubebuilder:object:root=true
// +kubebuilder:subresource:status
// +kubebuilder:resource:scope=Namespaced,shortName=tk,categories=cunshe
// +kubebuilder:printcolumn:name="Type",type=string,JSONPath=`.spec.type`
// +kubebuilder:printcolumn:name="Item",type=string,JSONPath=`.spec.itemRef`
// +kubebuilder:printcolumn:name="Villages",type=integer,JSONPath=`.status.targetVillages`
// +kubebuilder:printcolumn:name="Phase",type=string,JSONPath=`.status.phase`
// +kubebuilder:printcolumn:name="Emergency",type=string,JSONPath=`.spec.emergency.category`
// +kubebuilder:printcolumn:name="Action",type=string,JSONPath=`.status.admissionAction`,priority=1
// +kubebuilder:printcolumn:name="Age",type=date,JSONPath=`.metadata.creationTimestamp`
type Task struct {
	metav1.TypeMeta `json:",inline"`
	// +optional
	metav1.ObjectMeta `json:"metadata,omitempty"`

	// spec is the task.
	// +required
	Spec TaskSpec `json:"spec"`

	// status is written by the operator.
	// +optional
	// +kubebuilder:default={observedGeneration: 0}
	Status TaskStatus `json:"status,omitempty"`
}

// IsEmergency reports whether the task claims the S6 exemption.
func (t *Task) IsEmergency() bool { return t.Spec.Emergency != nil }

// +kubebuilder:object:root=true

// TaskList is a list of Tasks.
type TaskList struct {
	metav1.TypeMeta `json:",inline"`
	// +optional
	metav1.ListMeta `json:"metadata,omitempty"`
	Items           []Task `json:"items"`
}

func init() {
	SchemeBuilder.Register(&Task{}, &TaskList{})
}
