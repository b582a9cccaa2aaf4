// Package divisions reads the National Bureau of Statistics' division
// registry (columns level,code,name,parent_code) into Village objects and the
// cities and provinces they belong to. The CLI's import-divisions and the
// local mode's sample import share it.
//
// A registry holds county (6-digit code), township (9) and village (12)
// rows, and optionally province (2) and city (4) rows:
//
//	level,code,name,parent_code
//	province,33,"浙江省",
//	city,3303,"温州市",33
//	county,330302,"鹿城区",3303
//	township,330302006,"五马街道",330302
//	village,330302006044,"鼓楼社区",330302006
//
// A city needs no row: its counties' codes name it (their first 4 digits);
// only its name is then unknown.
package divisions

import (
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"regexp"
	"slices"
	"strings"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	governancev1alpha1 "github.com/cunshe/cunshe-operator/api/v1alpha1"
)

// LineError names the CSV line a problem was found on.
type LineError struct {
	Line int
	Err  error
}

func (e *LineError) Error() string {
	return fmt.Sprintf("第 %d 行 / line %d: %v", e.Line, e.Line, e.Err)
}

func (e *LineError) Unwrap() error { return e.Err }

var codeLength = map[string]int{"province": 2, "city": 4, "county": 6, "township": 9, "village": 12}

var digits = regexp.MustCompile(`^[0-9]+$`)

type row struct {
	level, code, name, parent string
	line                      int
}

// Area is a province or a city of a registry.
type Area struct {
	// Code is the area's code: 2 digits for a province, 4 for a city.
	Code string
	// Name is the name its province or city row gives, "" when the registry
	// has no row for it.
	Name string
}

// Registry is what a division registry holds.
type Registry struct {
	// Provinces are the registry's province rows, in code order.
	Provinces []Area
	// Cities are the registry's cities, in code order: those of its city
	// rows and those its counties belong to (the first 4 digits of their
	// codes), whether or not they have a row.
	Cities []Area
	// Villages are the registry's villages, in file order.
	Villages []governancev1alpha1.Village
}

// Parse reads the whole registry and returns its villages, in file order.
// Any malformed row fails the whole parse, so a caller never writes a
// partial import.
func Parse(r io.Reader) ([]governancev1alpha1.Village, error) {
	reg, err := ParseRegistry(r)
	if err != nil {
		return nil, err
	}
	return reg.Villages, nil
}

// ParseRegistry reads the whole registry: its provinces, cities and
// villages. Like Parse, it fails on any malformed row.
func ParseRegistry(r io.Reader) (*Registry, error) {
	rows, err := readRows(r)
	if err != nil {
		return nil, err
	}
	names := map[string]string{}
	cities := map[string]string{} // code → name, "" when it has no row
	reg := &Registry{}
	for _, rw := range rows {
		switch rw.level {
		case "village":
			continue
		case "province":
			reg.Provinces = append(reg.Provinces, Area{Code: rw.code, Name: rw.name})
		case "city":
			cities[rw.code] = rw.name // also when its counties came first
		case "county":
			if _, ok := cities[governancev1alpha1.CityOf(rw.code)]; !ok {
				cities[governancev1alpha1.CityOf(rw.code)] = ""
			}
		}
		names[rw.code] = rw.name
	}
	reg.Villages = make([]governancev1alpha1.Village, 0, len(rows))
	for _, rw := range rows {
		if rw.level != "village" {
			continue
		}
		v, err := village(rw, names)
		if err != nil {
			return nil, &LineError{Line: rw.line, Err: err}
		}
		reg.Villages = append(reg.Villages, v)
	}
	for code, name := range cities {
		reg.Cities = append(reg.Cities, Area{Code: code, Name: name})
	}
	byCode := func(a, b Area) int { return strings.Compare(a.Code, b.Code) }
	slices.SortFunc(reg.Cities, byCode)
	slices.SortFunc(reg.Provinces, byCode)
	return reg, nil
}

// NewJurisdiction returns the Jurisdiction of a city or province, ready to
// apply: metadata.name and spec.code are code, nothing else is set.
func NewJurisdiction(level governancev1alpha1.JurisdictionLevel, code, name string) governancev1alpha1.Jurisdiction {
	return governancev1alpha1.Jurisdiction{
		TypeMeta:   metav1.TypeMeta{APIVersion: governancev1alpha1.GroupVersion.String(), Kind: "Jurisdiction"},
		ObjectMeta: metav1.ObjectMeta{Name: code},
		Spec:       governancev1alpha1.JurisdictionSpec{Code: code, Name: name, Level: level},
	}
}

