package v1alpha1

import (
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// JurisdictionLevel says whether a jurisdiction is a city (地级市) or a province (省).
// +kubebuilder:validation:Enum=City;Province
type JurisdictionLevel string

const (
	// LevelCity is a prefecture-level city (地级市); its code has 4 digits.
	LevelCity JurisdictionLevel = "City"
	// LevelProvince is a province-level division (省、自治区、直辖市); its code has 2 digits.
	LevelProvince JurisdictionLevel = "Province"
)

// TaskPhrase is one phrase of a city's list and the rule it points at.
type TaskPhrase struct {
	// phrase is matched as a substring of a task's title and description.
	// 表述，按子串匹配任务名称和说明。
	// +required
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=32
	Phrase string `json:"phrase"`

	// rule is S11 (paper ledgers), S14 (a room set aside) or S17 (wall posting).
	// 对应规则：S11 纸质台账、S14 专用场所、S17 上墙。
	// +required
	// +kubebuilder:validation:Enum=S11;S14;S17
	Rule string `json:"rule"`
}

// JointReview is who must agree before an item of the jurisdiction enters
// the lists (S5).
// +kubebuilder:validation:XValidation:rule="!has(self.quorum) || !has(self.units) || self.quorum <= size(self.units)",message="S5 review.quorum 不能大于 review.units 的个数 / review.quorum cannot exceed the number of review.units",fieldPath=".quorum"
type JointReview struct {
	// units names the ReviewUnits of the joint review, e.g. the notice's four:
	// sjw (市纪委市监委), zzb (市委组织部), mzj (市民政局), nyj (市农业农村局). When set,
	// this is the required set: a unit's own spec.required no longer decides,
	// and a unit that is deleted or moved to another jurisdiction leaves its
	// place empty instead of lowering the bar (S5). Empty keeps the older
	// rule: every unit of the jurisdiction with spec.required.
	// 联审单位名单（S5），如通知中的四家：sjw、zzb、mzj、nyj。设置后即为必需审核单位，
	// 单位自身的 spec.required 不再起作用；单位被删除或划归其他辖区时其席位空缺，
	// 审核要求不会因此降低。为空时沿用旧规则：本辖区 spec.required 为真的全部单位。
	// +optional
	// +listType=set
	// +kubebuilder:validation:MaxItems=16
	// +kubebuilder:validation:items:MaxLength=253
	Units []string `json:"units,omitempty"`

	// quorum is how many of units must approve; it defaults to all of them
	// (S5: "all four").
	// 须同意的单位数，默认全部（S5：四家全部同意）。
	// +optional
	// +kubebuilder:validation:Minimum=1
	// +kubebuilder:validation:Maximum=16
	Quorum *int32 `json:"quorum,omitempty"`
}

// EmergencyLimits bound the emergency exemption of tasks (S6).
type EmergencyLimits struct {
	// maxDays is the longest an emergency exemption may last; default 30.
	// 紧急事项豁免的最长天数，默认 30 天。
	// +optional
	// +kubebuilder:validation:Minimum=1
	// +kubebuilder:validation:Maximum=366
	MaxDays *int32 `json:"maxDays,omitempty"`

	// ratificationDays is how long after an emergency exemption ends the
	// review units have to ratify or reject it; an exemption still
	// undecided then counts against its department (S19). Default 15.
	// 紧急豁免结束后联审单位追认或否决的期限（天），逾期未追认的计入部门的清理规范情况（S19），默认 15 天。
	// +optional
	// +kubebuilder:validation:Minimum=1
	// +kubebuilder:validation:Maximum=366
	RatificationDays *int32 `json:"ratificationDays,omitempty"`
}

// PaperLedgerExemption is what a village's exemption from paper ledgers
// rests on (S11): work records kept on the platform, recently.
// 免查纸质台账的条件（S11）：在平台上留痕，且留痕不过期。
type PaperLedgerExemption struct {
	// recordWithinDays: an enrolled village is exempt while its latest
	// platform record (a 三务公开 disclosure, a task completion) is at most
	// this many days old; past it the village is flagged and no longer
	// exempt. Default 90.
	// 已启用平台的村（社区）最近一条平台留痕记录不超过此天数时免查纸质台账；超过即提示并恢复检查。默认 90 天。
	// +optional
	// +kubebuilder:validation:Minimum=1
	// +kubebuilder:validation:Maximum=366
	RecordWithinDays *int32 `json:"recordWithinDays,omitempty"`
}

// AdmissionAction is what task admission does with a task that breaks the
// lists' rules: Enforce refuses it (the default); Warn admits it with a
// kubectl Warning naming the rule and records the findings, for a pilot.
// 准入处理方式：Enforce 拒绝（默认）；Warn 告警放行并记录，用于试点。
type AdmissionAction string

const (
	// AdmissionEnforce refuses a task that breaks the lists (the default).
	AdmissionEnforce AdmissionAction = "Enforce"
	// AdmissionWarn admits it with a warning and records its findings.
	AdmissionWarn AdmissionAction = "Warn"
)

// AdmissionOverride puts task admission of some counties and departments
// of the city in another action than Enforce, for a pilot (the shape of
// Kyverno's failureActionOverrides). Each county listed and each
// department listed is in that action; a task is warned only if every
// county it reaches is in Warn, or its department is.
// 准入处理方式的例外：所列县（市、区）和部门按 action 处理（用于试点）。
// 任务所到的每个县都处于告警，或其部门处于告警时，任务才告警放行。
// +kubebuilder:validation:XValidation:rule="(has(self.counties) && size(self.counties) > 0) || (has(self.departments) && size(self.departments) > 0)",message="S1 每条例外须列出至少一个县（市、区）或部门 / an override names at least one county or department"
type AdmissionOverride struct {
	// action is Warn: tasks are admitted with a warning that names the
	// rule, and their findings are recorded (status.admissionAction: Warn).
	// 处理方式：Warn（告警放行并记录）。
	// +optional
	// +kubebuilder:default=Warn
	// +kubebuilder:validation:Enum=Warn
	Action AdmissionAction `json:"action,omitempty"`

	// counties are 6-digit codes of the city's counties (县（市、区）) in the action.
	// 处于该方式的本市县（市、区）代码。
	// +optional
	// +listType=set
	// +kubebuilder:validation:MaxItems=256
	// +kubebuilder:validation:items:Pattern=`^[0-9]{6}$`
	Counties []string `json:"counties,omitempty"`

	// departments are department ids (the governance.cunshe.io/department
	// label of their namespaces) in the action, wherever in the city their
	// tasks go.
	// 处于该方式的部门（其命名空间 governance.cunshe.io/department 标签的值），不论任务派往本市何处。
	// +optional
	// +listType=set
	// +kubebuilder:validation:MaxItems=256
	// +kubebuilder:validation:items:MinLength=1
	// +kubebuilder:validation:items:MaxLength=63
	Departments []string `json:"departments,omitempty"`

	// until is the last day (YYYY-MM-DD, the city's time zone) of the
	// override; from the next day the default Enforce applies again. Empty:
	// until the override is removed.
	// 例外的最后一天（本市时区）；次日起恢复默认的 Enforce。为空时直到删除本条例外。
	// +optional
	// +kubebuilder:validation:Format=date
	Until string `json:"until,omitempty"`

	// reason says why, e.g. the pilot it serves.
	// 原因，如所服务的试点。
	// +required
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=256
	Reason string `json:"reason"`
}

// TaskAdmission is how the city's task admission acts on tasks that break
// the lists' rules (S1, S2, S11, S14, S17).
// 本市任务准入的处理方式。
type TaskAdmission struct {
	// overrides put counties or departments in Warn for a pilot; everything
	// else is Enforce. Only the lists' rules are warned (S1, S2, S11, S14,
	// S17); malformed targets, a namespace without a department and
	// emergencies (S6) are always enforced.
	// 试点期间将部分县（市、区）或部门设为告警放行，其余一律拒绝。仅清单规则（S1、S2、S11、S14、S17）
	// 可以告警；任务对象有误、命名空间没有部门标签以及紧急事项（S6）始终拒绝。
	// +optional
	// +listType=atomic
	// +kubebuilder:validation:MaxItems=64
	Overrides []AdmissionOverride `json:"overrides,omitempty"`
}

// SignboardTexts are where a city's boards differ from the default (S12, S15).
type SignboardTexts struct {
	// cityName leads the full names on the institution boards
	// (中共温州市鹿城区五马街道鼓楼社区委员会); default spec.name.
	// 机构牌子全称开头的市名，默认取 spec.name。
	// +optional
	// +kubebuilder:validation:MaxLength=32
	CityName string `json:"cityName,omitempty"`
}

// JurisdictionSpec declares a city or a province that sets its own lists.
// 辖区：自定清单的设区市或省。
// +kubebuilder:validation:XValidation:rule="(has(self.default) && self.default) == (has(oldSelf.default) && oldSelf.default)",message="S1 spec.default 一经设定不可更改（默认市的清单版本名为 lists-<n>） / spec.default cannot change once set (the default city's revisions are named lists-<n>)",fieldPath=".default"
// +kubebuilder:validation:XValidation:rule="self.level == 'City' ? self.code.matches('^[0-9]{4}$') : self.code.matches('^[0-9]{2}$')",message="S1 市级辖区代码为 4 位、省级为 2 位数字（国家统计局区划代码前缀） / a City's code is 4 digits, a Province's 2 (the prefix of the NBS division codes)",fieldPath=".code"
type JurisdictionSpec struct {
	// code is the prefix of the division codes of the jurisdiction's villages:
	// 4 digits for a city (3303 温州市), 2 for a province (33 浙江省). It is also the
	// object's name and never changes.
	// 区划代码前缀：市 4 位（3303 温州市），省 2 位（33 浙江省）；同时是对象名称，不可修改。
	// +required
	// +kubebuilder:validation:MinLength=2
	// +kubebuilder:validation:MaxLength=4
	// +kubebuilder:validation:XValidation:rule="self == oldSelf",message="S1 spec.code 不可修改 / spec.code is immutable"
	Code string `json:"code"`

	// name is the jurisdiction's official name, e.g. 温州市 or 浙江省.
	// 辖区名称，如“温州市”“浙江省”。
	// +required
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=32
	Name string `json:"name"`

	// level is City or Province.
	// 层级：City（设区市）或 Province（省）。
	// +required
	// +kubebuilder:validation:XValidation:rule="self == oldSelf",message="S1 spec.level 不可修改 / spec.level is immutable"
	Level JurisdictionLevel `json:"level"`

	// default makes this the city of objects that name no jurisdiction
	// (ListItems, ReviewUnits, ListRollouts and ListRevisions made before
	// jurisdictions existed): a single-city cluster marks its city default and
	// nothing else changes. At most one city is the default.
	// 默认辖区：未写明 jurisdiction 的对象（引入辖区之前创建的清单事项、联审单位、发布计划、
	// 清单版本）归属于它；单市集群把本市设为默认即可，其他一切不变。最多一个默认市。
	// +optional
	Default bool `json:"default,omitempty"`

	// review is the joint review of the jurisdiction's items (S5).
	// 本辖区事项的联合审核（S5）。
	// +optional
	Review JointReview `json:"review,omitempty"`

	// timeZone is the IANA zone in which the jurisdiction's dates (retirement,
	// deadlines) begin; default Asia/Shanghai.
	// 本辖区日期（退出生效、整改期限）所用时区，默认 Asia/Shanghai。
	// +optional
	// +kubebuilder:validation:MaxLength=64
	TimeZone string `json:"timeZone,omitempty"`

	// rectificationDeadline is the date (YYYY-MM-DD) by which counties finish
	// rectification (S18), e.g. 2019-12-31 for the notice's year.
	// 各县（市、区）完成整改的期限（S18），如通知当年的 2019-12-31。
	// +optional
	// +kubebuilder:validation:Format=date
	RectificationDeadline string `json:"rectificationDeadline,omitempty"`

	// emergency bounds task emergency exemptions (S6).
	// 紧急事项豁免的限制（S6）。
	// +optional
	Emergency EmergencyLimits `json:"emergency,omitempty"`

	// paperLedgerExemption sets what the villages' exemption from paper
	// ledgers rests on (S11).
	// 免查纸质台账的条件（S11）。
	// +optional
	PaperLedgerExemption PaperLedgerExemption `json:"paperLedgerExemption,omitempty"`

	// signboards are the city's board texts where they differ (S12, S15).
	// 本市机构牌子文字的差异设置（S12、S15）。
	// +optional
	Signboards SignboardTexts `json:"signboards,omitempty"`

	// taskPhrases are the words that show a Work task asks for paper
	// ledgers (S11), a room set aside (S14) or a wall posting (S17) although
	// it declares none in spec.requires; empty means the built-in list
	// (纸质台账, 专用, 上墙 …, docs/tasks.md).
	// 表述清单：工作任务名称或说明中出现即视为要求纸质台账、专用场所或上墙；为空时使用内置清单。
	// +optional
	// +listType=atomic
	// +kubebuilder:validation:MaxItems=128
	TaskPhrases []TaskPhrase `json:"taskPhrases,omitempty"`

	// admission puts task admission of some counties or departments in Warn
	// during a pilot (default Enforce everywhere; README, "Warn mode").
	// 试点期间部分县（市、区）或部门的任务准入改为告警放行（默认一律拒绝）。
	// +optional
	Admission TaskAdmission `json:"admission,omitempty"`
}

// JurisdictionStatus is what the operator counted of the jurisdiction.
type JurisdictionStatus struct {
	// observedGeneration is the generation this status describes.
	// +optional
	ObservedGeneration int64 `json:"observedGeneration,omitempty"`

	// conditions: Ready when the joint review can approve items (every unit
	// of review.units exists in this jurisdiction, and at least quorum of them).
	// 状态条件：联审单位齐备、可以审核事项时 Ready。
	// +optional
	// +listType=map
	// +listMapKey=type
	// +kubebuilder:validation:MaxItems=8
	Conditions []metav1.Condition `json:"conditions,omitempty"`

	// villages counts the villages whose code starts with the jurisdiction's code.
	// 本辖区村（社区）数。
	// +optional
	Villages int32 `json:"villages,omitempty"`

	// reviewUnits names the units that review the jurisdiction's items.
	// 审核本辖区事项的联审单位。
	// +optional
	// +kubebuilder:validation:MaxItems=16
	ReviewUnits []string `json:"reviewUnits,omitempty"`

	// requiredApprovals is how many units must approve an item (S5).
	// 事项通过所需的同意单位数（S5）。
	// +optional
	RequiredApprovals int32 `json:"requiredApprovals,omitempty"`

	// latestRevision is the jurisdiction's newest list revision (cities only).
	// 本市最新清单版本号（仅市级）。
	// +optional
	LatestRevision int64 `json:"latestRevision,omitempty"`
}

// Jurisdiction is a city (or its province) that sets its own six lists:
// its villages are those whose code starts with its code; its items are
// approved by its own review units and reach its own villages only; its
// revisions are numbered on their own, and one rollout at a time moves them.
// A province's items reach every city of the province through each city's
// next revision.
// 辖区：自定六张清单的设区市（或省）。区划代码以其代码开头的村（社区）属于本辖区；
// 本辖区事项由本辖区联审单位审核、只下发到本辖区村社；清单版本单独编号，同一时间只有一个发布计划在推进。
// 省级事项经各市的下一个清单版本下发到全省各市。
//
// +kubebuilder:object:root=true
// +kubebuilder:subresource:status
// +kubebuilder:resource:scope=Cluster,shortName=jur,categories=cunshe
// +kubebuilder:printcolumn:name="Code",type=string,JSONPath=`.spec.code`
// +kubebuilder:printcolumn:name="Name",type=string,JSONPath=`.spec.name`
// +kubebuilder:printcolumn:name="Level",type=string,JSONPath=`.spec.level`
// +kubebuilder:printcolumn:name="Default",type=boolean,JSONPath=`.spec.default`
// +kubebuilder:printcolumn:name="Villages",type=integer,JSONPath=`.status.villages`
// +kubebuilder:printcolumn:name="Review",type=integer,JSONPath=`.status.requiredApprovals`
// +kubebuilder:printcolumn:name="Revision",type=integer,JSONPath=`.status.latestRevision`
// +kubebuilder:printcolumn:name="Ready",type=string,JSONPath=`.status.conditions[?(@.type=="Ready")].status`
// +kubebuilder:printcolumn:name="Age",type=date,JSONPath=`.metadata.creationTimestamp`
// +kubebuilder:validation:XValidation:rule="self.metadata.name == self.spec.code",message="S1 metadata.name 必须等于 spec.code / metadata.name must equal spec.code"
type Jurisdiction struct {
	metav1.TypeMeta `json:",inline"`
	// +optional
	metav1.ObjectMeta `json:"metadata,omitempty"`

	// spec declares the jurisdiction.
	// +required
	Spec JurisdictionSpec `json:"spec"`

	// status is written by the operator.
	// +optional
	// +kubebuilder:default={observedGeneration: 0}
	Status JurisdictionStatus `json:"status,omitempty"`
}

// DefaultEmergencyMaxDays is the longest an emergency exemption lasts
// where the city sets no limit (S6).
const DefaultEmergencyMaxDays = 30

// DefaultEmergencyRatificationDays is how long the review units have to
// ratify an ended emergency exemption where the city sets no limit (S6, S19).
const DefaultEmergencyRatificationDays = 15

// DefaultTimeZone is the zone of a jurisdiction that names none.
const DefaultTimeZone = "Asia/Shanghai"

// CityCodeLength and ProvinceCodeLength are the lengths of the code prefixes
// of a city and of a province in the 12-digit division codes.
const (
	CityCodeLength     = 4
	ProvinceCodeLength = 2
)

// CityOf is the 4-digit city prefix of a village, township or county code.
func CityOf(code string) string {
	if len(code) < CityCodeLength {
		return code
	}
	return code[:CityCodeLength]
}

// ProvinceOf is the 2-digit province prefix of a division code.
func ProvinceOf(code string) string {
	if len(code) < ProvinceCodeLength {
		return code
	}
	return code[:ProvinceCodeLength]
}

// EmergencyMaxDays is the city's longest emergency exemption (S6).
func (j *Jurisdiction) EmergencyMaxDays() int32 {
	if j == nil || j.Spec.Emergency.MaxDays == nil {
		return DefaultEmergencyMaxDays
	}
	return *j.Spec.Emergency.MaxDays
}

// DefaultRecordWithinDays is how recent a village's latest platform record
// must be for its paper-ledger exemption where the city sets nothing (S11).
const DefaultRecordWithinDays = 90

// RecordWithinDays is the city's window for platform records (S11).
func (j *Jurisdiction) RecordWithinDays() int32 {
	if j == nil || j.Spec.PaperLedgerExemption.RecordWithinDays == nil {
		return DefaultRecordWithinDays
	}
	return *j.Spec.PaperLedgerExemption.RecordWithinDays
}

// EmergencyRatificationDays is how long after an exemption ends the city's
// review units have to ratify or reject it (S6, S19).
func (j *Jurisdiction) EmergencyRatificationDays() int32 {
	if j == nil || j.Spec.Emergency.RatificationDays == nil {
		return DefaultEmergencyRatificationDays
	}
	return *j.Spec.Emergency.RatificationDays
}

// BoardCityName is the name that leads the city's institution boards.
func (j *Jurisdiction) BoardCityName() string {
	if j.Spec.Signboards.CityName != "" {
		return j.Spec.Signboards.CityName
	}
	return j.Spec.Name
}

// +kubebuilder:object:root=true

// JurisdictionList is a list of Jurisdictions.
type JurisdictionList struct {
	metav1.TypeMeta `json:",inline"`
	// +optional
	metav1.ListMeta `json:"metadata,omitempty"`
	Items           []Jurisdiction `json:"items"`
}

func init() {
	SchemeBuilder.Register(&Jurisdiction{}, &JurisdictionList{})
}
