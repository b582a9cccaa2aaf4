package portal

import (
	"bytes"
	"html/template"
	"net/http"
	"slices"
	"strings"
	"time"

	governancev1alpha1 "github.com/cunshe/cunshe-operator/api/v1alpha1"
	"github.com/cunshe/cunshe-operator/internal/portal/recordbody"
	"github.com/cunshe/cunshe-operator/internal/publish"
)

// page is what every page's layout needs.
type page struct {
	Title, TitleEn string
	Crumbs         []crumb
}

type crumb struct{ Href, Text string }

type errorData struct {
	Page   page
	Status int
	Path   string
}

// china is the time zone dates are shown in when a city declares none.
var china = time.FixedZone("CST", 8*3600)

var funcs = template.FuncMap{
	"date": func(t time.Time) string {
		if t.IsZero() {
			return ""
		}
		return t.In(china).Format("2006-01-02")
	},
	"roleText":    func(r governancev1alpha1.VillageRole) string { return roleTexts[r] },
	"fundingText": publish.FundingText,
}

var roleTexts = map[governancev1alpha1.VillageRole]string{
	"Responsible": "负责 / responsible",
	"Assist":      "协助 / assists",
	"Cooperate":   "配合 / cooperates",
}

// An entry point of S9's 码上 services: a QR code on the office wall that
// opens one section of the village's page.
type entry struct {
	Key, Title, TitleEn, Anchor string
}

var entries = []entry{
	{"participate", "码上参与", "Take part", "records-VillageAffairs"},
	{"manage", "码上管理", "The lists", "lists"},
	{"consult", "码上协商", "Consultation", "records-Consultation"},
	{"supervise", "码上监督", "Oversight", "supervise"},
	{"service", "码上服务", "Services", "services"},
}

func entryOf(key string) (entry, bool) {
	i := slices.IndexFunc(entries, func(e entry) bool { return e.Key == key })
	if i < 0 {
		return entry{}, false
	}
	return entries[i], true
}

// villageURL is the absolute address of a village's page (what QR codes hold).
func (s *Site) villageURL(code, anchor string) string {
	u := s.PublicURL + "/v/" + code + "/"
	if anchor != "" {
		u += "#" + anchor
	}
	return u
}

type homeData struct {
	Page   page
	Cities []*City
}

func (s *Site) home(w http.ResponseWriter, r *http.Request) {
	snap := s.snap.Load()
	v := newVersions()
	v.add(snap.treeVersion)
	s.render(w, r, "home", v, homeData{Page: page{Title: "村（社区）公开栏", TitleEn: "Village disclosure portal"}, Cities: snap.cities})
}

type areaData struct {
	Page     page
	County   *County
	Township *Township
}

// area is a county's page (its townships and their villages) or a township's.
func (s *Site) area(w http.ResponseWriter, r *http.Request) {
	snap := s.snap.Load()
	code := r.PathValue("code")
	if !areaCode.MatchString(code) {
		s.notFound(w, r)
		return
	}
	v := newVersions()
	v.add(snap.treeVersion)
	if county := snap.counties[code]; county != nil {
		s.render(w, r, "area", v, areaData{Page: page{Title: county.Name, TitleEn: "County " + code, Crumbs: []crumb{{"/", county.City.Name}}}, County: county})
		return
	}
	if town := snap.townships[code]; town != nil {
		s.render(w, r, "area", v, areaData{Page: page{Title: town.Name, TitleEn: "Township " + code,
			Crumbs: []crumb{{"/", town.County.City.Name}, {"/a/" + town.County.Code + "/", town.County.Name}}}, Township: town})
		return
	}
	s.notFound(w, r)
}

type searchData struct {
	Page     page
	Query    string
	Villages []*governancev1alpha1.Village
	More     bool
}

const maxSearchResults = 100

