package rules

import (
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"k8s.io/apimachinery/pkg/util/validation/field"

	governancev1alpha1 "github.com/cunshe/cunshe-operator/api/v1alpha1"
)

// The emergency exemption (S6): sudden or mass events that concern people's
// lives, property or public safety are handled outside the lists — and are
// accountable for it. An emergency names its category and nature in the
// notice's words, who decided it, a justification that is a sentence, and an
// expiry within the city's limit; it reaches no village beyond the issuing
// department's responsibility, and a citywide one needs the city's decision.
// Admission records each exemption in an EmergencyExemption that outlives
// the task: deleting and recreating the task does not renew it, and once it
// has ended the review units ratify or reject it (S19 counts the rest
// against the department).

// MaxEmergency is how long an emergency exemption may last where the city
// sets no limit (S6; Jurisdiction spec.emergency.maxDays).
const MaxEmergency = governancev1alpha1.DefaultEmergencyMaxDays * 24 * time.Hour

// DefaultEmergency is the exemption an emergency task gets when it names no expiry.
const DefaultEmergency = 7 * 24 * time.Hour

// MinEmergencyJustification is the shortest justification that can say what
// happened and why villages are needed (S6): a sentence, not a character.
const MinEmergencyJustification = 10

// MinIssuerName is the shortest issuer name that can name a person or a post.
const MinIssuerName = 2

// maxEmergency is the city's limit on an emergency exemption (S6).
func maxEmergency(t *governancev1alpha1.Task, juris Jurisdictions) time.Duration {
	return time.Duration(juris.Get(juris.Resolve(TaskCity(t, juris))).EmergencyMaxDays()) * 24 * time.Hour
}

// The notice's words for the categories, natures and issuer levels (S6).
var (
	categoryWords = map[governancev1alpha1.EmergencyCategory]string{
		governancev1alpha1.EmergencyLifeSafety:     "生命安全",
		governancev1alpha1.EmergencyPropertySafety: "财产安全",
		governancev1alpha1.EmergencyPublicSafety:   "公共安全",
	}
	natureWords = map[governancev1alpha1.EmergencyNature]string{
		governancev1alpha1.EmergencySudden: "突发性",
		governancev1alpha1.EmergencyMass:   "群体性",
	}
	issuerWords = map[governancev1alpha1.IssuerLevel]string{
		governancev1alpha1.IssuerDepartment: "部门主要负责人",
		governancev1alpha1.IssuerCounty:     "县级人民政府",
		governancev1alpha1.IssuerCity:       "市人民政府",
	}
)

// DepartmentArea is what a department answers for (S6), read from its
// namespace's labels: a county department (LabelCounty) its county's
// villages; any other department the villages of its city or province
// (LabelJurisdiction; without it, the default city).
type DepartmentArea struct {
	County       string
	Jurisdiction string
}

// AreaOfNamespace is the area of the department whose namespace carries labels.
func AreaOfNamespace(labels map[string]string) DepartmentArea {
	return DepartmentArea{County: labels[governancev1alpha1.LabelCounty], Jurisdiction: labels[governancev1alpha1.LabelJurisdiction]}
}

// jurisdiction is the city (or province) the department belongs to; "" on
// a cluster without jurisdictions, or where none can be told.
func (a DepartmentArea) jurisdiction(juris Jurisdictions) string {
	if a.County != "" {
		return juris.CityOf(a.County)
	}
	return juris.Resolve(a.Jurisdiction)
}

// covers reports whether the department answers for the villages of a county.
func (a DepartmentArea) covers(county string, juris Jurisdictions) bool {
	if a.County != "" {
		return county == a.County
	}
	if j := a.jurisdiction(juris); j != "" {
		return strings.HasPrefix(county, j)
	}
	return juris.None() // one unnamed city: a city department answers for all of it
}

// describe names the area in Chinese and English.
func (a DepartmentArea) describe(juris Jurisdictions) (zh, en string) {
	switch j := a.jurisdiction(juris); {
	case a.County != "":
		return "县（市、区）" + a.County, "county " + a.County
	case j != "":
		return "辖区 " + j, "jurisdiction " + j
	case juris.None():
		return "本市", "the city"
	}
	return "（命名空间未标明辖区）", "(the namespace names no jurisdiction)"
}

