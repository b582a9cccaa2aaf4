package v1alpha1

import metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

// ListKind is one of the six lists (S1, 六清单).
// +kubebuilder:validation:Enum=Admission;Seal;TownshipDuty;HeadDuty;IntegrityNegative;MicroPower
type ListKind string

const (
	// ListAdmission is L1, 准入事项清单: work villages undertake or assist with.
	ListAdmission ListKind = "Admission"
	// ListSeal is L2, 盖章证明事项清单: certificates a village may stamp and issue.
	ListSeal ListKind = "Seal"
	// ListTownshipDuty is L3, 乡镇（街道）涉村社事项责任清单.
	ListTownshipDuty ListKind = "TownshipDuty"
	// ListHeadDuty is L4, 村社主职干部履职清单.
	ListHeadDuty ListKind = "HeadDuty"
	// ListIntegrityNegative is L5, 村社干部廉洁履职负面清单.
	ListIntegrityNegative ListKind = "IntegrityNegative"
	// ListMicroPower is L6, 村社小微权力清单; each item names its flowchart (P1).
	ListMicroPower ListKind = "MicroPower"
)

// Lists are the six lists in their official order.
var Lists = []ListKind{ListAdmission, ListSeal, ListTownshipDuty, ListHeadDuty, ListIntegrityNegative, ListMicroPower}

// ListTitles are the lists' Chinese names.
var ListTitles = map[ListKind]string{
	ListAdmission:         "准入事项清单",
	ListSeal:              "盖章证明事项清单",
	ListTownshipDuty:      "乡镇（街道）涉村社事项责任清单",
	ListHeadDuty:          "村社主职干部履职清单",
	ListIntegrityNegative: "村社干部廉洁履职负面清单",
	ListMicroPower:        "村社小微权力清单",
}

// ApplicantKind says who applied for an item (S4).
// +kubebuilder:validation:Enum=CityDepartment;County;ProvinceDepartment
type ApplicantKind string

const (
	// ApplicantCityDepartment is a city department (市直属部门).
	ApplicantCityDepartment ApplicantKind = "CityDepartment"
	// ApplicantCounty is a county-level Party committee or government (县（市、区）党委、政府).
	ApplicantCounty ApplicantKind = "County"
	// ApplicantProvinceDepartment is a province department (省直部门), the
	// applicant of a province item whose basis is a provincial document.
	ApplicantProvinceDepartment ApplicantKind = "ProvinceDepartment"
)

// BasisKind is the ground on which an item may enter the lists (S3): Law,
// Regulation, CityDocument or ResidentInterest, checked by a bilingual CEL
// rule of Basis (a schema enum would refuse in English only).
type BasisKind string

const (
	// BasisLaw: a law explicitly requires it (法律明确规定).
	BasisLaw BasisKind = "Law"
	// BasisRegulation: a regulation explicitly requires it (法规明确规定).
	BasisRegulation BasisKind = "Regulation"
	// BasisCityDocument: a Party or government document at city level or above requires it.
	BasisCityDocument BasisKind = "CityDocument"
	// BasisResidentInterest: it concerns residents' interests and really needs the village (needs a justification).
	BasisResidentInterest BasisKind = "ResidentInterest"
)

// VillageRole is what a village does for an Admission item.
// +kubebuilder:validation:Enum=Undertake;Assist
type VillageRole string

const (
	// RoleUndertake: the village undertakes the work (承担).
	RoleUndertake VillageRole = "Undertake"
	// RoleAssist: the village assists a department (协助).
	RoleAssist VillageRole = "Assist"
)

// FundingSource is the budget that pays a village for an Admission item's
// work (S20, 经费保障).
// +kubebuilder:validation:Enum=ProvinceBudget;CityBudget;CountyBudget;DepartmentBudget
type FundingSource string

const (
	// FundingProvinceBudget: the province's budget (省级财政).
	FundingProvinceBudget FundingSource = "ProvinceBudget"
	// FundingCityBudget: the city's budget (市级财政).
	FundingCityBudget FundingSource = "CityBudget"
	// FundingCountyBudget: the county's budget (县级财政).
	FundingCountyBudget FundingSource = "CountyBudget"
	// FundingDepartmentBudget: the responsible department's own budget (部门预算).
	FundingDepartmentBudget FundingSource = "DepartmentBudget"
)

