// Package clustertest runs kubectl-cunshe's commands of issue 5 (tasks,
// report, decide) against a real control plane with the operator running:
// the webhooks decide what is filed, the controllers what it becomes, and
// the CLI acts through a kubeconfig with --as/--as-group like a user would.
package clustertest

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/wait"
	"sigs.k8s.io/controller-runtime/pkg/client"

	governancev1alpha1 "github.com/cunshe/cunshe-operator/api/v1alpha1"
	"github.com/cunshe/cunshe-operator/internal/cli"
	"github.com/cunshe/cunshe-operator/internal/operator"
	"github.com/cunshe/cunshe-operator/internal/testenv"
)

// The villages of the suite: two in 鹿城区 (330302), one in 永嘉县 (330324).
const (
	gulou     = "330302006044"
	neighbour = "330302006045"
	yongjia   = "330324108207"
)

var (
	env *testenv.Env
	// kubeconfig is an administrator's; tests act as cadres and unit members with --as.
	kubeconfig string
)

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "cunshe-cli-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	code := runSuite(m, filepath.Join(dir, "kubeconfig"))
	_ = os.RemoveAll(dir)
	os.Exit(code)
}

func runSuite(m *testing.M, path string) int {
	e, err := testenv.Start(testenv.Options{Manager: true, Setup: seed})
	if err != nil {
		fmt.Fprintf(os.Stderr, "starting the test control plane: %v\n", err)
		return 1
	}
	env, kubeconfig = e, path
	code := 1
	if err := e.ControlPlane.WriteKubeconfig(path, "cli-admin"); err != nil {
		fmt.Fprintln(os.Stderr, err)
	} else {
		code = m.Run()
	}
	if err := e.Stop(); err != nil {
		fmt.Fprintf(os.Stderr, "stopping the test control plane: %v\n", err)
		code = max(code, 1)
	}
	return code
}

// anyTenant is a group granted reports in every namespace, as a binding
// broader than the village's own would: admission still refuses (S8).
const anyTenant = "test:reports-in-any-tenant"

// seed creates the review units, the department tjj and three villages with
// their tenants, and binds the actors' roles as platform ops would: the
// tenants bind cunshe-village to their cadres, cunshe-review-unit is bound to
// the units mzj and nyj.
func seed(c client.Client) error {
	ctx := context.Background()
	if _, err := testenv.CreateReviewUnits(ctx, c); err != nil {
		return err
	}
	if err := testenv.CreateDepartment(ctx, c, "tjj"); err != nil {
		return err
	}
	if err := operator.EnsureActorClusterRoles(ctx, c); err != nil {
		return err
	}
	objs := []client.Object{
		testenv.Village(gulou, governancev1alpha1.TypeCommunity),
		testenv.Village(neighbour, governancev1alpha1.TypeCommunity),
		testenv.Village(yongjia, governancev1alpha1.TypeVillage),
		clusterRoleBinding("cunshe-review-unit", "cunshe:unit:mzj", "cunshe:unit:nyj"),
		&rbacv1.ClusterRole{ObjectMeta: metav1.ObjectMeta{Name: "test-reports-in-any-tenant"}, Rules: []rbacv1.PolicyRule{{
			APIGroups: []string{governancev1alpha1.GroupVersion.Group}, Resources: []string{"villagereports"}, Verbs: []string{"create"}}}},
		clusterRoleBinding("test-reports-in-any-tenant", anyTenant),
	}
	for _, o := range objs {
		if err := c.Create(ctx, o); err != nil {
			return fmt.Errorf("seeding %s: %w", o.GetName(), err)
		}
	}
	// Reports are filed in the tenants the village controller provisions.
	return wait.PollUntilContextTimeout(ctx, 100*time.Millisecond, time.Minute, true, func(ctx context.Context) (bool, error) {
		for _, code := range []string{gulou, neighbour, yongjia} {
			if err := c.Get(ctx, client.ObjectKey{Name: governancev1alpha1.TenantNamespaceName(code)}, &corev1.Namespace{}); err != nil {
				return false, client.IgnoreNotFound(err)
			}
		}
		return true, nil
	})
}

// clusterRoleBinding binds the cluster role to the groups.
func clusterRoleBinding(role string, groups ...string) *rbacv1.ClusterRoleBinding {
	b := &rbacv1.ClusterRoleBinding{ObjectMeta: metav1.ObjectMeta{Name: role},
		RoleRef: rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: "ClusterRole", Name: role}}
	for _, g := range groups {
		b.Subjects = append(b.Subjects, rbacv1.Subject{APIGroup: rbacv1.GroupName, Kind: rbacv1.GroupKind, Name: g})
	}
	return b
}

// result is what one in-process run of kubectl-cunshe produced.
type result struct {
	code           int
	stdout, stderr string
}

// run runs kubectl-cunshe with the suite's kubeconfig.
func run(t *testing.T, args ...string) result {
	t.Helper()
	var stdout, stderr bytes.Buffer
	code := cli.Execute(t.Context(), append(args, "--kubeconfig", kubeconfig), strings.NewReader(""), &stdout, &stderr)
	return result{code: code, stdout: stdout.String(), stderr: stderr.String()}
}

// cadre is --as/--as-group for a cadre of the village.
func cadre(user, village string) []string {
	return []string{"--as", user, "--as-group", "cunshe:village:" + village}
}

// emergencyTask creates, as the department tjj, an emergency task (S6: no
// list item needed) that reaches targets, exempt until expires (nil: the
// 7-day default).
func emergencyTask(t *testing.T, name string, targets governancev1alpha1.TaskTargets, expires *metav1.Time) *governancev1alpha1.Task {
	t.Helper()
	task := &governancev1alpha1.Task{
		ObjectMeta: metav1.ObjectMeta{Namespace: "dept-tjj", Name: name},
		Spec: governancev1alpha1.TaskSpec{Title: "应急任务 " + name, Targets: targets, Due: "2026-12-31",
			Emergency: &governancev1alpha1.Emergency{Category: governancev1alpha1.EmergencyPublicSafety, Nature: governancev1alpha1.EmergencySudden,
				Issuer:        &governancev1alpha1.EmergencyIssuer{Name: "温州市人民政府 市长", Level: governancev1alpha1.IssuerCity},
				Justification: "台风过境，需村社协助转移群众", Expires: expires}},
	}
	if err := env.Client.Create(t.Context(), task); err != nil {
		t.Fatalf("creating task %s: %v", name, err)
	}
	return task
}

// eventually retries check until it returns "" or a minute passes.
func eventually(t *testing.T, what string, check func() string) {
	t.Helper()
	var last string
	err := wait.PollUntilContextTimeout(t.Context(), 100*time.Millisecond, time.Minute, true, func(context.Context) (bool, error) {
		last = check()
		return last == "", nil
	})
	if err != nil {
		t.Fatalf("%s: %s", what, last)
	}
}
