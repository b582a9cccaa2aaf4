package webhookbench

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/client"

	governancev1alpha1 "github.com/cunshe/cunshe-operator/api/v1alpha1"
	"github.com/cunshe/cunshe-operator/config"
	"github.com/cunshe/cunshe-operator/internal/divisions"
	"github.com/cunshe/cunshe-operator/internal/publish"
	"github.com/cunshe/cunshe-operator/internal/rules"
)

const (
	// department owns the benchmark's items and both arms' namespaces.
	department = "tjj"
	// armLabel tells the arms' namespaces apart for the webhooks' namespaceSelector.
	armLabel = "bench.cunshe.io/arm"
	// items is the number of approved, published items.
	items = 1000
	// writers is the number of parallel writes while seeding.
	writers = 32
)

// arms' namespaces: the operator's task webhook decides in the first, the
// no-op webhook in the second.
var (
	rulesNamespace = "dept-bench-rules"
	noopNamespace  = "dept-bench-noop"
)

func itemName(i int) string { return fmt.Sprintf("bench-item-%04d", i%items) }

// seed writes what a city's task admission reads: the department's two
// namespaces, the villages holding revision 1, the approved items and the
// revision. No controller runs, so the statuses written here stay as they are.
func seed(ctx context.Context, c client.Client) ([]governancev1alpha1.Village, error) {
	for ns, arm := range map[string]string{rulesNamespace: "rules", noopNamespace: "noop"} {
		if err := c.Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: ns,
			Labels: map[string]string{governancev1alpha1.LabelDepartment: department, armLabel: arm}}}); err != nil {
			return nil, fmt.Errorf("creating namespace %s: %w", ns, err)
		}
	}
	villages, err := divisions.Parse(config.SampleDivisions())
	if err != nil {
		return nil, err
	}
	if err := parallel(len(villages), func(i int) error { return createVillage(ctx, c, &villages[i], i) }); err != nil {
		return nil, err
	}
	published := make([]governancev1alpha1.PublishedItem, items)
	if err := parallel(items, func(i int) error {
		item, err := createApprovedItem(ctx, c, i)
		published[i] = governancev1alpha1.PublishedItem{Name: item.Name, List: item.Spec.List, Digest: item.Status.ApprovedDigest}
		return err
	}); err != nil {
		return nil, err
	}
	rev := &governancev1alpha1.ListRevision{
		ObjectMeta: metav1.ObjectMeta{Name: governancev1alpha1.RevisionName("", 1)},
		Spec:       governancev1alpha1.ListRevisionSpec{Revision: 1, ContentHash: publish.ContentHash(published), Items: published},
	}
	if err := c.Create(ctx, rev); err != nil {
		return nil, fmt.Errorf("creating revision 1: %w", err)
	}
	return villages, nil
}

// createVillage creates the village and records, through the status
// subresource, that it holds revision 1; every third keeps its records on
// the platform (S11).
func createVillage(ctx context.Context, c client.Client, v *governancev1alpha1.Village, i int) error {
	if err := c.Create(ctx, v); err != nil {
		return fmt.Errorf("creating village %s: %w", v.Name, err)
	}
	status := fmt.Sprintf(`{"status":{"publishedRevision":1,"paperLedgerExempt":%t}}`, i%3 == 0)
	if err := c.Status().Patch(ctx, v, client.RawPatch(types.MergePatchType, []byte(status))); err != nil {
		return fmt.Errorf("publishing revision 1 to village %s: %w", v.Name, err)
	}
	return nil
}

// createApprovedItem creates a citywide Admission item (through the ListItem
// webhook) and writes the status the ListItem controller would after the
// four units' approvals.
func createApprovedItem(ctx context.Context, c client.Client, i int) (*governancev1alpha1.ListItem, error) {
	item := &governancev1alpha1.ListItem{
		ObjectMeta: metav1.ObjectMeta{Name: itemName(i)},
		Spec: governancev1alpha1.ListItemSpec{
			List: governancev1alpha1.ListAdmission, Title: fmt.Sprintf("协助开展第%d项统计调查入户登记", i),
			Content:                "配合统计部门开展调查的入户摸底、登记工作。",
			Applicant:              governancev1alpha1.Applicant{Kind: governancev1alpha1.ApplicantCityDepartment, Name: department},
			Basis:                  governancev1alpha1.Basis{Kind: governancev1alpha1.BasisLaw, Citation: "《中华人民共和国统计法》第七条"},
			VillageRole:            governancev1alpha1.RoleAssist,
			ResponsibleDepartments: []string{department},
			ResidentFacing:         true,
		},
	}
	if err := c.Create(ctx, item); err != nil {
		return nil, fmt.Errorf("creating item %s: %w", item.Name, err)
	}
	digest := rules.Digest(&item.Spec, nil)
	now := metav1.Now()
	item.Status = governancev1alpha1.ListItemStatus{
		ObservedGeneration: item.Generation, Phase: governancev1alpha1.PhaseApproved, Digest: digest, ApprovedDigest: digest,
		ApprovedAt: &now, ApprovedUnits: 4, RequiredUnits: 4, ApprovalSummary: "4/4",
		Conditions: []metav1.Condition{
			{Type: "Approved", Status: metav1.ConditionTrue, Reason: "AllUnitsApproved", Message: "4/4", LastTransitionTime: now, ObservedGeneration: item.Generation},
			{Type: "Ready", Status: metav1.ConditionTrue, Reason: "Approved", Message: "approved", LastTransitionTime: now, ObservedGeneration: item.Generation},
		},
	}
	for _, unit := range []string{"sjw", "zzb", "mzj", "nyj"} {
		item.Status.Approvals = append(item.Status.Approvals, governancev1alpha1.UnitDecision{Unit: unit, Decision: governancev1alpha1.DecisionApprove,
			Approval: item.Name + "." + unit, VerifiedBy: governancev1alpha1.VerifiedBySignature, By: unit + "-2026", At: now})
	}
	if err := c.Status().Update(ctx, item); err != nil {
		return nil, fmt.Errorf("approving item %s: %w", item.Name, err)
	}
	return item, nil
}

// parallel runs do(0..n-1) on writers goroutines and returns the first error.
func parallel(n int, do func(int) error) error {
	var next atomic.Int64
	var wg sync.WaitGroup
	errs := make(chan error, writers)
	for range writers {
		wg.Go(func() {
			for i := int(next.Add(1) - 1); i < n; i = int(next.Add(1) - 1) {
				if err := do(i); err != nil {
					errs <- err
					return
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	return <-errs
}
