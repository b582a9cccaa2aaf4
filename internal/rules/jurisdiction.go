package rules

import (
	"regexp"
	"slices"
	"strings"
	"time"

	"k8s.io/apimachinery/pkg/util/validation/field"

	governancev1alpha1 "github.com/cunshe/cunshe-operator/api/v1alpha1"
	"github.com/cunshe/cunshe-operator/internal/rules/formats"
)

// Jurisdictions is what the rules know of the cities and provinces on the
// cluster. It answers the one question every per-city rule asks: which
// jurisdiction does this object belong to. With no Jurisdiction at all the
// cluster is one unnamed city (the code ""), as it was before jurisdictions
// existed, so such a cluster keeps working unchanged.
type Jurisdictions struct {
	byCode      map[string]*governancev1alpha1.Jurisdiction
	defaultCode string
}

// NewJurisdictions indexes the jurisdictions; the default is the first city
// by code marked spec.default (admission keeps it to one).
func NewJurisdictions(list []governancev1alpha1.Jurisdiction) Jurisdictions {
	j := Jurisdictions{byCode: make(map[string]*governancev1alpha1.Jurisdiction, len(list))}
	for i := range list {
		jur := &list[i]
		j.byCode[jur.Spec.Code] = jur
		if jur.Spec.Default && jur.Spec.Level == governancev1alpha1.LevelCity && (j.defaultCode == "" || jur.Spec.Code < j.defaultCode) {
			j.defaultCode = jur.Spec.Code
		}
	}
	return j
}

// None reports whether the cluster declares no jurisdiction (one unnamed city).
func (j Jurisdictions) None() bool { return len(j.byCode) == 0 }

// Get is the jurisdiction of a code, or nil.
func (j Jurisdictions) Get(code string) *governancev1alpha1.Jurisdiction { return j.byCode[code] }

// Default is the code of the default city, "" when there is none.
func (j Jurisdictions) Default() string { return j.defaultCode }

// Resolve is the jurisdiction an object's spec.jurisdiction names: itself,
// or the default city when it is empty.
func (j Jurisdictions) Resolve(code string) string {
	if code == "" {
		return j.defaultCode
	}
	return code
}

// CityOf is the city a village, township or county code belongs to: its
// 4-digit prefix, or "" on a cluster without jurisdictions.
func (j Jurisdictions) CityOf(division string) string {
	if j.None() {
		return ""
	}
	return governancev1alpha1.CityOf(division)
}

// Reaches reports whether an item of jurisdiction itemJur (as written on
// the item) is on the lists of the city a division code belongs to: the
// city's own items and its province's.
func (j Jurisdictions) Reaches(itemJur, division string) bool {
	resolved := j.Resolve(itemJur)
	if resolved == "" {
		return j.None() // the one unnamed city of a cluster without jurisdictions
	}
	return strings.HasPrefix(division, resolved)
}

// Cities are the codes of the declared cities, sorted; on a cluster without
// jurisdictions, the one unnamed city "".
func (j Jurisdictions) Cities() []string {
	if j.None() {
		return []string{""}
	}
	var out []string
	for code, jur := range j.byCode {
		if jur.Spec.Level == governancev1alpha1.LevelCity {
			out = append(out, code)
		}
	}
	slices.Sort(out)
	return out
}

// Codes are every declared code, sorted, for messages.
func (j Jurisdictions) Codes() []string {
	out := make([]string, 0, len(j.byCode))
	for code, jur := range j.byCode {
		out = append(out, code+" "+jur.Spec.Name)
	}
	slices.Sort(out)
	return out
}

// Location is the time zone in which a city's days begin (its retirement
// dates and deadlines); China Standard Time unless the city says otherwise.
func (j Jurisdictions) Location(city string) *time.Location {
	zone := governancev1alpha1.DefaultTimeZone
	if jur := j.byCode[j.Resolve(city)]; jur != nil && jur.Spec.TimeZone != "" {
		zone = jur.Spec.TimeZone
	}
	if loc, ok := formats.TimeZone(zone); ok {
		return loc
	}
	return chinaStandardTime
}

