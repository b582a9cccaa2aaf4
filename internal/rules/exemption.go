package rules

import (
	"cmp"
	"fmt"
	"slices"
	"strings"
	"time"

	"k8s.io/apimachinery/pkg/util/validation/field"

	governancev1alpha1 "github.com/cunshe/cunshe-operator/api/v1alpha1"
)

// The record of an emergency exemption and its ratification (S6, S19): once
// an exemption has ended, the review units of its city ratify or reject it
// with EmergencyDecisions; one that no unit decided in the city's time, or
// that a unit rejected, counts against the department.

// ExemptionSnapshot is what the ratification rules may know.
type ExemptionSnapshot interface {
	ReviewUnit(name string) *governancev1alpha1.ReviewUnit
	Jurisdictions() Jurisdictions
}

// RatificationWindow is how long the review units have to decide an ended
// exemption: its jurisdiction's spec.emergency.ratificationDays.
func RatificationWindow(rec *governancev1alpha1.EmergencyExemption, juris Jurisdictions) time.Duration {
	return time.Duration(juris.Get(juris.Resolve(rec.Spec.Jurisdiction)).EmergencyRatificationDays()) * 24 * time.Hour
}

// ExemptionStanding is where an exemption stands at a moment.
type ExemptionStanding struct {
	Phase     governancev1alpha1.ExemptionPhase
	RatifyBy  time.Time
	Decisions []governancev1alpha1.EmergencyDecisionRecord
	// Message says why, in Chinese and English.
	Message string
	// Next is when the clock alone changes the phase; zero when it never does.
	Next time.Time
}

// StandingOf is where an exemption stands at now (S6, S19): Active until it
// ends; then Rejected while a unit's latest decision rejects it (another
// unit's ratification does not erase a rejection, as an upheld report
// stands until its unit withdraws it), Ratified once a unit ratified it,
// AwaitingRatification until ratifyBy, and Unratified after. Every decision
// is listed, oldest first.
func StandingOf(rec *governancev1alpha1.EmergencyExemption, decisions []governancev1alpha1.EmergencyDecision, window time.Duration, now time.Time) ExemptionStanding {
	s := ExemptionStanding{RatifyBy: rec.Spec.Expires.Add(window)}
	sorted := slices.Clone(decisions)
	slices.SortFunc(sorted, func(a, b governancev1alpha1.EmergencyDecision) int {
		return cmp.Or(a.CreationTimestamp.Compare(b.CreationTimestamp.Time), cmp.Compare(a.Name, b.Name))
	})
	latest := map[string]governancev1alpha1.EmergencyOutcome{}
	for _, d := range sorted {
		s.Decisions = append(s.Decisions, governancev1alpha1.EmergencyDecisionRecord{
			Unit: d.Spec.Unit, Outcome: d.Spec.Outcome, Decision: d.Name, Reason: d.Spec.Reason,
			By: d.Annotations[governancev1alpha1.AnnotationCreatedBy], At: d.CreationTimestamp,
		})
		latest[d.Spec.Unit] = d.Spec.Outcome
	}
	until, by := rec.Spec.Expires.UTC().Format(time.RFC3339), s.RatifyBy.UTC().Format(time.RFC3339)
	switch {
	case now.Before(rec.Spec.Expires.Time):
		s.Phase, s.Next = governancev1alpha1.ExemptionActive, rec.Spec.Expires.Time
		s.Message = msg(S6, "紧急豁免有效至 %s", "the emergency exemption holds until %s", until).Text
	case slices.ContainsFunc(sortedUnits(latest), func(u string) bool { return latest[u] == governancev1alpha1.EmergencyRejected }):
		s.Phase = governancev1alpha1.ExemptionRejected
		s.Message = msg(S19, "联审单位 %[1]s 否决了紧急豁免，计入部门 %[2]s 的清理规范情况",
			"review unit %[1]s rejected the emergency exemption; it counts against department %[2]s", strings.Join(unitsWith(latest, governancev1alpha1.EmergencyRejected), ", "), rec.Spec.Department).Text
	case len(latest) > 0:
		s.Phase = governancev1alpha1.ExemptionRatified
		s.Message = msg(S6, "联审单位 %s 已追认紧急豁免", "review unit %s ratified the emergency exemption", strings.Join(unitsWith(latest, governancev1alpha1.EmergencyRatified), ", ")).Text
	case now.Before(s.RatifyBy):
		s.Phase, s.Next = governancev1alpha1.ExemptionAwaitingRatification, s.RatifyBy
		s.Message = msg(S6, "紧急豁免已于 %[1]s 结束，待联审单位在 %[2]s 前追认或否决", "the emergency exemption ended at %[1]s; the review units ratify or reject it by %[2]s", until, by).Text
	default:
		s.Phase = governancev1alpha1.ExemptionUnratified
		s.Message = msg(S19, "紧急豁免于 %[1]s 结束，至 %[2]s 仍未经联审单位追认，计入部门 %[3]s 的清理规范情况",
			"the emergency exemption ended at %[1]s and no review unit ratified it by %[2]s; it counts against department %[3]s", until, by, rec.Spec.Department).Text
	}
	return s
}

func sortedUnits(latest map[string]governancev1alpha1.EmergencyOutcome) []string {
	units := make([]string, 0, len(latest))
	for u := range latest {
		units = append(units, u)
	}
	slices.Sort(units)
	return units
}

func unitsWith(latest map[string]governancev1alpha1.EmergencyOutcome, o governancev1alpha1.EmergencyOutcome) []string {
	var out []string
	for _, u := range sortedUnits(latest) {
		if latest[u] == o {
			out = append(out, u)
		}
	}
	return out
}

