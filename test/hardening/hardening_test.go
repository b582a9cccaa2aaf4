// Package hardening sends hostile requests to the operator's admission
// webhooks through a real kube-apiserver, and straight to the webhook
// server's HTTPS port where the API server would stop them first: huge
// objects, deeply nested JSON, bytes that are not UTF-8, 10,000-element
// lists and concurrent creates of one name (issue 14, item 3). Each test
// says who refuses — the API server or our rules — and what the user reads.
// The limits are in docs/admission-limits.md.
package hardening_test

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	. "github.com/onsi/gomega"
	admissionv1 "k8s.io/api/admission/v1"
	authenticationv1 "k8s.io/api/authentication/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/rest"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/client/apiutil"

	governancev1alpha1 "github.com/cunshe/cunshe-operator/api/v1alpha1"
	"github.com/cunshe/cunshe-operator/internal/operator"
	"github.com/cunshe/cunshe-operator/internal/testenv"
)

var env *testenv.Env

func TestMain(m *testing.M) {
	testenv.Run(m, testenv.Options{Manager: true, Setup: seed}, &env)
}

const (
	gulou   = "330302006044" // 鼓楼社区: the tasks' target and the records' tenant
	dept    = "dept-tjj"
	writers = "test:writers"
	// Paths of the task webhooks on the webhook server.
	mutateTask   = "/mutate-governance-cunshe-io-v1alpha1-task"
	validateTask = "/validate-governance-cunshe-io-v1alpha1-task"
)

// seed: a department, a village, and a role that lets group test:writers
// write tasks and records anywhere, so that what admission refuses is seen
// past RBAC.
func seed(c client.Client) error {
	ctx := context.Background()
	if err := testenv.CreateDepartment(ctx, c, "tjj"); err != nil {
		return err
	}
	for _, o := range []client.Object{
		testenv.Village(gulou, governancev1alpha1.TypeCommunity),
		&rbacv1.ClusterRole{ObjectMeta: metav1.ObjectMeta{Name: "test-writers"}, Rules: []rbacv1.PolicyRule{{
			APIGroups: []string{governancev1alpha1.GroupVersion.Group}, Resources: []string{"tasks", "disclosures", "listitems"},
			Verbs: []string{"get", "list", "create"}}}},
		&rbacv1.ClusterRoleBinding{ObjectMeta: metav1.ObjectMeta{Name: "test-writers"},
			RoleRef:  rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: "ClusterRole", Name: "test-writers"},
			Subjects: []rbacv1.Subject{{APIGroup: rbacv1.GroupName, Kind: rbacv1.GroupKind, Name: writers}}},
	} {
		if err := c.Create(ctx, o); err != nil {
			return err
		}
	}
	return nil
}

// emergency is a task the lists do not restrict (S6): what admission
// decides about it is its size and shape, not the catalogue.
func emergency(name, title string, targets governancev1alpha1.TaskTargets) *governancev1alpha1.Task {
	return &governancev1alpha1.Task{
		ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: dept},
		Spec: governancev1alpha1.TaskSpec{Type: governancev1alpha1.TaskWork, Title: title, Targets: targets, Due: "2026-12-31",
			Emergency: &governancev1alpha1.Emergency{Category: governancev1alpha1.EmergencyLifeSafety, Nature: governancev1alpha1.EmergencySudden,
				Issuer:        &governancev1alpha1.EmergencyIssuer{Name: "温州市人民政府 市长", Level: governancev1alpha1.IssuerCity},
				Justification: "台风“海葵”将于今夜登陆，需连夜摸排危旧房住户"}},
	}
}

var toGulou = governancev1alpha1.TaskTargets{Villages: []string{gulou}}

func record(name, body string) *governancev1alpha1.Disclosure {
	return &governancev1alpha1.Disclosure{
		ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: governancev1alpha1.TenantNamespaceName(gulou)},
		Spec: governancev1alpha1.DisclosureSpec{Category: governancev1alpha1.DisclosureFinance, Period: "2026-Q3",
			Title: "2026年第三季度财务收支公开", Format: governancev1alpha1.DisclosureText, Body: body},
	}
}

