package rules_test

import (
	"testing"

	. "github.com/onsi/gomega"

	governancev1alpha1 "github.com/cunshe/cunshe-operator/api/v1alpha1"
	"github.com/cunshe/cunshe-operator/internal/rules"
)

const (
	approve = governancev1alpha1.DecisionApprove
	reject  = governancev1alpha1.DecisionReject
)

// allFour are signed approvals of the item by the four required units.
func allFour(item *governancev1alpha1.ListItem) []governancev1alpha1.ItemApproval {
	var out []governancev1alpha1.ItemApproval
	for i, u := range requiredUnits {
		out = append(out, signed(approval(item, u, approve, i)))
	}
	return out
}

func TestEvaluateItem(t *testing.T) {
	tests := map[string]struct {
		// item is the item evaluated; censusItem when nil.
		item func() *governancev1alpha1.ListItem
		// units are the review units; the four required ones when nil.
		units func() []governancev1alpha1.ReviewUnit
		// approvals are all approvals in the cluster, for this item and others.
		approvals func(item *governancev1alpha1.ListItem) []governancev1alpha1.ItemApproval
		// today is the date of the evaluation; 2026-06-01 when empty.
		today string

		// phase is the expected phase.
		phase governancev1alpha1.ItemPhase
		// summary is approved/required, e.g. 3/4.
		summary string
		// decisions maps each unit with a counted decision to that approval's name.
		decisions map[string]string
		// void maps each approval that does not count to a piece of its reason.
		void map[string]string
	}{
		"no approvals yet": {
			approvals: func(*governancev1alpha1.ListItem) []governancev1alpha1.ItemApproval { return nil },
			phase:     governancev1alpha1.PhasePending,
			summary:   "0/4",
		},
		"all four required units approve": {
			approvals: allFour,
			phase:     governancev1alpha1.PhaseApproved,
			summary:   "4/4",
			decisions: map[string]string{"sjw": "l1-census-assist.sjw.00", "zzb": "l1-census-assist.zzb.01", "mzj": "l1-census-assist.mzj.02", "nyncj": "l1-census-assist.nyncj.03"},
		},
		"all four approve, two signed and two by members": {
			approvals: func(item *governancev1alpha1.ListItem) []governancev1alpha1.ItemApproval {
				return []governancev1alpha1.ItemApproval{
					signed(approval(item, "sjw", approve, 0)), approval(item, "zzb", approve, 1),
					approval(item, "mzj", approve, 2), signed(approval(item, "nyncj", approve, 3)),
				}
			},
			phase:     governancev1alpha1.PhaseApproved,
			summary:   "4/4",
			decisions: map[string]string{"sjw": "l1-census-assist.sjw.00", "zzb": "l1-census-assist.zzb.01", "mzj": "l1-census-assist.mzj.02", "nyncj": "l1-census-assist.nyncj.03"},
		},
		"three of four approve": {
			approvals: func(item *governancev1alpha1.ListItem) []governancev1alpha1.ItemApproval { return allFour(item)[:3] },
			phase:     governancev1alpha1.PhasePending,
			summary:   "3/4",
			decisions: map[string]string{"sjw": "l1-census-assist.sjw.00", "zzb": "l1-census-assist.zzb.01", "mzj": "l1-census-assist.mzj.02"},
		},
		"three required and a non-required unit approve: the fourth required is still missing": {
			units: func() []governancev1alpha1.ReviewUnit { return append(fourUnits(), optionalUnit("xfj")) },
			approvals: func(item *governancev1alpha1.ListItem) []governancev1alpha1.ItemApproval {
				return append(allFour(item)[:3], signed(approval(item, "xfj", approve, 9)))
			},
			phase:     governancev1alpha1.PhasePending,
			summary:   "3/4",
			decisions: map[string]string{"sjw": "l1-census-assist.sjw.00", "zzb": "l1-census-assist.zzb.01", "mzj": "l1-census-assist.mzj.02", "xfj": "l1-census-assist.xfj.09"},
		},
		"a non-required unit's rejection does not reject": {
			units: func() []governancev1alpha1.ReviewUnit { return append(fourUnits(), optionalUnit("xfj")) },
			approvals: func(item *governancev1alpha1.ListItem) []governancev1alpha1.ItemApproval {
				return append(allFour(item), signed(approval(item, "xfj", reject, 9)))
			},
			phase:     governancev1alpha1.PhaseApproved,
			summary:   "4/4",
			decisions: map[string]string{"sjw": "l1-census-assist.sjw.00", "zzb": "l1-census-assist.zzb.01", "mzj": "l1-census-assist.mzj.02", "nyncj": "l1-census-assist.nyncj.03", "xfj": "l1-census-assist.xfj.09"},
		},
		"one required unit rejects": {
			approvals: func(item *governancev1alpha1.ListItem) []governancev1alpha1.ItemApproval {
				a := allFour(item)
				a[1] = signed(approval(item, "zzb", reject, 1))
				return a
			},
			phase:     governancev1alpha1.PhaseRejected,
			summary:   "3/4",
			decisions: map[string]string{"sjw": "l1-census-assist.sjw.00", "zzb": "l1-census-assist.zzb.01", "mzj": "l1-census-assist.mzj.02", "nyncj": "l1-census-assist.nyncj.03"},
		},
		"an approval for an earlier version of the item": {
			approvals: func(item *governancev1alpha1.ListItem) []governancev1alpha1.ItemApproval {
				earlier := item.DeepCopy()
				earlier.Spec.Title = "协助开展人口抽样调查"
				a := allFour(item)
				a[2] = signed(approval(earlier, "mzj", approve, 2))
				return a
			},
			phase:     governancev1alpha1.PhasePending,
			summary:   "3/4",
			decisions: map[string]string{"sjw": "l1-census-assist.sjw.00", "zzb": "l1-census-assist.zzb.01", "nyncj": "l1-census-assist.nyncj.03"},
			void:      map[string]string{"l1-census-assist.mzj.02": "it approves an earlier version of the item (digest sha256:"},
		},
		"an approval with a malformed digest": {
			approvals: func(item *governancev1alpha1.ListItem) []governancev1alpha1.ItemApproval {
				a := allFour(item)
				a[3] = approval(item, "nyncj", approve, 3)
				a[3].Spec.Digest = "sha256:abc"
				return a
			},
			phase:     governancev1alpha1.PhasePending,
			summary:   "3/4",
			decisions: map[string]string{"sjw": "l1-census-assist.sjw.00", "zzb": "l1-census-assist.zzb.01", "mzj": "l1-census-assist.mzj.02"},
			void:      map[string]string{"l1-census-assist.nyncj.03": "(digest sha256:abc)"},
		},
		"a newer approval of a unit supersedes its older rejection": {
			approvals: func(item *governancev1alpha1.ListItem) []governancev1alpha1.ItemApproval {
				// The newer one comes first: order in the list does not matter.
				return append([]governancev1alpha1.ItemApproval{signed(approval(item, "mzj", approve, 30))},
					append(allFour(item)[:2], signed(approval(item, "mzj", reject, 2)), signed(approval(item, "nyncj", approve, 3)))...)
			},
			phase:     governancev1alpha1.PhaseApproved,
			summary:   "4/4",
			decisions: map[string]string{"sjw": "l1-census-assist.sjw.00", "zzb": "l1-census-assist.zzb.01", "mzj": "l1-census-assist.mzj.30", "nyncj": "l1-census-assist.nyncj.03"},
			void:      map[string]string{"l1-census-assist.mzj.02": `superseded by the unit's newer approval "l1-census-assist.mzj.30"`},
		},
		"a newer rejection supersedes an older approval": {
			approvals: func(item *governancev1alpha1.ListItem) []governancev1alpha1.ItemApproval {
				return append(allFour(item), approval(item, "sjw", reject, 40))
			},
			phase:     governancev1alpha1.PhaseRejected,
			summary:   "3/4",
			decisions: map[string]string{"sjw": "l1-census-assist.sjw.40", "zzb": "l1-census-assist.zzb.01", "mzj": "l1-census-assist.mzj.02", "nyncj": "l1-census-assist.nyncj.03"},
			void:      map[string]string{"l1-census-assist.sjw.00": `superseded by the unit's newer approval "l1-census-assist.sjw.40"`},
		},
		"two approvals of a unit at the same second: the later name wins": {
			approvals: func(item *governancev1alpha1.ListItem) []governancev1alpha1.ItemApproval {
				late := signed(approval(item, "mzj", reject, 2))
				late.Name = "l1-census-assist.mzj.02b"
				return append([]governancev1alpha1.ItemApproval{late}, allFour(item)...)
			},
			phase:     governancev1alpha1.PhaseRejected,
			summary:   "3/4",
			decisions: map[string]string{"sjw": "l1-census-assist.sjw.00", "zzb": "l1-census-assist.zzb.01", "mzj": "l1-census-assist.mzj.02b", "nyncj": "l1-census-assist.nyncj.03"},
			void:      map[string]string{"l1-census-assist.mzj.02": "superseded"},
		},
		"a voided newer approval does not supersede a counted older one": {
			approvals: func(item *governancev1alpha1.ListItem) []governancev1alpha1.ItemApproval {
				earlier := item.DeepCopy()
				earlier.Spec.Content = "旧内容"
				return append(allFour(item), signed(approval(earlier, "mzj", reject, 50)))
			},
			phase:     governancev1alpha1.PhaseApproved,
			summary:   "4/4",
			decisions: map[string]string{"sjw": "l1-census-assist.sjw.00", "zzb": "l1-census-assist.zzb.01", "mzj": "l1-census-assist.mzj.02", "nyncj": "l1-census-assist.nyncj.03"},
			void:      map[string]string{"l1-census-assist.mzj.50": "earlier version"},
		},
		"a signed approval whose key was removed from the unit": {
			units: func() []governancev1alpha1.ReviewUnit {
				units := fourUnits()
				units[2].Spec.PublicKeys = []governancev1alpha1.PublicKey{{ID: "mzj-2027", Ed25519: publicKeyB64(unitKey("mzj-2027"))}}
				return units
			},
			approvals: allFour,
			phase:     governancev1alpha1.PhasePending,
			summary:   "3/4",
			decisions: map[string]string{"sjw": "l1-census-assist.sjw.00", "zzb": "l1-census-assist.zzb.01", "nyncj": "l1-census-assist.nyncj.03"},
			void:      map[string]string{"l1-census-assist.mzj.02": `review unit "mzj" has no public key "mzj-2026"`},
		},
		"a signed approval whose key id now holds another key": {
			units: func() []governancev1alpha1.ReviewUnit {
				units := fourUnits()
				units[3].Spec.PublicKeys[0].Ed25519 = publicKeyB64(unitKey("stolen"))
				return units
			},
			approvals: allFour,
			phase:     governancev1alpha1.PhasePending,
			summary:   "3/4",
			decisions: map[string]string{"sjw": "l1-census-assist.sjw.00", "zzb": "l1-census-assist.zzb.01", "mzj": "l1-census-assist.mzj.02"},
			void:      map[string]string{"l1-census-assist.nyncj.03": "does not verify"},
		},
		"an unsigned approval admission did not mark Membership": {
			approvals: func(item *governancev1alpha1.ListItem) []governancev1alpha1.ItemApproval {
				a := allFour(item)
				a[0] = approval(item, "sjw", approve, 0)
				delete(a[0].Annotations, governancev1alpha1.AnnotationVerifiedBy)
				return a
			},
			phase:     governancev1alpha1.PhasePending,
			summary:   "3/4",
			decisions: map[string]string{"zzb": "l1-census-assist.zzb.01", "mzj": "l1-census-assist.mzj.02", "nyncj": "l1-census-assist.nyncj.03"},
			void:      map[string]string{"l1-census-assist.sjw.00": "unsigned, and admission did not verify its creator's membership"},
		},
		"an unsigned approval claiming Signature": {
			approvals: func(item *governancev1alpha1.ListItem) []governancev1alpha1.ItemApproval {
				a := allFour(item)
				a[0] = approval(item, "sjw", approve, 0)
				a[0].Annotations[governancev1alpha1.AnnotationVerifiedBy] = string(governancev1alpha1.VerifiedBySignature)
				return a
			},
			phase:     governancev1alpha1.PhasePending,
			summary:   "3/4",
			decisions: map[string]string{"zzb": "l1-census-assist.zzb.01", "mzj": "l1-census-assist.mzj.02", "nyncj": "l1-census-assist.nyncj.03"},
			void:      map[string]string{"l1-census-assist.sjw.00": "admission did not verify"},
		},
		"an approval from a unit that does not exist, and approvals of other items": {
			approvals: func(item *governancev1alpha1.ListItem) []governancev1alpha1.ItemApproval {
				other := projectItem()
				return append(allFour(item), signed(approval(item, "xfj", approve, 5)), signed(approval(other, "mzj", reject, 6)))
			},
			phase:     governancev1alpha1.PhaseApproved,
			summary:   "4/4",
			decisions: map[string]string{"sjw": "l1-census-assist.sjw.00", "zzb": "l1-census-assist.zzb.01", "mzj": "l1-census-assist.mzj.02", "nyncj": "l1-census-assist.nyncj.03"},
			void:      map[string]string{"l1-census-assist.xfj.05": `review unit "xfj" does not exist`},
		},

		// S7: retirement of approved items.
		"an approved item retired from yesterday": {
			item:      retiredOn("2026-05-31"),
			approvals: allFour,
			phase:     governancev1alpha1.PhaseRetired,
			summary:   "4/4",
			decisions: map[string]string{"sjw": "l1-census-assist.sjw.00", "zzb": "l1-census-assist.zzb.01", "mzj": "l1-census-assist.mzj.02", "nyncj": "l1-census-assist.nyncj.03"},
		},
		"an approved item retired from today": {
			item:      retiredOn("2026-06-01"),
			approvals: allFour,
			phase:     governancev1alpha1.PhaseRetired,
			summary:   "4/4",
			decisions: map[string]string{"sjw": "l1-census-assist.sjw.00", "zzb": "l1-census-assist.zzb.01", "mzj": "l1-census-assist.mzj.02", "nyncj": "l1-census-assist.nyncj.03"},
		},
		"an approved item retired from tomorrow is still approved": {
			item:      retiredOn("2026-06-02"),
			approvals: allFour,
			phase:     governancev1alpha1.PhaseApproved,
			summary:   "4/4",
			decisions: map[string]string{"sjw": "l1-census-assist.sjw.00", "zzb": "l1-census-assist.zzb.01", "mzj": "l1-census-assist.mzj.02", "nyncj": "l1-census-assist.nyncj.03"},
		},
		"an approved item across a year boundary": {
			item:      retiredOn("2027-01-01"),
			today:     "2026-12-31",
			approvals: allFour,
			phase:     governancev1alpha1.PhaseApproved,
			summary:   "4/4",
			decisions: map[string]string{"sjw": "l1-census-assist.sjw.00", "zzb": "l1-census-assist.zzb.01", "mzj": "l1-census-assist.mzj.02", "nyncj": "l1-census-assist.nyncj.03"},
		},
		"a never-approved item with a past retirement is judged on its approvals": {
			item: func() *governancev1alpha1.ListItem {
				return withRetirement(censusItem(), &governancev1alpha1.Retirement{Reason: "依据已废止", Effective: "2026-01-01"})
			},
			approvals: func(item *governancev1alpha1.ListItem) []governancev1alpha1.ItemApproval { return allFour(item)[:1] },
			phase:     governancev1alpha1.PhasePending,
			summary:   "1/4",
			decisions: map[string]string{"sjw": "l1-census-assist.sjw.00"},
		},

		// An approved item stays approved at its approved digest.
		"an approved item whose approvals were all voided later stays approved": {
			item: func() *governancev1alpha1.ListItem { return approved(censusItem()) },
			units: func() []governancev1alpha1.ReviewUnit {
				units := fourUnits()
				for i := range units {
					units[i].Spec.PublicKeys = nil
				}
				return units
			},
			approvals: allFour,
			phase:     governancev1alpha1.PhaseApproved,
			summary:   "0/4",
			void: map[string]string{
				"l1-census-assist.sjw.00": "has no public key", "l1-census-assist.zzb.01": "has no public key",
				"l1-census-assist.mzj.02": "has no public key", "l1-census-assist.nyncj.03": "has no public key",
			},
		},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			g := NewWithT(t)
			item := censusItem()
			if tc.item != nil {
				item = tc.item()
			}
			units := fourUnits()
			if tc.units != nil {
				units = tc.units()
			}
			today := tc.today
			if today == "" {
				today = "2026-06-01"
			}
			e := rules.EvaluateItem(item, nil, units, tc.approvals(item), rules.Jurisdictions{}, today)

			g.Expect(e.Phase).To(Equal(tc.phase))
			g.Expect(e.Summary()).To(Equal(tc.summary))
			g.Expect(e.Digest).To(Equal(rules.Digest(&item.Spec, nil)))
			decisions := map[string]string{}
			for i, d := range e.Decisions {
				decisions[d.Unit] = d.Approval
				if i > 0 {
					g.Expect(e.Decisions[i-1].Unit < d.Unit).To(BeTrue(), "decisions are sorted by unit")
				}
			}
			if tc.decisions == nil {
				tc.decisions = map[string]string{}
			}
			g.Expect(decisions).To(Equal(tc.decisions))
			g.Expect(e.Void).To(HaveLen(len(tc.void)), "void: %v", e.Void)
			for name, reason := range tc.void {
				g.Expect(e.Void).To(HaveKey(name))
				g.Expect(e.Void[name]).To(HavePrefix("S5 "))
				g.Expect(e.Void[name]).To(ContainSubstring(reason))
				bilingual(g, e.Void[name])
			}
		})
	}
}

