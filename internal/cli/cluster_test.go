package cli

import (
	"os"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/client-go/rest"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/client/fake"
	"sigs.k8s.io/controller-runtime/pkg/client/interceptor"

	governancev1alpha1 "github.com/cunshe/cunshe-operator/api/v1alpha1"
	"github.com/cunshe/cunshe-operator/internal/publish"
	"github.com/cunshe/cunshe-operator/internal/rules"
	"github.com/cunshe/cunshe-operator/internal/tenant"
)

// testNow is the clock of the cluster tests: a week after revision 3.
var testNow = time.Date(2026, 11, 26, 8, 0, 0, 123456789, time.UTC)

// city is the cluster the rollout, diff and lists tests read: the objects
// of testdata/cluster/objects.yaml, three revisions, the rollout wenzhou
// paused at step 2 of 4 with revision 3 on 鹿城区's two communities, and
// each village's lists ConfigMap as the operator renders it.
type city struct {
	villages  []*governancev1alpha1.Village
	items     map[string]*governancev1alpha1.ListItem
	flows     map[string]*governancev1alpha1.PowerFlow
	revisions map[int64]*governancev1alpha1.ListRevision
	rollout   *governancev1alpha1.ListRollout
	lists     map[string]*corev1.ConfigMap // by village code
}

// holds is the revision each village's ConfigMap holds; 0: none yet (武阳村's
// tenant was just provisioned).
var holds = map[string]int64{
	"330302006044": 3, "330302006045": 3, // 鹿城区, step 1
	"330303014215": 2, "330324002247": 2, "330324108207": 2,
	"330328102227": 0,
}

func newCity(t *testing.T) *city {
	t.Helper()
	const file = "testdata/cluster/objects.yaml"
	data, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	ms, err := decodeManifests(file, data)
	if err != nil {
		t.Fatal(err)
	}
	c := &city{items: map[string]*governancev1alpha1.ListItem{}, flows: map[string]*governancev1alpha1.PowerFlow{},
		revisions: map[int64]*governancev1alpha1.ListRevision{}, lists: map[string]*corev1.ConfigMap{}}
	for _, m := range ms {
		switch o := m.obj.(type) {
		case *governancev1alpha1.Village:
			c.villages = append(c.villages, o)
		case *governancev1alpha1.ListItem:
			o.Status.Digest = rules.Digest(&o.Spec, nil)
			o.Status.ApprovedDigest, o.Status.Phase = o.Status.Digest, governancev1alpha1.PhaseApproved
			if o.Spec.Retirement != nil {
				o.Status.Phase = governancev1alpha1.PhaseRetired
			}
			c.items[o.Name] = o
		case *governancev1alpha1.PowerFlow:
			c.flows[o.Name] = o
		}
	}

	// Revision 1 holds an earlier, since re-approved version of the head's
	// duty; revision 2 retires a certificate (S7) and adds items; revision 3
	// adds more.
	older := c.items["l4-director-affairs-disclosure"].Spec.DeepCopy()
	older.Title = "村委会主任组织村务公开"
	first := []string{"l1-census-assist", "l1-conscription-registration", "l2-family-relationship", "l2-residence-certificate",
		"l4-director-affairs-disclosure", "l5-no-tender-interference", "l6-village-engineering-project"}
	second := append(slices.DeleteFunc(slices.Clone(first), func(n string) bool { return n == "l2-family-relationship" }),
		"l1-medical-insurance-enrolment", "l3-old-town-community-service", "l6-rural-homestead-application")
	third := append(slices.Clone(second), "l1-village-rules-revision", "l3-village-accounts-agency")
	c.addRevision(1, time.Date(2026, 9, 1, 10, 0, 0, 0, time.UTC), first, map[string]string{"l4-director-affairs-disclosure": rules.Digest(older, nil)})
	c.addRevision(2, time.Date(2026, 10, 15, 10, 0, 0, 0, time.UTC), second, nil)
	c.addRevision(3, time.Date(2026, 11, 19, 10, 0, 0, 0, time.UTC), third, nil)

	catalog := publish.Catalog{Items: c.items, Flows: c.flows}
	for _, v := range c.villages {
		labels := tenant.Labels(v)
		labels[tenant.LabelLists] = "true"
		cm := &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: tenant.ListsConfigMap, Namespace: governancev1alpha1.TenantNamespaceName(v.Spec.Code), Labels: labels}}
		if n := holds[v.Spec.Code]; n != 0 {
			data, hash, err := publish.Render(publish.ForVillage(c.revisions[n], v, catalog))
			if err != nil {
				t.Fatal(err)
			}
			cm.Annotations = map[string]string{publish.AnnotationRevision: strconv.FormatInt(n, 10), publish.AnnotationContentHash: hash}
			cm.Data = map[string]string{publish.DataKey: data}
		}
		c.lists[v.Spec.Code] = cm
	}

	c.rollout = &governancev1alpha1.ListRollout{
		ObjectMeta: metav1.ObjectMeta{Name: "wenzhou", Generation: 1, CreationTimestamp: metav1.NewTime(time.Date(2026, 9, 1, 9, 0, 0, 0, time.UTC))},
		Spec: governancev1alpha1.ListRolloutSpec{Steps: []governancev1alpha1.RolloutStep{
			{Counties: []string{"330302"}},
			{Pause: &governancev1alpha1.RolloutPause{}},
			{Percent: ptr.To[int32](50)},
			{Pause: &governancev1alpha1.RolloutPause{Duration: &metav1.Duration{Duration: time.Hour}}},
		}},
		Status: governancev1alpha1.ListRolloutStatus{
			ObservedGeneration: 1, CurrentRevision: 3, PreviousRevision: 2, CurrentStep: 1,
			PauseStartedAt:  &metav1.Time{Time: testNow.Add(-40 * time.Minute).Truncate(time.Second)},
			UpdatedVillages: 2, TotalVillages: 6,
			Counties: []governancev1alpha1.CountyProgress{
				{Code: "330302", Updated: 2, Total: 2}, {Code: "330303", Total: 1}, {Code: "330324", Total: 2}, {Code: "330328", Total: 1},
			},
		},
	}
	setConditions(c.rollout, metav1.ConditionFalse, "Paused",
		"在第 2 步暂停，等待放行 / paused at step 2 until promoted. 第 3 版已下发 2/6 个村社 / revision 3 reached 2 of 6 villages", true, false)
	return c
}

