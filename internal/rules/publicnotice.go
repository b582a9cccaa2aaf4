package rules

import (
	"regexp"
	"strings"
	"unicode/utf8"

	"k8s.io/apimachinery/pkg/api/equality"
	"k8s.io/apimachinery/pkg/util/validation/field"

	governancev1alpha1 "github.com/cunshe/cunshe-operator/api/v1alpha1"
)

// Limits of a public notice, named in the refusals.
const (
	MaxNoticeTitle = 200  // characters of title
	MaxNoticeText  = 4096 // characters of text
)

// knownRule matches the notice's rule IDs: S1–S20 and P1.
var knownRule = regexp.MustCompile(`^(S([1-9]|1[0-9]|20)|P1)$`)

// KnownRule reports whether id is a rule of the notice (S1–S20, P1).
func KnownRule(id string) bool { return knownRule.MatchString(id) }

// UnitSnapshot answers which review units exist.
type UnitSnapshot interface {
	ReviewUnit(name string) *governancev1alpha1.ReviewUnit
}

// ValidatePublicNotice checks a notice as it is issued (S19): of a known
// kind and rule, with a title and text within bounds, naming whom it
// concerns, and not withdrawn before it was issued.
func ValidatePublicNotice(n *governancev1alpha1.PublicNotice) field.ErrorList {
	var errs field.ErrorList
	s := &n.Spec
	if s.Kind != governancev1alpha1.NoticeReportUpheld && s.Kind != governancev1alpha1.NoticeCleanupIncomplete {
		errs = append(errs, invalid(specPath.Child("kind"), s.Kind, msg(S19,
			"通报类别只能是 ReportUpheld（反映属实）或 CleanupIncomplete（清理不到位）", "kind is ReportUpheld or CleanupIncomplete")))
	}
	switch {
	case s.Rule == "":
		errs = append(errs, required(specPath.Child("rule"), msg(S19, "通报须写明所依据的规则编号（如 S8）", "a notice names the rule it enforces (e.g. S8)")))
	case !KnownRule(s.Rule):
		errs = append(errs, invalid(specPath.Child("rule"), s.Rule, msg(S19,
			"规则编号 %q 不在通知的 S1–S20、P1 之中", "rule %q is not a rule of the notice (S1–S20, P1)", s.Rule)))
	}
	errs = append(errs, bounded(specPath.Child("title"), s.Title, MaxNoticeTitle, "标题", "title")...)
	errs = append(errs, bounded(specPath.Child("text"), s.Text, MaxNoticeText, "正文", "text")...)
	if s.Department == "" && s.County == "" && len(s.Villages) == 0 {
		errs = append(errs, required(specPath.Child("department"), msg(S19,
			"通报须点名部门（department）、县（市、区）（county）或所涉村（社区）（villages）",
			"a notice names a department, a county or the villages it concerns")))
	}
	if s.Withdrawal != nil {
		errs = append(errs, forbidden(specPath.Child("withdrawal"), msg(S19,
			"新发布的通报不能带撤回记录；撤回由联审单位在发布后进行", "a notice is issued in force; a review unit withdraws it afterwards")))
	}
	return errs
}

// bounded is a non-empty text of at most max characters.
func bounded(path *field.Path, s string, max int, zh, en string) field.ErrorList {
	switch n := utf8.RuneCountInString(s); {
	case strings.TrimSpace(s) == "":
		return field.ErrorList{required(path, msg(S19, "通报须有%[1]s", "a notice needs a %[2]s", zh, en))}
	case n > max:
		return field.ErrorList{tooLong(path, msg(S19, "%[1]s不超过 %[2]d 个字符，现有 %[3]d 个", "the %[4]s has at most %[2]d characters; this one has %[3]d", zh, max, n, en))}
	}
	return nil
}

// ValidatePublicNoticeUpdate: a notice never changes, except that a member
// of a review unit may withdraw it, once, with a reason (S19). The
// withdrawal stays: it is never changed or removed.
func ValidatePublicNoticeUpdate(old, updated *governancev1alpha1.PublicNotice, who Requester, snap UnitSnapshot) field.ErrorList {
	before, after := old.Spec.DeepCopy(), updated.Spec.DeepCopy()
	before.Withdrawal, after.Withdrawal = nil, nil
	if !equality.Semantic.DeepEqual(before, after) {
		return field.ErrorList{forbidden(specPath, msg(S19,
			"通报 %q 发布后内容不得修改，只能由联审单位撤回（spec.withdrawal）",
			"notice %q never changes once issued; a review unit may only withdraw it (spec.withdrawal)", old.Name))}
	}
	path := specPath.Child("withdrawal")
	w := updated.Spec.Withdrawal
	switch {
	case old.Spec.Withdrawal != nil && !equality.Semantic.DeepEqual(old.Spec.Withdrawal, w):
		return field.ErrorList{forbidden(path, msg(S19, "通报 %q 已由联审单位 %q 撤回，撤回记录不得修改或删除",
			"notice %q was withdrawn by review unit %q; the withdrawal cannot be changed or removed", old.Name, old.Spec.Withdrawal.Unit))}
	case old.Spec.Withdrawal != nil || w == nil:
		return nil
	}
	unit := snap.ReviewUnit(w.Unit)
	switch {
	case unit == nil:
		return field.ErrorList{notFound(path.Child("unit"), w.Unit, msg(S19, "联审单位 %q 不存在", "review unit %q does not exist", w.Unit))}
	case !who.MemberOf(unit):
		return field.ErrorList{forbidden(path.Child("unit"), msg(S19, "用户 %q 不属于联审单位 %q 的成员组 %s，不能代表其撤回通报",
			"user %q is not in review unit %q's group %s and cannot withdraw a notice for it", who.Username, unit.Name, unit.Spec.Group))}
	case strings.TrimSpace(w.Reason) == "":
		return field.ErrorList{required(path.Child("reason"), msg(S19, "撤回通报须说明理由", "a withdrawal says why"))}
	}
	return nil
}

// ValidatePublicNoticeDelete keeps every notice on record (S19); a
// withdrawn one stays too, marked withdrawn.
func ValidatePublicNoticeDelete(n *governancev1alpha1.PublicNotice) field.ErrorList {
	return field.ErrorList{forbidden(field.NewPath("metadata", "name"), msg(S19,
		"通报 %q 须留档备查，不得删除；如需撤回，请由联审单位设置 spec.withdrawal",
		"notice %q stays on record and cannot be deleted; a review unit withdraws it with spec.withdrawal", n.Name))}
}
