// Package jurisdictions tests two cities and their province on one real
// control plane (issue 13): a cluster made before jurisdictions existed
// keeps its lists when its city is declared; each city's items are
// approved by its own units, reach its own villages only and are numbered
// on their own; a province item reaches both cities; and every refusal is
// bilingual and names its rule.
package jurisdictions_test

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/base64"
	"strconv"
	"testing"
	"time"

	. "github.com/onsi/gomega"
	"github.com/prometheus/client_golang/prometheus/testutil"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/yaml"

	governancev1alpha1 "github.com/cunshe/cunshe-operator/api/v1alpha1"
	"github.com/cunshe/cunshe-operator/internal/metrics"
	"github.com/cunshe/cunshe-operator/internal/publish"
	"github.com/cunshe/cunshe-operator/internal/rules"
	"github.com/cunshe/cunshe-operator/internal/tenant"
	"github.com/cunshe/cunshe-operator/internal/testenv"
)

var (
	env *testenv.Env
	// wenzhouUnits are the four units made before jurisdictions existed.
	wenzhouUnits testenv.Units
	// keys of the Hangzhou and province units, by unit name.
	keys = map[string]ed25519.PrivateKey{}
)

var (
	wenzhouVillages  = []string{"330302006001", "330302101201", "330324101201"}
	hangzhouVillages = []string{"330106002001", "330106109201", "330110001201"}
)

func TestMain(m *testing.M) {
	testenv.Run(m, testenv.Options{Manager: true, Setup: seed, OfflineParity: true}, &env)
}

// seed is a single-city cluster as it was before jurisdictions: four units
// and villages, none of them naming a jurisdiction.
func seed(c client.Client) error {
	ctx := context.Background()
	var err error
	if wenzhouUnits, err = testenv.CreateReviewUnits(ctx, c); err != nil {
		return err
	}
	for _, dept := range []string{"tjj", "hz-tjj", "zj-slt"} {
		if err := testenv.CreateDepartment(ctx, c, dept); err != nil {
			return err
		}
	}
	for _, code := range wenzhouVillages {
		if err := c.Create(ctx, testenv.Village(code, governancev1alpha1.TypeVillage)); err != nil {
			return err
		}
	}
	return nil
}

