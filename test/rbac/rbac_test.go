// Package rbac_test checks, against a real API server with the operator
// running, what each actor of DESIGN.md may do with the cluster roles of
// config/rbac: every verb on every governance.cunshe.io resource in every
// namespace that matters, asked as that actor (impersonation, as
// `kubectl auth can-i --as`), plus real requests where it matters. The
// tenants' RoleBindings are the village controller's own.
package rbac_test

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	. "github.com/onsi/gomega"
	authorizationv1 "k8s.io/api/authorization/v1"
	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/client-go/util/retry"
	"sigs.k8s.io/controller-runtime/pkg/client"

	governancev1alpha1 "github.com/cunshe/cunshe-operator/api/v1alpha1"
	"github.com/cunshe/cunshe-operator/config"
	"github.com/cunshe/cunshe-operator/internal/signboards"
	"github.com/cunshe/cunshe-operator/internal/tenant"
	"github.com/cunshe/cunshe-operator/internal/testenv"
)

var env *testenv.Env

func TestMain(m *testing.M) {
	testenv.Run(m, testenv.Options{Manager: true, AggregateClusterRoles: true, Setup: installActorRoles}, &env)
}

// Two villages in two townships of one county.
var (
	villageA = testenv.Village("330302001001", governancev1alpha1.TypeVillage)
	villageB = testenv.Village("330302002001", governancev1alpha1.TypeVillage)
	nsA      = governancev1alpha1.TenantNamespaceName(villageA.Spec.Code)
	nsB      = governancev1alpha1.TenantNamespaceName(villageB.Spec.Code)
)

const (
	platformOps = "cunshe:platform-ops"
	deptTJJ     = "cunshe:dept:tjj"
	unitMZJ     = "cunshe:unit:mzj"
	viewers     = "cunshe:viewers"
	townships   = "cunshe:townships"
)

func installActorRoles(c client.Client) error {
	ctx := context.Background()
	roles, err := config.ActorClusterRoles()
	if err != nil {
		return err
	}
	objs := []client.Object{}
	for _, r := range roles {
		objs = append(objs, r)
	}
	// Platform ops' cluster-wide grants (README: "Who may do what").
	for role, group := range map[string]string{"cunshe-platform-ops": platformOps, "cunshe-applicant": deptTJJ,
		"cunshe-review-unit": unitMZJ, "cunshe-viewer": viewers, "cunshe-township-style": townships, "cunshe-township-enrolment": townships} {
		objs = append(objs, &rbacv1.ClusterRoleBinding{
			ObjectMeta: metav1.ObjectMeta{Name: role + "-test"},
			RoleRef:    rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: "ClusterRole", Name: role},
			Subjects:   []rbacv1.Subject{{APIGroup: rbacv1.GroupName, Kind: rbacv1.GroupKind, Name: group}},
		})
	}
	objs = append(objs, villageA.DeepCopy(), villageB.DeepCopy())
	for _, o := range objs {
		if err := c.Create(ctx, o); err != nil {
			return fmt.Errorf("creating %T %s: %w", o, o.GetName(), err)
		}
	}
	return nil
}

var prepared sync.Once

