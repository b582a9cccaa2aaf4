// Package rollout tests publishing end to end on a real control plane: list
// revisions cut from approved items, staged rollouts to the villages'
// cunshe-lists ConfigMaps, promote, abort, undo, restarts and pruning.
package rollout_test

import (
	"context"
	"fmt"
	"strconv"
	"testing"
	"time"

	. "github.com/onsi/gomega"
	"github.com/prometheus/client_golang/prometheus/testutil"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/yaml"

	governancev1alpha1 "github.com/cunshe/cunshe-operator/api/v1alpha1"
	"github.com/cunshe/cunshe-operator/internal/metrics"
	"github.com/cunshe/cunshe-operator/internal/publish"
	"github.com/cunshe/cunshe-operator/internal/tenant"
	"github.com/cunshe/cunshe-operator/internal/testenv"
)

var (
	env   *testenv.Env
	units testenv.Units
)

// The villages of the suite: a pilot county (鹿城区 330302) and two others.
var villages = map[string]governancev1alpha1.VillageType{
	"330302006001": governancev1alpha1.TypeCommunity, "330302006002": governancev1alpha1.TypeCommunity,
	"330302101201": governancev1alpha1.TypeVillage, "330302101202": governancev1alpha1.TypeVillage,
	"330303001001": governancev1alpha1.TypeCommunity, "330303101201": governancev1alpha1.TypeVillage,
	"330303101202": governancev1alpha1.TypeVillage,
	"330324001001": governancev1alpha1.TypeCommunity, "330324101201": governancev1alpha1.TypeVillage,
	"330324101202": governancev1alpha1.TypeVillage,
}

func TestMain(m *testing.M) {
	testenv.Run(m, testenv.Options{Manager: true, Setup: seed}, &env)
}

func seed(c client.Client) error {
	ctx := context.Background()
	var err error
	if units, err = testenv.CreateReviewUnits(ctx, c); err != nil {
		return err
	}
	if err := testenv.CreateDepartment(ctx, c, "tjj"); err != nil {
		return err
	}
	for code, typ := range villages {
		if err := c.Create(ctx, testenv.Village(code, typ)); err != nil {
			return err
		}
	}
	return nil
}

func item(name, title string, scope governancev1alpha1.Scope) *governancev1alpha1.ListItem {
	return &governancev1alpha1.ListItem{
		ObjectMeta: metav1.ObjectMeta{Name: name},
		Spec: governancev1alpha1.ListItemSpec{
			List: governancev1alpha1.ListAdmission, Title: title, VillageRole: governancev1alpha1.RoleAssist,
			Applicant: governancev1alpha1.Applicant{Kind: governancev1alpha1.ApplicantCityDepartment, Name: "tjj"},
			Basis:     governancev1alpha1.Basis{Kind: governancev1alpha1.BasisLaw, Citation: "《中华人民共和国统计法》第七条"},
			Scope:     scope,
		},
	}
}

func approveItems(t *testing.T, items ...*governancev1alpha1.ListItem) {
	t.Helper()
	g := NewWithT(t)
	ctx := context.Background()
	for _, it := range items {
		g.Expect(env.Client.Create(ctx, it)).To(Succeed())
	}
	for _, it := range items {
		g.Expect(units.Approve(ctx, env.Client, it)).To(Succeed())
	}
}

func revisions(g Gomega) []governancev1alpha1.ListRevision {
	list := &governancev1alpha1.ListRevisionList{}
	g.Expect(env.Client.List(context.Background(), list)).To(Succeed())
	return list.Items
}

// revisionsSettled waits until a pass of the revision controller has
// weighed every item there is and left no revision waiting to be cut (the
// controller's own gauges): a test of absence reads the revisions then, not
// after a delay that may be shorter than the settle window.
func revisionsSettled(t *testing.T) {
	t.Helper()
	NewWithT(t).Eventually(func(g Gomega) {
		items := &governancev1alpha1.ListItemList{}
		g.Expect(env.Client.List(context.Background(), items)).To(Succeed())
		g.Expect(testutil.ToFloat64(metrics.RevisionItemsWeighed.WithLabelValues(""))).To(BeEquivalentTo(len(items.Items)))
		g.Expect(testutil.ToFloat64(metrics.RevisionSettled.WithLabelValues(""))).To(BeEquivalentTo(1))
	}).WithTimeout(30 * time.Second).Should(Succeed())
}

