package portal

import (
	"bytes"
	"context"
	"embed"
	"fmt"
	"hash"
	"hash/fnv"
	"html/template"
	"io/fs"
	"net/http"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
	"time"
	"unicode/utf8"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	governancev1alpha1 "github.com/cunshe/cunshe-operator/api/v1alpha1"
	"github.com/cunshe/cunshe-operator/internal/flowchart"
	"github.com/cunshe/cunshe-operator/internal/signboards"
	"github.com/cunshe/cunshe-operator/internal/version"
)

//go:embed templates/*.html
var templateFiles embed.FS

//go:embed static
var staticFiles embed.FS

// Codes in paths: what is not one of these is a 404 before any lookup.
var (
	villageCode = regexp.MustCompile(`^[0-9]{12}$`)
	areaCode    = regexp.MustCompile(`^[0-9]{6}([0-9]{3})?$`)
	flowName    = regexp.MustCompile(`^[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?$`)
	deptName    = flowName
)

// Site is the portal's handler: the same for the server and the export.
type Site struct {
	// PublicURL is where residents reach the portal (the QR codes' links),
	// without a trailing slash, e.g. https://cunshe.wenzhou.gov.cn.
	PublicURL string
	snap      atomic.Pointer[Snapshot]
	tmpl      *template.Template
	mux       *http.ServeMux
	flows     sync.Map // name@resourceVersion → *flowSVG
	// pages, when set, keeps the villages' pages as files (the server's).
	pages *pageCache
}

type flowSVG struct {
	once sync.Once
	svg  []byte
	err  error
}

// NewSite parses the templates and routes the pages.
func NewSite(publicURL string) *Site {
	s := &Site{PublicURL: strings.TrimSuffix(publicURL, "/")}
	s.tmpl = template.Must(template.New("").Funcs(funcs).ParseFS(templateFiles, "templates/*.html"))
	m := http.NewServeMux()
	m.HandleFunc("GET /{$}", s.home)
	m.HandleFunc("GET /search", s.search)
	m.HandleFunc("GET /a/{code}/{$}", s.area)
	m.HandleFunc("GET /v/{code}/{$}", s.village)
	m.HandleFunc("GET /v/{code}/qr/{$}", s.qrSheet)
	m.HandleFunc("GET /v/{code}/boards.svg", s.boards)
	m.HandleFunc("GET /qr/{file}", s.villageQR)
	m.HandleFunc("GET /qr/{code}/{file}", s.entryQR)
	m.HandleFunc("GET /flow/{file}", s.flow)
	m.HandleFunc("GET /d/{$}", s.departments)
	m.HandleFunc("GET /d/{dept}/{$}", s.department)
	static, _ := fs.Sub(staticFiles, "static")
	m.Handle("GET /static/", http.StripPrefix("/static/", s.validPath(cachedForADay(http.FileServerFS(static)))))
	m.HandleFunc("/", s.notFound)
	s.mux = m
	return s
}

// CachePages keeps rendered village pages as files in dir (which must exist
// and be the site's alone): the server's setting, not the export's.
func (s *Site) CachePages(dir string) { s.pages = newPageCache(dir) }

// SetSnapshot makes the pages show s from the next request on; the lists
// the previous snapshot rendered carry over.
func (s *Site) SetSnapshot(snap *Snapshot) {
	if old := s.snap.Load(); old != nil && old != snap {
		snap.inherit(old)
	}
	s.snap.Store(snap)
}

// ServeHTTP serves GET and HEAD only, with the security headers on every answer.
func (s *Site) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	h := w.Header()
	h.Set("Content-Security-Policy", "default-src 'none'; img-src 'self' data:; style-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("X-Frame-Options", "DENY")
	h.Set("Referrer-Policy", "no-referrer")
	h.Set("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
	h.Set("Cross-Origin-Opener-Policy", "same-origin")
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		h.Set("Allow", "GET, HEAD")
		s.errorPage(w, r, http.StatusMethodNotAllowed)
		return
	}
	if s.snap.Load() == nil {
		h.Set("Retry-After", "2")
		s.errorPage(w, r, http.StatusServiceUnavailable)
		return
	}
	s.mux.ServeHTTP(w, r)
}

// cachedForADay lets browsers keep the stylesheet: it changes only with a release.
// validPath answers the bilingual 404 for a path no file can have: the
// file server answers 500 to one that is not valid UTF-8 (fs.ValidPath).
func (s *Site) validPath(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !utf8.ValidString(r.URL.Path) {
			s.notFound(w, r)
			return
		}
		h.ServeHTTP(w, r)
	})
}

func cachedForADay(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "public, max-age=86400")
		h.ServeHTTP(w, r)
	})
}

// versions hashes what a page was made of into its ETag: the objects'
// resourceVersions and the portal's own version (templates change with it).
type versions struct {
	h       hash.Hash64
	modTime time.Time
}

func newVersions() *versions {
	v := &versions{h: fnv.New64a()}
	v.add(version.Version)
	return v
}

func (v *versions) add(parts ...string) {
	for _, p := range parts {
		_, _ = v.h.Write([]byte(p))
		_, _ = v.h.Write([]byte{0})
	}
}

