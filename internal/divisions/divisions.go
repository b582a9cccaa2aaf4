// Package divisions reads the National Bureau of Statistics' division
// registry (columns level,code,name,parent_code) into Village objects. The
// CLI's import-divisions and the local mode's sample import share it.
package divisions

import (
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"regexp"
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

var codeLength = map[string]int{"county": 6, "township": 9, "village": 12}

var digits = regexp.MustCompile(`^[0-9]+$`)

type row struct {
	level, code, name, parent string
	line                      int
}

// Parse reads the whole registry and returns its villages, in file order.
// Any malformed row fails the whole parse, so a caller never writes a
// partial import.
func Parse(r io.Reader) ([]governancev1alpha1.Village, error) {
	rows, err := readRows(r)
	if err != nil {
		return nil, err
	}
	names := map[string]string{}
	for _, rw := range rows {
		if rw.level != "village" {
			names[rw.code] = rw.name
		}
	}
	villages := make([]governancev1alpha1.Village, 0, len(rows))
	for _, rw := range rows {
		if rw.level != "village" {
			continue
		}
		v, err := village(rw, names)
		if err != nil {
			return nil, &LineError{Line: rw.line, Err: err}
		}
		villages = append(villages, v)
	}
	return villages, nil
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
		return fmt.Errorf("级别 %q 无效，应为 county、township 或 village / level %q is not county, township or village", rw.level, rw.level)
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