// emergencyFindings checks an emergency task (S6): it says what it is in the
// notice's words and who decided it, its justification is a sentence, its
// expiry is within the city's limit, and its villages are within the
// department's responsibility and the issuer's level.
func emergencyFindings(t *governancev1alpha1.Task, tc TaskContext, groups []VillageGroup, snap TaskSnapshot) field.ErrorList {
	e := t.Spec.Emergency
	errs := emergencyWording(e)
	errs = append(errs, expiryFindings(e, tc.Created, maxEmergency(t, snap.Jurisdictions()))...)
	if len(errs) > 0 {
		return errs
	}
	if errs = areaFindings(groups, tc.Area, snap.Jurisdictions()); len(errs) > 0 {
		return errs
	}
	return issuerLevelFindings(t, groups, snap)
}

// emergencyWording checks what an emergency says of itself (S6): a
// category and a nature from the notice's words, an issuer with a name and
// a level, a justification of at least a sentence.
func emergencyWording(e *governancev1alpha1.Emergency) field.ErrorList {
	var errs field.ErrorList
	if e.Category == "" {
		errs = append(errs, required(taskEmerg.Child("category"), msg(S6,
			"紧急任务须写明类别（category）：LifeSafety（生命安全）、PropertySafety（财产安全）或 PublicSafety（公共安全）",
			"an emergency task names its category: LifeSafety, PropertySafety or PublicSafety")))
	} else if _, ok := categoryWords[e.Category]; !ok {
		errs = append(errs, invalid(taskEmerg.Child("category"), e.Category, msg(S6,
			"紧急类别须为通知所列之一：LifeSafety（生命安全）、PropertySafety（财产安全）、PublicSafety（公共安全）",
			"the category must be one the notice names: LifeSafety, PropertySafety or PublicSafety")))
	}
	if e.Nature == "" {
		errs = append(errs, required(taskEmerg.Child("nature"), msg(S6,
			"紧急任务须写明事件性质（nature）：Sudden（突发性）或 Mass（群体性）",
			"an emergency task names its nature: Sudden or Mass")))
	} else if _, ok := natureWords[e.Nature]; !ok {
		errs = append(errs, invalid(taskEmerg.Child("nature"), e.Nature, msg(S6,
			"事件性质须为通知所列之一：Sudden（突发性）、Mass（群体性）",
			"the nature must be one the notice names: Sudden or Mass")))
	}
	errs = append(errs, issuerFindings(e.Issuer)...)
	if n := utf8.RuneCountInString(strings.TrimSpace(e.Justification)); n < MinEmergencyJustification {
		errs = append(errs, invalid(taskEmerg.Child("justification"), e.Justification, msg(S6,
			"紧急事由须写明发生了什么、为何需要村（社区）（不少于 %[1]d 字，现有 %[2]d 字）",
			"an emergency's justification says what happened and why villages are needed (at least %[1]d characters; this one has %[2]d)", MinEmergencyJustification, n)))
	}
	return errs
}

// issuerFindings: an emergency names who decided it, and at what level (S6).
func issuerFindings(i *governancev1alpha1.EmergencyIssuer) field.ErrorList {
	path := taskEmerg.Child("issuer")
	if i == nil {
		return field.ErrorList{required(path, msg(S6,
			"紧急任务须写明决定人（issuer）：姓名职务（name）和层级（level：Department 部门主要负责人、County 县级人民政府、City 市人民政府）",
			"an emergency task names who decided it (issuer): name and post (name) and level (level: Department, County or City)"))}
	}
	var errs field.ErrorList
	if utf8.RuneCountInString(strings.TrimSpace(i.Name)) < MinIssuerName {
		errs = append(errs, required(path.Child("name"), msg(S6,
			"决定人须写明姓名和职务，如“市应急管理局局长 张伟”", "the issuer names a person and post, e.g. 市应急管理局局长 张伟")))
	}
	if _, ok := issuerWords[i.Level]; !ok {
		errs = append(errs, invalid(path.Child("level"), i.Level, msg(S6,
			"决定层级须为 Department（部门主要负责人）、County（县级人民政府）或 City（市人民政府）",
			"the issuer's level must be Department (the department's principal), County (a county government) or City (the city government)")))
	}
	return errs
}

