package operator

import (
	"context"
	"fmt"

	rbacv1 "k8s.io/api/rbac/v1"
	"k8s.io/apimachinery/pkg/runtime"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/controller/controllerutil"

	governancev1alpha1 "github.com/cunshe/cunshe-operator/api/v1alpha1"
	"github.com/cunshe/cunshe-operator/config"
	"github.com/cunshe/cunshe-operator/internal/divisions"
)

// EnsureTenantClusterRoles installs the cluster roles that every tenant's
// RoleBindings refer to (config/rbac/tenant_roles.yaml).
func EnsureTenantClusterRoles(ctx context.Context, c client.Client) error {
	roles, err := config.TenantClusterRoles()
	if err != nil {
		return err
	}
	return ensureClusterRoles(ctx, c, roles)
}

// EnsureActorClusterRoles installs the actors' cluster roles (platform ops,
// department, applicant, review unit, viewer; config/rbac/actor_roles.yaml)
// for the local mode, where no Helm chart or kustomize deploy brings them.
func EnsureActorClusterRoles(ctx context.Context, c client.Client) error {
	roles, err := config.ActorClusterRoles()
	if err != nil {
		return err
	}
	return ensureClusterRoles(ctx, c, roles)
}

// ensureClusterRoles creates or updates roles; an aggregated role's rules
// belong to the aggregation controller and are left to it.
func ensureClusterRoles(ctx context.Context, c client.Client, roles []*rbacv1.ClusterRole) error {
	for _, want := range roles {
		role := &rbacv1.ClusterRole{ObjectMeta: want.ObjectMeta}
		if _, err := controllerutil.CreateOrUpdate(ctx, c, role, func() error {
			role.Labels, role.AggregationRule = want.Labels, want.AggregationRule
			if want.AggregationRule == nil {
				role.Rules = want.Rules
			}
			return nil
		}); err != nil {
			return fmt.Errorf("installing ClusterRole %s: %w", want.Name, err)
		}
	}
	return nil
}

// ImportSampleVillages creates the villages of the sample registry
// (config/samples) when the cluster holds none of the sample city's
// villages yet, so that only a fresh cluster gets them (another city's
// preset may have come first) and a user's deletions are not undone.
func ImportSampleVillages(ctx context.Context, c client.Client) (int, error) {
	villages, err := divisions.Parse(config.SampleDivisions())
	if err != nil {
		return 0, fmt.Errorf("parsing the sample registry: %w", err)
	}
	if len(villages) == 0 {
		return 0, nil
	}
	existing := &governancev1alpha1.VillageList{}
	if err := c.List(ctx, existing); err != nil {
		return 0, fmt.Errorf("listing villages: %w", err)
	}
	city := governancev1alpha1.CityOf(villages[0].Name)
	for i := range existing.Items {
		if governancev1alpha1.CityOf(existing.Items[i].Name) == city {
			return 0, nil
		}
	}
	for i := range villages {
		villages[i].Spec.Platform.EnrolledSince = sampleEnrolled[villages[i].Name]
	}
	ctrl.LoggerFrom(ctx).Info("Importing the sample division registry", "villages", len(villages))
	return CreateVillages(ctx, c, villages, 32)
}

// sampleEnrolled are the sample villages on the platform (S9, S11): those
// whose records ImportSampleDisclosures publishes, so that they are exempt
// from paper ledgers on evidence. The registry's others are not enrolled.
var sampleEnrolled = map[string]string{sampleGulou: "2025-06-01", sampleMochi: "2025-06-01", sampleLaotu: "2025-09-01"}

// CreateVillages creates villages with the given number of parallel
// writers; villages that already exist are left as they are.
func CreateVillages(ctx context.Context, c client.Client, villages []governancev1alpha1.Village, workers int) (int, error) {
	objs := make([]*governancev1alpha1.Village, len(villages))
	for i := range villages {
		objs[i] = &villages[i]
	}
	return createAll(ctx, c, objs, workers)
}

// DefaultPreset is the city the local mode always sets up: the sample
// registry it imports is this city's (config/samples/wenzhou-divisions.csv).
const DefaultPreset = "wenzhou"

// ApplyPreset creates the objects of a preset of config/samples/jurisdictions
// in order (its Jurisdiction first, so that admission knows the city before
// its units, villages and items arrive); objects that exist are left as they
// are, so a user's changes survive a restart. It returns how many it created.
func ApplyPreset(ctx context.Context, c client.Client, name string) (int, error) {
	objs, err := config.Preset(name)
	if err != nil {
		return 0, err
	}
	created := 0
	for _, obj := range objs {
		ok, err := createWhenNamespaceExists(ctx, c, obj)
		if err != nil {
			return created, fmt.Errorf("preset %s: %w", name, err)
		}
		if ok {
			created++
		}
	}
	return created, nil
}

// SampleCity is the default preset's Jurisdiction: the city whose name leads
// the sample villages' institution boards.
func SampleCity() (*governancev1alpha1.Jurisdiction, error) {
	objs, err := config.Preset(DefaultPreset)
	if err != nil {
		return nil, err
	}
	for _, obj := range objs {
		if obj.GetKind() == "Jurisdiction" {
			j := &governancev1alpha1.Jurisdiction{}
			if err := runtime.DefaultUnstructuredConverter.FromUnstructured(obj.Object, j); err != nil {
				return nil, err
			}
			return j, nil
		}
	}
	return nil, fmt.Errorf("preset %s holds no Jurisdiction", DefaultPreset)
}