// FundingSourceTitles are the sources' Chinese names.
var FundingSourceTitles = map[FundingSource]string{
	FundingProvinceBudget:   "省级财政",
	FundingCityBudget:       "市级财政",
	FundingCountyBudget:     "县级财政",
	FundingDepartmentBudget: "部门预算",
}

// Funding says which budget pays the village for an Admission item's work
// (S20: less redundancy, not less funding — 减冗余不减经费, 费随事转).
type Funding struct {
	// source is ProvinceBudget, CityBudget, CountyBudget or DepartmentBudget.
	// 经费来源：省级财政、市级财政、县级财政或部门预算。
	// +required
	Source FundingSource `json:"source"`

	// budget names the budget line and, where known, the amount, e.g.
	// 市统计局部门预算“人口普查工作经费”，每村（社区）3000 元.
	// 经费名目及标准，如“市统计局部门预算·人口普查工作经费，每村（社区）3000 元”。
	// +required
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=512
	Budget string `json:"budget"`

	// feeFollowsWork is true when the money goes to the village with the
	// work (费随事转); false when the budget stays with the department, so
	// the village works unpaid — flagged for the review units (S20).
	// 费随事转：经费随工作拨付到村（社区）时为 true；为 false 表示经费留在部门，村（社区）无偿承担，提请联审单位注意（S20）。
	// +optional
	FeeFollowsWork bool `json:"feeFollowsWork,omitempty"`
}

// Applicant is who applied for the item (S4).
type Applicant struct {
	// kind is CityDepartment (市直属部门), County (县（市、区）党委、政府) or,
	// for an item of a province jurisdiction, ProvinceDepartment (省直部门).
	// 申报主体类型：CityDepartment（市直属部门）、County（县级党委、政府），省级事项为 ProvinceDepartment（省直部门）。
	// +required
	Kind ApplicantKind `json:"kind"`

	// name is the department's id (its namespace label governance.cunshe.io/department)
	// or the county's 6-digit code.
	// 部门编号（其命名空间标签 governance.cunshe.io/department 的值）或 6 位县级区划代码。
	// +required
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=63
	Name string `json:"name"`
}

// Basis is the ground of the item (S3).
// +kubebuilder:validation:XValidation:rule="has(self.kind)",message="S3 设立依据须写明类型（basis.kind）：Law、Regulation、CityDocument 或 ResidentInterest / the basis needs its kind (basis.kind): Law, Regulation, CityDocument or ResidentInterest",fieldPath=".kind",reason=FieldValueRequired
type Basis struct {
	// kind is Law, Regulation, CityDocument or ResidentInterest (S3). Required.
	// 依据类型（S3）：法律、法规、市级以上文件或群众利益。必填。
	// +optional
	// +kubebuilder:validation:XValidation:rule="self in ['Law', 'Regulation', 'CityDocument', 'ResidentInterest']",message="S3 设立依据的类型只能是 Law（法律）、Regulation（法规）、CityDocument（市级以上文件）或 ResidentInterest（群众利益） / the basis's kind is Law, Regulation, CityDocument or ResidentInterest"
	Kind BasisKind `json:"kind"`

	// citation names the article or document, e.g. 《全国人口普查条例》第十条.
	// 依据出处，如《全国人口普查条例》第十条。
	// +optional
	// +kubebuilder:validation:MaxLength=512
	Citation string `json:"citation,omitempty"`

	// justification explains why residents' interests need the village (required for ResidentInterest).
	// 理由：依据为群众利益时必填，说明为何确需村（社区）承担或协助。
	// +optional
	// +kubebuilder:validation:MaxLength=2048
	Justification string `json:"justification,omitempty"`

	// validUntil is the date (YYYY-MM-DD) on which the basis lapses — a
	// document with a term, a pilot that ends, a law known to be replaced.
	// From that date the operator retires the item by itself (S7), the
	// reason naming the basis, and the next revision drops it.
	// 依据失效日期（YYYY-MM-DD），如文件有效期届满、试点结束；自该日起事项自动退出清单（S7）。
	// +optional
	// +kubebuilder:validation:Format=date
	ValidUntil string `json:"validUntil,omitempty"`
}

