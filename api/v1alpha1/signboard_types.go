package v1alpha1

import metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

// SignboardOrientation is how a board hangs: text runs top to bottom on a
// vertical board, left to right on a horizontal one.
// +kubebuilder:validation:Enum=Vertical;Horizontal
type SignboardOrientation string

const (
	OrientationVertical   SignboardOrientation = "Vertical"   // 竖牌
	OrientationHorizontal SignboardOrientation = "Horizontal" // 横牌
)

// SignboardStyleSpec is a township's one format for every board of its
// villages (S15): size, colours, typeface and material.
// 乡镇（街道）统一的牌子样式（S15）：统一格式、统一颜色、规范汉字、统一材质。
type SignboardStyleSpec struct {
	// township is the township or sub-district that makes the boards; its code is the style's name.
	// 制作牌子的乡镇（街道）；其代码即本对象名称。
	// +required
	// +kubebuilder:validation:XValidation:rule="self.code.matches('^[0-9]{9}$')",message="S15 spec.township.code 必须是 9 位乡镇（街道）代码 / spec.township.code must be a 9-digit township code"
	Township Division `json:"township"`

	// widthMM is the board's width in millimetres, e.g. 600.
	// 牌子宽度（毫米），如 600。
	// +required
	// +kubebuilder:validation:Minimum=100
	// +kubebuilder:validation:Maximum=10000
	WidthMM int32 `json:"widthMM"`

	// heightMM is the board's height in millimetres, e.g. 2400.
	// 牌子高度（毫米），如 2400。
	// +required
	// +kubebuilder:validation:Minimum=100
	// +kubebuilder:validation:Maximum=10000
	HeightMM int32 `json:"heightMM"`

	// orientation is Vertical (竖牌, text top to bottom) or Horizontal (横牌).
	// 竖牌（Vertical）或横牌（Horizontal）。
	// +required
	Orientation SignboardOrientation `json:"orientation"`

	// background is the board's colour as #RRGGBB, e.g. #FFFFFF.
	// 底色，#RRGGBB，如 #FFFFFF（白底）。
	// +required
	// +kubebuilder:validation:Pattern=`^#[0-9A-Fa-f]{6}$`
	Background string `json:"background"`

	// foreground is the text's colour as #RRGGBB, e.g. #000000.
	// 字色，#RRGGBB，如 #000000（黑字）。
	// +required
	// +kubebuilder:validation:Pattern=`^#[0-9A-Fa-f]{6}$`
	Foreground string `json:"foreground"`

	// typeface is the font the texts are set in, e.g. 方正小标宋简体.
	// 字体，如“方正小标宋简体”。
	// +required
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=64
	Typeface string `json:"typeface"`

	// material is what the boards are made of, e.g. 钛金不锈钢.
	// 材质，如“钛金不锈钢”。
	// +required
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=64
	Material string `json:"material"`
}

// SignboardStyleStatus summarises the township's villages' signboard sets:
// counts, never one entry per finding (each set's own status has the detail).
// 本乡镇（街道）各村（社区）牌子合规情况汇总；详情见各村的 SignboardSet。
type SignboardStyleStatus struct {
	// observedGeneration is the generation this status describes.
	// +optional
	ObservedGeneration int64 `json:"observedGeneration,omitempty"`

	// conditions: Ready is true when every village of the township has a compliant set.
	// 状态条件：本乡镇（街道）全部村（社区）牌子合规时 Ready 为 True。
	// +optional
	// +listType=map
	// +listMapKey=type
	// +kubebuilder:validation:MaxItems=8
	Conditions []metav1.Condition `json:"conditions,omitempty"`

	// villages is the number of villages of the township.
	// 本乡镇（街道）村（社区）数。
	// +optional
	Villages int32 `json:"villages"`

	// compliant counts villages whose SignboardSet meets S12–S16.
	// 牌子合规的村（社区）数。
	// +optional
	Compliant int32 `json:"compliant"`

	// noncompliant counts villages whose SignboardSet breaks a rule.
	// 牌子不合规的村（社区）数。
	// +optional
	Noncompliant int32 `json:"noncompliant"`

	// missing counts villages that have no SignboardSet.
	// 尚无 SignboardSet 的村（社区）数。
	// +optional
	Missing int32 `json:"missing"`
}

