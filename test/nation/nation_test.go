// Package nation simulates, on two local control planes, how one province
// feeds several city clusters from one GitOps repository (docs/scale.md):
// a province item is signed once by the province's review units with
// `kubectl cunshe approve`, the same files are applied to a Wenzhou and a
// Hangzhou cluster, and each cluster verifies the signatures against the
// same ReviewUnit public keys, approves the item, cuts its own city's
// revision with it and rolls it out to its own villages.
package nation_test

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/sha256"
	"crypto/x509"
	"encoding/hex"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"io/fs"
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
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	utilyaml "k8s.io/apimachinery/pkg/util/yaml"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/yaml"

	governancev1alpha1 "github.com/cunshe/cunshe-operator/api/v1alpha1"
	"github.com/cunshe/cunshe-operator/internal/cli"
	"github.com/cunshe/cunshe-operator/internal/publish"
	"github.com/cunshe/cunshe-operator/internal/rules"
	"github.com/cunshe/cunshe-operator/internal/tenant"
	"github.com/cunshe/cunshe-operator/internal/testenv"
)

// The province item of the repository and the units that sign it.
const (
	provinceItem = "zj-farmland-patrol"
	itemFile     = "province/items/" + provinceItem + ".yaml"
)

var provinceUnits = []string{"szz", "smz"}

// cluster is one city's control plane with the operator.
type cluster struct {
	name, city string // the repository folder clusters/<name>; the city's code
	villages   []string
	env        *testenv.Env
}

var (
	clusters = []*cluster{
		{name: "wenzhou", city: "3303", villages: []string{"330302006044", "330302006045", "330324102207"}},
		{name: "hangzhou", city: "3301", villages: []string{"330106001001", "330106001002", "330127100201"}},
	}
	// repo is the GitOps repository, written once by TestMain; keys holds the
	// reviewers' private keys, outside it.
	repo, keys string
)

func TestMain(m *testing.M) { os.Exit(run(m)) }

func run(m *testing.M) int {
	dir, err := os.MkdirTemp("", "cunshe-nation-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer func() { _ = os.RemoveAll(dir) }()
	repo, keys = filepath.Join(dir, "repo"), filepath.Join(dir, "keys")
	if err := writeRepository(); err != nil {
		fmt.Fprintf(os.Stderr, "writing the GitOps repository: %v\n", err)
		return 1
	}
	// Both control planes start at once: most of a start is waiting.
	var wg sync.WaitGroup
	errs := make([]error, len(clusters))
	for i, c := range clusters {
		wg.Go(func() { c.env, errs[i] = testenv.Start(testenv.Options{Manager: true}) })
	}
	wg.Wait()
	defer func() {
		for _, c := range clusters {
			if c.env != nil {
				if err := c.env.Stop(); err != nil {
					fmt.Fprintf(os.Stderr, "stopping the %s control plane: %v\n", c.name, err)
				}
			}
		}
	}()
	if err := errors.Join(errs...); err != nil {
		fmt.Fprintf(os.Stderr, "starting the control planes: %v\n", err)
		return 1
	}
	return m.Run()
}

// cunshe runs kubectl-cunshe in process and returns its stdout.
func cunshe(args ...string) ([]byte, error) {
	var stdout, stderr bytes.Buffer
	if code := cli.Execute(context.Background(), args, strings.NewReader(""), &stdout, &stderr); code != cli.ExitOK {
		return stdout.Bytes(), fmt.Errorf("kubectl cunshe %s: exit code %d: %s", strings.Join(args, " "), code, stderr.String())
	}
	return stdout.Bytes(), nil
}

// writeRepository copies testdata/repo, generates each province unit's key
// as a reviewer would (kubectl cunshe keygen), pastes the public key into
// its ReviewUnit and signs the province item once per unit (kubectl
// cunshe approve) into province/approvals/.
func writeRepository() error {
	if err := os.CopyFS(repo, os.DirFS(filepath.Join("testdata", "repo"))); err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Join(repo, "province", "approvals"), 0o755); err != nil {
		return err
	}
	for _, unit := range provinceUnits {
		entry, err := cunshe("keygen", "--unit", unit, "--key-id", unit+"-2026", "--output-dir", keys)
		if err != nil {
			return err
		}
		// keygen prints the spec.publicKeys entry; the unit's file ends with
		// `publicKeys:`, under which it goes.
		unitFile := filepath.Join(repo, "province", "units", unit+".yaml")
		f, err := os.OpenFile(unitFile, os.O_APPEND|os.O_WRONLY, 0)
		if err != nil {
			return err
		}
		_, err = f.Write(indent(entry, "  "))
		if err = errors.Join(err, f.Close()); err != nil {
			return err
		}
		approval, err := cunshe("approve", "--unit", unit, "--key", filepath.Join(keys, unit+".key"), filepath.Join(repo, itemFile))
		if err != nil {
			return err
		}
		if err := os.WriteFile(filepath.Join(repo, "province", "approvals", provinceItem+"."+unit+".yaml"), approval, 0o644); err != nil {
			return err
		}
	}
	return nil
}

