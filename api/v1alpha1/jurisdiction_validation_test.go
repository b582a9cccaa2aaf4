package v1alpha1_test

import (
	"context"
	"testing"

	. "github.com/onsi/gomega"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"

	governancev1alpha1 "github.com/cunshe/cunshe-operator/api/v1alpha1"
)

func jurisdiction(code string, level governancev1alpha1.JurisdictionLevel) *governancev1alpha1.Jurisdiction {
	return &governancev1alpha1.Jurisdiction{ObjectMeta: metav1.ObjectMeta{Name: code},
		Spec: governancev1alpha1.JurisdictionSpec{Code: code, Name: "温州市", Level: level}}
}

func TestJurisdictionSchemaRefusesBadInput(t *testing.T) {
	tests := map[string]struct {
		j    *governancev1alpha1.Jurisdiction
		want string
	}{
		"a city with a 2-digit code": {
			j:    jurisdiction("33", governancev1alpha1.LevelCity),
			want: "S1 市级辖区代码为 4 位、省级为 2 位数字（国家统计局区划代码前缀） / a City's code is 4 digits, a Province's 2",
		},
		"a province with a 4-digit code": {
			j:    jurisdiction("3303", governancev1alpha1.LevelProvince),
			want: "a City's code is 4 digits, a Province's 2",
		},
		"a name that is not the code": {
			j: func() *governancev1alpha1.Jurisdiction {
				j := jurisdiction("3303", governancev1alpha1.LevelCity)
				j.Name = "wenzhou"
				return j
			}(),
			want: "S1 metadata.name 必须等于 spec.code / metadata.name must equal spec.code",
		},
		"a quorum above the number of units": {
			j: func() *governancev1alpha1.Jurisdiction {
				j := jurisdiction("3303", governancev1alpha1.LevelCity)
				j.Spec.Review = governancev1alpha1.JointReview{Units: []string{"sjw", "zzb"}, Quorum: ptr.To(int32(3))}
				return j
			}(),
			want: "S5 review.quorum 不能大于 review.units 的个数 / review.quorum cannot exceed the number of review.units",
		},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			g := NewWithT(t)
			err := env.Client.Create(context.Background(), tc.j)
			g.Expect(apierrors.IsInvalid(err)).To(BeTrue(), "want Invalid, got %v", err)
			g.Expect(err.Error()).To(ContainSubstring(tc.want))
		})
	}
}

// TestJurisdictionDefaultIsFixed: the default city cannot be switched off or
// on once created, since the revision names and every object without a
// jurisdiction depend on it.
func TestJurisdictionDefaultIsFixed(t *testing.T) {
	g := NewWithT(t)
	ctx := context.Background()
	j := jurisdiction("3399", governancev1alpha1.LevelCity)
	j.Spec.Default = true
	g.Expect(env.Client.Create(ctx, j)).To(Succeed())
	changed := j.DeepCopy()
	changed.Spec.Default = false
	err := env.Client.Update(ctx, changed)
	g.Expect(apierrors.IsInvalid(err)).To(BeTrue(), "want Invalid, got %v", err)
	g.Expect(err.Error()).To(ContainSubstring("spec.default cannot change once set"))

	stored := &governancev1alpha1.Jurisdiction{}
	g.Expect(env.Client.Get(ctx, client.ObjectKeyFromObject(j), stored)).To(Succeed())
	g.Expect(stored.Spec.Default).To(BeTrue(), "nothing stored changed")
}
