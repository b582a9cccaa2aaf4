// Package samples_test applies the repository's samples to a real API
// server, as the README's tour does (`kubectl apply -k config/samples`, then
// `-k config/samples/lists`), and checks what a user would: every sample
// item passes admission and comes out Approved by the four units (S1–S5,
// P1), one revision publishes them all, and each sample village holds the
// items and flows within its scope, in a ConfigMap stored as plain text.
// The expectations are computed from the sample files, so the samples can
// grow without this test changing.
package samples_test

import (
	"cmp"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"testing"
	"time"

	. "github.com/onsi/gomega"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/serializer"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/yaml"

	governancev1alpha1 "github.com/cunshe/cunshe-operator/api/v1alpha1"
	"github.com/cunshe/cunshe-operator/internal/operator"
	"github.com/cunshe/cunshe-operator/internal/publish"
	"github.com/cunshe/cunshe-operator/internal/rules"
	"github.com/cunshe/cunshe-operator/internal/tenant"
	"github.com/cunshe/cunshe-operator/internal/testenv"
)

var env *testenv.Env

func TestMain(m *testing.M) {
	testenv.Run(m, testenv.Options{Manager: true}, &env)
}

const samples = "../../config/samples"

// kustomization reads the objects of a kustomization's resources, in the
// order it lists them (the lists' kustomization applies them in that order:
// units and flows before items, items before approvals).
func kustomization(t *testing.T, dir string) []client.Object {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(dir, "kustomization.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	var k struct{ Resources []string }
	if err := yaml.Unmarshal(data, &k); err != nil {
		t.Fatal(err)
	}
	decode := serializer.NewCodecFactory(operator.Scheme()).UniversalDeserializer().Decode
	var out []client.Object
	for _, file := range k.Resources {
		data, err := os.ReadFile(filepath.Join(dir, file))
		if err != nil {
			t.Fatal(err)
		}
		for _, doc := range regexp.MustCompile(`(?m)^---\s*$`).Split(string(data), -1) {
			if !regexp.MustCompile(`(?m)^kind:`).MatchString(doc) {
				continue // comments only
			}
			obj, _, err := decode([]byte(doc), nil, nil)
			if err != nil {
				t.Fatalf("%s: %v", file, err)
			}
			out = append(out, obj.(client.Object))
		}
	}
	return out
}

func of[T client.Object](objs []client.Object) []T {
	var out []T
	for _, o := range objs {
		if t, ok := o.(T); ok {
			out = append(out, t)
		}
	}
	return out
}

// apply creates the objects in order, as an admin with kubectl would.
func apply(t *testing.T, objs []client.Object) {
	t.Helper()
	for _, o := range objs {
		if err := env.Client.Create(context.Background(), o); err != nil {
			t.Fatalf("creating %s %s: %v", o.GetObjectKind().GroupVersionKind().Kind, o.GetName(), err)
		}
	}
}

func TestTheSamplesPublishAsTheTourShows(t *testing.T) {
	ctx := context.Background()
	g := NewWithT(t)
	// make run sets up the Wenzhou preset (its Jurisdiction) first.
	_, err := operator.ApplyPreset(ctx, env.Client, operator.DefaultPreset)
	g.Expect(err).NotTo(HaveOccurred())
	villages := kustomization(t, samples)
	lists := kustomization(t, filepath.Join(samples, "lists"))
	apply(t, villages)
	apply(t, lists)

	items := of[*governancev1alpha1.ListItem](lists)
	flows := map[string]bool{}
	for _, f := range of[*governancev1alpha1.PowerFlow](lists) {
		flows[f.Name] = true
	}
	t.Logf("samples: %d villages, %d items, %d flows, %d approvals", len(villages), len(items), len(flows),
		len(of[*governancev1alpha1.ItemApproval](lists)))

	t.Run("every item is approved by the four units (S5)", func(t *testing.T) {
		NewWithT(t).Eventually(func(g Gomega) {
			for _, want := range items {
				it := &governancev1alpha1.ListItem{}
				g.Expect(env.Client.Get(ctx, client.ObjectKeyFromObject(want), it)).To(Succeed())
				g.Expect(it.Status.Phase).To(Equal(governancev1alpha1.PhaseApproved), "item %s", it.Name)
				g.Expect(it.Status.ApprovedUnits).To(BeEquivalentTo(4), "item %s", it.Name)
			}
		}).WithTimeout(2 * time.Minute).Should(Succeed())
	})

	var names []string
	for _, it := range items {
		names = append(names, it.Name)
	}
	t.Run("one revision publishes them all (S1)", func(t *testing.T) {
		g := NewWithT(t)
		g.Expect(env.Client.Create(ctx, &governancev1alpha1.ListRollout{ObjectMeta: metav1.ObjectMeta{Name: "citywide"}})).To(Succeed())
		g.Eventually(func(g Gomega) {
			rev := newestRevision(g)
			var published []string
			for _, it := range rev.Spec.Items {
				published = append(published, it.Name)
			}
			g.Expect(published).To(ConsistOf(names))
		}).WithTimeout(2 * time.Minute).Should(Succeed())
	})

	for _, v := range of[*governancev1alpha1.Village](villages) {
		t.Run(fmt.Sprintf("%s %s holds the items and flows in its scope (S1, P1)", v.Name, v.Spec.Name), func(t *testing.T) {
			var wantItems []string
			wantFlows := map[string]bool{}
			for _, it := range items {
				if rules.InScope(it.Spec.Scope, rules.PlaceOf(v)) {
					wantItems = append(wantItems, it.Name)
					if it.Spec.FlowRef != "" {
						wantFlows[it.Spec.FlowRef] = true
					}
				}
			}
			var held publish.VillageLists
			cm := &corev1.ConfigMap{}
			NewWithT(t).Eventually(func(g Gomega) {
				g.Expect(env.Client.Get(ctx, client.ObjectKey{Namespace: governancev1alpha1.TenantNamespaceName(v.Name), Name: tenant.ListsConfigMap}, cm)).To(Succeed())
				data, ok, err := publish.Load(cm)
				g.Expect(err).NotTo(HaveOccurred())
				g.Expect(ok).To(BeTrue(), "the ConfigMap holds lists")
				g.Expect(yaml.Unmarshal([]byte(data), &held)).To(Succeed())
				g.Expect(held.Revision).To(Equal(newestRevision(g).Spec.Revision))
			}).WithTimeout(2 * time.Minute).Should(Succeed())

			g := NewWithT(t)
			var gotItems, gotFlows []string
			for _, l := range held.Lists {
				for _, it := range l.Items {
					gotItems = append(gotItems, it.Name)
				}
			}
			for _, f := range held.Flows {
				gotFlows = append(gotFlows, f.Name)
			}
			g.Expect(gotItems).To(ConsistOf(wantItems))
			g.Expect(gotFlows).To(ConsistOf(keys(wantFlows)))
			// A real city's catalogue is stored as text: far from the size
			// at which the lists are gzipped, let alone a ConfigMap's 1 MiB.
			g.Expect(cm.BinaryData).To(BeEmpty())
			g.Expect(len(cm.Data[publish.DataKey])).To(BeNumerically("<", publish.CompressAbove))
			t.Logf("village %s: %d items, %d flows, %d bytes of lists", v.Name, len(gotItems), len(gotFlows), len(cm.Data[publish.DataKey]))
		})
	}
}

// newestRevision is the sample city's revision with the highest number.
func newestRevision(g Gomega) *governancev1alpha1.ListRevision {
	revs := &governancev1alpha1.ListRevisionList{}
	g.Expect(env.Client.List(context.Background(), revs)).To(Succeed())
	g.Expect(revs.Items).NotTo(BeEmpty())
	newest := slices.MaxFunc(revs.Items, func(a, b governancev1alpha1.ListRevision) int {
		return cmp.Compare(a.Spec.Revision, b.Spec.Revision)
	})
	return &newest
}

func keys(m map[string]bool) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	return out
}