// SignboardStyle is a township's unified board format (S15); its name is
// the township's 9-digit code, so a township has exactly one.
// 乡镇（街道）统一的村（社区）牌子样式（S15），名称为 9 位乡镇代码，每个乡镇一个。
//
// +kubebuilder:object:root=true
// +kubebuilder:subresource:status
// +kubebuilder:resource:scope=Cluster,shortName=sbs,categories=cunshe
// +kubebuilder:printcolumn:name="Township",type=string,JSONPath=`.spec.township.name`
// +kubebuilder:printcolumn:name="Orientation",type=string,JSONPath=`.spec.orientation`
// +kubebuilder:printcolumn:name="Material",type=string,JSONPath=`.spec.material`
// +kubebuilder:printcolumn:name="Villages",type=integer,JSONPath=`.status.villages`
// +kubebuilder:printcolumn:name="Compliant",type=integer,JSONPath=`.status.compliant`
// +kubebuilder:printcolumn:name="Noncompliant",type=integer,JSONPath=`.status.noncompliant`
// +kubebuilder:printcolumn:name="Missing",type=integer,JSONPath=`.status.missing`
// +kubebuilder:printcolumn:name="Ready",type=string,JSONPath=`.status.conditions[?(@.type=="Ready")].status`
// +kubebuilder:validation:XValidation:rule="self.metadata.name == self.spec.township.code",message="S15 metadata.name 必须等于 spec.township.code（每个乡镇一个样式） / metadata.name must equal spec.township.code (one style per township)"
type SignboardStyle struct {
	metav1.TypeMeta `json:",inline"`
	// +optional
	metav1.ObjectMeta `json:"metadata,omitempty"`

	// spec is the township's format.
	// +required
	Spec SignboardStyleSpec `json:"spec"`

	// status is written by the operator.
	// +optional
	// +kubebuilder:default={observedGeneration: 0}
	Status SignboardStyleStatus `json:"status,omitempty"`
}

// +kubebuilder:object:root=true

// SignboardStyleList is a list of SignboardStyles.
type SignboardStyleList struct {
	metav1.TypeMeta `json:",inline"`
	// +optional
	metav1.ListMeta `json:"metadata,omitempty"`
	Items           []SignboardStyle `json:"items"`
}

// InstitutionBoardType is one of the four institution boards outside the office (S12).
// +kubebuilder:validation:Enum=PartyOrganization;VillagersCommittee;ResidentsCommittee;SupervisionCommittee;EconomicCooperative
type InstitutionBoardType string

const (
	BoardPartyOrganization    InstitutionBoardType = "PartyOrganization"    // 党组织
	BoardVillagersCommittee   InstitutionBoardType = "VillagersCommittee"   // 村民委员会（村）
	BoardResidentsCommittee   InstitutionBoardType = "ResidentsCommittee"   // 居民委员会（社区）
	BoardSupervisionCommittee InstitutionBoardType = "SupervisionCommittee" // 村务（居务）监督委员会
	BoardEconomicCooperative  InstitutionBoardType = "EconomicCooperative"  // 经济（股份经济）合作社
)

// ServiceSignType is one of the service signs of the service places (S13).
// +kubebuilder:validation:Enum=PartyMassServiceCenter;CommunityServiceCenter;CulturalHall;CommunityCultureHome;CivilizationPracticeStation;ElderlyCareCenter;MicroFireStation;PoliceRoom;GovernanceCenter;HealthStation;DisasterShelter
type ServiceSignType string

const (
	SignPartyMassServiceCenter      ServiceSignType = "PartyMassServiceCenter"      // 党群服务中心
	SignCommunityServiceCenter      ServiceSignType = "CommunityServiceCenter"      // 社区服务中心
	SignCulturalHall                ServiceSignType = "CulturalHall"                // 村文化礼堂
	SignCommunityCultureHome        ServiceSignType = "CommunityCultureHome"        // 社区文化家园（社区）
	SignCivilizationPracticeStation ServiceSignType = "CivilizationPracticeStation" // 新时代文明实践站（无文化礼堂的村）
	SignElderlyCareCenter           ServiceSignType = "ElderlyCareCenter"           // 居家养老服务照料中心
	SignMicroFireStation            ServiceSignType = "MicroFireStation"            // 社区微型消防站
	SignPoliceRoom                  ServiceSignType = "PoliceRoom"                  // 警务室
	SignGovernanceCenter            ServiceSignType = "GovernanceCenter"            // 综治服务中心
	SignHealthStation               ServiceSignType = "HealthStation"               // 卫生服务站
	SignDisasterShelter             ServiceSignType = "DisasterShelter"             // 避灾安置点
)

// InstitutionBoard is one institution board and the text it carries.
type InstitutionBoard struct {
	// type is the institution, e.g. PartyOrganization.
	// 机构类型。
	// +required
	Type InstitutionBoardType `json:"type"`

	// text is what the board says, in standard simplified characters (规范汉字, S15), naming the village.
	// 牌子文字：规范汉字（S15），须写明本村（社区）名称。
	// +required
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=64
	Text string `json:"text"`
}

// ServiceSign is one service sign and the text it carries.
type ServiceSign struct {
	// type is the service place, e.g. PartyMassServiceCenter.
	// 服务场所类型。
	// +required
	Type ServiceSignType `json:"type"`

	// text is what the sign says, in standard simplified characters (规范汉字, S15), naming the village.
	// 标牌文字：规范汉字（S15），须写明本村（社区）名称。
	// +required
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=64
	Text string `json:"text"`
}

// HonourDisplay is where an honour is shown.
// +kubebuilder:validation:Enum=Inside;Outside
type HonourDisplay string

const (
	// DisplayInside: kept and shown together inside (S16).
	DisplayInside HonourDisplay = "Inside"
	// DisplayOutside: hung outside, which S16 forbids.
	DisplayOutside HonourDisplay = "Outside"
)

