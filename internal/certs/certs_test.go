package certs

import (
	"crypto/x509"
	"encoding/pem"
	"testing"
	"time"

	clocktesting "k8s.io/utils/clock/testing"
)

const day = 24 * time.Hour

var dnsNames = []string{"cunshe-operator-webhook-service.cunshe-system.svc", "cunshe-operator-webhook-service.cunshe-system.svc.cluster.local"}

// verifies reports whether the serving certificate in data is trusted by
// the given CA bundle for every DNS name at t.
func verifies(t *testing.T, servingPEM, bundle []byte, at time.Time) bool {
	t.Helper()
	cert, err := parseCert(servingPEM)
	if err != nil {
		t.Fatalf("parsing the serving certificate: %v", err)
	}
	roots := x509.NewCertPool()
	if !roots.AppendCertsFromPEM(bundle) {
		t.Fatal("the CA bundle holds no certificate")
	}
	for _, name := range dnsNames {
		if _, err := cert.Verify(x509.VerifyOptions{DNSName: name, Roots: roots, CurrentTime: at}); err != nil {
			return false
		}
	}
	return true
}

func notAfter(t *testing.T, certPEM []byte) time.Time {
	t.Helper()
	cert, err := parseCert(certPEM)
	if err != nil {
		t.Fatal(err)
	}
	return cert.NotAfter
}

func renew(t *testing.T, data map[string][]byte, now time.Time) (map[string][]byte, bool) {
	t.Helper()
	out, changed, err := Renew(data, now, DefaultPolicy(dnsNames...))
	if err != nil {
		t.Fatal(err)
	}
	return out, changed
}

// TestRotationBeforeExpiry walks a fake clock through a CA's life: the
// serving certificate is renewed 30 days before it expires, the CA four
// months before, and at every step the API server's CA bundle trusts what
// every replica may still serve.
func TestRotationBeforeExpiry(t *testing.T) {
	clock := clocktesting.NewFakeClock(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))

	first, changed := renew(t, nil, clock.Now())
	if !changed || !verifies(t, first[ServingCert], CABundle(first), clock.Now()) {
		t.Fatal("an empty Secret must get a CA and a serving certificate the CA bundle trusts")
	}
	if got := notAfter(t, first[ServingCert]).Sub(clock.Now()); got != 90*day {
		t.Errorf("serving certificate lives %v, want 90 days", got)
	}

	clock.Step(59 * day) // 31 days left: nothing to do, nothing written
	if _, changed := renew(t, first, clock.Now()); changed {
		t.Error("a certificate with 31 days left was renewed; want renewal at 30 days")
	}

	clock.Step(2 * day) // 29 days left
	second, changed := renew(t, first, clock.Now())
	if !changed || string(second[ServingCert]) == string(first[ServingCert]) {
		t.Fatal("a serving certificate with 29 days left must be renewed")
	}
	if string(second[CACert]) != string(first[CACert]) {
		t.Error("renewing the serving certificate replaced a CA with 10 months left")
	}
	if !verifies(t, second[ServingCert], CABundle(second), clock.Now()) {
		t.Error("the renewed serving certificate is not trusted by the CA bundle")
	}

	// Four months and a day before the CA expires: only the serving
	// certificate (expired meanwhile) is renewed.
	clock.SetTime(notAfter(t, first[CACert]).Add(-121 * day))
	second, _ = renew(t, second, clock.Now())
	if string(second[CACert]) != string(first[CACert]) {
		t.Fatal("a CA with 121 days left was replaced")
	}
	// Two days later: a new CA, the old one still trusted, so a replica
	// serving the certificate the old CA signed keeps working.
	clock.Step(2 * day)
	third, changed := renew(t, second, clock.Now())
	if !changed || string(third[CACert]) == string(second[CACert]) {
		t.Fatal("a CA with 119 days left must be replaced")
	}
	if string(third[PreviousCACert]) != string(second[CACert]) {
		t.Error("the replaced CA must stay in the bundle until it expires")
	}
	if !verifies(t, third[ServingCert], CABundle(third), clock.Now()) {
		t.Error("the new serving certificate is not trusted by the CA bundle")
	}
	if !verifies(t, second[ServingCert], CABundle(third), clock.Now()) {
		t.Error("during the CA rotation the bundle must still trust certificates the old CA signed")
	}
	if !verifies(t, third[ServingCert], third[CACert], clock.Now()) {
		t.Error("the new serving certificate must be signed by the new CA")
	}

	clock.SetTime(notAfter(t, second[CACert]).Add(time.Second)) // the old CA has expired
	fourth, _ := renew(t, third, clock.Now())
	if _, ok := fourth[PreviousCACert]; ok {
		t.Error("an expired previous CA must leave the bundle")
	}
	if !verifies(t, fourth[ServingCert], CABundle(fourth), clock.Now()) {
		t.Error("after the old CA expired, the serving certificate is not trusted")
	}
}