// createAs creates obj as user, in groups.
func createAs(user string, groups []string, obj client.Object) error {
	c, err := env.As(user, groups...)
	if err != nil {
		return err
	}
	return c.Create(context.Background(), obj)
}

// expectAbsent checks that a refused object was not stored.
func expectAbsent(t *testing.T, obj client.Object) {
	t.Helper()
	if err := env.Client.Get(context.Background(), client.ObjectKeyFromObject(obj), obj); !apierrors.IsNotFound(err) {
		t.Errorf("%s after a refusal: %v, want NotFound", client.ObjectKeyFromObject(obj), err)
	}
}

// mib is n MiB of one character.
func mib(n float64) string { return strings.Repeat("a", int(n*(1<<20))) }

func TestHugeObjects(t *testing.T) {
	ctx := context.Background()

	t.Run("a 1.5 MiB spec passes the mutating webhook and is refused by the API server's schema", func(t *testing.T) {
		task := emergency("huge-title", mib(1.5), toGulou)
		err := env.Client.Create(ctx, task)
		// The mutating webhook read all 1.5 MiB (a refusal of ours would name
		// it); the schema's maxLength then refuses the title.
		NewWithT(t).Expect(err).To(MatchError(ContainSubstring("spec.title: Too long: may not be more than 256 bytes")))
		NewWithT(t).Expect(err.Error()).NotTo(ContainSubstring("admission webhook"))
		NewWithT(t).Expect(apierrors.IsInvalid(err)).To(BeTrue(), "%v", err)
		expectAbsent(t, task)
	})

	t.Run("a request above 3 MiB is refused by the API server before any webhook", func(t *testing.T) {
		err := env.Client.Create(ctx, emergency("huger-title", mib(3.5), toGulou))
		NewWithT(t).Expect(apierrors.IsRequestEntityTooLargeError(err)).To(BeTrue(), "%v", err)
	})

	t.Run("the webhook server refuses a body above 3 MiB in Chinese and English", func(t *testing.T) {
		for _, path := range []string{mutateTask, validateTask} {
			answer := post(t, path, taskReview("uid-4mib", mustJSON(t, emergency("x", mib(4), toGulou))))
			expectDenied(t, answer, "uid-4mib", http.StatusRequestEntityTooLarge,
				"准入请求超过 3145728 字节（3 MiB）的上限，未予处理 / the admission request is larger than the limit of 3145728 bytes (3 MiB) and was not read")
		}
	})

	t.Run("below 3 MiB the webhook itself answers", func(t *testing.T) {
		answer := post(t, mutateTask, taskReview("uid-2.5mib", mustJSON(t, emergency("x", mib(2.5), toGulou))))
		g := NewWithT(t)
		g.Expect(answer.Response.UID).To(BeEquivalentTo("uid-2.5mib"))
		g.Expect(answer.Response.Allowed).To(BeTrue(), "the defaulter labels the task: %+v", answer.Response.Result)
	})

	t.Run("a body streamed without end is cut off at the limit, not read to the end", func(t *testing.T) {
		sent := &endless{prefix: []byte(`{"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview","request":{"uid":"uid-endless","object":{"spec":{"title":"`)}
		req, err := http.NewRequest(http.MethodPost, webhookURL()+validateTask, sent)
		NewWithT(t).Expect(err).NotTo(HaveOccurred())
		req.Header.Set("Content-Type", "application/json")
		resp, err := webhookClient(t).Do(req)
		if err == nil { // the server may answer before it closes the connection
			_ = resp.Body.Close()
		}
		// The server stops reading at its limit; the client gets a few MiB
		// further, into the sockets' buffers, and no further.
		NewWithT(t).Expect(sent.n.Load()).To(BeNumerically("<", 16<<20), "bytes the server let the client send of 64 MiB")
	})
}

