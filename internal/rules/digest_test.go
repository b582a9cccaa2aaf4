package rules_test

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"testing"

	. "github.com/onsi/gomega"
	"sigs.k8s.io/yaml"

	governancev1alpha1 "github.com/cunshe/cunshe-operator/api/v1alpha1"
	"github.com/cunshe/cunshe-operator/internal/rules"
)

// digestFormat is the CRD's CEL rule on spec.digest of an ItemApproval.
const digestFormat = `^sha256:[0-9a-f]{64}$`

// Two people write the same item in their GitOps repositories: keys in
// another order, flow and block style, quoted and plain scalars, comments,
// sets in another order with a duplicate, villageTypes spelled out where
// the other leaves the default, and one has already set a retirement.
const (
	itemYAMLBlock = `
apiVersion: governance.cunshe.io/v1alpha1
kind: ListItem
metadata:
  name: l1-census-assist
spec:
  list: Admission
  title: 协助开展人口普查入户登记
  content: 配合统计部门开展人口普查及抽样调查的入户摸底、登记工作。
  applicant:
    kind: CityDepartment
    name: tjj
  basis:
    kind: Law
    citation: 《全国人口普查条例》第十条
  villageRole: Assist
  responsibleDepartments:
  - tjj
  - mzj
  residentFacing: true
  scope:
    counties:
    - "330302"
    - "330381"
`
	itemYAMLFlow = `# written by hand, keys as they came to mind
kind: ListItem
apiVersion: governance.cunshe.io/v1alpha1
metadata: {name: l1-census-assist, labels: {team: tjj}}
spec:
  scope: {villageTypes: [Village, Community], counties: ['330381', "330302", '330381']}
  residentFacing: true
  responsibleDepartments: [mzj, tjj, mzj]   # duplicate on purpose
  villageRole: "Assist"
  basis: {citation: "《全国人口普查条例》第十条", kind: Law, justification: ""}
  applicant: {name: "tjj", kind: CityDepartment}
  content: "配合统计部门开展人口普查及抽样调查的入户摸底、登记工作。"
  title: "协助开展人口普查入户登记"
  list: Admission
  flowRef: ""
  retirement:
    reason: 依据修订
    effective: "2030-01-01"
`
)

func TestDigestIsStableAcrossYAMLWriting(t *testing.T) {
	g := NewWithT(t)
	var a, b governancev1alpha1.ListItem
	g.Expect(yaml.UnmarshalStrict([]byte(itemYAMLBlock), &a)).To(Succeed())
	g.Expect(yaml.UnmarshalStrict([]byte(itemYAMLFlow), &b)).To(Succeed())
	g.Expect(a.Spec).NotTo(Equal(b.Spec), "the two documents decode to different Go values")
	g.Expect(rules.Digest(&a.Spec, nil)).To(Equal(rules.Digest(&b.Spec, nil)))
	g.Expect(rules.CanonicalJSON(&a.Spec, nil)).To(Equal(rules.CanonicalJSON(&b.Spec, nil)))
	g.Expect(rules.Digest(&a.Spec, nil)).To(MatchRegexp(digestFormat))
}

func TestDigestIsStableAcrossKeyOrderInJSON(t *testing.T) {
	g := NewWithT(t)
	var a, b governancev1alpha1.ListItemSpec
	g.Expect(json.Unmarshal([]byte(`{"list":"Seal","title":"居住证明","applicant":{"kind":"County","name":"330302"},"basis":{"kind":"CityDocument","citation":"温民发〔2019〕1号"}}`), &a)).To(Succeed())
	g.Expect(json.Unmarshal([]byte(`{"basis":{"citation":"温民发〔2019〕1号","kind":"CityDocument"},"applicant":{"name":"330302","kind":"County"},"title":"居住证明","list":"Seal"}`), &b)).To(Succeed())
	g.Expect(rules.Digest(&a, nil)).To(Equal(rules.Digest(&b, nil)))
}

