package certs

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"time"

	admissionv1 "k8s.io/api/admissionregistration/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/utils/clock"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
)

// Rotator keeps the certificates in Secret valid (Renew), writes the serving
// pair into CertDir for the webhook server (which reloads it on change) and
// injects the CA bundle into the named webhook configurations.
//
// Every replica runs one: they agree through the Secret's resourceVersion
// (a replica that loses a race re-reads it on its next pass), and each keeps
// its own files. It needs get and update on the Secret and get and patch on
// the webhook configurations, nothing else (the chart's
// cert-rotation-rbac.yaml).
type Rotator struct {
	// Client reads and writes directly, without a cache: the manager caches
	// no Secrets.
	Client               client.Client
	Secret               types.NamespacedName
	Policy               Policy
	CertDir              string
	ValidatingWebhooks   []string
	MutatingWebhooks     []string
	Clock                clock.PassiveClock
	Interval, RetryDelay time.Duration
}

// Ensure makes one pass: renew the Secret if needed, inject its CA bundle,
// then write the serving pair (in this order, so that the API server trusts
// the CA of a certificate before it is served).
func (r *Rotator) Ensure(ctx context.Context) error {
	secret := &corev1.Secret{}
	if err := r.Client.Get(ctx, r.Secret, secret); err != nil {
		return fmt.Errorf("reading the webhook certificate Secret %s: %w", r.Secret, err)
	}
	data, changed, err := Renew(secret.Data, r.Clock.Now(), r.Policy)
	if err != nil {
		return err
	}
	if changed {
		secret.Data = data
		if err := r.Client.Update(ctx, secret); err != nil {
			return fmt.Errorf("renewing the webhook certificates in Secret %s: %w", r.Secret, err)
		}
		ctrl.LoggerFrom(ctx).Info("Renewed the webhook certificates", "secret", r.Secret)
	}
	if err := r.inject(ctx, CABundle(data)); err != nil {
		return err
	}
	return r.writeFiles(data)
}

// Start runs Ensure every Interval (every RetryDelay after a failure) until
// ctx ends; the manager runs it on every replica.
func (r *Rotator) Start(ctx context.Context) error {
	log := ctrl.LoggerFrom(ctx).WithName("cert-rotator")
	ctx = ctrl.LoggerInto(ctx, log)
	for {
		delay := r.Interval
		if err := r.Ensure(ctx); err != nil {
			log.Error(err, "Webhook certificate pass failed; retrying", "after", r.RetryDelay)
			delay = r.RetryDelay
		}
		select {
		case <-ctx.Done():
			return nil
		case <-time.After(delay):
		}
	}
}

// NeedLeaderElection is false: every replica serves the webhooks, so every
// replica keeps its certificate files.
func (r *Rotator) NeedLeaderElection() bool { return false }

func (r *Rotator) inject(ctx context.Context, bundle []byte) error {
	for _, name := range r.ValidatingWebhooks {
		cfg := &admissionv1.ValidatingWebhookConfiguration{}
		configs := func() (out []*admissionv1.WebhookClientConfig) {
			for i := range cfg.Webhooks {
				out = append(out, &cfg.Webhooks[i].ClientConfig)
			}
			return out
		}
		if err := r.patchCABundle(ctx, name, cfg, configs, bundle); err != nil {
			return err
		}
	}
	for _, name := range r.MutatingWebhooks {
		cfg := &admissionv1.MutatingWebhookConfiguration{}
		configs := func() (out []*admissionv1.WebhookClientConfig) {
			for i := range cfg.Webhooks {
				out = append(out, &cfg.Webhooks[i].ClientConfig)
			}
			return out
		}
		if err := r.patchCABundle(ctx, name, cfg, configs, bundle); err != nil {
			return err
		}
	}
	return nil
}

// patchCABundle sets caBundle on every webhook of one configuration, with an
// optimistic-lock patch, and writes nothing when they already hold it.
func (r *Rotator) patchCABundle(ctx context.Context, name string, cfg client.Object, clientConfigs func() []*admissionv1.WebhookClientConfig, bundle []byte) error {
	if err := r.Client.Get(ctx, types.NamespacedName{Name: name}, cfg); err != nil {
		if apierrors.IsNotFound(err) {
			return fmt.Errorf("webhook configuration %s does not exist yet", name)
		}
		return fmt.Errorf("reading webhook configuration %s: %w", name, err)
	}
	base := cfg.DeepCopyObject().(client.Object)
	changed := false
	for _, cc := range clientConfigs() {
		if !bytes.Equal(cc.CABundle, bundle) {
			cc.CABundle, changed = bundle, true
		}
	}
	if !changed {
		return nil
	}
	if err := r.Client.Patch(ctx, cfg, client.MergeFromWithOptions(base, client.MergeFromWithOptimisticLock{})); err != nil {
		return fmt.Errorf("injecting the CA into webhook configuration %s: %w", name, err)
	}
	return nil
}

// writeFiles writes tls.crt and tls.key when they differ from what is on disk.
func (r *Rotator) writeFiles(data map[string][]byte) error {
	if err := os.MkdirAll(r.CertDir, 0o700); err != nil {
		return err
	}
	for _, name := range []string{ServingKey, ServingCert} {
		path := filepath.Join(r.CertDir, name)
		if old, err := os.ReadFile(path); err == nil && bytes.Equal(old, data[name]) {
			continue
		}
		// Write beside and rename, so the webhook server never reads half a file.
		tmp := path + ".tmp"
		if err := os.WriteFile(tmp, data[name], 0o600); err != nil {
			return err
		}
		if err := os.Rename(tmp, path); err != nil {
			return err
		}
	}
	return nil
}
