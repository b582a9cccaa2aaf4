package rules_test

import (
	"bytes"
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"reflect"
	"regexp"
	"slices"
	"strings"
	"testing"

	"k8s.io/apimachinery/pkg/util/validation/field"

	governancev1alpha1 "github.com/cunshe/cunshe-operator/api/v1alpha1"
	"github.com/cunshe/cunshe-operator/internal/rules"
)

// Run one with: go test -run '^$' -fuzz=FuzzDigest -fuzztime=20s ./internal/rules/

// pick chooses one of values by sel, or raw when sel points past them, so
// that the fuzzer reaches every enum value and some that are none.
func pick[T ~string](sel uint8, raw string, values ...T) T {
	if i := int(sel) % (len(values) + 1); i < len(values) {
		return values[i]
	}
	return T(raw)
}

// list splits a comma-separated fuzz string into a set field; "" is nil.
func list(s string) []string {
	if s == "" {
		return nil
	}
	return strings.Split(s, ",")
}

var (
	lists         = governancev1alpha1.Lists
	applicants    = []governancev1alpha1.ApplicantKind{governancev1alpha1.ApplicantCityDepartment, governancev1alpha1.ApplicantCounty}
	bases         = []governancev1alpha1.BasisKind{governancev1alpha1.BasisLaw, governancev1alpha1.BasisRegulation, governancev1alpha1.BasisCityDocument, governancev1alpha1.BasisResidentInterest}
	roles         = []governancev1alpha1.VillageRole{"", governancev1alpha1.RoleUndertake, governancev1alpha1.RoleAssist}
	digestPattern = regexp.MustCompile(digestFormat)
)

func FuzzDigest(f *testing.F) {
	f.Add("Admission", "协助开展人口普查入户登记", "配合统计部门<入户>&登记", "CityDepartment", "tjj", "Law", "《全国人口普查条例》第十条", "", "Assist", "tjj,mzj", true, "330302,330381", "", "", "依据已废止")
	f.Add("MicroPower", "村级工程项目", "", "County", "330302", "ResidentInterest", "温委办发〔2019〕58号", "确需", "", "", false, "", "Village,Community,Village", "major-decision", "")
	f.Add("", "", "", "", "", "", "", "", "", ",,", false, ",", ",", "", "")
	f.Add("Seal", "\u2028\"\\", "\x00\x1f", "", "\xff", "", "", "", "", "b,a,b", true, "330381,330302", "Community", "", "")
	f.Fuzz(func(t *testing.T, list_, title, content, applicantKind, applicant, basisKind, citation, justification, role, depts string,
		residentFacing bool, counties, villageTypes, flowRef, retirement string) {
		spec := governancev1alpha1.ListItemSpec{
			List: governancev1alpha1.ListKind(list_), Title: title, Content: content,
			Applicant:              governancev1alpha1.Applicant{Kind: governancev1alpha1.ApplicantKind(applicantKind), Name: applicant},
			Basis:                  governancev1alpha1.Basis{Kind: governancev1alpha1.BasisKind(basisKind), Citation: citation, Justification: justification},
			VillageRole:            governancev1alpha1.VillageRole(role),
			ResponsibleDepartments: list(depts), ResidentFacing: residentFacing,
			Scope:   governancev1alpha1.Scope{Counties: list(counties)},
			FlowRef: flowRef,
		}
		for _, v := range list(villageTypes) {
			spec.Scope.VillageTypes = append(spec.Scope.VillageTypes, governancev1alpha1.VillageType(v))
		}
		before := spec.DeepCopy()

		d := rules.Digest(&spec, nil)
		if !digestPattern.MatchString(d) {
			t.Fatalf("digest %q does not match %s", d, digestFormat)
		}
		if !reflect.DeepEqual(&spec, before) {
			t.Fatalf("Digest changed its argument")
		}
		// Computed twice, apart, and equal: the digest is deterministic and
		// the SHA-256 of the canonical JSON.
		canonical := rules.CanonicalJSON(&spec, nil)
		if sum := sha256.Sum256(canonical); d != rules.DigestPrefix+hex.EncodeToString(sum[:]) {
			t.Fatalf("digest %s is not the SHA-256 of the canonical JSON", d)
		}

		// Sets in another order, with duplicates, and a retirement: same digest.
		shuffled := spec.DeepCopy()
		slices.Reverse(shuffled.ResponsibleDepartments)
		shuffled.ResponsibleDepartments = append(shuffled.ResponsibleDepartments, shuffled.ResponsibleDepartments...)
		slices.Reverse(shuffled.Scope.Counties)
		if len(shuffled.Scope.Counties) > 0 {
			shuffled.Scope.Counties = append(shuffled.Scope.Counties, shuffled.Scope.Counties[0])
		}
		slices.Reverse(shuffled.Scope.VillageTypes)
		shuffled.Retirement = &governancev1alpha1.Retirement{Reason: retirement, Effective: "2030-01-01"}
		if got := rules.Digest(shuffled, nil); got != d {
			t.Fatalf("digest depends on set order, duplicates or retirement:\n%s\n%s", canonical, rules.CanonicalJSON(shuffled, nil))
		}

		// The canonical JSON is valid, and canonical: decoding it gives a spec
		// with the same canonical JSON, hence the same digest.
		if !json.Valid(canonical) {
			t.Fatalf("canonical JSON is not JSON: %q", canonical)
		}
		var back governancev1alpha1.ListItemSpec
		if err := json.Unmarshal(canonical, &back); err != nil {
			t.Fatalf("canonical JSON does not decode into a ListItemSpec: %v", err)
		}
		// Equal canonical JSON is an equal digest (checked above).
		if again := rules.CanonicalJSON(&back, nil); !bytes.Equal(again, canonical) {
			t.Fatalf("canonical JSON does not round-trip:\n%q\n%q", canonical, again)
		}
	})
}

