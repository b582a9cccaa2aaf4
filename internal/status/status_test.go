package status_test

import (
	"context"
	"testing"

	. "github.com/onsi/gomega"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/client/fake"
	"sigs.k8s.io/controller-runtime/pkg/client/interceptor"

	governancev1alpha1 "github.com/cunshe/cunshe-operator/api/v1alpha1"
	"github.com/cunshe/cunshe-operator/internal/operator"
	"github.com/cunshe/cunshe-operator/internal/status"
)

// recorder is a fake API server that keeps the status patches it receives.
type recorder struct {
	patches []string
	// conflict makes every status patch a conflict.
	conflict bool
}

func (r *recorder) client(objs ...client.Object) client.Client {
	return fake.NewClientBuilder().WithScheme(operator.Scheme()).WithObjects(objs...).WithStatusSubresource(objs...).
		WithInterceptorFuncs(interceptor.Funcs{SubResourcePatch: func(ctx context.Context, c client.Client, sub string, obj client.Object, patch client.Patch, opts ...client.SubResourcePatchOption) error {
			body, err := patch.Data(obj)
			if err != nil {
				return err
			}
			r.patches = append(r.patches, string(body))
			if r.conflict {
				return apierrors.NewConflict(governancev1alpha1.GroupVersion.WithResource("listrollouts").GroupResource(), obj.GetName(), nil)
			}
			return c.SubResource(sub).Patch(ctx, obj, patch, opts...)
		}}).Build()
}

func village() *governancev1alpha1.Village {
	return &governancev1alpha1.Village{ObjectMeta: metav1.ObjectMeta{Name: "330302006001", Generation: 2}}
}

func TestPatcher(t *testing.T) {
	ctx := context.Background()
	tests := map[string]struct {
		// opts are the patcher's options.
		opts []status.Option
		// stored is the status the API server holds when the pass starts.
		stored governancev1alpha1.SignboardStyleStatus
		// change is what the pass does to the status.
		change func(*governancev1alpha1.SignboardStyleStatus)
		// want are the patch bodies sent, in order.
		want []string
	}{
		"a converged object costs no write": {
			stored: governancev1alpha1.SignboardStyleStatus{Villages: 3},
			change: func(s *governancev1alpha1.SignboardStyleStatus) { s.Villages = 3 },
		},
		"the difference is sent": {
			stored: governancev1alpha1.SignboardStyleStatus{Villages: 3, Compliant: 3},
			change: func(s *governancev1alpha1.SignboardStyleStatus) { s.Compliant = 2; s.Noncompliant = 1 },
			want:   []string{`{"status":{"compliant":2,"noncompliant":1}}`},
		},
		"the whole status sends its zeros and removes what is gone": {
			opts:   []status.Option{status.WithWholeStatus()},
			stored: governancev1alpha1.SignboardStyleStatus{ObservedGeneration: 1, Villages: 3},
			change: func(s *governancev1alpha1.SignboardStyleStatus) { s.ObservedGeneration = 0; s.Compliant = 3 },
			want:   []string{`{"status":{"compliant":3,"missing":0,"noncompliant":0,"observedGeneration":null,"villages":3}}`},
		},
		"the optimistic lock sends the version read": {
			opts:   []status.Option{status.WithOptimisticLock()},
			stored: governancev1alpha1.SignboardStyleStatus{Villages: 3},
			change: func(s *governancev1alpha1.SignboardStyleStatus) { s.Villages = 4 },
			want:   []string{`{"metadata":{"resourceVersion":"999"},"status":{"villages":4}}`},
		},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			g := NewWithT(t)
			stored := &governancev1alpha1.SignboardStyle{ObjectMeta: metav1.ObjectMeta{Name: "330302006"}, Status: tc.stored}
			rec := &recorder{}
			c := rec.client(stored)
			style := &governancev1alpha1.SignboardStyle{}
			g.Expect(c.Get(ctx, client.ObjectKeyFromObject(stored), style)).To(Succeed())
			p := status.NewPatcher(c, style, tc.opts...)
			tc.change(&style.Status)
			g.Expect(p.Patch(ctx, style)).To(Succeed())
			g.Expect(rec.patches).To(HaveLen(len(tc.want)))
			for i, want := range tc.want {
				g.Expect(rec.patches[i]).To(MatchJSON(want))
			}
			got := &governancev1alpha1.SignboardStyle{}
			g.Expect(c.Get(ctx, client.ObjectKeyFromObject(stored), got)).To(Succeed())
			g.Expect(got.Status).To(Equal(style.Status), "the API server holds what the pass computed")
		})
	}
}

// TestPatcherOncePerChange: after a write, the patcher compares with what
// it wrote, so writing the same status again costs nothing.
func TestPatcherOncePerChange(t *testing.T) {
	g := NewWithT(t)
	ctx := context.Background()
	rec := &recorder{}
	v := village()
	c := rec.client(v)
	g.Expect(c.Get(ctx, client.ObjectKeyFromObject(v), v)).To(Succeed())
	p := status.NewPatcher(c, v)
	v.Status.PublishedRevision = 3
	g.Expect(p.Patch(ctx, v)).To(Succeed())
	g.Expect(p.Patch(ctx, v)).To(Succeed())
	g.Expect(rec.patches).To(HaveLen(1))
}

