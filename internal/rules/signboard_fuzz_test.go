package rules_test

import (
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/cunshe/cunshe-operator/internal/rules"
	"github.com/cunshe/cunshe-operator/internal/signboards"
)

// Run one with: go test -run '^$' -fuzz=FuzzTraditionalCharacters -fuzztime=20s ./internal/rules/

// FuzzTraditionalCharacters: the check never fails on any input, names a
// character only when converting it alone changes it, and finds nothing in
// a text exactly when t2s leaves the text (outside the place name) alone.
func FuzzTraditionalCharacters(f *testing.F) {
	for _, s := range []string{"温州市鹿城区五马街道鼓楼社区居民委员会", "鼓樓社區", "北閤村經濟合作社", "乾隆", "", "\xff\xfe", "「」（）·ABC123"} {
		f.Add(s, "北閤村")
	}
	f.Fuzz(func(t *testing.T, text, place string) {
		found, err := rules.TraditionalCharacters(text, place)
		if err != nil {
			t.Fatal(err)
		}
		masked := text
		if place != "" {
			masked = strings.ReplaceAll(text, place, "　")
		}
		simplified, err := rules.Simplify(masked)
		if err != nil {
			t.Fatal(err)
		}
		if (len(found) == 0) != (simplified == masked) {
			t.Fatalf("found %v in %q, but t2s gives %q", found, masked, simplified)
		}
		for _, f := range found {
			from, to, ok := strings.Cut(f, "→")
			if !ok || from == to {
				t.Fatalf("finding %q is not from→to", f)
			}
			if utf8.RuneCountInString(from) == 1 && !strings.Contains(masked, from) {
				t.Fatalf("named %q, which is not in %q", from, masked)
			}
		}
	})
}

// FuzzSignboardText: any text on any board is checked without a panic; a
// compliant verdict implies the text names the village and is simplified.
func FuzzSignboardText(f *testing.F) {
	f.Add(uint8(0), "中共温州市鹿城区五马街道鼓楼社区委员会")
	f.Add(uint8(5), "鼓楼社区警務室")
	f.Add(uint8(9), "")
	// Built once: the fuzzer's budget goes to the texts, not the fixtures.
	v := gulou()
	defaults, style := signboards.DefaultSet(v, "温州市"), signboards.DefaultStyle(v.Spec.Township)
	f.Fuzz(func(t *testing.T, index uint8, text string) {
		set := defaults.DeepCopy()
		n := len(set.Spec.InstitutionBoards)
		i := int(index) % (n + len(set.Spec.ServiceSigns))
		if i < n {
			set.Spec.InstitutionBoards[i].Text = text
		} else {
			set.Spec.ServiceSigns[i-n].Text = text
		}
		errs := rules.ValidateSignboardSet(set, v, style)
		if len(errs) > 0 {
			for _, e := range errs {
				if !strings.HasPrefix(e.Detail, rules.S12+" ") && !strings.HasPrefix(e.Detail, rules.S13+" ") && !strings.HasPrefix(e.Detail, rules.S15+" ") {
					t.Fatalf("a finding cites no rule: %v", e)
				}
			}
			return
		}
		if !strings.Contains(text, v.Spec.Name) {
			t.Fatalf("%q was accepted without the village's name", text)
		}
		if s, _ := rules.Simplify(text); s != text {
			t.Fatalf("%q was accepted, but t2s gives %q", text, s)
		}
	})
}