// endless is a body that never ends: a JSON prefix, then "a" forever.
type endless struct {
	prefix []byte
	// n is read by the test while the transport may still be reading.
	n atomic.Int64
}

func (e *endless) Read(p []byte) (int, error) {
	k := copy(p, e.prefix)
	e.prefix = e.prefix[k:]
	for i := k; i < len(p); i++ {
		p[i] = 'a'
	}
	if e.n.Add(int64(len(p))) > 64<<20 {
		return len(p), io.EOF
	}
	return len(p), nil
}

func TestDeeplyNestedJSON(t *testing.T) {
	// No kind of ours has a free-form field: nesting can only hide in a
	// field the schema does not know.
	nested := func(depth int) []byte {
		return []byte(strings.Repeat("[", depth) + strings.Repeat("]", depth))
	}

	t.Run("through the API server: 100 levels are dropped with the unknown field, 10,000 refused by its decoder", func(t *testing.T) {
		path := "/apis/governance.cunshe.io/v1alpha1/namespaces/" + dept + "/tasks"
		status, body := apiPost(t, env.Config, path, withField(t, emergency("nested-100", "台风转移", toGulou), "extra", nested(100)))
		NewWithT(t).Expect(status).To(Equal(http.StatusCreated), "%s", body)
		NewWithT(t).Expect(string(body)).NotTo(ContainSubstring(`"extra"`), "the API server prunes a field its schema does not know")

		task := emergency("nested-10000", "台风转移", toGulou)
		status, body = apiPost(t, env.Config, path, withField(t, task, "extra", nested(10000)))
		NewWithT(t).Expect(status).To(Equal(http.StatusBadRequest), "%s", body)
		NewWithT(t).Expect(string(body)).To(ContainSubstring("exceeded max depth"))
		expectAbsent(t, task)
	})

	t.Run("straight to the webhook server: decoding refuses 10,000 levels and a million, and the server keeps answering", func(t *testing.T) {
		for _, depth := range []int{10000, 1000000} {
			task := emergency("nested", "台风转移", toGulou)
			answer := post(t, validateTask, taskReview("uid-nested", withField(t, task, "extra", nested(depth))))
			g := NewWithT(t)
			g.Expect(answer.Response.Allowed).To(BeFalse())
			g.Expect(answer.Response.Result.Code).To(BeEquivalentTo(http.StatusBadRequest), "%s", answer.Response.Result.Message)
			g.Expect(answer.Response.Result.Message).To(ContainSubstring("exceeded max depth"))
		}
		answer := post(t, mutateTask, taskReview("uid-after", mustJSON(t, emergency("after", "台风转移", toGulou))))
		NewWithT(t).Expect(answer.Response.Allowed).To(BeTrue(), "%+v", answer.Response.Result)
	})
}

