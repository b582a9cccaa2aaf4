package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"strings"
	"time"

	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/client-go/rest"
	"k8s.io/utils/clock"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/cunshe/cunshe-operator/internal/certs"
	"github.com/cunshe/cunshe-operator/internal/operator"
)

// certFlags configure the self-signed webhook certificates (internal/certs),
// the Helm chart's default; with cert-manager they stay off.
type certFlags struct {
	enabled    bool
	namespace  string
	secret     string
	service    string
	validating string
	mutating   string
	interval   time.Duration
}

func (c *certFlags) bind(fs *flag.FlagSet) {
	fs.BoolVar(&c.enabled, "cert-rotation", false, "Issue and renew the webhook server's certificate (self-signed CA) and inject the CA into the webhook configurations.")
	fs.StringVar(&c.namespace, "cert-namespace", "", "Namespace of the certificate Secret and the webhook Service (the pod's namespace).")
	fs.StringVar(&c.secret, "cert-secret", "", "Secret holding the CA and serving certificate.")
	fs.StringVar(&c.service, "webhook-service", "", "Name of the webhook Service; the certificate covers <name>.<namespace>.svc[.cluster.local].")
	fs.StringVar(&c.validating, "validating-webhook-configuration", "", "ValidatingWebhookConfiguration to inject the CA into.")
	fs.StringVar(&c.mutating, "mutating-webhook-configuration", "", "MutatingWebhookConfiguration to inject the CA into.")
	fs.DurationVar(&c.interval, "cert-check-interval", 10*time.Minute, "How often every replica checks the certificates.")
}

// rotator returns nil without --cert-rotation. Otherwise it makes a first
// pass before the manager starts, retrying until the webhook configurations
// exist (Helm creates them with the Deployment), so the webhook server finds
// its certificate when it starts.
func (c *certFlags) rotator(ctx context.Context, cfg *rest.Config, certDir string) (*certs.Rotator, error) {
	if !c.enabled {
		return nil, nil
	}
	for flag, v := range map[string]string{"--cert-namespace": c.namespace, "--cert-secret": c.secret,
		"--webhook-service": c.service, "--webhook-cert-dir": certDir} {
		if v == "" {
			return nil, fmt.Errorf("--cert-rotation needs %s", flag)
		}
	}
	k8s, err := client.New(cfg, client.Options{Scheme: operator.Scheme()})
	if err != nil {
		return nil, err
	}
	svc := c.service + "." + c.namespace + ".svc"
	r := &certs.Rotator{
		Client: k8s, Secret: types.NamespacedName{Namespace: c.namespace, Name: c.secret},
		Policy: certs.DefaultPolicy(svc, svc+".cluster.local"), CertDir: certDir, Clock: clock.RealClock{},
		ValidatingWebhooks: nonEmpty(c.validating), MutatingWebhooks: nonEmpty(c.mutating),
		Interval: c.interval, RetryDelay: 5 * time.Second,
	}
	log := ctrl.Log.WithName("cert-rotator")
	var last error
	err = wait.PollUntilContextTimeout(ctx, r.RetryDelay, 5*time.Minute, true, func(ctx context.Context) (bool, error) {
		if last = r.Ensure(ctx); last != nil {
			log.Info("Waiting to set up the webhook certificate", "reason", last.Error())
		}
		return last == nil, nil
	})
	if err != nil {
		return nil, fmt.Errorf("setting up the webhook certificate: %w", errors.Join(last, err))
	}
	return r, nil
}

func nonEmpty(names ...string) []string {
	var out []string
	for _, n := range names {
		if n = strings.TrimSpace(n); n != "" {
			out = append(out, n)
		}
	}
	return out
}