// TestTwoCitiesAndTheirProvince runs in steps that build on each other.
func TestTwoCitiesAndTheirProvince(t *testing.T) {
	ctx := context.Background()
	g := NewWithT(t)

	// 1. Before jurisdictions: one unnamed city, as it always worked.
	wz := item("wz-census", "", "tjj")
	g.Expect(env.Client.Create(ctx, wz)).To(Succeed())
	g.Expect(wenzhouUnits.Approve(ctx, env.Client, wz)).To(Succeed())
	waitForRevision(t, "lists-1", "", "wz-census")
	g.Expect(env.Client.Create(ctx, rollout("wenzhou", ""))).To(Succeed())
	waitForLists(t, wenzhouVillages, 1, "wz-census")

	// 2. Declaring the city changes nothing: no revision, no list written.
	lists := listsVersions(g, wenzhouVillages)
	rolloutPasses := testenv.Passes(t, "listrollout")
	g.Expect(env.Client.Create(ctx, city("3303", "温州市", true, "sjw", "zzb", "mzj", "nyj"))).To(Succeed())
	g.Eventually(func(g Gomega) {
		j := &governancev1alpha1.Jurisdiction{}
		g.Expect(env.Client.Get(ctx, client.ObjectKey{Name: "3303"}, j)).To(Succeed())
		g.Expect(j.Status.Villages).To(BeEquivalentTo(len(wenzhouVillages)))
		g.Expect(j.Status.LatestRevision).To(BeEquivalentTo(1), "the revisions cut before belong to the default city")
		g.Expect(j.Status.RequiredApprovals).To(BeEquivalentTo(4))
		g.Expect(meta.IsStatusConditionTrue(j.Status.Conditions, governancev1alpha1.ReadyCondition)).To(BeTrue())
	}).WithTimeout(20 * time.Second).Should(Succeed())
	// The revision controller has weighed the city's items and has no
	// revision waiting to be cut, and the rollout controller has looked at
	// the city once more: a wrong cut or a list written would be there now.
	g.Eventually(func(g Gomega) {
		g.Expect(testutil.ToFloat64(metrics.RevisionItemsWeighed.WithLabelValues("3303"))).To(BeEquivalentTo(1), "wz-census")
		g.Expect(testutil.ToFloat64(metrics.RevisionSettled.WithLabelValues("3303"))).To(BeEquivalentTo(1))
	}).WithTimeout(20 * time.Second).Should(Succeed())
	testenv.WaitForPass(t, "listrollout", rolloutPasses)
	g.Expect(revisionNames(g)).To(ConsistOf("lists-1"))
	g.Expect(listsVersions(g, wenzhouVillages)).To(Equal(lists))

	// 3. A second city: its own units, villages, items, revisions, rollout.
	g.Expect(env.Client.Create(ctx, city("3301", "杭州市", false, "hz-mzj", "hz-nyj"))).To(Succeed())
	for _, u := range []string{"hz-mzj", "hz-nyj"} {
		g.Expect(env.Client.Create(ctx, unit(u, "3301"))).To(Succeed())
	}
	for _, code := range hangzhouVillages {
		g.Expect(env.Client.Create(ctx, testenv.Village(code, governancev1alpha1.TypeVillage))).To(Succeed())
	}
	hz := item("hz-census", "3301", "hz-tjj")
	g.Expect(env.Client.Create(ctx, hz)).To(Succeed())
	g.Expect(wenzhouUnits.Approve(ctx, env.Client, hz)).NotTo(Succeed(), "Wenzhou's units cannot approve a Hangzhou item")
	approve(t, hz, "hz-mzj", "hz-nyj")
	waitForRevision(t, "lists-3301-1", "3301", "hz-census")
	g.Expect(env.Client.Create(ctx, rollout("hangzhou", "3301"))).To(Succeed())
	waitForLists(t, hangzhouVillages, 1, "hz-census")
	waitForLists(t, wenzhouVillages, 1, "wz-census") // untouched

	// 4. The province: one item, approved once, in both cities' next revision.
	g.Expect(env.Client.Create(ctx, province("33", "浙江省", "zj-mzt"))).To(Succeed())
	g.Expect(env.Client.Create(ctx, unit("zj-mzt", "33"))).To(Succeed())
	zj := item("zj-flood-check", "33", "zj-slt")
	g.Expect(env.Client.Create(ctx, zj)).To(Succeed())
	approve(t, zj, "zj-mzt")
	waitForRevision(t, "lists-2", "", "wz-census", "zj-flood-check")
	waitForRevision(t, "lists-3301-2", "3301", "hz-census", "zj-flood-check")
	waitForLists(t, wenzhouVillages, 2, "wz-census", "zj-flood-check")
	waitForLists(t, hangzhouVillages, 2, "hz-census", "zj-flood-check")
}

