package rules_test

import (
	"testing"

	. "github.com/onsi/gomega"
	"k8s.io/apimachinery/pkg/util/validation/field"

	governancev1alpha1 "github.com/cunshe/cunshe-operator/api/v1alpha1"
	"github.com/cunshe/cunshe-operator/internal/rules"
)

func TestValidateListItem(t *testing.T) {
	tests := map[string]struct {
		// item builds the item under test, usually from censusItem or projectItem.
		item func() *governancev1alpha1.ListItem
		// want are the findings, in the order the rules report them; none means admitted.
		want []finding
	}{
		// Accepted.
		"an Admission item villages assist with": {
			item: censusItem,
		},
		"an Admission item villages undertake, applied for by a county for two of its counties": {
			item: func() *governancev1alpha1.ListItem {
				i := censusItem()
				i.Spec.VillageRole = governancev1alpha1.RoleUndertake
				i.Spec.Applicant = governancev1alpha1.Applicant{Kind: governancev1alpha1.ApplicantCounty, Name: "330381"}
				i.Spec.Scope.Counties = []string{"330381", "330382"}
				return i
			},
		},
		"a Seal item without villageRole or flowRef": {
			item: func() *governancev1alpha1.ListItem {
				i := censusItem()
				i.Spec.List, i.Spec.VillageRole, i.Spec.Title = governancev1alpha1.ListSeal, "", "无公共记录时的居住证明"
				return i
			},
		},
		"a MicroPower item naming an existing flow": {
			item: projectItem,
		},
		"a ResidentInterest basis with a justification": {
			item: func() *governancev1alpha1.ListItem {
				i := censusItem()
				i.Spec.Basis = governancev1alpha1.Basis{Kind: governancev1alpha1.BasisResidentInterest, Citation: "温州市垃圾分类工作方案",
					Justification: "垃圾分类宣传须入户，村（社区）熟悉住户情况，确需协助"}
				return i
			},
		},
		"a Law basis needs no justification": {
			item: func() *governancev1alpha1.ListItem {
				i := censusItem()
				i.Spec.Basis.Justification = ""
				return i
			},
		},
		"no responsible departments and a citywide scope": {
			item: func() *governancev1alpha1.ListItem {
				i := censusItem()
				i.Spec.ResponsibleDepartments, i.Spec.Scope = nil, governancev1alpha1.Scope{}
				return i
			},
		},

		// S1: villageRole belongs to Admission items.
		"an Admission item without villageRole": {
			item: func() *governancev1alpha1.ListItem {
				i := censusItem()
				i.Spec.VillageRole = ""
				return i
			},
			want: []finding{{field.ErrorTypeRequired, "spec.villageRole", "S1", "must say whether villages Undertake or Assist"}},
		},
		"a Seal item with villageRole": {
			item: func() *governancev1alpha1.ListItem {
				i := censusItem()
				i.Spec.List = governancev1alpha1.ListSeal
				return i
			},
			want: []finding{{field.ErrorTypeForbidden, "spec.villageRole", "S1", "not to Seal items"}},
		},
		"a TownshipDuty item with villageRole": {
			item: func() *governancev1alpha1.ListItem {
				i := censusItem()
				i.Spec.List = governancev1alpha1.ListTownshipDuty
				return i
			},
			want: []finding{{field.ErrorTypeForbidden, "spec.villageRole", "S1", "not to TownshipDuty items"}},
		},
		"a HeadDuty item with villageRole": {
			item: func() *governancev1alpha1.ListItem {
				i := censusItem()
				i.Spec.List = governancev1alpha1.ListHeadDuty
				return i
			},
			want: []finding{{field.ErrorTypeForbidden, "spec.villageRole", "S1", "not to HeadDuty items"}},
		},
		"an IntegrityNegative item with villageRole": {
			item: func() *governancev1alpha1.ListItem {
				i := censusItem()
				i.Spec.List = governancev1alpha1.ListIntegrityNegative
				return i
			},
			want: []finding{{field.ErrorTypeForbidden, "spec.villageRole", "S1", "not to IntegrityNegative items"}},
		},
		"a MicroPower item with villageRole": {
			item: func() *governancev1alpha1.ListItem {
				i := projectItem()
				i.Spec.VillageRole = governancev1alpha1.RoleUndertake
				return i
			},
			want: []finding{{field.ErrorTypeForbidden, "spec.villageRole", "S1", "not to MicroPower items"}},
		},

		// P1: flowRef belongs to MicroPower items and names a flow.
		"a MicroPower item without flowRef": {
			item: func() *governancev1alpha1.ListItem {
				i := projectItem()
				i.Spec.FlowRef = ""
				return i
			},
			want: []finding{{field.ErrorTypeRequired, "spec.flowRef", "P1", "must name its PowerFlow"}},
		},
		"a MicroPower item naming a flow that does not exist": {
			item: func() *governancev1alpha1.ListItem {
				i := projectItem()
				i.Spec.FlowRef = "no-such-flow"
				return i
			},
			want: []finding{{field.ErrorTypeNotFound, "spec.flowRef", "P1", `PowerFlow "no-such-flow" does not exist`}},
		},
		"an Admission item with flowRef": {
			item: func() *governancev1alpha1.ListItem {
				i := censusItem()
				i.Spec.FlowRef = "major-decision"
				return i
			},
			want: []finding{{field.ErrorTypeForbidden, "spec.flowRef", "P1", "only MicroPower items have a flow"}},
		},

		// S3: the basis.
		"a basis without citation": {
			item: func() *governancev1alpha1.ListItem {
				i := censusItem()
				i.Spec.Basis.Citation = ""
				return i
			},
			want: []finding{{field.ErrorTypeRequired, "spec.basis.citation", "S3", "the basis needs a citation"}},
		},
		"a citation of blanks only": {
			item: func() *governancev1alpha1.ListItem {
				i := censusItem()
				i.Spec.Basis.Citation = " \t\u3000"
				return i
			},
			want: []finding{{field.ErrorTypeRequired, "spec.basis.citation", "S3", "the basis needs a citation"}},
		},
		"a ResidentInterest basis without justification": {
			item: func() *governancev1alpha1.ListItem {
				i := censusItem()
				i.Spec.Basis.Kind = governancev1alpha1.BasisResidentInterest
				return i
			},
			want: []finding{{field.ErrorTypeRequired, "spec.basis.justification", "S3", "needs a justification"}},
		},
		"a ResidentInterest basis with a blank justification and no citation": {
			item: func() *governancev1alpha1.ListItem {
				i := censusItem()
				i.Spec.Basis = governancev1alpha1.Basis{Kind: governancev1alpha1.BasisResidentInterest, Justification: "  "}
				return i
			},
			want: []finding{
				{field.ErrorTypeRequired, "spec.basis.citation", "S3", "the basis needs a citation"},
				{field.ErrorTypeRequired, "spec.basis.justification", "S3", "needs a justification"},
			},
		},

		// S4: who may apply.
		"a county applicant whose code is not in the registry": {
			item: func() *governancev1alpha1.ListItem {
				i := censusItem()
				i.Spec.Applicant = governancev1alpha1.Applicant{Kind: governancev1alpha1.ApplicantCounty, Name: "330399"}
				return i
			},
			want: []finding{{field.ErrorTypeNotFound, "spec.applicant.name", "S4", `applicant "330399" is not the code of a county`}},
		},
		"a county applicant named by a department id": {
			item: func() *governancev1alpha1.ListItem {
				i := censusItem()
				i.Spec.Applicant.Kind = governancev1alpha1.ApplicantCounty
				return i
			},
			want: []finding{{field.ErrorTypeNotFound, "spec.applicant.name", "S4", `applicant "tjj" is not the code of a county`}},
		},
		"a department applicant that is not registered": {
			item: func() *governancev1alpha1.ListItem {
				i := censusItem()
				i.Spec.Applicant.Name = "xyz"
				return i
			},
			want: []finding{{field.ErrorTypeNotFound, "spec.applicant.name", "S4", `applicant "xyz" is not a registered city department (a namespace labelled governance.cunshe.io/department)`}},
		},
		"a department applicant named by a county code": {
			item: func() *governancev1alpha1.ListItem {
				i := censusItem()
				i.Spec.Applicant.Name = "330302"
				return i
			},
			want: []finding{{field.ErrorTypeNotFound, "spec.applicant.name", "S4", `applicant "330302" is not a registered city department`}},
		},

		// S2: responsible departments and scope.
		"a responsible department that is not registered": {
			item: func() *governancev1alpha1.ListItem {
				i := censusItem()
				i.Spec.ResponsibleDepartments = []string{"tjj", "gaj", "mzj"}
				return i
			},
			want: []finding{{field.ErrorTypeNotFound, "spec.responsibleDepartments[1]", "S2", `responsible department "gaj" is not registered`}},
		},
		"a scope county that is not in the registry": {
			item: func() *governancev1alpha1.ListItem {
				i := censusItem()
				i.Spec.Scope.Counties = []string{"330302", "330301", "330303", "110101"}
				return i
			},
			want: []finding{
				{field.ErrorTypeNotFound, "spec.scope.counties[1]", "S2", `scope county "330301" is not in the village registry`},
				{field.ErrorTypeNotFound, "spec.scope.counties[3]", "S2", `scope county "110101" is not in the village registry`},
			},
		},

		// Everything wrong at once: every rule reports, in rule order.
		"every rule broken at once": {
			item: func() *governancev1alpha1.ListItem {
				i := censusItem()
				i.Spec.VillageRole, i.Spec.FlowRef = "", "major-decision"
				i.Spec.Basis = governancev1alpha1.Basis{Kind: governancev1alpha1.BasisResidentInterest}
				i.Spec.Applicant.Name = "xyz"
				i.Spec.ResponsibleDepartments = []string{"gaj"}
				i.Spec.Scope.Counties = []string{"999999"}
				return i
			},
			want: []finding{
				{field.ErrorTypeRequired, "spec.villageRole", "S1", "Undertake or Assist"},
				{field.ErrorTypeForbidden, "spec.flowRef", "P1", "only MicroPower items have a flow"},
				{field.ErrorTypeRequired, "spec.basis.citation", "S3", "citation"},
				{field.ErrorTypeRequired, "spec.basis.justification", "S3", "justification"},
				{field.ErrorTypeNotFound, "spec.applicant.name", "S4", `"xyz"`},
				{field.ErrorTypeNotFound, "spec.responsibleDepartments[0]", "S2", `"gaj"`},
				{field.ErrorTypeNotFound, "spec.scope.counties[0]", "S2", `"999999"`},
			},
		},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			expectFindings(t, rules.ValidateListItem(tc.item(), snapshot()), tc.want)
		})
	}
}

