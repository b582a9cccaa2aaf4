package rules_test

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"unicode/utf8"

	governancev1alpha1 "github.com/cunshe/cunshe-operator/api/v1alpha1"
	"github.com/cunshe/cunshe-operator/internal/rules"
)

// noticeRules are the notice's rule IDs, listed rather than matched.
var noticeRules = func() []string {
	ids := []string{"P1"}
	for i := 1; i <= 20; i++ {
		ids = append(ids, fmt.Sprintf("S%d", i))
	}
	return ids
}()

// FuzzValidatePublicNotice issues any notice (S19): the rule never panics,
// every finding cites S19 in Chinese and English, a rule ID is known exactly
// when it is one of S1–S20 and P1, and the refused fields are those an
// independent reading of the limits refuses.
func FuzzValidatePublicNotice(f *testing.F) {
	f.Add(uint8(0), "", "S8", "关于某部门违规派发任务的通报", "经核查属实。", "tjj", "", "", false)
	f.Add(uint8(1), "", "S21", " ", "", "", "", "", true)
	f.Add(uint8(2), "Warning", "S08", strings.Repeat("通", 201), "text", "", "330302", "330302006044,330302006045", false)
	f.Add(uint8(0), "", "P1\n", "t", "x", "", "", ",", false)
	f.Fuzz(func(t *testing.T, kindSel uint8, kindRaw, rule, title, text, department, county, villages string, withdrawn bool) {
		n := &governancev1alpha1.PublicNotice{Spec: governancev1alpha1.PublicNoticeSpec{
			Kind: pick(kindSel, kindRaw, governancev1alpha1.NoticeReportUpheld, governancev1alpha1.NoticeCleanupIncomplete),
			Rule: rule, Title: title, Text: text, Department: department, County: county, Villages: list(villages),
		}}
		if withdrawn {
			n.Spec.Withdrawal = &governancev1alpha1.NoticeWithdrawal{Unit: "sjw", Reason: "误发"}
		}
		if got, want := rules.KnownRule(rule), slices.Contains(noticeRules, rule); got != want {
			t.Fatalf("KnownRule(%q) = %t, want %t", rule, got, want)
		}
		errs := rules.ValidatePublicNotice(n)
		for _, e := range errs {
			requireRule(t, e, rules.S19)
		}
		if got, want := fieldsOf(errs), refusedNoticeFields(&n.Spec); !slices.Equal(got, want) {
			t.Fatalf("refused fields %q, want %q", got, want)
		}
	})
}

// refusedNoticeFields is an independent account of what S19 refuses in a
// notice as it is issued.
func refusedNoticeFields(s *governancev1alpha1.PublicNoticeSpec) []string {
	var want []string
	if s.Kind != governancev1alpha1.NoticeReportUpheld && s.Kind != governancev1alpha1.NoticeCleanupIncomplete {
		want = append(want, "spec.kind")
	}
	if !slices.Contains(noticeRules, s.Rule) {
		want = append(want, "spec.rule")
	}
	for _, text := range []struct {
		path, value string
		max         int
	}{{"spec.title", s.Title, rules.MaxNoticeTitle}, {"spec.text", s.Text, rules.MaxNoticeText}} {
		if strings.TrimSpace(text.value) == "" || utf8.RuneCountInString(text.value) > text.max {
			want = append(want, text.path)
		}
	}
	if s.Department == "" && s.County == "" && len(s.Villages) == 0 {
		want = append(want, "spec.department")
	}
	if s.Withdrawal != nil {
		want = append(want, "spec.withdrawal")
	}
	return want
}