// TestRefusals: what crosses a city's border is refused, bilingually, with
// the rule; nothing is stored.
func TestRefusals(t *testing.T) {
	ctx := context.Background()
	g := NewWithT(t)
	g.Eventually(func() error { // the first test declared the cities
		return env.Client.Get(ctx, client.ObjectKey{Name: "3301"}, &governancev1alpha1.Jurisdiction{})
	}).WithTimeout(time.Minute).Should(Succeed())

	tests := map[string]struct {
		obj  client.Object
		want []string
	}{
		"a village whose code names no declared city": {
			obj:  testenv.Village("320102001001", governancev1alpha1.TypeCommunity),
			want: []string{"S1 ", "3201", "Known jurisdictions: ", "3301 杭州市", "3303 温州市"},
		},
		"a Wenzhou rollout that names a Hangzhou county": {
			obj:  &governancev1alpha1.ListRollout{ObjectMeta: metav1.ObjectMeta{Name: "wenzhou-into-hangzhou"}, Spec: governancev1alpha1.ListRolloutSpec{Jurisdiction: "3303", Steps: []governancev1alpha1.RolloutStep{{Counties: []string{"330106"}}}}},
			want: []string{"S1 ", "county 330106 is not in the rollout's city 3303"},
		},
		"an item of a jurisdiction that does not exist": {
			obj:  item("nowhere", "3399", "tjj"),
			want: []string{"S1 ", `jurisdiction "3399" does not exist`},
		},
		"a Hangzhou item scoped to a Wenzhou county": {
			obj: func() client.Object {
				it := item("hz-into-wenzhou", "3301", "hz-tjj")
				it.Spec.Scope.Counties = []string{"330302"}
				return it
			}(),
			want: []string{"S2 ", "scope county 330302 is not in the item's jurisdiction 3301"},
		},
		"a second default city": {
			obj:  city("3302", "宁波市", true),
			want: []string{"S1 ", "the default city is already 3303"},
		},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			g := NewWithT(t)
			err := env.Client.Create(ctx, tc.obj)
			g.Expect(err).To(HaveOccurred())
			for _, piece := range tc.want {
				g.Expect(err.Error()).To(ContainSubstring(piece))
			}
			g.Expect(err.Error()).To(MatchRegexp(`\p{Han}`), "the refusal speaks Chinese too")
			got := tc.obj.DeepCopyObject().(client.Object)
			g.Expect(env.Client.Get(ctx, client.ObjectKeyFromObject(tc.obj), got)).NotTo(Succeed(), "nothing is stored")
		})
	}

	t.Run("an approval by another city's unit", func(t *testing.T) {
		g := NewWithT(t)
		wz := &governancev1alpha1.ListItem{}
		g.Expect(env.Client.Get(ctx, client.ObjectKey{Name: "wz-census"}, wz)).To(Succeed())
		a := signedApproval(wz, "hz-mzj")
		err := env.Client.Create(ctx, a)
		g.Expect(err).To(HaveOccurred())
		g.Expect(err.Error()).To(ContainSubstring(`S5 联审单位 "hz-mzj" 属于辖区 3301`))
		g.Expect(err.Error()).To(ContainSubstring(`review unit "hz-mzj" belongs to jurisdiction 3301 and cannot review items of jurisdiction 3303`))
	})
}

func city(code, name string, def bool, units ...string) *governancev1alpha1.Jurisdiction {
	return &governancev1alpha1.Jurisdiction{ObjectMeta: metav1.ObjectMeta{Name: code}, Spec: governancev1alpha1.JurisdictionSpec{
		Code: code, Name: name, Level: governancev1alpha1.LevelCity, Default: def, Review: governancev1alpha1.JointReview{Units: units}}}
}

func province(code, name string, units ...string) *governancev1alpha1.Jurisdiction {
	return &governancev1alpha1.Jurisdiction{ObjectMeta: metav1.ObjectMeta{Name: code}, Spec: governancev1alpha1.JurisdictionSpec{
		Code: code, Name: name, Level: governancev1alpha1.LevelProvince, Review: governancev1alpha1.JointReview{Units: units}}}
}

// unit is a review unit of a jurisdiction with a fresh key.
func unit(name, jurisdiction string) *governancev1alpha1.ReviewUnit {
	pub, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		panic(err)
	}
	keys[name] = priv
	return &governancev1alpha1.ReviewUnit{ObjectMeta: metav1.ObjectMeta{Name: name}, Spec: governancev1alpha1.ReviewUnitSpec{
		DisplayName: name, Group: "cunshe:unit:" + name, Jurisdiction: jurisdiction,
		PublicKeys: []governancev1alpha1.PublicKey{{ID: name + "-test", Ed25519: base64.StdEncoding.EncodeToString(pub)}}}}
}

// item is an item of the jurisdiction applied for by dept: a city
// department, or a province department for a province (2-digit code, S4).
func item(name, jurisdiction, dept string) *governancev1alpha1.ListItem {
	kind := governancev1alpha1.ApplicantCityDepartment
	if len(jurisdiction) == 2 {
		kind = governancev1alpha1.ApplicantProvinceDepartment
	}
	return &governancev1alpha1.ListItem{ObjectMeta: metav1.ObjectMeta{Name: name}, Spec: governancev1alpha1.ListItemSpec{
		List: governancev1alpha1.ListAdmission, Jurisdiction: jurisdiction, Title: "协助开展" + name, VillageRole: governancev1alpha1.RoleAssist,
		Applicant: governancev1alpha1.Applicant{Kind: kind, Name: dept},
		Basis:     governancev1alpha1.Basis{Kind: governancev1alpha1.BasisRegulation, Citation: "《全国人口普查条例》第十条"},
	}}
}