// Scope is which villages an item applies to.
type Scope struct {
	// counties limits the item to these 6-digit county codes (of its jurisdiction);
	// empty means the whole jurisdiction: citywide, or province-wide for a province item.
	// 适用的县（市、区）代码；为空表示全市适用。
	// +optional
	// +listType=set
	// +kubebuilder:validation:MaxItems=256
	Counties []string `json:"counties,omitempty"`

	// villageTypes limits the item to villages, communities or both (the default).
	// 适用的村社类型，默认村和社区均适用。
	// +optional
	// +listType=set
	// +kubebuilder:validation:MaxItems=2
	// +kubebuilder:validation:items:Enum=Village;Community
	VillageTypes []VillageType `json:"villageTypes,omitempty"`
}

// Retirement retires an item from the lists (S7): it leaves the next revision
// and stays in history.
// +kubebuilder:validation:XValidation:rule="has(self.reason) && size(self.reason.trim()) > 0",message="S7 事项退出清单须写明理由（retirement.reason），如依据已废止 / a retirement needs its reason (retirement.reason), e.g. the basis was repealed",fieldPath=".reason",reason=FieldValueRequired
type Retirement struct {
	// reason says why the item leaves the lists, e.g. its basis was repealed. Required.
	// 退出理由，如依据已废止。必填。
	// +optional
	// +kubebuilder:validation:MaxLength=1024
	Reason string `json:"reason"`

	// effective is the date (YYYY-MM-DD) from which the item is retired.
	// 退出生效日期（YYYY-MM-DD）。
	// +required
	// +kubebuilder:validation:Format=date
	Effective string `json:"effective"`
}

// ListItemSpec is one entry of one of the six lists. Everything but
// retirement is covered by the digest that approvals sign (S5).
// 六张清单中的一项。除 retirement 外，spec 全部纳入审核签名的摘要（S5）。
// +kubebuilder:validation:XValidation:rule="has(self.basis)",message="S3 事项须写明设立依据（spec.basis）：法律、法规、市级以上文件或群众利益，及其出处 / an item needs its basis (spec.basis): a law, a regulation, a document of the city or above, or residents' interest, with its citation",fieldPath=".basis",reason=FieldValueRequired
type ListItemSpec struct {
	// list is the list the item belongs to (S1).
	// 所属清单（S1）。
	// +required
	List ListKind `json:"list"`

	// jurisdiction is the code of the city (4 digits, 3303) or province (2
	// digits, 33) whose lists the item is on: its review units approve it and
	// it reaches that jurisdiction's villages only; a province item (its basis
	// a provincial document) reaches every city of the province. Empty means
	// the default jurisdiction (the one marked spec.default), so items made
	// before jurisdictions existed keep their meaning and their digest.
	// 所属辖区代码：市 4 位（3303），省 2 位（33）。为空表示默认辖区（spec.default 为真者），
	// 引入辖区之前创建的对象含义不变。
	// +optional
	// +kubebuilder:validation:XValidation:rule="self.matches('^([0-9]{2}|[0-9]{4})$')",message="S1 jurisdiction 须为 2 位（省）或 4 位（市）区划代码 / jurisdiction must be a 2-digit (province) or 4-digit (city) code"
	// +kubebuilder:validation:XValidation:rule="self == oldSelf",message="S1 jurisdiction 不可修改 / jurisdiction is immutable"
	Jurisdiction string `json:"jurisdiction,omitempty"`

	// title is the item as villages read it.
	// 事项名称。
	// +required
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=256
	Title string `json:"title"`

	// content describes the work, certificate, duty or power.
	// 事项内容。
	// +optional
	// +kubebuilder:validation:MaxLength=8192
	Content string `json:"content,omitempty"`

	// applicant is who applied for the item (S4).
	// 申报主体（S4）。
	// +required
	Applicant Applicant `json:"applicant"`

	// basis is the ground of the item (S3). Required.
	// 设立依据（S3）。必填。
	// +optional
	Basis Basis `json:"basis"`

	// villageRole is Undertake (承担) or Assist (协助); Admission items only (S1).
	// 村（社区）角色：承担或协助；仅准入事项填写（S1）。
	// +optional
	VillageRole VillageRole `json:"villageRole,omitempty"`

	// responsibleDepartments may assign tasks under this item (S2).
	// 可依本事项向村（社区）派发任务的责任部门（S2）。
	// +optional
	// +listType=set
	// +kubebuilder:validation:MaxItems=32
	ResponsibleDepartments []string `json:"responsibleDepartments,omitempty"`

	// residentFacing items may be posted on village walls (S17).
	// 是否为群众需知的服务事项，可上墙公示（S17）。
	// +optional
	ResidentFacing bool `json:"residentFacing,omitempty"`

	// scope is which villages the item applies to.
	// 适用范围。
	// +optional
	Scope Scope `json:"scope,omitempty"`

	// funding says which budget pays the village for the work; Admission
	// items only (S20, 费随事转). An Admission item without it, or whose money
	// does not follow the work to the village, is flagged for the review
	// units: a warning at admission, the Funded condition, kubectl cunshe
	// validate and diff.
	// 经费保障：由哪项经费向村（社区）支付本项工作，仅准入事项填写（S20 减冗余不减经费、费随事转）。
	// 未写明或经费不随事转的准入事项将提示联审单位。
	// +optional
	Funding *Funding `json:"funding,omitempty"`

	// flowRef names the PowerFlow of a MicroPower item (P1).
	// 小微权力事项对应的运行流程图（PowerFlow）名称（P1）。
	// +optional
	// +kubebuilder:validation:MaxLength=253
	FlowRef string `json:"flowRef,omitempty"`

	// retirement, once set, retires the item (S7); it is the only change an approved item accepts.
	// 退出设置（S7）；已通过审核的事项只能修改此项。
	// +optional
	Retirement *Retirement `json:"retirement,omitempty"`
}