func FuzzValidateListItem(f *testing.F) {
	f.Add(uint8(0), "", uint8(2), "", "", uint8(0), "《全国人口普查条例》第十条", "", uint8(0), "tjj", "tjj,mzj", "330302")
	f.Add(uint8(5), "", uint8(0), "major-decision", "", uint8(2), "温委办发〔2019〕58号", "", uint8(1), "330302", "", "")
	f.Add(uint8(6), "Other", uint8(3), "Sometimes", "x", uint8(4), " ", "\t", uint8(2), "", ",gaj,", ",999999")
	f.Add(uint8(5), "", uint8(1), "no-such-flow", "", uint8(3), "", "", uint8(1), "330399", "tjj,tjj", "330302,330302")
	snap := snapshot()
	f.Fuzz(func(t *testing.T, listSel uint8, listRaw string, roleSel uint8, flowRef, roleRaw string,
		basisSel uint8, citation, justification string, applicantSel uint8, applicant, depts, scopeCounties string) {
		item := censusItem()
		s := &item.Spec
		s.List = pick(listSel, listRaw, lists...)
		s.VillageRole = pick(roleSel, roleRaw, roles...)
		s.FlowRef = flowRef
		s.Basis = governancev1alpha1.Basis{Kind: pick(basisSel, "Custom", bases...), Citation: citation, Justification: justification}
		s.Applicant = governancev1alpha1.Applicant{Kind: pick(applicantSel, "Other", applicants...), Name: applicant}
		s.ResponsibleDepartments, s.Scope.Counties = list(depts), list(scopeCounties)

		errs := rules.ValidateListItem(item, snap)
		for _, e := range errs {
			requireRuleMessage(t, e)
		}

		// An independent account of which fields must be refused.
		var want []string
		admission, micro := s.List == governancev1alpha1.ListAdmission, s.List == governancev1alpha1.ListMicroPower
		if admission == (s.VillageRole == "") {
			want = append(want, "spec.villageRole")
		}
		if micro && (s.FlowRef == "" || snap.Flows[s.FlowRef] == nil) || !micro && s.FlowRef != "" {
			want = append(want, "spec.flowRef")
		}
		if strings.TrimSpace(citation) == "" {
			want = append(want, "spec.basis.citation")
		}
		if s.Basis.Kind == governancev1alpha1.BasisResidentInterest && strings.TrimSpace(justification) == "" {
			want = append(want, "spec.basis.justification")
		}
		if s.Applicant.Kind == governancev1alpha1.ApplicantCounty && !slices.Contains(counties, applicant) ||
			s.Applicant.Kind == governancev1alpha1.ApplicantCityDepartment && !slices.Contains(departments, applicant) {
			want = append(want, "spec.applicant.name")
		}
		for i, d := range s.ResponsibleDepartments {
			if !slices.Contains(departments, d) {
				want = append(want, field.NewPath("spec", "responsibleDepartments").Index(i).String())
			}
		}
		for i, c := range s.Scope.Counties {
			if !slices.Contains(counties, c) {
				want = append(want, field.NewPath("spec", "scope", "counties").Index(i).String())
			}
		}
		got := make([]string, len(errs))
		for i, e := range errs {
			got[i] = e.Field
		}
		if !slices.Equal(got, want) {
			t.Fatalf("refused fields %q, want %q", got, want)
		}
	})
}

