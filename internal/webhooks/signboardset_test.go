package webhooks_test

import (
	"context"
	"testing"
	"time"

	. "github.com/onsi/gomega"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	governancev1alpha1 "github.com/cunshe/cunshe-operator/api/v1alpha1"
	"github.com/cunshe/cunshe-operator/internal/signboards"
)

// signboardVillage creates a village of 五马街道 (or returns the seeded
// 鼓楼社区) and its township's style, and waits for its tenant namespace.
func signboardVillage(t *testing.T, code, name string, typ governancev1alpha1.VillageType, township governancev1alpha1.Division) *governancev1alpha1.Village {
	t.Helper()
	g := NewWithT(t)
	ctx := context.Background()
	v := &governancev1alpha1.Village{}
	if err := env.Client.Get(ctx, client.ObjectKey{Name: code}, v); apierrors.IsNotFound(err) {
		v = &governancev1alpha1.Village{ObjectMeta: metav1.ObjectMeta{Name: code}, Spec: governancev1alpha1.VillageSpec{
			Code: code, Name: name, Type: typ, County: governancev1alpha1.Division{Code: "330302", Name: "鹿城区"}, Township: township}}
		g.Expect(env.Client.Create(ctx, v)).To(Succeed())
	}
	if err := env.Client.Create(ctx, signboards.DefaultStyle(v.Spec.Township)); !apierrors.IsAlreadyExists(err) {
		g.Expect(err).NotTo(HaveOccurred())
	}
	g.Eventually(func() error {
		return env.Client.Get(ctx, client.ObjectKey{Name: governancev1alpha1.TenantNamespaceName(code)}, &corev1.Namespace{})
	}).WithTimeout(15 * time.Second).Should(Succeed())
	return v
}

var (
	wuma  = governancev1alpha1.Division{Code: "330302006", Name: "五马街道"}
	qidu  = governancev1alpha1.Division{Code: "330302023", Name: "七都街道"}
	board = func(t governancev1alpha1.InstitutionBoardType, text string) governancev1alpha1.InstitutionBoard {
		return governancev1alpha1.InstitutionBoard{Type: t, Text: text}
	}
)

func TestSignboardSetsAccepted(t *testing.T) {
	ctx := context.Background()
	t.Run("a community's default set", func(t *testing.T) {
		v := signboardVillage(t, "330302006044", "鼓楼社区", governancev1alpha1.TypeCommunity, wuma)
		set := signboards.DefaultSet(v, "温州市")
		set.Spec.Honours = []governancev1alpha1.Honour{{Title: "省级文明社区", Display: governancev1alpha1.DisplayInside}}
		NewWithT(t).Expect(env.Client.Create(ctx, set)).To(Succeed())
	})
	t.Run("a village without a cultural hall, with a governance centre", func(t *testing.T) {
		v := signboardVillage(t, "330302023200", "老涂村", governancev1alpha1.TypeVillage, qidu)
		set := signboards.DefaultSet(v, "温州市")
		set.Spec.ServiceSigns[2] = governancev1alpha1.ServiceSign{Type: governancev1alpha1.SignCivilizationPracticeStation, Text: "老涂村新时代文明实践站"}
		set.Spec.ServiceSigns[5] = governancev1alpha1.ServiceSign{Type: governancev1alpha1.SignGovernanceCenter, Text: "老涂村综治服务中心"}
		NewWithT(t).Expect(env.Client.Create(ctx, set)).To(Succeed())
	})
}

