package rules_test

import (
	"strings"
	"testing"

	. "github.com/onsi/gomega"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/validation/field"

	governancev1alpha1 "github.com/cunshe/cunshe-operator/api/v1alpha1"
	"github.com/cunshe/cunshe-operator/internal/rules"
)

// upheldNotice is the notice the operator issues when 民政局 upholds a
// village's report against 统计局.
func upheldNotice() *governancev1alpha1.PublicNotice {
	return &governancev1alpha1.PublicNotice{
		ObjectMeta: metav1.ObjectMeta{Name: "report-village-330302006044-census-extra-forms"},
		Spec: governancev1alpha1.PublicNoticeSpec{
			Kind: governancev1alpha1.NoticeReportUpheld, Rule: "S8", Department: "tjj", Villages: []string{gulouCode},
			Title:  "通报：tjj 要求村（社区）承担清单外事项",
			Text:   "S19 通报：村（社区）反映 village-330302006044/census-extra-forms 经 mzj 认定属实 / notice: the village's report was upheld by mzj",
			Source: &governancev1alpha1.NoticeSource{Kind: "Report", Namespace: "village-330302006044", Name: "census-extra-forms"},
		},
	}
}

func TestPublicNoticeRules(t *testing.T) {
	for name, tc := range map[string]struct {
		edit func(n *governancev1alpha1.PublicNoticeSpec)
		want []finding
	}{
		"an upheld report's notice": {edit: func(*governancev1alpha1.PublicNoticeSpec) {}},
		"a notice naming a county only (S18)": {edit: func(s *governancev1alpha1.PublicNoticeSpec) {
			s.Kind, s.Rule, s.Department, s.Villages, s.County = governancev1alpha1.NoticeCleanupIncomplete, "S19", "", nil, "330302"
		}},
		"an unknown kind": {edit: func(s *governancev1alpha1.PublicNoticeSpec) { s.Kind = "Praise" }, want: []finding{
			{field.ErrorTypeInvalid, "spec.kind", "S19", "通报类别只能是 ReportUpheld（反映属实）或 CleanupIncomplete（清理不到位） / kind is ReportUpheld or CleanupIncomplete"}}},
		"no rule": {edit: func(s *governancev1alpha1.PublicNoticeSpec) { s.Rule = "" }, want: []finding{
			{field.ErrorTypeRequired, "spec.rule", "S19", "通报须写明所依据的规则编号（如 S8） / a notice names the rule it enforces (e.g. S8)"}}},
		"a rule the notice does not have": {edit: func(s *governancev1alpha1.PublicNoticeSpec) { s.Rule = "S21" }, want: []finding{
			{field.ErrorTypeInvalid, "spec.rule", "S19", `规则编号 "S21" 不在通知的 S1–S20、P1 之中 / rule "S21" is not a rule of the notice (S1–S20, P1)`}}},
		"no title and no text": {edit: func(s *governancev1alpha1.PublicNoticeSpec) { s.Title, s.Text = "", " " }, want: []finding{
			{field.ErrorTypeRequired, "spec.title", "S19", "通报须有标题 / a notice needs a title"},
			{field.ErrorTypeRequired, "spec.text", "S19", "通报须有正文 / a notice needs a text"},
		}},
		"a title and a text too long": {edit: func(s *governancev1alpha1.PublicNoticeSpec) {
			s.Title, s.Text = strings.Repeat("通", 201), strings.Repeat("报", 4097)
		}, want: []finding{
			{field.ErrorTypeTooLong, "spec.title", "S19", "标题不超过 200 个字符，现有 201 个 / the title has at most 200 characters; this one has 201"},
			{field.ErrorTypeTooLong, "spec.text", "S19", "正文不超过 4096 个字符，现有 4097 个 / the text has at most 4096 characters; this one has 4097"},
		}},
		"naming no one": {edit: func(s *governancev1alpha1.PublicNoticeSpec) { s.Department, s.Villages = "", nil }, want: []finding{
			{field.ErrorTypeRequired, "spec.department", "S19", "通报须点名部门（department）、县（市、区）（county）或所涉村（社区）（villages） / a notice names a department, a county or the villages it concerns"}}},
		"issued withdrawn": {edit: func(s *governancev1alpha1.PublicNoticeSpec) {
			s.Withdrawal = &governancev1alpha1.NoticeWithdrawal{Unit: "mzj", Reason: "已整改"}
		}, want: []finding{{field.ErrorTypeForbidden, "spec.withdrawal", "S19", "新发布的通报不能带撤回记录；撤回由联审单位在发布后进行 / a notice is issued in force; a review unit withdraws it afterwards"}}},
	} {
		t.Run(name, func(t *testing.T) {
			n := upheldNotice()
			tc.edit(&n.Spec)
			expectFindings(t, rules.ValidatePublicNotice(n), tc.want)
		})
	}
	g := NewWithT(t)
	for _, id := range []string{"S1", "S10", "S19", "S20", "P1"} {
		g.Expect(rules.KnownRule(id)).To(BeTrue(), id)
	}
	for _, id := range []string{"S0", "S21", "P2", "s8", "S8 "} {
		g.Expect(rules.KnownRule(id)).To(BeFalse(), id)
	}
}

