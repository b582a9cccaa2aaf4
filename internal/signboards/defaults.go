// Package signboards builds the default SignboardStyle of a township and
// the default SignboardSet of a village (S12–S16), and draws a village's
// boards as an SVG in its township's style. The functions are pure: the
// CLI's import-signboards, the local mode's sample import, the renderer and
// the tests all share them.
package signboards

import (
	"maps"
	"slices"
	"strings"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	governancev1alpha1 "github.com/cunshe/cunshe-operator/api/v1alpha1"
	"github.com/cunshe/cunshe-operator/internal/rules"
)

// DefaultStyle is a township's default format: a vertical 600×2400 mm white
// board with black 方正小标宋简体 text in titanium-gold stainless steel, as
// Zhejiang's townships commonly hang them (S15).
func DefaultStyle(township governancev1alpha1.Division) *governancev1alpha1.SignboardStyle {
	return &governancev1alpha1.SignboardStyle{
		TypeMeta:   metav1.TypeMeta{APIVersion: governancev1alpha1.GroupVersion.String(), Kind: "SignboardStyle"},
		ObjectMeta: metav1.ObjectMeta{Name: township.Code},
		Spec: governancev1alpha1.SignboardStyleSpec{
			Township: township, WidthMM: 600, HeightMM: 2400, Orientation: governancev1alpha1.OrientationVertical,
			Background: "#FFFFFF", Foreground: "#000000", Typeface: "方正小标宋简体", Material: "钛金不锈钢",
		},
	}
}

// DefaultSet is the compliant set of a village: the four institution
// boards named with the full division path (中共温州市鹿城区五马街道鼓楼社区委员会),
// the eight service signs named with the village, a community's
// 居民委员会/居务监督委员会/股份经济合作社/社区文化家园 and a village's
// 村民委员会/村务监督委员会/经济合作社/村文化礼堂 (S12, S13), in the township's
// style (S15), with no honours.
func DefaultSet(v *governancev1alpha1.Village, city string) *governancev1alpha1.SignboardSet {
	return &governancev1alpha1.SignboardSet{
		TypeMeta: metav1.TypeMeta{APIVersion: governancev1alpha1.GroupVersion.String(), Kind: "SignboardSet"},
		ObjectMeta: metav1.ObjectMeta{Name: governancev1alpha1.SignboardSetName,
			Namespace: governancev1alpha1.TenantNamespaceName(v.Spec.Code)},
		Spec: governancev1alpha1.SignboardSetSpec{
			Style:             v.Spec.Township.Code,
			InstitutionBoards: institutionBoards(v, city),
			ServiceSigns:      serviceSigns(v),
		},
	}
}

func institutionBoards(v *governancev1alpha1.Village, city string) []governancev1alpha1.InstitutionBoard {
	full := city + v.Spec.County.Name + v.Spec.Township.Name + v.Spec.Name
	committee, supervision, cooperative := "村民委员会", "村务监督委员会", "经济合作社"
	if v.Spec.Type == governancev1alpha1.TypeCommunity {
		committee, supervision, cooperative = "居民委员会", "居务监督委员会", "股份经济合作社"
	}
	required := rules.RequiredInstitutionBoards(v.Spec.Type)
	texts := []string{"中共" + full + "委员会", full + committee, full + supervision, full + cooperative}
	boards := make([]governancev1alpha1.InstitutionBoard, len(required))
	for i, t := range required {
		boards[i] = governancev1alpha1.InstitutionBoard{Type: t, Text: texts[i]}
	}
	return boards
}

// serviceTexts are what follows the village's name on each default sign.
var serviceTexts = map[governancev1alpha1.ServiceSignType]string{
	governancev1alpha1.SignPartyMassServiceCenter: "党群服务中心",
	governancev1alpha1.SignCommunityServiceCenter: "社区服务中心",
	governancev1alpha1.SignCulturalHall:           "文化礼堂",
	governancev1alpha1.SignCommunityCultureHome:   "文化家园",
	governancev1alpha1.SignElderlyCareCenter:      "居家养老服务照料中心",
	governancev1alpha1.SignMicroFireStation:       "微型消防站",
	governancev1alpha1.SignPoliceRoom:             "警务室",
	governancev1alpha1.SignHealthStation:          "卫生服务站",
	governancev1alpha1.SignDisasterShelter:        "避灾安置点",
}

// serviceSigns fill each slot with its default type; a community's name
// already ends in 社区, so its service centre reads 鼓楼社区服务中心.
func serviceSigns(v *governancev1alpha1.Village) []governancev1alpha1.ServiceSign {
	slots := rules.ServiceSlots(v.Spec.Type)
	signs := make([]governancev1alpha1.ServiceSign, len(slots))
	for i, slot := range slots {
		t := slot[0]
		text := v.Spec.Name + serviceTexts[t]
		if t == governancev1alpha1.SignCommunityServiceCenter && strings.HasSuffix(v.Spec.Name, "社区") {
			text = v.Spec.Name + "服务中心"
		}
		signs[i] = governancev1alpha1.ServiceSign{Type: t, Text: text}
	}
	return signs
}

// Defaults are the default styles of every township of villages (in code
// order, once each) and the default set of every village (in the given order).
func Defaults(villages []governancev1alpha1.Village, city string) ([]*governancev1alpha1.SignboardStyle, []*governancev1alpha1.SignboardSet) {
	townships := map[string]governancev1alpha1.Division{}
	sets := make([]*governancev1alpha1.SignboardSet, len(villages))
	for i := range villages {
		townships[villages[i].Spec.Township.Code] = villages[i].Spec.Township
		sets[i] = DefaultSet(&villages[i], city)
	}
	codes := slices.Sorted(maps.Keys(townships))
	styles := make([]*governancev1alpha1.SignboardStyle, len(codes))
	for i, code := range codes {
		styles[i] = DefaultStyle(townships[code])
	}
	return styles, sets
}
