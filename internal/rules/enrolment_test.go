package rules_test

import (
	"testing"
	"time"

	. "github.com/onsi/gomega"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/validation/field"
	"k8s.io/utils/ptr"

	governancev1alpha1 "github.com/cunshe/cunshe-operator/api/v1alpha1"
	"github.com/cunshe/cunshe-operator/internal/rules"
)

var chinaTime = time.FixedZone("CST", 8*60*60)

func TestPaperLedgerExemption(t *testing.T) {
	now := time.Date(2026, 11, 20, 10, 0, 0, 0, chinaTime)
	record := func(daysAgo int) rules.PlatformEvidence {
		return rules.PlatformEvidence{EnrolledSince: "2026-03-01", TenantReady: true,
			LastRecord: "Disclosure/finance-2026-q3", LastRecordAt: now.Add(-time.Duration(daysAgo) * 24 * time.Hour)}
	}
	tests := map[string]struct {
		evidence    rules.PlatformEvidence
		wantExempt  bool
		wantReason  string
		wantFlagged bool
		// wantChanges is when time alone changes the decision; zero for never.
		wantChanges time.Time
		// wantMessage is the condition's message.
		wantMessage string
	}{
		"enrolled, a disclosure 10 days ago: exempt until it is 90 days old": {
			evidence: record(10), wantExempt: true, wantReason: governancev1alpha1.ReasonRecordsOnPlatform, wantChanges: now.Add(80 * 24 * time.Hour),
			wantMessage: "S11 自 2026-03-01 起在智慧村社通平台留痕，最近一条记录 Disclosure/finance-2026-q3（2026-11-10）在 90 天内：免查纸质台账 / " +
				"on the platform since 2026-03-01; its latest record, Disclosure/finance-2026-q3 (2026-11-10), is within 90 days: no paper ledgers may be asked of it",
		},
		"a record exactly 90 days old still counts": {
			evidence: record(90), wantExempt: true, wantReason: governancev1alpha1.ReasonRecordsOnPlatform, wantChanges: now,
		},
		"enrolled, the last record 91 days ago: flagged, not exempt": {
			evidence: record(91), wantReason: governancev1alpha1.ReasonNoRecentRecord, wantFlagged: true,
			wantMessage: "S11 自 2026-03-01 起启用智慧村社通平台，但 90 天内没有平台留痕记录（最近一条：Disclosure/finance-2026-q3，2026-08-21）：不免查纸质台账，提请乡镇（街道）核实 / " +
				"enrolled on the platform since 2026-03-01, but no record there within 90 days (latest: Disclosure/finance-2026-q3, 2026-08-21): not exempt from paper ledgers; flagged for the township to check",
		},
		"enrolled for 90 days and more without any record: flagged": {
			evidence: rules.PlatformEvidence{EnrolledSince: "2026-03-01", TenantReady: true}, wantReason: governancev1alpha1.ReasonNoRecentRecord, wantFlagged: true,
			wantMessage: "S11 自 2026-03-01 起启用智慧村社通平台，但 90 天内没有平台留痕记录（最近一条：无）：不免查纸质台账，提请乡镇（街道）核实 / " +
				"enrolled on the platform since 2026-03-01, but no record there within 90 days (latest: none): not exempt from paper ledgers; flagged for the township to check",
		},
		"enrolled this month, no record yet: neither exempt nor flagged until its 90 days are up": {
			evidence: rules.PlatformEvidence{EnrolledSince: "2026-11-01", TenantReady: true}, wantReason: governancev1alpha1.ReasonAwaitingFirstRecord,
			wantChanges: time.Date(2027, 1, 30, 0, 0, 0, 0, chinaTime),
			wantMessage: "S11 自 2026-11-01 起启用智慧村社通平台，尚无平台留痕记录；有记录（如三务公开）后免查纸质台账，2027-01-30 前仍无记录将提示乡镇（街道）核实 / " +
				"enrolled on the platform since 2026-11-01, with no record there yet: exempt from paper ledgers once it records its work there (e.g. a 三务公开 disclosure); flagged for the township if none by 2027-01-30",
		},
		"not enrolled: paper ledgers apply, whatever it records": {
			evidence: rules.PlatformEvidence{TenantReady: true, LastRecord: "Disclosure/x", LastRecordAt: now}, wantReason: governancev1alpha1.ReasonNotEnrolled,
			wantMessage: "S11 未登记智慧村社通平台启用日期（spec.platform.enrolledSince），仍需纸质台账 / no date of enrolment on the platform (spec.platform.enrolledSince): paper ledgers apply",
		},
		"enrolled from a date to come, in the city's day": {
			evidence:   rules.PlatformEvidence{EnrolledSince: "2026-11-21", TenantReady: true, LastRecordAt: now},
			wantReason: governancev1alpha1.ReasonNotEnrolled, wantChanges: time.Date(2026, 11, 21, 0, 0, 0, 0, chinaTime),
		},
		"enrolled from today": {
			evidence:   rules.PlatformEvidence{EnrolledSince: "2026-11-20", TenantReady: true, LastRecord: "Disclosure/x", LastRecordAt: now.Add(-time.Hour)},
			wantExempt: true, wantReason: governancev1alpha1.ReasonRecordsOnPlatform, wantChanges: now.Add(-time.Hour).Add(90 * 24 * time.Hour),
		},
		"a tenant that is not ready exempts no one": {
			evidence: rules.PlatformEvidence{EnrolledSince: "2026-03-01", LastRecordAt: now}, wantReason: governancev1alpha1.ReasonTenantUnavailable,
		},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			g := NewWithT(t)
			ex := rules.PaperLedgerExemption(tc.evidence, now, chinaTime, governancev1alpha1.DefaultRecordWithinDays)
			g.Expect(ex.Exempt).To(Equal(tc.wantExempt))
			g.Expect(ex.Reason).To(Equal(tc.wantReason))
			g.Expect(ex.Flagged).To(Equal(tc.wantFlagged))
			g.Expect(ex.Changes.Equal(tc.wantChanges)).To(BeTrue(), "changes at %v, want %v", ex.Changes, tc.wantChanges)
			g.Expect(ex.Message.Rule).To(Equal(rules.S11))
			bilingual(g, ex.Message.Text)
			if tc.wantMessage != "" {
				g.Expect(ex.Message.Text).To(Equal(tc.wantMessage))
			}
		})
	}
}

