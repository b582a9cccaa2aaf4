package cli

import (
	"slices"
	"time"

	governancev1alpha1 "github.com/cunshe/cunshe-operator/api/v1alpha1"
	"github.com/cunshe/cunshe-operator/config"
	"github.com/cunshe/cunshe-operator/internal/rules"
)

// The rules admission runs on the kinds a village, a township or a review
// unit creates (S8, S10, S12–S16, S19), and on who applies an object (S4,
// S15), run offline by validate on the folder's objects.

// requesterFor is who applies an object: the --as user, or else need, the
// person admission accepts it from, since a folder does not say who will
// apply it.
func (c *checker) requesterFor(need rules.Requester) rules.Requester {
	if c.as != nil {
		return *c.as
	}
	return need
}

// cadreOf is a cadre of the village whose tenant the namespace is (S8, S10).
func cadreOf(namespace string) rules.Requester {
	return rules.Requester{Username: offlineUser, Groups: []string{governancev1alpha1.VillageGroupPrefix + rules.VillageOfNamespace(namespace)}}
}

// checkVillageRecords runs report, decision and public-record admission
// (S8, S10) on the folder's objects.
func (c *checker) checkVillageRecords() {
	for _, m := range c.of("Report") {
		r := m.obj.(*governancev1alpha1.Report)
		c.addFieldErrors(m, rules.S8, rules.ValidateReport(r, c.requesterFor(cadreOf(r.Namespace)), folderSnapshot{c}))
	}
	for _, m := range c.of("ReportDecision") {
		d := m.obj.(*governancev1alpha1.ReportDecision)
		member := rules.Requester{Username: offlineUser}
		if u := c.snap.ReviewUnit(d.Spec.Unit); u != nil {
			member.Groups = []string{u.Spec.Group}
		}
		exists := slices.ContainsFunc(c.of("Report"), func(r manifest) bool {
			return r.obj.(*governancev1alpha1.Report).Namespace == d.Namespace && r.name() == d.Spec.Report
		})
		c.addFieldErrors(m, rules.S8, rules.ValidateReportDecision(d, exists, c.requesterFor(member), folderSnapshot{c}))
	}
	for _, m := range c.of("Disclosure") {
		d := m.obj.(*governancev1alpha1.Disclosure)
		c.addFieldErrors(m, rules.S10, rules.ValidateDisclosure(d, c.requesterFor(cadreOf(d.Namespace)), folderSnapshot{c}))
	}
	for _, m := range c.of("PublicNotice") {
		c.addFieldErrors(m, rules.S19, rules.ValidatePublicNotice(m.obj.(*governancev1alpha1.PublicNotice)))
	}
}

// checkEmergencyDecisions runs ratification admission (S6) at the moment
// at: a member of a unit of the exemption's city decides an exemption of
// the same namespace once it has ended.
func (c *checker) checkEmergencyDecisions(at time.Time) {
	for _, m := range c.of("EmergencyDecision") {
		d := m.obj.(*governancev1alpha1.EmergencyDecision)
		member := rules.Requester{Username: offlineUser}
		if u := c.snap.ReviewUnit(d.Spec.Unit); u != nil {
			member.Groups = []string{u.Spec.Group}
		}
		var rec *governancev1alpha1.EmergencyExemption
		for i := range c.exemptions {
			if e := &c.exemptions[i]; e.Namespace == d.Namespace && e.Name == d.Spec.Exemption {
				rec = e
			}
		}
		c.addFieldErrors(m, rules.S6, rules.ValidateEmergencyDecision(d, rec, c.requesterFor(member), folderSnapshot{c}, at))
	}
}

// checkSignboards runs signboard admission (S12–S16): a set against its
// village and its township's style; a style against who maintains it.
func (c *checker) checkSignboards() {
	styles := map[string]*governancev1alpha1.SignboardStyle{}
	for _, m := range c.of("SignboardStyle") {
		s := m.obj.(*governancev1alpha1.SignboardStyle)
		styles[s.Name] = s
		if c.as != nil {
			c.addFieldErrors(m, rules.S15, rules.ValidateStyleOwner(s, *c.as))
		}
	}
	for _, m := range c.of("SignboardSet") {
		set := m.obj.(*governancev1alpha1.SignboardSet)
		village, errs := rules.SignboardVillage(set.Namespace, folderSnapshot{c}.Village)
		if len(errs) == 0 {
			errs = rules.ValidateSignboardSet(set, village, styles[set.Spec.Style])
		}
		c.addFieldErrors(m, rules.S12, errs)
	}
}