// object adds an object's version and moves the page's modification time
// to its newest: its creation or a condition's last transition.
func (v *versions) object(o metav1.Object, conditions ...[]metav1.Condition) {
	v.add(o.GetResourceVersion())
	v.touch(o.GetCreationTimestamp().Time)
	for _, cs := range conditions {
		for _, c := range cs {
			v.touch(c.LastTransitionTime.Time)
		}
	}
}

func (v *versions) touch(t time.Time) {
	if t.After(v.modTime) {
		v.modTime = t
	}
}

func (v *versions) etag() string { return fmt.Sprintf(`"%016x"`, v.h.Sum64()) }

// notModified answers 304 when the client holds this version.
func notModified(w http.ResponseWriter, r *http.Request, etag string) bool {
	w.Header().Set("ETag", etag)
	w.Header().Set("Cache-Control", "no-cache")
	for _, tag := range strings.Split(r.Header.Get("If-None-Match"), ",") {
		if t := strings.TrimSpace(tag); t == etag || t == "W/"+etag || t == "*" {
			w.WriteHeader(http.StatusNotModified)
			return true
		}
	}
	return false
}

// render writes a template, or the 500 page if it fails.
func (s *Site) render(w http.ResponseWriter, r *http.Request, name string, v *versions, data any) {
	if v != nil && notModified(w, r, v.etag()) {
		return
	}
	var b bytes.Buffer
	if err := s.tmpl.ExecuteTemplate(&b, name, data); err != nil {
		s.errorPage(w, r, http.StatusInternalServerError)
		return
	}
	s.write(w, r, "text/html; charset=utf-8", v, b.Bytes())
}

func (s *Site) write(w http.ResponseWriter, r *http.Request, contentType string, v *versions, body []byte) {
	h := w.Header()
	h.Set("Content-Type", contentType)
	if v != nil && !v.modTime.IsZero() {
		h.Set("Last-Modified", v.modTime.UTC().Format(http.TimeFormat))
	}
	h.Set("Content-Length", fmt.Sprint(len(body)))
	w.WriteHeader(http.StatusOK)
	if r.Method != http.MethodHead {
		_, _ = w.Write(body)
	}
}

func (s *Site) notFound(w http.ResponseWriter, r *http.Request) {
	s.errorPage(w, r, http.StatusNotFound)
}

// errorPage answers in both languages, with no detail of the cluster.
func (s *Site) errorPage(w http.ResponseWriter, r *http.Request, status int) {
	var b bytes.Buffer
	_ = s.tmpl.ExecuteTemplate(&b, "error", errorData{Page: page{Title: errorTitles[status][0], TitleEn: errorTitles[status][1]}, Status: status, Path: r.URL.Path})
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	if r.Method != http.MethodHead {
		_, _ = w.Write(b.Bytes())
	}
}

var errorTitles = map[int][2]string{
	http.StatusNotFound:            {"页面不存在", "Page not found"},
	http.StatusMethodNotAllowed:    {"只能浏览，不能提交", "This site is read-only"},
	http.StatusServiceUnavailable:  {"访问人数较多或正在加载，请稍后再试", "Busy or loading, please try again shortly"},
	http.StatusInternalServerError: {"页面出错", "Something went wrong"},
}

// flowSVG draws a flow once per version: Graphviz is slow, flows are few
// and an approved one never changes (P1).
func (s *Site) flowSVG(ctx context.Context, f *governancev1alpha1.PowerFlow) ([]byte, error) {
	e, _ := s.flows.LoadOrStore(f.Name+"@"+f.ResourceVersion, &flowSVG{})
	entry := e.(*flowSVG)
	entry.once.Do(func() {
		entry.svg, entry.err = flowchart.SVG(context.WithoutCancel(ctx), []byte(flowchart.DOT(f)))
	})
	return entry.svg, entry.err
}

func (s *Site) flow(w http.ResponseWriter, r *http.Request) {
	name, ok := strings.CutSuffix(r.PathValue("file"), ".svg")
	snap := s.snap.Load()
	f := snap.catalog.Flows[name]
	if !ok || !flowName.MatchString(name) || f == nil {
		s.notFound(w, r)
		return
	}
	v := newVersions()
	v.object(f)
	if notModified(w, r, v.etag()) {
		return
	}
	svg, err := s.flowSVG(r.Context(), f)
	if err != nil {
		s.errorPage(w, r, http.StatusInternalServerError)
		return
	}
	s.write(w, r, "image/svg+xml", v, svg)
}

func (s *Site) boards(w http.ResponseWriter, r *http.Request) {
	snap := s.snap.Load()
	vil, set, style := s.boardsOf(snap, r.PathValue("code"))
	if set == nil {
		s.notFound(w, r)
		return
	}
	v := newVersions()
	v.object(vil)
	v.object(set)
	if style != nil {
		v.object(style)
	}
	if notModified(w, r, v.etag()) {
		return
	}
	s.write(w, r, "image/svg+xml", v, signboards.RenderSVG(set, style, vil))
}

func (s *Site) boardsOf(snap *Snapshot, code string) (*governancev1alpha1.Village, *governancev1alpha1.SignboardSet, *governancev1alpha1.SignboardStyle) {
	vil := snap.Village(code)
	if !villageCode.MatchString(code) || vil == nil {
		return nil, nil, nil
	}
	set := snap.sets[governancev1alpha1.TenantNamespaceName(code)]
	if set == nil {
		return vil, nil, nil
	}
	return vil, set, snap.styles[set.Spec.Style]
}
