package rules_test

import (
	"slices"
	"strings"
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	governancev1alpha1 "github.com/cunshe/cunshe-operator/api/v1alpha1"
	"github.com/cunshe/cunshe-operator/internal/rules"
	"github.com/cunshe/cunshe-operator/internal/signboards"
)

// gulou is the community of API.md's example; shangcun a rural village.
func gulou() *governancev1alpha1.Village {
	return &governancev1alpha1.Village{ObjectMeta: metav1.ObjectMeta{Name: "330302006044"}, Spec: governancev1alpha1.VillageSpec{
		Code: "330302006044", Name: "鼓楼社区", Type: governancev1alpha1.TypeCommunity,
		County: governancev1alpha1.Division{Code: "330302", Name: "鹿城区"}, Township: governancev1alpha1.Division{Code: "330302006", Name: "五马街道"}}}
}

func shangcun() *governancev1alpha1.Village {
	return &governancev1alpha1.Village{ObjectMeta: metav1.ObjectMeta{Name: "330302100201"}, Spec: governancev1alpha1.VillageSpec{
		Code: "330302100201", Name: "上村村", Type: governancev1alpha1.TypeVillage,
		County: governancev1alpha1.Division{Code: "330302", Name: "鹿城区"}, Township: governancev1alpha1.Division{Code: "330302100", Name: "藤桥镇"}}}
}

