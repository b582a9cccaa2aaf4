package rules_test

import (
	"strings"
	"testing"
	"time"

	. "github.com/onsi/gomega"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/validation/field"

	governancev1alpha1 "github.com/cunshe/cunshe-operator/api/v1alpha1"
	"github.com/cunshe/cunshe-operator/internal/rules"
	"github.com/cunshe/cunshe-operator/internal/rules/formats"
)

// gulouCode is 鼓楼社区 of 五马街道, 鹿城区.
const gulouCode = "330302006044"

var gulouNS = governancev1alpha1.TenantNamespaceName(gulouCode)

// disclosureSnap is one village's tenant and its records.
type disclosureSnap struct {
	villages map[string]*governancev1alpha1.Village
	records  []governancev1alpha1.Disclosure
}

func (s disclosureSnap) Village(code string) *governancev1alpha1.Village { return s.villages[code] }

func (s disclosureSnap) Disclosures(ns string) []governancev1alpha1.Disclosure {
	var out []governancev1alpha1.Disclosure
	for _, r := range s.records {
		if r.Namespace == ns {
			out = append(out, r)
		}
	}
	return out
}

// finance2026Q3 is a realistic quarterly financial disclosure of 鼓楼社区.
func finance2026Q3(name string) *governancev1alpha1.Disclosure {
	return &governancev1alpha1.Disclosure{
		ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: gulouNS, CreationTimestamp: metav1.NewTime(t0)},
		Spec: governancev1alpha1.DisclosureSpec{
			Category: governancev1alpha1.DisclosureFinance, Title: "2026年第三季度财务收支公开", Period: "2026-Q3",
			Format: governancev1alpha1.DisclosureMarkdown,
			Body:   "| 项目 | 金额（元） |\n|---|---|\n| 上级补助收入 | 186,000.00 |\n| 公共服务支出 | 142,350.00 |\n",
			Links:  []governancev1alpha1.DisclosureLink{{Title: "记账凭证扫描件", URL: "https://zhcst.wenzhou.gov.cn/ledger/2026q3.pdf"}},
		},
	}
}

func gulouSnap(records ...*governancev1alpha1.Disclosure) disclosureSnap {
	s := disclosureSnap{villages: map[string]*governancev1alpha1.Village{gulouCode: village(gulouCode, "330302", governancev1alpha1.TypeCommunity, 1, true)}}
	for _, r := range records {
		s.records = append(s.records, *r)
	}
	return s
}

var gulouCadre = rules.Requester{Username: "cunshe:village:330302006044:zhang", Groups: []string{"cunshe:village:" + gulouCode, "system:authenticated"}}

