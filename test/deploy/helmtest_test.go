package deploy_test

import (
	"bytes"
	"context"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"sigs.k8s.io/controller-runtime/pkg/client"
)

// testHook is what `helm test` creates: the hook's objects by kind.
type testHook struct {
	pod      *corev1.Pod
	accounts []*unstructured.Unstructured // ServiceAccount, Role, RoleBinding, Namespace
}

// renderTestHook renders the chart and collects the objects annotated as a
// `helm test` hook, checking each carries the annotation.
func renderTestHook(t *testing.T, set ...string) testHook {
	t.Helper()
	var hook testHook
	for _, obj := range helmTemplate(t, "cunshe-operator", "cunshe-system", set...) {
		if obj.GetAnnotations()["helm.sh/hook"] != "test" {
			continue
		}
		if obj.GetKind() == "Pod" {
			hook.pod = convert[corev1.Pod](t, obj)
		} else {
			hook.accounts = append(hook.accounts, obj)
		}
	}
	if hook.pod == nil {
		t.Fatal("no Pod annotated helm.sh/hook: test")
	}
	return hook
}

// TestHelmTestHookObjects: the chart ships a `helm test` hook, and its Pod
// would pass the restricted Pod Security Standard.
func TestHelmTestHookObjects(t *testing.T) {
	hook := renderTestHook(t)
	kinds := map[string]int{}
	for _, obj := range hook.accounts {
		kinds[obj.GetKind()]++
	}
	for _, kind := range []string{"Namespace", "ServiceAccount", "Role", "RoleBinding"} {
		if kinds[kind] != 1 {
			t.Errorf("%d test hook objects of kind %s, want 1", kinds[kind], kind)
		}
	}
	pod := hook.pod
	c := pod.Spec.Containers[0]
	switch {
	case pod.Spec.RestartPolicy != corev1.RestartPolicyNever:
		t.Errorf("the test Pod restarts (%s): a failed test would never end", pod.Spec.RestartPolicy)
	case pod.Spec.SecurityContext == nil || pod.Spec.SecurityContext.RunAsNonRoot == nil || !*pod.Spec.SecurityContext.RunAsNonRoot:
		t.Error("the test Pod may run as root")
	case c.SecurityContext == nil || c.SecurityContext.AllowPrivilegeEscalation == nil || *c.SecurityContext.AllowPrivilegeEscalation:
		t.Error("the test Pod allows privilege escalation")
	case len(c.Command) < 3 || c.Command[0] != "/bin/sh":
		t.Errorf("the test Pod runs %v, want a /bin/sh -c script", c.Command)
	}
	if tested := renderTestHook(t, "tests.namespace=default"); len(tested.accounts) != 3 {
		t.Errorf("with tests.namespace set the hook still creates a namespace: %d objects", len(tested.accounts))
	}
}

// TestHelmTestHookScript runs the test hook's own script (taken from the
// rendered Pod) against the control plane with the operator running, with
// a token of the hook's ServiceAccount and its RBAC applied: what `helm
// test` does in a cluster with nodes. It passes because the task webhook
// refuses a task not on the lists (S1); the same script must fail when it
// sends the task where no webhook looks (the release's namespace) and when
// the operator is down.
func TestHelmTestHookScript(t *testing.T) {
	if _, err := exec.LookPath("curl"); err != nil {
		t.Fatal("the hook's script needs curl: apt-get install curl")
	}
	hook := renderTestHook(t)
	for _, obj := range hook.accounts {
		apply(t, obj)
	}
	ns := podEnv(hook.pod, "TASK_NAMESPACE")
	saDir := serviceAccountDir(t, hook.pod)

	out, err := runHookScript(t, hook.pod, saDir, ns)
	if err != nil || !strings.Contains(out, "OK: ") {
		t.Fatalf("the test hook failed (%v):\n%s", err, out)
	}

	// Where no webhook looks, the dry run is admitted: the script must say so.
	grantTaskCreate(t, "cunshe-system", hook.pod.Spec.ServiceAccountName)
	out, err = runHookScript(t, hook.pod, saDir, "cunshe-system")
	if err == nil || !strings.Contains(out, "a task not on the lists was admitted (S1)") {
		t.Errorf("the test hook passed without a webhook refusing the task (%v):\n%s", err, out)
	}

	// With the operator down the API server cannot call the webhook (the
	// task is refused all the same, failurePolicy Fail): the script must
	// tell that from the webhook's answer.
	if restartErr := env.RestartManagerAfter(func() error {
		out, err = runHookScript(t, hook.pod, saDir, ns)
		return nil
	}); restartErr != nil {
		t.Fatal(restartErr)
	}
	if err == nil || !strings.Contains(out, "the API server could not call the webhook") {
		t.Errorf("the test hook passed while the operator was down (%v):\n%s", err, out)
	}
}

// runHookScript runs the Pod's command on this machine as the Pod would
// run it: the API server's address in KUBERNETES_SERVICE_HOST/PORT, the
// ServiceAccount's token and CA in SA_DIR.
func runHookScript(t *testing.T, pod *corev1.Pod, saDir, namespace string) (string, error) {
	t.Helper()
	api, err := url.Parse(env.Config.Host)
	if err != nil {
		t.Fatal(err)
	}
	c := pod.Spec.Containers[0]
	cmd := exec.Command(c.Command[0], c.Command[1:]...)
	cmd.Env = []string{"PATH=" + os.Getenv("PATH"), "SA_DIR=" + saDir, "TASK_NAMESPACE=" + namespace,
		"KUBERNETES_SERVICE_HOST=" + api.Hostname(), "KUBERNETES_SERVICE_PORT=" + api.Port()}
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	err = cmd.Run()
	return out.String(), err
}

func podEnv(pod *corev1.Pod, name string) string {
	for _, e := range pod.Spec.Containers[0].Env {
		if e.Name == name {
			return e.Value
		}
	}
	return ""
}

// serviceAccountDir writes what the kubelet mounts into the Pod: a token of
// its ServiceAccount and the API server's CA.
func serviceAccountDir(t *testing.T, pod *corev1.Pod) string {
	t.Helper()
	dir := t.TempDir()
	token := serviceAccountToken(t, pod.Namespace, pod.Spec.ServiceAccountName)
	for name, data := range map[string][]byte{"token": []byte(token), "ca.crt": env.Config.CAData} {
		if err := os.WriteFile(filepath.Join(dir, name), data, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// grantTaskCreate lets the service account create tasks in a namespace, as
// the hook's Role does in its own.
func grantTaskCreate(t *testing.T, namespace, account string) {
	t.Helper()
	ctx := context.Background()
	meta := metav1.ObjectMeta{Namespace: namespace, Name: "helm-test-elsewhere"}
	role := &rbacv1.Role{ObjectMeta: meta, Rules: []rbacv1.PolicyRule{{APIGroups: []string{"governance.cunshe.io"}, Resources: []string{"tasks"}, Verbs: []string{"create"}}}}
	binding := &rbacv1.RoleBinding{ObjectMeta: meta, RoleRef: rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: "Role", Name: meta.Name},
		Subjects: []rbacv1.Subject{{Kind: rbacv1.ServiceAccountKind, Namespace: "cunshe-system", Name: account}}}
	for _, obj := range []client.Object{role, binding} {
		if err := k8s.Create(ctx, obj); client.IgnoreAlreadyExists(err) != nil {
			t.Fatal(err)
		}
	}
}
