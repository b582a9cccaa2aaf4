package rules

import (
	"slices"
	"strings"
	"time"

	"k8s.io/apimachinery/pkg/api/equality"
	"k8s.io/apimachinery/pkg/util/validation/field"

	governancev1alpha1 "github.com/cunshe/cunshe-operator/api/v1alpha1"
)

// PlatformEvidence is what a village's exemption from paper ledgers rests
// on (S11): its enrolment on the platform and its latest work record there
// (掌上留痕: a 三务公开 disclosure of its tenant; task completions too, once
// the platform records them).
type PlatformEvidence struct {
	// EnrolledSince is spec.platform.enrolledSince (YYYY-MM-DD), "" if unset.
	EnrolledSince string
	// LastRecord names the latest record, e.g. Disclosure/finance-2026-q3.
	LastRecord string
	// LastRecordAt is when it was made; zero for no record.
	LastRecordAt time.Time
	// TenantReady: the village's tenant on the platform is as declared.
	TenantReady bool
}

// Exemption is the S11 decision on one village at one moment.
type Exemption struct {
	// Exempt: no one may ask the village for paper ledgers.
	Exempt bool
	// Reason is the PaperLedgerExempt condition's reason.
	Reason string
	// Message says why, citing S11.
	Message Message
	// Flagged: enrolled, but its records stopped (ReasonNoRecentRecord); the
	// township is asked to check.
	Flagged bool
	// Changes is when the decision changes with time alone (a record ages
	// out, an enrolment date arrives, a new village's grace ends); zero if
	// only a new fact changes it.
	Changes time.Time
}

// PaperLedgerExemption decides whether a village is exempt from paper
// ledgers at now (S11): it is enrolled (enrolledSince is set and has come,
// in the city's zone loc) and its latest platform record is at most
// withinDays old, and its tenant is ready. An enrolled village with no
// record within withinDays is flagged, not silently exempt; one enrolled for
// less than withinDays that has no record yet is neither exempt nor flagged.
func PaperLedgerExemption(e PlatformEvidence, now time.Time, loc *time.Location, withinDays int32) Exemption {
	window := time.Duration(withinDays) * 24 * time.Hour
	since, err := time.ParseInLocation(time.DateOnly, e.EnrolledSince, loc)
	switch {
	case !e.TenantReady:
		return Exemption{Reason: governancev1alpha1.ReasonTenantUnavailable, Message: msg(S11,
			"本村（社区）的平台租户未就绪，暂不免查纸质台账", "the village's tenant on the platform is not ready: paper ledgers apply")}
	case e.EnrolledSince == "" || err != nil:
		return Exemption{Reason: governancev1alpha1.ReasonNotEnrolled, Message: msg(S11,
			"未登记智慧村社通平台启用日期（spec.platform.enrolledSince），仍需纸质台账",
			"no date of enrolment on the platform (spec.platform.enrolledSince): paper ledgers apply")}
	case now.Before(since):
		return Exemption{Reason: governancev1alpha1.ReasonNotEnrolled, Changes: since, Message: msg(S11,
			"自 %s 起启用智慧村社通平台，此前仍需纸质台账", "enrolled on the platform from %s; until then paper ledgers apply", e.EnrolledSince)}
	case !e.LastRecordAt.IsZero() && now.Sub(e.LastRecordAt) <= window:
		at := e.LastRecordAt.In(loc).Format(time.DateOnly)
		return Exemption{Exempt: true, Reason: governancev1alpha1.ReasonRecordsOnPlatform, Changes: e.LastRecordAt.Add(window), Message: msg(S11,
			"自 %[1]s 起在智慧村社通平台留痕，最近一条记录 %[2]s（%[3]s）在 %[4]d 天内：免查纸质台账",
			"on the platform since %[1]s; its latest record, %[2]s (%[3]s), is within %[4]d days: no paper ledgers may be asked of it",
			e.EnrolledSince, e.LastRecord, at, withinDays)}
	case now.Sub(since) < window:
		by := since.Add(window)
		return Exemption{Reason: governancev1alpha1.ReasonAwaitingFirstRecord, Changes: by, Message: msg(S11,
			"自 %[1]s 起启用智慧村社通平台，尚无平台留痕记录；有记录（如三务公开）后免查纸质台账，%[2]s 前仍无记录将提示乡镇（街道）核实",
			"enrolled on the platform since %[1]s, with no record there yet: exempt from paper ledgers once it records its work there (e.g. a 三务公开 disclosure); flagged for the township if none by %[2]s",
			e.EnrolledSince, by.Format(time.DateOnly))}
	}
	latest, latestEN := "无", "none"
	if !e.LastRecordAt.IsZero() {
		latest = e.LastRecord + "，" + e.LastRecordAt.In(loc).Format(time.DateOnly)
		latestEN = e.LastRecord + ", " + e.LastRecordAt.In(loc).Format(time.DateOnly)
	}
	return Exemption{Reason: governancev1alpha1.ReasonNoRecentRecord, Flagged: true, Message: msg(S11,
		"自 %[1]s 起启用智慧村社通平台，但 %[2]d 天内没有平台留痕记录（最近一条：%[3]s）：不免查纸质台账，提请乡镇（街道）核实",
		"enrolled on the platform since %[1]s, but no record there within %[2]d days (latest: %[4]s): not exempt from paper ledgers; flagged for the township to check",
		e.EnrolledSince, withinDays, latest, latestEN)}
}

