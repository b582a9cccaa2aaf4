package faults

import (
	"context"
	"fmt"
	"slices"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"

	governancev1alpha1 "github.com/cunshe/cunshe-operator/api/v1alpha1"
	"github.com/cunshe/cunshe-operator/internal/testenv"
)

// testWebhookDown: no manager runs. Every write of a governance kind that
// a webhook checks is refused (fail closed), and the department's task
// gets a message that names the webhook that did not answer; nothing
// outside governance.cunshe.io is blocked, in kube-system or elsewhere.
func testWebhookDown(t *testing.T) {
	ctx := t.Context()
	c := h.city
	if err := c.ensureProvisioned(ctx); err != nil {
		t.Fatal(err)
	}
	// No manager is running now: ensureProvisioned stops its own.
	own := ownKindWrites(t, c)
	refused := 0
	var tried []string
	for _, kind := range sortedKeys(own) {
		tried = append(tried, kind)
		err := own[kind](ctx)
		if webhookUnavailable(err) {
			refused++
			continue
		}
		t.Errorf("%s: a write while no webhook answers got %v, want a refusal for want of the webhook", kind, err)
	}
	if missing := missingKinds(t, tried); len(missing) > 0 {
		t.Errorf("webhook-checked kinds the scenario did not try: %v", missing)
	}

	clerk, err := c.clerk()
	if err != nil {
		t.Fatal(err)
	}
	taskErr := clerk.Create(ctx, dryRunTask())
	t.Logf("the department's `kubectl create -f census-2026.yaml` gets:\n%v", taskErr)
	if !webhookUnavailable(taskErr) {
		t.Errorf("the department's task: %v, want a refusal for want of the webhook", taskErr)
	}

	blocked := 0
	others := otherWrites(c)
	for _, name := range sortedKeys(others) {
		if err := others[name](ctx); err != nil {
			blocked++
			t.Errorf("%s was blocked while the operator is down: %v", name, err)
		}
	}
	fmt.Printf("faults scenario=webhook-down own_kinds_refused=%d own_kinds=%d others_blocked=%d others=%d\n", refused, len(own), blocked, len(others))
}

// ownKindWrites are, per governance resource a webhook checks, a write the
// webhook would have to admit: a dry-run update of an object the city has,
// or a dry-run create of a well-formed new one.
func ownKindWrites(t *testing.T, c *city) map[string]func(context.Context) error {
	code := c.registry[0].Name
	ns := namespaceOf(code)
	dry := client.DryRunAll
	touch := func(obj client.Object) func(context.Context) error {
		return func(ctx context.Context) error { return touchFirst(ctx, obj) }
	}
	style, set := sampleSignboards(t, code)
	return map[string]func(context.Context) error{
		"jurisdictions":  touch(&governancev1alpha1.Jurisdiction{}),
		"listitems":      touch(&governancev1alpha1.ListItem{}),
		"itemapprovals":  touch(&governancev1alpha1.ItemApproval{}),
		"powerflows":     touch(&governancev1alpha1.PowerFlow{}),
		"reviewunits":    touch(&governancev1alpha1.ReviewUnit{}),
		"listrollouts":   touch(&governancev1alpha1.ListRollout{}),
		"villagereports": touch(&governancev1alpha1.Report{}),
		"reportdecisions": func(ctx context.Context) error {
			return h.client.Create(ctx, &governancev1alpha1.ReportDecision{ObjectMeta: metav1.ObjectMeta{Name: "faults-down." + deciderUnit, Namespace: ns},
				Spec: governancev1alpha1.ReportDecisionSpec{Report: "faults-down", Unit: deciderUnit, Outcome: governancev1alpha1.OutcomeInvestigating}}, dry)
		},
		"tasks": func(ctx context.Context) error { return h.client.Create(ctx, dryRunTask(), dry) },
		"villages": func(ctx context.Context) error {
			v := testenv.Village(code[:9]+"999", governancev1alpha1.TypeVillage)
			return h.client.Create(ctx, v, dry)
		},
		"disclosures": func(ctx context.Context) error {
			return h.client.Create(ctx, &governancev1alpha1.Disclosure{ObjectMeta: metav1.ObjectMeta{Name: "faults-down", Namespace: ns},
				Spec: governancev1alpha1.DisclosureSpec{Category: governancev1alpha1.DisclosureVillageAffairs, Title: "村务公开", Period: "2026-12", Body: "本月村务"}}, dry)
		},
		"publicnotices": func(ctx context.Context) error {
			return h.client.Create(ctx, &governancev1alpha1.PublicNotice{ObjectMeta: metav1.ObjectMeta{Name: "faults-down"},
				Spec: governancev1alpha1.PublicNoticeSpec{Kind: governancev1alpha1.NoticeReportUpheld, Rule: "S19", Title: "公告", Text: "公告正文"}}, dry)
		},
		// Admission checks an exemption's deletion only (the operator
		// writes the record; it outlives its task): one is recorded, then
		// deleted in a dry run.
		"emergencyexemptions": func(ctx context.Context) error {
			start := metav1.Now()
			record := &governancev1alpha1.EmergencyExemption{ObjectMeta: metav1.ObjectMeta{Name: "faults-down", Namespace: ns},
				Spec: governancev1alpha1.EmergencyExemptionSpec{Department: "faults", Task: governancev1alpha1.TaskRecordRef{Name: "faults-down", UID: "faults-down"},
					Scope: governancev1alpha1.TaskTargets{Villages: []string{code}}, Start: start, Expires: metav1.NewTime(start.Add(time.Hour))}}
			if err := h.client.Create(ctx, record); err != nil && !apierrors.IsAlreadyExists(err) {
				return err
			}
			return h.client.Delete(ctx, record, dry)
		},
		"emergencydecisions": func(ctx context.Context) error {
			return h.client.Create(ctx, &governancev1alpha1.EmergencyDecision{ObjectMeta: metav1.ObjectMeta{Name: "faults-down." + deciderUnit, Namespace: ns},
				Spec: governancev1alpha1.EmergencyDecisionSpec{Exemption: "faults-down", Unit: deciderUnit, Outcome: governancev1alpha1.EmergencyRatified}}, dry)
		},
		"signboardstyles": func(ctx context.Context) error { return h.client.Create(ctx, style, dry) },
		"signboardsets":   func(ctx context.Context) error { return h.client.Create(ctx, set, dry) },
	}
}