func TestDigestEquivalences(t *testing.T) {
	vt := func(types ...governancev1alpha1.VillageType) []governancev1alpha1.VillageType { return types }
	tests := map[string]struct {
		// a and b edit two copies of the census item; their digests must be equal.
		a, b func(s *governancev1alpha1.ListItemSpec)
	}{
		"responsibleDepartments in another order": {
			a: func(s *governancev1alpha1.ListItemSpec) { s.ResponsibleDepartments = []string{"tjj", "mzj", "ybj"} },
			b: func(s *governancev1alpha1.ListItemSpec) { s.ResponsibleDepartments = []string{"ybj", "tjj", "mzj"} },
		},
		"responsibleDepartments with duplicates": {
			a: func(s *governancev1alpha1.ListItemSpec) { s.ResponsibleDepartments = []string{"tjj", "mzj"} },
			b: func(s *governancev1alpha1.ListItemSpec) {
				s.ResponsibleDepartments = []string{"mzj", "tjj", "mzj", "tjj"}
			},
		},
		"responsibleDepartments empty and absent": {
			a: func(s *governancev1alpha1.ListItemSpec) { s.ResponsibleDepartments = nil },
			b: func(s *governancev1alpha1.ListItemSpec) { s.ResponsibleDepartments = []string{} },
		},
		"counties in another order with a duplicate": {
			a: func(s *governancev1alpha1.ListItemSpec) { s.Scope.Counties = []string{"330302", "330303", "330381"} },
			b: func(s *governancev1alpha1.ListItemSpec) {
				s.Scope.Counties = []string{"330381", "330302", "330381", "330303"}
			},
		},
		"counties empty and absent": {
			a: func(s *governancev1alpha1.ListItemSpec) { s.Scope.Counties = nil },
			b: func(s *governancev1alpha1.ListItemSpec) { s.Scope.Counties = []string{} },
		},
		"villageTypes absent and both": {
			a: func(s *governancev1alpha1.ListItemSpec) { s.Scope.VillageTypes = nil },
			b: func(s *governancev1alpha1.ListItemSpec) {
				s.Scope.VillageTypes = vt(governancev1alpha1.TypeVillage, governancev1alpha1.TypeCommunity)
			},
		},
		"villageTypes empty and both in the other order, repeated": {
			a: func(s *governancev1alpha1.ListItemSpec) { s.Scope.VillageTypes = vt() },
			b: func(s *governancev1alpha1.ListItemSpec) {
				s.Scope.VillageTypes = vt(governancev1alpha1.TypeCommunity, governancev1alpha1.TypeVillage, governancev1alpha1.TypeCommunity)
			},
		},
		"villageTypes Village, written twice": {
			a: func(s *governancev1alpha1.ListItemSpec) { s.Scope.VillageTypes = vt(governancev1alpha1.TypeVillage) },
			b: func(s *governancev1alpha1.ListItemSpec) {
				s.Scope.VillageTypes = vt(governancev1alpha1.TypeVillage, governancev1alpha1.TypeVillage)
			},
		},
		"no retirement and a retirement": {
			a: func(s *governancev1alpha1.ListItemSpec) { s.Retirement = nil },
			b: func(s *governancev1alpha1.ListItemSpec) {
				s.Retirement = &governancev1alpha1.Retirement{Reason: "依据已废止", Effective: "2026-12-31"}
			},
		},
		"two different retirements": {
			a: func(s *governancev1alpha1.ListItemSpec) {
				s.Retirement = &governancev1alpha1.Retirement{Reason: "依据已废止", Effective: "2026-12-31"}
			},
			b: func(s *governancev1alpha1.ListItemSpec) {
				s.Retirement = &governancev1alpha1.Retirement{Reason: "并入其他事项", Effective: "2027-06-30"}
			},
		},
		"invalid UTF-8 in a set, as JSON encodes it (found by FuzzDigest)": {
			a: func(s *governancev1alpha1.ListItemSpec) { s.Scope.Counties = []string{"330302", "\xfe", "\xff"} },
			b: func(s *governancev1alpha1.ListItemSpec) { s.Scope.Counties = []string{"\ufffd", "330302"} },
		},
		"an empty retirement": {
			a: func(s *governancev1alpha1.ListItemSpec) {},
			b: func(s *governancev1alpha1.ListItemSpec) { s.Retirement = &governancev1alpha1.Retirement{} },
		},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			g := NewWithT(t)
			a, b := censusItem().Spec, censusItem().Spec
			tc.a(&a)
			tc.b(&b)
			g.Expect(rules.Digest(&a, nil)).To(Equal(rules.Digest(&b, nil)))
			g.Expect(string(rules.CanonicalJSON(&a, nil))).To(Equal(string(rules.CanonicalJSON(&b, nil))))
		})
	}
}

