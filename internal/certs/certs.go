// Package certs keeps the webhook server's certificate valid without
// cert-manager: a self-signed CA and a serving certificate it signed, held
// in a Secret, renewed before they expire, with the CA injected into the
// webhook configurations (chart value webhook.certManager.enabled=false).
//
// Renew is a pure function of the Secret's data and the time, so the tests
// drive it with a fake clock; Rotator (rotator.go) applies it to the cluster.
// The local mode (cmd/manager --local-dir) does not use this package: envtest
// issues its own certificate there.
package certs

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"fmt"
	"math/big"
	"slices"
	"time"
)

// Keys of the Secret's data. tls.crt and tls.key are what the webhook server
// reads; the Secret is of type kubernetes.io/tls.
const (
	CACert         = "ca.crt"
	CAKey          = "ca.key"
	PreviousCACert = "ca-previous.crt"
	ServingCert    = "tls.crt"
	ServingKey     = "tls.key"
)

// Policy says how long certificates live and when they are renewed.
type Policy struct {
	// DNSNames the serving certificate must cover: the webhook Service's.
	DNSNames []string
	// CAValidity and CertValidity are the lifetimes of new certificates.
	CAValidity, CertValidity time.Duration
	// CARenewBefore and CertRenewBefore: a certificate with less time than
	// this left is replaced.
	CARenewBefore, CertRenewBefore time.Duration
}

// DefaultPolicy: a one-year CA renewed four months ahead and a 90-day
// serving certificate renewed 30 days ahead, so a replica that misses
// renewals for a month still serves a valid certificate.
func DefaultPolicy(dnsNames ...string) Policy {
	const day = 24 * time.Hour
	return Policy{DNSNames: dnsNames, CAValidity: 365 * day, CARenewBefore: 120 * day,
		CertValidity: 90 * day, CertRenewBefore: 30 * day}
}

// Renew returns the Secret data that holds valid certificates at now, and
// whether it differs from data. A CA close to expiry is replaced by a new
// one; the old one stays in the CA bundle until it expires, so the API
// server keeps trusting replicas that still serve a certificate it signed.
func Renew(data map[string][]byte, now time.Time, p Policy) (map[string][]byte, bool, error) {
	out := map[string][]byte{}
	for k, v := range data {
		out[k] = v
	}
	ca, caKey, err := parsePair(data[CACert], data[CAKey])
	if err != nil || !lastsUntil(ca, now.Add(p.CARenewBefore)) {
		if ca != nil && lastsUntil(ca, now) {
			out[PreviousCACert] = data[CACert]
		}
		if ca, caKey, err = newCA(now, p.CAValidity); err != nil {
			return nil, false, err
		}
		out[CACert], out[CAKey] = encodePair(ca, caKey)
		delete(out, ServingCert) // signed by the old CA
	}
	if prev, err := parseCert(out[PreviousCACert]); err != nil || !lastsUntil(prev, now) {
		delete(out, PreviousCACert)
	}
	if !servingValid(out[ServingCert], out[ServingKey], ca, now.Add(p.CertRenewBefore), p.DNSNames) {
		cert, key, err := newServingCert(ca, caKey, now, p)
		if err != nil {
			return nil, false, err
		}
		out[ServingCert], out[ServingKey] = encodePair(cert, key)
	}
	return out, !sameData(data, out), nil
}

// CABundle is what the webhook configurations' caBundle must hold: the
// current CA and, during a CA rotation, the previous one.
func CABundle(data map[string][]byte) []byte {
	return append(bytes.Clone(data[CACert]), data[PreviousCACert]...)
}

func lastsUntil(c *x509.Certificate, t time.Time) bool {
	return c != nil && t.Before(c.NotAfter)
}

func servingValid(certPEM, keyPEM []byte, ca *x509.Certificate, at time.Time, dnsNames []string) bool {
	cert, _, err := parsePair(certPEM, keyPEM)
	if err != nil {
		return false
	}
	roots := x509.NewCertPool()
	roots.AddCert(ca)
	for _, name := range dnsNames {
		if _, err := cert.Verify(x509.VerifyOptions{DNSName: name, Roots: roots, CurrentTime: at}); err != nil {
			return false
		}
	}
	return true
}

func newCA(now time.Time, validity time.Duration) (*x509.Certificate, *ecdsa.PrivateKey, error) {
	tmpl := &x509.Certificate{
		Subject:               pkix.Name{CommonName: "cunshe-operator webhook CA"},
		IsCA:                  true,
		BasicConstraintsValid: true,
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageDigitalSignature,
	}
	return issue(tmpl, nil, nil, now, validity)
}

func newServingCert(ca *x509.Certificate, caKey *ecdsa.PrivateKey, now time.Time, p Policy) (*x509.Certificate, *ecdsa.PrivateKey, error) {
	if len(p.DNSNames) == 0 {
		return nil, nil, errors.New("no DNS names for the webhook serving certificate")
	}
	tmpl := &x509.Certificate{
		Subject:     pkix.Name{CommonName: p.DNSNames[0]},
		DNSNames:    p.DNSNames,
		KeyUsage:    x509.KeyUsageDigitalSignature,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	// Never outlive the CA that signs it.
	validity := min(p.CertValidity, ca.NotAfter.Sub(now))
	return issue(tmpl, ca, caKey, now, validity)
}

// issue signs tmpl with the parent (self-signed when parent is nil). The
// certificate is valid from an hour ago, for clocks slightly behind.
func issue(tmpl, parent *x509.Certificate, parentKey *ecdsa.PrivateKey, now time.Time, validity time.Duration) (*x509.Certificate, *ecdsa.PrivateKey, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, nil, err
	}
	serial, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 127))
	if err != nil {
		return nil, nil, err
	}
	tmpl.SerialNumber = serial
	tmpl.NotBefore, tmpl.NotAfter = now.Add(-time.Hour), now.Add(validity)
	if parent == nil {
		parent, parentKey = tmpl, key
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, parent, &key.PublicKey, parentKey)
	if err != nil {
		return nil, nil, fmt.Errorf("signing certificate %q: %w", tmpl.Subject.CommonName, err)
	}
	cert, err := x509.ParseCertificate(der)
	return cert, key, err
}

func encodePair(cert *x509.Certificate, key *ecdsa.PrivateKey) ([]byte, []byte) {
	der, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		panic(err) // a P-256 key always marshals
	}
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: cert.Raw}),
		pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: der})
}

func parseCert(certPEM []byte) (*x509.Certificate, error) {
	block, _ := pem.Decode(certPEM)
	if block == nil || block.Type != "CERTIFICATE" {
		return nil, errors.New("no PEM certificate")
	}
	return x509.ParseCertificate(block.Bytes)
}

// parsePair parses a certificate and its key, and checks that they belong together.
func parsePair(certPEM, keyPEM []byte) (*x509.Certificate, *ecdsa.PrivateKey, error) {
	cert, err := parseCert(certPEM)
	if err != nil {
		return nil, nil, err
	}
	block, _ := pem.Decode(keyPEM)
	if block == nil {
		return nil, nil, errors.New("no PEM key")
	}
	key, err := x509.ParseECPrivateKey(block.Bytes)
	if err != nil {
		return nil, nil, err
	}
	if pub, ok := cert.PublicKey.(*ecdsa.PublicKey); !ok || !pub.Equal(&key.PublicKey) {
		return nil, nil, errors.New("the key does not match the certificate")
	}
	return cert, key, nil
}

func sameData(a, b map[string][]byte) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if w, ok := b[k]; !ok || !slices.Equal(v, w) {
			return false
		}
	}
	return true
}