func waitForRevision(t *testing.T, n int64, items ...string) {
	t.Helper()
	NewWithT(t).Eventually(func(g Gomega) {
		rev := &governancev1alpha1.ListRevision{}
		g.Expect(env.Client.Get(context.Background(), client.ObjectKey{Name: governancev1alpha1.RevisionName("", n)}, rev)).To(Succeed())
		var names []string
		for _, it := range rev.Spec.Items {
			names = append(names, it.Name)
		}
		g.Expect(names).To(ConsistOf(items))
	}).WithTimeout(20 * time.Second).Should(Succeed())
}

// held reads what each village holds: its revision, checking on the way
// that the ConfigMap's annotation and content agree (never a mix).
func held(g Gomega) map[string]int64 {
	out := map[string]int64{}
	for code := range villages {
		cm := &corev1.ConfigMap{}
		g.Expect(env.Client.Get(context.Background(), client.ObjectKey{Namespace: governancev1alpha1.TenantNamespaceName(code), Name: tenant.ListsConfigMap}, cm)).To(Succeed())
		rev, _ := strconv.ParseInt(cm.Annotations[publish.AnnotationRevision], 10, 64)
		if rev != 0 {
			lists := contents(g, cm)
			g.Expect(lists.Revision).To(Equal(rev), "village %s: annotation and content disagree", code)
		}
		out[code] = rev
	}
	return out
}

func contents(g Gomega, cm *corev1.ConfigMap) publish.VillageLists {
	var lists publish.VillageLists
	data, ok, err := publish.Load(cm)
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(ok).To(BeTrue(), "the ConfigMap holds lists")
	g.Expect(yaml.Unmarshal([]byte(data), &lists)).To(Succeed())
	return lists
}

func itemsOf(t *testing.T, code string) []string {
	g := NewWithT(t)
	cm := &corev1.ConfigMap{}
	g.Expect(env.Client.Get(context.Background(), client.ObjectKey{Namespace: governancev1alpha1.TenantNamespaceName(code), Name: tenant.ListsConfigMap}, cm)).To(Succeed())
	var names []string
	for _, l := range contents(g, cm).Lists {
		for _, it := range l.Items {
			names = append(names, it.Name)
		}
	}
	return names
}

// expectHeld waits until each village holds the revision want gives it.
func expectHeld(t *testing.T, want func(code string) int64) {
	t.Helper()
	NewWithT(t).Eventually(func(g Gomega) {
		got := held(g)
		for code := range villages {
			g.Expect(got[code]).To(Equal(want(code)), "village %s", code)
		}
	}).WithTimeout(30 * time.Second).Should(Succeed())
}

func pilotOr(pilot, others int64) func(string) int64 {
	return func(code string) int64 {
		if code[:6] == "330302" {
			return pilot
		}
		return others
	}
}

func rollout(g Gomega) *governancev1alpha1.ListRollout {
	ro := &governancev1alpha1.ListRollout{}
	g.Expect(env.Client.Get(context.Background(), client.ObjectKey{Name: "citywide"}, ro)).To(Succeed())
	return ro
}

func annotate(t *testing.T, key, value string) {
	t.Helper()
	g := NewWithT(t)
	ro := rollout(g)
	patch := client.MergeFrom(ro.DeepCopy())
	if ro.Annotations == nil {
		ro.Annotations = map[string]string{}
	}
	ro.Annotations[key] = value
	g.Expect(env.Client.Patch(context.Background(), ro, patch)).To(Succeed())
}

// lookedAt makes the rollout controller look at the rollout once more (a
// metadata change) and waits until that pass is done: what the villages
// hold then is what the controller leaves them, not what a delay saw.
func lookedAt(t *testing.T, why string) {
	t.Helper()
	passes := testenv.Passes(t, "listrollout")
	annotate(t, "test.cunshe.io/looked-at", why)
	testenv.WaitForPass(t, "listrollout", passes)
}

func expectReadyReason(t *testing.T, reason string) {
	t.Helper()
	NewWithT(t).Eventually(func(g Gomega) {
		c := meta.FindStatusCondition(rollout(g).Status.Conditions, governancev1alpha1.ReadyCondition)
		g.Expect(c).NotTo(BeNil())
		g.Expect(c.Reason).To(Equal(reason))
	}).WithTimeout(30 * time.Second).Should(Succeed())
}