// prepare does, as platform ops, what they do for a department (DESIGN: its
// namespace labelled with its id, a RoleBinding of cunshe-department to its
// group), and waits for the tenants' RoleBindings and the aggregated role.
func prepare(t *testing.T) {
	t.Helper()
	prepared.Do(func() {
		ctx := context.Background()
		ops := as(t, "ops-alice", platformOps)
		waitFor(t, "cunshe-platform-ops to aggregate its rules", func() bool {
			return allowed(t, ops, "create", "namespaces", "", "")
		})
		for id, group := range map[string]string{"tjj": deptTJJ, "other": "cunshe:dept:other"} {
			ns := "dept-" + id
			if err := ops.Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: ns,
				Labels: map[string]string{governancev1alpha1.LabelDepartment: id}}}); err != nil {
				t.Fatalf("platform ops creating the department namespace %s: %v", ns, err)
			}
			if err := ops.Create(ctx, departmentBinding(ns, "cunshe-department", group)); err != nil {
				t.Fatalf("platform ops binding cunshe-department in %s: %v", ns, err)
			}
		}
		for _, ns := range []string{nsA, nsB} {
			waitFor(t, "the tenant RoleBindings in "+ns, func() bool {
				rb := &rbacv1.RoleBinding{}
				return env.Client.Get(ctx, types.NamespacedName{Namespace: ns, Name: tenant.TownshipRoleBinding}, rb) == nil &&
					env.Client.Get(ctx, types.NamespacedName{Namespace: ns, Name: tenant.VillageRoleBinding}, rb) == nil
			})
		}
	})
}

func departmentBinding(ns, role, group string) *rbacv1.RoleBinding {
	return &rbacv1.RoleBinding{
		ObjectMeta: metav1.ObjectMeta{Name: role, Namespace: ns},
		RoleRef:    rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: "ClusterRole", Name: role},
		Subjects:   []rbacv1.Subject{{APIGroup: rbacv1.GroupName, Kind: rbacv1.GroupKind, Name: group}},
	}
}

func as(t *testing.T, user string, groups ...string) client.Client {
	return env.ClientAs(t, user, groups...)
}

// allowed asks the API server, as the client's user, whether it may do verb
// on resource (governance.cunshe.io unless it is a core resource) in ns
// ("" for cluster-scoped resources or all namespaces).
func allowed(t *testing.T, c client.Client, verb, resource, ns, name string) bool {
	t.Helper()
	group := governancev1alpha1.GroupVersion.Group
	if slices.Contains([]string{"configmaps", "namespaces"}, resource) {
		group = ""
	}
	review := &authorizationv1.SelfSubjectAccessReview{Spec: authorizationv1.SelfSubjectAccessReviewSpec{
		ResourceAttributes: &authorizationv1.ResourceAttributes{Verb: verb, Group: group, Resource: resource, Namespace: ns, Name: name},
	}}
	if err := c.Create(context.Background(), review); err != nil {
		t.Fatal(err)
	}
	return review.Status.Allowed
}

func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	if err := wait.PollUntilContextTimeout(context.Background(), 100*time.Millisecond, time.Minute, true,
		func(context.Context) (bool, error) { return cond(), nil }); err != nil {
		t.Fatalf("waiting for %s: %v", what, err)
	}
}

var (
	allVerbs  = []string{"get", "list", "watch", "create", "update", "patch", "delete"}
	readVerbs = []string{"get", "list", "watch"}
	// clusterScoped and namespaced are every governance.cunshe.io resource,
	// including those of issues 5, 6 and 12 (tasks, reports, signboards,
	// public records and notices).
	clusterScoped = []string{"villages", "reviewunits", "listitems", "itemapprovals", "powerflows", "listrevisions",
		"listrollouts", "departmentcompliances", "countycompliances", "signboardstyles", "publicnotices", "archivedrecords"}
	namespaced = []string{"tasks", "villagereports", "reportdecisions", "signboardsets", "disclosures", "emergencyexemptions", "emergencydecisions", "taskinboxes"}
	// namespaces are where the namespaced checks are made; "" is all of them.
	namespaces = []string{"", "dept-tjj", "dept-other", nsA, nsB}
)

// grant is one thing an actor may do: verbs on resources, in the given
// namespaces (nil: cluster-wide).
type grant struct {
	verbs, resources, namespaces []string
}

func (g grant) covers(verb, resource, ns string) bool {
	return slices.Contains(g.verbs, verb) && slices.Contains(g.resources, resource) &&
		(g.namespaces == nil || (ns != "" && slices.Contains(g.namespaces, ns)))
}