// Enrolled reports whether the village is enrolled on the platform on the
// city's day today (YYYY-MM-DD): its enrolment date is set and has come.
// The offline check, which sees no platform records, reads it as exempt.
func Enrolled(v *governancev1alpha1.Village, today string) bool {
	since := v.Spec.Platform.EnrolledSince
	return since != "" && since <= today
}

// ValidateVillageChange holds township staff to enrolment (S11): whoever is
// in a cunshe:township:<code> group may set or change spec.platform of that
// township's villages and nothing else of any village. Others (platform
// ops, cluster admins) are left to RBAC.
func ValidateVillageChange(old, v *governancev1alpha1.Village, who Requester) field.ErrorList {
	own := townshipsOf(who)
	if len(own) == 0 || slices.Contains(who.Groups, GroupPlatformOps) || slices.Contains(who.Groups, groupClusterAdmins) {
		return nil
	}
	mine := strings.Join(own, ", ")
	if !slices.Contains(own, old.Spec.Township.Code) {
		return field.ErrorList{forbidden(specPath.Child("platform"), msg(S11,
			"乡镇（街道）%[1]s 只能登记本乡镇（街道）村（社区）的平台启用情况；%[2]s 属于乡镇（街道）%[3]s",
			"township %[1]s records the platform enrolment of its own villages only; %[2]s belongs to township %[3]s",
			mine, v.Name, old.Spec.Township.Code))}
	}
	if !onlyPlatformChanged(old, v) {
		return field.ErrorList{forbidden(specPath, msg(S11,
			"乡镇（街道）%[1]s 只能修改村（社区）%[2]s 的 spec.platform（平台启用日期），其他内容由平台运维维护",
			"township %[1]s may change spec.platform (the enrolment date) of village %[2]s and nothing else; platform ops maintain the rest",
			mine, v.Name))}
	}
	return nil
}

// townshipsOf are the township codes of the requester's groups.
func townshipsOf(who Requester) []string {
	var own []string
	for _, g := range who.Groups {
		if code, ok := strings.CutPrefix(g, governancev1alpha1.TownshipGroupPrefix); ok {
			own = append(own, code)
		}
	}
	return own
}

// onlyPlatformChanged: the update leaves the spec but spec.platform, the
// labels, annotations, finalizers and owners as they were.
func onlyPlatformChanged(old, v *governancev1alpha1.Village) bool {
	a, b := old.Spec, v.Spec
	a.Platform, b.Platform = governancev1alpha1.PlatformEnrolment{}, governancev1alpha1.PlatformEnrolment{}
	return equality.Semantic.DeepEqual(a, b) &&
		equality.Semantic.DeepEqual(old.Labels, v.Labels) && equality.Semantic.DeepEqual(old.Annotations, v.Annotations) &&
		equality.Semantic.DeepEqual(old.Finalizers, v.Finalizers) && equality.Semantic.DeepEqual(old.OwnerReferences, v.OwnerReferences)
}

// ValidateEnrolment: an enrolment date is a real date, YYYY-MM-DD (S11).
func ValidateEnrolment(v *governancev1alpha1.Village) field.ErrorList {
	since := v.Spec.Platform.EnrolledSince
	if since == "" {
		return nil
	}
	if _, err := time.Parse(time.DateOnly, since); err != nil {
		return field.ErrorList{invalid(specPath.Child("platform", "enrolledSince"), since, msg(S11,
			"平台启用日期须为 YYYY-MM-DD 格式的日期，如 2026-03-01", "the date of enrolment must be a date written YYYY-MM-DD, e.g. 2026-03-01"))}
	}
	return nil
}

// DeprecatedEnrolment warns of spec.platform.enrolled, which no longer
// decides anything: enrolment is a date now (S11).
func DeprecatedEnrolment(v *governancev1alpha1.Village) *field.Error {
	if v.Spec.Platform.Enrolled == nil {
		return nil
	}
	return invalid(specPath.Child("platform", "enrolled"), *v.Spec.Platform.Enrolled, msg(S11,
		"spec.platform.enrolled 已弃用，不再起作用；平台启用以 spec.platform.enrolledSince（日期）为准",
		"spec.platform.enrolled is deprecated and decides nothing; enrolment on the platform is spec.platform.enrolledSince (a date)"))
}