// requireRuleMessage fails unless the finding names its rule and reads in
// Chinese and English.
func requireRuleMessage(t *testing.T, e *field.Error) {
	t.Helper()
	msg := text(e)
	zh, en, ok := strings.Cut(msg, " / ")
	if !ruleID.MatchString(msg) || !ok || !english.MatchString(en) || !strings.ContainsFunc(zh, isHan) {
		t.Fatalf("a finding without rule ID or bilingual text: %s", e.Error())
	}
}

// stepIDs are the ids FuzzValidatePowerFlow builds flows from; "z" and the
// fuzzed raw id are sometimes no step.
var stepIDs = []string{"propose", "discuss", "review", "resolve", "notice", "archive", "z"}

func FuzzValidatePowerFlow(f *testing.F) {
	// Bytes: number of steps; then per step its id, its number of nexts and their ids.
	f.Add([]byte{3, 0, 1, 1, 1, 1, 2, 2, 0}, uint8(0), "")             // propose → discuss → review
	f.Add([]byte{2, 0, 1, 1, 1, 1, 0}, uint8(0), "")                   // a loop with no end
	f.Add([]byte{2, 0, 0, 0, 0}, uint8(0), "")                         // a duplicate id
	f.Add([]byte{2, 7, 1, 7, 7, 0}, uint8(7), "propose\x00")           // raw ids
	f.Add([]byte{4, 0, 2, 1, 2, 1, 1, 3, 2, 1, 3, 3, 0}, uint8(0), "") // a diamond
	f.Fuzz(func(t *testing.T, data []byte, startSel uint8, raw string) {
		id := func(b byte) string {
			if i := int(b) % (len(stepIDs) + 1); i < len(stepIDs) {
				return stepIDs[i]
			}
			return raw
		}
		next := func() byte {
			if len(data) == 0 {
				return 0
			}
			b := data[0]
			data = data[1:]
			return b
		}
		pf := &governancev1alpha1.PowerFlow{Spec: governancev1alpha1.PowerFlowSpec{Title: "fuzz", Start: id(startSel)}}
		for n := int(next()) % 10; n > 0; n-- {
			s := governancev1alpha1.FlowStep{ID: id(next()), Name: "步骤", Actor: governancev1alpha1.ActorVillagersCommittee}
			for k := int(next()) % 4; k > 0; k-- {
				s.Next = append(s.Next, id(next()))
			}
			pf.Spec.Steps = append(pf.Spec.Steps, s)
		}

		errs := rules.ValidatePowerFlow(pf)
		for _, e := range errs {
			requireRuleMessage(t, e)
		}

		// An independent account: references first, then reachability by
		// transitive closure.
		steps := pf.Spec.Steps
		index := map[string]int{}
		referencesOK := true
		for i, s := range steps {
			if _, dup := index[s.ID]; dup {
				referencesOK = false
				continue
			}
			index[s.ID] = i
		}
		if _, ok := index[pf.Spec.Start]; !ok {
			referencesOK = false
		}
		for _, s := range steps {
			for _, n := range s.Next {
				if _, ok := index[n]; !ok {
					referencesOK = false
				}
			}
		}
		if !referencesOK {
			for _, e := range errs {
				if e.Type == field.ErrorTypeInvalid {
					t.Fatalf("reachability reported although references are broken: %v", e)
				}
			}
			if len(errs) == 0 {
				t.Fatalf("broken references admitted: %+v", pf.Spec)
			}
			return
		}
		n := len(steps)
		path := make([][]bool, n) // path[i][j]: j can be reached from i (in zero or more steps)
		for i, s := range steps {
			path[i] = make([]bool, n)
			path[i][i] = true
			for _, nx := range s.Next {
				path[i][index[nx]] = true
			}
		}
		for k := range n {
			for i := range n {
				for j := range n {
					path[i][j] = path[i][j] || path[i][k] && path[k][j]
				}
			}
		}
		var want []string
		for i := range steps {
			ends := false
			for j := range steps {
				ends = ends || path[i][j] && len(steps[j].Next) == 0
			}
			if !path[index[pf.Spec.Start]][i] {
				want = append(want, field.NewPath("spec", "steps").Index(i).String()+" unreachable")
			}
			if !ends {
				want = append(want, field.NewPath("spec", "steps").Index(i).String()+" loops")
			}
		}
		got := make([]string, len(errs))
		for i, e := range errs {
			kind := " loops"
			if strings.Contains(e.Detail, "cannot be reached") {
				kind = " unreachable"
			}
			got[i] = e.Field + kind
		}
		if !slices.Equal(got, want) {
			t.Fatalf("findings %q, want %q for %+v", got, want, pf.Spec)
		}
	})
}