var all = append(slices.Clone(clusterScoped), namespaced...)

// TestEachActorMayDoExactlyWhatDesignSays checks every verb on every
// governance resource in every namespace against DESIGN.md's actors table:
// anything not granted below must be refused.
func TestEachActorMayDoExactlyWhatDesignSays(t *testing.T) {
	prepare(t)
	for name, tc := range map[string]struct {
		user   string
		groups []string
		grants []grant
	}{
		"platform ops manage villages, review units, styles and rollouts": {user: "ops-alice", groups: []string{platformOps}, grants: []grant{
			{verbs: readVerbs, resources: all},
			{verbs: []string{"create", "update", "patch", "delete"}, resources: []string{"villages", "reviewunits", "signboardstyles", "listrollouts", "listitems", "powerflows"}},
		}},
		"a department proposes list items and creates tasks in its own namespace": {user: "dept-bob", groups: []string{deptTJJ}, grants: []grant{
			{verbs: allVerbs, resources: []string{"tasks"}, namespaces: []string{"dept-tjj"}},
			// S6: its emergency records and their ratification, read only: never deleted.
			{verbs: readVerbs, resources: []string{"emergencyexemptions", "emergencydecisions"}, namespaces: []string{"dept-tjj"}},
			{verbs: []string{"get", "list", "watch", "create", "update", "patch"}, resources: []string{"listitems", "powerflows"}},
			{verbs: readVerbs, resources: []string{"itemapprovals", "reviewunits"}},
		}},
		"a review unit approves items, decides reports and withdraws notices": {user: "unit-carol", groups: []string{unitMZJ}, grants: []grant{
			{verbs: []string{"get", "list", "watch", "create"}, resources: []string{"itemapprovals", "reportdecisions", "emergencydecisions"}},
			{verbs: readVerbs, resources: []string{"emergencyexemptions"}},
			{verbs: []string{"get", "list", "watch", "update", "patch"}, resources: []string{"publicnotices"}}, // withdrawal only: admission
			{verbs: readVerbs, resources: []string{"listitems", "powerflows", "reviewunits", "villagereports", "tasks", "departmentcompliances", "countycompliances"}},
		}},
		"a township owns its style and its villages' signboard sets": {user: "town-dave", groups: []string{tenant.TownshipGroup(villageA.Spec.Township.Code), townships}, grants: []grant{
			{verbs: []string{"get", "list", "watch", "update", "patch"}, resources: []string{"signboardstyles"}}, // its own only: admission (TestTownshipKeepsToItsOwnStyle)
			{verbs: []string{"get", "list", "watch", "update", "patch"}, resources: []string{"villages"}},        // its own villages' enrolment only: admission (TestTownshipEnrolsItsOwnVillages)
			{verbs: allVerbs, resources: []string{"signboardsets"}, namespaces: []string{nsA}},
			{verbs: readVerbs, resources: []string{"villagereports", "reportdecisions", "disclosures", "taskinboxes"}, namespaces: []string{nsA}},
		}},
		"village cadres file reports and publish records in their own tenant": {user: "cadre-erin", groups: []string{tenant.VillageGroup(villageA.Spec.Code)}, grants: []grant{
			{verbs: []string{"get", "list", "watch", "create"}, resources: []string{"villagereports", "disclosures"}, namespaces: []string{nsA}},
			{verbs: readVerbs, resources: []string{"reportdecisions", "signboardsets", "taskinboxes"}, namespaces: []string{nsA}},
		}},
		"a viewer reads everything and writes nothing": {user: "viewer-frank", groups: []string{viewers}, grants: []grant{
			{verbs: readVerbs, resources: all},
		}},
	} {
		t.Run(name, func(t *testing.T) {
			c := as(t, tc.user, tc.groups...)
			for _, resource := range all {
				scopes := []string{""}
				if slices.Contains(namespaced, resource) {
					scopes = namespaces
				}
				for _, ns := range scopes {
					for _, verb := range allVerbs {
						want := slices.ContainsFunc(tc.grants, func(g grant) bool { return g.covers(verb, resource, ns) })
						if got := allowed(t, c, verb, resource, ns, ""); got != want {
							t.Errorf("%s %s in %q: allowed=%v, want %v", verb, resource, ns, got, want)
						}
					}
				}
			}
		})
	}
}

