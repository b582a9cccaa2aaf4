package rules

import (
	"strings"

	"k8s.io/apimachinery/pkg/api/equality"
	"k8s.io/apimachinery/pkg/util/validation/field"

	governancev1alpha1 "github.com/cunshe/cunshe-operator/api/v1alpha1"
)

var specPath = field.NewPath("spec")

// ValidateListItem checks an item against the rules an item must meet to be
// proposed at all (S1–S4).
func ValidateListItem(item *governancev1alpha1.ListItem, snap Snapshot) field.ErrorList {
	var errs field.ErrorList
	errs = append(errs, validateListFields(&item.Spec, snap)...)
	errs = append(errs, validateFundingList(&item.Spec)...)
	errs = append(errs, validateBasis(&item.Spec.Basis, specPath.Child("basis"))...)
	errs = append(errs, validateApplicant(&item.Spec.Applicant, snap, specPath.Child("applicant"))...)
	errs = append(errs, validateDepartmentsAndScope(&item.Spec, snap)...)
	errs = append(errs, validateItemJurisdiction(&item.Spec, snap.Jurisdictions())...)
	return errs
}

// validateItemJurisdiction: the item names a declared jurisdiction, and its
// county applicant and scope lie within it — a Hangzhou item reaches
// Hangzhou's villages only (S1, S2, S4).
func validateItemJurisdiction(spec *governancev1alpha1.ListItemSpec, juris Jurisdictions) field.ErrorList {
	path := specPath.Child("jurisdiction")
	errs := ValidateJurisdictionRef(spec.Jurisdiction, false, juris, path)
	if len(errs) > 0 || juris.None() {
		return errs
	}
	code := juris.Resolve(spec.Jurisdiction)
	errs = append(errs, validateApplicantLevel(spec, juris.Get(code))...)
	outside := func(county string) bool { return !strings.HasPrefix(county, code) }
	if spec.Applicant.Kind == governancev1alpha1.ApplicantCounty && outside(spec.Applicant.Name) {
		errs = append(errs, invalid(specPath.Child("applicant", "name"), spec.Applicant.Name, msg(S4,
			"申报的县（市、区）%s 不属于事项所属辖区 %s", "applicant county %s is not in the item's jurisdiction %s", spec.Applicant.Name, code)))
	}
	for i, c := range spec.Scope.Counties {
		if outside(c) {
			errs = append(errs, invalid(specPath.Child("scope", "counties").Index(i), c, msg(S2,
				"适用范围中的县（市、区）%s 不属于事项所属辖区 %s；一个辖区的事项只下发到本辖区的村（社区）",
				"scope county %s is not in the item's jurisdiction %s; a jurisdiction's items reach its own villages only", c, code)))
		}
	}
	return errs
}

// validateApplicantLevel: a province item is applied for by a province
// department, whose provincial document is its basis; a city's items by the
// city's departments and counties (S4).
func validateApplicantLevel(spec *governancev1alpha1.ListItemSpec, jur *governancev1alpha1.Jurisdiction) field.ErrorList {
	if jur == nil {
		return nil
	}
	province := jur.Spec.Level == governancev1alpha1.LevelProvince
	byProvince := spec.Applicant.Kind == governancev1alpha1.ApplicantProvinceDepartment
	switch {
	case province && !byProvince:
		return field.ErrorList{invalid(specPath.Child("applicant", "kind"), spec.Applicant.Kind, msg(S4,
			"省级辖区 %[1]s 的事项须由省直部门（ProvinceDepartment）申报", "an item of province %[1]s is applied for by a province department (ProvinceDepartment)", jur.Spec.Code))}
	case !province && byProvince:
		return field.ErrorList{invalid(specPath.Child("applicant", "kind"), spec.Applicant.Kind, msg(S4,
			"省直部门只能申报省级事项；市级辖区 %[1]s 的事项由市直部门或县（市、区）申报", "a province department applies for province items only; items of city %[1]s are applied for by its departments or counties", jur.Spec.Code))}
	}
	return nil
}

// validateListFields checks the fields that belong to one list only (S1, P1).
func validateListFields(spec *governancev1alpha1.ListItemSpec, snap Snapshot) field.ErrorList {
	var errs field.ErrorList
	role := specPath.Child("villageRole")
	switch {
	case spec.List == governancev1alpha1.ListAdmission && spec.VillageRole == "":
		errs = append(errs, required(role, msg(S1, "准入事项须写明村（社区）承担（Undertake）还是协助（Assist）",
			"an Admission item must say whether villages Undertake or Assist")))
	case spec.List != governancev1alpha1.ListAdmission && spec.VillageRole != "":
		errs = append(errs, forbidden(role, msg(S1, "村（社区）角色只适用于准入事项，%s 事项不得填写",
			"villageRole applies to Admission items only, not to %s items", spec.List)))
	}
	flow := specPath.Child("flowRef")
	switch {
	case spec.List == governancev1alpha1.ListMicroPower && spec.FlowRef == "":
		errs = append(errs, required(flow, msg(P1, "小微权力事项须指定运行流程图（PowerFlow）",
			"a MicroPower item must name its PowerFlow")))
	case spec.List == governancev1alpha1.ListMicroPower && snap.PowerFlow(spec.FlowRef) == nil:
		errs = append(errs, notFound(flow, spec.FlowRef, msg(P1, "运行流程图 %q 不存在", "PowerFlow %q does not exist", spec.FlowRef)))
	case spec.List != governancev1alpha1.ListMicroPower && spec.FlowRef != "":
		errs = append(errs, forbidden(flow, msg(P1, "只有小微权力事项才有运行流程图", "only MicroPower items have a flow")))
	}
	return errs
}

