package nation_test

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	. "github.com/onsi/gomega"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"

	governancev1alpha1 "github.com/cunshe/cunshe-operator/api/v1alpha1"
	"github.com/cunshe/cunshe-operator/internal/publish"
	"github.com/cunshe/cunshe-operator/internal/rules"
	"github.com/cunshe/cunshe-operator/internal/tenant"
)

// The figures of docs/scale.md that README's benchmarks do not give: what a
// village costs in etcd, and how large its lists ConfigMap grows with the
// number of items. Not part of `go test`: NATION_MEASURE=<villages> runs it
// (after the simulation, on the Wenzhou cluster), e.g.
//
//	NATION_MEASURE=1000 go test ./test/nation -run TestMeasureScale -v -timeout 30m

// measuredCounty is the made-up county of the measured villages: their
// objects' keys contain it, and nothing else's do.
const measuredCounty = "330390"

// measureItems is the number of province items published while measuring.
const measureItems = 100

// sampleContent is an item's content of typical length (about 100 characters).
const sampleContent = "村（社区）协助乡镇（街道）做好本辖区相关信息的采集、核对和报送工作，" +
	"发现问题及时报告，不得要求村（社区）另行建立台账、制作展板或提供佐证材料，所需经费由主管部门保障。"

func sampleItem(i int) *governancev1alpha1.ListItem {
	return &governancev1alpha1.ListItem{
		TypeMeta:   metav1.TypeMeta{APIVersion: governancev1alpha1.GroupVersion.String(), Kind: "ListItem"},
		ObjectMeta: metav1.ObjectMeta{Name: fmt.Sprintf("zj-measure-%04d", i)},
		Spec: governancev1alpha1.ListItemSpec{
			List: governancev1alpha1.ListAdmission, Jurisdiction: "33", VillageRole: governancev1alpha1.RoleAssist,
			Title:     fmt.Sprintf("协助开展全省村级事务信息采集第 %d 项", i),
			Content:   sampleContent,
			Applicant: governancev1alpha1.Applicant{Kind: governancev1alpha1.ApplicantProvinceDepartment, Name: "szrzyt"},
			Basis:     governancev1alpha1.Basis{Kind: governancev1alpha1.BasisCityDocument, Citation: "浙江省村级事务工作文件（模拟引文，仅供测试）"},
		},
	}
}

// listsSize renders the lists of one village for n items as the rollout
// stores them, and returns the rendered and the stored size.
func listsSize(t *testing.T, n int) (rendered, stored int) {
	t.Helper()
	rev := &governancev1alpha1.ListRevision{Spec: governancev1alpha1.ListRevisionSpec{Revision: 1}}
	catalog := publish.Catalog{Items: map[string]*governancev1alpha1.ListItem{}}
	for i := range n {
		it := sampleItem(i)
		catalog.Items[it.Name] = it
		rev.Spec.Items = append(rev.Spec.Items, governancev1alpha1.PublishedItem{Name: it.Name, List: it.Spec.List, Digest: rules.Digest(&it.Spec, nil)})
	}
	v := &governancev1alpha1.Village{Spec: governancev1alpha1.VillageSpec{Code: "330302006044", Type: governancev1alpha1.TypeCommunity,
		County: governancev1alpha1.Division{Code: "330302"}, Township: governancev1alpha1.Division{Code: "330302006"}}}
	data, _, err := publish.Render(publish.ForVillage(rev, v, catalog))
	if err != nil {
		t.Fatal(err)
	}
	cm := &corev1.ConfigMap{}
	if err := publish.Store(cm, data); err != nil {
		t.Fatal(err)
	}
	stored = len(cm.Data[publish.DataKey]) + len(cm.BinaryData[publish.CompressedKey])
	return len(data), stored
}