// digestChanges are edits of the census item, one per JSON field of the
// spec (retirement aside), each of which must change the digest. The key is
// the field's JSON path; TestDigestChangesCoverEveryField keeps the list
// complete when a field is added to ListItemSpec.
var digestChanges = map[string]func(s *governancev1alpha1.ListItemSpec){
	"list":           func(s *governancev1alpha1.ListItemSpec) { s.List = governancev1alpha1.ListSeal },
	"title":          func(s *governancev1alpha1.ListItemSpec) { s.Title += "（试行）" },
	"content":        func(s *governancev1alpha1.ListItemSpec) { s.Content = "" },
	"applicant.kind": func(s *governancev1alpha1.ListItemSpec) { s.Applicant.Kind = governancev1alpha1.ApplicantCounty },
	"applicant.name": func(s *governancev1alpha1.ListItemSpec) { s.Applicant.Name = "mzj" },
	"basis.kind":     func(s *governancev1alpha1.ListItemSpec) { s.Basis.Kind = governancev1alpha1.BasisRegulation },
	"basis.citation": func(s *governancev1alpha1.ListItemSpec) {
		s.Basis.Citation = "《全国人口普查条例》第十一条"
	},
	"basis.justification": func(s *governancev1alpha1.ListItemSpec) { s.Basis.Justification = "入户登记须熟悉住户" },
	"basis.validUntil":    func(s *governancev1alpha1.ListItemSpec) { s.Basis.ValidUntil = "2030-12-31" },
	"villageRole":         func(s *governancev1alpha1.ListItemSpec) { s.VillageRole = governancev1alpha1.RoleUndertake },
	"responsibleDepartments": func(s *governancev1alpha1.ListItemSpec) {
		s.ResponsibleDepartments = append(s.ResponsibleDepartments, "mzj")
	},
	"residentFacing": func(s *governancev1alpha1.ListItemSpec) { s.ResidentFacing = false },
	"scope.counties": func(s *governancev1alpha1.ListItemSpec) { s.Scope.Counties = []string{"330302"} },
	"scope.villageTypes": func(s *governancev1alpha1.ListItemSpec) {
		s.Scope.VillageTypes = []governancev1alpha1.VillageType{governancev1alpha1.TypeCommunity}
	},
	"flowRef":      func(s *governancev1alpha1.ListItemSpec) { s.FlowRef = "major-decision" },
	"jurisdiction": func(s *governancev1alpha1.ListItemSpec) { s.Jurisdiction = "3301" },
	// The funding review units approve is the funding villages are paid from (S20).
	"funding": func(s *governancev1alpha1.ListItemSpec) {
		s.Funding = &governancev1alpha1.Funding{Source: governancev1alpha1.FundingCityBudget, Budget: "市级人口普查经费", FeeFollowsWork: true}
	},
}

func TestDigestChangesWithEveryOtherField(t *testing.T) {
	base := censusItem().Spec
	seen := map[string]string{rules.Digest(&base, nil): "the census item"}
	for path, change := range digestChanges {
		t.Run(path, func(t *testing.T) {
			g := NewWithT(t)
			s := *base.DeepCopy()
			change(&s)
			d := rules.Digest(&s, nil)
			g.Expect(d).To(MatchRegexp(digestFormat))
			g.Expect(seen).NotTo(HaveKey(d), "the digest of a change of %s equals that of %s", path, seen[d])
			seen[d] = path
		})
	}
}

// Every JSON leaf of ListItemSpec but retirement has an entry in digestChanges.
func TestDigestChangesCoverEveryField(t *testing.T) {
	var leaves []string
	var walk func(t reflect.Type, prefix string)
	walk = func(t reflect.Type, prefix string) {
		for i := range t.NumField() {
			f := t.Field(i)
			name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
			path := prefix + name
			if path == "retirement" {
				continue
			}
			if f.Type.Kind() == reflect.Struct {
				walk(f.Type, path+".")
				continue
			}
			leaves = append(leaves, path)
		}
	}
	walk(reflect.TypeFor[governancev1alpha1.ListItemSpec](), "")
	g := NewWithT(t)
	for _, leaf := range leaves {
		g.Expect(digestChanges).To(HaveKey(leaf), "a field of ListItemSpec has no digest test")
	}
	g.Expect(digestChanges).To(HaveLen(len(leaves)))
}

