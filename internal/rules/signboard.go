package rules

import (
	"slices"
	"strings"

	"k8s.io/apimachinery/pkg/util/validation/field"

	governancev1alpha1 "github.com/cunshe/cunshe-operator/api/v1alpha1"
)

// Rule IDs of the boards and signs.
const (
	S12 = "S12" // exactly four institution boards
	S13 = "S13" // eight service signs, with alternates
	S15 = "S15" // the township's one style, standard characters
	S16 = "S16" // honours only inside
)

// boardKind describes one type of board or sign: its Chinese name, the
// words its text must contain, and the village types it is for.
type boardKind struct {
	name        string
	designation []string // the text contains one of these
	// onlyFor is the one village type the board is for; empty: both.
	onlyFor governancev1alpha1.VillageType
}

// fits reports whether a board of this kind may hang at a village of type t.
func (k boardKind) fits(t governancev1alpha1.VillageType) bool {
	return k.onlyFor == "" || k.onlyFor == t
}

var institutionKinds = map[governancev1alpha1.InstitutionBoardType]boardKind{
	governancev1alpha1.BoardPartyOrganization:    {name: "党组织", designation: []string{"中共", "中国共产党"}},
	governancev1alpha1.BoardVillagersCommittee:   {name: "村民委员会", designation: []string{"村民委员会"}, onlyFor: governancev1alpha1.TypeVillage},
	governancev1alpha1.BoardResidentsCommittee:   {name: "居民委员会", designation: []string{"居民委员会"}, onlyFor: governancev1alpha1.TypeCommunity},
	governancev1alpha1.BoardSupervisionCommittee: {name: "村（居）务监督委员会", designation: []string{"村务监督委员会", "居务监督委员会"}},
	governancev1alpha1.BoardEconomicCooperative:  {name: "村经济（股份经济）合作社", designation: []string{"经济合作社"}},
}

var serviceKinds = map[governancev1alpha1.ServiceSignType]boardKind{
	governancev1alpha1.SignPartyMassServiceCenter:      {name: "党群服务中心", designation: []string{"党群服务中心"}},
	governancev1alpha1.SignCommunityServiceCenter:      {name: "社区服务中心", designation: []string{"社区服务中心"}},
	governancev1alpha1.SignCulturalHall:                {name: "村文化礼堂", designation: []string{"文化礼堂"}, onlyFor: governancev1alpha1.TypeVillage},
	governancev1alpha1.SignCommunityCultureHome:        {name: "社区文化家园", designation: []string{"文化家园"}, onlyFor: governancev1alpha1.TypeCommunity},
	governancev1alpha1.SignCivilizationPracticeStation: {name: "新时代文明实践站", designation: []string{"新时代文明实践站"}, onlyFor: governancev1alpha1.TypeVillage},
	governancev1alpha1.SignElderlyCareCenter:           {name: "居家养老服务照料中心", designation: []string{"居家养老服务照料中心"}},
	governancev1alpha1.SignMicroFireStation:            {name: "社区微型消防站", designation: []string{"微型消防站"}},
	governancev1alpha1.SignPoliceRoom:                  {name: "警务室", designation: []string{"警务室"}},
	governancev1alpha1.SignGovernanceCenter:            {name: "综治服务中心", designation: []string{"综治服务中心"}},
	governancev1alpha1.SignHealthStation:               {name: "卫生服务站", designation: []string{"卫生服务站"}},
	governancev1alpha1.SignDisasterShelter:             {name: "避灾安置点", designation: []string{"避灾安置点"}},
}

// InstitutionBoardName is a board type's Chinese name, e.g. 村民委员会.
func InstitutionBoardName(t governancev1alpha1.InstitutionBoardType) string {
	return institutionKinds[t].name
}

// ServiceSignName is a sign type's Chinese name, e.g. 警务室.
func ServiceSignName(t governancev1alpha1.ServiceSignType) string { return serviceKinds[t].name }

// RequiredInstitutionBoards are the four boards a village of type t hangs (S12).
func RequiredInstitutionBoards(t governancev1alpha1.VillageType) []governancev1alpha1.InstitutionBoardType {
	committee := governancev1alpha1.BoardVillagersCommittee
	if t == governancev1alpha1.TypeCommunity {
		committee = governancev1alpha1.BoardResidentsCommittee
	}
	return []governancev1alpha1.InstitutionBoardType{governancev1alpha1.BoardPartyOrganization, committee,
		governancev1alpha1.BoardSupervisionCommittee, governancev1alpha1.BoardEconomicCooperative}
}