// expiryFindings: an expiry after creation and at most the city's limit later.
func expiryFindings(e *governancev1alpha1.Emergency, created time.Time, limit time.Duration) field.ErrorList {
	path := taskEmerg.Child("expires")
	switch {
	case e.Expires == nil:
		return field.ErrorList{required(path, msg(S6, "紧急任务须写明豁免截止时间", "an emergency task needs an expiry"))}
	case !e.Expires.After(created):
		return field.ErrorList{invalid(path, expiry(e), msg(S6, "豁免截止时间须晚于任务创建时间", "the expiry must be after the task's creation"))}
	case e.Expires.Sub(created) > limit:
		days, until := int(limit/(24*time.Hour)), created.Add(limit).UTC().Format(time.RFC3339)
		return field.ErrorList{invalid(path, expiry(e), msg(S6,
			"紧急豁免最长 %d 天（至 %s）；更长的工作须列入清单",
			"an emergency exemption lasts at most %d days (until %s); longer work must be put on the lists", days, until))}
	}
	return nil
}

// areaFindings: an emergency reaches no village beyond what the issuing
// department answers for (S6).
func areaFindings(groups []VillageGroup, area DepartmentArea, juris Jurisdictions) field.ErrorList {
	out, example := 0, ""
	for _, g := range groups {
		if !area.covers(g.County, juris) {
			out += g.Count
			if example == "" {
				example = fmt.Sprintf("%s (%s)", g.Example, g.County)
			}
		}
	}
	if out == 0 {
		return nil
	}
	zh, en := area.describe(juris)
	return field.ErrorList{forbidden(taskTargets, msg(S6,
		"紧急任务不得超出部门的职责范围（%[1]s）：%[3]d 个目标村（社区）（如 %[4]s）不在其内；请只派发给本部门负责的村（社区），更大范围的紧急事项由上级决定并派发",
		"an emergency may not reach beyond the department's responsibility (%[2]s): %[3]d target villages (e.g. %[4]s) lie outside it; target only the villages the department answers for — a wider emergency is decided and assigned by the level above",
		zh, en, out, example))}
}

// issuerLevelFindings: a citywide emergency needs the city's decision, and a
// county government decides for its own county only (S6).
func issuerLevelFindings(t *governancev1alpha1.Task, groups []VillageGroup, snap TaskSnapshot) field.ErrorList {
	path := taskEmerg.Child("issuer", "level")
	level := t.Spec.Emergency.Issuer.Level
	if level == governancev1alpha1.IssuerCity {
		return nil
	}
	if city, ok := citywide(t, groups, snap); ok {
		zh, en := wholeCity(city)
		return field.ErrorList{forbidden(path, msg(S6,
			"紧急任务覆盖%[1]s，须由市人民政府决定：issuer.level 须为 City，现为 %[3]s（%[4]s）",
			"the emergency reaches %[2]s, which the city government decides: issuer.level must be City, not %[3]s",
			zh, en, level, issuerWords[level]))}
	}
	if counties := groupCounties(groups); level == governancev1alpha1.IssuerCounty && len(counties) > 1 {
		return field.ErrorList{forbidden(path, msg(S6,
			"县级人民政府只能决定本县（市、区）的紧急事项，本任务涉及 %[1]d 个县（市、区）（%[2]s）；请由市人民政府决定（issuer.level: City）或按县分别派发",
			"a county government decides emergencies of its own county only; this task reaches %[1]d counties (%[2]s) — have the city government decide (issuer.level: City) or assign one task per county",
			len(counties), strings.Join(counties, ", ")))}
	}
	return nil
}

// groupCounties are the counties of the groups, sorted.
func groupCounties(groups []VillageGroup) []string {
	var out []string
	for _, g := range groups {
		if !slices.Contains(out, g.County) {
			out = append(out, g.County)
		}
	}
	slices.Sort(out)
	return out
}

// wholeCity names a whole city in Chinese and English.
func wholeCity(city string) (zh, en string) {
	if city == "" {
		return "全市", "the whole city"
	}
	return "全市（" + city + "）", "the whole city (" + city + ")"
}

// citywide reports whether the task reaches a whole city: it targets all
// villages, or every village of a city the registry holds.
func citywide(t *governancev1alpha1.Task, groups []VillageGroup, snap TaskSnapshot) (string, bool) {
	juris := snap.Jurisdictions()
	if t.Spec.Targets.All {
		return TaskCity(t, juris), true
	}
	reached := map[string]int{}
	for _, g := range groups {
		reached[juris.CityOf(g.County)] += g.Count
	}
	every, _ := snap.VillageIndex().TargetVillages(governancev1alpha1.TaskTargets{All: true})
	held := map[string]int{}
	for _, g := range every {
		held[juris.CityOf(g.County)] += g.Count
	}
	for city, n := range reached {
		if n > 0 && n >= held[city] {
			return city, true
		}
	}
	return "", false
}