func TestPublishing(t *testing.T) {
	ctx := context.Background()
	// Villages need their tenants before anything can be published to them.
	NewWithT(t).Eventually(func(g Gomega) { held(g) }).WithTimeout(60 * time.Second).Should(Succeed())

	t.Run("items approved together make one revision", func(t *testing.T) {
		approveItems(t, item("census", "协助开展人口普查入户登记", governancev1alpha1.Scope{}),
			item("conscription", "协助开展征兵登记", governancev1alpha1.Scope{}))
		waitForRevision(t, 1, "census", "conscription")
		revisionsSettled(t)
		NewWithT(t).Expect(revisions(NewWithT(t))).To(HaveLen(1), "the settle window passed with nothing more to cut")
	})

	t.Run("no revision for unchanged content", func(t *testing.T) {
		g := NewWithT(t)
		// A pending item does not change what is published.
		g.Expect(env.Client.Create(ctx, item("pending", "尚未审核的事项", governancev1alpha1.Scope{}))).To(Succeed())
		revisionsSettled(t)
		g.Expect(revisions(g)).To(HaveLen(1), "a pass that weighed the pending item cut nothing and waits to cut nothing")
	})

	t.Run("a staged rollout reaches the pilot county and pauses", func(t *testing.T) {
		g := NewWithT(t)
		g.Expect(env.Client.Create(ctx, &governancev1alpha1.ListRollout{
			ObjectMeta: metav1.ObjectMeta{Name: "citywide"},
			Spec: governancev1alpha1.ListRolloutSpec{Steps: []governancev1alpha1.RolloutStep{
				{Counties: []string{"330302"}}, {Pause: &governancev1alpha1.RolloutPause{}}, {Percent: ptr.To[int32](100)},
			}},
		})).To(Succeed())
		expectHeld(t, pilotOr(1, 0))
		expectReadyReason(t, "Paused")
		ro := rollout(g)
		g.Expect(ro.Status.UpdatedVillages).To(Equal(int32(4)))
		g.Expect(ro.Status.TotalVillages).To(Equal(int32(10)))
		g.Expect(ro.Status.Counties).To(ContainElement(governancev1alpha1.CountyProgress{Code: "330302", Updated: 4, Total: 4}))
		g.Expect(meta.IsStatusConditionTrue(ro.Status.Conditions, governancev1alpha1.ReconcilingCondition)).To(BeTrue())
	})

	t.Run("promote publishes citywide and the village status shows it", func(t *testing.T) {
		annotate(t, governancev1alpha1.AnnotationPromote, "1")
		expectHeld(t, func(string) int64 { return 1 })
		expectReadyReason(t, "Published")
		NewWithT(t).Eventually(func(g Gomega) {
			v := &governancev1alpha1.Village{}
			g.Expect(env.Client.Get(ctx, client.ObjectKey{Name: "330324101201"}, v)).To(Succeed())
			g.Expect(v.Status.PublishedRevision).To(Equal(int64(1)))
		}).WithTimeout(15 * time.Second).Should(Succeed())
	})

	t.Run("repairing a village's ConfigMap keeps its published lists", func(t *testing.T) {
		g := NewWithT(t)
		key := client.ObjectKey{Namespace: governancev1alpha1.TenantNamespaceName("330324101201"), Name: tenant.ListsConfigMap}
		cm := &corev1.ConfigMap{}
		g.Expect(env.Client.Get(ctx, key, cm)).To(Succeed())
		data := cm.Data[publish.DataKey]
		g.Expect(data).NotTo(BeEmpty())
		patch := client.MergeFrom(cm.DeepCopy())
		cm.Labels[governancev1alpha1.LabelCounty] = "999999" // drift the village controller repairs
		g.Expect(env.Client.Patch(ctx, cm, patch)).To(Succeed())
		g.Eventually(func(g Gomega) {
			g.Expect(env.Client.Get(ctx, key, cm)).To(Succeed())
			g.Expect(cm.Labels).To(HaveKeyWithValue(governancev1alpha1.LabelCounty, "330324"))
			g.Expect(cm.Data).To(HaveKeyWithValue(publish.DataKey, data), "the repair patches labels only")
		}).WithTimeout(15 * time.Second).Should(Succeed())
	})

	t.Run("a new revision filters by county and type", func(t *testing.T) {
		approveItems(t, item("lw-community-only", "龙湾区社区协助开展流动人口登记", governancev1alpha1.Scope{
			Counties: []string{"330303"}, VillageTypes: []governancev1alpha1.VillageType{governancev1alpha1.TypeCommunity}}))
		waitForRevision(t, 2, "census", "conscription", "lw-community-only")
		expectHeld(t, pilotOr(2, 1))
		expectReadyReason(t, "Paused")
		annotate(t, governancev1alpha1.AnnotationPromote, "2")
		expectHeld(t, func(string) int64 { return 2 })
		g := NewWithT(t)
		g.Expect(itemsOf(t, "330303001001")).To(ConsistOf("census", "conscription", "lw-community-only"))
		g.Expect(itemsOf(t, "330303101201")).To(ConsistOf("census", "conscription"), "a village is not a community")
		g.Expect(itemsOf(t, "330302006001")).To(ConsistOf("census", "conscription"), "another county")
	})

	t.Run("a restarted manager converges with no mixed revision", func(t *testing.T) {
		approveItems(t, item("medical-insurance", "协助开展城乡居民医保参保动员", governancev1alpha1.Scope{}))
		waitForRevision(t, 3, "census", "conscription", "lw-community-only", "medical-insurance")
		expectHeld(t, pilotOr(3, 2))
		NewWithT(t).Expect(env.RestartManager()).To(Succeed())
		lookedAt(t, "restarted")
		NewWithT(t).Expect(held(NewWithT(t))).To(Equal(map[string]int64{"330302006001": 3, "330302006002": 3, "330302101201": 3, "330302101202": 3,
			"330303001001": 2, "330303101201": 2, "330303101202": 2, "330324001001": 2, "330324101201": 2, "330324101202": 2}),
			"a restart moves nothing past a pause")
		annotate(t, governancev1alpha1.AnnotationPromote, "3")
		expectHeld(t, func(string) int64 { return 3 })
		expectReadyReason(t, "Published")
	})

	t.Run("abort holds the villages where they are", func(t *testing.T) {
		approveItems(t, item("garbage-sorting", "协助开展垃圾分类宣传", governancev1alpha1.Scope{}))
		waitForRevision(t, 4, "census", "conscription", "lw-community-only", "medical-insurance", "garbage-sorting")
		expectHeld(t, pilotOr(4, 3))
		annotate(t, governancev1alpha1.AnnotationAbort, "true")
		annotate(t, governancev1alpha1.AnnotationPromote, "4")
		expectReadyReason(t, "Aborted")
		lookedAt(t, "aborted")
		g := NewWithT(t)
		g.Expect(held(g)).To(Equal(map[string]int64{"330302006001": 4, "330302006002": 4, "330302101201": 4, "330302101202": 4,
			"330303001001": 3, "330303101201": 3, "330303101202": 3, "330324001001": 3, "330324101201": 3, "330324101202": 3}))
		g.Expect(meta.IsStatusConditionTrue(rollout(g).Status.Conditions, governancev1alpha1.StalledCondition)).To(BeTrue())
	})

	t.Run("undo returns every village to the previous revision", func(t *testing.T) {
		g := NewWithT(t)
		ro := rollout(g)
		g.Expect(ro.Status.PreviousRevision).To(Equal(int64(3)))
		patch := client.MergeFrom(ro.DeepCopy())
		ro.Spec.Revision = ro.Status.PreviousRevision
		delete(ro.Annotations, governancev1alpha1.AnnotationAbort)
		g.Expect(env.Client.Patch(ctx, ro, patch)).To(Succeed())
		expectHeld(t, func(string) int64 { return 3 })
		expectReadyReason(t, "Published")
	})

	t.Run("pruning keeps revisions in use", func(t *testing.T) {
		for i := range 3 {
			approveItems(t, item(fmt.Sprintf("extra-%d", i), fmt.Sprintf("附加事项 %d", i), governancev1alpha1.Scope{}))
			NewWithT(t).Eventually(func(g Gomega) {
				g.Expect(env.Client.Get(ctx, client.ObjectKey{Name: governancev1alpha1.RevisionName("", int64(5+i))}, &governancev1alpha1.ListRevision{})).To(Succeed())
			}).WithTimeout(20 * time.Second).Should(Succeed())
		}
		// History limit 2: 7 (latest), 6 and 5 stay; 3 is held by every village
		// and pinned, 4 is what undo left as previous; 1 and 2 are pruned.
		NewWithT(t).Eventually(func(g Gomega) []int64 {
			var ns []int64
			for _, r := range revisions(g) {
				ns = append(ns, r.Spec.Revision)
			}
			return ns
		}).WithTimeout(20 * time.Second).Should(ConsistOf(int64(3), int64(4), int64(5), int64(6), int64(7)))
		expectHeld(t, func(string) int64 { return 3 })
	})

	t.Run("a revision cannot be edited", func(t *testing.T) {
		g := NewWithT(t)
		rev := &governancev1alpha1.ListRevision{}
		g.Expect(env.Client.Get(ctx, client.ObjectKey{Name: governancev1alpha1.RevisionName("", 3)}, rev)).To(Succeed())
		rev.Spec.Items = rev.Spec.Items[:1]
		err := env.Client.Update(ctx, rev)
		g.Expect(apierrors.IsInvalid(err)).To(BeTrue(), "%v", err)
		g.Expect(err.Error()).To(ContainSubstring("清单版本一经生成不可修改 / a list revision is immutable"))
	})
}