func TestDisclosureRules(t *testing.T) {
	published := finance2026Q3("finance-2026-q3")
	corrected := finance2026Q3("finance-2026-q3-v2")
	corrected.Spec.Supersedes, corrected.Spec.Correction = published.Name, "公共服务支出金额录入有误"
	for name, tc := range map[string]struct {
		// edit changes a valid record; who and snap default to a cadre of 鼓楼社区 and its tenant.
		edit func(d *governancev1alpha1.Disclosure)
		who  *rules.Requester
		snap *disclosureSnap
		want []finding
	}{
		"a cadre publishes a financial record of their village": {edit: func(*governancev1alpha1.Disclosure) {}},
		"a record of every period format is accepted": {edit: func(d *governancev1alpha1.Disclosure) {
			d.Spec.Format = ""
			for _, p := range []string{"2026", "2026-H1", "2026-Q3", "2026-11", "2026-11-05"} {
				if !formats.Period(p) {
					t.Errorf("period %s refused", p)
				}
			}
		}},
		"a correction of a standing record with its reason": {edit: func(d *governancev1alpha1.Disclosure) {
			d.Spec.Supersedes, d.Spec.Correction = published.Name, "公共服务支出金额录入有误"
		}, snap: ptrTo(gulouSnap(published))},
		"outside a tenant": {edit: func(d *governancev1alpha1.Disclosure) { d.Namespace = "dept-mzj" }, want: []finding{
			{field.ErrorTypeForbidden, "metadata.namespace", "S10", `a disclosure is published in a village's own tenant namespace (village-<code>); "dept-mzj" is not one`}}},
		"in the tenant of a village that does not exist": {edit: func(d *governancev1alpha1.Disclosure) { d.Namespace = "village-330302006999" }, want: []finding{
			{field.ErrorTypeForbidden, "metadata.namespace", "S10", `"village-330302006999" is not one`}}},
		"by another village's cadre": {who: &rules.Requester{Username: "moc-cadre", Groups: []string{"cunshe:village:330302006045"}}, want: []finding{
			{field.ErrorTypeForbidden, "metadata.namespace", "S10", `用户 "moc-cadre" 不属于 cunshe:village:330302006044 组，只有本村（社区）干部可以发布本村（社区）的公开记录 / user "moc-cadre" is not in group cunshe:village:330302006044; only the village's own cadres publish its records`}}},
		"an unknown category": {edit: func(d *governancev1alpha1.Disclosure) { d.Spec.Category = "Propaganda" }, want: []finding{
			{field.ErrorTypeInvalid, "spec.category", "S10", "category is PartyAffairs, VillageAffairs, Finance, VillageRules, Services or Consultation"}}},
		"no title": {edit: func(d *governancev1alpha1.Disclosure) { d.Spec.Title = "  " }, want: []finding{
			{field.ErrorTypeRequired, "spec.title", "S10", "公开记录须有标题 / a record needs a title"}}},
		"a title of 201 characters": {edit: func(d *governancev1alpha1.Disclosure) { d.Spec.Title = strings.Repeat("公", 201) }, want: []finding{
			{field.ErrorTypeTooLong, "spec.title", "S10", "标题不超过 200 个字符，现有 201 个 / a title has at most 200 characters; this one has 201"}}},
		"no period": {edit: func(d *governancev1alpha1.Disclosure) { d.Spec.Period = "" }, want: []finding{
			{field.ErrorTypeRequired, "spec.period", "S10", "a record names the period it covers: a year (2026), half (2026-H1), quarter (2026-Q3), month (2026-11) or day (2026-11-05)"}}},
		"a period that is no period": {edit: func(d *governancev1alpha1.Disclosure) { d.Spec.Period = "2026-Q5" }, want: []finding{
			{field.ErrorTypeInvalid, "spec.period", "S10", `期间 "2026-Q5" 应为年（2026）、半年（2026-H1）、季度（2026-Q3）、月（2026-11）或日（2026-11-05） / period "2026-Q5" is not a year (2026), half (2026-H1), quarter (2026-Q3), month (2026-11) or day (2026-11-05)`}}},
		"a day not in the calendar": {edit: func(d *governancev1alpha1.Disclosure) { d.Spec.Period = "2026-02-30" }, want: []finding{
			{field.ErrorTypeInvalid, "spec.period", "S10", `period "2026-02-30" is not a year`}}},
		"an unknown format": {edit: func(d *governancev1alpha1.Disclosure) { d.Spec.Format = "HTML" }, want: []finding{
			{field.ErrorTypeInvalid, "spec.format", "S10", "正文格式只能是 Text 或 Markdown / format is Text or Markdown"}}},
		"no body": {edit: func(d *governancev1alpha1.Disclosure) { d.Spec.Body = "" }, want: []finding{
			{field.ErrorTypeRequired, "spec.body", "S10", "公开记录须有正文 / a record needs a body"}}},
		"a body of 32769 bytes": {edit: func(d *governancev1alpha1.Disclosure) { d.Spec.Body = strings.Repeat("a", 32769) }, want: []finding{
			{field.ErrorTypeTooLong, "spec.body", "S10", "正文不超过 32768 字节，现有 32769 字节；长篇材料请作为链接附上 / a body has at most 32768 bytes; this one has 32769 — attach long documents as links"}}},
		"a body of 32768 bytes is accepted": {edit: func(d *governancev1alpha1.Disclosure) { d.Spec.Body = strings.Repeat("a", 32768) }},
		"a body that is not UTF-8": {edit: func(d *governancev1alpha1.Disclosure) { d.Spec.Body = "收入\xff" }, want: []finding{
			{field.ErrorTypeInvalid, "spec.body", "S10", "正文含有无效的 UTF-8 字节或替换字符 U+FFFD（编码错误的痕迹）；请以 UTF-8 重新提交 / " +
				"the body holds bytes that are not UTF-8 or the replacement character U+FFFD (the trace of a wrong encoding); submit it again as UTF-8"}}},
		"a title and a body that the API server decoded from bytes that were not UTF-8": {edit: func(d *governancev1alpha1.Disclosure) {
			d.Spec.Title, d.Spec.Body = "2026年\uFFFD财务公开", "收入\uFFFD"
		}, want: []finding{
			{field.ErrorTypeInvalid, "spec.title", "S10", "S10 标题含有无效的 UTF-8 字节或替换字符 U+FFFD（编码错误的痕迹）"},
			{field.ErrorTypeInvalid, "spec.body", "S10", "the body holds bytes that are not UTF-8 or the replacement character U+FFFD"}}},
		"17 links": {edit: func(d *governancev1alpha1.Disclosure) {
			d.Spec.Links = make([]governancev1alpha1.DisclosureLink, 17)
		}, want: []finding{{field.ErrorTypeTooMany, "spec.links", "S10", "链接不超过 16 个，现有 17 个 / a record has at most 16 links; this one has 17"}}},
		"links without a title or with a script or data address": {edit: func(d *governancev1alpha1.Disclosure) {
			d.Spec.Links = []governancev1alpha1.DisclosureLink{
				{Title: "", URL: "http://zhcst.wenzhou.gov.cn/a"},
				{Title: "凭证", URL: "javascript:alert(1)"},
				{Title: "凭证", URL: "data:text/html;base64,PHNjcmlwdD4="},
				{Title: "凭证", URL: "/relative/path"},
			}
		}, want: []finding{
			{field.ErrorTypeRequired, "spec.links[0].title", "S10", "链接须有说明 / a link needs a title"},
			{field.ErrorTypeInvalid, "spec.links[1].url", "S10", "链接须是以 http:// 或 https:// 开头的完整网址 / a link is a full address starting with http:// or https://"},
			{field.ErrorTypeInvalid, "spec.links[2].url", "S10", "a link is a full address starting with http:// or https://"},
			{field.ErrorTypeInvalid, "spec.links[3].url", "S10", "a link is a full address starting with http:// or https://"},
		}},
		"superseding itself": {edit: func(d *governancev1alpha1.Disclosure) {
			d.Spec.Supersedes, d.Spec.Correction = d.Name, "改正"
		}, want: []finding{{field.ErrorTypeInvalid, "spec.supersedes", "S10", "公开记录不能更正自身 / a record cannot supersede itself"}}},
		"superseding a record that does not exist, without a reason": {edit: func(d *governancev1alpha1.Disclosure) { d.Spec.Supersedes = "finance-2025-q4" }, want: []finding{
			{field.ErrorTypeNotFound, "spec.supersedes", "S10", `本命名空间中没有公开记录 "finance-2025-q4"，无从更正 / there is no record "finance-2025-q4" in this namespace to supersede`},
			{field.ErrorTypeRequired, "spec.correction", "S10", "更正记录须说明更正原因（spec.correction） / a correction says what was wrong with the record it supersedes (spec.correction)"},
		}},
		"superseding a record another correction already superseded": {edit: func(d *governancev1alpha1.Disclosure) {
			d.Name, d.Spec.Supersedes, d.Spec.Correction = "finance-2026-q3-v3", published.Name, "再次更正"
		}, snap: ptrTo(gulouSnap(published, corrected)), want: []finding{
			{field.ErrorTypeInvalid, "spec.supersedes", "S10", `公开记录 "finance-2026-q3" 已被 "finance-2026-q3-v2" 更正，请更正最新的记录 / record "finance-2026-q3" was already superseded by "finance-2026-q3-v2"; supersede the newest record instead`}}},
		"superseding a record of another village": {edit: func(d *governancev1alpha1.Disclosure) {
			d.Spec.Supersedes, d.Spec.Correction = "moc-finance", "更正"
		}, snap: ptrTo(gulouSnap(&governancev1alpha1.Disclosure{ObjectMeta: metav1.ObjectMeta{Name: "moc-finance", Namespace: "village-330302006045"}})), want: []finding{
			{field.ErrorTypeNotFound, "spec.supersedes", "S10", `there is no record "moc-finance" in this namespace to supersede`}}},
	} {
		t.Run(name, func(t *testing.T) {
			d := finance2026Q3("finance-2026-q3-new")
			if tc.edit != nil {
				tc.edit(d)
			}
			who, snap := gulouCadre, gulouSnap(published)
			if tc.who != nil {
				who = *tc.who
			}
			if tc.snap != nil {
				snap = *tc.snap
			}
			expectFindings(t, rules.ValidateDisclosure(d, who, snap), tc.want)
		})
	}
}

