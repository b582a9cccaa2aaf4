package rules

import (
	"fmt"
	"slices"
	"strings"

	governancev1alpha1 "github.com/cunshe/cunshe-operator/api/v1alpha1"
)

// Evaluation is an item's joint-review state (S5, S7).
type Evaluation struct {
	Digest    string
	Phase     governancev1alpha1.ItemPhase
	Decisions []governancev1alpha1.UnitDecision
	Approved  int32
	Required  int32
	// Void maps each approval of the item that does not count to why not;
	// approvals absent from it count.
	Void map[string]string
}

// Summary reads like 3/4.
func (e Evaluation) Summary() string { return fmt.Sprintf("%d/%d", e.Approved, e.Required) }

// EvaluateItem decides an item's phase from the review units and the
// approvals (S5): an approval counts when it comes from a unit of the item's
// own jurisdiction, is for the item's current digest and is still verified
// (a signed one re-verifies against the unit's current keys, so a revoked
// key voids it). The latest counted approval of a unit is its decision.
// Approved when the jurisdiction's quorum of required units approved (all
// of them by default), Rejected when one rejected; an approved item is
// Retired from its retirement's effective date (S7). today is YYYY-MM-DD.
// flow is a MicroPower item's PowerFlow spec (nil otherwise): its content is
// part of the digest (P1), so a change of the flow voids earlier approvals.
func EvaluateItem(item *governancev1alpha1.ListItem, flow *governancev1alpha1.PowerFlowSpec, units []governancev1alpha1.ReviewUnit, approvals []governancev1alpha1.ItemApproval, juris Jurisdictions, today string) Evaluation {
	e := Evaluation{Digest: Digest(&item.Spec, flow), Void: map[string]string{}}
	if item.WasApproved() {
		e.Digest = item.Status.ApprovedDigest
	}
	rev := juris.reviewOf(juris.Resolve(item.Spec.Jurisdiction))
	latest := map[string]*governancev1alpha1.ItemApproval{}
	byName := map[string]*governancev1alpha1.ReviewUnit{}
	for i := range units {
		byName[units[i].Name] = &units[i]
	}
	for i := range approvals {
		a := &approvals[i]
		if a.Spec.Item != item.Name {
			continue
		}
		if reason := voidReason(a, e.Digest, byName[a.Spec.Unit], rev.jurisdiction, juris); reason != "" {
			e.Void[a.Name] = reason
			continue
		}
		if prev := latest[a.Spec.Unit]; prev != nil {
			if newer(prev, a) {
				e.Void[a.Name] = msg(S5, "已被本单位较新的意见 %q 取代", "superseded by the unit's newer approval %q", prev.Name).Text
				continue
			}
			e.Void[prev.Name] = msg(S5, "已被本单位较新的意见 %q 取代", "superseded by the unit's newer approval %q", a.Name).Text
		}
		latest[a.Spec.Unit] = a
	}
	rejected := false
	e.Required = juris.RequiredApprovals(item.Spec.Jurisdiction, units)
	for i := range units {
		u := &units[i]
		a := latest[u.Name]
		if a == nil {
			continue
		}
		e.Decisions = append(e.Decisions, decision(a))
		if rev.required(u) {
			switch a.Spec.Decision {
			case governancev1alpha1.DecisionApprove:
				e.Approved++
			case governancev1alpha1.DecisionReject:
				rejected = true
			}
		}
	}
	slices.SortFunc(e.Decisions, func(a, b governancev1alpha1.UnitDecision) int { return strings.Compare(a.Unit, b.Unit) })
	e.Phase = phase(item, e, rejected, today)
	return e
}

func phase(item *governancev1alpha1.ListItem, e Evaluation, rejected bool, today string) governancev1alpha1.ItemPhase {
	switch {
	case RetiredBy(item, today):
		return governancev1alpha1.PhaseRetired
	case item.WasApproved():
		return governancev1alpha1.PhaseApproved
	case rejected:
		return governancev1alpha1.PhaseRejected
	case e.Required > 0 && e.Approved >= e.Required:
		return governancev1alpha1.PhaseApproved
	default:
		return governancev1alpha1.PhasePending
	}
}

// voidReason says why an approval does not count, or "" when it does.
func voidReason(a *governancev1alpha1.ItemApproval, digest string, unit *governancev1alpha1.ReviewUnit, itemJur string, juris Jurisdictions) string {
	switch {
	case unit == nil:
		return msg(S5, "联审单位 %q 不存在", "review unit %q does not exist", a.Spec.Unit).Text
	case juris.UnitJurisdiction(unit) != itemJur:
		return otherJurisdiction(unit, itemJur, juris).Text
	case a.Spec.Digest != digest:
		return msg(S5, "审核的是事项的旧版本（摘要 %s），事项已变更", "it approves an earlier version of the item (digest %s); the item has changed", short(a.Spec.Digest)).Text
	case a.Spec.Signature != nil:
		if err := VerifySignature(&a.Spec, unit); err != nil {
			return err.Error()
		}
	case a.Annotations[governancev1alpha1.AnnotationVerifiedBy] != string(governancev1alpha1.VerifiedByMembership):
		return msg(S5, "未签名且未经准入校验确认提交人身份", "unsigned, and admission did not verify its creator's membership").Text
	}
	return ""
}

func decision(a *governancev1alpha1.ItemApproval) governancev1alpha1.UnitDecision {
	d := governancev1alpha1.UnitDecision{Unit: a.Spec.Unit, Decision: a.Spec.Decision, Approval: a.Name,
		By: a.Annotations[governancev1alpha1.AnnotationCreatedBy], At: a.CreationTimestamp}
	d.VerifiedBy = governancev1alpha1.VerifiedByMembership
	if a.Spec.Signature != nil {
		d.VerifiedBy = governancev1alpha1.VerifiedBySignature
		d.By = fmt.Sprintf("key %s (applied by %s)", a.Spec.Signature.KeyID, d.By)
	}
	return d
}

// newer orders approvals of one unit by creation, then name.
func newer(a, b *governancev1alpha1.ItemApproval) bool {
	if !a.CreationTimestamp.Equal(&b.CreationTimestamp) {
		return b.CreationTimestamp.Before(&a.CreationTimestamp)
	}
	return a.Name > b.Name
}

func short(digest string) string {
	if len(digest) > len(DigestPrefix)+12 {
		return digest[:len(DigestPrefix)+12]
	}
	return digest
}

// otherJurisdiction says that a unit of one jurisdiction cannot review the
// items of another (S5): a Hangzhou unit never counts for a Wenzhou item.
func otherJurisdiction(unit *governancev1alpha1.ReviewUnit, itemJur string, juris Jurisdictions) Message {
	of := juris.UnitJurisdiction(unit)
	return msg(S5, "联审单位 %q 属于辖区 %s，不能审核辖区 %s 的事项", "review unit %q belongs to jurisdiction %s and cannot review items of jurisdiction %s", unit.Name, quoted(of), quoted(itemJur))
}

func quoted(code string) string {
	if code == "" {
		return "(none)"
	}
	return code
}