// TestTownshipKeepsToItsOwnStyle: RBAC lets all township staff write
// styles; admission holds each township to its own (S15).
func TestTownshipKeepsToItsOwnStyle(t *testing.T) {
	prepare(t)
	ctx := context.Background()
	g := NewWithT(t)
	for _, v := range []*governancev1alpha1.Village{villageA, villageB} {
		if err := env.Client.Create(ctx, signboards.DefaultStyle(v.Spec.Township)); err != nil && !apierrors.IsAlreadyExists(err) {
			t.Fatal(err)
		}
	}
	town := as(t, "town-dave", tenant.TownshipGroup(villageA.Spec.Township.Code), townships)
	// A style just created has its status written by the operator at
	// once: a read-then-update retries on that conflict, as a client would.
	recolour := func(code string) error {
		return retry.RetryOnConflict(retry.DefaultRetry, func() error {
			style := &governancev1alpha1.SignboardStyle{}
			g.Expect(env.Client.Get(ctx, client.ObjectKey{Name: code}, style)).To(Succeed())
			style.Spec.Foreground = "#B22222"
			return town.Update(ctx, style)
		})
	}
	g.Expect(recolour(villageA.Spec.Township.Code)).To(Succeed(), "its own township's style")
	g.Expect(recolour(villageB.Spec.Township.Code)).To(MatchError(ContainSubstring(
		`S15 乡镇（街道）330302001 只能维护本乡镇（街道）的牌子样式，不能修改 "330302002" 的样式 / township 330302001 maintains its own signboard style only, not the style of "330302002"`)))
}

// TestTownshipEnrolsItsOwnVillages: RBAC lets all township staff update
// villages; admission holds each township to the enrolment on the platform
// (spec.platform) of its own villages (S11), and a refusal stores nothing.
func TestTownshipEnrolsItsOwnVillages(t *testing.T) {
	prepare(t)
	ctx := context.Background()
	town := as(t, "town-dave", tenant.TownshipGroup(villageA.Spec.Township.Code), townships)
	enrol := func(v *governancev1alpha1.Village, patch string) error {
		return town.Patch(ctx, &governancev1alpha1.Village{ObjectMeta: metav1.ObjectMeta{Name: v.Name}}, client.RawPatch(types.MergePatchType, []byte(patch)))
	}
	stored := func(v *governancev1alpha1.Village) *governancev1alpha1.Village {
		got := &governancev1alpha1.Village{}
		NewWithT(t).Expect(env.Client.Get(ctx, client.ObjectKeyFromObject(v), got)).To(Succeed())
		return got
	}

	t.Run("its own village's enrolment date", func(t *testing.T) {
		g := NewWithT(t)
		g.Expect(enrol(villageA, `{"spec":{"platform":{"enrolledSince":"2026-03-01"}}}`)).To(Succeed())
		g.Expect(stored(villageA).Spec.Platform.EnrolledSince).To(Equal("2026-03-01"))
	})
	t.Run("not another township's village", func(t *testing.T) {
		before := stored(villageB)
		testenv.ExpectRefused(t, enrol(villageB, `{"spec":{"platform":{"enrolledSince":"2026-03-01"}}}`), "vvillage.governance.cunshe.io",
			`villages.governance.cunshe.io "330302002001" is forbidden: spec.platform: Forbidden: S11 乡镇（街道）330302001 只能登记本乡镇（街道）村（社区）的平台启用情况；330302002001 属于乡镇（街道）330302002 / `+
				`township 330302001 records the platform enrolment of its own villages only; 330302002001 belongs to township 330302002`)
		NewWithT(t).Expect(stored(villageB)).To(Equal(before), "nothing of the refused change is stored")
	})
	t.Run("nothing else of its own village", func(t *testing.T) {
		before := stored(villageA)
		testenv.ExpectRefused(t, enrol(villageA, `{"spec":{"name":"新村"}}`), "vvillage.governance.cunshe.io",
			`villages.governance.cunshe.io "330302001001" is forbidden: spec: Forbidden: S11 乡镇（街道）330302001 只能修改村（社区）330302001001 的 spec.platform（平台启用日期），其他内容由平台运维维护 / `+
				`township 330302001 may change spec.platform (the enrolment date) of village 330302001001 and nothing else; platform ops maintain the rest`)
		NewWithT(t).Expect(stored(villageA)).To(Equal(before))
	})
	t.Run("a date that is no date, with the rule named", func(t *testing.T) {
		err := enrol(villageA, `{"spec":{"platform":{"enrolledSince":"2026-02-30"}}}`)
		NewWithT(t).Expect(apierrors.IsInvalid(err)).To(BeTrue(), "%v", err)
		NewWithT(t).Expect(err.Error()).To(ContainSubstring(`spec.platform.enrolledSince: Invalid value: "2026-02-30": S11 平台启用日期须为 YYYY-MM-DD 格式的日期，如 2026-03-01 / the date of enrolment must be a date written YYYY-MM-DD, e.g. 2026-03-01`))
	})
	t.Run("no township creates or deletes a village", func(t *testing.T) {
		g := NewWithT(t)
		g.Expect(allowed(t, town, "create", "villages", "", "")).To(BeFalse())
		g.Expect(allowed(t, town, "delete", "villages", "", villageA.Name)).To(BeFalse())
	})
}

