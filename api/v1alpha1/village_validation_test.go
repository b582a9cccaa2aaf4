package v1alpha1_test

import (
	"context"
	"testing"

	. "github.com/onsi/gomega"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	governancev1alpha1 "github.com/cunshe/cunshe-operator/api/v1alpha1"
	"github.com/cunshe/cunshe-operator/internal/testenv"
)

// env is a real kube-apiserver with the CRDs installed and no operator: the
// schema and CEL rules alone decide here.
var env *testenv.Env

func TestMain(m *testing.M) {
	testenv.Run(m, testenv.Options{NoWebhooks: true, OfflineParity: true}, &env)
}

func village(code string) *governancev1alpha1.Village {
	return &governancev1alpha1.Village{
		ObjectMeta: metav1.ObjectMeta{Name: code},
		Spec: governancev1alpha1.VillageSpec{
			Code: code, Name: "鼓楼社区", Type: governancev1alpha1.TypeCommunity,
			County:   governancev1alpha1.Division{Code: code[:min(6, len(code))], Name: "鹿城区"},
			Township: governancev1alpha1.Division{Code: code[:min(9, len(code))], Name: "五马街道"},
		},
	}
}

func TestVillageSchemaRefusesBadInput(t *testing.T) {
	tests := map[string]struct {
		// mutate breaks an otherwise valid village.
		mutate func(v *governancev1alpha1.Village)
		// want is the text the user reads in kubectl's error.
		want []string
	}{
		"a code with letters": {
			mutate: func(v *governancev1alpha1.Village) {
				v.Name, v.Spec.Code = "33030200604x", "33030200604x"
			},
			want: []string{"spec.code: Invalid value: \"33030200604x\": S1 spec.code 必须是 12 位数字区划代码 / spec.code must be a 12-digit division code"},
		},
		"a code of 11 digits": {
			mutate: func(v *governancev1alpha1.Village) { v.Name, v.Spec.Code = "33030200604", "33030200604" },
			want:   []string{"spec.code: Invalid value: \"33030200604\": S1 spec.code 必须是 12 位数字区划代码 / spec.code must be a 12-digit division code"},
		},
		"a county that is not the code's first 6 digits": {
			mutate: func(v *governancev1alpha1.Village) { v.Spec.County.Code = "330303" },
			want:   []string{"spec.county.code: Invalid value: S1 spec.county.code 必须等于 spec.code 的前 6 位 / spec.county.code must be the first 6 digits of spec.code"},
		},
		"a township that is not the code's first 9 digits": {
			mutate: func(v *governancev1alpha1.Village) { v.Spec.Township.Code = "330302007" },
			want:   []string{"spec.township.code: Invalid value: S1 spec.township.code 必须等于 spec.code 的前 9 位 / spec.township.code must be the first 9 digits of spec.code"},
		},
		"a code of 13 digits": {
			mutate: func(v *governancev1alpha1.Village) { v.Name, v.Spec.Code = "3303020060441", "3303020060441" },
			want:   []string{"spec.code 必须是 12 位数字区划代码 / spec.code must be a 12-digit division code"},
		},
		"a code of 5 digits reports only the code": {
			mutate: func(v *governancev1alpha1.Village) { v.Name, v.Spec.Code = "33030", "33030" },
			want:   []string{"spec.code: Invalid value: \"33030\": S1 spec.code 必须是 12 位数字区划代码 / spec.code must be a 12-digit division code"},
		},
		"a name that differs from the code": {
			mutate: func(v *governancev1alpha1.Village) { v.Name = "gulou" },
			want:   []string{"metadata.name 必须等于 spec.code / metadata.name must equal spec.code"},
		},
		"an unknown type": {
			mutate: func(v *governancev1alpha1.Village) { v.Spec.Type = "Town" },
			want:   []string{`spec.type: Invalid value: "Town": S1 村（社区）类型只能是 Village（村）或 Community（社区） / a village's type is Village (村) or Community (社区)`},
		},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			g := NewWithT(t)
			v := village("330302006044")
			tc.mutate(v)
			err := env.Client.Create(context.Background(), v)
			g.Expect(apierrors.IsInvalid(err)).To(BeTrue(), "want Invalid, got %v", err)
			for _, want := range tc.want {
				g.Expect(err.Error()).To(ContainSubstring(want))
			}
		})
	}
}

func TestVillageCodeIsImmutable(t *testing.T) {
	g := NewWithT(t)
	ctx := context.Background()
	v := village("330302006045")
	g.Expect(env.Client.Create(ctx, v)).To(Succeed())
	stored := v.DeepCopy()

	changed := v.DeepCopy()
	changed.Spec.Code = "330302006046"
	changed.Spec.Name = "改名社区"
	err := env.Client.Update(ctx, changed)
	g.Expect(apierrors.IsInvalid(err)).To(BeTrue(), "%v", err)
	g.Expect(err.Error()).To(ContainSubstring("spec.code 不可修改 / spec.code is immutable"))

	// Nothing of the refused update was stored, the name change included.
	got := &governancev1alpha1.Village{}
	g.Expect(env.Client.Get(ctx, client.ObjectKeyFromObject(v), got)).To(Succeed())
	g.Expect(got.Spec).To(Equal(stored.Spec))
	g.Expect(got.ResourceVersion).To(Equal(stored.ResourceVersion))
}

func TestVillageIsNotEnrolledByDefault(t *testing.T) {
	g := NewWithT(t)
	v := village("330302006047")
	g.Expect(env.Client.Create(context.Background(), v)).To(Succeed())
	g.Expect(v.Spec.Platform).To(BeZero(), "S11: enrolment on the platform is a dated fact someone records, never a default")
}