// goldenSpec is a fixed spec whose canonical form and digest are pinned:
// approvals signed anywhere (kubectl cunshe digest, offline signers) depend
// on them, so any change of the algorithm must be deliberate.
func goldenSpec() governancev1alpha1.ListItemSpec {
	return governancev1alpha1.ListItemSpec{
		List:                   governancev1alpha1.ListAdmission,
		Title:                  "协助开展人口普查入户登记 <入户> & 摸底",
		Content:                "配合统计部门开展人口普查及抽样调查的入户摸底、登记工作。",
		Applicant:              governancev1alpha1.Applicant{Kind: governancev1alpha1.ApplicantCityDepartment, Name: "tjj"},
		Basis:                  governancev1alpha1.Basis{Kind: governancev1alpha1.BasisLaw, Citation: "《全国人口普查条例》第十条"},
		VillageRole:            governancev1alpha1.RoleAssist,
		ResponsibleDepartments: []string{"tjj", "mzj", "tjj"},
		ResidentFacing:         true,
		Scope:                  governancev1alpha1.Scope{Counties: []string{"330381", "330302"}},
		Retirement:             &governancev1alpha1.Retirement{Reason: "不计入摘要", Effective: "2030-01-01"},
	}
}

const (
	goldenCanonical = `{"applicant":{"kind":"CityDepartment","name":"tjj"},` +
		`"basis":{"citation":"《全国人口普查条例》第十条","kind":"Law"},` +
		`"content":"配合统计部门开展人口普查及抽样调查的入户摸底、登记工作。",` +
		`"list":"Admission",` +
		`"residentFacing":true,` +
		`"responsibleDepartments":["mzj","tjj"],` +
		`"scope":{"counties":["330302","330381"],"villageTypes":["Community","Village"]},` +
		`"title":"协助开展人口普查入户登记 <入户> & 摸底",` +
		`"villageRole":"Assist"}`
	goldenDigest = "sha256:f48df5ac8e28ad1aa27b207ff1fc6a0f4a4069662a0c9f0fe29240d1ca6855a3"
)

func TestDigestGolden(t *testing.T) {
	g := NewWithT(t)
	s := goldenSpec()
	g.Expect(string(rules.CanonicalJSON(&s, nil))).To(Equal(goldenCanonical))
	g.Expect(rules.Digest(&s, nil)).To(Equal(goldenDigest), "the digest algorithm changed: every signed approval in every cluster would be void")
	sum := sha256.Sum256([]byte(goldenCanonical))
	g.Expect(goldenDigest).To(Equal("sha256:"+hex.EncodeToString(sum[:])), "the digest is the SHA-256 of the canonical JSON")
}

// The example of docs/digest.md is what the code produces.
func TestCanonicalJSONOfTheDocsExample(t *testing.T) {
	g := NewWithT(t)
	s := governancev1alpha1.ListItemSpec{
		List:        governancev1alpha1.ListAdmission,
		Title:       "协助开展人口普查入户登记",
		Applicant:   governancev1alpha1.Applicant{Kind: governancev1alpha1.ApplicantCityDepartment, Name: "tjj"},
		Basis:       governancev1alpha1.Basis{Kind: governancev1alpha1.BasisLaw, Citation: "《全国人口普查条例》第十条"},
		VillageRole: governancev1alpha1.RoleAssist,
	}
	g.Expect(string(rules.CanonicalJSON(&s, nil))).To(Equal(`{"applicant":{"kind":"CityDepartment","name":"tjj"},"basis":{"citation":"《全国人口普查条例》第十条","kind":"Law"},"list":"Admission","scope":{"villageTypes":["Community","Village"]},"title":"协助开展人口普查入户登记","villageRole":"Assist"}`))
}

