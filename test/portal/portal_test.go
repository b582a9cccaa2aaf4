// Package portal_test opens the public portal in a real browser (headless
// Chromium driven by chromedp) against the operator on a real control
// plane: a village's page shows the lists its ConfigMap holds, a QR code
// opens its section, a corrected record shows as superseded, the page fits
// a 360 px phone, and an anonymous visitor sees nothing private.
package portal_test

import (
	"context"
	"fmt"
	"image/png"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	. "github.com/onsi/gomega"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/yaml"

	governancev1alpha1 "github.com/cunshe/cunshe-operator/api/v1alpha1"
	"github.com/cunshe/cunshe-operator/internal/portal/portaltest"
	"github.com/cunshe/cunshe-operator/internal/publish"
	"github.com/cunshe/cunshe-operator/internal/tenant"
	"github.com/cunshe/cunshe-operator/internal/testenv"
)

var (
	env   *testenv.Env
	units testenv.Units
)

const (
	gulou   = "330302006044" // 鼓楼社区, 鹿城区 五马街道
	mochi   = "330302006045" // 墨池社区
	private = "仅供联审单位处理的反映内容 PRIVATE-7f3a"
)

func TestMain(m *testing.M) {
	testenv.Run(m, testenv.Options{Manager: true, Portal: true, Setup: seed}, &env)
}

// seed declares the city, its units and a department, two communities and
// two approved items, and rolls the lists out to every village.
func seed(c client.Client) error {
	ctx := context.Background()
	if err := c.Create(ctx, &governancev1alpha1.Jurisdiction{ObjectMeta: metav1.ObjectMeta{Name: "3303"},
		Spec: governancev1alpha1.JurisdictionSpec{Code: "3303", Name: "温州市", Level: governancev1alpha1.LevelCity, Default: true}}); err != nil {
		return err
	}
	var err error
	if units, err = testenv.CreateReviewUnits(ctx, c); err != nil {
		return err
	}
	if err := testenv.CreateDepartment(ctx, c, "tjj"); err != nil {
		return err
	}
	for code, name := range map[string]string{gulou: "鼓楼社区", mochi: "墨池社区"} {
		v := testenv.Village(code, governancev1alpha1.TypeCommunity)
		v.Spec.Name, v.Spec.County.Name, v.Spec.Township.Name = name, "鹿城区", "五马街道"
		if err := c.Create(ctx, v); err != nil {
			return err
		}
	}
	for _, it := range []*governancev1alpha1.ListItem{
		item("census-2026", governancev1alpha1.ListAdmission, "协助开展全国人口普查入户登记", "《全国人口普查条例》第十条"),
		item("seal-residence", governancev1alpha1.ListSeal, "居住证明（无其他途径核实的）", "《浙江省居住证管理办法》"),
	} {
		if err := c.Create(ctx, it); err != nil {
			return err
		}
		if err := units.Approve(ctx, c, it); err != nil {
			return err
		}
	}
	return c.Create(ctx, &governancev1alpha1.ListRollout{ObjectMeta: metav1.ObjectMeta{Name: "citywide"},
		Spec: governancev1alpha1.ListRolloutSpec{Steps: []governancev1alpha1.RolloutStep{{Percent: ptr.To[int32](100)}}}})
}

func item(name string, list governancev1alpha1.ListKind, title, basis string) *governancev1alpha1.ListItem {
	it := &governancev1alpha1.ListItem{
		ObjectMeta: metav1.ObjectMeta{Name: name},
		Spec: governancev1alpha1.ListItemSpec{
			List: list, Title: title, ResidentFacing: list == governancev1alpha1.ListSeal,
			Applicant: governancev1alpha1.Applicant{Kind: governancev1alpha1.ApplicantCityDepartment, Name: "tjj"},
			Basis:     governancev1alpha1.Basis{Kind: governancev1alpha1.BasisLaw, Citation: basis},
		},
	}
	if list == governancev1alpha1.ListAdmission {
		it.Spec.VillageRole = governancev1alpha1.RoleAssist // S1: a role on admission items only
	}
	return it
}