func expiry(e *governancev1alpha1.Emergency) string {
	if e.Expires == nil {
		return ""
	}
	return e.Expires.UTC().Format(time.RFC3339)
}

// emergencyAdmitted is the warning an admitted emergency task gets (S6).
func emergencyAdmitted(t *governancev1alpha1.Task) string {
	e := t.Spec.Emergency
	return msg(S6, "紧急任务（%[1]s）不受清单限制，至 %[2]s 自动失效，已记录备查；结束后由联审单位追认",
		"emergency task (%[1]s) admitted outside the lists until %[2]s; it is recorded and audited, and the review units ratify it once it ends",
		e.Category, expiry(e)).Text
}

// EmergencySubject is what an emergency is about: its subject, or the
// task's title when it names none.
func EmergencySubject(t *governancev1alpha1.Task) string {
	if t.Spec.Emergency != nil && strings.TrimSpace(t.Spec.Emergency.Subject) != "" {
		return t.Spec.Emergency.Subject
	}
	return t.Spec.Title
}

// subjectKey compares subjects as a person reads them: case, width, spaces
// and punctuation aside (台风“海葵” is 台风"海葵").
func subjectKey(s string) string {
	var b strings.Builder
	for _, r := range s {
		if r >= 0xFF01 && r <= 0xFF5E { // full-width ASCII
			r -= 0xFEE0
		}
		if unicode.IsSpace(r) || unicode.IsPunct(r) {
			continue
		}
		b.WriteRune(unicode.ToLower(r))
	}
	return b.String()
}

// ExemptionName is the name of a task's record: the task's name and the
// start of its UID, so a task recreated under the same name gets a record
// of its own (and is refused while the first one holds).
func ExemptionName(t *governancev1alpha1.Task) string {
	name := t.Name
	if len(name) > 240 {
		name = name[:240]
	}
	uid := string(t.UID)
	if uid == "" { // a manifest, checked offline: the name it will have is not known yet
		return name
	}
	return name + "-" + uid[:min(len(uid), 8)]
}

// ExemptionFor is the record of a task's emergency (S6), as the operator
// writes it once the task is admitted: the emergency as admitted, its
// scope (the task's targets), and its window from the task's creation.
func ExemptionFor(t *governancev1alpha1.Task, dept string, area DepartmentArea, juris Jurisdictions, villages int) *governancev1alpha1.EmergencyExemption {
	e := t.Spec.Emergency
	rec := &governancev1alpha1.EmergencyExemption{}
	rec.Name, rec.Namespace = ExemptionName(t), t.Namespace
	rec.Labels = map[string]string{governancev1alpha1.LabelDepartment: dept, governancev1alpha1.LabelTaskUID: string(t.UID)}
	rec.Spec = governancev1alpha1.EmergencyExemptionSpec{
		Department: dept, Jurisdiction: area.jurisdiction(juris),
		Task:  governancev1alpha1.TaskRecordRef{Name: t.Name, UID: string(t.UID)},
		Title: t.Spec.Title, Subject: EmergencySubject(t),
		Category: e.Category, Nature: e.Nature, Issuer: e.Issuer.DeepCopy(), Justification: e.Justification,
		Scope: *t.Spec.Targets.DeepCopy(), Villages: int32(villages), Start: t.CreationTimestamp,
	}
	if e.Expires != nil {
		rec.Spec.Expires = *e.Expires
	}
	return rec
}