// search finds villages by 12-digit code or by a part of their name (or
// their township's); a complete code goes straight to its page.
func (s *Site) search(w http.ResponseWriter, r *http.Request) {
	snap := s.snap.Load()
	q := strings.TrimSpace(r.URL.Query().Get("q"))
	if len(q) > 64 {
		q = q[:64]
	}
	switch {
	case villageCode.MatchString(q) && snap.Village(q) != nil:
		http.Redirect(w, r, "/v/"+q+"/", http.StatusFound)
		return
	case areaCode.MatchString(q) && (snap.counties[q] != nil || snap.townships[q] != nil):
		http.Redirect(w, r, "/a/"+q+"/", http.StatusFound)
		return
	}
	data := searchData{Page: page{Title: "查找村（社区）", TitleEn: "Find a village", Crumbs: []crumb{{"/", "首页 Home"}}}, Query: q}
	if q != "" {
		for _, c := range snap.cities {
			for _, co := range c.Counties {
				for _, t := range co.Townships {
					for _, vil := range t.Villages {
						if strings.Contains(vil.Spec.Name, q) || strings.Contains(t.Name, q) || strings.HasPrefix(vil.Name, q) {
							if len(data.Villages) == maxSearchResults {
								data.More = true
								break
							}
							data.Villages = append(data.Villages, vil)
						}
					}
				}
			}
		}
	}
	s.render(w, r, "search", nil, data)
}

// The village's page.
type villageData struct {
	Page         page
	V            *governancev1alpha1.Village
	County       *County
	Township     *Township
	ListsHTML    template.HTML
	ServicesHTML template.HTML
	Records      []recordGroup
	Tasks        []taskView
	Notices      []*governancev1alpha1.PublicNotice
	Units        []*governancev1alpha1.ReviewUnit
	Entries      []entry
	HasBoards    bool
	PageURL      string
}

type recordGroup struct {
	Category governancev1alpha1.DisclosureCategory
	Title    string
	Records  []recordView
}

type recordView struct {
	Name, Title, Period string
	Created             time.Time
	Body                template.HTML
	Links               []governancev1alpha1.DisclosureLink
	Supersedes          string
	Correction          string
	SupersededBy        string
}

type taskView struct {
	Title, Department, Item, Due string
	Standing, StandingEn, Class  string
	Expires                      time.Time
}

// villageOf is the snapshot and the village the path's {code} names, or
// false after answering 404.
func (s *Site) villageOf(w http.ResponseWriter, r *http.Request) (*Snapshot, *governancev1alpha1.Village, bool) {
	snap := s.snap.Load()
	code := r.PathValue("code")
	vil := snap.Village(code)
	if !villageCode.MatchString(code) || vil == nil {
		s.notFound(w, r)
		return nil, nil, false
	}
	return snap, vil, true
}

func (s *Site) village(w http.ResponseWriter, r *http.Request) {
	snap, vil, ok := s.villageOf(w, r)
	if !ok {
		return
	}
	code := vil.Name
	v := newVersions()
	v.object(vil, vil.Status.Conditions)
	lists := snap.listsOf(vil)
	if lists != nil {
		v.object(lists.rev)
	}
	ns := governancev1alpha1.TenantNamespaceName(code)
	disclosures := snap.disclosures[ns]
	for _, d := range disclosures {
		v.object(d)
	}
	tasks := snap.TasksReaching(vil)
	for _, t := range tasks {
		v.object(t, t.Status.Conditions)
	}
	notices := snap.NoticesFor(vil)
	for _, n := range notices {
		v.object(n)
	}
	_, set, _ := s.boardsOf(snap, code)
	if set != nil {
		v.object(set)
	}
	if notModified(w, r, v.etag()) {
		return
	}
	if s.pages != nil {
		file, err := s.pages.file(code, v.etag(), func() ([]byte, error) {
			return s.villagePage(snap, vil, lists, disclosures, tasks, notices, set != nil)
		})
		if err == nil && serveFile(w, r, v, file) {
			return
		}
	}
	body, err := s.villagePage(snap, vil, lists, disclosures, tasks, notices, set != nil)
	if err != nil {
		s.errorPage(w, r, http.StatusInternalServerError)
		return
	}
	s.write(w, r, "text/html; charset=utf-8", v, body)
}

