package signboards_test

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/cunshe/cunshe-operator/internal/golden"

	"github.com/google/go-cmp/cmp"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	governancev1alpha1 "github.com/cunshe/cunshe-operator/api/v1alpha1"
	"github.com/cunshe/cunshe-operator/config"
	"github.com/cunshe/cunshe-operator/internal/divisions"
	"github.com/cunshe/cunshe-operator/internal/rules"
	"github.com/cunshe/cunshe-operator/internal/signboards"
)

func village(code, name string, typ governancev1alpha1.VillageType, township governancev1alpha1.Division) *governancev1alpha1.Village {
	return &governancev1alpha1.Village{ObjectMeta: metav1.ObjectMeta{Name: code}, Spec: governancev1alpha1.VillageSpec{
		Code: code, Name: name, Type: typ, County: governancev1alpha1.Division{Code: code[:6], Name: "鹿城区"}, Township: township}}
}

var (
	wuma   = governancev1alpha1.Division{Code: "330302006", Name: "五马街道"}
	qidu   = governancev1alpha1.Division{Code: "330302023", Name: "七都街道"}
	gulou  = village("330302006044", "鼓楼社区", governancev1alpha1.TypeCommunity, wuma)
	laotu  = village("330302023200", "老涂村", governancev1alpha1.TypeVillage, qidu)
	honour = governancev1alpha1.Honour{Title: "省级文明社区", Display: governancev1alpha1.DisplayInside}
)

func TestRenderSVGGolden(t *testing.T) {
	tests := map[string]struct {
		village *governancev1alpha1.Village
		mutate  func(*governancev1alpha1.SignboardSet, *governancev1alpha1.SignboardStyle)
		// want must appear in the SVG.
		want []string
	}{
		"gulou-compliant": {
			village: gulou,
			mutate: func(s *governancev1alpha1.SignboardSet, _ *governancev1alpha1.SignboardStyle) {
				s.Spec.Honours = []governancev1alpha1.Honour{honour}
			},
			want: []string{`width="72.0" height="288.0" fill="#FFFFFF"`, `font-family="&#39;方正小标宋简体&#39;`, ">鼓</tspan>",
				"荣誉（室内集中展示，S16）：省级文明社区", "✔ 符合 S12–S16 / compliant", "五马街道统一样式（S15）：竖牌 600×2400 毫米 · 方正小标宋简体 · 钛金不锈钢"},
		},
		"laotu-noncompliant": {
			village: laotu,
			mutate: func(s *governancev1alpha1.SignboardSet, _ *governancev1alpha1.SignboardStyle) {
				s.Spec.InstitutionBoards = append(s.Spec.InstitutionBoards, governancev1alpha1.InstitutionBoard{
					Type: governancev1alpha1.BoardPartyOrganization, Text: "中共温州市鹿城区七都街道老涂村总支部委员会"})
				s.Spec.Honours = []governancev1alpha1.Honour{{Title: "市级民主法治村", Display: governancev1alpha1.DisplayOutside}}
			},
			want: []string{`stroke="#CF1322" stroke-width="4"`, "市级民主法治村（挂在室外，违反 S16）", "✘ 不符合规则 / noncompliant：2 处"},
		},
		"horizontal-red": {
			village: gulou,
			mutate: func(_ *governancev1alpha1.SignboardSet, st *governancev1alpha1.SignboardStyle) {
				st.Spec.WidthMM, st.Spec.HeightMM, st.Spec.Orientation = 2400, 600, governancev1alpha1.OrientationHorizontal
				st.Spec.Background, st.Spec.Foreground, st.Spec.Typeface = "#C8102E", "#FFD700", "方正大标宋简体"
			},
			want: []string{`width="288.0" height="72.0" fill="#C8102E"`, `fill="#FFD700" text-anchor="middle">鼓楼社区警务室</text>`},
		},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			set := signboards.DefaultSet(tc.village, "温州市")
			style := signboards.DefaultStyle(tc.village.Spec.Township)
			tc.mutate(set, style)
			svg := string(signboards.RenderSVG(set, style, tc.village))
			for _, w := range tc.want {
				if !strings.Contains(svg, w) {
					t.Errorf("the SVG has no %s", w)
				}
			}
			golden.Check(t, filepath.Join("testdata", name+".svg.golden"), svg)
		})
	}
}

// TestDefaultsOfTheRegistry: every one of Wenzhou's 3,685 default sets
// meets S12–S16 in its township's default style, and every one of the 191
// townships gets one style.
func TestDefaultsOfTheRegistry(t *testing.T) {
	villages, err := divisions.Parse(config.SampleDivisions())
	if err != nil {
		t.Fatal(err)
	}
	styles, sets := signboards.Defaults(villages, "温州市")
	if len(styles) != 191 || len(sets) != 3685 {
		t.Fatalf("%d styles and %d sets, want 191 and 3685", len(styles), len(sets))
	}
	byName := map[string]*governancev1alpha1.SignboardStyle{}
	for _, s := range styles {
		byName[s.Name] = s
	}
	for i, set := range sets {
		if errs := rules.ValidateSignboardSet(set, &villages[i], byName[set.Spec.Style]); len(errs) > 0 {
			t.Errorf("village %s %s: %v", villages[i].Name, villages[i].Spec.Name, errs.ToAggregate())
		}
	}
}

func TestDefaultSetCommunityAndVillage(t *testing.T) {
	tests := map[string]struct {
		village *governancev1alpha1.Village
		want    []string // texts of the 4 boards, then the 8 signs
	}{
		"a community": {village: gulou, want: []string{
			"中共温州市鹿城区五马街道鼓楼社区委员会", "温州市鹿城区五马街道鼓楼社区居民委员会", "温州市鹿城区五马街道鼓楼社区居务监督委员会", "温州市鹿城区五马街道鼓楼社区股份经济合作社",
			"鼓楼社区党群服务中心", "鼓楼社区服务中心", "鼓楼社区文化家园", "鼓楼社区居家养老服务照料中心",
			"鼓楼社区微型消防站", "鼓楼社区警务室", "鼓楼社区卫生服务站", "鼓楼社区避灾安置点"}},
		"a village": {village: laotu, want: []string{
			"中共温州市鹿城区七都街道老涂村委员会", "温州市鹿城区七都街道老涂村村民委员会", "温州市鹿城区七都街道老涂村村务监督委员会", "温州市鹿城区七都街道老涂村经济合作社",
			"老涂村党群服务中心", "老涂村社区服务中心", "老涂村文化礼堂", "老涂村居家养老服务照料中心",
			"老涂村微型消防站", "老涂村警务室", "老涂村卫生服务站", "老涂村避灾安置点"}},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			set := signboards.DefaultSet(tc.village, "温州市")
			var got []string
			for _, b := range set.Spec.InstitutionBoards {
				got = append(got, b.Text)
			}
			for _, s := range set.Spec.ServiceSigns {
				got = append(got, s.Text)
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("texts (-want +got):\n%s", diff)
			}
			if set.Namespace != "village-"+tc.village.Name || set.Spec.Style != tc.village.Spec.Township.Code {
				t.Errorf("namespace %s, style %s", set.Namespace, set.Spec.Style)
			}
		})
	}
}