// EmergencyRenewal decides whether an emergency task may claim its
// exemption beside the department's records (S6): one emergency per
// department, subject and overlapping scope at a time, so a task deleted
// and recreated (or a second task) cannot start the clock again while a
// record holds; and a task's own record bounds it — its expiry cannot move
// later, its targets cannot grow. records are the department's
// EmergencyExemptions; tasks are its other emergency tasks, which count as
// records until the operator has written theirs.
func EmergencyRenewal(t *governancev1alpha1.Task, dept string, records []governancev1alpha1.EmergencyExemption, tasks []governancev1alpha1.Task, now time.Time) field.ErrorList {
	if !t.IsEmergency() {
		return nil
	}
	all := slices.Clone(records)
	for i := range tasks {
		other := &tasks[i]
		self := other.Namespace == t.Namespace && other.Name == t.Name // a name is one task at a time
		if other.IsEmergency() && !self && !slices.ContainsFunc(records, func(r governancev1alpha1.EmergencyExemption) bool {
			return r.Spec.Task.UID != "" && r.Spec.Task.UID == string(other.UID)
		}) {
			all = append(all, *ExemptionFor(other, dept, DepartmentArea{}, Jurisdictions{}, 0))
		}
	}
	key := subjectKey(EmergencySubject(t))
	for i := range all {
		r := &all[i]
		switch {
		case t.UID != "" && r.Spec.Task.UID == string(t.UID):
			if errs := ownRecordFindings(t, r); len(errs) > 0 {
				return errs
			}
		case r.Spec.Department == dept && subjectKey(r.Spec.Subject) == key && now.Before(r.Spec.Expires.Time) && ScopesOverlap(t.Spec.Targets, r.Spec.Scope):
			return field.ErrorList{forbidden(taskEmerg, msg(S6,
				"部门 %[1]s 已有同一主题（%[2]s）、范围重叠的紧急豁免 %[3]s（任务 %[4]s，至 %[5]s）；同一主题、同一范围同一时间只能有一项紧急豁免，删除重建任务不会重新计时",
				"department %[1]s already holds an emergency exemption for the same subject (%[2]s) and an overlapping scope: %[3]s (task %[4]s, until %[5]s); one emergency per subject and scope at a time — deleting and recreating a task does not renew it",
				dept, r.Spec.Subject, recordName(r), r.Spec.Task.Name, r.Spec.Expires.UTC().Format(time.RFC3339)))}
		}
	}
	return nil
}

func recordName(r *governancev1alpha1.EmergencyExemption) string {
	return r.Namespace + "/" + r.Name
}

// ownRecordFindings: a task's changes stay within its record (S6).
func ownRecordFindings(t *governancev1alpha1.Task, r *governancev1alpha1.EmergencyExemption) field.ErrorList {
	e := t.Spec.Emergency
	if e.Expires != nil && e.Expires.After(r.Spec.Expires.Time) {
		return field.ErrorList{invalid(taskEmerg.Child("expires"), expiry(e), msg(S6,
			"紧急豁免不能延长：记录 %[1]s 的截止时间为 %[2]s；更长的工作须列入清单",
			"an emergency exemption cannot be extended: record %[1]s ends at %[2]s; longer work must be put on the lists",
			recordName(r), r.Spec.Expires.UTC().Format(time.RFC3339)))}
	}
	if !ScopeWithin(t.Spec.Targets, r.Spec.Scope) {
		return field.ErrorList{invalid(taskTargets, "", msg(S6,
			"紧急豁免的范围不能扩大：记录 %[1]s 的范围是 %[2]s；新的村（社区）须另行决定紧急事项",
			"an emergency exemption's scope cannot grow: record %[1]s covers %[2]s; other villages need an emergency of their own",
			recordName(r), describeTargets(r.Spec.Scope)))}
	}
	return nil
}

// ScopesOverlap reports whether two targets can name the same village.
func ScopesOverlap(a, b governancev1alpha1.TaskTargets) bool {
	switch {
	case a.All || b.All:
		return true
	case len(a.Counties) > 0 && len(b.Counties) > 0:
		return slices.ContainsFunc(a.Counties, func(c string) bool { return slices.Contains(b.Counties, c) })
	case len(a.Counties) > 0:
		return slices.ContainsFunc(b.Villages, func(v string) bool { return slices.Contains(a.Counties, countyOf(v)) })
	case len(b.Counties) > 0:
		return slices.ContainsFunc(a.Villages, func(v string) bool { return slices.Contains(b.Counties, countyOf(v)) })
	}
	return slices.ContainsFunc(a.Villages, func(v string) bool { return slices.Contains(b.Villages, v) })
}

// ScopeWithin reports whether every village targets can name, scope names too.
func ScopeWithin(targets, scope governancev1alpha1.TaskTargets) bool {
	switch {
	case scope.All:
		return true
	case targets.All:
		return false
	case len(targets.Counties) > 0:
		return len(scope.Counties) > 0 && !slices.ContainsFunc(targets.Counties, func(c string) bool { return !slices.Contains(scope.Counties, c) })
	}
	return !slices.ContainsFunc(targets.Villages, func(v string) bool {
		return !slices.Contains(scope.Villages, v) && !slices.Contains(scope.Counties, countyOf(v))
	})
}

func countyOf(village string) string {
	if len(village) < 6 {
		return village
	}
	return village[:6]
}

func describeTargets(t governancev1alpha1.TaskTargets) string {
	switch {
	case t.All:
		return "all"
	case len(t.Counties) > 0:
		return "counties " + strings.Join(t.Counties, ", ")
	}
	return fmt.Sprintf("%d villages", len(t.Villages))
}