func TestValidateListItemUpdate(t *testing.T) {
	retire := &governancev1alpha1.Retirement{Reason: "《全国人口普查条例》修订，不再需要村（社区）协助", Effective: "2027-01-01"}
	tests := map[string]struct {
		// old is the stored item.
		old func() *governancev1alpha1.ListItem
		// change edits a copy of old into the update.
		change func(i *governancev1alpha1.ListItem)
		// want are the findings; none means the update is admitted.
		want []finding
	}{
		"a pending item may change anything": {
			old: censusItem,
			change: func(i *governancev1alpha1.ListItem) {
				i.Spec.Title, i.Spec.VillageRole, i.Spec.Retirement = "协助开展人口抽样调查", governancev1alpha1.RoleUndertake, retire
			},
		},
		"a pending item may drop its retirement": {
			old: func() *governancev1alpha1.ListItem {
				i := censusItem()
				i.Spec.Retirement = retire.DeepCopy()
				return i
			},
			change: func(i *governancev1alpha1.ListItem) { i.Spec.Retirement = nil },
		},
		"an approved item unchanged": {
			old:    func() *governancev1alpha1.ListItem { return approved(censusItem()) },
			change: func(*governancev1alpha1.ListItem) {},
		},
		"an approved item whose sets are reordered and villageTypes written out (same digest)": {
			old: func() *governancev1alpha1.ListItem {
				i := censusItem()
				i.Spec.ResponsibleDepartments = []string{"tjj", "mzj"}
				return approved(i)
			},
			change: func(i *governancev1alpha1.ListItem) {
				i.Spec.ResponsibleDepartments = []string{"mzj", "tjj"}
				i.Spec.Scope.VillageTypes = []governancev1alpha1.VillageType{governancev1alpha1.TypeVillage, governancev1alpha1.TypeCommunity}
			},
		},
		"an approved item is retired": {
			old:    func() *governancev1alpha1.ListItem { return approved(censusItem()) },
			change: func(i *governancev1alpha1.ListItem) { i.Spec.Retirement = retire.DeepCopy() },
		},
		"an approved item's title changes": {
			old:    func() *governancev1alpha1.ListItem { return approved(censusItem()) },
			change: func(i *governancev1alpha1.ListItem) { i.Spec.Title = "协助开展人口抽样调查" },
			want:   []finding{{field.ErrorTypeForbidden, "spec", "S5", `item "l1-census-assist" was approved by the joint review`}},
		},
		"an approved item's scope is enlarged": {
			old: func() *governancev1alpha1.ListItem {
				i := censusItem()
				i.Spec.Scope.Counties = []string{"330302"}
				return approved(i)
			},
			change: func(i *governancev1alpha1.ListItem) { i.Spec.Scope.Counties = nil },
			want:   []finding{{field.ErrorTypeForbidden, "spec", "S5", "propose a new item instead"}},
		},
		"an approved item gains a responsible department": {
			old: func() *governancev1alpha1.ListItem { return approved(censusItem()) },
			change: func(i *governancev1alpha1.ListItem) {
				i.Spec.ResponsibleDepartments = append(i.Spec.ResponsibleDepartments, "mzj")
			},
			want: []finding{{field.ErrorTypeForbidden, "spec", "S5", "cannot change except for retirement"}},
		},
		"an approved item is retired and changed in one update": {
			old: func() *governancev1alpha1.ListItem { return approved(censusItem()) },
			change: func(i *governancev1alpha1.ListItem) {
				i.Spec.Retirement, i.Spec.VillageRole = retire.DeepCopy(), governancev1alpha1.RoleUndertake
			},
			want: []finding{{field.ErrorTypeForbidden, "spec", "S5", "cannot change except for retirement"}},
		},
		"a retirement is undone": {
			old: func() *governancev1alpha1.ListItem {
				i := approved(censusItem())
				i.Spec.Retirement = retire.DeepCopy()
				return i
			},
			change: func(i *governancev1alpha1.ListItem) { i.Spec.Retirement = nil },
			want:   []finding{{field.ErrorTypeForbidden, "spec.retirement", "S7", `the retirement of item "l1-census-assist" cannot be undone or changed`}},
		},
		"a retirement's date is postponed": {
			old: func() *governancev1alpha1.ListItem {
				i := approved(censusItem())
				i.Spec.Retirement = retire.DeepCopy()
				return i
			},
			change: func(i *governancev1alpha1.ListItem) { i.Spec.Retirement.Effective = "2030-01-01" },
			want:   []finding{{field.ErrorTypeForbidden, "spec.retirement", "S7", "cannot be undone or changed"}},
		},
		"a retirement's reason is reworded": {
			old: func() *governancev1alpha1.ListItem {
				i := approved(censusItem())
				i.Spec.Retirement = retire.DeepCopy()
				return i
			},
			change: func(i *governancev1alpha1.ListItem) { i.Spec.Retirement.Reason = "依据已废止" },
			want:   []finding{{field.ErrorTypeForbidden, "spec.retirement", "S7", "cannot be undone or changed"}},
		},
		"a retired item's title and retirement both change": {
			old: func() *governancev1alpha1.ListItem {
				i := approved(censusItem())
				i.Spec.Retirement = retire.DeepCopy()
				return i
			},
			change: func(i *governancev1alpha1.ListItem) {
				i.Spec.Title, i.Spec.Retirement = "协助开展人口抽样调查", nil
			},
			want: []finding{
				{field.ErrorTypeForbidden, "spec", "S5", "cannot change except for retirement"},
				{field.ErrorTypeForbidden, "spec.retirement", "S7", "cannot be undone or changed"},
			},
		},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			old := tc.old()
			updated := old.DeepCopy()
			tc.change(updated)
			expectFindings(t, rules.ValidateListItemUpdate(old, updated), tc.want)
		})
	}
}