func TestBytesThatAreNotUTF8(t *testing.T) {
	ns := governancev1alpha1.TenantNamespaceName(gulou)
	waitForTenant(t, ns)
	cfg := rest.CopyConfig(env.Config)
	cfg.Impersonate = rest.ImpersonationConfig{UserName: "cadre-gulou", Groups: []string{"cunshe:village:" + gulou, writers}}

	t.Run("S10 a record's body: the API server turns the byte into U+FFFD, and our rule refuses the mark", func(t *testing.T) {
		raw := bytes.Replace(mustJSON(t, record("garbled", "收入BADBYTE合计")), []byte("BADBYTE"), []byte{0xff}, 1)
		status, body := apiPost(t, cfg, "/apis/governance.cunshe.io/v1alpha1/namespaces/"+ns+"/disclosures", raw)
		g := NewWithT(t)
		g.Expect(status).To(Equal(http.StatusUnprocessableEntity), "%s", body)
		var st metav1.Status
		g.Expect(json.Unmarshal(body, &st)).To(Succeed())
		g.Expect(st.Message).To(Equal(`admission webhook "vdisclosure.governance.cunshe.io" denied the request: Disclosure.governance.cunshe.io "garbled" is invalid: ` +
			`spec.body: Invalid value: S10 正文含有无效的 UTF-8 字节或替换字符 U+FFFD（编码错误的痕迹）；请以 UTF-8 重新提交 / ` +
			`the body holds bytes that are not UTF-8 or the replacement character U+FFFD (the trace of a wrong encoding); submit it again as UTF-8`))
		expectAbsent(t, record("garbled", ""))
	})

	t.Run("a task's title: no rule of ours reads it as text, and the API server stores U+FFFD for the byte", func(t *testing.T) {
		raw := bytes.Replace(mustJSON(t, emergency("garbled-title", "台风BADBYTE转移", toGulou)), []byte("BADBYTE"), []byte{0xff}, 1)
		status, body := apiPost(t, env.Config, "/apis/governance.cunshe.io/v1alpha1/namespaces/"+dept+"/tasks", raw)
		NewWithT(t).Expect(status).To(Equal(http.StatusCreated), "%s", body)
		got := &governancev1alpha1.Task{}
		NewWithT(t).Expect(env.Client.Get(context.Background(), client.ObjectKey{Namespace: dept, Name: "garbled-title"}, got)).To(Succeed())
		NewWithT(t).Expect(got.Spec.Title).To(Equal("台风\uFFFD转移"))
	})
}

func TestTenThousandElementLists(t *testing.T) {
	ctx := context.Background()
	codes := func(n int) []string {
		out := make([]string, n)
		for i := range out {
			out[i] = fmt.Sprintf("330302%06d", 900000+i)
		}
		return out
	}

	t.Run("S2 10,000 villages the registry does not hold: one short refusal", func(t *testing.T) {
		task := emergency("ten-thousand", "台风转移", governancev1alpha1.TaskTargets{Villages: codes(10000)})
		err := env.Client.Create(ctx, task)
		first := strings.Join(codes(10), ", ")
		testenv.ExpectRefused(t, err, "vtask.governance.cunshe.io", `Task.governance.cunshe.io "ten-thousand" is invalid: spec.targets.villages: Not found: "`+
			strings.Join(codes(10), ",")+`": S2 登记册中没有村（社区） `+first+` 等，共 10000 个 / no village `+first+` and 9990 more in the division registry`)
		expectAbsent(t, task)
	})

	t.Run("12,001 villages: the API server's schema refuses before any webhook", func(t *testing.T) {
		err := env.Client.Create(ctx, emergency("twelve-thousand", "台风转移", governancev1alpha1.TaskTargets{Villages: codes(12001)}))
		NewWithT(t).Expect(err).To(MatchError(ContainSubstring("spec.targets.villages: Too many: 12001: must have at most 12000 items")))
	})

	t.Run("a list item of 10,000 counties: the API server's schema refuses before any webhook", func(t *testing.T) {
		item := &governancev1alpha1.ListItem{ObjectMeta: metav1.ObjectMeta{Name: "l1-everywhere"}, Spec: governancev1alpha1.ListItemSpec{
			List: governancev1alpha1.ListAdmission, Title: "协助开展人口普查入户登记", VillageRole: governancev1alpha1.RoleAssist,
			Applicant: governancev1alpha1.Applicant{Kind: governancev1alpha1.ApplicantCityDepartment, Name: "tjj"},
			Basis:     governancev1alpha1.Basis{Kind: governancev1alpha1.BasisLaw, Citation: "《全国人口普查条例》第十条"},
			Scope:     governancev1alpha1.Scope{Counties: codes(10000)}}}
		err := env.Client.Create(ctx, item)
		NewWithT(t).Expect(err).To(MatchError(ContainSubstring("spec.scope.counties: Too many: 10000: must have at most 256 items")))
	})
}

