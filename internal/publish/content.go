package publish

import (
	"crypto/sha256"
	"encoding/hex"

	"sigs.k8s.io/yaml"

	governancev1alpha1 "github.com/cunshe/cunshe-operator/api/v1alpha1"
	"github.com/cunshe/cunshe-operator/internal/rules"
)

// VillageLists is what one village receives: the items of a revision that
// apply to it, grouped by list, with the flows of its micro-powers (S1, S10).
type VillageLists struct {
	Revision int64       `json:"revision"`
	Lists    []ListGroup `json:"lists"`
	Flows    []Flow      `json:"flows,omitempty"`
}

// ListGroup is one of the six lists as the village holds it.
type ListGroup struct {
	List  governancev1alpha1.ListKind `json:"list"`
	Title string                      `json:"title"`
	Items []Item                      `json:"items"`
}

// Item is one published item as the village reads it.
type Item struct {
	Name                   string                         `json:"name"`
	Title                  string                         `json:"title"`
	Content                string                         `json:"content,omitempty"`
	VillageRole            governancev1alpha1.VillageRole `json:"villageRole,omitempty"`
	Basis                  string                         `json:"basis"`
	ResponsibleDepartments []string                       `json:"responsibleDepartments,omitempty"`
	ResidentFacing         bool                           `json:"residentFacing,omitempty"`
	Flow                   string                         `json:"flow,omitempty"`
	Digest                 string                         `json:"digest"`

	// Funding is who pays the village for an Admission item's work (S20).
	Funding *governancev1alpha1.Funding `json:"funding,omitempty"`
}

// Flow is a micro-power flowchart, as published with its items.
type Flow struct {
	Name  string                        `json:"name"`
	Title string                        `json:"title"`
	Start string                        `json:"start"`
	Steps []governancev1alpha1.FlowStep `json:"steps"`
}

// Catalog resolves a revision's references: approved specs never change, so
// the live ListItems and PowerFlows give each reference's content.
type Catalog struct {
	Items map[string]*governancev1alpha1.ListItem
	Flows map[string]*governancev1alpha1.PowerFlow
}

// ForVillage builds the lists of one village for a revision. They depend on
// the village's county and type only, so callers render them once per group.
func ForVillage(rev *governancev1alpha1.ListRevision, v *governancev1alpha1.Village, c Catalog) VillageLists {
	out := VillageLists{Revision: rev.Spec.Revision}
	place := rules.PlaceOf(v)
	groups := map[governancev1alpha1.ListKind]*ListGroup{}
	flows := map[string]bool{}
	for _, ref := range rev.Spec.Items {
		item := c.Items[ref.Name]
		if item == nil || !rules.InScope(item.Spec.Scope, place) {
			continue
		}
		g := groups[ref.List]
		if g == nil {
			g = &ListGroup{List: ref.List, Title: governancev1alpha1.ListTitles[ref.List]}
			groups[ref.List] = g
		}
		g.Items = append(g.Items, Item{
			Name: item.Name, Title: item.Spec.Title, Content: item.Spec.Content, VillageRole: item.Spec.VillageRole,
			Basis: item.Spec.Basis.Citation, ResponsibleDepartments: item.Spec.ResponsibleDepartments,
			ResidentFacing: item.Spec.ResidentFacing, Funding: item.Spec.Funding, Flow: item.Spec.FlowRef, Digest: ref.Digest,
		})
		if ref := item.Spec.FlowRef; ref != "" && !flows[ref] && c.Flows[ref] != nil {
			flows[ref] = true
			f := c.Flows[ref]
			out.Flows = append(out.Flows, Flow{Name: f.Name, Title: f.Spec.Title, Start: f.Spec.Start, Steps: f.Spec.Steps})
		}
	}
	for _, l := range governancev1alpha1.Lists {
		if g := groups[l]; g != nil {
			out.Lists = append(out.Lists, *g)
		}
	}
	return out
}

// Render encodes a village's lists for its ConfigMap and hashes them.
func Render(l VillageLists) (data, hash string, err error) {
	raw, err := yaml.Marshal(l)
	if err != nil {
		return "", "", err
	}
	sum := sha256.Sum256(raw)
	return string(raw), "sha256:" + hex.EncodeToString(sum[:]), nil
}

// FundingText is an Admission item's funding as villages read it (S20):
// the source and budget, and whether the money follows the work (费随事转);
// "未写明" when the item names none.
func FundingText(f *governancev1alpha1.Funding) string {
	if f == nil {
		return "未写明"
	}
	follows := "费随事转"
	if !f.FeeFollowsWork {
		follows = "经费不随事转"
	}
	return rules.FundingSourceTitle(f.Source) + "：" + f.Budget + "；" + follows
}
