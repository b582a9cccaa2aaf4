package rules

import (
	"cmp"
	"slices"
	"strings"
	"unicode/utf8"

	"k8s.io/apimachinery/pkg/api/equality"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/validation/field"

	governancev1alpha1 "github.com/cunshe/cunshe-operator/api/v1alpha1"
	"github.com/cunshe/cunshe-operator/internal/rules/formats"
)

// S10 is the rule of the three public affairs (三务公开) on the platform.
const S10 = "S10"

// DisclosureSnapshot is what the disclosure rules may know.
type DisclosureSnapshot interface {
	Village(code string) *governancev1alpha1.Village
	// Disclosures are the records in a namespace.
	Disclosures(namespace string) []governancev1alpha1.Disclosure
}

// ValidateDisclosure checks a public record as it is published (S10): in a
// village's own tenant, by its own cadres, within the limits, and a
// correction names a standing record of the same village.
func ValidateDisclosure(d *governancev1alpha1.Disclosure, who Requester, snap DisclosureSnapshot) field.ErrorList {
	code := VillageOfNamespace(d.Namespace)
	ns := field.NewPath("metadata", "namespace")
	if code == "" || snap.Village(code) == nil {
		return field.ErrorList{forbidden(ns, msg(S10, "公开记录只能在村（社区）自己的命名空间（village-<代码>）中发布，%q 不是",
			"a disclosure is published in a village's own tenant namespace (village-<code>); %q is not one", d.Namespace))}
	}
	if group := governancev1alpha1.VillageGroupPrefix + code; !slices.Contains(who.Groups, group) {
		return field.ErrorList{forbidden(ns, msg(S10, "用户 %q 不属于 %s 组，只有本村（社区）干部可以发布本村（社区）的公开记录",
			"user %q is not in group %s; only the village's own cadres publish its records", who.Username, group))}
	}
	errs := validateDisclosureFields(&d.Spec)
	return append(errs, validateSupersedes(d, snap)...)
}

func validateDisclosureFields(s *governancev1alpha1.DisclosureSpec) field.ErrorList {
	var errs field.ErrorList
	if !slices.Contains(governancev1alpha1.DisclosureCategories, s.Category) {
		errs = append(errs, invalid(specPath.Child("category"), s.Category, msg(S10,
			"公开类别只能是 PartyAffairs（党务）、VillageAffairs（村务）、Finance（财务）、VillageRules（村规民约）、Services（社区服务）或 Consultation（民主协商）",
			"category is PartyAffairs, VillageAffairs, Finance, VillageRules, Services or Consultation")))
	}
	switch n := utf8.RuneCountInString(s.Title); {
	case strings.TrimSpace(s.Title) == "":
		errs = append(errs, required(specPath.Child("title"), msg(S10, "公开记录须有标题", "a record needs a title")))
	case n > governancev1alpha1.MaxDisclosureTitle:
		errs = append(errs, tooLong(specPath.Child("title"), msg(S10, "标题不超过 %d 个字符，现有 %d 个",
			"a title has at most %d characters; this one has %d", governancev1alpha1.MaxDisclosureTitle, n)))
	case garbled(s.Title):
		errs = append(errs, invalid(specPath.Child("title"), field.OmitValueType{}, msg(S10, "标题%[1]s", "the title %[2]s", garbledZh, garbledEn)))
	}
	switch {
	case s.Period == "":
		errs = append(errs, required(specPath.Child("period"), msg(S10,
			"须注明公开所属期间：年（2026）、半年（2026-H1）、季度（2026-Q3）、月（2026-11）或日（2026-11-05）",
			"a record names the period it covers: a year (2026), half (2026-H1), quarter (2026-Q3), month (2026-11) or day (2026-11-05)")))
	case !formats.Period(s.Period):
		errs = append(errs, invalid(specPath.Child("period"), s.Period, msg(S10,
			"期间 %q 应为年（2026）、半年（2026-H1）、季度（2026-Q3）、月（2026-11）或日（2026-11-05）",
			"period %q is not a year (2026), half (2026-H1), quarter (2026-Q3), month (2026-11) or day (2026-11-05)", s.Period)))
	}
	if s.Format != "" && s.Format != governancev1alpha1.DisclosureText && s.Format != governancev1alpha1.DisclosureMarkdown {
		errs = append(errs, invalid(specPath.Child("format"), s.Format, msg(S10, "正文格式只能是 Text 或 Markdown", "format is Text or Markdown")))
	}
	switch body := specPath.Child("body"); {
	case strings.TrimSpace(s.Body) == "":
		errs = append(errs, required(body, msg(S10, "公开记录须有正文", "a record needs a body")))
	case len(s.Body) > governancev1alpha1.MaxDisclosureBody:
		errs = append(errs, tooLong(body, msg(S10, "正文不超过 %d 字节，现有 %d 字节；长篇材料请作为链接附上",
			"a body has at most %d bytes; this one has %d — attach long documents as links", governancev1alpha1.MaxDisclosureBody, len(s.Body))))
	case garbled(s.Body):
		errs = append(errs, invalid(body, field.OmitValueType{}, msg(S10, "正文%[1]s", "the body %[2]s", garbledZh, garbledEn)))
	}
	return append(errs, validateLinks(s.Links)...)
}