func TestRenewReplacesWhatCannotBeUsed(t *testing.T) {
	now := time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC)
	good, _ := renew(t, nil, now)
	other, _ := renew(t, nil, now)
	for name, tc := range map[string]struct {
		// data is the Secret's data before the pass.
		data map[string][]byte
		// newCA is whether the CA must be replaced.
		newCA bool
	}{
		"garbage CA":                           {data: with(good, CACert, []byte("not a certificate")), newCA: true},
		"CA key of another CA":                 {data: with(good, CAKey, other[CAKey]), newCA: true},
		"serving certificate of another CA":    {data: with(good, ServingCert, other[ServingCert])},
		"serving key of another certificate":   {data: with(good, ServingKey, other[ServingKey])},
		"serving certificate for another name": {data: servingFor(t, good, now, "evil.example.com")},
	} {
		t.Run(name, func(t *testing.T) {
			out, changed := renew(t, tc.data, now)
			if !changed {
				t.Fatal("nothing was renewed")
			}
			if got := string(out[CACert]) != string(good[CACert]); got != tc.newCA {
				t.Errorf("CA replaced: %v, want %v", got, tc.newCA)
			}
			if !verifies(t, out[ServingCert], CABundle(out), now) {
				t.Error("the result is not a trusted serving certificate")
			}
			if _, ok := pem.Decode(out[ServingKey]); ok == nil {
				t.Error("no serving key")
			}
		})
	}
}

func TestServingCertNeverOutlivesItsCA(t *testing.T) {
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	p := DefaultPolicy(dnsNames...)
	p.CAValidity, p.CARenewBefore = 100*day, 10*day // CA expires before 90 days + margin
	data, _, err := Renew(nil, now, p)
	if err != nil {
		t.Fatal(err)
	}
	later := now.Add(75 * day) // serving cert has 15 days left at most: renewed
	data, _, err = Renew(data, later, p)
	if err != nil {
		t.Fatal(err)
	}
	if got, ca := notAfter(t, data[ServingCert]), notAfter(t, data[CACert]); got.After(ca) {
		t.Errorf("serving certificate expires %v, after its CA (%v)", got, ca)
	}
}

func with(data map[string][]byte, key string, value []byte) map[string][]byte {
	out := map[string][]byte{}
	for k, v := range data {
		out[k] = v
	}
	out[key] = value
	return out
}

// servingFor replaces the serving pair with one the same CA signed for name.
func servingFor(t *testing.T, data map[string][]byte, now time.Time, name string) map[string][]byte {
	t.Helper()
	ca, caKey, err := parsePair(data[CACert], data[CAKey])
	if err != nil {
		t.Fatal(err)
	}
	cert, key, err := newServingCert(ca, caKey, now, DefaultPolicy(name))
	if err != nil {
		t.Fatal(err)
	}
	crt, k := encodePair(cert, key)
	return with(with(data, ServingCert, crt), ServingKey, k)
}