func TestConcurrentCreatesOfOneName(t *testing.T) {
	const attempts = 16
	waitForTenant(t, governancev1alpha1.TenantNamespaceName(gulou))
	for name, tc := range map[string]struct {
		// create is writer i's attempt at the one name.
		create func(i int) error
		// stored is what the cluster holds: who wrote it, and what it says.
		stored func(t *testing.T) (author string, says string)
	}{
		"S10 records: the creator admission records is the writer whose body is stored": {
			create: func(i int) error {
				return createAs(fmt.Sprintf("cadre-%d", i), []string{"cunshe:village:" + gulou, writers}, record("finance-2026-q3", fmt.Sprintf("由 cadre-%d 填写", i)))
			},
			stored: func(t *testing.T) (string, string) {
				got := record("finance-2026-q3", "")
				NewWithT(t).Expect(env.Client.Get(context.Background(), client.ObjectKeyFromObject(got), got)).To(Succeed())
				return got.Annotations[governancev1alpha1.AnnotationCreatedBy], got.Spec.Body
			},
		},
		"S6 tasks: the department label and the title are one request's": {
			create: func(i int) error {
				return createAs(fmt.Sprintf("clerk-%d", i), []string{writers}, emergency("typhoon", fmt.Sprintf("clerk-%d 的台风转移", i), toGulou))
			},
			stored: func(t *testing.T) (string, string) {
				got := &governancev1alpha1.Task{}
				NewWithT(t).Expect(env.Client.Get(context.Background(), client.ObjectKey{Namespace: dept, Name: "typhoon"}, got)).To(Succeed())
				NewWithT(t).Expect(got.Labels).To(HaveKeyWithValue(governancev1alpha1.LabelDepartment, "tjj"))
				return strings.TrimSuffix(got.Spec.Title, " 的台风转移"), got.Spec.Title
			},
		},
	} {
		t.Run(name, func(t *testing.T) {
			errs := make([]error, attempts)
			var wg sync.WaitGroup
			for i := range attempts {
				wg.Go(func() { errs[i] = tc.create(i) })
			}
			wg.Wait()
			winner := -1
			for i, err := range errs {
				switch {
				case err == nil && winner >= 0:
					t.Fatalf("writers %d and %d both created the one name", winner, i)
				case err == nil:
					winner = i
				case !apierrors.IsAlreadyExists(err):
					t.Errorf("writer %d: %v, want AlreadyExists", i, err)
				}
			}
			if winner < 0 {
				t.Fatal("no writer created it")
			}
			author, says := tc.stored(t)
			NewWithT(t).Expect(says).To(ContainSubstring(fmt.Sprintf("-%d ", winner)), "what is stored is the winner's: by %s", author)
			NewWithT(t).Expect(author).To(HaveSuffix(fmt.Sprintf("-%d", winner)))
		})
	}
}

// waitForTenant waits for the village's tenant namespace.
func waitForTenant(t *testing.T, ns string) {
	t.Helper()
	NewWithT(t).Eventually(func() error {
		return env.Client.Get(context.Background(), client.ObjectKey{Name: ns}, &metav1.PartialObjectMetadata{
			TypeMeta: metav1.TypeMeta{APIVersion: "v1", Kind: "Namespace"}})
	}).WithTimeout(time.Minute).Should(Succeed())
}

// --- Straight to the webhook server ---

func webhookURL() string {
	host, port, _ := env.ControlPlane.WebhookServing()
	return "https://" + net.JoinHostPort(host, strconv.Itoa(port))
}

// webhookClient trusts the webhook server's certificate, as the API server does.
func webhookClient(t *testing.T) *http.Client {
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(env.ControlPlane.Env.WebhookInstallOptions.LocalServingCAData) {
		t.Fatal("no webhook CA")
	}
	return &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}}}
}