// heldLists are the lists the village's ConfigMap holds, once it holds both items.
func heldLists(t *testing.T, code string) publish.VillageLists {
	t.Helper()
	var lists publish.VillageLists
	NewWithT(t).Eventually(func(g Gomega) {
		cm := &corev1.ConfigMap{}
		g.Expect(env.Client.Get(context.Background(), client.ObjectKey{Namespace: governancev1alpha1.TenantNamespaceName(code), Name: tenant.ListsConfigMap}, cm)).To(Succeed())
		data, ok, err := publish.Load(cm)
		g.Expect(err).NotTo(HaveOccurred())
		g.Expect(ok).To(BeTrue())
		g.Expect(yaml.Unmarshal([]byte(data), &lists)).To(Succeed())
		g.Expect(itemNames(lists)).To(HaveLen(2))
	}).WithTimeout(60 * time.Second).Should(Succeed())
	return lists
}

func itemNames(l publish.VillageLists) []string {
	var names []string
	for _, g := range l.Lists {
		for _, it := range g.Items {
			names = append(names, it.Name)
		}
	}
	return names
}

// disclose files records as the village's cadre: a financial record, then
// its correction.
func disclose(t *testing.T) {
	t.Helper()
	g := NewWithT(t)
	cadre := env.ClientAs(t, "cadre-gulou", governancev1alpha1.VillageGroupPrefix+gulou)
	ns := governancev1alpha1.TenantNamespaceName(gulou)
	record := func(name, title, body, supersedes, correction string) *governancev1alpha1.Disclosure {
		return &governancev1alpha1.Disclosure{ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: ns},
			Spec: governancev1alpha1.DisclosureSpec{Category: governancev1alpha1.DisclosureFinance, Title: title, Period: "2026-Q3",
				Format: governancev1alpha1.DisclosureMarkdown, Body: body, Supersedes: supersedes, Correction: correction}}
	}
	g.Expect(cadre.Create(context.Background(), record("finance-2026-q3", "2026年第三季度财务收支公开",
		"| 项目 | 金额（元） |\n|---|---|\n| 收入 | 312,400.00 |\n| 支出 | 198,760.00 |", "", ""))).To(Succeed())
	g.Expect(cadre.Create(context.Background(), record("finance-2026-q3-fix", "2026年第三季度财务收支公开（更正）",
		"| 项目 | 金额（元） |\n|---|---|\n| 收入 | 312,400.00 |\n| 支出 | 189,760.00 |", "finance-2026-q3", "支出合计误写为 198,760.00 元，应为 189,760.00 元"))).To(Succeed())
}

// browser starts headless Chromium at a phone's width. The test fails,
// never skips, without it: .ci/run installs Debian's chromium.
func browser(t *testing.T) context.Context {
	t.Helper()
	path := chromiumPath()
	if path == "" {
		t.Fatal("no Chromium found (apt-get install -y chromium); the portal's browser test needs it")
	}
	opts := append(chromedp.DefaultExecAllocatorOptions[:], chromedp.ExecPath(path), chromedp.NoSandbox,
		chromedp.WindowSize(360, 800), chromedp.Flag("lang", "zh-CN"))
	alloc, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancel := chromedp.NewContext(alloc)
	ctx, cancelTimeout := context.WithTimeout(ctx, 2*time.Minute)
	t.Cleanup(func() { cancelTimeout(); cancel(); cancelAlloc() })
	if err := chromedp.Do(ctx, chromedp.EmulateViewport(360, 800)); err != nil {
		t.Fatalf("starting Chromium: %v", err)
	}
	return ctx
}