func validZone(name string) bool {
	_, ok := formats.TimeZone(name)
	return ok
}

var (
	cityCode         = regexp.MustCompile(`^[0-9]{4}$`)
	jurisdictionCode = regexp.MustCompile(`^([0-9]{2}|[0-9]{4})$`)
)

// chinaStandardTime stands in where the zone database is missing.
var chinaStandardTime = time.FixedZone("CST", 8*60*60)

// Today is the city's date (YYYY-MM-DD) at t: the one clock of a city's
// day, shared by admission, the controllers and the CLI.
func (j Jurisdictions) Today(city string, t time.Time) string {
	return t.In(j.Location(city)).Format(time.DateOnly)
}

// knownList is the jurisdictions for a refusal's message.
func (j Jurisdictions) knownList() string {
	if j.None() {
		return "(none)"
	}
	return strings.Join(j.Codes(), ", ")
}

// ValidateJurisdictionRef checks an object's spec.jurisdiction: the format
// the schema also checks (so the CLI runs it offline), and that it names a
// declared jurisdiction — of the level the kind needs (rollouts move a
// city's villages: cityOnly). Empty is the default city, and needs one when
// jurisdictions exist.
func ValidateJurisdictionRef(code string, cityOnly bool, j Jurisdictions, path *field.Path) field.ErrorList {
	switch {
	case code == "" && j.None():
		return nil
	case code == "" && j.Default() == "":
		return field.ErrorList{required(path, msg(S1,
			"集群中有多个辖区而没有默认市，须写明 jurisdiction；已有辖区：%s",
			"the cluster declares jurisdictions but no default city: name the jurisdiction; known jurisdictions: %s", j.knownList()))}
	case code == "":
		return nil
	case cityOnly && !cityCode.MatchString(code), !cityOnly && !jurisdictionCode.MatchString(code):
		zh, en := "2 位（省）或 4 位（市）区划代码", "a 2-digit (province) or 4-digit (city) code"
		if cityOnly {
			zh, en = "4 位市级区划代码", "a 4-digit city code"
		}
		return field.ErrorList{invalid(path, code, msg(S1, "jurisdiction 须为%[1]s", "jurisdiction must be %[2]s", zh, en))}
	case j.Get(code) == nil:
		return field.ErrorList{notFound(path, code, msg(S1, "辖区 %q 不存在；已有辖区：%s",
			"jurisdiction %q does not exist; known jurisdictions: %s", code, j.knownList()))}
	}
	return nil
}

// ValidateVillageJurisdiction: a village belongs to the city of its code's
// prefix, which must be declared once the cluster declares any (S1).
func ValidateVillageJurisdiction(v *governancev1alpha1.Village, j Jurisdictions) field.ErrorList {
	if j.None() || len(v.Spec.Code) < governancev1alpha1.CityCodeLength {
		return nil
	}
	city := governancev1alpha1.CityOf(v.Spec.Code)
	if jur := j.Get(city); jur != nil && jur.Spec.Level == governancev1alpha1.LevelCity {
		return nil
	}
	return field.ErrorList{notFound(specPath.Child("code"), v.Spec.Code, msg(S1,
		"村（社区）%s 的区划代码前缀 %s 不是已登记的市；请先创建该市的 Jurisdiction。已有辖区：%s",
		"village %s: its code's prefix %s names no declared city; create that city's Jurisdiction first. Known jurisdictions: %s", v.Spec.Code, city, j.knownList()))}
}

// ValidateJurisdiction checks a Jurisdiction beside the others: at most one
// default city, a province is never the default, and the zone is known.
func ValidateJurisdiction(jur *governancev1alpha1.Jurisdiction, j Jurisdictions) field.ErrorList {
	var errs field.ErrorList
	if jur.Spec.Default {
		if jur.Spec.Level != governancev1alpha1.LevelCity {
			errs = append(errs, invalid(specPath.Child("default"), true, msg(S1,
				"只有市级辖区可以是默认辖区", "only a city can be the default jurisdiction")))
		} else if other := j.Default(); other != "" && other != jur.Spec.Code {
			errs = append(errs, invalid(specPath.Child("default"), true, msg(S1,
				"默认市已是 %s；一个集群只有一个默认市", "the default city is already %s; a cluster has one default city", other)))
		}
	}
	if tz := jur.Spec.TimeZone; tz != "" && !validZone(tz) {
		errs = append(errs, invalid(specPath.Child("timeZone"), tz, msg(S1,
			"时区 %q 须为 IANA 时区库中的名称，如 Asia/Shanghai（Local 是读取它的机器自己的时区，各处不同）",
			"time zone %q must be a name of the IANA zone database, e.g. Asia/Shanghai (Local is the zone of whichever machine reads it)", tz)))
	}
	return errs
}

