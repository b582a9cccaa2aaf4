package webhooks_test

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/base64"
	"fmt"
	"testing"

	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	governancev1alpha1 "github.com/cunshe/cunshe-operator/api/v1alpha1"
	"github.com/cunshe/cunshe-operator/internal/testenv"
)

// env is a real apiserver that calls the operator's webhooks over HTTPS.
var env *testenv.Env

// unitKeys are the private keys of the four review units of the suite.
var unitKeys = map[string]ed25519.PrivateKey{}

// The four Wenzhou review units (S5).
var units = map[string]string{"sjw": "市纪委市监委", "zzb": "市委组织部", "mzj": "市民政局", "nyj": "市农业农村局"}

func TestMain(m *testing.M) {
	testenv.Run(m, testenv.Options{Manager: true, Setup: seed, OfflineParity: true}, &env)
}

// seed creates what every test relies on: the review units, a registered
// department, a village of county 330302 and the RBAC that lets any
// authenticated user (the tests impersonate bots and members) write approvals.
func seed(c client.Client) error {
	ctx := context.Background()
	for id, name := range units {
		pub, priv, err := ed25519.GenerateKey(rand.Reader)
		if err != nil {
			return err
		}
		unitKeys[id] = priv
		if err := c.Create(ctx, &governancev1alpha1.ReviewUnit{
			ObjectMeta: metav1.ObjectMeta{Name: id},
			Spec: governancev1alpha1.ReviewUnitSpec{DisplayName: name, Group: "cunshe:unit:" + id,
				PublicKeys: []governancev1alpha1.PublicKey{{ID: id + "-2026", Ed25519: base64.StdEncoding.EncodeToString(pub)}}},
		}); err != nil {
			return err
		}
	}
	objs := []client.Object{
		&corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "dept-tjj", Labels: map[string]string{governancev1alpha1.LabelDepartment: "tjj"}}},
		&corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "dept-mzj", Labels: map[string]string{governancev1alpha1.LabelDepartment: "mzj"}}},
		&governancev1alpha1.Village{ObjectMeta: metav1.ObjectMeta{Name: "330302006044"}, Spec: governancev1alpha1.VillageSpec{
			Code: "330302006044", Name: "鼓楼社区", Type: governancev1alpha1.TypeCommunity,
			County:   governancev1alpha1.Division{Code: "330302", Name: "鹿城区"},
			Township: governancev1alpha1.Division{Code: "330302006", Name: "五马街道"}}},
		&rbacv1.ClusterRole{ObjectMeta: metav1.ObjectMeta{Name: "test-approver"}, Rules: []rbacv1.PolicyRule{{
			APIGroups: []string{governancev1alpha1.GroupVersion.Group}, Resources: []string{"itemapprovals", "listitems", "reviewunits"},
			Verbs: []string{"get", "list", "create", "update", "delete"}}}},
		&rbacv1.ClusterRoleBinding{ObjectMeta: metav1.ObjectMeta{Name: "test-approver"},
			RoleRef:  rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: "ClusterRole", Name: "test-approver"},
			Subjects: []rbacv1.Subject{{APIGroup: rbacv1.GroupName, Kind: rbacv1.GroupKind, Name: "system:authenticated"}}},
	}
	for _, o := range objs {
		if err := c.Create(ctx, o); err != nil {
			return fmt.Errorf("seeding %s: %w", o.GetName(), err)
		}
	}
	return nil
}

// as returns a client acting as the given user and groups.
func as(t *testing.T, user string, groups ...string) client.Client {
	return env.ClientAs(t, user, groups...)
}