// ServiceSlot is one of the eight service signs (S13): the types that may
// fill it at a village of a given type, the first being the default.
type ServiceSlot []governancev1alpha1.ServiceSignType

// String reads like CulturalHall|CivilizationPracticeStation.
func (s ServiceSlot) String() string {
	names := make([]string, len(s))
	for i, t := range s {
		names[i] = string(t)
	}
	return strings.Join(names, "|")
}

func (s ServiceSlot) chinese() string {
	names := make([]string, len(s))
	for i, t := range s {
		names[i] = serviceKinds[t].name
	}
	return strings.Join(names, "或")
}

// ServiceSlots are the eight signs of a village of type t, with their
// allowed alternates (S13): a community's cultural sign is its 社区文化家园,
// a village without a cultural hall may hang 新时代文明实践站, and 综治服务中心
// may stand in for 警务室.
func ServiceSlots(t governancev1alpha1.VillageType) []ServiceSlot {
	cultural := ServiceSlot{governancev1alpha1.SignCulturalHall, governancev1alpha1.SignCivilizationPracticeStation}
	if t == governancev1alpha1.TypeCommunity {
		cultural = ServiceSlot{governancev1alpha1.SignCommunityCultureHome}
	}
	return []ServiceSlot{
		{governancev1alpha1.SignPartyMassServiceCenter},
		{governancev1alpha1.SignCommunityServiceCenter},
		cultural,
		{governancev1alpha1.SignElderlyCareCenter},
		{governancev1alpha1.SignMicroFireStation},
		{governancev1alpha1.SignPoliceRoom, governancev1alpha1.SignGovernanceCenter},
		{governancev1alpha1.SignHealthStation},
		{governancev1alpha1.SignDisasterShelter},
	}
}

// SignboardReport is what CheckSignboardSet found: the boards missing and
// extra (for status), and every finding (for admission and conditions).
type SignboardReport struct {
	Missing []string
	Extra   []string
	Errors  field.ErrorList
}

// typeLabel reads like 村民委员会（VillagersCommittee）.
func typeLabel(zh, en string) string { return zh + "（" + en + "）" }

var (
	specPathBoards  = specPath.Child("institutionBoards")
	specPathSigns   = specPath.Child("serviceSigns")
	specPathHonours = specPath.Child("honours")
)

// SignboardVillage finds the Village whose tenant namespace
// (village-<code>) holds a set; get looks a village up by code, nil when
// there is none. Sets live only in villages' tenants (S12).
func SignboardVillage(namespace string, get func(code string) *governancev1alpha1.Village) (*governancev1alpha1.Village, field.ErrorList) {
	path := field.NewPath("metadata", "namespace")
	code, ok := strings.CutPrefix(namespace, governancev1alpha1.TenantNamespaceName(""))
	if !ok || code == "" {
		return nil, field.ErrorList{invalid(path, namespace, msg(S12, "牌子只能放在村（社区）的租户命名空间 village-<代码> 中",
			"a SignboardSet belongs in a village's tenant namespace, village-<code>"))}
	}
	village := get(code)
	if village == nil {
		return nil, field.ErrorList{notFound(path, namespace, msg(S12, "没有代码为 %s 的村（社区）（Village %q 不存在）",
			"no village has the code %s (Village %q does not exist)", code, code))}
	}
	return village, nil
}

// ValidateSignboardSet is CheckSignboardSet's findings: what admission refuses.
func ValidateSignboardSet(set *governancev1alpha1.SignboardSet, village *governancev1alpha1.Village, style *governancev1alpha1.SignboardStyle) field.ErrorList {
	return CheckSignboardSet(set, village, style).Errors
}

// CheckSignboardSet checks a village's boards and signs (S12, S13, S15, S16).
// village is the Village of the set's namespace; style is the SignboardStyle
// the set names, nil when there is none.
func CheckSignboardSet(set *governancev1alpha1.SignboardSet, village *governancev1alpha1.Village, style *governancev1alpha1.SignboardStyle) SignboardReport {
	var r SignboardReport
	checkStyle(&r, set, village, style)
	checkInstitutionBoards(&r, set, village)
	checkServiceSigns(&r, set, village)
	checkHonours(&r, set)
	return r
}

