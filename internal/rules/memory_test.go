package rules_test

import (
	"testing"

	. "github.com/onsi/gomega"

	governancev1alpha1 "github.com/cunshe/cunshe-operator/api/v1alpha1"
	"github.com/cunshe/cunshe-operator/internal/rules"
)

// The Memory snapshot answers as the cluster's would: units by name, items
// using a flow sorted and without the retired ones.
func TestMemorySnapshot(t *testing.T) {
	g := NewWithT(t)
	var snap rules.Snapshot = snapshot()
	m := snap.(*rules.Memory)

	var names []string
	for _, u := range snap.ReviewUnits() {
		names = append(names, u.Name)
	}
	g.Expect(names).To(Equal([]string{"mzj", "nyncj", "sjw", "zzb"}))
	g.Expect(snap.ReviewUnit("mzj").Spec.Group).To(Equal("cunshe:unit:mzj"))
	g.Expect(snap.ReviewUnit("xfj")).To(BeNil())
	g.Expect(snap.PowerFlow("major-decision")).NotTo(BeNil())
	g.Expect(snap.PowerFlow("asset-lease")).To(BeNil())
	g.Expect(snap.CountyKnown("330302")).To(BeTrue())
	g.Expect(snap.CountyKnown("330399")).To(BeFalse())
	g.Expect(snap.DepartmentKnown("tjj")).To(BeTrue())
	g.Expect(snap.DepartmentKnown("330302")).To(BeFalse())

	g.Expect(snap.ItemsUsingFlow("major-decision")).To(BeEmpty())
	for _, name := range []string{"l6-c", "l6-a", "l6-b"} {
		m.Items[name] = projectItem()
	}
	// A retirement that takes effect later leaves the item using its flow.
	m.Items["l6-b"].Spec.Retirement = &governancev1alpha1.Retirement{Reason: "已合并", Effective: "2030-01-01"}
	g.Expect(snap.ItemsUsingFlow("major-decision")).To(Equal([]string{"l6-a", "l6-b", "l6-c"}))
	m.Items["l6-b"].Status.Phase = governancev1alpha1.PhaseRetired
	g.Expect(snap.ItemsUsingFlow("major-decision")).To(Equal([]string{"l6-a", "l6-c"}))
	g.Expect(snap.ItemsUsingFlow("asset-lease")).To(BeEmpty())
}