// validateBasis: an item needs a law, regulation or city document, or a
// justified residents' interest (S3).
func validateBasis(b *governancev1alpha1.Basis, path *field.Path) field.ErrorList {
	var errs field.ErrorList
	if strings.TrimSpace(b.Citation) == "" {
		errs = append(errs, required(path.Child("citation"), msg(S3, "须写明设立依据的出处（法律法规条款或文件文号）",
			"the basis needs a citation (the article of law or regulation, or the document number)")))
	}
	if b.Kind == governancev1alpha1.BasisResidentInterest && strings.TrimSpace(b.Justification) == "" {
		errs = append(errs, required(path.Child("justification"), msg(S3, "依据为群众利益的事项须说明确需村（社区）承担或协助的理由",
			"a ResidentInterest basis needs a justification of why the village really is needed")))
	}
	return errs
}

// validateApplicant: a county-level committee or government, or a city department (S4).
func validateApplicant(a *governancev1alpha1.Applicant, snap Snapshot, path *field.Path) field.ErrorList {
	name := path.Child("name")
	switch a.Kind {
	case governancev1alpha1.ApplicantCounty:
		if !snap.CountyKnown(a.Name) {
			return field.ErrorList{notFound(name, a.Name, msg(S4, "申报主体 %q 不是登记在册的县（市、区）代码",
				"applicant %q is not the code of a county in the village registry", a.Name))}
		}
	case governancev1alpha1.ApplicantCityDepartment, governancev1alpha1.ApplicantProvinceDepartment:
		if !snap.DepartmentKnown(a.Name) {
			return field.ErrorList{notFound(name, a.Name, msg(S4, "申报主体 %q 不是已登记的市直部门（须有带 %s 标签的命名空间）",
				"applicant %q is not a registered city department (a namespace labelled %s)", a.Name, governancev1alpha1.LabelDepartment))}
		}
	}
	return nil
}

// validateDepartmentsAndScope: only registered departments may be made
// responsible, and the scope names counties of the registry (S2).
func validateDepartmentsAndScope(spec *governancev1alpha1.ListItemSpec, snap Snapshot) field.ErrorList {
	var errs field.ErrorList
	for i, d := range spec.ResponsibleDepartments {
		if !snap.DepartmentKnown(d) {
			errs = append(errs, notFound(specPath.Child("responsibleDepartments").Index(i), d,
				msg(S2, "责任部门 %q 未登记", "responsible department %q is not registered", d)))
		}
	}
	for i, c := range spec.Scope.Counties {
		if !snap.CountyKnown(c) {
			errs = append(errs, notFound(specPath.Child("scope", "counties").Index(i), c,
				msg(S2, "适用范围中的县（市、区）%q 不在登记表中", "scope county %q is not in the village registry", c)))
		}
	}
	return errs
}

// ValidateListItemUpdate: an approved item's spec is frozen but for its
// retirement, and a retirement, once set, stays (S5, S7).
func ValidateListItemUpdate(old, updated *governancev1alpha1.ListItem) field.ErrorList {
	if !old.WasApproved() {
		return nil
	}
	var errs field.ErrorList
	if Digest(&old.Spec, nil) != Digest(&updated.Spec, nil) {
		errs = append(errs, forbidden(specPath, msg(S5, "事项 %q 已通过联合审核，内容不可修改，只能设置 retirement 退出；如需变更请新建事项并重新审核",
			"item %q was approved by the joint review; its spec cannot change except for retirement — propose a new item instead", old.Name)))
	}
	if old.Spec.Retirement != nil && !equality.Semantic.DeepEqual(old.Spec.Retirement, updated.Spec.Retirement) {
		errs = append(errs, forbidden(specPath.Child("retirement"), msg(S7, "事项 %q 的退出设置不可撤销或修改", "the retirement of item %q cannot be undone or changed", old.Name)))
	}
	return errs
}

// ValidateListItemDelete: an item that was ever approved is never deleted,
// only retired, so that history keeps it (S7).
func ValidateListItemDelete(old *governancev1alpha1.ListItem) field.ErrorList {
	if !old.WasApproved() {
		return nil
	}
	return field.ErrorList{forbidden(field.NewPath("metadata", "name"), msg(S7,
		"事项 %q 曾通过联合审核，不可删除；请设置 spec.retirement（理由与生效日期）使其退出",
		"item %q was approved once and can never be deleted; retire it with spec.retirement (reason and effective date)", old.Name))}
}
