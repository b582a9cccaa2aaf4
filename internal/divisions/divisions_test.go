package divisions

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"

	governancev1alpha1 "github.com/cunshe/cunshe-operator/api/v1alpha1"
)

func TestNameAndType(t *testing.T) {
	tests := map[string]struct {
		code, name string
		wantName   string
		wantType   governancev1alpha1.VillageType
	}{
		"村委会 loses 委会 and is a village": {
			code: "330302023201", name: "黄龙村委会",
			wantName: "黄龙村", wantType: governancev1alpha1.TypeVillage,
		},
		"a name ending in 村 is a village": {
			code: "330302023202", name: "上戍村",
			wantName: "上戍村", wantType: governancev1alpha1.TypeVillage,
		},
		"社区 is a community": {
			code: "330302006044", name: "鼓楼社区",
			wantName: "鼓楼社区", wantType: governancev1alpha1.TypeCommunity,
		},
		"居委会 is a community and keeps its name": {
			code: "330327116001", name: "南下居委会",
			wantName: "南下居委会", wantType: governancev1alpha1.TypeCommunity,
		},
		"社区居委会 is a community": {
			code: "330305001007", name: "小朴社区居委会",
			wantName: "小朴社区居委会", wantType: governancev1alpha1.TypeCommunity,
		},
		"the name beats the code: 村委会 with a 0xx code is a village": {
			code: "330302006001", name: "城中村委会",
			wantName: "城中村", wantType: governancev1alpha1.TypeVillage,
		},
		"the name beats the code: 社区 with a 2xx code is a community": {
			code: "330302023201", name: "新桥社区",
			wantName: "新桥社区", wantType: governancev1alpha1.TypeCommunity,
		},
		"a farm living area with 5 as 10th digit is a village": {
			code: "330327116501", name: "鹤顶山茶场生活区",
			wantName: "鹤顶山茶场生活区", wantType: governancev1alpha1.TypeVillage,
		},
		"a virtual living area with 5 as 10th digit is a village": {
			code: "330324400598", name: "县特产场场区虚拟生活区",
			wantName: "县特产场场区虚拟生活区", wantType: governancev1alpha1.TypeVillage,
		},
		"a farm living area with 0 as 10th digit is a community": {
			code: "330327116001", name: "鹤顶山茶场生活区",
			wantName: "鹤顶山茶场生活区", wantType: governancev1alpha1.TypeCommunity,
		},
		"a management area with 1 as 10th digit is a community": {
			code: "330383198101", name: "新城建设中心管理区",
			wantName: "新城建设中心管理区", wantType: governancev1alpha1.TypeCommunity,
		},
		"a management area with 4 as 10th digit is a village": {
			code: "330383198400", name: "新城建设中心管理区",
			wantName: "新城建设中心管理区", wantType: governancev1alpha1.TypeVillage,
		},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			gotName, gotType := NameAndType(tc.code, tc.name)
			if gotName != tc.wantName || gotType != tc.wantType {
				t.Errorf("NameAndType(%q, %q) = %q, %q; want %q, %q", tc.code, tc.name, gotName, gotType, tc.wantName, tc.wantType)
			}
		})
	}
}

// registry is a small valid registry; its line numbers matter below.
const registry = `level,code,name,parent_code
county,330302,"鹿城区",3303
township,330302006,"五马街道",330302
village,330302006044,"鼓楼社区",330302006
village,330302006201,"新村村委会",330302006
`