func TestCanonicalJSON(t *testing.T) {
	g := NewWithT(t)
	s := goldenSpec()
	canonical := rules.CanonicalJSON(&s, nil)

	g.Expect(json.Valid(canonical)).To(BeTrue())
	g.Expect(string(canonical)).To(ContainSubstring(`<入户> & 摸底`), "no HTML escaping")
	g.Expect(string(canonical)).NotTo(ContainSubstring(`\u003c`))
	g.Expect(string(canonical)).NotTo(ContainSubstring(`\u0026`))
	g.Expect(string(canonical)).NotTo(ContainSubstring("\n"), "no whitespace, no trailing newline")
	g.Expect(string(canonical)).NotTo(ContainSubstring("retirement"))
	g.Expect(string(canonical)).NotTo(ContainSubstring("flowRef"), "empty fields are omitted")
	expectSortedKeys(t, canonical)

	// Canonical JSON is canonical: decoding it and digesting again gives the same bytes.
	var back governancev1alpha1.ListItemSpec
	g.Expect(json.Unmarshal(canonical, &back)).To(Succeed())
	g.Expect(rules.CanonicalJSON(&back, nil)).To(Equal(canonical))

	// Digest does not touch its argument.
	g.Expect(s).To(Equal(goldenSpec()))
}

// expectSortedKeys fails unless every object in doc has its keys in order.
func expectSortedKeys(t *testing.T, doc []byte) {
	t.Helper()
	dec := json.NewDecoder(bytes.NewReader(doc))
	var value func(path string)
	value = func(path string) {
		tok, err := dec.Token()
		if err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		switch tok {
		case json.Delim('{'):
			last := ""
			for dec.More() {
				k, _ := dec.Token()
				key := k.(string)
				if last != "" && key <= last {
					t.Errorf("%s: key %q follows %q", path, key, last)
				}
				last = key
				value(path + "." + key)
			}
			_, _ = dec.Token()
		case json.Delim('['):
			for i := 0; dec.More(); i++ {
				value(fmt.Sprintf("%s[%d]", path, i))
			}
			_, _ = dec.Token()
		}
	}
	value("")
	if dec.More() {
		t.Errorf("more than one JSON value: %s", doc)
	}
}

// P1: a MicroPower item's digest covers its flow's content, so an approval
// covers the steps the units saw; the order in which steps are written does
// not matter, any change of a step does, and the other lists ignore flows.
func TestDigestCoversTheFlowOfAMicroPowerItem(t *testing.T) {
	g := NewWithT(t)
	item := governancev1alpha1.ListItemSpec{List: governancev1alpha1.ListMicroPower, Title: "村级工程项目建设", FlowRef: "village-project",
		Applicant: governancev1alpha1.Applicant{Kind: governancev1alpha1.ApplicantCityDepartment, Name: "jw"},
		Basis:     governancev1alpha1.Basis{Kind: governancev1alpha1.BasisLaw, Citation: "《中华人民共和国村民委员会组织法》第二十四条"}}
	flow := governancev1alpha1.PowerFlowSpec{Title: "村级工程项目", Start: "propose", Steps: []governancev1alpha1.FlowStep{
		{ID: "propose", Name: "村党组织提议", Actor: governancev1alpha1.ActorPartyOrganization, Next: []string{"resolve"}},
		{ID: "resolve", Name: "村民（代表）会议决议", Actor: governancev1alpha1.ActorVillagersAssembly},
	}}
	withFlow := rules.Digest(&item, &flow)
	g.Expect(withFlow).NotTo(Equal(rules.Digest(&item, nil)), "the flow is part of what is approved")
	g.Expect(string(rules.CanonicalJSON(&item, &flow))).To(ContainSubstring(`"flowContent":{"start":"propose","steps":[{"actor":"PartyOrganization"`))

	reordered := flow.DeepCopy()
	slices.Reverse(reordered.Steps)
	g.Expect(rules.Digest(&item, reordered)).To(Equal(withFlow), "steps are a map by id")

	renamed := flow.DeepCopy()
	renamed.Steps[1].Name = "村民代表会议决议"
	g.Expect(rules.Digest(&item, renamed)).NotTo(Equal(withFlow), "a changed step changes the digest")

	admission := item.DeepCopy()
	admission.List, admission.FlowRef = governancev1alpha1.ListAdmission, ""
	g.Expect(rules.Digest(admission, &flow)).To(Equal(rules.Digest(admission, nil)), "only MicroPower items cover a flow")
}
