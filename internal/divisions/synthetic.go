package divisions

import (
	"fmt"
	"slices"
	"strings"

	governancev1alpha1 "github.com/cunshe/cunshe-operator/api/v1alpha1"
)

// ZhejiangCities are Zhejiang's 11 prefecture-level cities (设区市), by
// their real NBS codes, in code order.
var ZhejiangCities = []Area{
	{Code: "3301", Name: "杭州市"},
	{Code: "3302", Name: "宁波市"},
	{Code: "3303", Name: "温州市"},
	{Code: "3304", Name: "嘉兴市"},
	{Code: "3305", Name: "湖州市"},
	{Code: "3306", Name: "绍兴市"},
	{Code: "3307", Name: "金华市"},
	{Code: "3308", Name: "衢州市"},
	{Code: "3309", Name: "舟山市"},
	{Code: "3310", Name: "台州市"},
	{Code: "3311", Name: "丽水市"},
}

// Zhejiang is the province of ZhejiangCities.
var Zhejiang = Area{Code: "33", Name: "浙江省"}

// The sizes SyntheticProvince scales to: Wenzhou's registry and the whole
// of Zhejiang (DESIGN.md, Scale).
const (
	WenzhouVillages  = 3685
	ZhejiangVillages = 25500
)

const wenzhouCode = "3303"

// SyntheticProvince builds a Zhejiang-sized province for benchmarks from
// the real Wenzhou registry (its 12 counties, 191 townships and 3,685
// villages, as Parse returns them from config.SampleDivisions).
//
// The province has cities cities (1 to 11) of ZhejiangCities; 温州市 3303 is
// always one of them and the others follow in code order (cities 2 gives
// 3301 and 3303, cities 11 all of 3301..3311). 3303 holds the wenzhou
// villages as given. Every other city holds a copy of Wenzhou's tree with
// the first 4 digits of each village, county and township code replaced by
// the city's code and every name kept, trimmed to an evenly spread
// selection of the villages — about 59% of them, 2,182 of 3,685, keeping
// all 12 counties — so that 11 cities hold 3,685 + 10 × 2,182 = 25,505
// villages, Zhejiang's ~25,500. A shorter input is trimmed in the same
// proportion.
//
// It returns the Jurisdictions — the province 33 浙江省 first, then the
// cities in code order, the only city marked default when cities is 1, as
// import-divisions does — and the villages in code order. The input is not
// modified. It panics when cities is outside 1..11 or a village's code is
// not 12 digits.
func SyntheticProvince(wenzhou []governancev1alpha1.Village, cities int) ([]governancev1alpha1.Jurisdiction, []governancev1alpha1.Village) {
	if cities < 1 || cities > len(ZhejiangCities) {
		panic(fmt.Sprintf("divisions.SyntheticProvince: %d cities, want 1 to %d", cities, len(ZhejiangCities)))
	}
	chosen := []Area{ZhejiangCities[2]} // 温州市 3303 first, then the others in code order
	for _, c := range ZhejiangCities {
		if len(chosen) < cities && c.Code != wenzhouCode {
			chosen = append(chosen, c)
		}
	}
	slices.SortFunc(chosen, func(a, b Area) int { return strings.Compare(a.Code, b.Code) })

	jurisdictions := []governancev1alpha1.Jurisdiction{NewJurisdiction(governancev1alpha1.LevelProvince, Zhejiang.Code, Zhejiang.Name)}
	copies := SyntheticCopySize(len(wenzhou))
	villages := make([]governancev1alpha1.Village, 0, len(wenzhou)+(cities-1)*copies)
	for _, c := range chosen {
		j := NewJurisdiction(governancev1alpha1.LevelCity, c.Code, c.Name)
		j.Spec.Default = cities == 1
		jurisdictions = append(jurisdictions, j)
		n := copies
		if c.Code == wenzhouCode {
			n = len(wenzhou)
		}
		for _, i := range spread(len(wenzhou), n) {
			villages = append(villages, reprefix(&wenzhou[i], c.Code))
		}
	}
	slices.SortFunc(villages, func(a, b governancev1alpha1.Village) int { return strings.Compare(a.Spec.Code, b.Spec.Code) })
	return jurisdictions, villages
}

// SyntheticCopySize is how many of n Wenzhou villages each city but 温州市
// holds in SyntheticProvince: n × (25,500 − 3,685) / (10 × 3,685), rounded;
// 2,182 for the real registry.
func SyntheticCopySize(n int) int {
	const others = 10 // the cities of Zhejiang other than Wenzhou
	num := n * (ZhejiangVillages - WenzhouVillages)
	den := others * WenzhouVillages
	return (2*num + den) / (2 * den)
}

// spread returns n of the indexes 0..total-1, evenly spread and in order.
func spread(total, n int) []int {
	idx := make([]int, 0, n)
	for i := range total {
		// Keep i when the running share i·n/total passes a whole number.
		if (i+1)*n/total > i*n/total {
			idx = append(idx, i)
		}
	}
	return idx
}

// reprefix copies v into the city code: its own, its county's and its
// township's codes get city as their first 4 digits.
func reprefix(v *governancev1alpha1.Village, city string) governancev1alpha1.Village {
	if len(v.Spec.Code) != 12 {
		panic(fmt.Sprintf("divisions.SyntheticProvince: village code %q is not 12 digits", v.Spec.Code))
	}
	out := *v.DeepCopy()
	out.Spec.Code = city + v.Spec.Code[4:]
	out.Name = out.Spec.Code
	out.Spec.County.Code = out.Spec.Code[:6]
	out.Spec.Township.Code = out.Spec.Code[:9]
	return out
}