// ItemPhase is where an item stands in joint review.
// +kubebuilder:validation:Enum=Pending;Approved;Rejected;Retired
type ItemPhase string

const (
	// PhasePending: not every required unit has approved the current digest.
	PhasePending ItemPhase = "Pending"
	// PhaseApproved: every required unit approved the current digest (S5).
	PhaseApproved ItemPhase = "Approved"
	// PhaseRejected: a required unit rejected the current digest.
	PhaseRejected ItemPhase = "Rejected"
	// PhaseRetired: the item was approved and has been retired (S7).
	PhaseRetired ItemPhase = "Retired"
)

// ApprovalDecision is a unit's decision on an item.
// +kubebuilder:validation:Enum=Approve;Reject
type ApprovalDecision string

const (
	// DecisionApprove agrees to the item entering the lists.
	DecisionApprove ApprovalDecision = "Approve"
	// DecisionReject refuses it.
	DecisionReject ApprovalDecision = "Reject"
)

// VerifiedBy says how an approval was proven to come from its unit.
// +kubebuilder:validation:Enum=Signature;Membership
type VerifiedBy string

const (
	// VerifiedBySignature: an Ed25519 signature verified against one of the unit's keys.
	VerifiedBySignature VerifiedBy = "Signature"
	// VerifiedByMembership: created unsigned by a member of the unit's group.
	VerifiedByMembership VerifiedBy = "Membership"
)

// UnitDecision is one unit's counted decision on the item's current digest.
type UnitDecision struct {
	// unit is the ReviewUnit's name.
	Unit string `json:"unit"`
	// decision is Approve or Reject.
	Decision ApprovalDecision `json:"decision"`
	// approval is the ItemApproval's name.
	Approval string `json:"approval"`
	// verifiedBy is Signature or Membership.
	VerifiedBy VerifiedBy `json:"verifiedBy"`
	// by is who applied the approval (the API user), or the signing key for signed ones.
	// +optional
	By string `json:"by,omitempty"`
	// at is when the approval was created.
	// +optional
	At metav1.Time `json:"at,omitempty"`
}