func TestValidateListItemDelete(t *testing.T) {
	tests := map[string]struct {
		// item is the item being deleted.
		item func() *governancev1alpha1.ListItem
		// want are the findings; none means the delete is admitted.
		want []finding
	}{
		"a never-approved item": {
			item: censusItem,
		},
		"a rejected item": {
			item: func() *governancev1alpha1.ListItem {
				i := censusItem()
				i.Status.Phase = governancev1alpha1.PhaseRejected
				return i
			},
		},
		"an approved item": {
			item: func() *governancev1alpha1.ListItem { return approved(censusItem()) },
			want: []finding{{field.ErrorTypeForbidden, "metadata.name", "S7", `item "l1-census-assist" was approved once and can never be deleted`}},
		},
		"an approved item that has been retired": {
			item: func() *governancev1alpha1.ListItem {
				i := approved(censusItem())
				i.Spec.Retirement = &governancev1alpha1.Retirement{Reason: "依据已废止", Effective: "2020-01-01"}
				i.Status.Phase = governancev1alpha1.PhaseRetired
				return i
			},
			want: []finding{{field.ErrorTypeForbidden, "metadata.name", "S7", "retire it with spec.retirement"}},
		},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			expectFindings(t, rules.ValidateListItemDelete(tc.item()), tc.want)
		})
	}
}

// The rules read the snapshot and never write to the item they judge.
func TestValidateListItemDoesNotModifyItem(t *testing.T) {
	g := NewWithT(t)
	item := censusItem()
	item.Spec.ResponsibleDepartments = []string{"tjj", "mzj", "tjj"}
	item.Spec.Scope.Counties = []string{"330303", "330302"}
	before := item.DeepCopy()
	rules.ValidateListItem(item, snapshot())
	rules.ValidateListItemUpdate(approved(before.DeepCopy()), item)
	rules.Digest(&item.Spec, nil)
	g.Expect(item).To(Equal(before))
}