func chromiumPath() string {
	for _, name := range []string{os.Getenv("CHROMIUM"), "chromium", "chromium-browser", "google-chrome"} {
		if name == "" {
			continue
		}
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	return ""
}

// screenshot keeps a full-page PNG in bin/screenshots (ignored by git).
func screenshot(t *testing.T, ctx context.Context, name string) {
	t.Helper()
	buf, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	if err != nil {
		t.Fatal(err)
	}
	_, file, _, _ := runtime.Caller(0)
	dir := filepath.Join(filepath.Dir(file), "..", "..", "bin", "screenshots")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, name+".png")
	if err := os.WriteFile(path, buf, 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := png.DecodeConfig(strings.NewReader(string(buf))); err != nil {
		t.Fatalf("screenshot %s is not a PNG: %v", name, err)
	}
	t.Logf("screenshot: %s", path)
}

func TestAResidentReadsTheVillagePage(t *testing.T) {
	g := NewWithT(t)
	held := heldLists(t, gulou)
	disclose(t)
	ctx := browser(t)
	page := env.PortalURL + "/v/" + gulou + "/"

	// The portal rebuilds its snapshot from the cache shortly after a change.
	var shown []string
	g.Eventually(func(g Gomega) {
		g.Expect(chromedp.Do(ctx, chromedp.Navigate(page))).To(Succeed())
		revision := js[string](g, ctx, `(document.querySelector('[data-revision]') || {dataset: {}}).dataset.revision || ""`)
		g.Expect(revision).To(Equal(fmt.Sprint(held.Revision)))
		shown = js[[]string](g, ctx, `Array.from(document.querySelectorAll('[data-item]')).map(e => e.dataset.item)`)
		g.Expect(js[bool](g, ctx, `!!document.querySelector('[data-record="finance-2026-q3"] [data-superseded-by="finance-2026-q3-fix"]')`)).
			To(BeTrue(), "the corrected record shows as superseded")
	}).WithTimeout(30 * time.Second).Should(Succeed())
	g.Expect(shown).To(ConsistOf(itemNames(held)), "the page shows exactly the lists the village's ConfigMap holds")

	title, err := chromedp.Run(ctx, chromedp.Title())
	g.Expect(err).NotTo(HaveOccurred())
	text, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS("#records-Finance")))
	g.Expect(err).NotTo(HaveOccurred())
	fits := js[bool](g, ctx, `document.documentElement.scrollWidth <= window.innerWidth`)
	g.Expect(title).To(HavePrefix("鼓楼社区"))
	g.Expect(text).To(ContainSubstring("已被更正"))
	g.Expect(text).To(ContainSubstring("189,760.00"))
	g.Expect(fits).To(BeTrue(), "no horizontal scrolling at 360 px")
	screenshot(t, ctx, "village-360")
}

func TestAQRCodeOpensItsSection(t *testing.T) {
	g := NewWithT(t)
	heldLists(t, gulou)
	ctx := browser(t)
	target := decodeQR(t, env.PortalURL+"/qr/"+gulou+"/manage.png")
	g.Expect(target).To(Equal(env.PortalURL + "/v/" + gulou + "/#lists"))

	g.Expect(chromedp.Do(ctx, chromedp.Navigate(target), chromedp.WaitVisible(chromedp.CSS("#lists")))).To(Succeed())
	g.Expect(js[string](g, ctx, `location.hash`)).To(Equal("#lists"))
	g.Expect(js[float64](g, ctx, `document.getElementById('lists').getBoundingClientRect().top`)).
		To(BeNumerically("<", 100), "the browser scrolled to the lists")

	g.Expect(chromedp.Do(ctx, chromedp.Navigate(env.PortalURL+"/v/"+gulou+"/qr/"))).To(Succeed())
	g.Eventually(func(g Gomega) int {
		return js[int](g, ctx, `Array.from(document.querySelectorAll('.qr img')).filter(i => i.complete && i.naturalWidth > 0).length`)
	}).WithTimeout(10*time.Second).Should(Equal(5), "the A4 sheet shows the five 码上 codes")
	g.Expect(js[bool](g, ctx, `document.documentElement.scrollWidth <= window.innerWidth`)).To(BeTrue())
	screenshot(t, ctx, "qr-sheet-360")

	g.Expect(chromedp.Do(ctx, chromedp.Navigate(env.PortalURL+"/"),
		chromedp.SetValue(chromedp.CSS("#q"), "墨池"), chromedp.Submit(chromedp.CSS("#q")),
		chromedp.WaitVisible(chromedp.CSS(".results")))).To(Succeed())
	found, err := chromedp.Run(ctx, chromedp.AttributeValue(chromedp.CSS(".results a"), "href"))
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(found.Value).To(Equal("/v/"+mochi+"/"), "search by name, without JavaScript")
	screenshot(t, ctx, "search-360")
}

