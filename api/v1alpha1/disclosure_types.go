package v1alpha1

import metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

// DisclosureCategory is which public record a disclosure is (S10): the
// three 三务公开 categories and the village's other resident-facing records.
// +kubebuilder:validation:Enum=PartyAffairs;VillageAffairs;Finance;VillageRules;Services;Consultation
type DisclosureCategory string

const (
	DisclosurePartyAffairs   DisclosureCategory = "PartyAffairs"   // 党务公开
	DisclosureVillageAffairs DisclosureCategory = "VillageAffairs" // 村务公开
	DisclosureFinance        DisclosureCategory = "Finance"        // 财务公开
	DisclosureVillageRules   DisclosureCategory = "VillageRules"   // 村规民约
	DisclosureServices       DisclosureCategory = "Services"       // 社区服务
	DisclosureConsultation   DisclosureCategory = "Consultation"   // 民主协商
)

// DisclosureCategories lists the categories in the order pages show them.
var DisclosureCategories = []DisclosureCategory{
	DisclosurePartyAffairs, DisclosureVillageAffairs, DisclosureFinance,
	DisclosureVillageRules, DisclosureServices, DisclosureConsultation,
}

// DisclosureCategoryTitles are the categories' Chinese names.
var DisclosureCategoryTitles = map[DisclosureCategory]string{
	DisclosurePartyAffairs:   "党务公开",
	DisclosureVillageAffairs: "村务公开",
	DisclosureFinance:        "财务公开",
	DisclosureVillageRules:   "村规民约",
	DisclosureServices:       "社区服务",
	DisclosureConsultation:   "民主协商",
}

// DisclosureFormat is how a disclosure's body is written.
// +kubebuilder:validation:Enum=Text;Markdown
type DisclosureFormat string

const (
	DisclosureText     DisclosureFormat = "Text"
	DisclosureMarkdown DisclosureFormat = "Markdown"
)

// Limits of a disclosure, named in the refusals (internal/rules).
const (
	MaxDisclosureBody  = 32768 // bytes of body
	MaxDisclosureTitle = 200   // characters of title
	MaxDisclosureLinks = 16
)

// DisclosureLink is a document a disclosure points to (a scanned ledger, a
// resolution, a spreadsheet on the platform).
type DisclosureLink struct {
	// title says what the link is.
	// 链接说明。
	// +required
	// +kubebuilder:validation:MaxLength=200
	Title string `json:"title"`
	// url is an http or https address.
	// 链接地址（http 或 https）。
	// +required
	// +kubebuilder:validation:MaxLength=2048
	URL string `json:"url"`
}

// DisclosureSpec is one public record of a village (S10, 三务公开). A
// published record never changes; a correction is a new record that names
// the one it supersedes.
// 村（社区）公开事项（S10 三务公开）：一经公开不得修改或删除，更正须另发一条并注明所更正的记录。
type DisclosureSpec struct {
	// category is PartyAffairs, VillageAffairs, Finance, VillageRules, Services or Consultation.
	// 公开类别：党务、村务、财务、村规民约、社区服务、民主协商。
	// +required
	Category DisclosureCategory `json:"category"`

	// title is the record's heading.
	// 标题。
	// +required
	// +kubebuilder:validation:MaxLength=1024
	Title string `json:"title"`

	// period is what the record covers: a year (2026), half (2026-H2),
	// quarter (2026-Q3), month (2026-11) or day (2026-11-30).
	// 公开所属期间：年、半年、季度、月或日。
	// +required
	// +kubebuilder:validation:MaxLength=10
	Period string `json:"period"`

	// format is Text (the default) or Markdown.
	// 正文格式：纯文本（默认）或 Markdown。
	// +optional
	Format DisclosureFormat `json:"format,omitempty"`

	// body is the record's text, at most 32 KiB.
	// 正文，不超过 32 KiB。
	// +required
	// +kubebuilder:validation:MaxLength=65536
	Body string `json:"body"`

	// links point to the documents behind the record.
	// 相关文件链接。
	// +optional
	// +kubebuilder:validation:MaxItems=64
	Links []DisclosureLink `json:"links,omitempty"`

	// supersedes names the record of the same village this one corrects; the
	// old record stays published, marked superseded.
	// 本条所更正的原记录名称；原记录继续公开，标注“已更正”。
	// +optional
	// +kubebuilder:validation:MaxLength=253
	Supersedes string `json:"supersedes,omitempty"`

	// correction says what was wrong with the superseded record.
	// 更正说明。
	// +optional
	// +kubebuilder:validation:MaxLength=2048
	Correction string `json:"correction,omitempty"`
}

// DisclosureStatus says whether a record still stands.
type DisclosureStatus struct {
	// +optional
	ObservedGeneration int64 `json:"observedGeneration,omitempty"`
	// village is the code of the village whose record this is.
	// +optional
	Village string `json:"village,omitempty"`
	// supersededBy names the record that corrects this one.
	// 更正本条的记录。
	// +optional
	SupersededBy string `json:"supersededBy,omitempty"`
	// +optional
	// +listType=map
	// +listMapKey=type
	// +kubebuilder:validation:MaxItems=8
	Conditions []metav1.Condition `json:"conditions,omitempty"`
}

// Disclosure is one of a village's public records (S10, 三务公开: Party
// affairs, village affairs, finances, and its rules, services and
// consultations), filed by its cadres in its own tenant and shown on its
// public page.
// 村（社区）公开记录（S10），由本村（社区）干部在本村命名空间中发布。
//
// +kubebuilder:object:root=true
// +kubebuilder:subresource:status
// +kubebuilder:resource:scope=Namespaced,shortName=disc,categories=cunshe
// +kubebuilder:printcolumn:name="Category",type=string,JSONPath=`.spec.category`
// +kubebuilder:printcolumn:name="Period",type=string,JSONPath=`.spec.period`
// +kubebuilder:printcolumn:name="Title",type=string,JSONPath=`.spec.title`
// +kubebuilder:printcolumn:name="Supersedes",type=string,JSONPath=`.spec.supersedes`,priority=1
// +kubebuilder:printcolumn:name="Superseded-By",type=string,JSONPath=`.status.supersededBy`
// +kubebuilder:printcolumn:name="Age",type=date,JSONPath=`.metadata.creationTimestamp`
type Disclosure struct {
	metav1.TypeMeta `json:",inline"`
	// +optional
	metav1.ObjectMeta `json:"metadata,omitempty"`
	// +required
	Spec DisclosureSpec `json:"spec"`
	// +optional
	// +kubebuilder:default={observedGeneration: 0}
	Status DisclosureStatus `json:"status,omitempty"`
}

// +kubebuilder:object:root=true

// DisclosureList is a list of Disclosures.
type DisclosureList struct {
	metav1.TypeMeta `json:",inline"`
	// +optional
	metav1.ListMeta `json:"metadata,omitempty"`
	Items           []Disclosure `json:"items"`
}

func init() {
	SchemeBuilder.Register(&Disclosure{}, &DisclosureList{})
}