// ListItemStatus is the item's joint-review state, rebuilt by the operator.
type ListItemStatus struct {
	// observedGeneration is the generation this status describes.
	// +optional
	ObservedGeneration int64 `json:"observedGeneration,omitempty"`

	// conditions: Ready (approved and not retired) and Approved.
	// +optional
	// +listType=map
	// +listMapKey=type
	// +kubebuilder:validation:MaxItems=8
	Conditions []metav1.Condition `json:"conditions,omitempty"`

	// phase is Pending, Approved, Rejected or Retired.
	// 审核状态：待审、通过、驳回、已退出。
	// +optional
	Phase ItemPhase `json:"phase,omitempty"`

	// digest is the canonical SHA-256 of the spec without retirement: what approvals sign.
	// 规范化 spec（不含 retirement）的 SHA-256 摘要，即审核意见签署的内容。
	// +optional
	Digest string `json:"digest,omitempty"`

	// approvals are the counted decisions on the current digest, one per unit.
	// 各联审单位对当前摘要的有效意见。
	// +optional
	// +listType=map
	// +listMapKey=unit
	// +kubebuilder:validation:MaxItems=16
	Approvals []UnitDecision `json:"approvals,omitempty"`

	// approvedUnits counts required units that approved the current digest.
	// +optional
	ApprovedUnits int32 `json:"approvedUnits,omitempty"`

	// requiredUnits counts the required review units.
	// +optional
	RequiredUnits int32 `json:"requiredUnits,omitempty"`

	// approvalSummary reads approvedUnits/requiredUnits, e.g. 3/4.
	// +optional
	ApprovalSummary string `json:"approvalSummary,omitempty"`

	// approvedDigest is the digest that was approved; once set, the item can
	// never be deleted, only retired (S7).
	// 已通过审核的摘要；一经设置，事项不可删除，只能退出（S7）。
	// +optional
	ApprovedDigest string `json:"approvedDigest,omitempty"`

	// approvedAt is when the item was approved.
	// +optional
	ApprovedAt *metav1.Time `json:"approvedAt,omitempty"`
}

// ListItem is one entry of the six lists (S1). It enters the lists only when
// every required review unit approved its digest (S5); once approved its spec
// is frozen but for retirement (S7).
// 清单事项（S1）：经全部联审单位同意其摘要后方入清单（S5）；通过后只能退出，不能修改或删除（S7）。
//
// +kubebuilder:object:root=true
// +kubebuilder:subresource:status
// +kubebuilder:resource:scope=Cluster,shortName=li,categories=cunshe
// +kubebuilder:printcolumn:name="List",type=string,JSONPath=`.spec.list`
// +kubebuilder:printcolumn:name="Title",type=string,JSONPath=`.spec.title`
// +kubebuilder:printcolumn:name="Applicant",type=string,JSONPath=`.spec.applicant.name`
// +kubebuilder:printcolumn:name="Phase",type=string,JSONPath=`.status.phase`
// +kubebuilder:printcolumn:name="Approvals",type=string,JSONPath=`.status.approvalSummary`
// +kubebuilder:printcolumn:name="Age",type=date,JSONPath=`.metadata.creationTimestamp`
type ListItem struct {
	metav1.TypeMeta `json:",inline"`
	// +optional
	metav1.ObjectMeta `json:"metadata,omitempty"`

	// spec is the item as applied for.
	// +required
	Spec ListItemSpec `json:"spec"`

	// status is written by the operator.
	// +optional
	// +kubebuilder:default={observedGeneration: 0}
	Status ListItemStatus `json:"status,omitempty"`
}

// WasApproved reports whether the item was ever approved (S7: then it is never deleted).
func (i *ListItem) WasApproved() bool { return i.Status.ApprovedDigest != "" }

// +kubebuilder:object:root=true

// ListItemList is a list of ListItems.
type ListItemList struct {
	metav1.TypeMeta `json:",inline"`
	// +optional
	metav1.ListMeta `json:"metadata,omitempty"`
	Items           []ListItem `json:"items"`
}

func init() {
	SchemeBuilder.Register(&ListItem{}, &ListItemList{})
}
