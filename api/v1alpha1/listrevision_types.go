package v1alpha1

import (
	"strconv"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// PublishedItem references one approved item of a revision; approved specs
// never change (S5, S7), so a name and digest pin its content.
type PublishedItem struct {
	// name is the ListItem's name.
	Name string `json:"name"`
	// list is the item's list.
	List ListKind `json:"list"`
	// digest is the approved digest.
	Digest string `json:"digest"`
}

// ListRevisionSpec is one numbered snapshot of the lists as published.
// 清单版本：某一时刻已通过审核、未退出的全部事项。
// +kubebuilder:validation:XValidation:rule="self == oldSelf",message="S1 清单版本一经生成不可修改 / a list revision is immutable"
type ListRevisionSpec struct {
	// jurisdiction is the city whose lists these are; empty for revisions cut
	// before jurisdictions existed (they belong to the default city).
	// 本版本所属的市；引入辖区之前生成的版本为空（属于默认市）。
	// +optional
	Jurisdiction string `json:"jurisdiction,omitempty"`

	// revision is the revision's number, increasing by one.
	// 版本号，逐次加一。
	// +required
	// +kubebuilder:validation:Minimum=1
	Revision int64 `json:"revision"`

	// contentHash is the SHA-256 of the sorted (name, list, digest) triples.
	// 内容摘要：按名称排序的（名称、清单、摘要）的 SHA-256。
	// +required
	ContentHash string `json:"contentHash"`

	// items are the published items, sorted by name.
	// 本版本发布的事项，按名称排序。
	// +optional
	// +listType=map
	// +listMapKey=name
	// +kubebuilder:validation:MaxItems=5000
	Items []PublishedItem `json:"items,omitempty"`
}

// ListRevision is an immutable, numbered snapshot of every approved,
// unretired item: the six lists as published (S1). Written by the operator.
// 清单版本：已通过联审、未退出事项的不可变快照（S1），由 operator 生成。
//
// +kubebuilder:object:root=true
// +kubebuilder:resource:scope=Cluster,shortName=lrev,categories=cunshe
// +kubebuilder:printcolumn:name="City",type=string,JSONPath=`.spec.jurisdiction`
// +kubebuilder:printcolumn:name="Revision",type=integer,JSONPath=`.spec.revision`
// +kubebuilder:printcolumn:name="Items",type=integer,JSONPath=`.status.itemCount`
// +kubebuilder:printcolumn:name="Services-Dropped",type=integer,JSONPath=`.status.servicesDropped`
// +kubebuilder:printcolumn:name="Hash",type=string,JSONPath=`.spec.contentHash`,priority=1
// +kubebuilder:printcolumn:name="Age",type=date,JSONPath=`.metadata.creationTimestamp`
type ListRevision struct {
	metav1.TypeMeta `json:",inline"`
	// +optional
	metav1.ObjectMeta `json:"metadata,omitempty"`

	// spec is the snapshot.
	// +required
	Spec ListRevisionSpec `json:"spec"`

	// status summarises the snapshot.
	// +optional
	Status ListRevisionStatus `json:"status,omitempty"`
}

// ListRevisionStatus summarises a revision.
type ListRevisionStatus struct {
	// observedGeneration is the generation this status describes: the
	// revision's only one, since it never changes.
	// +optional
	ObservedGeneration int64 `json:"observedGeneration,omitempty"`
	// itemCount is the number of published items.
	// +optional
	ItemCount int32 `json:"itemCount"`
	// retiredServices are the items the city's previous revision held and
	// this one does not, each with the item that still carries its service,
	// if any (S20: fewer items, not fewer services).
	// 相对上一版本退出的事项，及仍提供其服务的在列事项（S20 减事项不减服务）。
	// +optional
	// +listType=map
	// +listMapKey=item
	// +kubebuilder:validation:MaxItems=5000
	RetiredServices []RetiredService `json:"retiredServices,omitempty"`
	// servicesDropped counts the retiredServices no listed item covers:
	// services villages no longer get (S20).
	// 退出后无在列事项承接的服务数（S20）。
	// +optional
	ServicesDropped int32 `json:"servicesDropped"`
	// conditions: Ready once the revision is recorded.
	// +optional
	// +listType=map
	// +listMapKey=type
	// +kubebuilder:validation:MaxItems=4
	Conditions []metav1.Condition `json:"conditions,omitempty"`
}

// RetiredService is the service an item carried until it left the lists,
// and whether an item of the revision still covers it (S20).
// 退出事项所承载的服务，及是否仍有在列事项承接（S20）。
type RetiredService struct {
	// item is the retired ListItem's name.
	Item string `json:"item"`
	// list is the retired item's list.
	List ListKind `json:"list"`
	// title is the retired item's title: the service it carried.
	// 退出事项名称，即其承载的服务。
	Title string `json:"title"`
	// coveredBy names the listed item that still carries the service (same
	// list, a responsible department in common, a similar title); empty
	// when none does: the service is dropped.
	// 承接该服务的在列事项；为空表示服务减少。
	// +optional
	CoveredBy string `json:"coveredBy,omitempty"`
	// coveredByTitle is that item's title.
	// +optional
	CoveredByTitle string `json:"coveredByTitle,omitempty"`
	// similarity is the titles' character-bigram similarity in percent
	// (rules.ServiceCoverage).
	// 两事项名称的字符二元组相似度（百分比）。
	// +optional
	Similarity int32 `json:"similarity,omitempty"`
}

// RevisionName is the object name of a city's revision n: lists-3303-7, or
// lists-7 for the one unnamed city of a cluster without jurisdictions.
func RevisionName(city string, n int64) string {
	if city == "" {
		return "lists-" + strconv.FormatInt(n, 10)
	}
	return "lists-" + city + "-" + strconv.FormatInt(n, 10)
}

// RevisionKey is the revision's jurisdiction (as written) and number, e.g.
// 3303/7: the key of the caches' revision index.
func RevisionKey(jurisdiction string, n int64) string {
	return jurisdiction + "/" + strconv.FormatInt(n, 10)
}

// +kubebuilder:object:root=true

// ListRevisionList is a list of ListRevisions.
type ListRevisionList struct {
	metav1.TypeMeta `json:",inline"`
	// +optional
	metav1.ListMeta `json:"metadata,omitempty"`
	Items           []ListRevision `json:"items"`
}

func init() {
	SchemeBuilder.Register(&ListRevision{}, &ListRevisionList{})
}