// retiredOn returns an approved census item retired from the date.
func retiredOn(date string) func() *governancev1alpha1.ListItem {
	return func() *governancev1alpha1.ListItem {
		return withRetirement(approved(censusItem()), &governancev1alpha1.Retirement{Reason: "《全国人口普查条例》修订，不再需要村（社区）协助", Effective: date})
	}
}

// A decision says how it was verified and who applied it.
func TestEvaluateItemDecisions(t *testing.T) {
	g := NewWithT(t)
	item := censusItem()
	e := rules.EvaluateItem(item, nil, fourUnits(), []governancev1alpha1.ItemApproval{
		signed(approval(item, "mzj", approve, 0)), approval(item, "zzb", reject, 1),
	}, rules.Jurisdictions{}, "2026-06-01")
	g.Expect(e.Decisions).To(HaveLen(2))
	g.Expect(e.Decisions[0].Unit).To(Equal("mzj"))
	g.Expect(e.Decisions[0].VerifiedBy).To(Equal(governancev1alpha1.VerifiedBySignature))
	g.Expect(e.Decisions[0].By).To(Equal("key mzj-2026 (applied by system:serviceaccount:argocd:argocd-application-controller)"))
	g.Expect(e.Decisions[0].At.Time).To(Equal(t0))
	g.Expect(e.Decisions[1].Unit).To(Equal("zzb"))
	g.Expect(e.Decisions[1].Decision).To(Equal(reject))
	g.Expect(e.Decisions[1].VerifiedBy).To(Equal(governancev1alpha1.VerifiedByMembership))
	g.Expect(e.Decisions[1].By).To(Equal("zzb-clerk"))
}

// A WasApproved item keeps the digest it was approved at, whatever its spec
// says now: approvals of that digest still count, approvals of the spec's
// current digest do not.
func TestEvaluateItemKeepsApprovedDigest(t *testing.T) {
	g := NewWithT(t)
	item := approved(censusItem())
	approvedDigest := item.Status.ApprovedDigest
	atApproval := allFour(item)

	item.Spec.Title = "协助开展人口抽样调查" // only conceivable past admission, e.g. restored from a backup
	current := rules.Digest(&item.Spec, nil)
	g.Expect(current).NotTo(Equal(approvedDigest))
	now := signed(approval(item, "mzj", reject, 20))

	e := rules.EvaluateItem(item, nil, fourUnits(), append(atApproval, now), rules.Jurisdictions{}, "2026-06-01")
	g.Expect(e.Digest).To(Equal(approvedDigest))
	g.Expect(e.Phase).To(Equal(governancev1alpha1.PhaseApproved))
	g.Expect(e.Summary()).To(Equal("4/4"))
	g.Expect(e.Void).To(HaveKeyWithValue(now.Name, ContainSubstring("earlier version")))
}