// touchFirst dry-runs an update of the first object of obj's kind that the
// city has: an annotation added, as `kubectl annotate` would.
func touchFirst(ctx context.Context, obj client.Object) error {
	list, err := listOf(obj)
	if err != nil {
		return err
	}
	if err := h.client.List(ctx, list, client.Limit(1)); err != nil {
		return err
	}
	items, err := metaItems(list)
	if err != nil {
		return err
	}
	if len(items) == 0 {
		return fmt.Errorf("the city has no %T", obj)
	}
	first := items[0]
	annotations := first.GetAnnotations()
	if annotations == nil {
		annotations = map[string]string{}
	}
	annotations["faults.cunshe.io/touched"] = "true"
	first.SetAnnotations(annotations)
	return h.client.Update(ctx, first, client.DryRunAll)
}

func listOf(obj client.Object) (client.ObjectList, error) {
	gvks, _, err := h.client.Scheme().ObjectKinds(obj)
	if err != nil {
		return nil, err
	}
	list, err := h.client.Scheme().New(gvks[0].GroupVersion().WithKind(gvks[0].Kind + "List"))
	if err != nil {
		return nil, err
	}
	return list.(client.ObjectList), nil
}

// sampleSignboards are the sample style and set (config/samples/signboards),
// the set moved to one of the city's villages.
func sampleSignboards(t *testing.T, code string) (client.Object, client.Object) {
	objs, err := samples("../../config/samples/signboards/style-wuma.yaml", "../../config/samples/signboards/set-gulou.yaml")
	if err != nil {
		t.Fatal(err)
	}
	objs[1].SetNamespace(namespaceOf(code))
	return objs[0], objs[1]
}

// missingKinds are the resources the installed webhook configurations
// check that the scenario did not try.
func missingKinds(t *testing.T, tried []string) []string {
	var missing []string
	for _, r := range webhookResources(t) {
		if !slices.Contains(tried, r) {
			missing = append(missing, r)
		}
	}
	return missing
}

func webhookResources(t *testing.T) []string {
	var out []string
	add := func(rules []string) {
		for _, r := range rules {
			if !slices.Contains(out, r) {
				out = append(out, r)
			}
		}
	}
	for _, w := range h.cp.Env.WebhookInstallOptions.ValidatingWebhooks {
		for _, wh := range w.Webhooks {
			for _, r := range wh.Rules {
				add(r.Resources)
			}
		}
	}
	for _, w := range h.cp.Env.WebhookInstallOptions.MutatingWebhooks {
		for _, wh := range w.Webhooks {
			for _, r := range wh.Rules {
				add(r.Resources)
			}
		}
	}
	if len(out) == 0 {
		t.Fatal("no webhook configuration installed")
	}
	return out
}

// otherWrites are writes outside governance.cunshe.io, which no webhook of
// the operator may hold up: in kube-system, in default, in a village's
// tenant namespace, and a new namespace. Each cleans up after itself.
func otherWrites(c *city) map[string]func(context.Context) error {
	createDelete := func(obj client.Object) func(context.Context) error {
		return func(ctx context.Context) error {
			if err := h.client.Create(ctx, obj); err != nil {
				return err
			}
			return h.client.Delete(ctx, obj)
		}
	}
	configMap := func(ns string) client.Object {
		return &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: "faults-webhook-down", Namespace: ns}, Data: map[string]string{"k": "v"}}
	}
	labels := map[string]string{"app": "faults-webhook-down"}
	return map[string]func(context.Context) error{
		"ConfigMap in kube-system":        createDelete(configMap("kube-system")),
		"ConfigMap in a village's tenant": createDelete(configMap(namespaceOf(c.registry[0].Name))),
		"Namespace":                       createDelete(&corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "faults-webhook-down"}}),
		"Deployment (0 replicas) in default": createDelete(&appsv1.Deployment{ObjectMeta: metav1.ObjectMeta{Name: "faults-webhook-down", Namespace: "default"},
			Spec: appsv1.DeploymentSpec{Replicas: ptr.To[int32](0), Selector: &metav1.LabelSelector{MatchLabels: labels},
				Template: corev1.PodTemplateSpec{ObjectMeta: metav1.ObjectMeta{Labels: labels},
					Spec: corev1.PodSpec{Containers: []corev1.Container{{Name: "app", Image: "registry.k8s.io/pause:3.10"}}}}}}),
	}
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}
