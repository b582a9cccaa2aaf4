package divisions

import (
	"slices"
	"strings"
	"testing"

	governancev1alpha1 "github.com/cunshe/cunshe-operator/api/v1alpha1"
	"github.com/cunshe/cunshe-operator/config"
)

func TestSyntheticProvince(t *testing.T) {
	wenzhou, err := Parse(config.SampleDivisions())
	if err != nil {
		t.Fatal(err)
	}
	if len(wenzhou) != WenzhouVillages {
		t.Fatalf("the sample registry holds %d villages, want %d", len(wenzhou), WenzhouVillages)
	}
	tests := map[string]struct {
		cities int
		// wantCities are the cities' codes, in order.
		wantCities []string
		// wantVillages is the total.
		wantVillages int
	}{
		"one city is Wenzhou alone, the default city": {
			cities: 1, wantCities: []string{"3303"}, wantVillages: 3685,
		},
		"two cities are Hangzhou and Wenzhou": {
			cities: 2, wantCities: []string{"3301", "3303"}, wantVillages: 3685 + 2182,
		},
		"eleven cities are all of Zhejiang, about 25,500 villages": {
			cities:       11,
			wantCities:   []string{"3301", "3302", "3303", "3304", "3305", "3306", "3307", "3308", "3309", "3310", "3311"},
			wantVillages: 3685 + 10*2182,
		},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			jurisdictions, villages := SyntheticProvince(wenzhou, tc.cities)

			if len(jurisdictions) != len(tc.wantCities)+1 {
				t.Fatalf("%d jurisdictions, want the province and %d cities", len(jurisdictions), len(tc.wantCities))
			}
			if p := jurisdictions[0]; p.Name != "33" || p.Spec.Code != "33" || p.Spec.Name != "浙江省" ||
				p.Spec.Level != governancev1alpha1.LevelProvince || p.Spec.Default {
				t.Errorf("province = %s %+v, want 33 浙江省 Province", p.Name, p.Spec)
			}
			names := map[string]string{}
			for _, c := range ZhejiangCities {
				names[c.Code] = c.Name
			}
			var codes []string
			for _, j := range jurisdictions[1:] {
				codes = append(codes, j.Spec.Code)
				if j.Name != j.Spec.Code || j.Spec.Level != governancev1alpha1.LevelCity || j.Spec.Name != names[j.Spec.Code] ||
					j.Kind != "Jurisdiction" || j.Spec.Default != (tc.cities == 1) {
					t.Errorf("city jurisdiction = %s %s %+v", j.Kind, j.Name, j.Spec)
				}
			}
			if !slices.Equal(codes, tc.wantCities) {
				t.Errorf("cities = %q, want %q", codes, tc.wantCities)
			}

			if len(villages) != tc.wantVillages {
				t.Errorf("%d villages, want %d", len(villages), tc.wantVillages)
			}
			if tc.cities == 11 && (len(villages) < ZhejiangVillages*99/100 || len(villages) > ZhejiangVillages*101/100) {
				t.Errorf("%d villages, want 25,500 ± 1%%", len(villages))
			}
			if !slices.IsSortedFunc(villages, func(a, b governancev1alpha1.Village) int { return strings.Compare(a.Spec.Code, b.Spec.Code) }) {
				t.Error("villages are not in code order")
			}
			seen := map[string]bool{}
			perCity := map[string]int{}
			counties := map[string]map[string]bool{}
			for _, v := range villages {
				s := v.Spec
				if seen[s.Code] {
					t.Errorf("village code %s appears twice", s.Code)
				}
				seen[s.Code] = true
				if v.Name != s.Code || len(s.Code) != 12 || s.County.Code != s.Code[:6] || s.Township.Code != s.Code[:9] ||
					s.Name == "" || s.County.Name == "" || s.Township.Name == "" {
					t.Errorf("village %s is inconsistent: %+v", v.Name, s)
				}
				city := governancev1alpha1.CityOf(s.Code)
				perCity[city]++
				if counties[city] == nil {
					counties[city] = map[string]bool{}
				}
				counties[city][s.County.Code] = true
			}
			for _, c := range tc.wantCities {
				want := 2182
				if c == "3303" {
					want = 3685
				}
				if perCity[c] != want {
					t.Errorf("city %s holds %d villages, want %d", c, perCity[c], want)
				}
				if len(counties[c]) != 12 {
					t.Errorf("city %s has %d counties, want Wenzhou's 12", c, len(counties[c]))
				}
			}
			if len(perCity) != len(tc.wantCities) {
				t.Errorf("villages belong to cities %v, want %q", perCity, tc.wantCities)
			}
		})
	}

	t.Run("Wenzhou keeps its real villages and the input is not modified", func(t *testing.T) {
		before := slices.Clone(wenzhou)
		_, villages := SyntheticProvince(wenzhou, 11)
		var got []governancev1alpha1.VillageSpec
		for _, v := range villages {
			if governancev1alpha1.CityOf(v.Spec.Code) == "3303" {
				got = append(got, v.Spec)
			}
		}
		sorted := slices.Clone(wenzhou)
		slices.SortFunc(sorted, func(a, b governancev1alpha1.Village) int { return strings.Compare(a.Spec.Code, b.Spec.Code) })
		for i := range sorted {
			if got[i] != sorted[i].Spec {
				t.Fatalf("Wenzhou village %d = %+v, want %+v", i, got[i], sorted[i].Spec)
			}
		}
		for i := range wenzhou {
			if wenzhou[i].Spec != before[i].Spec || wenzhou[i].Name != before[i].Name {
				t.Fatalf("input village %d changed to %+v", i, wenzhou[i].Spec)
			}
		}
	})

	t.Run("a copy keeps the names and replaces the city code", func(t *testing.T) {
		_, villages := SyntheticProvince(wenzhou, 2)
		byCode := map[string]governancev1alpha1.VillageSpec{}
		for _, v := range wenzhou {
			byCode[v.Spec.Code] = v.Spec
		}
		for _, v := range villages {
			if governancev1alpha1.CityOf(v.Spec.Code) != "3301" {
				continue
			}
			orig, ok := byCode["3303"+v.Spec.Code[4:]]
			if !ok {
				t.Fatalf("village %s copies no Wenzhou village", v.Spec.Code)
			}
			if v.Spec.Name != orig.Name || v.Spec.Type != orig.Type || v.Spec.County.Name != orig.County.Name || v.Spec.Township.Name != orig.Township.Name {
				t.Fatalf("village %s = %+v, a copy of %+v", v.Spec.Code, v.Spec, orig)
			}
		}
	})
}

func TestSyntheticProvinceSmallInput(t *testing.T) {
	wenzhou, err := Parse(strings.NewReader(registry))
	if err != nil {
		t.Fatal(err)
	}
	// 2 villages × 59% rounds to 1 per copy.
	jurisdictions, villages := SyntheticProvince(wenzhou, 11)
	if len(jurisdictions) != 12 || len(villages) != 2+10*1 {
		t.Errorf("%d jurisdictions and %d villages, want 12 and 12", len(jurisdictions), len(villages))
	}
}

func TestSyntheticProvinceOutOfRange(t *testing.T) {
	for _, cities := range []int{0, 12} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("SyntheticProvince(…, %d) did not panic", cities)
				}
			}()
			SyntheticProvince(nil, cities)
		}()
	}
}

func TestSyntheticCopySize(t *testing.T) {
	tests := map[int]int{3685: 2182, 2: 1, 0: 0, 100: 59}
	for n, want := range tests {
		if got := SyntheticCopySize(n); got != want {
			t.Errorf("SyntheticCopySize(%d) = %d, want %d", n, got, want)
		}
	}
}