// ValidateRolloutSteps: a rollout moves its own city's villages only, so its
// county steps name counties of that city (S1).
func ValidateRolloutSteps(ro *governancev1alpha1.ListRollout, j Jurisdictions) field.ErrorList {
	errs := ValidateJurisdictionRef(ro.Spec.Jurisdiction, true, j, specPath.Child("jurisdiction"))
	city := j.Resolve(ro.Spec.Jurisdiction)
	if city == "" {
		return errs
	}
	for i, step := range ro.Spec.Steps {
		for k, county := range step.Counties {
			if !strings.HasPrefix(county, city) {
				errs = append(errs, invalid(specPath.Child("steps").Index(i).Child("counties").Index(k), county, msg(S1,
					"县（市、区）%s 不属于本发布计划的市 %s；一个市的发布计划不能下发到其他市的村（社区）",
					"county %s is not in the rollout's city %s; a city's rollout cannot reach another city's villages", county, city)))
			}
		}
	}
	return errs
}

// UnitJurisdiction is the jurisdiction whose items a review unit reviews.
func (j Jurisdictions) UnitJurisdiction(u *governancev1alpha1.ReviewUnit) string {
	return j.Resolve(u.Spec.Jurisdiction)
}

// review is the joint review of one jurisdiction (S5): which units count,
// and how many of them must approve.
type review struct {
	jurisdiction string
	// listed is the jurisdiction's declared required set; nil when it
	// declares none and the units' own spec.required decides.
	listed []string
	quorum int32
}

// reviewOf is the joint review of items of jurisdiction code (resolved).
func (j Jurisdictions) reviewOf(code string) review {
	r := review{jurisdiction: code}
	if jur := j.byCode[code]; jur != nil && len(jur.Spec.Review.Units) > 0 {
		r.listed = jur.Spec.Review.Units
		r.quorum = int32(len(r.listed))
		if q := jur.Spec.Review.Quorum; q != nil {
			r.quorum = *q
		}
	}
	return r
}

// required reports whether a unit's approval is one of those the review needs.
func (r review) required(u *governancev1alpha1.ReviewUnit) bool {
	if r.listed != nil {
		return slices.Contains(r.listed, u.Name)
	}
	return u.IsRequired()
}

// RequiredApprovals is how many approvals an item of the jurisdiction needs,
// given the units that exist (S5): the declared quorum, or every required
// unit of the jurisdiction.
func (j Jurisdictions) RequiredApprovals(code string, units []governancev1alpha1.ReviewUnit) int32 {
	r := j.reviewOf(j.Resolve(code))
	if r.listed != nil {
		return r.quorum
	}
	var n int32
	for i := range units {
		if j.UnitJurisdiction(&units[i]) == r.jurisdiction && units[i].IsRequired() {
			n++
		}
	}
	return n
}

// RevisionName is the object name of a city's revision n: lists-<n> for the
// default city (and the unnamed one), as before jurisdictions existed, so a
// single-city cluster sees no change; lists-<city>-<n> for the others.
func (j Jurisdictions) RevisionName(city string, n int64) string {
	if city == j.defaultCode {
		return governancev1alpha1.RevisionName("", n)
	}
	return governancev1alpha1.RevisionName(city, n)
}

// RevisionCity is the city a revision belongs to.
func (j Jurisdictions) RevisionCity(rev *governancev1alpha1.ListRevision) string {
	return j.Resolve(rev.Spec.Jurisdiction)
}
