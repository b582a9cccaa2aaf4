package rules_test

import (
	"slices"
	"strings"
	"testing"
	"unicode/utf8"

	"k8s.io/apimachinery/pkg/util/validation/field"

	governancev1alpha1 "github.com/cunshe/cunshe-operator/api/v1alpha1"
	"github.com/cunshe/cunshe-operator/internal/rules"
	"github.com/cunshe/cunshe-operator/internal/rules/formats"
)

// FuzzValidateDisclosure publishes any record in 鼓楼社区 (S10): the rule
// never panics, every finding cites S10 in Chinese and English, and it
// refuses exactly the fields that break a limit or a format (the formats
// have their own fuzz targets in internal/rules/formats).
func FuzzValidateDisclosure(f *testing.F) {
	f.Add(uint8(2), "", "2026年第三季度财务收支公开", "2026-Q3", uint8(2), "| 项目 | 金额 |", "凭证", "https://zhcst.wenzhou.gov.cn/a.pdf", uint8(1), "", "")
	f.Add(uint8(9), "Propaganda", " ", "2026-02-30", uint8(3), "收入\xff", "", "javascript:alert(1)", uint8(2), "finance-2026-q3", "")
	f.Add(uint8(0), "", "党务", "2026-H2", uint8(0), "正文", "链接", "http://:80/", uint8(1), "finance-2026-q3-new", "改")
	f.Add(uint8(1), "", "村务", "2024-02-29", uint8(1), "正文", "链接", "HTTPS://X", uint8(17), "finance-2026-q3", "金额有误")
	f.Add(uint8(3), "", "x", "0000-12", uint8(1), "b", "t", "http://[::1]:8080/x", uint8(3), "missing", " ")
	published := finance2026Q3("finance-2026-q3")
	snap := gulouSnap(published)
	f.Fuzz(func(t *testing.T, catSel uint8, catRaw, title, period string, formatSel uint8, body, linkTitle, linkURL string,
		links uint8, supersedes, correction string) {
		d := finance2026Q3("finance-2026-q3-new")
		s := &d.Spec
		s.Category = pick(catSel, catRaw, governancev1alpha1.DisclosureCategories...)
		s.Title, s.Period, s.Body = title, period, body
		s.Format = pick(formatSel, "HTML", "", governancev1alpha1.DisclosureText, governancev1alpha1.DisclosureMarkdown)
		s.Links = make([]governancev1alpha1.DisclosureLink, int(links)%(governancev1alpha1.MaxDisclosureLinks+2))
		for i := range s.Links {
			s.Links[i] = governancev1alpha1.DisclosureLink{Title: linkTitle, URL: linkURL}
		}
		s.Supersedes, s.Correction = supersedes, correction

		errs := rules.ValidateDisclosure(d, gulouCadre, snap)
		for _, e := range errs {
			requireRule(t, e, rules.S10)
		}
		if got, want := fieldsOf(errs), refusedDisclosureFields(s, d.Name, published.Name); !slices.Equal(got, want) {
			t.Fatalf("refused fields %q, want %q", got, want)
		}
	})
}

// refusedDisclosureFields is an independent account of what S10 refuses in
// a record of 鼓楼社区 whose tenant holds one standing record, standing.
func refusedDisclosureFields(s *governancev1alpha1.DisclosureSpec, name, standing string) []string {
	var want []string
	spec := field.NewPath("spec")
	if !slices.Contains(governancev1alpha1.DisclosureCategories, s.Category) {
		want = append(want, "spec.category")
	}
	if strings.TrimSpace(s.Title) == "" || utf8.RuneCountInString(s.Title) > governancev1alpha1.MaxDisclosureTitle || marked(s.Title) {
		want = append(want, "spec.title")
	}
	if !formats.Period(s.Period) {
		want = append(want, "spec.period")
	}
	if s.Format != "" && s.Format != governancev1alpha1.DisclosureText && s.Format != governancev1alpha1.DisclosureMarkdown {
		want = append(want, "spec.format")
	}
	if strings.TrimSpace(s.Body) == "" || len(s.Body) > governancev1alpha1.MaxDisclosureBody || marked(s.Body) {
		want = append(want, "spec.body")
	}
	if len(s.Links) > governancev1alpha1.MaxDisclosureLinks {
		want = append(want, "spec.links")
	} else {
		for i, l := range s.Links {
			if strings.TrimSpace(l.Title) == "" {
				want = append(want, spec.Child("links").Index(i).Child("title").String())
			}
			if !formats.WebLink(l.URL) {
				want = append(want, spec.Child("links").Index(i).Child("url").String())
			}
		}
	}
	if s.Supersedes != "" {
		if s.Supersedes == name || s.Supersedes != standing {
			want = append(want, "spec.supersedes")
		}
		if s.Supersedes != name && strings.TrimSpace(s.Correction) == "" {
			want = append(want, "spec.correction")
		}
	}
	return want
}

// marked: not UTF-8, or holding the mark JSON decoding leaves of bytes
// that were not (U+FFFD).
func marked(s string) bool {
	for _, r := range s {
		if r == utf8.RuneError {
			return true
		}
	}
	return false
}

// fieldsOf are the paths of findings, in order.
func fieldsOf(errs field.ErrorList) []string {
	got := make([]string, len(errs))
	for i, e := range errs {
		got[i] = e.Field
	}
	return got
}

// requireRule fails unless the finding cites rule as data and reads in
// Chinese and English.
func requireRule(t *testing.T, e *field.Error, rule string) {
	t.Helper()
	if got := rules.RuleOf(e); got != rule {
		t.Fatalf("a finding citing %q, not %s: %s", got, rule, e.Error())
	}
	requireRuleMessage(t, e)
}