func indent(text []byte, prefix string) []byte {
	var b bytes.Buffer
	for line := range strings.Lines(string(text)) {
		b.WriteString(prefix + line)
	}
	if !bytes.HasSuffix(text, []byte("\n")) {
		b.WriteString("\n")
	}
	return b.Bytes()
}

// file is one manifest file of the repository, as read once.
type file struct {
	path string // relative to the repository
	data []byte
}

// readFolder reads every YAML file under a folder of the repository.
func readFolder(t *testing.T, folder string) []file {
	t.Helper()
	var out []file
	err := filepath.WalkDir(filepath.Join(repo, folder), func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(path, ".yaml") {
			return err
		}
		data, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(repo, path)
		out = append(out, file{path: rel, data: data})
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// digestOf is a SHA-256 over files' names and bytes: what a GitOps tool
// calls the revision it applied.
func digestOf(files []file) string {
	h := sha256.New()
	for _, f := range files {
		fmt.Fprintf(h, "%s\x00%d\x00", f.path, len(f.data))
		h.Write(f.data)
	}
	return hex.EncodeToString(h.Sum(nil))
}

// applyOrder is the order a GitOps tool applies kinds in (as Argo CD's
// sync waves or Flux's dependsOn would): what admission of a kind reads
// goes first.
var applyOrder = []string{"Namespace", "Jurisdiction", "ReviewUnit", "Village", "ListItem", "ItemApproval", "ListRollout"}

type object struct {
	file string
	obj  *unstructured.Unstructured
}

func decode(t *testing.T, files []file) []object {
	t.Helper()
	var out []object
	for _, f := range files {
		dec := utilyaml.NewYAMLOrJSONDecoder(bytes.NewReader(f.data), 4096)
		for {
			u := &unstructured.Unstructured{}
			if err := dec.Decode(&u.Object); err != nil {
				if errors.Is(err, io.EOF) {
					break
				}
				t.Fatalf("%s: %v", f.path, err)
			}
			if len(u.Object) > 0 {
				out = append(out, object{file: f.path, obj: u})
			}
		}
	}
	slices.SortStableFunc(out, func(a, b object) int {
		return slices.Index(applyOrder, a.obj.GetKind()) - slices.Index(applyOrder, b.obj.GetKind())
	})
	for _, o := range out {
		if !slices.Contains(applyOrder, o.obj.GetKind()) {
			t.Fatalf("%s: kind %s has no place in the apply order", o.file, o.obj.GetKind())
		}
	}
	return out
}

// apply creates every object that does not exist yet, in order, retrying
// what the cluster refuses while what it reads is still arriving in the
// operator's caches — a GitOps tool's retry loop.
func (c *cluster) apply(t *testing.T, files []file) {
	t.Helper()
	objects := decode(t, files)
	NewWithT(t).Eventually(func() error {
		for _, o := range objects {
			err := c.env.Client.Create(context.Background(), o.obj.DeepCopy())
			if err != nil && !apierrors.IsAlreadyExists(err) {
				return fmt.Errorf("%s %s/%s: %w", o.file, o.obj.GetKind(), o.obj.GetName(), err)
			}
		}
		return nil
	}).WithTimeout(60 * time.Second).WithPolling(250 * time.Millisecond).Should(Succeed())
}

func TestProvinceItemAcrossCities(t *testing.T) {
	// The province's folder is read once: every cluster applies these bytes.
	province := readFolder(t, "province")
	approvals := map[string][]byte{}
	for _, f := range province {
		if strings.HasPrefix(f.path, "province/approvals/") {
			approvals[f.path] = f.data
		}
	}
	if len(approvals) != len(provinceUnits) {
		t.Fatalf("the repository holds %d signed approvals, want %d", len(approvals), len(provinceUnits))
	}
	t.Logf("province/ at %s: %d files, %d signed approvals", digestOf(province)[:12], len(province), len(approvals))

	t.Run("the province folder validates offline with the item approved", func(t *testing.T) {
		if out, err := cunshe("validate", filepath.Join(repo, "province"), "--require-approved"); err != nil {
			t.Fatalf("%v\n%s", err, out)
		}
	})

	results := make([]string, len(clusters))
	t.Run("clusters", func(t *testing.T) {
		for i, c := range clusters {
			t.Run(c.name, func(t *testing.T) {
				t.Parallel()
				results[i] = c.converge(t, province, approvals)
			})
		}
	})
	for _, r := range results {
		t.Log(r)
	}
}

// converge applies the province's files and the city's own to the cluster
// and follows the province item to every village of the city.
func (c *cluster) converge(t *testing.T, province []file, approvals map[string][]byte) string {
	ctx := context.Background()
	own := readFolder(t, filepath.Join("clusters", c.name))
	c.apply(t, append(slices.Clone(province), own...))

	t.Run("the item is approved 2/2 by the province's signatures", func(t *testing.T) {
		g := NewWithT(t)
		g.Eventually(func(g Gomega) {
			item := &governancev1alpha1.ListItem{}
			g.Expect(c.env.Client.Get(ctx, client.ObjectKey{Name: provinceItem}, item)).To(Succeed())
			g.Expect(item.Status.Phase).To(Equal(governancev1alpha1.PhaseApproved), "conditions: %+v", item.Status.Conditions)
			g.Expect(item.Status.ApprovalSummary).To(Equal("2/2"))
			g.Expect(item.Status.ApprovedDigest).To(Equal(rules.Digest(&item.Spec, nil)))
			var units []string
			for _, d := range item.Status.Approvals {
				g.Expect(d.VerifiedBy).To(Equal(governancev1alpha1.VerifiedBySignature), "unit %s", d.Unit)
				g.Expect(d.Decision).To(Equal(governancev1alpha1.DecisionApprove))
				units = append(units, d.Unit)
			}
			g.Expect(units).To(ConsistOf(provinceUnits))
		}).WithTimeout(60 * time.Second).Should(Succeed())
		// What the cluster stores is what the reviewers signed, byte for byte
		// the same file in every cluster.
		for path, data := range approvals {
			want := &governancev1alpha1.ItemApproval{}
			g.Expect(yaml.Unmarshal(data, want)).To(Succeed())
			got := &governancev1alpha1.ItemApproval{}
			g.Expect(c.env.Client.Get(ctx, client.ObjectKey{Name: want.Name}, got)).To(Succeed(), path)
			g.Expect(got.Spec).To(Equal(want.Spec), path)
			g.Expect(got.Annotations).To(HaveKeyWithValue(governancev1alpha1.AnnotationVerifiedBy, string(governancev1alpha1.VerifiedBySignature)), path)
		}
	})

	var revision int64
	t.Run("the city's next revision includes the province item", func(t *testing.T) {
		NewWithT(t).Eventually(func(g Gomega) {
			list := &governancev1alpha1.ListRevisionList{}
			g.Expect(c.env.Client.List(ctx, list)).To(Succeed())
			var mine []governancev1alpha1.ListRevision
			for _, rev := range list.Items {
				g.Expect(rev.Spec.Jurisdiction).To(Equal(c.city), "revision %s: a cluster holds its own city's revisions only", rev.Name)
				mine = append(mine, rev)
			}
			g.Expect(mine).NotTo(BeEmpty())
			latest := slices.MaxFunc(mine, func(a, b governancev1alpha1.ListRevision) int { return int(a.Spec.Revision - b.Spec.Revision) })
			// The default city's revisions keep the single-city names.
			g.Expect(latest.Name).To(Equal(governancev1alpha1.RevisionName("", latest.Spec.Revision)))
			var names []string
			for _, it := range latest.Spec.Items {
				names = append(names, it.Name)
			}
			g.Expect(names).To(ContainElement(provinceItem))
			revision = latest.Spec.Revision
		}).WithTimeout(60 * time.Second).Should(Succeed())
	})
	if revision == 0 {
		t.FailNow()
	}

	t.Run("the city's rollout brings every village to that revision", func(t *testing.T) {
		g := NewWithT(t)
		g.Eventually(func(g Gomega) {
			for _, code := range c.villages {
				cm := &corev1.ConfigMap{}
				g.Expect(c.env.Client.Get(ctx, client.ObjectKey{Namespace: "village-" + code, Name: tenant.ListsConfigMap}, cm)).To(Succeed(), "village %s", code)
				g.Expect(cm.Annotations).To(HaveKeyWithValue(publish.AnnotationRevision, strconv.FormatInt(revision, 10)), "village %s", code)
				data, ok, err := publish.Load(cm)
				g.Expect(err).NotTo(HaveOccurred())
				g.Expect(ok).To(BeTrue(), "village %s holds lists", code)
				var lists publish.VillageLists
				g.Expect(yaml.Unmarshal([]byte(data), &lists)).To(Succeed())
				g.Expect(lists.Revision).To(Equal(revision), "village %s: annotation and content agree", code)
				var names []string
				for _, l := range lists.Lists {
					for _, it := range l.Items {
						names = append(names, it.Name)
					}
				}
				g.Expect(names).To(ContainElement(provinceItem), "village %s", code)
			}
			ro := &governancev1alpha1.ListRollout{}
			g.Expect(c.env.Client.Get(ctx, client.ObjectKey{Name: c.name}, ro)).To(Succeed())
			g.Expect(ro.Status.CurrentRevision).To(Equal(revision))
			g.Expect(ro.Status.UpdatedVillages).To(BeEquivalentTo(len(c.villages)))
			g.Expect(meta.IsStatusConditionTrue(ro.Status.Conditions, governancev1alpha1.ReadyCondition)).To(BeTrue(), "conditions: %+v", ro.Status.Conditions)
		}).WithTimeout(90 * time.Second).Should(Succeed())
	})

	t.Run("the jurisdictions count this cluster's villages and units", func(t *testing.T) {
		NewWithT(t).Eventually(func(g Gomega) {
			province, city := &governancev1alpha1.Jurisdiction{}, &governancev1alpha1.Jurisdiction{}
			g.Expect(c.env.Client.Get(ctx, client.ObjectKey{Name: "33"}, province)).To(Succeed())
			g.Expect(c.env.Client.Get(ctx, client.ObjectKey{Name: c.city}, city)).To(Succeed())
			g.Expect(meta.IsStatusConditionTrue(province.Status.Conditions, governancev1alpha1.ReadyCondition)).To(BeTrue(), "conditions: %+v", province.Status.Conditions)
			g.Expect(province.Status.ReviewUnits).To(ConsistOf(provinceUnits))
			g.Expect(province.Status.RequiredApprovals).To(BeEquivalentTo(len(provinceUnits)))
			// A province spread over several clusters: each counts its own
			// villages only; the province's total is a sum upward (docs/scale.md).
			g.Expect(province.Status.Villages).To(BeEquivalentTo(len(c.villages)))
			g.Expect(city.Status.Villages).To(BeEquivalentTo(len(c.villages)))
			g.Expect(city.Status.LatestRevision).To(Equal(revision))
		}).WithTimeout(30 * time.Second).Should(Succeed())
	})

	t.Run("a village of another city is refused", func(t *testing.T) {
		g := NewWithT(t)
		other := clusters[0]
		if other == c {
			other = clusters[1]
		}
		var villages []object
		for _, o := range decode(t, readFolder(t, filepath.Join("clusters", other.name))) {
			if o.obj.GetKind() == "Village" {
				villages = append(villages, o)
			}
		}
		g.Expect(villages).NotTo(BeEmpty())
		err := c.env.Client.Create(ctx, villages[0].obj.DeepCopy())
		g.Expect(err).To(HaveOccurred(), "%s's village %s was admitted in %s", other.name, villages[0].obj.GetName(), c.name)
		g.Expect(err.Error()).To(ContainSubstring("S1"))
		t.Logf("%s refuses %s's village %s: %v", c.name, other.name, villages[0].obj.GetName(), err)
	})

	t.Run("an approval signed with a key that is not the province unit's is refused", func(t *testing.T) {
		g := NewWithT(t)
		for name, a := range forgedApprovals(t) {
			err := c.env.Client.Create(ctx, a)
			g.Expect(err).To(HaveOccurred(), "%s was admitted", name)
			g.Expect(apierrors.IsForbidden(err) || apierrors.IsInvalid(err)).To(BeTrue(), "%s: %v", name, err)
			g.Expect(err.Error()).To(ContainSubstring("S5"), name)
			g.Expect(err.Error()).To(ContainSubstring("signature"), name)
			g.Expect(apierrors.IsNotFound(c.env.Client.Get(ctx, client.ObjectKey{Name: a.Name}, &governancev1alpha1.ItemApproval{}))).To(BeTrue(), name)
			t.Logf("%s refuses %s: %v", c.name, name, err)
		}
	})

	return fmt.Sprintf("%s (%s): %s holds %s, on %d villages, approved by %s", c.name, c.city, governancev1alpha1.RevisionName("", revision), provinceItem, len(c.villages), strings.Join(provinceUnits, "+"))
}

var (
	forgedOnce sync.Once
	forged     map[string]*governancev1alpha1.ItemApproval
	forgedErr  error
)

// forgedApprovals are approvals of the province item that claim unit szz
// but are signed with keys szz does not hold: an impostor's new key under
// szz's key id (made and signed by the CLI, as a forger would), and the
// genuine key of the other province unit, smz. Built once, so both
// clusters refuse the same bytes.
func forgedApprovals(t *testing.T) map[string]*governancev1alpha1.ItemApproval {
	t.Helper()
	forgedOnce.Do(func() { forged, forgedErr = buildForgedApprovals() })
	if forgedErr != nil {
		t.Fatal(forgedErr)
	}
	out := map[string]*governancev1alpha1.ItemApproval{}
	for name, a := range forged {
		out[name] = a.DeepCopy()
	}
	return out
}

func buildForgedApprovals() (map[string]*governancev1alpha1.ItemApproval, error) {
	itemPath := filepath.Join(repo, itemFile)
	impostorKeys := filepath.Join(filepath.Dir(keys), "impostor")
	if _, err := cunshe("keygen", "--unit", "szz", "--key-id", "szz-2026", "--output-dir", impostorKeys); err != nil {
		return nil, err
	}
	signed, err := cunshe("approve", "--unit", "szz", "--key", filepath.Join(impostorKeys, "szz.key"), itemPath)
	if err != nil {
		return nil, err
	}
	impostor := &governancev1alpha1.ItemApproval{}
	if err := yaml.Unmarshal(signed, impostor); err != nil {
		return nil, err
	}
	impostor.Name = provinceItem + ".szz-impostor"

	// smz's genuine key, signing for szz.
	data, err := os.ReadFile(itemPath)
	if err != nil {
		return nil, err
	}
	item := &governancev1alpha1.ListItem{}
	if err := yaml.Unmarshal(data, item); err != nil {
		return nil, err
	}
	smzKey, err := readPrivateKey(filepath.Join(keys, "smz.key"))
	if err != nil {
		return nil, err
	}
	other := &governancev1alpha1.ItemApproval{
		TypeMeta: impostor.TypeMeta,
		Spec: governancev1alpha1.ItemApprovalSpec{Item: provinceItem, Digest: rules.Digest(&item.Spec, nil), Unit: "szz",
			Decision: governancev1alpha1.DecisionApprove},
	}
	other.Name = provinceItem + ".szz-by-smz"
	rules.Sign(&other.Spec, "smz-2026", smzKey)
	return map[string]*governancev1alpha1.ItemApproval{
		"an impostor's key under szz's key id": impostor,
		"smz's key signing for szz":            other,
	}, nil
}

// readPrivateKey reads a key file written by kubectl cunshe keygen (PKCS#8
// PEM after explanatory lines, which pem.Decode skips).
func readPrivateKey(path string) (ed25519.PrivateKey, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	block, _ := pem.Decode(data)
	if block == nil {
		return nil, fmt.Errorf("%s: no PEM block", path)
	}
	key, err := x509.ParsePKCS8PrivateKey(block.Bytes)
	if err != nil {
		return nil, err
	}
	priv, ok := key.(ed25519.PrivateKey)
	if !ok {
		return nil, fmt.Errorf("%s: not an Ed25519 key", path)
	}
	return priv, nil
}
