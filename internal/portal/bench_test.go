package portal

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	governancev1alpha1 "github.com/cunshe/cunshe-operator/api/v1alpha1"
)

// BenchmarkVillagePage renders 鼓楼社区's page with 60 published items:
// the CPU one page view costs (test/portalbench measures the server).
func BenchmarkVillagePage(b *testing.B) {
	objs := city()
	rev := objs[3].(*governancev1alpha1.ListRevision)
	for _, list := range governancev1alpha1.Lists {
		for i := range 10 {
			name := fmt.Sprintf("bench-%d-%s", i, list)
			objs = append(objs, &governancev1alpha1.ListItem{ObjectMeta: metav1.ObjectMeta{Name: name, ResourceVersion: "1"},
				Spec: governancev1alpha1.ListItemSpec{List: list, Title: "协助开展统计调查入户登记" + name, Content: "配合统计部门开展调查的入户摸底、登记工作，不承担填表报送以外的任务。",
					Basis: governancev1alpha1.Basis{Citation: "《中华人民共和国统计法》第七条"}, ResponsibleDepartments: []string{"tjj"}},
				Status: governancev1alpha1.ListItemStatus{ApprovedDigest: "sha256:x"}})
			rev.Spec.Items = append(rev.Spec.Items, governancev1alpha1.PublishedItem{Name: name, List: list, Digest: "sha256:x"})
		}
	}
	s, err := buildSite(objs...)
	if err != nil {
		b.Fatal(err)
	}
	_ = client.Object(nil)
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		w := httptest.NewRecorder()
		s.ServeHTTP(w, httptest.NewRequest(http.MethodGet, "/v/"+gulou+"/", nil))
		if w.Code != http.StatusOK {
			b.Fatal(w.Code)
		}
	}
}

// BenchmarkVillagePageCached serves the page from the page cache, beside
// BenchmarkFloorFileServer serving the same bytes from a file.
func BenchmarkVillagePageCached(b *testing.B) {
	s, err := buildSite(city()...)
	if err != nil {
		b.Fatal(err)
	}
	s.CachePages(b.TempDir())
	b.ReportAllocs()
	for b.Loop() {
		w := httptest.NewRecorder()
		s.ServeHTTP(w, httptest.NewRequest(http.MethodGet, "/v/"+gulou+"/", nil))
	}
}

func BenchmarkFloorFileServer(b *testing.B) {
	s, err := buildSite(city()...)
	if err != nil {
		b.Fatal(err)
	}
	dir := b.TempDir()
	if _, err := Export(b.Context(), s, dir, ExportOptions{}); err != nil {
		b.Fatal(err)
	}
	fs := http.FileServer(http.Dir(dir))
	b.ReportAllocs()
	for b.Loop() {
		w := httptest.NewRecorder()
		fs.ServeHTTP(w, httptest.NewRequest(http.MethodGet, "/v/"+gulou+"/", nil))
	}
}