// js evaluates an expression in the page.
func js[T any](g Gomega, ctx context.Context, expr string) T {
	v, err := chromedp.Run(ctx, chromedp.Evaluate[T](expr))
	g.Expect(err).NotTo(HaveOccurred(), expr)
	return v
}

func decodeQR(t *testing.T, url string) string {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = resp.Body.Close() }()
	text, err := portaltest.DecodeQR(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return text
}

// An anonymous visitor reads what is public and nothing else: a village's
// report (S8) stays with the review units, unknown codes are 404s.
func TestAnonymousVisitorsSeeNothingPrivate(t *testing.T) {
	g := NewWithT(t)
	heldLists(t, gulou)
	cadre := env.ClientAs(t, "cadre-gulou", governancev1alpha1.VillageGroupPrefix+gulou)
	g.Expect(cadre.Create(context.Background(), &governancev1alpha1.Report{
		ObjectMeta: metav1.ObjectMeta{Name: "ledger-demand", Namespace: governancev1alpha1.TenantNamespaceName(gulou)},
		Spec: governancev1alpha1.ReportSpec{Reason: governancev1alpha1.ReportReasonNotListed,
			Demand: &governancev1alpha1.Demand{Department: "tjj", Description: "要求建立纸质台账"}, Details: private},
	})).To(Succeed())
	pages := []string{"/", "/a/330302/", "/a/330302006/", "/v/" + gulou + "/", "/v/" + mochi + "/", "/d/", "/search?q=鼓楼"}
	g.Eventually(func(g Gomega) {
		for _, p := range pages {
			body, status := fetch(g, p)
			g.Expect(status).To(Equal(http.StatusOK), p)
			g.Expect(body).NotTo(ContainSubstring("PRIVATE-7f3a"), p)
			g.Expect(body).NotTo(ContainSubstring("要求建立纸质台账"), p)
		}
	}).WithTimeout(5 * time.Second).Should(Succeed())
	for _, p := range []string{"/v/330302006999/", "/v/abc/", "/qr/330302006999.png", "/d/nope/", "/v/" + gulou + "/reports"} {
		body, status := fetch(g, p)
		g.Expect(status).To(Equal(http.StatusNotFound), p)
		g.Expect(body).To(And(ContainSubstring("页面不存在"), ContainSubstring("Page not found")), p)
	}
	req, _ := http.NewRequest(http.MethodPost, env.PortalURL+"/v/"+gulou+"/", strings.NewReader("x"))
	resp, err := http.DefaultClient.Do(req)
	g.Expect(err).NotTo(HaveOccurred())
	_ = resp.Body.Close()
	g.Expect(resp.StatusCode).To(Equal(http.StatusMethodNotAllowed), "read-only")
}

func fetch(g Gomega, path string) (string, int) {
	resp, err := http.Get(env.PortalURL + path)
	g.Expect(err).NotTo(HaveOccurred())
	defer func() { _ = resp.Body.Close() }()
	b, err := io.ReadAll(resp.Body)
	g.Expect(err).NotTo(HaveOccurred())
	return string(b), resp.StatusCode
}