func rollout(name, jurisdiction string) *governancev1alpha1.ListRollout {
	return &governancev1alpha1.ListRollout{ObjectMeta: metav1.ObjectMeta{Name: name}, Spec: governancev1alpha1.ListRolloutSpec{Jurisdiction: jurisdiction}}
}

func signedApproval(it *governancev1alpha1.ListItem, unit string) *governancev1alpha1.ItemApproval {
	a := &governancev1alpha1.ItemApproval{ObjectMeta: metav1.ObjectMeta{Name: it.Name + "." + unit},
		Spec: governancev1alpha1.ItemApprovalSpec{Item: it.Name, Digest: rules.Digest(&it.Spec, nil), Unit: unit, Decision: governancev1alpha1.DecisionApprove}}
	rules.Sign(&a.Spec, unit+"-test", keys[unit])
	return a
}

// approve applies the units' signed approvals and waits for Approved.
func approve(t *testing.T, it *governancev1alpha1.ListItem, units ...string) {
	t.Helper()
	g := NewWithT(t)
	for _, u := range units {
		g.Expect(env.Client.Create(context.Background(), signedApproval(it, u))).To(Succeed())
	}
	g.Eventually(func(g Gomega) {
		got := &governancev1alpha1.ListItem{}
		g.Expect(env.Client.Get(context.Background(), client.ObjectKeyFromObject(it), got)).To(Succeed())
		g.Expect(got.Status.Phase).To(Equal(governancev1alpha1.PhaseApproved))
		g.Expect(got.Status.ApprovalSummary).To(Equal(strconv.Itoa(len(units)) + "/" + strconv.Itoa(len(units))))
	}).WithTimeout(20 * time.Second).Should(Succeed())
}

func revisionNames(g Gomega) []string {
	list := &governancev1alpha1.ListRevisionList{}
	g.Expect(env.Client.List(context.Background(), list)).To(Succeed())
	var names []string
	for _, r := range list.Items {
		names = append(names, r.Name)
	}
	return names
}

func waitForRevision(t *testing.T, name, jurisdiction string, items ...string) {
	t.Helper()
	NewWithT(t).Eventually(func(g Gomega) {
		rev := &governancev1alpha1.ListRevision{}
		g.Expect(env.Client.Get(context.Background(), client.ObjectKey{Name: name}, rev)).To(Succeed())
		if jurisdiction != "" {
			g.Expect(rev.Spec.Jurisdiction).To(Equal(jurisdiction))
		}
		var names []string
		for _, it := range rev.Spec.Items {
			names = append(names, it.Name)
		}
		g.Expect(names).To(ConsistOf(items))
	}).WithTimeout(30 * time.Second).Should(Succeed())
}

// waitForLists waits until every village's lists hold the revision with
// exactly these items (annotation and content agreeing).
func waitForLists(t *testing.T, villages []string, revision int64, items ...string) {
	t.Helper()
	NewWithT(t).Eventually(func(g Gomega) {
		for _, code := range villages {
			cm := listsOf(g, code)
			g.Expect(cm.Annotations[publish.AnnotationRevision]).To(Equal(strconv.FormatInt(revision, 10)), "village %s", code)
			data, ok, err := publish.Load(cm)
			g.Expect(err).NotTo(HaveOccurred())
			g.Expect(ok).To(BeTrue())
			var lists publish.VillageLists
			g.Expect(yaml.Unmarshal([]byte(data), &lists)).To(Succeed())
			g.Expect(lists.Revision).To(Equal(revision), "village %s: annotation and content agree", code)
			var names []string
			for _, l := range lists.Lists {
				for _, it := range l.Items {
					names = append(names, it.Name)
				}
			}
			g.Expect(names).To(ConsistOf(items), "village %s holds exactly its city's items", code)
		}
	}).WithTimeout(60 * time.Second).Should(Succeed())
}

func listsOf(g Gomega, code string) *corev1.ConfigMap {
	cm := &corev1.ConfigMap{}
	g.Expect(env.Client.Get(context.Background(), client.ObjectKey{Namespace: governancev1alpha1.TenantNamespaceName(code), Name: tenant.ListsConfigMap}, cm)).To(Succeed())
	return cm
}

func listsVersions(g Gomega, villages []string) map[string]string {
	out := map[string]string{}
	for _, code := range villages {
		out[code] = listsOf(g, code).ResourceVersion
	}
	return out
}