func TestPaperLedgerExemptionWindowIsTheCitys(t *testing.T) {
	g := NewWithT(t)
	now := time.Date(2026, 11, 20, 10, 0, 0, 0, chinaTime)
	e := rules.PlatformEvidence{EnrolledSince: "2026-03-01", TenantReady: true, LastRecord: "Disclosure/x", LastRecordAt: now.Add(-40 * 24 * time.Hour)}
	city := &governancev1alpha1.Jurisdiction{Spec: governancev1alpha1.JurisdictionSpec{
		PaperLedgerExemption: governancev1alpha1.PaperLedgerExemption{RecordWithinDays: ptr.To[int32](30)}}}
	g.Expect(rules.PaperLedgerExemption(e, now, chinaTime, city.RecordWithinDays()).Flagged).To(BeTrue(), "a city that asks for a record every 30 days")
	g.Expect((*governancev1alpha1.Jurisdiction)(nil).RecordWithinDays()).To(Equal(int32(90)), "the default where no city is declared")
	g.Expect(rules.PaperLedgerExemption(e, now, chinaTime, (*governancev1alpha1.Jurisdiction)(nil).RecordWithinDays()).Exempt).To(BeTrue())
}

func TestEnrolled(t *testing.T) {
	g := NewWithT(t)
	v := &governancev1alpha1.Village{}
	g.Expect(rules.Enrolled(v, "2026-11-20")).To(BeFalse(), "not enrolled by default")
	v.Spec.Platform.Enrolled = ptr.To(true)
	g.Expect(rules.Enrolled(v, "2026-11-20")).To(BeFalse(), "the deprecated flag decides nothing")
	v.Spec.Platform.EnrolledSince = "2026-11-21"
	g.Expect(rules.Enrolled(v, "2026-11-20")).To(BeFalse())
	g.Expect(rules.Enrolled(v, "2026-11-21")).To(BeTrue())
}