// garbled reports text that is not UTF-8, or was not before the API server
// decoded it: JSON decoding turns each invalid byte into U+FFFD, so a
// record that arrives through the API is never invalid UTF-8, only marked.
// Residents would read the marks on the public page.
func garbled(s string) bool {
	return !utf8.ValidString(s) || strings.ContainsRune(s, utf8.RuneError)
}

const (
	garbledZh = "含有无效的 UTF-8 字节或替换字符 U+FFFD（编码错误的痕迹）；请以 UTF-8 重新提交"
	garbledEn = "holds bytes that are not UTF-8 or the replacement character U+FFFD (the trace of a wrong encoding); submit it again as UTF-8"
)

func validateLinks(links []governancev1alpha1.DisclosureLink) field.ErrorList {
	path := specPath.Child("links")
	if n := len(links); n > governancev1alpha1.MaxDisclosureLinks {
		return field.ErrorList{finding(&field.Error{Type: field.ErrorTypeTooMany, Field: path.String(), BadValue: field.OmitValueType{}}, msg(S10,
			"链接不超过 %d 个，现有 %d 个", "a record has at most %d links; this one has %d", governancev1alpha1.MaxDisclosureLinks, n))}
	}
	var errs field.ErrorList
	for i, l := range links {
		if strings.TrimSpace(l.Title) == "" {
			errs = append(errs, required(path.Index(i).Child("title"), msg(S10, "链接须有说明", "a link needs a title")))
		}
		if !formats.WebLink(l.URL) {
			errs = append(errs, invalid(path.Index(i).Child("url"), l.URL, msg(S10,
				"链接须是以 http:// 或 https:// 开头的完整网址", "a link is a full address starting with http:// or https://")))
		}
	}
	return errs
}

// validateSupersedes: a correction names a standing record of the same
// village, never itself, and says what was wrong (S10).
func validateSupersedes(d *governancev1alpha1.Disclosure, snap DisclosureSnapshot) field.ErrorList {
	old := d.Spec.Supersedes
	if old == "" {
		return nil
	}
	path := specPath.Child("supersedes")
	if old == d.Name {
		return field.ErrorList{invalid(path, old, msg(S10, "公开记录不能更正自身", "a record cannot supersede itself"))}
	}
	var errs field.ErrorList
	records := snap.Disclosures(d.Namespace)
	switch by := supersededBy(old, d.Name, records); {
	case !slices.ContainsFunc(records, func(r governancev1alpha1.Disclosure) bool { return r.Name == old }):
		errs = append(errs, notFound(path, old, msg(S10, "本命名空间中没有公开记录 %q，无从更正", "there is no record %q in this namespace to supersede", old)))
	case by != "":
		errs = append(errs, invalid(path, old, msg(S10, "公开记录 %q 已被 %q 更正，请更正最新的记录",
			"record %q was already superseded by %q; supersede the newest record instead", old, by)))
	}
	if strings.TrimSpace(d.Spec.Correction) == "" {
		errs = append(errs, required(specPath.Child("correction"), msg(S10, "更正记录须说明更正原因（spec.correction）",
			"a correction says what was wrong with the record it supersedes (spec.correction)")))
	}
	return errs
}