// villagePage renders a village's page.
func (s *Site) villagePage(snap *Snapshot, vil *governancev1alpha1.Village, lists *listsEntry, disclosures []*governancev1alpha1.Disclosure,
	tasks []*governancev1alpha1.Task, notices []*governancev1alpha1.PublicNotice, hasBoards bool) ([]byte, error) {
	code := vil.Name
	county := snap.counties[vil.Spec.County.Code]
	town := snap.townships[vil.Spec.Township.Code]
	data := villageData{
		Page: page{Title: vil.Spec.Name, TitleEn: "Village " + code, Crumbs: []crumb{
			{"/", county.City.Name}, {"/a/" + county.Code + "/", county.Name}, {"/a/" + town.Code + "/", town.Name}}},
		V: vil, County: county, Township: town, Notices: notices,
		Records: s.records(disclosures), Tasks: taskViews(tasks, snap), Units: snap.unitsOf(vil),
		Entries: entries, HasBoards: hasBoards, PageURL: s.villageURL(code, ""),
	}
	var err error
	if data.ListsHTML, data.ServicesHTML, err = s.listsHTML(lists); err != nil {
		return nil, err
	}
	var b bytes.Buffer
	b.Grow(64 << 10)
	if err := s.tmpl.ExecuteTemplate(&b, "village", data); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

// listsData is what the lists fragment shows.
type listsData struct {
	Lists    *publish.VillageLists
	Revision *governancev1alpha1.ListRevision
	Flows    []publish.Flow
	Services []publish.Item
}

// listsHTML renders the lists, flows and services of one (revision, county,
// type) once; every village sharing them reuses the HTML.
func (s *Site) listsHTML(e *listsEntry) (template.HTML, template.HTML, error) {
	if e == nil {
		return s.renderLists(listsData{})
	}
	e.once.Do(func() {
		d := listsData{Lists: e.lists, Revision: e.rev, Flows: e.lists.Flows}
		for _, g := range e.lists.Lists {
			for _, it := range g.Items {
				if it.ResidentFacing {
					d.Services = append(d.Services, it)
				}
			}
		}
		e.html, e.svc, e.err = s.renderLists(d)
	})
	return e.html, e.svc, e.err
}

func (s *Site) renderLists(d listsData) (template.HTML, template.HTML, error) {
	var lists, services bytes.Buffer
	if err := s.tmpl.ExecuteTemplate(&lists, "lists", d); err != nil {
		return "", "", err
	}
	if err := s.tmpl.ExecuteTemplate(&services, "services", d); err != nil {
		return "", "", err
	}
	return template.HTML(lists.String()), template.HTML(services.String()), nil // #nosec G203 -- rendered by html/template
}

// records groups a village's disclosures by category, newest period first,
// a superseded record marked with the one that corrects it.
func (s *Site) records(ds []*governancev1alpha1.Disclosure) []recordGroup {
	supersededBy := map[string]string{}
	for _, d := range ds {
		if d.Spec.Supersedes != "" {
			supersededBy[d.Spec.Supersedes] = d.Name
		}
	}
	var out []recordGroup
	for _, cat := range governancev1alpha1.DisclosureCategories {
		g := recordGroup{Category: cat, Title: governancev1alpha1.DisclosureCategoryTitles[cat]}
		for _, d := range ds {
			if d.Spec.Category != cat {
				continue
			}
			g.Records = append(g.Records, recordView{
				Name: d.Name, Title: d.Spec.Title, Period: d.Spec.Period, Created: d.CreationTimestamp.Time,
				Body: recordbody.HTML(d.Spec.Format == governancev1alpha1.DisclosureMarkdown, d.Spec.Body), Links: d.Spec.Links, Supersedes: d.Spec.Supersedes, Correction: d.Spec.Correction,
				SupersededBy: supersededBy[d.Name],
			})
		}
		out = append(out, g)
	}
	return out
}

func taskViews(tasks []*governancev1alpha1.Task, snap *Snapshot) []taskView {
	out := make([]taskView, 0, len(tasks))
	for _, t := range tasks {
		tv := taskView{Title: t.Spec.Title, Department: t.Status.Department, Item: t.Spec.ItemRef, Due: t.Spec.Due}
		if it := snap.catalog.Items[t.Spec.ItemRef]; it != nil {
			tv.Item = it.Spec.Title
		}
		switch {
		case t.Status.Phase == governancev1alpha1.TaskViolation:
			tv.Standing, tv.StandingEn, tv.Class = "违规派发（经认定）", "violation, upheld", "bad"
		case t.Status.Phase == governancev1alpha1.TaskNonCompliant:
			tv.Standing, tv.StandingEn, tv.Class = "不在清单内，可拒绝", "not on the lists: may be refused", "bad"
		case t.Status.Phase == governancev1alpha1.TaskExpired:
			tv.Standing, tv.StandingEn, tv.Class = "应急期已过", "emergency over", "warn"
		case t.Spec.Emergency != nil:
			tv.Standing, tv.StandingEn, tv.Class = "应急事项", "emergency", "warn"
			if t.Spec.Emergency.Expires != nil {
				tv.Expires = t.Spec.Emergency.Expires.Time
			}
		default:
			tv.Standing, tv.StandingEn, tv.Class = "清单内事项", "on the lists", "ok"
		}
		out = append(out, tv)
	}
	return out
}

type qrSheetData struct {
	Page    page
	V       *governancev1alpha1.Village
	Entries []entry
	PageURL string
}

// qrSheet is the A4 sheet for the office wall: the five 码上 codes (S9).
func (s *Site) qrSheet(w http.ResponseWriter, r *http.Request) {
	_, vil, ok := s.villageOf(w, r)
	if !ok {
		return
	}
	code := vil.Name
	v := newVersions()
	v.add(s.PublicURL, vil.Spec.Name)
	s.render(w, r, "qrsheet", v, qrSheetData{
		Page: page{Title: vil.Spec.Name + " 扫码服务", TitleEn: "QR codes of " + code, Crumbs: []crumb{{"/v/" + code + "/", vil.Spec.Name}}},
		V:    vil, Entries: entries, PageURL: s.villageURL(code, ""),
	})
}

type departmentsData struct {
	Page        page
	Departments []*governancev1alpha1.DepartmentCompliance
}

func (s *Site) departments(w http.ResponseWriter, r *http.Request) {
	snap := s.snap.Load()
	v := newVersions()
	var list []*governancev1alpha1.DepartmentCompliance
	for _, name := range sortedKeys(snap.compliance) {
		list = append(list, snap.compliance[name])
		v.object(snap.compliance[name])
	}
	s.render(w, r, "departments", v, departmentsData{Page: page{Title: "部门履职情况", TitleEn: "Departments' compliance (S19)", Crumbs: []crumb{{"/", "首页 Home"}}}, Departments: list})
}

type departmentData struct {
	Page    page
	D       *governancev1alpha1.DepartmentCompliance
	Notices []*governancev1alpha1.PublicNotice
}

func (s *Site) department(w http.ResponseWriter, r *http.Request) {
	snap := s.snap.Load()
	name := r.PathValue("dept")
	d := snap.compliance[name]
	if !deptName.MatchString(name) || d == nil {
		s.notFound(w, r)
		return
	}
	v := newVersions()
	v.object(d, d.Status.Conditions)
	notices := snap.NoticesOfDepartment(name)
	for _, n := range notices {
		v.object(n)
	}
	s.render(w, r, "department", v, departmentData{
		Page: page{Title: name, TitleEn: "Department " + name, Crumbs: []crumb{{"/", "首页 Home"}, {"/d/", "部门 Departments"}}},
		D:    d, Notices: notices,
	})
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}
