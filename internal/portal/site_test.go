package portal

import (
	"context"
	"encoding/xml"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"testing"
	"time"

	. "github.com/onsi/gomega"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	utilruntime "k8s.io/apimachinery/pkg/util/runtime"
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/client/fake"

	governancev1alpha1 "github.com/cunshe/cunshe-operator/api/v1alpha1"
	"github.com/cunshe/cunshe-operator/internal/portal/portaltest"
	"github.com/cunshe/cunshe-operator/internal/publish"
	"github.com/cunshe/cunshe-operator/internal/tenant"
)

const (
	gulou     = "330302006044"
	publicURL = "https://cunshe.example.gov.cn"
)

var created = metav1.NewTime(time.Date(2026, 11, 20, 9, 0, 0, 0, time.UTC))

// city is a small city: 鼓楼社区 holding revision 3 of two items (one with
// a flow), a superseded financial record and its correction, a listed task,
// a task off the lists and a notice in force.
func city() []client.Object {
	meta := func(name, ns string) metav1.ObjectMeta {
		return metav1.ObjectMeta{Name: name, Namespace: ns, ResourceVersion: "7", CreationTimestamp: created}
	}
	ns := governancev1alpha1.TenantNamespaceName(gulou)
	item := func(name string, list governancev1alpha1.ListKind, title, flow string, resident bool) *governancev1alpha1.ListItem {
		return &governancev1alpha1.ListItem{ObjectMeta: meta(name, ""), Spec: governancev1alpha1.ListItemSpec{
			List: list, Title: title, Basis: governancev1alpha1.Basis{Kind: "Law", Citation: "《中华人民共和国村民委员会组织法》第二十四条"},
			VillageRole: "Assist", ResponsibleDepartments: []string{"mzj"}, FlowRef: flow, ResidentFacing: resident},
			Status: governancev1alpha1.ListItemStatus{ApprovedDigest: "sha256:" + name}}
	}
	funded := func(it *governancev1alpha1.ListItem) *governancev1alpha1.ListItem {
		it.Spec.Funding = &governancev1alpha1.Funding{Source: governancev1alpha1.FundingCityBudget, Budget: "市级人口普查经费，每个普查小区 1500 元", FeeFollowsWork: true}
		return it
	}
	v := &governancev1alpha1.Village{ObjectMeta: meta(gulou, ""), Spec: governancev1alpha1.VillageSpec{
		Code: gulou, Name: "鼓楼社区", Type: governancev1alpha1.TypeCommunity,
		County: governancev1alpha1.Division{Code: "330302", Name: "鹿城区"}, Township: governancev1alpha1.Division{Code: "330302006", Name: "五马街道"}}}
	disclosure := func(name, title, body string, format governancev1alpha1.DisclosureFormat, supersedes string) *governancev1alpha1.Disclosure {
		d := &governancev1alpha1.Disclosure{ObjectMeta: meta(name, ns), Spec: governancev1alpha1.DisclosureSpec{
			Category: governancev1alpha1.DisclosureFinance, Title: title, Period: "2026-Q3", Format: format, Body: body, Supersedes: supersedes}}
		if supersedes != "" {
			d.Spec.Correction = "支出合计有误 / the total was wrong"
		}
		return d
	}
	return []client.Object{
		&governancev1alpha1.Jurisdiction{ObjectMeta: meta("3303", ""), Spec: governancev1alpha1.JurisdictionSpec{Code: "3303", Name: "温州市", Level: "City", Default: true}},
		v,
		&corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: "cunshe-lists", Namespace: ns, Labels: map[string]string{tenant.LabelLists: "true"},
			Annotations: map[string]string{publish.AnnotationRevision: "3"}}},
		&governancev1alpha1.ListRevision{ObjectMeta: meta("lists-3", ""), Spec: governancev1alpha1.ListRevisionSpec{Revision: 3, Items: []governancev1alpha1.PublishedItem{
			{Name: "census", List: governancev1alpha1.ListAdmission, Digest: "sha256:census"},
			{Name: "subsidy", List: governancev1alpha1.ListMicroPower, Digest: "sha256:subsidy"}}}},
		funded(item("census", governancev1alpha1.ListAdmission, "协助开展人口普查", "", false)),
		item("subsidy", governancev1alpha1.ListMicroPower, "低保申请初审", "subsidy-flow", true),
		item("unpublished", governancev1alpha1.ListAdmission, "未发布的事项", "", false),
		&governancev1alpha1.PowerFlow{ObjectMeta: meta("subsidy-flow", ""), Spec: governancev1alpha1.PowerFlowSpec{Title: "低保申请流程"}},
		disclosure("finance-q3", "2026年第三季度财务收支", "| 项目 | 金额（元） |\n|---|---|\n| 收入 | 120000 |\n\n<script>alert(1)</script>\n\n[链接](javascript:alert(1))", governancev1alpha1.DisclosureMarkdown, ""),
		disclosure("finance-q3-fix", "2026年第三季度财务收支（更正）", "收入 120000 元\n支出 80000 元", "", "finance-q3"),
		&governancev1alpha1.Task{ObjectMeta: meta("census-2026", "dept-tjj"), Spec: governancev1alpha1.TaskSpec{Title: "人口普查入户登记", ItemRef: "census",
			Targets: governancev1alpha1.TaskTargets{Counties: []string{"330302"}}}, Status: governancev1alpha1.TaskStatus{Phase: governancev1alpha1.TaskAdmitted, Department: "tjj"}},
		&governancev1alpha1.Task{ObjectMeta: meta("ledger", "dept-tjj"), Spec: governancev1alpha1.TaskSpec{Title: "建立纸质台账",
			Targets: governancev1alpha1.TaskTargets{Villages: []string{gulou}}}, Status: governancev1alpha1.TaskStatus{Phase: governancev1alpha1.TaskViolation, Department: "tjj"}},
		&governancev1alpha1.Task{ObjectMeta: meta("citywide", "dept-mzj"), Spec: governancev1alpha1.TaskSpec{Title: "全市低保年审",
			Targets: governancev1alpha1.TaskTargets{All: true}}, Status: governancev1alpha1.TaskStatus{Phase: governancev1alpha1.TaskAdmitted, Department: "mzj"}},
		&governancev1alpha1.Task{ObjectMeta: meta("elsewhere", "dept-tjj"), Spec: governancev1alpha1.TaskSpec{Title: "别处的事项",
			Targets: governancev1alpha1.TaskTargets{Counties: []string{"330303"}}}},
		&governancev1alpha1.PublicNotice{ObjectMeta: meta("report-1", ""), Spec: governancev1alpha1.PublicNoticeSpec{Kind: governancev1alpha1.NoticeReportUpheld,
			Rule: "S8", Department: "tjj", Villages: []string{gulou}, Title: "关于统计局违规派发纸质台账的通报", Text: "经联审认定属实。"}},
		&governancev1alpha1.PublicNotice{ObjectMeta: meta("withdrawn", ""), Spec: governancev1alpha1.PublicNoticeSpec{Kind: governancev1alpha1.NoticeReportUpheld,
			Rule: "S8", Department: "tjj", Villages: []string{gulou}, Title: "已撤回的通报", Text: "x",
			Withdrawal: &governancev1alpha1.NoticeWithdrawal{Unit: "mzj", Reason: "已整改"}}},
		&governancev1alpha1.DepartmentCompliance{ObjectMeta: meta("tjj", ""), Status: governancev1alpha1.DepartmentComplianceStatus{Tasks: 2, Admitted: 1, Violations: 1}},
		&governancev1alpha1.ReviewUnit{ObjectMeta: meta("mzj", ""), Spec: governancev1alpha1.ReviewUnitSpec{DisplayName: "市民政局", Group: "cunshe:unit:mzj"}},
	}
}