func TestSignboardSetRules(t *testing.T) {
	tests := map[string]struct {
		village func() *governancev1alpha1.Village
		mutate  func(*governancev1alpha1.SignboardSet)
		noStyle bool
		// want are the findings, exactly; empty means compliant.
		want                 []string
		wantMissing, wantExt []string
	}{
		"the default set of a community is compliant": {village: gulou},
		"the default set of a village is compliant":   {village: shangcun},
		"a village may hang 新时代文明实践站 instead of a cultural hall": {
			village: shangcun,
			mutate: func(s *governancev1alpha1.SignboardSet) {
				s.Spec.ServiceSigns[2] = governancev1alpha1.ServiceSign{Type: governancev1alpha1.SignCivilizationPracticeStation, Text: "上村村新时代文明实践站"}
			},
		},
		"综治服务中心 may stand in for 警务室": {
			village: gulou,
			mutate: func(s *governancev1alpha1.SignboardSet) {
				s.Spec.ServiceSigns[5] = governancev1alpha1.ServiceSign{Type: governancev1alpha1.SignGovernanceCenter, Text: "鼓楼社区综治服务中心"}
			},
		},
		"honours inside are fine": {
			village: gulou,
			mutate: func(s *governancev1alpha1.SignboardSet) {
				s.Spec.Honours = []governancev1alpha1.Honour{{Title: "省级文明社区", Display: governancev1alpha1.DisplayInside}}
			},
		},
		"a registered name spelled with 閤 is no traditional text": {
			village: func() *governancev1alpha1.Village {
				v := shangcun()
				v.Spec.Name = "南閤村"
				return v
			},
		},
		"a fifth institution board": {
			village: gulou,
			mutate: func(s *governancev1alpha1.SignboardSet) {
				s.Spec.InstitutionBoards = append(s.Spec.InstitutionBoards, governancev1alpha1.InstitutionBoard{
					Type: governancev1alpha1.BoardSupervisionCommittee, Text: "温州市鹿城区五马街道鼓楼社区居务监督委员会"})
			},
			want:    []string{`spec.institutionBoards[4].type: Duplicate value: "SupervisionCommittee": S12 机构牌子村（居）务监督委员会（SupervisionCommittee）重复，每种只挂一块 / the institution board 村（居）务监督委员会（SupervisionCommittee） hangs more than once; each hangs once`},
			wantExt: []string{"SupervisionCommittee"},
		},
		"a community with a villagers' committee": {
			village: gulou,
			mutate: func(s *governancev1alpha1.SignboardSet) {
				s.Spec.InstitutionBoards[1] = governancev1alpha1.InstitutionBoard{Type: governancev1alpha1.BoardVillagersCommittee, Text: "鼓楼社区村民委员会"}
			},
			want: []string{
				`spec.institutionBoards[1].type: Invalid value: "VillagersCommittee": S12 村民委员会是村的机构牌子，社区 鼓楼社区 应挂居民委员会（ResidentsCommittee） / 村民委员会（VillagersCommittee） is a board for a Village; Community 鼓楼社区 hangs 居民委员会（ResidentsCommittee）`,
				`spec.institutionBoards: Required value: S12 缺少机构牌子居民委员会（ResidentsCommittee）；须恰好挂党组织、居民委员会（ResidentsCommittee）、村（居）务监督委员会、村经济（股份经济）合作社四块 / the institution board 居民委员会（ResidentsCommittee） is missing; exactly four hang: PartyOrganization, ResidentsCommittee, SupervisionCommittee, EconomicCooperative`,
			},
			wantMissing: []string{"ResidentsCommittee"}, wantExt: []string{"VillagersCommittee"},
		},
		"a missing economic cooperative": {
			village: shangcun,
			mutate:  func(s *governancev1alpha1.SignboardSet) { s.Spec.InstitutionBoards = s.Spec.InstitutionBoards[:3] },
			want: []string{
				`spec.institutionBoards: Required value: S12 缺少机构牌子村经济（股份经济）合作社（EconomicCooperative）；须恰好挂党组织、村民委员会（VillagersCommittee）、村（居）务监督委员会、村经济（股份经济）合作社四块 / the institution board 村经济（股份经济）合作社（EconomicCooperative） is missing; exactly four hang: PartyOrganization, VillagersCommittee, SupervisionCommittee, EconomicCooperative`,
			},
			wantMissing: []string{"EconomicCooperative"},
		},
		"a community's 村文化礼堂": {
			village: gulou,
			mutate: func(s *governancev1alpha1.SignboardSet) {
				s.Spec.ServiceSigns[2] = governancev1alpha1.ServiceSign{Type: governancev1alpha1.SignCulturalHall, Text: "鼓楼社区文化礼堂"}
			},
			want: []string{
				`spec.serviceSigns[2].type: Invalid value: "CulturalHall": S13 社区 鼓楼社区 不挂村文化礼堂（CulturalHall），应挂社区文化家园（CommunityCultureHome） / Community 鼓楼社区 does not hang 村文化礼堂（CulturalHall）; it hangs CommunityCultureHome`,
				`spec.serviceSigns: Required value: S13 缺少服务标牌社区文化家园（CommunityCultureHome） / the service sign CommunityCultureHome is missing`,
			},
			wantMissing: []string{"CommunityCultureHome"}, wantExt: []string{"CulturalHall"},
		},
		"both a police room and a governance centre": {
			village: gulou,
			mutate: func(s *governancev1alpha1.SignboardSet) {
				s.Spec.ServiceSigns = append(s.Spec.ServiceSigns, governancev1alpha1.ServiceSign{Type: governancev1alpha1.SignGovernanceCenter, Text: "鼓楼社区综治服务中心"})
			},
			want:    []string{`spec.serviceSigns[8].type: Duplicate value: "GovernanceCenter": S13 服务标牌综治服务中心（GovernanceCenter）与 serviceSigns[5] 的警务室（PoliceRoom）重复（警务室或综治服务中心只挂一块） / the service sign 综治服务中心（GovernanceCenter） repeats serviceSigns[5], PoliceRoom (PoliceRoom|GovernanceCenter hangs once)`},
			wantExt: []string{"GovernanceCenter"},
		},
		"no cultural sign at a village": {
			village: shangcun,
			mutate: func(s *governancev1alpha1.SignboardSet) {
				s.Spec.ServiceSigns = slices.Delete(s.Spec.ServiceSigns, 2, 3)
			},
			want: []string{
				`spec.serviceSigns: Required value: S13 缺少服务标牌村文化礼堂或新时代文明实践站（CulturalHall|CivilizationPracticeStation） / the service sign CulturalHall|CivilizationPracticeStation is missing`,
			},
			wantMissing: []string{"CulturalHall|CivilizationPracticeStation"},
		},
		"traditional characters": {
			village: gulou,
			mutate: func(s *governancev1alpha1.SignboardSet) {
				s.Spec.InstitutionBoards[1].Text = "温州市鹿城区五马街道鼓楼社区居民委員會"
			},
			want: []string{
				`spec.institutionBoards[1].text: Invalid value: "温州市鹿城区五马街道鼓楼社区居民委員會": S15 须用规范汉字，不得使用繁体字或异体字：員→员、會→会 / must use standard simplified characters; traditional or variant characters: 員→员、會→会`,
			},
		},
		"a text that names another village": {
			village: gulou,
			mutate:  func(s *governancev1alpha1.SignboardSet) { s.Spec.ServiceSigns[6].Text = "墨池社区卫生服务站" },
			want: []string{
				`spec.serviceSigns[6].text: Invalid value: "墨池社区卫生服务站": S13 卫生服务站（HealthStation）的文字未写明本村（社区）名称 "鼓楼社区" / the text of 卫生服务站（HealthStation） does not name the village "鼓楼社区"`,
			},
		},
		"another township's style": {
			village: gulou,
			mutate:  func(s *governancev1alpha1.SignboardSet) { s.Spec.Style = "330302001" },
			want: []string{
				`spec.style: Invalid value: "330302001": S15 须使用本乡镇（街道）五马街道 的统一样式 "330302006"，不得使用其他样式 / must be the style "330302006" of the village's township 五马街道; a village cannot choose another`,
			},
		},
		"the township has no style yet": {
			village: gulou, noStyle: true,
			want: []string{
				`spec.style: Not found: "330302006": S15 乡镇（街道）五马街道 的牌子样式 SignboardStyle "330302006" 不存在，须由乡镇先行制定 / the SignboardStyle "330302006" of township 五马街道 does not exist; the township sets it first`,
			},
		},
		"an honour outside": {
			village: gulou,
			mutate: func(s *governancev1alpha1.SignboardSet) {
				s.Spec.Honours = []governancev1alpha1.Honour{{Title: "省级文明社区", Display: governancev1alpha1.DisplayOutside}}
			},
			want: []string{`spec.honours[0].display: Forbidden: S16 荣誉 "省级文明社区" 不得在室外悬挂，须在室内集中展示（display: Inside） / the honour "省级文明社区" may not hang outside; honours are shown together inside (display: Inside)`},
		},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			v := tc.village()
			set := signboards.DefaultSet(v, "温州市")
			if tc.mutate != nil {
				tc.mutate(set)
			}
			style := signboards.DefaultStyle(v.Spec.Township)
			if tc.noStyle {
				style = nil
			}
			r := rules.CheckSignboardSet(set, v, style)
			got := make([]string, len(r.Errors))
			for i, e := range r.Errors {
				got[i] = e.Error()
			}
			if !slices.Equal(got, tc.want) {
				t.Errorf("findings:\n  %s\nwant:\n  %s", strings.Join(got, "\n  "), strings.Join(tc.want, "\n  "))
			}
			if !slices.Equal(r.Missing, tc.wantMissing) || !slices.Equal(r.Extra, tc.wantExt) {
				t.Errorf("missing %v, extra %v; want %v, %v", r.Missing, r.Extra, tc.wantMissing, tc.wantExt)
			}
		})
	}
}

func TestTraditionalCharacters(t *testing.T) {
	tests := map[string]struct {
		text       string
		placeNames []string
		want       []string
	}{
		"simplified":                    {text: "中共温州市鹿城区五马街道鼓楼社区委员会"},
		"traditional, each named once":  {text: "溫州市鹿城區五馬街道鼓樓社區", want: []string{"溫→温", "區→区", "馬→马", "樓→楼"}},
		"a variant character":           {text: "鼓楼社区党羣服务中心", want: []string{"羣→群"}},
		"a registered name is excused":  {text: "北閤村党群服务中心", placeNames: []string{"北閤村"}},
		"but not elsewhere in the text": {text: "北閤村閤作社", placeNames: []string{"北閤村"}, want: []string{"閤→合"}},
		"outside the name it is named":  {text: "北閤村經濟合作社", placeNames: []string{"北閤村"}, want: []string{"經→经", "濟→济"}},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			got, err := rules.TraditionalCharacters(tc.text, tc.placeNames...)
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(got, tc.want) {
				t.Errorf("TraditionalCharacters(%q) = %v, want %v", tc.text, got, tc.want)
			}
		})
	}
}