func readRows(r io.Reader) ([]row, error) {
	cr := csv.NewReader(r)
	cr.FieldsPerRecord = 4
	header, err := cr.Read()
	if err != nil {
		return nil, &LineError{Line: 1, Err: fmt.Errorf("读取表头失败 / reading the header: %w", err)}
	}
	if strings.Join(header, ",") != "level,code,name,parent_code" {
		return nil, &LineError{Line: 1, Err: fmt.Errorf("表头应为 level,code,name,parent_code / the header must be level,code,name,parent_code, got %q", strings.Join(header, ","))}
	}
	var rows []row
	seen := map[string]int{} // code → line it was first seen on
	for {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			return rows, nil
		}
		if err != nil {
			// FieldPos panics when the reader failed before the record's
			// first field, so the line comes from the ParseError.
			var pe *csv.ParseError
			if errors.As(err, &pe) {
				return nil, &LineError{Line: pe.Line, Err: err}
			}
			return nil, fmt.Errorf("读取登记表失败 / reading the registry: %w", err)
		}
		line, _ := cr.FieldPos(0)
		rw := row{level: rec[0], code: rec[1], name: strings.TrimSpace(rec[2]), parent: rec[3], line: line}
		if err := rw.validate(); err != nil {
			return nil, &LineError{Line: line, Err: err}
		}
		if first, ok := seen[rw.code]; ok {
			return nil, &LineError{Line: line, Err: fmt.Errorf("代码 %s 重复，已见于第 %d 行 / code %s already appears on line %d", rw.code, first, rw.code, first)}
		}
		seen[rw.code] = line
		rows = append(rows, rw)
	}
}

func (rw row) validate() error {
	n, ok := codeLength[rw.level]
	if !ok {
		return fmt.Errorf("级别 %q 无效，应为 province、city、county、township 或 village / level %q is not province, city, county, township or village", rw.level, rw.level)
	}
	if len(rw.code) != n || !digits.MatchString(rw.code) {
		return fmt.Errorf("%s 代码 %q 应为 %d 位数字 / %s code %q must be %d digits", rw.level, rw.code, n, rw.level, rw.code, n)
	}
	if rw.name == "" {
		return fmt.Errorf("代码 %s 缺少名称 / code %s has no name", rw.code, rw.code)
	}
	if rw.level != "county" && !strings.HasPrefix(rw.code, rw.parent) {
		return fmt.Errorf("代码 %s 与上级代码 %s 不符 / code %s does not start with its parent code %s", rw.code, rw.parent, rw.code, rw.parent)
	}
	return nil
}

func village(rw row, names map[string]string) (governancev1alpha1.Village, error) {
	county, township := rw.code[:6], rw.code[:9]
	if names[county] == "" || names[township] == "" {
		return governancev1alpha1.Village{}, fmt.Errorf("村 %s 的县 %s 或乡镇 %s 不在登记表中 / the county %s or township %s of village %s is not in the registry",
			rw.code, county, township, county, township, rw.code)
	}
	name, typ := NameAndType(rw.code, rw.name)
	return governancev1alpha1.Village{
		TypeMeta:   metav1.TypeMeta{APIVersion: governancev1alpha1.GroupVersion.String(), Kind: "Village"},
		ObjectMeta: metav1.ObjectMeta{Name: rw.code},
		Spec: governancev1alpha1.VillageSpec{
			Code:     rw.code,
			Name:     name,
			Type:     typ,
			County:   governancev1alpha1.Division{Code: county, Name: names[county]},
			Township: governancev1alpha1.Division{Code: township, Name: names[township]},
		},
	}, nil
}

// NameAndType turns a registry name into the village's common name and type.
// The name's ending is the reliable signal (村委会 → a village, 社区/居委会 →
// a community); for the few others (farm living areas) the registry's
// urban–rural digits decide: 0xx and 1xx are urban.
func NameAndType(code, name string) (string, governancev1alpha1.VillageType) {
	switch {
	case strings.HasSuffix(name, "村委会"):
		return strings.TrimSuffix(name, "委会"), governancev1alpha1.TypeVillage
	case strings.HasSuffix(name, "村"):
		return name, governancev1alpha1.TypeVillage
	case strings.HasSuffix(name, "社区"), strings.HasSuffix(name, "居委会"):
		return name, governancev1alpha1.TypeCommunity
	case code[9] == '0' || code[9] == '1':
		return name, governancev1alpha1.TypeCommunity
	default:
		return name, governancev1alpha1.TypeVillage
	}
}