func FuzzVerifySignature(f *testing.F) {
	key := unitKey("mzj")
	realPub := key.Public().(ed25519.PublicKey)
	item := censusItem()
	d := rules.Digest(&item.Spec, nil)
	f.Add("l1-census-assist", d, "Approve", "mzj-2026", []byte{}, "", "other", "")
	f.Add("l1-census-assist", d, "Reject", "mzj-2026", []byte{0, 0, 1}, "", "other", "")
	f.Add("l1-census-assist", d, "Approve", "other", []byte{}, "", "other", publicKeyB64(key))
	f.Add("x", "sha256:", "", "mzj-2026", []byte{}, strings.Repeat("A", 88), "other", strings.Repeat("A", 44))
	f.Add("", "", "", "", []byte{}, "////", "", "")
	// A small-order key (the identity) and the signature anyone can make for it.
	f.Add("l1-census-assist", d, "Approve", "placeholder", []byte{}, b64(smallOrderPoints["identity (order 1)"]+strings.Repeat("0", 64)),
		"placeholder", b64(smallOrderPoints["identity (order 1)"]))
	f.Fuzz(func(t *testing.T, itemName, digest, decision, sigKeyID string, flip []byte, sigValue, otherID, otherKey string) {
		unit := reviewUnit("mzj")
		unit.Spec.PublicKeys = append(unit.Spec.PublicKeys, governancev1alpha1.PublicKey{ID: otherID, Ed25519: otherKey})
		spec := governancev1alpha1.ItemApprovalSpec{Item: itemName, Digest: digest, Unit: "mzj", Decision: governancev1alpha1.ApprovalDecision(decision)}
		msg := rules.SigningMessage(spec.Item, spec.Digest, spec.Unit, spec.Decision)
		genuine := ed25519.Sign(key, msg)

		// The signature is the real key's, with fuzzed bits flipped, or a
		// fuzzed string altogether.
		sig := slices.Clone(genuine)
		for i, b := range flip {
			sig[i%len(sig)] ^= b
		}
		value := base64.StdEncoding.EncodeToString(sig)
		if sigValue != "" {
			value = sigValue
		}
		spec.Signature = &governancev1alpha1.Signature{KeyID: sigKeyID, Value: value}

		err := rules.VerifySignature(&spec, &unit)
		if err != nil {
			requireRuleMessage(t, &field.Error{Detail: err.Error()})
			raw, decodeErr := base64.StdEncoding.DecodeString(value)
			if sigKeyID == keyID("mzj") && decodeErr == nil && bytes.Equal(raw, genuine) {
				t.Fatalf("the genuine signature by the unit's key was refused: %v", err)
			}
			return
		}
		if len(rules.ValidateReviewUnit(&unit, rules.Jurisdictions{})) > 0 {
			// Admission refuses this unit (e.g. a small-order key, which
			// accepts signatures anyone makes): no promise about it.
			return
		}
		// It verified: the bytes must be the real key's signature of this
		// very message, under a key id that holds the real key.
		raw, decodeErr := base64.StdEncoding.DecodeString(value)
		if decodeErr != nil || !bytes.Equal(raw, genuine) {
			t.Fatalf("a signature the unit's key did not make verified: %q", value)
		}
		var held ed25519.PublicKey
		for _, k := range unit.Spec.PublicKeys {
			if k.ID == sigKeyID {
				held, _ = rules.DecodePublicKey(k.Ed25519)
				break
			}
		}
		if !bytes.Equal(held, realPub) {
			t.Fatalf("verified under key id %q, which does not hold the unit's key", sigKeyID)
		}
	})
}