// taskReview is the AdmissionReview the API server would send to create a
// task in the department's namespace; object is its JSON, spliced in
// as is (encoding/json would refuse to re-encode deep nesting).
func taskReview(uid string, object []byte) []byte {
	review := admissionv1.AdmissionReview{
		TypeMeta: metav1.TypeMeta{APIVersion: "admission.k8s.io/v1", Kind: "AdmissionReview"},
		Request: &admissionv1.AdmissionRequest{
			UID:       types.UID(uid),
			Kind:      metav1.GroupVersionKind{Group: governancev1alpha1.GroupVersion.Group, Version: "v1alpha1", Kind: "Task"},
			Resource:  metav1.GroupVersionResource{Group: governancev1alpha1.GroupVersion.Group, Version: "v1alpha1", Resource: "tasks"},
			Namespace: dept, Name: "x", Operation: admissionv1.Create,
			UserInfo: authenticationv1.UserInfo{Username: "clerk", Groups: []string{writers}},
			Object:   runtime.RawExtension{Raw: []byte(`"OBJECT"`)},
		},
	}
	out, err := json.Marshal(review)
	if err != nil {
		panic(err)
	}
	return bytes.Replace(out, []byte(`"OBJECT"`), object, 1)
}

func post(t *testing.T, path string, body []byte) *admissionv1.AdmissionReview {
	t.Helper()
	resp, err := webhookClient(t).Post(webhookURL()+path, "application/json", bytes.NewReader(body))
	NewWithT(t).Expect(err).NotTo(HaveOccurred())
	defer func() { _ = resp.Body.Close() }()
	answer := &admissionv1.AdmissionReview{}
	NewWithT(t).Expect(resp.StatusCode).To(Equal(http.StatusOK))
	NewWithT(t).Expect(json.NewDecoder(resp.Body).Decode(answer)).To(Succeed())
	NewWithT(t).Expect(answer.Response).NotTo(BeNil())
	return answer
}

func expectDenied(t *testing.T, answer *admissionv1.AdmissionReview, uid string, code int32, message string) {
	t.Helper()
	g := NewWithT(t)
	g.Expect(answer.Response.UID).To(BeEquivalentTo(uid), "the refusal answers the request it belongs to")
	g.Expect(answer.Response.Allowed).To(BeFalse())
	g.Expect(answer.Response.Result.Code).To(Equal(code))
	g.Expect(answer.Response.Result.Message).To(Equal(message))
}

// --- Raw requests to the API server ---

// apiPost sends raw bytes to the API server as cfg's user.
func apiPost(t *testing.T, cfg *rest.Config, path string, body []byte) (int, []byte) {
	t.Helper()
	c, err := rest.HTTPClientFor(cfg)
	NewWithT(t).Expect(err).NotTo(HaveOccurred())
	resp, err := c.Post(strings.TrimSuffix(cfg.Host, "/")+path, "application/json", bytes.NewReader(body))
	NewWithT(t).Expect(err).NotTo(HaveOccurred())
	defer func() { _ = resp.Body.Close() }()
	out, err := io.ReadAll(resp.Body)
	NewWithT(t).Expect(err).NotTo(HaveOccurred())
	return resp.StatusCode, out
}

func mustJSON(t *testing.T, obj client.Object) []byte {
	t.Helper()
	gvk, err := apiutil.GVKForObject(obj, operator.Scheme())
	NewWithT(t).Expect(err).NotTo(HaveOccurred())
	obj.GetObjectKind().SetGroupVersionKind(gvk)
	raw, err := json.Marshal(obj)
	NewWithT(t).Expect(err).NotTo(HaveOccurred())
	return raw
}

// withField is obj's JSON with spec.<name> set to value, spliced in as is.
func withField(t *testing.T, obj client.Object, name string, value []byte) []byte {
	t.Helper()
	raw := mustJSON(t, obj)
	at := bytes.Index(raw, []byte(`"spec":{`))
	NewWithT(t).Expect(at).To(BeNumerically(">=", 0))
	at += len(`"spec":{`)
	return slices.Concat(raw[:at], []byte(`"`+name+`":`), value, []byte(","), raw[at:])
}