func ptrTo[T any](v T) *T { return &v }

func TestAPublishedRecordNeverChanges(t *testing.T) {
	old := finance2026Q3("finance-2026-q3")
	old.Annotations = map[string]string{governancev1alpha1.AnnotationCreatedBy: gulouCadre.Username}

	relabelled := old.DeepCopy()
	relabelled.Labels = map[string]string{"cunshe.io/topic": "budget"}
	relabelled.Annotations["note"] = "已张贴于公开栏"
	expectFindings(t, rules.ValidateDisclosureUpdate(old, relabelled), nil)

	edited := old.DeepCopy()
	edited.Spec.Body = "| 上级补助收入 | 168,000.00 |"
	expectFindings(t, rules.ValidateDisclosureUpdate(old, edited), []finding{{field.ErrorTypeForbidden, "spec", "S10",
		`公开记录 "finance-2026-q3" 一经发布不得修改；如需更正，请另发一条记录，在 spec.supersedes 中写明 "finance-2026-q3" 并说明更正原因 / ` +
			`record "finance-2026-q3" never changes once published; to correct it, publish a new record with spec.supersedes: "finance-2026-q3" and the reason in spec.correction`}})

	forged := old.DeepCopy()
	forged.Annotations[governancev1alpha1.AnnotationCreatedBy] = "someone-else"
	expectFindings(t, rules.ValidateDisclosureUpdate(old, forged), []finding{{field.ErrorTypeForbidden, "metadata.annotations[governance.cunshe.io/created-by]", "S10",
		"提交人由准入服务记录，不得修改 / the creator is recorded by admission and cannot be changed"}})
}