func TestParse(t *testing.T) {
	villages, err := Parse(strings.NewReader(registry))
	if err != nil {
		t.Fatal(err)
	}
	want := []governancev1alpha1.VillageSpec{{
		Code: "330302006044", Name: "鼓楼社区", Type: governancev1alpha1.TypeCommunity,
		County:   governancev1alpha1.Division{Code: "330302", Name: "鹿城区"},
		Township: governancev1alpha1.Division{Code: "330302006", Name: "五马街道"},
	}, {
		Code: "330302006201", Name: "新村村", Type: governancev1alpha1.TypeVillage,
		County:   governancev1alpha1.Division{Code: "330302", Name: "鹿城区"},
		Township: governancev1alpha1.Division{Code: "330302006", Name: "五马街道"},
	}}
	if len(villages) != len(want) {
		t.Fatalf("%d villages, want %d", len(villages), len(want))
	}
	for i, v := range villages {
		if v.Spec != want[i] {
			t.Errorf("village %d spec = %+v, want %+v", i, v.Spec, want[i])
		}
		if v.Name != v.Spec.Code || v.APIVersion != "governance.cunshe.io/v1alpha1" || v.Kind != "Village" {
			t.Errorf("village %d is %s %s %q, want governance.cunshe.io/v1alpha1 Village %q", i, v.APIVersion, v.Kind, v.Name, v.Spec.Code)
		}
	}
}

func TestParseErrors(t *testing.T) {
	tests := map[string]struct {
		input string
		// wantLine is the line the LineError names.
		wantLine int
		// wantErr must appear in the error's message.
		wantErr string
	}{
		"empty input": {
			input: "", wantLine: 1,
			wantErr: "读取表头失败 / reading the header: EOF",
		},
		"wrong header": {
			input: "level,code,name\n", wantLine: 1,
			wantErr: "wrong number of fields",
		},
		"renamed header column": {
			input: "level,code,name,parent\n", wantLine: 1,
			wantErr: `the header must be level,code,name,parent_code, got "level,code,name,parent"`,
		},
		"unknown level": {
			input: registry + "hamlet,330302006201001,\"小组\",330302006201\n", wantLine: 6,
			wantErr: `level "hamlet" is not province, city, county, township or village`,
		},
		"city code with 3 digits": {
			input: registry + "city,330,\"短市\",33\n", wantLine: 6,
			wantErr: `city code "330" must be 4 digits`,
		},
		"province code with 6 digits": {
			input: registry + "province,330000,\"浙江省\",\n", wantLine: 6,
			wantErr: `province code "330000" must be 2 digits`,
		},
		"city under another province": {
			input: registry + "city,3303,\"温州市\",32\n", wantLine: 6,
			wantErr: "code 3303 does not start with its parent code 32",
		},
		"city without a name": {
			input: registry + "city,3303,\"\",33\n", wantLine: 6,
			wantErr: "code 3303 has no name",
		},
		"duplicate city code": {
			input: registry + "city,3303,\"温州市\",33\ncity,3303,\"瓯越市\",33\n", wantLine: 7,
			wantErr: "code 3303 already appears on line 6",
		},
		"county code with 5 digits": {
			input: registry + "county,33030,\"短区\",3303\n", wantLine: 6,
			wantErr: `county code "33030" must be 6 digits`,
		},
		"village code with a letter": {
			input: registry + "village,33030200620x,\"坏村委会\",330302006\n", wantLine: 6,
			wantErr: `village code "33030200620x" must be 12 digits`,
		},
		"blank name": {
			input: registry + "village,330302006202,\"  \",330302006\n", wantLine: 6,
			wantErr: "code 330302006202 has no name",
		},
		"parent code not a prefix": {
			input: registry + "village,330302006202,\"错村委会\",330302023\n", wantLine: 6,
			wantErr: "code 330302006202 does not start with its parent code 330302023",
		},
		"five columns": {
			input: registry + "village,330302006202,\"五列村委会\",330302006,x\n", wantLine: 6,
			wantErr: "wrong number of fields",
		},
		"bare quote in the first field": {
			input: registry + "vil\"lage,330302006202,\"引号村委会\",330302006\n", wantLine: 6,
			wantErr: `bare " in non-quoted-field`,
		},
		"unterminated quote names where the file ends and where the row starts": {
			input: registry + "village,330302006202,\"未完\n\n", wantLine: 7,
			wantErr: `record on line 6; parse error on line 7, column 2: extraneous or missing " in quoted-field`,
		},
		"village whose township is missing": {
			input: registry + "village,330302023201,\"无乡村委会\",330302023\n", wantLine: 6,
			wantErr: "the county 330302 or township 330302023 of village 330302023201 is not in the registry",
		},
		"village whose county is missing": {
			input: strings.Replace(registry, "county,330302,\"鹿城区\",3303\n", "", 1), wantLine: 3,
			wantErr: "the county 330302 or township 330302006 of village 330302006044 is not in the registry",
		},
		"duplicate village code": {
			input: registry + "village,330302006044,\"又一个社区\",330302006\n", wantLine: 6,
			wantErr: "code 330302006044 already appears on line 4",
		},
		"duplicate township code": {
			input: registry + "township,330302006,\"另一街道\",330302\n", wantLine: 6,
			wantErr: "code 330302006 already appears on line 3",
		},
		"a quoted name across lines moves the line numbers": {
			input: registry + "village,330302006202,\"两行\n村委会\",330302006\nvillage,x,\"坏\",330302006\n", wantLine: 8,
			wantErr: `village code "x" must be 12 digits`,
		},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			villages, err := Parse(strings.NewReader(tc.input))
			if err == nil {
				t.Fatalf("Parse returned %d villages and no error", len(villages))
			}
			if villages != nil {
				t.Errorf("Parse returned %d villages with its error", len(villages))
			}
			le, ok := errors.AsType[*LineError](err)
			if !ok {
				t.Fatalf("error %v is no *LineError", err)
			}
			if le.Line != tc.wantLine {
				t.Errorf("line = %d, want %d (%v)", le.Line, tc.wantLine, err)
			}
			prefix := fmt.Sprintf("第 %d 行 / line %d: ", tc.wantLine, tc.wantLine)
			if msg := err.Error(); !strings.HasPrefix(msg, prefix) || !strings.Contains(msg, tc.wantErr) {
				t.Errorf("error = %q, want %q…%q", msg, prefix, tc.wantErr)
			}
		})
	}
}

