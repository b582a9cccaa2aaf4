package rules_test

import (
	"slices"
	"strings"
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/validation/field"

	governancev1alpha1 "github.com/cunshe/cunshe-operator/api/v1alpha1"
	"github.com/cunshe/cunshe-operator/internal/rules"
	"github.com/cunshe/cunshe-operator/internal/rules/formats"
)

// declarable are the jurisdictions a fuzzed cluster may declare, by bit.
var declarable = []struct {
	code  string
	level governancev1alpha1.JurisdictionLevel
}{{"33", governancev1alpha1.LevelProvince}, {"3303", governancev1alpha1.LevelCity}, {"3301", governancev1alpha1.LevelCity}}

// declared is a cluster's jurisdictions: bits 0–2 declare 浙江省, 温州市 and
// 杭州市; bits 3 and 4 mark the two cities default (admission keeps it to one;
// the rules must still read two calmly).
func declared(mask uint8) []governancev1alpha1.Jurisdiction {
	var list []governancev1alpha1.Jurisdiction
	for i, d := range declarable {
		if mask&(1<<i) == 0 {
			continue
		}
		j := governancev1alpha1.Jurisdiction{ObjectMeta: metav1.ObjectMeta{Name: d.code},
			Spec: governancev1alpha1.JurisdictionSpec{Code: d.code, Name: d.code, Level: d.level}}
		j.Spec.Default = d.level == governancev1alpha1.LevelCity && mask&(1<<(i+2)) != 0
		list = append(list, j)
	}
	return list
}

// FuzzJurisdictionRules sends any jurisdiction reference, time zone and
// rollout counties to the per-city rules (S1): they never panic, every
// finding cites S1 in Chinese and English, a reference is accepted exactly
// when it is well formed and declared (or empty on a cluster with a default
// city or no jurisdictions), a rollout reaches only its own city's counties,
// and a time zone is refused exactly when it is no zone of the database.
func FuzzJurisdictionRules(f *testing.F) {
	f.Add(uint8(0b1011), "3303", false, "Asia/Shanghai", "330302,330381", "")
	f.Add(uint8(0b0111), "", true, "Europe/London", "330102,330302", "3301")
	f.Add(uint8(0), "33", true, "Mars/Olympus", ",", "")
	f.Add(uint8(0b0010), "3303", true, "Local", "330302", "3303")
	f.Add(uint8(0b11111), "3304", false, "../etc/passwd", "3303", "3303")
	f.Add(uint8(0b0001), "", false, "", "", "33")
	f.Fuzz(func(t *testing.T, mask uint8, code string, cityOnly bool, zone, counties, rolloutJur string) {
		list := declared(mask)
		j := rules.NewJurisdictions(list)
		path := field.NewPath("spec", "jurisdiction")

		errs := rules.ValidateJurisdictionRef(code, cityOnly, j, path)
		for _, e := range errs {
			requireRule(t, e, rules.S1)
		}
		if accepted, want := len(errs) == 0, referenceOracle(code, cityOnly, list); accepted != want {
			t.Fatalf("reference %q (city only %t) on %v: accepted %t, want %t: %v", code, cityOnly, j.Codes(), accepted, want, errs)
		}

		ro := &governancev1alpha1.ListRollout{Spec: governancev1alpha1.ListRolloutSpec{Jurisdiction: rolloutJur,
			Steps: []governancev1alpha1.RolloutStep{{Counties: list_(counties)}}}}
		errs = rules.ValidateRolloutSteps(ro, j)
		for _, e := range errs {
			requireRule(t, e, rules.S1)
		}
		city := j.Resolve(rolloutJur)
		for k, county := range ro.Spec.Steps[0].Counties {
			refused := slices.ContainsFunc(errs, func(e *field.Error) bool {
				return e.Field == field.NewPath("spec", "steps").Index(0).Child("counties").Index(k).String()
			})
			if want := city != "" && !strings.HasPrefix(county, city); refused != want {
				t.Fatalf("county %q of a rollout of city %q: refused %t, want %t", county, city, refused, want)
			}
		}

		for _, jur := range list {
			jur.Spec.TimeZone = zone
			errs := rules.ValidateJurisdiction(&jur, j)
			for _, e := range errs {
				requireRule(t, e, rules.S1)
			}
			refused := slices.ContainsFunc(errs, func(e *field.Error) bool { return e.Field == "spec.timeZone" })
			if _, known := formats.TimeZone(zone); refused != (zone != "" && !known) {
				t.Fatalf("time zone %q: refused %t", zone, refused)
			}
		}
	})
}

// list_ is list for the rollout's counties (list is taken by the fuzzer's name).
func list_(s string) []string { return list(s) }

// referenceOracle: empty names the default city (fine without
// jurisdictions); otherwise 4 ASCII digits, or 2 when a province may be
// named, of a declared jurisdiction.
func referenceOracle(code string, cityOnly bool, list []governancev1alpha1.Jurisdiction) bool {
	if code == "" {
		return len(list) == 0 || slices.ContainsFunc(list, func(j governancev1alpha1.Jurisdiction) bool {
			return j.Spec.Default && j.Spec.Level == governancev1alpha1.LevelCity
		})
	}
	if !asciiDigits(code, 4) && (cityOnly || !asciiDigits(code, 2)) {
		return false
	}
	return slices.ContainsFunc(list, func(j governancev1alpha1.Jurisdiction) bool { return j.Spec.Code == code })
}

func TestAJurisdictionZoneIsAPlace(t *testing.T) {
	wenzhou := declared(0b1010)[0]
	wenzhou.Spec.TimeZone = "Local"
	expectFindings(t, rules.ValidateJurisdiction(&wenzhou, rules.NewJurisdictions(nil)), []finding{{field.ErrorTypeInvalid, "spec.timeZone", "S1",
		`时区 "Local" 须为 IANA 时区库中的名称，如 Asia/Shanghai（Local 是读取它的机器自己的时区，各处不同） / ` +
			`time zone "Local" must be a name of the IANA zone database, e.g. Asia/Shanghai (Local is the zone of whichever machine reads it)`}})
	wenzhou.Spec.TimeZone = "Asia/Shanghai"
	expectFindings(t, rules.ValidateJurisdiction(&wenzhou, rules.NewJurisdictions(nil)), nil)
}

func asciiDigits(s string, n int) bool {
	return len(s) == n && strings.Trim(s, "0123456789") == ""
}