func TestARecordIsDeletedOnlyWithItsTenantOnceArchived(t *testing.T) {
	d := finance2026Q3("finance-2026-q3")
	stays := []finding{{field.ErrorTypeForbidden, "metadata.name", "S10",
		`公开记录 "finance-2026-q3" 须持续公开，不得删除；如有错误，请另发一条更正记录（spec.supersedes） / record "finance-2026-q3" stays published and cannot be deleted; to correct it, publish a new record that supersedes it (spec.supersedes)`}}
	expectFindings(t, rules.ValidateDisclosureDelete(d, rules.TenantState{}), stays)
	expectFindings(t, rules.ValidateDisclosureDelete(d, rules.TenantState{Archived: true}), stays)
	expectFindings(t, rules.ValidateDisclosureDelete(d, rules.TenantState{Terminating: true}), []finding{{field.ErrorTypeForbidden, "metadata.name", "S10",
		`租户命名空间正在删除：公开记录 "finance-2026-q3" 须先归档（ArchivedRecord），归档后随租户删除 / the tenant namespace is being deleted: record "finance-2026-q3" is archived first (ArchivedRecord), then goes with it`}})
	expectFindings(t, rules.ValidateDisclosureDelete(d, rules.TenantState{Terminating: true, Archived: true}), nil)
}

func TestTheNewestCorrectionSupersedes(t *testing.T) {
	g := NewWithT(t)
	first := finance2026Q3("a-correction")
	first.Spec.Supersedes = "finance-2026-q3"
	later := finance2026Q3("b-correction")
	later.Spec.Supersedes = "finance-2026-q3"
	later.CreationTimestamp = metav1.NewTime(t0.Add(time.Hour))
	records := []governancev1alpha1.Disclosure{*later, *finance2026Q3("finance-2026-q3"), *first}
	g.Expect(rules.NewestSuperseding("finance-2026-q3", records)).To(Equal("b-correction"))
	g.Expect(rules.NewestSuperseding("b-correction", records)).To(BeEmpty())
}
