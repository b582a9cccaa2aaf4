package rules_test

import (
	"testing"

	. "github.com/onsi/gomega"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/validation/field"

	governancev1alpha1 "github.com/cunshe/cunshe-operator/api/v1alpha1"
	"github.com/cunshe/cunshe-operator/internal/rules"
)

func TestWhoActsForAnApplicant(t *testing.T) {
	dept := governancev1alpha1.Applicant{Kind: governancev1alpha1.ApplicantCityDepartment, Name: "tjj"}
	county := governancev1alpha1.Applicant{Kind: governancev1alpha1.ApplicantCounty, Name: "330302"}
	deptOf := func(ns string) string { return map[string]string{"dept-tjj": "tjj"}[ns] }
	tests := map[string]struct {
		who       rules.Requester
		applicant governancev1alpha1.Applicant
		want      bool
	}{
		"the department's group":                 {rules.Requester{Username: "a", Groups: []string{"cunshe:dept:tjj"}}, dept, true},
		"another department's group":             {rules.Requester{Username: "a", Groups: []string{"cunshe:dept:mzj"}}, dept, false},
		"a service account of its namespace":     {rules.Requester{Username: "system:serviceaccount:dept-tjj:flux"}, dept, true},
		"a service account of another one":       {rules.Requester{Username: "system:serviceaccount:flux-system:kustomize-controller"}, dept, false},
		"a user named like a service account":    {rules.Requester{Username: "dept-tjj:flux"}, dept, false},
		"the county's group":                     {rules.Requester{Username: "a", Groups: []string{"cunshe:county:330302"}}, county, true},
		"a department's group for a county":      {rules.Requester{Username: "a", Groups: []string{"cunshe:dept:330302"}}, county, false},
		"platform ops (not an applicant)":        {rules.Requester{Username: "a", Groups: []string{"cunshe:platform-ops"}}, dept, false},
		"a cluster admin (break-glass, audited)": {rules.Requester{Username: "a", Groups: []string{"system:masters"}}, county, true},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			NewWithT(t).Expect(tc.who.ActsFor(tc.applicant, deptOf)).To(Equal(tc.want))
		})
	}
}

// S4: a province item is applied for by a province department, a city's
// items by its departments and counties.
func TestTheApplicantMatchesTheJurisdictionLevel(t *testing.T) {
	snap := rules.NewMemory()
	snap.Departments.Insert("tjj", "zj-slt")
	snap.Juris = rules.NewJurisdictions([]governancev1alpha1.Jurisdiction{
		{ObjectMeta: metav1.ObjectMeta{Name: "zhejiang"}, Spec: governancev1alpha1.JurisdictionSpec{Code: "33", Name: "浙江省", Level: governancev1alpha1.LevelProvince}},
		{ObjectMeta: metav1.ObjectMeta{Name: "wenzhou"}, Spec: governancev1alpha1.JurisdictionSpec{Code: "3303", Name: "温州市", Level: governancev1alpha1.LevelCity}},
	})
	item := func(jur string, kind governancev1alpha1.ApplicantKind, name string) *governancev1alpha1.ListItem {
		i := censusItem()
		i.Spec.Jurisdiction, i.Spec.Applicant, i.Spec.ResponsibleDepartments = jur, governancev1alpha1.Applicant{Kind: kind, Name: name}, []string{name}
		return i
	}
	expectFindings(t, rules.ValidateListItem(item("33", governancev1alpha1.ApplicantProvinceDepartment, "zj-slt"), snap), nil)
	expectFindings(t, rules.ValidateListItem(item("33", governancev1alpha1.ApplicantCityDepartment, "zj-slt"), snap), []finding{
		{field.ErrorTypeInvalid, "spec.applicant.kind", "S4", "省级辖区 33 的事项须由省直部门（ProvinceDepartment）申报"}})
	expectFindings(t, rules.ValidateListItem(item("3303", governancev1alpha1.ApplicantProvinceDepartment, "zj-slt"), snap), []finding{
		{field.ErrorTypeInvalid, "spec.applicant.kind", "S4", "省直部门只能申报省级事项"}})
	expectFindings(t, rules.ValidateListItem(item("3303", governancev1alpha1.ApplicantCityDepartment, "tjj"), snap), nil)
}