// gulouIn is 鼓楼社区 of 五马街道 (330302006).
func gulouIn() *governancev1alpha1.Village {
	return &governancev1alpha1.Village{ObjectMeta: metav1.ObjectMeta{Name: "330302006044", Labels: map[string]string{"team": "a"}},
		Spec: governancev1alpha1.VillageSpec{Code: "330302006044", Name: "鼓楼社区", Type: governancev1alpha1.TypeCommunity,
			County:   governancev1alpha1.Division{Code: "330302", Name: "鹿城区"},
			Township: governancev1alpha1.Division{Code: "330302006", Name: "五马街道"}}}
}

func TestValidateVillageChange(t *testing.T) {
	wuma := rules.Requester{Username: "li.wuma", Groups: []string{"cunshe:townships", "cunshe:township:330302006"}}
	tests := map[string]struct {
		who    rules.Requester
		change func(v *governancev1alpha1.Village)
		want   []finding
	}{
		"its township records the enrolment": {
			who: wuma, change: func(v *governancev1alpha1.Village) { v.Spec.Platform.EnrolledSince = "2026-03-01" },
		},
		"and withdraws it": {
			who: wuma, change: func(v *governancev1alpha1.Village) { v.Spec.Platform = governancev1alpha1.PlatformEnrolment{} },
		},
		"another township may not": {
			who:    rules.Requester{Username: "zhao.nanhui", Groups: []string{"cunshe:townships", "cunshe:township:330302007"}},
			change: func(v *governancev1alpha1.Village) { v.Spec.Platform.EnrolledSince = "2026-03-01" },
			want: []finding{{typ: field.ErrorTypeForbidden, path: "spec.platform", rule: "S11",
				contains: "乡镇（街道）330302007 只能登记本乡镇（街道）村（社区）的平台启用情况；330302006044 属于乡镇（街道）330302006 / township 330302007 records the platform enrolment of its own villages only; 330302006044 belongs to township 330302006"}},
		},
		"its township may not rename the village": {
			who: wuma, change: func(v *governancev1alpha1.Village) {
				v.Spec.Name, v.Spec.Platform.EnrolledSince = "鼓楼", "2026-03-01"
			},
			want: []finding{{typ: field.ErrorTypeForbidden, path: "spec", rule: "S11",
				contains: "乡镇（街道）330302006 只能修改村（社区）330302006044 的 spec.platform（平台启用日期），其他内容由平台运维维护 / township 330302006 may change spec.platform (the enrolment date) of village 330302006044 and nothing else"}},
		},
		"nor relabel it": {
			who: wuma, change: func(v *governancev1alpha1.Village) { v.Labels["team"] = "b" },
			want: []finding{{typ: field.ErrorTypeForbidden, path: "spec", rule: "S11", contains: "township 330302006 may change spec.platform"}},
		},
		"platform ops are left to RBAC, in a township group or not": {
			who:    rules.Requester{Username: "ops", Groups: []string{rules.GroupPlatformOps, "cunshe:township:330302007"}},
			change: func(v *governancev1alpha1.Village) { v.Spec.Name = "鼓楼" },
		},
		"anyone else is left to RBAC": {
			who:    rules.Requester{Username: "flux", Groups: []string{"system:serviceaccounts"}},
			change: func(v *governancev1alpha1.Village) { v.Spec.Name = "鼓楼" },
		},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			old := gulouIn()
			v := old.DeepCopy()
			tc.change(v)
			expectFindings(t, rules.ValidateVillageChange(old, v, tc.who), tc.want)
		})
	}
}

func TestValidateEnrolment(t *testing.T) {
	v := gulouIn()
	v.Spec.Platform.EnrolledSince = "2026-02-30"
	expectFindings(t, rules.ValidateEnrolment(v), []finding{{typ: field.ErrorTypeInvalid, path: "spec.platform.enrolledSince", rule: "S11",
		contains: "平台启用日期须为 YYYY-MM-DD 格式的日期，如 2026-03-01 / the date of enrolment must be a date written YYYY-MM-DD, e.g. 2026-03-01"}})
	v.Spec.Platform.EnrolledSince = "2026-02-28"
	expectFindings(t, rules.ValidateEnrolment(v), nil)
	v.Spec.Platform.Enrolled = ptr.To(true)
	NewWithT(t).Expect(rules.DeprecatedEnrolment(v)).NotTo(BeNil())
}
