package rules_test

import (
	"crypto/ed25519"
	"encoding/base64"
	"fmt"
	"testing"

	"k8s.io/apimachinery/pkg/util/sets"

	governancev1alpha1 "github.com/cunshe/cunshe-operator/api/v1alpha1"
	"github.com/cunshe/cunshe-operator/internal/rules"
)

// Run with: go test ./internal/rules/ -run '^$' -bench . -benchmem
//
// The admission benchmarks measure one decision of a webhook against a
// city-sized snapshot; BenchmarkFloorEd25519Verify is the bare signature
// check the approval decision cannot avoid, so that the decision's cost can
// be read as a ratio to it on the same machine in the same run.

// citySnapshot is Wenzhou at scale: the counties of its 3,685 villages,
// about twenty departments, the four units, 60 flows and 300 items.
func citySnapshot() *rules.Memory {
	m := rules.NewMemory()
	for v := range 3685 {
		county := counties[v%len(counties)]
		m.Counties.Insert(county) // as the registry answers: a county is known when a village lies in it
	}
	m.Departments = sets.New(departments...)
	for i := len(departments); i < 20; i++ {
		m.Departments.Insert(fmt.Sprintf("dept-%02d", i))
	}
	for _, u := range fourUnits() {
		m.Units[u.Name] = &u
	}
	for i := range 60 {
		name := fmt.Sprintf("l6-flow-%02d", i)
		m.Flows[name] = fourDiscussions(name)
	}
	for i := range 300 {
		item := projectItem()
		item.Name = fmt.Sprintf("l6-item-%03d", i)
		item.Spec.FlowRef = fmt.Sprintf("l6-flow-%02d", i%60)
		m.Items[item.Name] = item
	}
	return m
}

// benchItem is a realistic L1 item with several departments and a scope.
func benchItem() *governancev1alpha1.ListItem {
	item := censusItem()
	item.Spec.ResponsibleDepartments = []string{"tjj", "mzj", "wjw"}
	item.Spec.Scope.Counties = []string{"330302", "330303", "330304", "330381"}
	item.Spec.Scope.VillageTypes = []governancev1alpha1.VillageType{governancev1alpha1.TypeVillage, governancev1alpha1.TypeCommunity}
	return item
}

func BenchmarkAdmitListItem(b *testing.B) {
	snap := citySnapshot()
	item := benchItem()
	if errs := rules.ValidateListItem(item, snap); len(errs) > 0 {
		b.Fatal(errs)
	}
	b.ReportAllocs()
	for b.Loop() {
		rules.ValidateListItem(item, snap)
	}
}

func BenchmarkAdmitItemApproval(b *testing.B) {
	snap := citySnapshot()
	a := signed(approval(benchItem(), "mzj", governancev1alpha1.DecisionApprove, 0))
	if by, errs := rules.ValidateItemApproval(&a, bot, snap); len(errs) > 0 || by != governancev1alpha1.VerifiedBySignature {
		b.Fatal(by, errs)
	}
	b.ReportAllocs()
	for b.Loop() {
		rules.ValidateItemApproval(&a, bot, snap)
	}
}

// BenchmarkEvaluateItem is a reconcile of an item with four signed
// approvals and a superseded fifth: a digest and five verifications.
func BenchmarkEvaluateItem(b *testing.B) {
	item := benchItem()
	units := fourUnits()
	approvals := append(allFour(item), signed(approval(item, "mzj", governancev1alpha1.DecisionReject, -5)))
	if e := rules.EvaluateItem(item, nil, units, approvals, rules.Jurisdictions{}, "2026-06-01"); e.Phase != governancev1alpha1.PhaseApproved {
		b.Fatal(e.Phase, e.Void)
	}
	b.ReportAllocs()
	for b.Loop() {
		rules.EvaluateItem(item, nil, units, approvals, rules.Jurisdictions{}, "2026-06-01")
	}
}

func BenchmarkDigest(b *testing.B) {
	spec := benchItem().Spec
	b.ReportAllocs()
	for b.Loop() {
		rules.Digest(&spec, nil)
	}
}

// BenchmarkFloorEd25519Verify is ed25519.Verify of the very message and
// signature BenchmarkAdmitItemApproval checks, keys already decoded.
func BenchmarkFloorEd25519Verify(b *testing.B) {
	a := signed(approval(benchItem(), "mzj", governancev1alpha1.DecisionApprove, 0))
	pub := unitKey("mzj").Public().(ed25519.PublicKey)
	msg := rules.SigningMessage(a.Spec.Item, a.Spec.Digest, a.Spec.Unit, a.Spec.Decision)
	sig, err := base64.StdEncoding.DecodeString(a.Spec.Signature.Value)
	if err != nil || !ed25519.Verify(pub, msg, sig) {
		b.Fatal("the floor's signature does not verify", err)
	}
	b.ReportAllocs()
	for b.Loop() {
		ed25519.Verify(pub, msg, sig)
	}
}