func TestParseRegistry(t *testing.T) {
	tests := map[string]struct {
		input string
		// wantProvinces and wantCities are the registry's areas, in code order.
		wantProvinces, wantCities []Area
		// wantVillages are the codes of its villages, in file order.
		wantVillages []string
	}{
		"no province or city rows: the city is known by its counties' code": {
			input:        registry,
			wantCities:   []Area{{Code: "3303"}},
			wantVillages: []string{"330302006044", "330302006201"},
		},
		"province and city rows name them": {
			input:         "level,code,name,parent_code\nprovince,33,\"浙江省\",\ncity,3303,\"温州市\",33\n" + strings.TrimPrefix(registry, "level,code,name,parent_code\n"),
			wantProvinces: []Area{{Code: "33", Name: "浙江省"}},
			wantCities:    []Area{{Code: "3303", Name: "温州市"}},
			wantVillages:  []string{"330302006044", "330302006201"},
		},
		"a city row after its counties still names the city": {
			input:        registry + "city,3303,\"温州市\",33\n",
			wantCities:   []Area{{Code: "3303", Name: "温州市"}},
			wantVillages: []string{"330302006044", "330302006201"},
		},
		"two cities, one without a row, in code order; a city row without counties counts": {
			input: registry + `city,3302,"宁波市",33
county,330106,"西湖区",3301
township,330106002,"北山街道",330106
village,330106002001,"宝石社区",330106002
`,
			wantCities:   []Area{{Code: "3301"}, {Code: "3302", Name: "宁波市"}, {Code: "3303"}},
			wantVillages: []string{"330302006044", "330302006201", "330106002001"},
		},
		"a province without cities": {
			input:         registry + "province,32,\"江苏省\",\n",
			wantProvinces: []Area{{Code: "32", Name: "江苏省"}},
			wantCities:    []Area{{Code: "3303"}},
			wantVillages:  []string{"330302006044", "330302006201"},
		},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			reg, err := ParseRegistry(strings.NewReader(tc.input))
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(reg.Provinces, tc.wantProvinces) {
				t.Errorf("provinces = %+v, want %+v", reg.Provinces, tc.wantProvinces)
			}
			if !slices.Equal(reg.Cities, tc.wantCities) {
				t.Errorf("cities = %+v, want %+v", reg.Cities, tc.wantCities)
			}
			var codes []string
			for _, v := range reg.Villages {
				codes = append(codes, v.Spec.Code)
			}
			if !slices.Equal(codes, tc.wantVillages) {
				t.Errorf("villages = %q, want %q", codes, tc.wantVillages)
			}
			// Parse returns the same villages.
			villages, err := Parse(strings.NewReader(tc.input))
			if err != nil || len(villages) != len(reg.Villages) {
				t.Errorf("Parse = %d villages, %v; want %d", len(villages), err, len(reg.Villages))
			}
		})
	}
}