// addRevision cuts revision n of the named items; digests overrides the
// approved digest of some.
func (c *city) addRevision(n int64, created time.Time, names []string, digests map[string]string) {
	var items []governancev1alpha1.PublishedItem
	for _, name := range names {
		it := c.items[name]
		d := it.Status.ApprovedDigest
		if o, ok := digests[name]; ok {
			d = o
		}
		items = append(items, governancev1alpha1.PublishedItem{Name: name, List: it.Spec.List, Digest: d})
	}
	slices.SortFunc(items, func(a, b governancev1alpha1.PublishedItem) int { return strings.Compare(a.Name, b.Name) })
	c.revisions[n] = &governancev1alpha1.ListRevision{
		ObjectMeta: metav1.ObjectMeta{Name: governancev1alpha1.RevisionName("", n), CreationTimestamp: metav1.NewTime(created)},
		Spec:       governancev1alpha1.ListRevisionSpec{Revision: n, ContentHash: publish.ContentHash(items), Items: items},
		Status:     governancev1alpha1.ListRevisionStatus{ItemCount: int32(len(items))},
	}
}

// setConditions writes Ready, Reconciling and Stalled as the controller does.
func setConditions(ro *governancev1alpha1.ListRollout, ready metav1.ConditionStatus, reason, message string, reconciling, stalled bool) {
	status := func(b bool) metav1.ConditionStatus {
		if b {
			return metav1.ConditionTrue
		}
		return metav1.ConditionFalse
	}
	for t, s := range map[string]metav1.ConditionStatus{
		governancev1alpha1.ReadyCondition:       ready,
		governancev1alpha1.ReconcilingCondition: status(reconciling),
		governancev1alpha1.StalledCondition:     status(stalled),
	} {
		meta.SetStatusCondition(&ro.Status.Conditions, metav1.Condition{Type: t, Status: s, Reason: reason, Message: message,
			ObservedGeneration: ro.Generation, LastTransitionTime: metav1.NewTime(testNow.Add(-time.Hour).Truncate(time.Second))})
	}
	slices.SortFunc(ro.Status.Conditions, func(a, b metav1.Condition) int { return strings.Compare(a.Type, b.Type) })
}

// objects are the city's objects; the rollout is ro when not nil.
func (c *city) objects(ro *governancev1alpha1.ListRollout) []client.Object {
	if ro == nil {
		ro = c.rollout
	}
	objs := []client.Object{ro}
	for _, v := range c.villages {
		objs = append(objs, v, c.lists[v.Spec.Code])
	}
	for _, it := range c.items {
		objs = append(objs, it)
	}
	for _, f := range c.flows {
		objs = append(objs, f)
	}
	for _, r := range c.revisions {
		objs = append(objs, r)
	}
	return objs
}

// useCluster makes the commands connect to a fake cluster holding objs and
// what the operator would keep of them (each village's TaskInbox), through
// a kubeconfig in $KUBECONFIG, with the clock at testNow.
func useCluster(t *testing.T, funcs interceptor.Funcs, objs ...client.Object) client.Client {
	t.Helper()
	objs = append(objs, inboxes(objs)...)
	s := runtime.NewScheme()
	if err := governancev1alpha1.AddToScheme(s); err != nil {
		t.Fatal(err)
	}
	if err := corev1.AddToScheme(s); err != nil {
		t.Fatal(err)
	}
	c := fake.NewClientBuilder().WithScheme(s).WithObjects(objs...).
		WithStatusSubresource(&governancev1alpha1.ListRollout{}).WithInterceptorFuncs(funcs).Build()
	newClusterClient = func(cfg *rest.Config) (client.Client, error) {
		if cfg.Host != "https://wenzhou.example:6443" || cfg.BearerToken != "x" {
			t.Errorf("connected to %s without the kubeconfig's credentials", cfg.Host)
		}
		return c, nil
	}
	now = func() time.Time { return testNow }
	t.Cleanup(func() { newClusterClient, now = defaultClusterClient, time.Now })
	t.Setenv("KUBECONFIG", kubeconfig(t))
	return c
}

func TestWriteTableAlignsChinese(t *testing.T) {
	var b strings.Builder
	if err := writeTable(&b, "  ", [][]string{{"县（市、区）", "已更新"}, {"330302 鹿城区", "2/2"}, {"x", "y", "z"}}); err != nil {
		t.Fatal(err)
	}
	want := "  县（市、区）   已更新\n" +
		"  330302 鹿城区  2/2\n" +
		"  x              y       z\n"
	if b.String() != want {
		t.Errorf("got\n%s\nwant\n%s", b.String(), want)
	}
}
