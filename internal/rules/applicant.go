package rules

import (
	"slices"
	"strings"

	"k8s.io/apimachinery/pkg/util/validation/field"

	governancev1alpha1 "github.com/cunshe/cunshe-operator/api/v1alpha1"
)

// Groups that say for whom a requester acts (docs/approvals.md, "Who may
// apply"): a department's staff, a county's, a province department's.
const (
	GroupDepartmentPrefix = "cunshe:dept:"
	GroupCountyPrefix     = "cunshe:county:"
	GroupPlatformOps      = "cunshe:platform-ops"
	// groupClusterAdmins is Kubernetes' break-glass group; its requests are
	// in the API server's audit log like any other.
	groupClusterAdmins = "system:masters"
	serviceAccountUser = "system:serviceaccount:"
)

// DepartmentOfNamespace answers the department label of a namespace ("" for
// none): a GitOps bot acting for a department runs as a ServiceAccount of the
// department's own namespace (Flux's per-tenant serviceAccountName, Argo CD's
// destination service accounts), so the label it cannot set vouches for it.
type DepartmentOfNamespace func(namespace string) string

// ActsFor reports whether the requester may speak for the applicant (S4):
// the applicant's own group (cunshe:dept:<id>, cunshe:county:<code>), a
// ServiceAccount of a namespace labelled with the department, or a cluster
// admin (break-glass).
func (r Requester) ActsFor(a governancev1alpha1.Applicant, deptOf DepartmentOfNamespace) bool {
	if slices.Contains(r.Groups, groupClusterAdmins) {
		return true
	}
	switch a.Kind {
	case governancev1alpha1.ApplicantCounty:
		return slices.Contains(r.Groups, GroupCountyPrefix+a.Name)
	case governancev1alpha1.ApplicantCityDepartment, governancev1alpha1.ApplicantProvinceDepartment:
		if slices.Contains(r.Groups, GroupDepartmentPrefix+a.Name) {
			return true
		}
		if rest, ok := strings.CutPrefix(r.Username, serviceAccountUser); ok && deptOf != nil {
			ns, _, _ := strings.Cut(rest, ":")
			return deptOf(ns) == a.Name
		}
	}
	return false
}

// ValidateApplicantRequester binds an item to its applicant (S4): only the
// applicant proposes or edits it — as a task is bound to its department's
// namespace. old is nil on create. On an update that only retires the item,
// the city's platform team may act too: retiring items is its clean-up (S7).
func ValidateApplicantRequester(old, item *governancev1alpha1.ListItem, who Requester, deptOf DepartmentOfNamespace) field.ErrorList {
	if old != nil && onlyRetirementChanged(old, item) && slices.Contains(who.Groups, GroupPlatformOps) {
		return nil
	}
	var errs field.ErrorList
	check := func(a governancev1alpha1.Applicant, what, whatEN string) {
		if who.ActsFor(a, deptOf) {
			return
		}
		errs = append(errs, forbidden(specPath.Child("applicant"), msg(S4,
			"用户 %[1]q 不能以%[2]s %[3]s %[4]q 的名义申报或修改事项；申报主体须是提交人本身（组 %[5]s，或该部门命名空间中的服务账号）",
			"user %[1]q cannot propose or edit an item in the name of %[6]s %[3]s %[4]q; the applicant must be the requester (group %[5]s, or a service account of that department's namespace)",
			who.Username, what, a.Kind, a.Name, applicantGroup(a), whatEN)))
	}
	if old != nil {
		check(old.Spec.Applicant, "原申报主体", "the item's applicant")
	}
	if old == nil || old.Spec.Applicant != item.Spec.Applicant {
		check(item.Spec.Applicant, "申报主体", "applicant")
	}
	return errs
}

func applicantGroup(a governancev1alpha1.Applicant) string {
	if a.Kind == governancev1alpha1.ApplicantCounty {
		return GroupCountyPrefix + a.Name
	}
	return GroupDepartmentPrefix + a.Name
}

// onlyRetirementChanged: the update sets the retirement and nothing else of
// the spec (what the digest covers).
func onlyRetirementChanged(old, item *governancev1alpha1.ListItem) bool {
	return Digest(&old.Spec, nil) == Digest(&item.Spec, nil)
}