func TestPatcherErrors(t *testing.T) {
	g := NewWithT(t)
	ctx := context.Background()

	// A conflict under the optimistic lock is returned: the caller decides.
	rec := &recorder{conflict: true}
	v := village()
	c := rec.client(v)
	g.Expect(c.Get(ctx, client.ObjectKeyFromObject(v), v)).To(Succeed())
	p := status.NewPatcher(c, v, status.WithOptimisticLock())
	v.Status.PublishedRevision = 3
	err := p.Patch(ctx, v)
	g.Expect(apierrors.IsConflict(err)).To(BeTrue(), "got %v", err)
	g.Expect(err.Error()).To(ContainSubstring("patching status of 330302006001"))

	// An object deleted meanwhile is no error: nothing is left to record.
	gone := village()
	c = (&recorder{}).client(v)
	g.Expect(c.Delete(ctx, v)).To(Succeed())
	p = status.NewPatcher(c, gone)
	gone.Status.PublishedRevision = 3
	g.Expect(p.Patch(ctx, gone)).To(Succeed())
}

func TestSummarise(t *testing.T) {
	tests := map[string]struct {
		// obj and reason are what the controller summarises.
		obj    governancev1alpha1.KStatusObject
		reason string
		// want is Ready, Reconciling, Stalled.
		want [3]metav1.ConditionStatus
	}{
		"a provisioned village is Ready": {village(), governancev1alpha1.ReasonProvisioned,
			[3]metav1.ConditionStatus{metav1.ConditionTrue, metav1.ConditionFalse, metav1.ConditionFalse}},
		"a refused tenant is Stalled": {village(), governancev1alpha1.ReasonProvisionFailed,
			[3]metav1.ConditionStatus{metav1.ConditionFalse, metav1.ConditionFalse, metav1.ConditionTrue}},
		"a tenant retrying is Reconciling": {village(), governancev1alpha1.ReasonProvisionRetrying,
			[3]metav1.ConditionStatus{metav1.ConditionFalse, metav1.ConditionTrue, metav1.ConditionFalse}},
		"an item awaiting its review units is Ready": {&governancev1alpha1.ListItem{}, governancev1alpha1.ReasonPending,
			[3]metav1.ConditionStatus{metav1.ConditionTrue, metav1.ConditionFalse, metav1.ConditionFalse}},
		"a rejected item is Stalled": {&governancev1alpha1.ListItem{}, governancev1alpha1.ReasonRejected,
			[3]metav1.ConditionStatus{metav1.ConditionFalse, metav1.ConditionFalse, metav1.ConditionTrue}},
		"a rollout without a revision is neither": {&governancev1alpha1.ListRollout{}, governancev1alpha1.RolloutNoRevision,
			[3]metav1.ConditionStatus{metav1.ConditionFalse, metav1.ConditionFalse, metav1.ConditionFalse}},
		"a reason the table does not know is in progress, never done": {village(), "Surprise",
			[3]metav1.ConditionStatus{metav1.ConditionFalse, metav1.ConditionTrue, metav1.ConditionFalse}},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			g := NewWithT(t)
			status.Summarise(tc.obj, tc.reason, "why")
			g.Expect(*tc.obj.StatusObservedGeneration()).To(Equal(tc.obj.GetGeneration()))
			for i, typ := range []string{governancev1alpha1.ReadyCondition, governancev1alpha1.ReconcilingCondition, governancev1alpha1.StalledCondition} {
				c := meta.FindStatusCondition(*tc.obj.StatusConditions(), typ)
				g.Expect(c).NotTo(BeNil(), typ)
				g.Expect(c.Status).To(Equal(tc.want[i]), typ)
				g.Expect(c.Reason).To(Equal(tc.reason))
				g.Expect(c.Message).To(Equal("why"))
				g.Expect(c.ObservedGeneration).To(Equal(tc.obj.GetGeneration()))
			}
		})
	}
}

// TestConditionTableCoversEveryKind: every kind that carries kstatus
// conditions has its reasons in the table, and the kinds in the table are
// the API's kinds.
func TestConditionTableCoversEveryKind(t *testing.T) {
	g := NewWithT(t)
	for kind, reasons := range governancev1alpha1.ReadyReasons {
		g.Expect(reasons).NotTo(BeEmpty(), kind)
		_, err := operator.Scheme().New(governancev1alpha1.GroupVersion.WithKind(kind))
		g.Expect(err).NotTo(HaveOccurred(), "%s is no kind of the API", kind)
	}
	for _, obj := range []any{&governancev1alpha1.Village{}, &governancev1alpha1.ListItem{}, &governancev1alpha1.ItemApproval{},
		&governancev1alpha1.ListRevision{}, &governancev1alpha1.ListRollout{}, &governancev1alpha1.Jurisdiction{},
		&governancev1alpha1.PowerFlow{}, &governancev1alpha1.ReviewUnit{}, &governancev1alpha1.Disclosure{},
		&governancev1alpha1.PublicNotice{}, &governancev1alpha1.Report{}, &governancev1alpha1.Task{},
		&governancev1alpha1.SignboardSet{}, &governancev1alpha1.SignboardStyle{},
		&governancev1alpha1.DepartmentCompliance{}, &governancev1alpha1.CountyCompliance{}} {
		g.Expect(governancev1alpha1.ReadyReasons).To(HaveKey(status.KindOf(obj)))
		_, ok := obj.(governancev1alpha1.KStatusObject)
		g.Expect(ok).To(BeTrue(), "%T carries the kstatus conditions", obj)
	}
}