func TestSignboardSetsRefused(t *testing.T) {
	v := signboardVillage(t, "330302006045", "墨池社区", governancev1alpha1.TypeCommunity, wuma)
	tests := map[string]struct {
		mutate func(*governancev1alpha1.SignboardSet)
		want   string
	}{
		"five institution boards (S12)": {
			mutate: func(s *governancev1alpha1.SignboardSet) {
				s.Spec.InstitutionBoards = append(s.Spec.InstitutionBoards, board(governancev1alpha1.BoardPartyOrganization, "中共温州市鹿城区五马街道墨池社区总支部委员会"))
			},
			want: `spec.institutionBoards[4].type: Duplicate value: "PartyOrganization": S12 机构牌子党组织（PartyOrganization）重复，每种只挂一块 / the institution board 党组织（PartyOrganization） hangs more than once; each hangs once`,
		},
		"a villagers' committee at a community (S12)": {
			mutate: func(s *governancev1alpha1.SignboardSet) {
				s.Spec.InstitutionBoards[1] = board(governancev1alpha1.BoardVillagersCommittee, "温州市鹿城区五马街道墨池社区村民委员会")
			},
			want: `spec.institutionBoards[1].type: Invalid value: "VillagersCommittee": S12 村民委员会是村的机构牌子，社区 墨池社区 应挂居民委员会（ResidentsCommittee） / 村民委员会（VillagersCommittee） is a board for a Village; Community 墨池社区 hangs 居民委员会（ResidentsCommittee）`,
		},
		"a missing sign (S13)": {
			mutate: func(s *governancev1alpha1.SignboardSet) { s.Spec.ServiceSigns = s.Spec.ServiceSigns[:7] },
			want:   `spec.serviceSigns: Required value: S13 缺少服务标牌避灾安置点（DisasterShelter） / the service sign DisasterShelter is missing`,
		},
		"a cultural hall at a community (S13)": {
			mutate: func(s *governancev1alpha1.SignboardSet) {
				s.Spec.ServiceSigns[2] = governancev1alpha1.ServiceSign{Type: governancev1alpha1.SignCulturalHall, Text: "墨池社区文化礼堂"}
			},
			want: `spec.serviceSigns[2].type: Invalid value: "CulturalHall": S13 社区 墨池社区 不挂村文化礼堂（CulturalHall），应挂社区文化家园（CommunityCultureHome） / Community 墨池社区 does not hang 村文化礼堂（CulturalHall）; it hangs CommunityCultureHome`,
		},
		"traditional characters (S15)": {
			mutate: func(s *governancev1alpha1.SignboardSet) {
				s.Spec.ServiceSigns[0].Text = "墨池社區黨群服務中心"
			},
			want: `spec.serviceSigns[0].text: Invalid value: "墨池社區黨群服務中心": S15 须用规范汉字，不得使用繁体字或异体字：區→区、黨→党、務→务 / must use standard simplified characters; traditional or variant characters: 區→区、黨→党、務→务`,
		},
		"another township's style (S15)": {
			mutate: func(s *governancev1alpha1.SignboardSet) { s.Spec.Style = qidu.Code },
			want:   `spec.style: Invalid value: "330302023": S15 须使用本乡镇（街道）五马街道 的统一样式 "330302006"，不得使用其他样式 / must be the style "330302006" of the village's township 五马街道; a village cannot choose another`,
		},
		"a text that names another village (S13)": {
			mutate: func(s *governancev1alpha1.SignboardSet) { s.Spec.ServiceSigns[5].Text = "鼓楼社区警务室" },
			want:   `spec.serviceSigns[5].text: Invalid value: "鼓楼社区警务室": S13 警务室（PoliceRoom）的文字未写明本村（社区）名称 "墨池社区" / the text of 警务室（PoliceRoom） does not name the village "墨池社区"`,
		},
		"an honour outside (S16)": {
			mutate: func(s *governancev1alpha1.SignboardSet) {
				s.Spec.Honours = []governancev1alpha1.Honour{{Title: "全国民主法治示范社区", Display: governancev1alpha1.DisplayOutside}}
			},
			want: `spec.honours[0].display: Forbidden: S16 荣誉 "全国民主法治示范社区" 不得在室外悬挂，须在室内集中展示（display: Inside） / the honour "全国民主法治示范社区" may not hang outside; honours are shown together inside (display: Inside)`,
		},
		"a set outside any village's tenant": {
			mutate: func(s *governancev1alpha1.SignboardSet) { s.Namespace = "dept-mzj" },
			want:   `metadata.namespace: Invalid value: "dept-mzj": S12 牌子只能放在村（社区）的租户命名空间 village-<代码> 中 / a SignboardSet belongs in a village's tenant namespace, village-<code>`,
		},
		"a second set of one village": {
			mutate: func(s *governancev1alpha1.SignboardSet) { s.Name = "signboards-2" },
			want:   `每个村（社区）一个 SignboardSet，名称须为 signboards / one SignboardSet per village, named signboards`,
		},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			g := NewWithT(t)
			set := signboards.DefaultSet(v, "温州市")
			tc.mutate(set)
			err := env.Client.Create(context.Background(), set)
			g.Expect(apierrors.IsInvalid(err)).To(BeTrue(), "want Invalid, got %v", err)
			g.Expect(err.Error()).To(ContainSubstring(tc.want))
			g.Expect(apierrors.IsNotFound(env.Client.Get(context.Background(), client.ObjectKeyFromObject(set), set))).To(BeTrue(), "nothing is stored")
		})
	}
}

// TestSignboardSetUpdateRefused: an edit that breaks a rule leaves the
// stored set as it was.
func TestSignboardSetUpdateRefused(t *testing.T) {
	g := NewWithT(t)
	ctx := context.Background()
	v := signboardVillage(t, "330302006071", "八仙楼社区", governancev1alpha1.TypeCommunity, wuma)
	set := signboards.DefaultSet(v, "温州市")
	g.Expect(env.Client.Create(ctx, set)).To(Succeed())

	before := set.DeepCopy()
	set.Spec.InstitutionBoards[0].Text = "中共温州市鹿城区五马街道八仙樓社区委员会"
	err := env.Client.Patch(ctx, set, client.MergeFrom(before)) // the operator writes status meanwhile
	g.Expect(apierrors.IsInvalid(err)).To(BeTrue(), "want Invalid, got %v", err)
	g.Expect(err.Error()).To(ContainSubstring(`S15 须用规范汉字，不得使用繁体字或异体字：樓→楼`))

	stored := &governancev1alpha1.SignboardSet{}
	g.Expect(env.Client.Get(ctx, client.ObjectKeyFromObject(set), stored)).To(Succeed())
	g.Expect(stored.Spec.InstitutionBoards[0].Text).To(Equal("中共温州市鹿城区五马街道八仙楼社区委员会"))
}

// TestSignboardSetVillageMissing: a tenant-like namespace without its
// village is refused, naming the code.
func TestSignboardSetVillageMissing(t *testing.T) {
	g := NewWithT(t)
	ctx := context.Background()
	ns := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "village-330302006999"}}
	g.Expect(env.Client.Create(ctx, ns)).To(Succeed())
	v := &governancev1alpha1.Village{Spec: governancev1alpha1.VillageSpec{Code: "330302006999", Name: "无名社区", Type: governancev1alpha1.TypeCommunity,
		County: governancev1alpha1.Division{Code: "330302", Name: "鹿城区"}, Township: wuma}}
	err := env.Client.Create(ctx, signboards.DefaultSet(v, "温州市"))
	g.Expect(apierrors.IsInvalid(err)).To(BeTrue(), "want Invalid, got %v", err)
	g.Expect(err.Error()).To(ContainSubstring(`metadata.namespace: Not found: "village-330302006999": S12 没有代码为 330302006999 的村（社区）（Village "330302006999" 不存在） / no village has the code 330302006999 (Village "330302006999" does not exist)`))
}