// Honour is a plaque, certificate or trophy the village received.
type Honour struct {
	// title is the honour, e.g. 省级文明社区.
	// 荣誉名称，如“省级文明社区”。
	// +required
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=128
	Title string `json:"title"`

	// display is where it is shown: Inside only (S16).
	// 展示位置：只能室内集中展示（Inside，S16）。
	// +required
	Display HonourDisplay `json:"display"`
}

// SignboardSetSpec is what a village hangs (S12–S16).
// 村（社区）悬挂的牌子（S12–S16）。
type SignboardSetSpec struct {
	// style names the township's SignboardStyle (its 9-digit code); a set has no style of its own (S15).
	// 所用样式：本乡镇（街道）的 SignboardStyle（9 位代码）；村（社区）不得自定样式（S15）。
	// +required
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=63
	Style string `json:"style"`

	// institutionBoards are the boards outside the office: exactly the four institutions, once each (S12).
	// 办公场所外的机构牌子：党组织、村（居）民委员会、村（居）务监督委员会、村经济（股份经济）合作社，各一块（S12）。
	// +optional
	// +kubebuilder:validation:MaxItems=16
	InstitutionBoards []InstitutionBoard `json:"institutionBoards,omitempty"`

	// serviceSigns are the eight signs of the service places, once each, with the allowed alternates (S13).
	// 服务场所的八块标牌，各一块，可按规定替换（S13）。
	// +optional
	// +kubebuilder:validation:MaxItems=32
	ServiceSigns []ServiceSign `json:"serviceSigns,omitempty"`

	// honours are plaques, certificates and trophies; they are shown together inside, never outside (S16).
	// 荣誉（牌匾、证书、奖杯），只能在室内集中展示（S16）。
	// +optional
	// +kubebuilder:validation:MaxItems=256
	Honours []Honour `json:"honours,omitempty"`
}

// SignboardSetStatus is the set's compliance, as the operator found it.
// 牌子合规情况，由 operator 写入。
type SignboardSetStatus struct {
	// observedGeneration is the generation this status describes.
	// +optional
	ObservedGeneration int64 `json:"observedGeneration,omitempty"`

	// conditions: Compliant (meets S12–S16) and Ready (summarises it).
	// 状态条件：Compliant（符合 S12–S16）与 Ready。
	// +optional
	// +listType=map
	// +listMapKey=type
	// +kubebuilder:validation:MaxItems=8
	Conditions []metav1.Condition `json:"conditions,omitempty"`

	// missingBoards are the boards and signs the village lacks, e.g. VillagersCommittee
	// or CulturalHall|CivilizationPracticeStation where either will do.
	// 缺少的牌子类型（可替换的以 | 分隔）。
	// +optional
	// +kubebuilder:validation:MaxItems=16
	MissingBoards []string `json:"missingBoards,omitempty"`

	// extraBoards are boards that should not hang: repeats and types that are not the village's.
	// 多出或不应悬挂的牌子类型。
	// +optional
	// +kubebuilder:validation:MaxItems=48
	ExtraBoards []string `json:"extraBoards,omitempty"`
}

// SignboardSet is the boards and signs a village hangs (S12–S16); one per
// village, named signboards, in the village's tenant namespace.
// 村（社区）的机构牌子、服务标牌与荣誉（S12–S16），每村一个，名为 signboards，位于村租户命名空间。
//
// +kubebuilder:object:root=true
// +kubebuilder:subresource:status
// +kubebuilder:resource:shortName=sbset,categories=cunshe
// +kubebuilder:printcolumn:name="Style",type=string,JSONPath=`.spec.style`
// +kubebuilder:printcolumn:name="Compliant",type=string,JSONPath=`.status.conditions[?(@.type=="Compliant")].status`
// +kubebuilder:printcolumn:name="Missing",type=string,JSONPath=`.status.missingBoards`
// +kubebuilder:printcolumn:name="Extra",type=string,JSONPath=`.status.extraBoards`
// +kubebuilder:printcolumn:name="Age",type=date,JSONPath=`.metadata.creationTimestamp`
// +kubebuilder:validation:XValidation:rule="self.metadata.name == 'signboards'",message="S12 每个村（社区）一个 SignboardSet，名称须为 signboards / one SignboardSet per village, named signboards"
type SignboardSet struct {
	metav1.TypeMeta `json:",inline"`
	// +optional
	metav1.ObjectMeta `json:"metadata,omitempty"`

	// spec is what the village hangs.
	// +required
	Spec SignboardSetSpec `json:"spec"`

	// status is written by the operator.
	// +optional
	// +kubebuilder:default={observedGeneration: 0}
	Status SignboardSetStatus `json:"status,omitempty"`
}

// SignboardSetName is the name of every village's SignboardSet.
const SignboardSetName = "signboards"

// +kubebuilder:object:root=true

// SignboardSetList is a list of SignboardSets.
type SignboardSetList struct {
	metav1.TypeMeta `json:",inline"`
	// +optional
	metav1.ListMeta `json:"metadata,omitempty"`
	Items           []SignboardSet `json:"items"`
}

func init() {
	SchemeBuilder.Register(&SignboardStyle{}, &SignboardStyleList{}, &SignboardSet{}, &SignboardSetList{})
}
