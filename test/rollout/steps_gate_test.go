package rollout_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	. "github.com/onsi/gomega"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	governancev1alpha1 "github.com/cunshe/cunshe-operator/api/v1alpha1"
)

// TestReadyMeansAdmissionAgrees (after TestPublishing, which creates the
// rollout: go runs the files in name order) does what the README's GitOps gate does, in
// a loop: apply an item and its approvals, wait for the item to be Approved
// and for the rollout to be Ready at its generation (as kubectl wait does),
// then create a task under the item. The task webhook must agree every time:
// the rollout never reads Ready while the item's revision is still to be cut
// or rolled out (issue 16).
func TestReadyMeansAdmissionAgrees(t *testing.T) {
	ctx := context.Background()
	publishCitywide(t, nil)
	for i := range 4 {
		it := item(fmt.Sprintf("gate-%d", i), fmt.Sprintf("协助开展第 %d 项入户登记", i+1), governancev1alpha1.Scope{})
		approveItems(t, it)
		g := NewWithT(t)
		g.Eventually(func(g Gomega) {
			g.Expect(env.Client.Get(ctx, client.ObjectKeyFromObject(it), it)).To(Succeed())
			g.Expect(it.Status.Phase).To(Equal(governancev1alpha1.PhaseApproved))
		}).WithTimeout(20 * time.Second).WithPolling(5 * time.Millisecond).Should(Succeed())
		g.Eventually(func(g Gomega) {
			ro := rollout(g)
			ready := meta.FindStatusCondition(ro.Status.Conditions, governancev1alpha1.ReadyCondition)
			g.Expect(ready).NotTo(BeNil())
			g.Expect(ready.Status).To(Equal(metav1.ConditionTrue))
			g.Expect(ready.ObservedGeneration).To(Equal(ro.Generation))
		}).WithTimeout(30 * time.Second).WithPolling(5 * time.Millisecond).Should(Succeed())
		task := &governancev1alpha1.Task{
			ObjectMeta: metav1.ObjectMeta{Name: fmt.Sprintf("gate-task-%d", i), Namespace: "dept-tjj"},
			Spec: governancev1alpha1.TaskSpec{Title: it.Spec.Title, ItemRef: it.Name, VillageRole: governancev1alpha1.RoleAssist,
				Targets: governancev1alpha1.TaskTargets{All: true}},
		}
		err := env.Client.Create(ctx, task)
		g.Expect(err).NotTo(HaveOccurred(), "round %d: the rollout read Ready (%+v), so every village holds %s", i, rollout(g).Status, it.Name)
	}
}