// checkStyle: the set uses its own township's style, which exists (S15).
func checkStyle(r *SignboardReport, set *governancev1alpha1.SignboardSet, v *governancev1alpha1.Village, style *governancev1alpha1.SignboardStyle) {
	path := specPath.Child("style")
	want := v.Spec.Township.Code
	switch {
	case set.Spec.Style != want:
		r.Errors = append(r.Errors, invalid(path, set.Spec.Style, msg(S15, "须使用本乡镇（街道）%[1]s 的统一样式 %[2]q，不得使用其他样式",
			"must be the style %[2]q of the village's township %[1]s; a village cannot choose another", v.Spec.Township.Name, want)))
	case style == nil:
		r.Errors = append(r.Errors, notFound(path, set.Spec.Style, msg(S15, "乡镇（街道）%[1]s 的牌子样式 SignboardStyle %[2]q 不存在，须由乡镇先行制定",
			"the SignboardStyle %[2]q of township %[1]s does not exist; the township sets it first", v.Spec.Township.Name, want)))
	}
}

// checkInstitutionBoards: exactly the four institution boards, once each (S12).
func checkInstitutionBoards(r *SignboardReport, set *governancev1alpha1.SignboardSet, v *governancev1alpha1.Village) {
	boards := RequiredInstitutionBoards(v.Spec.Type)
	seen := map[governancev1alpha1.InstitutionBoardType]bool{}
	for i, b := range set.Spec.InstitutionBoards {
		path := specPathBoards.Index(i)
		kind := institutionKinds[b.Type]
		label := typeLabel(kind.name, string(b.Type))
		switch {
		case !kind.fits(v.Spec.Type):
			r.Extra = append(r.Extra, string(b.Type))
			r.Errors = append(r.Errors, invalid(path.Child("type"), b.Type, msg(S12, "%[1]s是%[2]s的机构牌子，%[3]s %[4]s 应挂%[5]s",
				"%[6]s is a board for a %[7]s; %[8]s %[4]s hangs %[5]s", kind.name, typeName(kind.onlyFor), typeName(v.Spec.Type), v.Spec.Name, committeeLabel(v.Spec.Type), label, kind.onlyFor, v.Spec.Type)))
			continue
		case seen[b.Type]:
			r.Extra = append(r.Extra, string(b.Type))
			r.Errors = append(r.Errors, finding(field.Duplicate(path.Child("type"), b.Type),
				msg(S12, "机构牌子%s重复，每种只挂一块", "the institution board %s hangs more than once; each hangs once", label)))
			continue
		}
		seen[b.Type] = true
		r.Errors = append(r.Errors, checkText(path.Child("text"), b.Text, label, kind, v, S12)...)
	}
	for _, t := range boards {
		if !seen[t] {
			label := typeLabel(institutionKinds[t].name, string(t))
			r.Missing = append(r.Missing, string(t))
			r.Errors = append(r.Errors, required(specPathBoards, msg(S12, "缺少机构牌子%[1]s；须恰好挂党组织、%[2]s、村（居）务监督委员会、村经济（股份经济）合作社四块",
				"the institution board %[1]s is missing; exactly four hang: PartyOrganization, %[3]s, SupervisionCommittee, EconomicCooperative", label, committeeLabel(v.Spec.Type), committeeType(v.Spec.Type))))
		}
	}
}

func typeName(t governancev1alpha1.VillageType) string {
	if t == governancev1alpha1.TypeCommunity {
		return "社区"
	}
	return "村"
}

func committeeType(t governancev1alpha1.VillageType) governancev1alpha1.InstitutionBoardType {
	return RequiredInstitutionBoards(t)[1]
}

func committeeLabel(t governancev1alpha1.VillageType) string {
	c := committeeType(t)
	return typeLabel(institutionKinds[c].name, string(c))
}