func scheme() *runtime.Scheme {
	s := runtime.NewScheme()
	utilruntime.Must(clientgoscheme.AddToScheme(s))
	utilruntime.Must(governancev1alpha1.AddToScheme(s))
	return s
}

// buildSite serves objs as the portal would from a cache holding them.
func buildSite(objs ...client.Object) (*Site, error) {
	c := fake.NewClientBuilder().WithScheme(scheme()).WithObjects(objs...).Build()
	snap, err := Build(context.Background(), c)
	if err != nil {
		return nil, err
	}
	s := NewSite(publicURL + "/")
	s.SetSnapshot(snap)
	return s, nil
}

func newSite(t *testing.T, objs ...client.Object) *Site {
	t.Helper()
	s, err := buildSite(objs...)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func get(s http.Handler, path string, header ...string) *httptest.ResponseRecorder {
	r := httptest.NewRequest(http.MethodGet, path, nil)
	for i := 0; i+1 < len(header); i += 2 {
		r.Header.Set(header[i], header[i+1])
	}
	w := httptest.NewRecorder()
	s.ServeHTTP(w, r)
	return w
}

func TestVillagePageShowsWhatTheVillageHolds(t *testing.T) {
	g := NewWithT(t)
	w := get(newSite(t, city()...), "/v/"+gulou+"/")
	g.Expect(w.Code).To(Equal(http.StatusOK))
	page := w.Body.String()
	g.Expect(page).To(ContainSubstring(`data-revision="3"`), "the revision the village holds")
	g.Expect(page).To(ContainSubstring("准入事项清单"))
	g.Expect(page).To(ContainSubstring("协助开展人口普查"))
	g.Expect(page).To(ContainSubstring("经费保障 Funding（S20）：市级财政：市级人口普查经费，每个普查小区 1500 元；费随事转"), "who pays the village for an Admission item")
	g.Expect(page).To(ContainSubstring(`<img src="/flow/subsidy-flow.svg"`), "the micro-power flow as a picture")
	g.Expect(page).NotTo(ContainSubstring("未发布的事项"), "an item the revision does not hold")
	g.Expect(page).To(ContainSubstring(`data-superseded-by="finance-q3-fix"`), "the corrected record is marked superseded")
	g.Expect(page).To(ContainSubstring("<td>120000</td>"), "Markdown tables render")
	g.Expect(page).NotTo(ContainSubstring("<script>"), "raw HTML in a record is dropped")
	g.Expect(page).NotTo(ContainSubstring(`href="javascript:`), "dangerous links are not linked")
	g.Expect(page).To(ContainSubstring("人口普查入户登记"), "a task for the village's county")
	g.Expect(page).To(ContainSubstring("全市低保年审"), "a task for every village")
	g.Expect(page).To(ContainSubstring("违规派发"), "the violation's standing")
	g.Expect(page).NotTo(ContainSubstring("别处的事项"), "a task for another county")
	g.Expect(page).To(ContainSubstring("关于统计局违规派发纸质台账的通报"))
	g.Expect(page).NotTo(ContainSubstring("已撤回的通报"), "a withdrawn notice is no longer shown")
	g.Expect(page).To(ContainSubstring("市民政局"), "whom to report to")
	for _, e := range entries {
		g.Expect(page).To(ContainSubstring(`id="`+e.Anchor+`"`), "the section of entry point %s", e.Key)
	}
}

func TestUnknownAndMalformedAddressesAre404InBothLanguages(t *testing.T) {
	s := newSite(t, city()...)
	for _, path := range []string{
		"/v/330302006999/", "/v/1234/", "/v/abc/", "/v/" + gulou + "x/", "/a/999999/", "/a/12/",
		"/qr/330302006999.png", "/qr/" + gulou + ".gif", "/qr/" + gulou + "/nope.png", "/flow/nope.svg", "/flow/subsidy-flow.png",
		"/d/nope/", "/v/" + gulou + "/boards.svg", "/nothing", "/static/nope.css",
	} {
		w := get(s, path)
		if w.Code != http.StatusNotFound {
			t.Errorf("%s: got %d, want 404", path, w.Code)
			continue
		}
		if body := w.Body.String(); strings.HasPrefix(path, "/static/") {
			continue
		} else if !strings.Contains(body, "页面不存在") || !strings.Contains(body, "Page not found") {
			t.Errorf("%s: the 404 page is not bilingual: %s", path, body)
		}
	}
}

func TestReadOnlyWithSecurityHeaders(t *testing.T) {
	g := NewWithT(t)
	s := newSite(t, city()...)
	r := httptest.NewRequest(http.MethodPost, "/v/"+gulou+"/", strings.NewReader("x"))
	w := httptest.NewRecorder()
	s.ServeHTTP(w, r)
	g.Expect(w.Code).To(Equal(http.StatusMethodNotAllowed))
	g.Expect(w.Header().Get("Allow")).To(Equal("GET, HEAD"))
	w = get(s, "/v/"+gulou+"/")
	g.Expect(w.Header().Get("Content-Security-Policy")).To(ContainSubstring("default-src 'none'"))
	g.Expect(w.Header().Get("Content-Security-Policy")).NotTo(ContainSubstring("script-src"), "no JavaScript at all")
	g.Expect(w.Header().Get("X-Content-Type-Options")).To(Equal("nosniff"))
	g.Expect(w.Header().Get("X-Frame-Options")).To(Equal("DENY"))
}

func TestETagFollowsTheRecords(t *testing.T) {
	g := NewWithT(t)
	objs := city()
	s := newSite(t, objs...)
	w := get(s, "/v/"+gulou+"/")
	etag := w.Header().Get("ETag")
	g.Expect(etag).To(MatchRegexp(`^"[0-9a-f]{16}"$`))
	g.Expect(w.Header().Get("Last-Modified")).To(Equal(created.UTC().Format(http.TimeFormat)))
	g.Expect(get(s, "/v/"+gulou+"/", "If-None-Match", etag).Code).To(Equal(http.StatusNotModified))

	later := &governancev1alpha1.Disclosure{ObjectMeta: metav1.ObjectMeta{Name: "rules", Namespace: governancev1alpha1.TenantNamespaceName(gulou),
		CreationTimestamp: metav1.NewTime(created.Add(time.Hour))},
		Spec: governancev1alpha1.DisclosureSpec{Category: governancev1alpha1.DisclosureVillageRules, Title: "居民公约", Period: "2026", Body: "第一条"}}
	s2 := newSite(t, append(objs, later)...)
	w = get(s2, "/v/"+gulou+"/", "If-None-Match", etag)
	g.Expect(w.Code).To(Equal(http.StatusOK), "a new record changes the page")
	g.Expect(w.Header().Get("ETag")).NotTo(Equal(etag))
	g.Expect(w.Body.String()).To(ContainSubstring("居民公约"))
}

func decodeQR(t *testing.T, body io.Reader) string {
	t.Helper()
	text, err := portaltest.DecodeQR(body)
	if err != nil {
		t.Fatal(err)
	}
	return text
}

func TestQRCodesOpenTheirSection(t *testing.T) {
	g := NewWithT(t)
	s := newSite(t, city()...)
	w := get(s, "/qr/"+gulou+".png")
	g.Expect(w.Code).To(Equal(http.StatusOK))
	g.Expect(decodeQR(t, w.Body)).To(Equal(publicURL + "/v/" + gulou + "/"))
	for _, e := range entries {
		w := get(s, "/qr/"+gulou+"/"+e.Key+".png")
		g.Expect(w.Code).To(Equal(http.StatusOK))
		g.Expect(w.Header().Get("Content-Type")).To(Equal("image/png"))
		g.Expect(decodeQR(t, w.Body)).To(Equal(publicURL + "/v/" + gulou + "/#" + e.Anchor))
		w = get(s, "/qr/"+gulou+"/"+e.Key+".svg")
		g.Expect(w.Header().Get("Content-Type")).To(Equal("image/svg+xml"))
		g.Expect(xml.Unmarshal(w.Body.Bytes(), new(struct{ XMLName xml.Name }))).To(Succeed(), "well-formed SVG")
	}
	sheet := get(s, "/v/"+gulou+"/qr/").Body.String()
	for _, e := range entries {
		g.Expect(sheet).To(ContainSubstring("/qr/" + gulou + "/" + e.Key + ".svg"))
		g.Expect(sheet).To(ContainSubstring(e.Title))
	}
}

func TestSearchFindsByCodeAndName(t *testing.T) {
	g := NewWithT(t)
	s := newSite(t, city()...)
	w := get(s, "/search?q="+gulou)
	g.Expect(w.Code).To(Equal(http.StatusFound))
	g.Expect(w.Header().Get("Location")).To(Equal("/v/" + gulou + "/"))
	w = get(s, "/search?q=%E9%BC%93%E6%A5%BC") // 鼓楼
	g.Expect(w.Code).To(Equal(http.StatusOK))
	g.Expect(w.Body.String()).To(ContainSubstring(`href="/v/` + gulou + `/"`))
	g.Expect(get(s, "/search?q=nowhere").Body.String()).To(ContainSubstring("No village matches"))
	g.Expect(get(s, "/").Body.String()).To(ContainSubstring(`href="/a/330302/"`))
	g.Expect(get(s, "/a/330302/").Body.String()).To(ContainSubstring(`href="/v/` + gulou + `/"`))
}

func TestDepartmentSummaryIsPublic(t *testing.T) {
	g := NewWithT(t)
	s := newSite(t, city()...)
	g.Expect(get(s, "/d/").Body.String()).To(ContainSubstring(`href="/d/tjj/"`))
	page := get(s, "/d/tjj/").Body.String()
	g.Expect(page).To(ContainSubstring("关于统计局违规派发纸质台账的通报"))
	g.Expect(page).To(MatchRegexp(`违规 Violations</dt><dd>1</dd>`))
}

func TestNoSnapshotYetIs503(t *testing.T) {
	w := get(NewSite(publicURL), "/")
	if w.Code != http.StatusServiceUnavailable || w.Header().Get("Retry-After") == "" {
		t.Fatalf("got %d, want 503 with Retry-After", w.Code)
	}
}

func TestHeadHasNoBody(t *testing.T) {
	s := newSite(t, city()...)
	r := httptest.NewRequest(http.MethodHead, "/v/"+gulou+"/", nil)
	w := httptest.NewRecorder()
	s.ServeHTTP(w, r)
	if w.Code != http.StatusOK || w.Body.Len() != 0 || w.Header().Get("Content-Length") == "0" {
		t.Fatalf("HEAD: %d, body %d bytes, length %s", w.Code, w.Body.Len(), w.Header().Get("Content-Length"))
	}
}

func TestExportServesTheSameBytes(t *testing.T) {
	g := NewWithT(t)
	s := newSite(t, city()...)
	dir := t.TempDir()
	n, err := Export(t.Context(), s, dir, ExportOptions{})
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(n).To(BeNumerically(">", 15))
	static := http.FileServer(http.Dir(dir))
	for _, path := range []string{"/", "/a/330302/", "/a/330302006/", "/v/" + gulou + "/", "/v/" + gulou + "/qr/", "/qr/" + gulou + "/manage.png", "/d/tjj/", "/flow/subsidy-flow.svg"} {
		want := get(s, path)
		got := get(static, path)
		g.Expect(got.Code).To(Equal(http.StatusOK), path)
		g.Expect(got.Body.Bytes()).To(Equal(want.Body.Bytes()), "%s: the export holds what the portal serves", path)
	}
}

func TestPageCacheServesTheCurrentVersion(t *testing.T) {
	g := NewWithT(t)
	objs := city()
	s := newSite(t, objs...)
	dir := t.TempDir()
	s.CachePages(dir)
	uncached := get(newSite(t, objs...), "/v/"+gulou+"/").Body.String()
	first := get(s, "/v/"+gulou+"/")
	second := get(s, "/v/"+gulou+"/")
	g.Expect(first.Body.String()).To(Equal(uncached), "a cached page is the page")
	g.Expect(second.Body.String()).To(Equal(uncached))
	g.Expect(second.Header().Get("ETag")).To(Equal(first.Header().Get("ETag")))
	files, _ := os.ReadDir(dir)
	g.Expect(files).To(HaveLen(1))

	later := &governancev1alpha1.Disclosure{ObjectMeta: metav1.ObjectMeta{Name: "rules", Namespace: governancev1alpha1.TenantNamespaceName(gulou)},
		Spec: governancev1alpha1.DisclosureSpec{Category: governancev1alpha1.DisclosureVillageRules, Title: "居民公约", Period: "2026", Body: "第一条"}}
	snap, err := Build(t.Context(), fake.NewClientBuilder().WithScheme(scheme()).WithObjects(append(objs, later)...).Build())
	g.Expect(err).NotTo(HaveOccurred())
	s.SetSnapshot(snap)
	third := get(s, "/v/"+gulou+"/")
	g.Expect(third.Body.String()).To(ContainSubstring("居民公约"), "a new version is rendered again")
	g.Expect(third.Header().Get("ETag")).NotTo(Equal(first.Header().Get("ETag")))
	files, _ = os.ReadDir(dir)
	g.Expect(files).To(HaveLen(1), "the old version's file is gone")
	r := httptest.NewRequest(http.MethodHead, "/v/"+gulou+"/", nil)
	w := httptest.NewRecorder()
	s.ServeHTTP(w, r)
	g.Expect(w.Body.Len()).To(BeZero())
	g.Expect(w.Header().Get("Content-Length")).To(Equal(fmt.Sprint(len(third.Body.String()))))
}
