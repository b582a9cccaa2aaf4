// Package samplekeys_test runs the operator as in a real cluster (not local
// mode) and checks that the review-unit keys shipped with the samples, whose
// private halves anyone can read, cannot be installed (S5; issue 14).
package samplekeys_test

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/base64"
	"os"
	"strings"
	"testing"

	. "github.com/onsi/gomega"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/yaml"

	governancev1alpha1 "github.com/cunshe/cunshe-operator/api/v1alpha1"
	"github.com/cunshe/cunshe-operator/internal/testenv"
)

var env *testenv.Env

func TestMain(m *testing.M) {
	testenv.Run(m, testenv.Options{Manager: true, RefuseSampleKeys: true, OfflineParity: true}, &env)
}

// sampleUnits are the four Wenzhou units of config/samples/lists.
func sampleUnits(t *testing.T) []*governancev1alpha1.ReviewUnit {
	t.Helper()
	data, err := os.ReadFile("../../config/samples/lists/review-units.yaml")
	if err != nil {
		t.Fatal(err)
	}
	var units []*governancev1alpha1.ReviewUnit
	for _, doc := range strings.Split(string(data), "\n---\n") {
		u := &governancev1alpha1.ReviewUnit{}
		if err := yaml.Unmarshal([]byte(doc), u); err != nil {
			t.Fatal(err)
		}
		if u.Kind == "ReviewUnit" {
			units = append(units, u)
		}
	}
	if len(units) != 4 {
		t.Fatalf("want the 4 sample units, got %d", len(units))
	}
	return units
}

func TestSampleKeysAreRefusedOutsideLocalMode(t *testing.T) {
	g := NewWithT(t)
	ctx := context.Background()
	for _, u := range sampleUnits(t) {
		err := env.Client.Create(ctx, u)
		g.Expect(apierrors.IsForbidden(err)).To(BeTrue(), "unit %s: %v", u.Name, err)
		g.Expect(err.Error()).To(ContainSubstring(`S5 公钥 "` + u.Spec.PublicKeys[0].ID + `" 是随软件发布的示例密钥`))
		g.Expect(err.Error()).To(ContainSubstring("is accepted only in local mode (make run)"))
	}

	// The same unit with a key of its own is admitted; adding the sample key
	// to it later is refused, and the stored unit keeps its own key only.
	u := sampleUnits(t)[0]
	sample := u.Spec.PublicKeys[0]
	pub, _, err := ed25519.GenerateKey(rand.Reader)
	g.Expect(err).NotTo(HaveOccurred())
	u.Spec.PublicKeys = []governancev1alpha1.PublicKey{{ID: u.Name + "-2026", Ed25519: base64.StdEncoding.EncodeToString(pub)}}
	g.Expect(env.Client.Create(ctx, u)).To(Succeed())
	// The unit's status controller writes too: update the newest version.
	g.Eventually(func(g Gomega) {
		latest := &governancev1alpha1.ReviewUnit{}
		g.Expect(env.Client.Get(ctx, client.ObjectKeyFromObject(u), latest)).To(Succeed())
		latest.Spec.PublicKeys = append(latest.Spec.PublicKeys, sample)
		err := env.Client.Update(ctx, latest)
		g.Expect(apierrors.IsForbidden(err)).To(BeTrue(), "%v", err)
	}).Should(Succeed())
	stored := &governancev1alpha1.ReviewUnit{}
	g.Expect(env.Client.Get(ctx, client.ObjectKeyFromObject(u), stored)).To(Succeed())
	g.Expect(stored.Spec.PublicKeys).To(HaveLen(1))
}
