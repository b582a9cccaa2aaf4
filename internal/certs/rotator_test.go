package certs_test

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	admissionv1 "k8s.io/api/admissionregistration/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	clocktesting "k8s.io/utils/clock/testing"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/cunshe/cunshe-operator/config"
	"github.com/cunshe/cunshe-operator/internal/certs"
	"github.com/cunshe/cunshe-operator/internal/localcp"
	"github.com/cunshe/cunshe-operator/internal/operator"
	"github.com/cunshe/cunshe-operator/internal/testenv"
)

var k8s client.Client

// TestMain starts a bare control plane: no CRDs, webhooks or manager, only
// the Secret and webhook configurations the rotator keeps.
func TestMain(m *testing.M) {
	cp, err := localcp.Start(localcp.Options{AssetsDir: testenv.AssetsDir()})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	k8s, err = client.New(cp.Config, client.Options{Scheme: operator.Scheme()})
	if err == nil {
		err = setup(context.Background())
	}
	code := 1
	if err == nil {
		code = m.Run()
	} else {
		fmt.Fprintln(os.Stderr, err)
	}
	if err := cp.Stop(); err != nil {
		fmt.Fprintln(os.Stderr, err)
	}
	os.Exit(code)
}

const service = "cunshe-operator-webhook-service.cunshe-system.svc"

// setup creates the release's namespace, the empty Secret the chart creates
// and the generated webhook configurations, as the chart names them.
func setup(ctx context.Context) error {
	validating, mutating, err := config.Webhooks()
	if err != nil {
		return err
	}
	objs := []client.Object{
		&corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "cunshe-system"}},
		&corev1.Secret{ObjectMeta: metav1.ObjectMeta{Name: "webhook-server-cert", Namespace: "cunshe-system"}},
	}
	for _, v := range validating {
		v.Name = "cunshe-operator-validating-webhook-configuration"
		objs = append(objs, v)
	}
	for _, m := range mutating {
		m.Name = "cunshe-operator-mutating-webhook-configuration"
		objs = append(objs, m)
	}
	for _, o := range objs {
		if err := k8s.Create(ctx, o); err != nil {
			return err
		}
	}
	return nil
}

func rotator(clock *clocktesting.FakeClock, certDir string) *certs.Rotator {
	return &certs.Rotator{
		Client: k8s, Secret: types.NamespacedName{Namespace: "cunshe-system", Name: "webhook-server-cert"},
		Policy: certs.DefaultPolicy(service), CertDir: certDir, Clock: clock,
		ValidatingWebhooks: []string{"cunshe-operator-validating-webhook-configuration"},
		MutatingWebhooks:   []string{"cunshe-operator-mutating-webhook-configuration"},
	}
}

// state is what the API server and a replica's disk hold.
type state struct {
	secretVersion, validatingVersion, mutatingVersion string
	bundles                                           [][]byte
	served                                            tls.Certificate
}

func observe(t *testing.T, ctx context.Context, certDir string) state {
	t.Helper()
	var s state
	secret := &corev1.Secret{}
	v := &admissionv1.ValidatingWebhookConfiguration{}
	m := &admissionv1.MutatingWebhookConfiguration{}
	for key, obj := range map[types.NamespacedName]client.Object{
		{Namespace: "cunshe-system", Name: "webhook-server-cert"}:  secret,
		{Name: "cunshe-operator-validating-webhook-configuration"}: v,
		{Name: "cunshe-operator-mutating-webhook-configuration"}:   m,
	} {
		if err := k8s.Get(ctx, key, obj); err != nil {
			t.Fatal(err)
		}
	}
	s.secretVersion, s.validatingVersion, s.mutatingVersion = secret.ResourceVersion, v.ResourceVersion, m.ResourceVersion
	for _, w := range v.Webhooks {
		s.bundles = append(s.bundles, w.ClientConfig.CABundle)
	}
	for _, w := range m.Webhooks {
		s.bundles = append(s.bundles, w.ClientConfig.CABundle)
	}
	var err error
	s.served, err = tls.LoadX509KeyPair(filepath.Join(certDir, "tls.crt"), filepath.Join(certDir, "tls.key"))
	if err != nil {
		t.Fatalf("the webhook server could not load its files: %v", err)
	}
	return s
}

// trusted: would the API server, holding every webhook's caBundle, accept
// the certificate this replica serves?
func trusted(t *testing.T, s state, at time.Time) {
	t.Helper()
	if len(s.bundles) == 0 {
		t.Fatal("no webhooks")
	}
	leaf, err := x509.ParseCertificate(s.served.Certificate[0])
	if err != nil {
		t.Fatal(err)
	}
	for i, bundle := range s.bundles {
		roots := x509.NewCertPool()
		if !roots.AppendCertsFromPEM(bundle) {
			t.Fatalf("webhook %d has no caBundle", i)
		}
		if _, err := leaf.Verify(x509.VerifyOptions{DNSName: service, Roots: roots, CurrentTime: at}); err != nil {
			t.Errorf("webhook %d: the API server would refuse the served certificate: %v", i, err)
		}
	}
}

func TestRotatorKeepsTheWebhooksTrusted(t *testing.T) {
	ctx := context.Background()
	clock := clocktesting.NewFakeClock(time.Now())
	leader, replica := rotator(clock, t.TempDir()), rotator(clock, t.TempDir())

	if err := leader.Ensure(ctx); err != nil {
		t.Fatal(err)
	}
	first := observe(t, ctx, leader.CertDir)
	trusted(t, first, clock.Now())

	// The other replica finds valid certificates: it writes nothing to the
	// API server and serves the same certificate.
	if err := replica.Ensure(ctx); err != nil {
		t.Fatal(err)
	}
	again := observe(t, ctx, replica.CertDir)
	if again.secretVersion != first.secretVersion || again.validatingVersion != first.validatingVersion ||
		again.mutatingVersion != first.mutatingVersion {
		t.Error("a pass with valid certificates wrote to the API server")
	}
	if string(again.served.Certificate[0]) != string(first.served.Certificate[0]) {
		t.Error("the replicas serve different certificates")
	}

	// 61 days later, 29 days before the serving certificate expires.
	clock.Step(61 * 24 * time.Hour)
	if err := replica.Ensure(ctx); err != nil {
		t.Fatal(err)
	}
	renewed := observe(t, ctx, replica.CertDir)
	if renewed.secretVersion == first.secretVersion {
		t.Fatal("the serving certificate was not renewed 29 days before expiry")
	}
	if renewed.validatingVersion != first.validatingVersion {
		t.Error("renewing the serving certificate under the same CA rewrote the webhook configuration")
	}
	trusted(t, renewed, clock.Now())
	// The leader has not yet made its pass: what it still serves is trusted too.
	trusted(t, observe(t, ctx, leader.CertDir), clock.Now())
	if err := leader.Ensure(ctx); err != nil {
		t.Fatal(err)
	}
	if got := observe(t, ctx, leader.CertDir); string(got.served.Certificate[0]) != string(renewed.served.Certificate[0]) {
		t.Error("the leader did not pick up the renewed certificate")
	}
}

func TestRotatorWaitsForTheWebhookConfigurations(t *testing.T) {
	ctx := context.Background()
	r := rotator(clocktesting.NewFakeClock(time.Now()), t.TempDir())
	r.ValidatingWebhooks = []string{"not-installed-yet"}
	err := r.Ensure(ctx)
	if err == nil || err.Error() != "webhook configuration not-installed-yet does not exist yet" {
		t.Errorf("got %v, want the missing configuration named", err)
	}
}