// ValidateEmergencyDecision checks a decision as it is made (S6): by a
// member of a review unit of the exemption's city, on an exemption beside
// it that has ended; a rejection says why. rec is nil when there is none.
func ValidateEmergencyDecision(d *governancev1alpha1.EmergencyDecision, rec *governancev1alpha1.EmergencyExemption, who Requester, snap ExemptionSnapshot, now time.Time) field.ErrorList {
	unit := snap.ReviewUnit(d.Spec.Unit)
	juris := snap.Jurisdictions()
	switch {
	case unit == nil:
		return field.ErrorList{notFound(specPath.Child("unit"), d.Spec.Unit, msg(S6, "联审单位 %q 不存在", "review unit %q does not exist", d.Spec.Unit))}
	case !who.MemberOf(unit):
		return field.ErrorList{forbidden(specPath.Child("unit"), msg(S6, "用户 %q 不属于联审单位 %q 的成员组 %s，不能代表其追认或否决紧急豁免",
			"user %q is not in review unit %q's group %s and cannot ratify or reject for it", who.Username, unit.Name, unit.Spec.Group))}
	case rec == nil:
		return field.ErrorList{notFound(specPath.Child("exemption"), d.Spec.Exemption, msg(S6, "本命名空间中没有紧急豁免记录 %q", "there is no emergency exemption %q in this namespace", d.Spec.Exemption))}
	case juris.UnitJurisdiction(unit) != juris.Resolve(rec.Spec.Jurisdiction):
		return field.ErrorList{forbidden(specPath.Child("unit"), msg(S6, "联审单位 %[1]q 属于辖区 %[2]s，不能追认辖区 %[3]s 的紧急豁免",
			"review unit %[1]q belongs to jurisdiction %[2]s and cannot decide an emergency exemption of jurisdiction %[3]s",
			unit.Name, juris.UnitJurisdiction(unit), juris.Resolve(rec.Spec.Jurisdiction)))}
	case now.Before(rec.Spec.Expires.Time):
		return field.ErrorList{forbidden(specPath.Child("exemption"), msg(S6, "紧急豁免 %[1]s 至 %[2]s 才结束，结束后方可追认或否决",
			"emergency exemption %[1]s runs until %[2]s; it is ratified or rejected once it has ended", rec.Name, rec.Spec.Expires.UTC().Format(time.RFC3339)))}
	}
	return decisionWording(d)
}

// decisionWording: the outcome is Ratified or Rejected; a rejection says why.
func decisionWording(d *governancev1alpha1.EmergencyDecision) field.ErrorList {
	switch d.Spec.Outcome {
	case governancev1alpha1.EmergencyRatified:
		return nil
	case governancev1alpha1.EmergencyRejected:
		if strings.TrimSpace(d.Spec.Reason) == "" {
			return field.ErrorList{required(specPath.Child("reason"), msg(S6, "否决紧急豁免须写明理由（reason）", "rejecting an emergency exemption needs a reason"))}
		}
		return nil
	}
	return field.ErrorList{invalid(specPath.Child("outcome"), d.Spec.Outcome, msg(S6, "处理意见须为 Ratified（追认）或 Rejected（否决）", "the outcome must be Ratified or Rejected"))}
}

// ValidateEmergencyDecisionDelete keeps every decision on record (S6); only
// its namespace going away takes it.
func ValidateEmergencyDecisionDelete(d *governancev1alpha1.EmergencyDecision, namespaceTerminating bool) field.ErrorList {
	if namespaceTerminating {
		return nil
	}
	return field.ErrorList{forbidden(field.NewPath("metadata", "name"), msg(S6,
		"追认或否决意见 %q 须留档备查，不得删除", "decision %q stays on record and cannot be deleted", d.Name))}
}

// ValidateExemptionDelete keeps an exemption's record (S6, S19): it is what
// stops a renewal and what the review units decide. Only its namespace
// going away takes it.
func ValidateExemptionDelete(rec *governancev1alpha1.EmergencyExemption, namespaceTerminating bool) field.ErrorList {
	if namespaceTerminating {
		return nil
	}
	return field.ErrorList{forbidden(field.NewPath("metadata", "name"), msg(S6,
		"紧急豁免记录 %q 须留档备查，不得删除（删除任务也不会删除记录）", "emergency exemption %q stays on record and cannot be deleted (deleting its task does not delete it either)", rec.Name))}
}

// SummariseExemptions adds a department's emergency exemptions to its
// compliance summary (S6, S19): those a unit rejected and those no unit
// ratified in time count against it, with a finding each. The controller
// and the CLI call it after SummariseDepartment.
func SummariseExemptions(s *governancev1alpha1.DepartmentComplianceStatus, records []governancev1alpha1.EmergencyExemption) {
	findings := s.Findings
	for i := range records {
		r := &records[i]
		kind := ""
		switch r.Status.Phase {
		case governancev1alpha1.ExemptionUnratified:
			s.UnratifiedEmergencies++
			kind = "UnratifiedEmergency"
		case governancev1alpha1.ExemptionRejected:
			s.RejectedEmergencies++
			kind = "RejectedEmergency"
		default:
			continue
		}
		findings = append(findings, governancev1alpha1.ComplianceFinding{Object: r.Namespace + "/" + r.Name, Kind: kind,
			Message: fmt.Sprintf("S6 %s: %s (task %s, %s until %s)", r.Status.Phase, r.Spec.Subject, r.Spec.Task.Name,
				r.Spec.Category, r.Spec.Expires.UTC().Format(time.RFC3339))})
	}
	var capped bool
	s.Findings, capped = capFindings(findings)
	s.Truncated = s.Truncated || capped
}
