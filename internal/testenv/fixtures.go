package testenv

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/base64"
	"fmt"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	governancev1alpha1 "github.com/cunshe/cunshe-operator/api/v1alpha1"
	"github.com/cunshe/cunshe-operator/internal/rules"
)

// Units are the four Wenzhou review units (S5) with fresh keys.
type Units map[string]ed25519.PrivateKey

// unitNames are the four units' ids and names.
var unitNames = map[string]string{"sjw": "市纪委市监委", "zzb": "市委组织部", "mzj": "市民政局", "nyj": "市农业农村局"}

// CreateReviewUnits creates the four units, each with a new key "<id>-test".
func CreateReviewUnits(ctx context.Context, c client.Client) (Units, error) {
	keys := Units{}
	for id, name := range unitNames {
		pub, priv, err := ed25519.GenerateKey(rand.Reader)
		if err != nil {
			return nil, err
		}
		keys[id] = priv
		if err := c.Create(ctx, &governancev1alpha1.ReviewUnit{
			ObjectMeta: metav1.ObjectMeta{Name: id},
			Spec: governancev1alpha1.ReviewUnitSpec{DisplayName: name, Group: "cunshe:unit:" + id,
				PublicKeys: []governancev1alpha1.PublicKey{{ID: id + "-test", Ed25519: base64.StdEncoding.EncodeToString(pub)}}},
		}); err != nil {
			return nil, fmt.Errorf("creating ReviewUnit %s: %w", id, err)
		}
	}
	return keys, nil
}

// CreateDepartment registers a department: a namespace with its label (S4).
func CreateDepartment(ctx context.Context, c client.Client, id string) error {
	return c.Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "dept-" + id,
		Labels: map[string]string{governancev1alpha1.LabelDepartment: id}}})
}

// Approve signs and applies an approval of the item's current spec (and,
// for a MicroPower item, its flow's current content: P1) by every unit.
func (u Units) Approve(ctx context.Context, c client.Client, item *governancev1alpha1.ListItem) error {
	var flow *governancev1alpha1.PowerFlowSpec
	if item.Spec.FlowRef != "" { // Digest counts it for MicroPower items
		f := &governancev1alpha1.PowerFlow{}
		if err := c.Get(ctx, client.ObjectKey{Name: item.Spec.FlowRef}, f); err != nil {
			return fmt.Errorf("reading the flow of %s: %w", item.Name, err)
		}
		flow = &f.Spec
	}
	digest := rules.Digest(&item.Spec, flow)
	for id, key := range u {
		a := &governancev1alpha1.ItemApproval{
			ObjectMeta: metav1.ObjectMeta{GenerateName: item.Name + "." + id + "-"},
			Spec: governancev1alpha1.ItemApprovalSpec{Item: item.Name, Digest: digest, Unit: id,
				Decision: governancev1alpha1.DecisionApprove},
		}
		rules.Sign(&a.Spec, id+"-test", key)
		if err := c.Create(ctx, a); err != nil {
			return fmt.Errorf("approving %s for %s: %w", item.Name, id, err)
		}
	}
	return nil
}

// Village builds a village of the given code and type, named as the registry would.
func Village(code string, typ governancev1alpha1.VillageType) *governancev1alpha1.Village {
	return &governancev1alpha1.Village{
		ObjectMeta: metav1.ObjectMeta{Name: code},
		Spec: governancev1alpha1.VillageSpec{Code: code, Name: "测试村" + code[9:], Type: typ,
			County:   governancev1alpha1.Division{Code: code[:6], Name: "县" + code[:6]},
			Township: governancev1alpha1.Division{Code: code[:9], Name: "镇" + code[:9]}},
	}
}
