package portal

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
)

// FuzzSite sends any path and query to the portal: it never panics, answers
// only with the statuses it documents, and a 404 is always the bilingual page.
func FuzzSite(f *testing.F) {
	for _, seed := range []string{"/", "/v/" + gulou + "/", "/v/" + gulou + "/qr/", "/qr/" + gulou + "/manage.png", "/a/330302/",
		"/search?q=鼓楼", "/search?q=" + gulou, "/d/tjj/", "/flow/subsidy-flow.svg", "/v/%2e%2e/", "/static/portal.css", "/v//", "/qr/.png"} {
		f.Add(seed)
	}
	s, err := buildSite(city()...)
	if err != nil {
		f.Fatal(err)
	}
	allowed := map[int]bool{http.StatusOK: true, http.StatusFound: true, http.StatusMovedPermanently: true,
		http.StatusTemporaryRedirect: true, http.StatusNotFound: true, http.StatusBadRequest: true}
	f.Fuzz(func(t *testing.T, target string) {
		u, err := url.Parse(target)
		if err != nil || !strings.HasPrefix(u.Path, "/") || strings.ContainsAny(target, " \t\r\n#") {
			return
		}
		r := httptest.NewRequest(http.MethodGet, "http://portal.test"+u.RequestURI(), nil)
		w := httptest.NewRecorder()
		s.ServeHTTP(w, r)
		if !allowed[w.Code] {
			t.Fatalf("%q: status %d", target, w.Code)
		}
		bilingual := strings.Contains(w.Body.String(), "页面不存在") && strings.Contains(w.Body.String(), "Page not found")
		if w.Code == http.StatusNotFound && !strings.HasPrefix(u.Path, "/static/") && !bilingual {
			t.Fatalf("%q: a 404 that is not the bilingual page", target)
		}
	})
}