func TestANoticeIsWithdrawnOnceByAMemberOfTheUnit(t *testing.T) {
	snap := snapshot()
	member := rules.Requester{Username: "mzj-inspector", Groups: []string{"cunshe:unit:mzj"}}
	withdrawn := func(n *governancev1alpha1.PublicNotice, unit, reason, by string) *governancev1alpha1.PublicNotice {
		n = n.DeepCopy()
		n.Spec.Withdrawal = &governancev1alpha1.NoticeWithdrawal{Unit: unit, Reason: reason, By: by}
		return n
	}
	issued := upheldNotice()
	done := withdrawn(issued, "mzj", "统计局已撤回五张报表并书面说明整改情况", "mzj-inspector")
	for name, tc := range map[string]struct {
		old, updated *governancev1alpha1.PublicNotice
		who          rules.Requester
		want         []finding
	}{
		"a member of the unit withdraws it with a reason": {old: issued, updated: done, who: member},
		"labels change freely": {old: done, updated: func() *governancev1alpha1.PublicNotice {
			n := done.DeepCopy()
			n.Labels = map[string]string{"shown": "false"}
			return n
		}(), who: rules.Requester{Username: "ops"}},
		"the text changes": {old: issued, updated: func() *governancev1alpha1.PublicNotice {
			n := issued.DeepCopy()
			n.Spec.Department = "mzj"
			return n
		}(), who: member, want: []finding{{field.ErrorTypeForbidden, "spec", "S19",
			`通报 "report-village-330302006044-census-extra-forms" 发布后内容不得修改，只能由联审单位撤回（spec.withdrawal） / notice "report-village-330302006044-census-extra-forms" never changes once issued; a review unit may only withdraw it (spec.withdrawal)`}}},
		"a non-member withdraws it": {old: issued, updated: withdrawn(issued, "mzj", "已整改", "tjj-clerk"),
			who: rules.Requester{Username: "tjj-clerk", Groups: []string{"cunshe:dept:tjj"}}, want: []finding{{field.ErrorTypeForbidden, "spec.withdrawal.unit", "S19",
				`用户 "tjj-clerk" 不属于联审单位 "mzj" 的成员组 cunshe:unit:mzj，不能代表其撤回通报 / user "tjj-clerk" is not in review unit "mzj"'s group cunshe:unit:mzj and cannot withdraw a notice for it`}}},
		"a unit that does not exist": {old: issued, updated: withdrawn(issued, "swj", "已整改", ""), who: member, want: []finding{
			{field.ErrorTypeNotFound, "spec.withdrawal.unit", "S19", `联审单位 "swj" 不存在 / review unit "swj" does not exist`}}},
		"no reason": {old: issued, updated: withdrawn(issued, "mzj", "", "mzj-inspector"), who: member, want: []finding{
			{field.ErrorTypeRequired, "spec.withdrawal.reason", "S19", "撤回通报须说明理由 / a withdrawal says why"}}},
		"the withdrawal changes": {old: done, updated: withdrawn(issued, "mzj", "另有理由", "mzj-inspector"), who: member, want: []finding{
			{field.ErrorTypeForbidden, "spec.withdrawal", "S19", `通报 "report-village-330302006044-census-extra-forms" 已由联审单位 "mzj" 撤回，撤回记录不得修改或删除 / notice "report-village-330302006044-census-extra-forms" was withdrawn by review unit "mzj"; the withdrawal cannot be changed or removed`}}},
		"the withdrawal is removed": {old: done, updated: issued, who: member, want: []finding{
			{field.ErrorTypeForbidden, "spec.withdrawal", "S19", "the withdrawal cannot be changed or removed"}}},
	} {
		t.Run(name, func(t *testing.T) {
			expectFindings(t, rules.ValidatePublicNoticeUpdate(tc.old, tc.updated, tc.who, snap), tc.want)
		})
	}
}

func TestANoticeStaysOnRecord(t *testing.T) {
	for _, n := range []*governancev1alpha1.PublicNotice{upheldNotice(), func() *governancev1alpha1.PublicNotice {
		n := upheldNotice()
		n.Spec.Withdrawal = &governancev1alpha1.NoticeWithdrawal{Unit: "mzj", Reason: "已整改"}
		return n
	}()} {
		expectFindings(t, rules.ValidatePublicNoticeDelete(n), []finding{{field.ErrorTypeForbidden, "metadata.name", "S19",
			`通报 "report-village-330302006044-census-extra-forms" 须留档备查，不得删除；如需撤回，请由联审单位设置 spec.withdrawal / notice "report-village-330302006044-census-extra-forms" stays on record and cannot be deleted; a review unit withdraws it with spec.withdrawal`}})
	}
}