// supersededBy is the record, other than self, that supersedes name, or "".
func supersededBy(name, self string, records []governancev1alpha1.Disclosure) string {
	for _, r := range records {
		if r.Spec.Supersedes == name && r.Name != self {
			return r.Name
		}
	}
	return ""
}

// NewestSuperseding is the newest record that supersedes name (by
// creation, then name), or "" when none does.
func NewestSuperseding(name string, records []governancev1alpha1.Disclosure) string {
	var newest *governancev1alpha1.Disclosure
	for i := range records {
		r := &records[i]
		if r.Spec.Supersedes != name || r.Name == name {
			continue
		}
		if newest == nil || cmp.Or(r.CreationTimestamp.Compare(newest.CreationTimestamp.Time), cmp.Compare(r.Name, newest.Name)) > 0 {
			newest = r
		}
	}
	if newest == nil {
		return ""
	}
	return newest.Name
}

// ValidateDisclosureUpdate: a published record never changes (S10: a
// correction is a new record); its labels and annotations may, except who
// created it.
func ValidateDisclosureUpdate(old, updated *governancev1alpha1.Disclosure) field.ErrorList {
	errs := CreatorKept(S10, old, updated)
	if !equality.Semantic.DeepEqual(old.Spec, updated.Spec) {
		errs = append(errs, forbidden(specPath, msg(S10,
			"公开记录 %q 一经发布不得修改；如需更正，请另发一条记录，在 spec.supersedes 中写明 %q 并说明更正原因",
			"record %q never changes once published; to correct it, publish a new record with spec.supersedes: %q and the reason in spec.correction", old.Name, old.Name)))
	}
	return errs
}

// ValidateDisclosureDelete: a record stays published (S10), unless it goes
// with its tenant once archived (tenant).
func ValidateDisclosureDelete(d *governancev1alpha1.Disclosure, tenant TenantState) field.ErrorList {
	switch {
	case tenant.goes():
		return nil
	case tenant.Terminating:
		return awaitingArchive(S10, "公开记录", "record", d.Name)
	}
	return field.ErrorList{forbidden(field.NewPath("metadata", "name"), msg(S10,
		"公开记录 %q 须持续公开，不得删除；如有错误，请另发一条更正记录（spec.supersedes）",
		"record %q stays published and cannot be deleted; to correct it, publish a new record that supersedes it (spec.supersedes)", d.Name))}
}

// CreatorKept refuses rewriting the creator admission recorded, citing rule.
func CreatorKept(rule string, old, updated metav1.Object) field.ErrorList {
	if old.GetAnnotations()[governancev1alpha1.AnnotationCreatedBy] == updated.GetAnnotations()[governancev1alpha1.AnnotationCreatedBy] {
		return nil
	}
	return field.ErrorList{forbidden(field.NewPath("metadata", "annotations").Key(governancev1alpha1.AnnotationCreatedBy),
		msg(rule, "提交人由准入服务记录，不得修改", "the creator is recorded by admission and cannot be changed"))}
}

// tooLong is a TooLong finding that does not repeat the value.
func tooLong(path *field.Path, m Message) *field.Error {
	return finding(&field.Error{Type: field.ErrorTypeTooLong, Field: path.String(), BadValue: field.OmitValueType{}}, m)
}