func TestMeasureScale(t *testing.T) {
	n, _ := strconv.Atoi(os.Getenv("NATION_MEASURE"))
	if n <= 0 {
		t.Skip("NATION_MEASURE=<villages> measures what a village costs in etcd (docs/scale.md)")
	}
	for _, items := range []int{10, 100, 300, 1000, 2000} {
		rendered, stored := listsSize(t, items)
		t.Logf("lists items=%d rendered_bytes=%d stored_bytes=%d (synthetic items share their content: gzip reads too well)", items, rendered, stored)
	}
	samplesCompression(t)

	// After the simulation (this file sorts after nation_test.go), on the
	// Wenzhou cluster; the repository is applied again in case it ran alone.
	c := clusters[0]
	ctx := context.Background()
	c.apply(t, append(readFolder(t, "province"), readFolder(t, filepath.Join("clusters", c.name))...))
	etcd := etcdGateway{url: c.env.ControlPlane.Env.ControlPlane.Etcd.URL.String()}
	before := etcd.settle(t)
	beforeKeys := etcd.usage(t, func(string) bool { return true })
	t.Logf("before: db_bytes=%d", before)

	// n villages of the city and measureItems province items, each approved
	// by both province units and published to every village.
	start := time.Now()
	codes := make([]string, n)
	var wg sync.WaitGroup
	sem := make(chan struct{}, 32)
	for i := range n {
		codes[i] = fmt.Sprintf("%s%03d%03d", measuredCounty, i/200+1, i%200+1)
		wg.Go(func() {
			sem <- struct{}{}
			defer func() { <-sem }()
			v := &governancev1alpha1.Village{ObjectMeta: metav1.ObjectMeta{Name: codes[i]}, Spec: governancev1alpha1.VillageSpec{
				Code: codes[i], Name: "测量村" + codes[i][9:], Type: governancev1alpha1.TypeVillage,
				County:   governancev1alpha1.Division{Code: codes[i][:6], Name: "测量县"},
				Township: governancev1alpha1.Division{Code: codes[i][:9], Name: "测量镇" + codes[i][6:9]}}}
			if err := c.env.Client.Create(ctx, v); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	keyOf := map[string]ed25519Key{}
	for _, unit := range provinceUnits {
		key, err := readPrivateKey(filepath.Join(keys, unit+".key"))
		if err != nil {
			t.Fatal(err)
		}
		keyOf[unit] = ed25519Key{id: unit + "-2026", key: key}
	}
	// Items first, then their approvals, all at once: they settle into one
	// or two revisions instead of one per item.
	parallel := func(n int, f func(i int) error) {
		var wg sync.WaitGroup
		for i := range n {
			wg.Go(func() {
				sem <- struct{}{}
				defer func() { <-sem }()
				NewWithT(t).Eventually(func() error { return client.IgnoreAlreadyExists(f(i)) }).WithTimeout(60 * time.Second).Should(Succeed())
			})
		}
		wg.Wait()
	}
	parallel(measureItems, func(i int) error { return c.env.Client.Create(ctx, sampleItem(i)) })
	parallel(measureItems*len(provinceUnits), func(i int) error {
		it, unit := sampleItem(i/len(provinceUnits)), provinceUnits[i%len(provinceUnits)]
		a := &governancev1alpha1.ItemApproval{ObjectMeta: metav1.ObjectMeta{Name: it.Name + "." + unit},
			Spec: governancev1alpha1.ItemApprovalSpec{Item: it.Name, Digest: rules.Digest(&it.Spec, nil), Unit: unit, Decision: governancev1alpha1.DecisionApprove}}
		rules.Sign(&a.Spec, keyOf[unit].id, keyOf[unit].key)
		return c.env.Client.Create(ctx, a)
	})
	// Every village holds the lists with all the items, and the
	// controller-manager has made each namespace's ServiceAccount and
	// kube-root-ca.crt (they cost etcd space too).
	NewWithT(t).Eventually(func(g Gomega) {
		cms := &corev1.ConfigMapList{}
		g.Expect(c.env.Client.List(ctx, cms, client.MatchingLabels{tenant.LabelLists: "true"})).To(Succeed())
		full := 0
		for i := range cms.Items {
			data, ok, _ := publish.Load(&cms.Items[i])
			if ok && strings.Count(data, "zj-measure-") == measureItems {
				full++
			}
		}
		g.Expect(full).To(BeNumerically(">=", n), "villages holding all %d items", measureItems)
		roots := &corev1.ConfigMapList{}
		g.Expect(c.env.Client.List(ctx, roots, client.MatchingFields{"metadata.name": "kube-root-ca.crt"})).To(Succeed())
		g.Expect(len(roots.Items)).To(BeNumerically(">=", n))
		sas := &corev1.ServiceAccountList{}
		g.Expect(c.env.Client.List(ctx, sas, client.MatchingFields{"metadata.name": "default"})).To(Succeed())
		g.Expect(len(sas.Items)).To(BeNumerically(">=", n))
	}).WithTimeout(15 * time.Minute).WithPolling(5 * time.Second).Should(Succeed())
	t.Logf("converged in %s (not a benchmark: the machine is shared)", time.Since(start).Round(time.Second))

	after := etcd.settle(t)
	t.Logf("after: db_bytes=%d villages=%d db_bytes_per_village=%d (cluster-wide objects included)", after, n, (after-before)/int64(n))
	// The measured villages' own objects (their keys name their codes), and
	// what else the cluster gained (items, approvals, revisions).
	measured := func(key string) bool { return strings.Contains(key, measuredCounty) }
	own := etcd.usage(t, measured)
	others := etcd.usage(t, func(key string) bool { return !measured(key) })
	var perVillage int64
	for _, r := range slices.Sorted(maps.Keys(own)) {
		u := own[r]
		perVillage += u.bytes
		t.Logf("etcd village resource=%s objects=%d bytes_per_object=%d bytes_per_village=%.0f", r, u.objects, u.bytes/u.objects, float64(u.bytes)/float64(n))
	}
	t.Logf("etcd village keys_and_values_per_village=%.0f", float64(perVillage)/float64(n))
	for _, r := range slices.Sorted(maps.Keys(others)) {
		if d := others[r].sub(beforeKeys[r]); d.objects > 0 {
			t.Logf("etcd cluster resource=%s objects=%d bytes_per_object=%d", r, d.objects, d.bytes/d.objects)
		}
	}
}

type ed25519Key struct {
	id  string
	key []byte
}

// etcdGateway talks to etcd's JSON gateway (/v3/...), enabled by default.
type etcdGateway struct{ url string }

func (e etcdGateway) post(t *testing.T, path string, body any, out any) {
	t.Helper()
	data, _ := json.Marshal(body)
	resp, err := http.Post(e.url+path, "application/json", bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("etcd %s: %s: %s", path, resp.Status, raw)
	}
	if out != nil {
		if err := json.Unmarshal(raw, out); err != nil {
			t.Fatalf("etcd %s: %v", path, err)
		}
	}
}

// settle compacts every old revision, defragments, and returns the size
// of the database file: what the data costs once history is gone.
func (e etcdGateway) settle(t *testing.T) int64 {
	t.Helper()
	var status struct {
		Header struct {
			Revision string `json:"revision"`
		} `json:"header"`
		DBSize string `json:"dbSize"`
	}
	e.post(t, "/v3/maintenance/status", map[string]any{}, &status)
	e.post(t, "/v3/kv/compaction", map[string]any{"revision": status.Header.Revision, "physical": true}, nil)
	e.post(t, "/v3/maintenance/defragment", map[string]any{}, nil)
	e.post(t, "/v3/maintenance/status", map[string]any{}, &status)
	size, _ := strconv.ParseInt(status.DBSize, 10, 64)
	return size
}

type usage struct{ objects, bytes int64 }

func (u usage) sub(v usage) usage { return usage{u.objects - v.objects, u.bytes - v.bytes} }

// usage sums the keys and values under /registry/ that keep accepts, by
// resource (the key's second segment, and the group for custom resources).
func (e etcdGateway) usage(t *testing.T, keep func(key string) bool) map[string]usage {
	t.Helper()
	out := map[string]usage{}
	start, end := "/registry/", "/registry0"
	for {
		var resp struct {
			Kvs []struct {
				Key   string `json:"key"`
				Value string `json:"value"`
			} `json:"kvs"`
			More bool `json:"more"`
		}
		e.post(t, "/v3/kv/range", map[string]any{
			"key": base64.StdEncoding.EncodeToString([]byte(start)), "range_end": base64.StdEncoding.EncodeToString([]byte(end)), "limit": 2000,
		}, &resp)
		for _, kv := range resp.Kvs {
			key, _ := base64.StdEncoding.DecodeString(kv.Key)
			value, _ := base64.StdEncoding.DecodeString(kv.Value)
			if !keep(string(key)) {
				continue
			}
			parts := strings.Split(string(key), "/")
			r := parts[2]
			switch {
			case strings.Contains(r, ".") && len(parts) > 3: // /registry/<group>/<resource>/...
				r = parts[3] + "." + r
			case r == "configmaps" && len(parts) > 4: // /registry/configmaps/<namespace>/<name>
				r += "/" + parts[4] // cunshe-lists, kube-root-ca.crt
			}
			u := out[r]
			u.objects++
			u.bytes += int64(len(key) + len(value))
			out[r] = u
		}
		if !resp.More || len(resp.Kvs) == 0 {
			return out
		}
		last, _ := base64.StdEncoding.DecodeString(resp.Kvs[len(resp.Kvs)-1].Key)
		start = string(last) + "\x00"
	}
}

// samplesCompression renders the sample lists (config/samples/lists, items
// with their real texts) for one village and gzips them: how well real
// item text compresses, which the synthetic items above overstate.
func samplesCompression(t *testing.T) {
	t.Helper()
	files, err := filepath.Glob(filepath.Join("..", "..", "config", "samples", "lists", "items-*.yaml"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no sample lists: %v", err)
	}
	rev := &governancev1alpha1.ListRevision{Spec: governancev1alpha1.ListRevisionSpec{Revision: 1}}
	catalog := publish.Catalog{Items: map[string]*governancev1alpha1.ListItem{}, Flows: map[string]*governancev1alpha1.PowerFlow{}}
	for _, path := range files {
		data, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		for _, o := range decode(t, []file{{path: path, data: data}}) {
			it := &governancev1alpha1.ListItem{}
			if err := runtime.DefaultUnstructuredConverter.FromUnstructured(o.obj.Object, it); err != nil {
				t.Fatal(err)
			}
			it.Spec.Scope = governancev1alpha1.Scope{}
			catalog.Items[it.Name] = it
			rev.Spec.Items = append(rev.Spec.Items, governancev1alpha1.PublishedItem{Name: it.Name, List: it.Spec.List, Digest: rules.Digest(&it.Spec, nil)})
		}
	}
	v := &governancev1alpha1.Village{Spec: governancev1alpha1.VillageSpec{Code: "330302006044", Type: governancev1alpha1.TypeCommunity,
		County: governancev1alpha1.Division{Code: "330302"}, Township: governancev1alpha1.Division{Code: "330302006"}}}
	data, _, err := publish.Render(publish.ForVillage(rev, v, catalog))
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	_, _ = io.WriteString(zw, data)
	_ = zw.Close()
	t.Logf("sample lists items=%d rendered_bytes=%d bytes_per_item=%d gzip_bytes=%d gzip_ratio=%.1f",
		len(rev.Spec.Items), len(data), len(data)/len(rev.Spec.Items), buf.Len(), float64(len(data))/float64(buf.Len()))
}