func TestPlatformOpsGrantOnlyTheActorsRoles(t *testing.T) {
	prepare(t)
	ops := as(t, "ops-alice", platformOps)
	// Binding cunshe-department worked in prepare; binding admin must not.
	err := ops.Create(context.Background(), departmentBinding("dept-tjj", "admin", deptTJJ))
	if !apierrors.IsForbidden(err) {
		t.Fatalf("platform ops binding admin in a department namespace: got %v, want Forbidden", err)
	}
	if allowed(t, ops, "create", "itemapprovals", "", "") || allowed(t, ops, "update", "listrevisions", "", "") {
		t.Error("platform ops may approve items or edit published revisions")
	}
}

func TestReviewUnitCannotEditListItems(t *testing.T) {
	prepare(t)
	unit := as(t, "unit-carol", unitMZJ)
	item := &governancev1alpha1.ListItem{ObjectMeta: metav1.ObjectMeta{Name: "l1-any"}}
	err := unit.Patch(context.Background(), item, client.RawPatch(types.MergePatchType, []byte(`{"spec":{"title":"x"}}`)))
	if !apierrors.IsForbidden(err) {
		t.Fatalf("a review unit patching a list item: got %v, want Forbidden", err)
	}
}

// TestVillageCadresReadOnlyTheirOwnLists makes real requests: the lists
// ConfigMap of their own tenant, nothing else.
func TestVillageCadresReadOnlyTheirOwnLists(t *testing.T) {
	prepare(t)
	ctx := context.Background()
	cadre := as(t, "cadre-erin", tenant.VillageGroup(villageA.Spec.Code))
	waitFor(t, "the lists ConfigMap in "+nsA, func() bool {
		return env.Client.Get(ctx, types.NamespacedName{Namespace: nsA, Name: tenant.ListsConfigMap}, &corev1.ConfigMap{}) == nil
	})
	if err := cadre.Get(ctx, types.NamespacedName{Namespace: nsA, Name: tenant.ListsConfigMap}, &corev1.ConfigMap{}); err != nil {
		t.Errorf("a cadre reading the lists of their own village: %v", err)
	}
	for _, key := range []types.NamespacedName{
		{Namespace: nsB, Name: tenant.ListsConfigMap}, // another village's lists
		{Namespace: nsA, Name: "kube-root-ca.crt"},    // another ConfigMap of their tenant
	} {
		if err := cadre.Get(ctx, key, &corev1.ConfigMap{}); !apierrors.IsForbidden(err) {
			t.Errorf("a cadre of %s reading ConfigMap %s: got %v, want Forbidden", villageA.Spec.Code, key, err)
		}
	}
	cm := &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Namespace: nsA, Name: tenant.ListsConfigMap}}
	if err := cadre.Patch(ctx, cm, client.RawPatch(types.MergePatchType, []byte(`{"data":{"x":"y"}}`))); !apierrors.IsForbidden(err) {
		t.Errorf("a cadre changing their published lists: got %v, want Forbidden", err)
	}
	town := as(t, "town-dave", tenant.TownshipGroup(villageA.Spec.Township.Code))
	if err := town.Get(ctx, types.NamespacedName{Namespace: nsA, Name: tenant.ListsConfigMap}, &corev1.ConfigMap{}); err != nil {
		t.Errorf("a township reading its village's lists: %v", err)
	}
}

