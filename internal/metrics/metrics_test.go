package metrics_test

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"math/big"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus/testutil"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"sigs.k8s.io/controller-runtime/pkg/client/fake"
	ctrlmetrics "sigs.k8s.io/controller-runtime/pkg/metrics"

	governancev1alpha1 "github.com/cunshe/cunshe-operator/api/v1alpha1"
	"github.com/cunshe/cunshe-operator/internal/metrics"
)

// certificate is a self-signed certificate expiring at notAfter.
func certificate(t *testing.T, notAfter time.Time) tls.Certificate {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), NotBefore: notAfter.Add(-time.Hour), NotAfter: notAfter, DNSNames: []string{"webhook.test"}}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key}
}

func TestObserveServingCertificate(t *testing.T) {
	notAfter := time.Date(2027, 3, 1, 8, 0, 0, 0, time.UTC)
	cert := certificate(t, notAfter)

	metrics.ObserveServingCertificate(cert) // parsed from the DER
	if got := testutil.ToFloat64(metrics.WebhookCertificateExpiry); got != float64(notAfter.Unix()) {
		t.Errorf("expiry %v, want %v (%s)", got, notAfter.Unix(), notAfter)
	}

	renewed := certificate(t, notAfter.Add(90*24*time.Hour))
	renewed.Leaf, _ = x509.ParseCertificate(renewed.Certificate[0])
	metrics.ObserveServingCertificate(renewed) // the parsed leaf, as tls.X509KeyPair gives it
	if got := testutil.ToFloat64(metrics.WebhookCertificateExpiry); got != float64(renewed.Leaf.NotAfter.Unix()) {
		t.Errorf("after a renewal: expiry %v, want %v", got, renewed.Leaf.NotAfter.Unix())
	}

	metrics.ObserveServingCertificate(tls.Certificate{Certificate: [][]byte{[]byte("not DER")}})
	if got := testutil.ToFloat64(metrics.WebhookCertificateExpiry); got != float64(renewed.Leaf.NotAfter.Unix()) {
		t.Errorf("an unreadable certificate changed the expiry to %v", got)
	}
}

func TestRolloutCollector(t *testing.T) {
	scheme := runtime.NewScheme()
	if err := governancev1alpha1.AddToScheme(scheme); err != nil {
		t.Fatal(err)
	}
	condition := func(typ string, status metav1.ConditionStatus, reason string) metav1.Condition {
		return metav1.Condition{Type: typ, Status: status, Reason: reason, LastTransitionTime: metav1.Now()}
	}
	progressing := &governancev1alpha1.ListRollout{ObjectMeta: metav1.ObjectMeta{Name: "wenzhou"},
		Status: governancev1alpha1.ListRolloutStatus{CurrentRevision: 4, CurrentStep: 1, UpdatedVillages: 120, TotalVillages: 3685,
			Conditions: []metav1.Condition{
				condition(governancev1alpha1.ReadyCondition, metav1.ConditionFalse, "Progressing"),
				condition(governancev1alpha1.ReconcilingCondition, metav1.ConditionTrue, "Progressing"),
				condition(governancev1alpha1.StalledCondition, metav1.ConditionFalse, "Progressing"),
				condition("Other", metav1.ConditionTrue, "NotReported"),
			}}}
	aborted := &governancev1alpha1.ListRollout{ObjectMeta: metav1.ObjectMeta{Name: "hangzhou"},
		Status: governancev1alpha1.ListRolloutStatus{CurrentRevision: 2, UpdatedVillages: 10, TotalVillages: 40,
			Conditions: []metav1.Condition{condition(governancev1alpha1.StalledCondition, metav1.ConditionTrue, "Aborted")}}}
	fresh := &governancev1alpha1.ListRollout{ObjectMeta: metav1.ObjectMeta{Name: "new"}} // no status yet

	c := &metrics.RolloutCollector{Reader: fake.NewClientBuilder().WithScheme(scheme).
		WithStatusSubresource(&governancev1alpha1.ListRollout{}).WithObjects(progressing, aborted, fresh).Build()}
	want := `
# HELP cunshe_list_rollout_condition The rollout's kstatus conditions Ready, Reconciling and Stalled: 1 when True, else 0, with the condition's reason.
# TYPE cunshe_list_rollout_condition gauge
cunshe_list_rollout_condition{reason="Aborted",rollout="hangzhou",type="Stalled"} 1
cunshe_list_rollout_condition{reason="Progressing",rollout="wenzhou",type="Ready"} 0
cunshe_list_rollout_condition{reason="Progressing",rollout="wenzhou",type="Reconciling"} 1
cunshe_list_rollout_condition{reason="Progressing",rollout="wenzhou",type="Stalled"} 0
# HELP cunshe_list_rollout_updated_villages Villages holding the revision the rollout rolls out (status.updatedVillages).
# TYPE cunshe_list_rollout_updated_villages gauge
cunshe_list_rollout_updated_villages{rollout="hangzhou"} 10
cunshe_list_rollout_updated_villages{rollout="new"} 0
cunshe_list_rollout_updated_villages{rollout="wenzhou"} 120
# HELP cunshe_list_rollout_villages Villages of the rollout's city (status.totalVillages).
# TYPE cunshe_list_rollout_villages gauge
cunshe_list_rollout_villages{rollout="hangzhou"} 40
cunshe_list_rollout_villages{rollout="new"} 0
cunshe_list_rollout_villages{rollout="wenzhou"} 3685
# HELP cunshe_list_rollout_revision The list revision the rollout rolls out (status.currentRevision).
# TYPE cunshe_list_rollout_revision gauge
cunshe_list_rollout_revision{rollout="hangzhou"} 2
cunshe_list_rollout_revision{rollout="new"} 0
cunshe_list_rollout_revision{rollout="wenzhou"} 4
`
	if err := testutil.CollectAndCompare(c, strings.NewReader(want), "cunshe_list_rollout_condition",
		"cunshe_list_rollout_updated_villages", "cunshe_list_rollout_villages", "cunshe_list_rollout_revision"); err != nil {
		t.Error(err)
	}
	if problems, err := testutil.CollectAndLint(c); err != nil || len(problems) > 0 {
		t.Errorf("lint: %v %v", problems, err)
	}
}

// TestRolloutCollectorRegistration: the collector is registered while its
// manager runs and no longer after; a second one in the same process (a
// test's second manager) leaves the first registered instead of failing its
// manager.
func TestRolloutCollectorRegistration(t *testing.T) {
	stopped, stop := context.WithCancel(context.Background())
	stop()
	first, second := &metrics.RolloutCollector{}, &metrics.RolloutCollector{}
	if err := first.Start(stopped); err != nil {
		t.Fatal(err)
	}
	if ctrlmetrics.Registry.Unregister(first) {
		t.Error("the collector stayed registered after its manager stopped")
	}

	if err := ctrlmetrics.Registry.Register(first); err != nil {
		t.Fatal(err)
	}
	if err := second.Start(stopped); err != nil {
		t.Errorf("a second collector failed its manager: %v", err)
	}
	if !ctrlmetrics.Registry.Unregister(first) {
		t.Error("the second collector unregistered the first")
	}
}