// checkServiceSigns: each of the eight slots is filled once, by a type the
// village may hang (S13).
func checkServiceSigns(r *SignboardReport, set *governancev1alpha1.SignboardSet, v *governancev1alpha1.Village) {
	slots := ServiceSlots(v.Spec.Type)
	filledBy := make([]int, len(slots)) // index of the sign + 1
	for i, s := range set.Spec.ServiceSigns {
		path := specPathSigns.Index(i)
		kind := serviceKinds[s.Type]
		label := typeLabel(kind.name, string(s.Type))
		slot := slices.IndexFunc(slots, func(sl ServiceSlot) bool { return slices.Contains(sl, s.Type) })
		switch {
		case slot < 0:
			r.Extra = append(r.Extra, string(s.Type))
			r.Errors = append(r.Errors, invalid(path.Child("type"), s.Type, msg(S13, "%[1]s %[2]s 不挂%[3]s，应挂%[4]s",
				"%[5]s %[2]s does not hang %[3]s; it hangs %[6]s", typeName(v.Spec.Type), v.Spec.Name, label, alternateFor(slots, s.Type, true), v.Spec.Type, alternateFor(slots, s.Type, false))))
			continue
		case filledBy[slot] > 0:
			r.Extra = append(r.Extra, string(s.Type))
			first := set.Spec.ServiceSigns[filledBy[slot]-1].Type
			r.Errors = append(r.Errors, finding(field.Duplicate(path.Child("type"), s.Type),
				msg(S13, "服务标牌%[1]s与 serviceSigns[%[2]d] 的%[3]s重复（%[4]s只挂一块）", "the service sign %[1]s repeats serviceSigns[%[2]d], %[5]s (%[6]s hangs once)", label, filledBy[slot]-1, typeLabel(serviceKinds[first].name, string(first)), slots[slot].chinese(), first, slots[slot])))
			continue
		}
		filledBy[slot] = i + 1
		r.Errors = append(r.Errors, checkText(path.Child("text"), s.Text, label, kind, v, S13)...)
	}
	for i, slot := range slots {
		if filledBy[i] == 0 {
			r.Missing = append(r.Missing, slot.String())
			r.Errors = append(r.Errors, required(specPathSigns, msg(S13, "缺少服务标牌%[1]s", "the service sign %[2]s is missing", typeLabel(slot.chinese(), slot.String()), slot)))
		}
	}
}

// alternateFor names the slot a misplaced sign belongs to at this village,
// e.g. a community's 社区文化家园 for a 村文化礼堂.
func alternateFor(slots []ServiceSlot, t governancev1alpha1.ServiceSignType, chinese bool) string {
	cultural := []governancev1alpha1.ServiceSignType{governancev1alpha1.SignCulturalHall,
		governancev1alpha1.SignCommunityCultureHome, governancev1alpha1.SignCivilizationPracticeStation}
	if !slices.Contains(cultural, t) {
		return "" // every other type fits both village types
	}
	slot := slots[2]
	if chinese {
		return typeLabel(slot.chinese(), slot.String())
	}
	return slot.String()
}

// checkHonours: plaques, certificates and trophies stay inside (S16).
func checkHonours(r *SignboardReport, set *governancev1alpha1.SignboardSet) {
	for i, h := range set.Spec.Honours {
		if h.Display != governancev1alpha1.DisplayInside {
			r.Errors = append(r.Errors, forbidden(specPathHonours.Index(i).Child("display"), msg(S16,
				"荣誉 %q 不得在室外悬挂，须在室内集中展示（display: Inside）", "the honour %q may not hang outside; honours are shown together inside (display: Inside)", h.Title)))
		}
	}
}

// checkText: a board's text names the village and its institution, in
// standard simplified characters (S15; rule is S12 or S13 for the naming).
func checkText(path *field.Path, text, label string, kind boardKind, v *governancev1alpha1.Village, rule string) field.ErrorList {
	var errs field.ErrorList
	if err := StandardCharacters(path, text, v.Spec.Name, v.Spec.Township.Name, v.Spec.County.Name); err != nil {
		errs = append(errs, err)
		// Check the naming on the text as it should read, so that one
		// traditional character is one finding, not three.
		if simplified, serr := Simplify(text); serr == nil {
			text = simplified
		}
	}
	if !strings.Contains(text, v.Spec.Name) {
		errs = append(errs, invalid(path, text, msg(rule, "%s的文字未写明本村（社区）名称 %q", "the text of %s does not name the village %q", label, v.Spec.Name)))
	}
	if !slices.ContainsFunc(kind.designation, func(d string) bool { return strings.Contains(text, d) }) {
		errs = append(errs, invalid(path, text, msg(rule, "文字不是%[1]s的牌子：应含 %[2]q", "the text is not that of %[1]s: it should contain %[3]q", label, strings.Join(kind.designation, "或"), strings.Join(kind.designation, `" or "`))))
	}
	return errs
}

// ValidateStyleOwner holds township staff to their own township's style
// (S15): whoever is in a cunshe:township:<code> group may change the style
// named <code> and no other. Others (platform ops) are left to RBAC.
func ValidateStyleOwner(style *governancev1alpha1.SignboardStyle, who Requester) field.ErrorList {
	own := townshipsOf(who)
	if len(own) == 0 || slices.Contains(own, style.Name) {
		return nil
	}
	mine := strings.Join(own, ", ")
	return field.ErrorList{forbidden(field.NewPath("metadata", "name"), msg(S15,
		"乡镇（街道）%s 只能维护本乡镇（街道）的牌子样式，不能修改 %q 的样式",
		"township %s maintains its own signboard style only, not the style of %q", mine, style.Name))}
}