// TestViewerJoinsTheBuiltInViewRole: whoever holds view in a namespace (a
// RoleBinding) also reads the governance objects there, through aggregation.
func TestViewerJoinsTheBuiltInViewRole(t *testing.T) {
	prepare(t)
	ctx := context.Background()
	if err := env.Client.Create(ctx, departmentBinding(nsB, "view", "cunshe:auditors")); err != nil {
		t.Fatal(err)
	}
	auditor := as(t, "auditor-gina", "cunshe:auditors")
	waitFor(t, "view to aggregate cunshe-viewer", func() bool { return allowed(t, auditor, "list", "villagereports", nsB, "") })
	if allowed(t, auditor, "list", "villagereports", nsA, "") || allowed(t, auditor, "create", "villagereports", nsB, "") {
		t.Error("view in one tenant reaches another tenant or writes")
	}
}

// TestCadresPublishOnlyInTheirOwnTenant makes real requests: a cadre
// publishes a record in their own tenant; a neighbouring village's cadre
// may not write there, nor may the township.
func TestCadresPublishOnlyInTheirOwnTenant(t *testing.T) {
	prepare(t)
	ctx := context.Background()
	rec := func(name string) *governancev1alpha1.Disclosure {
		return &governancev1alpha1.Disclosure{ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: nsA},
			Spec: governancev1alpha1.DisclosureSpec{Category: governancev1alpha1.DisclosureVillageRules, Period: "2026",
				Title: "村规民约（2026年修订）", Body: "一、遵纪守法，维护村庄和谐稳定。"}}
	}
	if err := as(t, "cadre-erin", tenant.VillageGroup(villageA.Spec.Code)).Create(ctx, rec("rules-2026")); err != nil {
		t.Fatalf("a cadre publishing in their own tenant: %v", err)
	}
	for who, c := range map[string]client.Client{
		"a cadre of the neighbouring village": as(t, "cadre-hal", tenant.VillageGroup(villageB.Spec.Code)),
		"the township":                        as(t, "town-dave", tenant.TownshipGroup(villageA.Spec.Township.Code)),
	} {
		if err := c.Create(ctx, rec("forged")); !apierrors.IsForbidden(err) {
			t.Errorf("%s publishing in %s: got %v, want Forbidden", who, nsA, err)
		}
	}
	if err := env.Client.Get(ctx, types.NamespacedName{Namespace: nsA, Name: "forged"}, &governancev1alpha1.Disclosure{}); !apierrors.IsNotFound(err) {
		t.Errorf("a refused record was stored: %v", err)
	}
}