// checkApplicants binds each item to its applicant (S4) when the folder is
// checked --as someone: who applies it must be the applicant.
func (c *checker) checkApplicants() {
	if c.as == nil {
		return
	}
	deptOf := func(ns string) string { return c.namespaces[ns] }
	for _, m := range c.items {
		c.addFieldErrors(m, rules.S4, rules.ValidateApplicantRequester(nil, m.obj.(*governancev1alpha1.ListItem), *c.as, deptOf))
	}
}

// jurisdictionsBesides are the folder's jurisdictions other than jur: what
// admission judges a new Jurisdiction against (one default city, S1).
func (c *checker) jurisdictionsBesides(jur *governancev1alpha1.Jurisdiction) rules.Jurisdictions {
	var others []governancev1alpha1.Jurisdiction
	for _, m := range c.jurisdictions {
		if other := m.obj.(*governancev1alpha1.Jurisdiction); other.Name != jur.Name {
			others = append(others, *other)
		}
	}
	return rules.NewJurisdictions(others)
}

// checkSampleKeys refuses, as a cluster outside local mode does (validate
// --refuse-sample-keys), review units that hold a key shipped with the
// samples and approvals signed with one (S5): anyone can sign with them.
func (c *checker) checkSampleKeys() {
	if !c.refuseSampleKeys {
		return
	}
	keys, err := config.SampleKeys()
	if err != nil {
		panic(err) // embedded at build time and checked by the tests
	}
	sample := rules.SampleKeys(keys)
	for _, m := range c.units {
		c.addFieldErrors(m, rules.S5, rules.ValidateNoSampleKeys(m.obj.(*governancev1alpha1.ReviewUnit), sample))
	}
	for _, m := range c.approvals {
		a := m.obj.(*governancev1alpha1.ItemApproval)
		c.addFieldErrors(m, rules.S5, rules.ValidateNotSampleSigned(a, c.snap.ReviewUnit(a.Spec.Unit), sample))
	}
}

// of is the folder's objects of a kind, first definitions only.
func (c *checker) of(kind string) []manifest {
	return c.byKind[kind]
}

// folderSnapshot answers the village-record rules from the folder.
type folderSnapshot struct{ c *checker }

var (
	_ rules.ReportSnapshot     = folderSnapshot{}
	_ rules.DisclosureSnapshot = folderSnapshot{}
)

func (s folderSnapshot) Village(code string) *governancev1alpha1.Village {
	if m, ok := s.c.villageManifest[code]; ok {
		return m.obj.(*governancev1alpha1.Village)
	}
	return nil
}

func (s folderSnapshot) Task(namespace, name string) *governancev1alpha1.Task {
	for _, m := range s.c.tasks {
		if t := m.obj.(*governancev1alpha1.Task); t.Namespace == namespace && t.Name == name {
			return t
		}
	}
	return nil
}

func (s folderSnapshot) DepartmentKnown(id string) bool { return s.c.snap.DepartmentKnown(id) }

func (s folderSnapshot) ReviewUnit(name string) *governancev1alpha1.ReviewUnit {
	return s.c.snap.ReviewUnit(name)
}

func (s folderSnapshot) ListItem(name string) *governancev1alpha1.ListItem {
	return s.c.snap.ListItem(name)
}

func (s folderSnapshot) Jurisdictions() rules.Jurisdictions { return s.c.snap.Juris }

func (s folderSnapshot) Disclosures(namespace string) []governancev1alpha1.Disclosure {
	var out []governancev1alpha1.Disclosure
	for _, m := range s.c.of("Disclosure") {
		if d := m.obj.(*governancev1alpha1.Disclosure); d.Namespace == namespace {
			out = append(out, *d)
		}
	}
	return out
}