func TestNewJurisdiction(t *testing.T) {
	j := NewJurisdiction(governancev1alpha1.LevelCity, "3303", "温州市")
	if j.APIVersion != "governance.cunshe.io/v1alpha1" || j.Kind != "Jurisdiction" || j.Name != "3303" {
		t.Errorf("jurisdiction is %s %s %q, want governance.cunshe.io/v1alpha1 Jurisdiction \"3303\"", j.APIVersion, j.Kind, j.Name)
	}
	want := governancev1alpha1.JurisdictionSpec{Code: "3303", Name: "温州市", Level: governancev1alpha1.LevelCity}
	if j.Spec.Code != want.Code || j.Spec.Name != want.Name || j.Spec.Level != want.Level || j.Spec.Default {
		t.Errorf("spec = %+v, want %+v", j.Spec, want)
	}
}

func FuzzParse(f *testing.F) {
	f.Add(registry)
	f.Add("")
	f.Add("level,code,name,parent_code\n")
	f.Add(registry + "vil\"lage,330302006202,\"引号\",330302006\n")
	f.Add(registry + "village,330302006202,\"未完\n")
	f.Add(registry + "village,330302006202,\"五列\",330302006,x\n")
	f.Add(registry + "village,330302023201,\"无乡村委会\",330302023\n")
	f.Add(registry + "village,330302006044,\"重复\",330302006\n")
	f.Add(strings.ReplaceAll(registry, "\n", "\r\n"))
	f.Add(registry + "province,33,\"浙江省\",\ncity,3303,\"温州市\",33\n")
	f.Fuzz(func(t *testing.T, input string) {
		reg, err := ParseRegistry(strings.NewReader(input))
		if err != nil {
			// Every failure of an in-memory parse names a line of the input.
			le, ok := errors.AsType[*LineError](err)
			if !ok {
				t.Fatalf("error %v is no *LineError", err)
			}
			if lines := strings.Count(input, "\n") + 1; le.Line < 1 || le.Line > lines {
				t.Fatalf("error names line %d of an input with %d lines: %v", le.Line, lines, err)
			}
			return
		}
		cities := map[string]bool{}
		for _, c := range reg.Cities {
			if len(c.Code) != 4 || cities[c.Code] {
				t.Fatalf("ParseRegistry returned an invalid or repeated city: %+v", reg.Cities)
			}
			cities[c.Code] = true
		}
		for _, p := range reg.Provinces {
			if len(p.Code) != 2 || p.Name == "" {
				t.Fatalf("ParseRegistry returned an invalid province: %+v", p)
			}
		}
		for _, v := range reg.Villages {
			if !cities[governancev1alpha1.CityOf(v.Spec.Code)] {
				t.Fatalf("village %s belongs to no city of %+v", v.Spec.Code, reg.Cities)
			}
			s := v.Spec
			if len(s.Code) != 12 || v.Name != s.Code || s.Name == "" ||
				s.County.Code != s.Code[:6] || s.Township.Code != s.Code[:9] ||
				s.County.Name == "" || s.Township.Name == "" ||
				(s.Type != governancev1alpha1.TypeVillage && s.Type != governancev1alpha1.TypeCommunity) {
				t.Fatalf("Parse accepted an invalid village: %+v", v)
			}
		}
	})
}
