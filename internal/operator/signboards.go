package operator

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/util/wait"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"

	governancev1alpha1 "github.com/cunshe/cunshe-operator/api/v1alpha1"
	"github.com/cunshe/cunshe-operator/config"
	"github.com/cunshe/cunshe-operator/internal/divisions"
	"github.com/cunshe/cunshe-operator/internal/signboards"
)

// tenantWait is how long a sample set waits for its village's tenant
// namespace: the village controller provisions the city in well under it.
const tenantWait = 5 * time.Minute

// ImportSampleSignboards creates the default SignboardStyle of every
// township and the default SignboardSet of every village of the sample
// registry, when the cluster holds no SignboardStyle yet (so a user's
// deletions are not undone). Sets wait for their tenant namespaces.
func ImportSampleSignboards(ctx context.Context, c client.Client) (styles, sets int, err error) {
	existing := &governancev1alpha1.SignboardStyleList{}
	if err := c.List(ctx, existing, client.Limit(1)); err != nil {
		return 0, 0, fmt.Errorf("listing signboard styles: %w", err)
	}
	if len(existing.Items) > 0 {
		return 0, 0, nil
	}
	villages, err := divisions.Parse(config.SampleDivisions())
	if err != nil {
		return 0, 0, fmt.Errorf("parsing the sample registry: %w", err)
	}
	city, err := SampleCity()
	if err != nil {
		return 0, 0, err
	}
	styleObjs, setObjs := signboards.Defaults(villages, city.BoardCityName())
	ctrl.LoggerFrom(ctx).Info("Importing the sample signboards", "styles", len(styleObjs), "sets", len(setObjs))
	if styles, err = createAll(ctx, c, styleObjs, 32); err != nil {
		return styles, 0, err
	}
	sets, err = createAll(ctx, c, setObjs, 32)
	return styles, sets, err
}

// createAll creates objects with the given number of parallel writers;
// objects that already exist are left alone, and an object whose namespace
// does not exist yet (a tenant being provisioned) is retried until it does.
func createAll[T client.Object](ctx context.Context, c client.Client, objs []T, workers int) (int, error) {
	var (
		created  atomic.Int64
		next     atomic.Int64
		wg       sync.WaitGroup
		firstErr error
		once     sync.Once
	)
	for range workers {
		wg.Go(func() {
			for i := next.Add(1) - 1; int(i) < len(objs) && ctx.Err() == nil; i = next.Add(1) - 1 {
				ok, err := createWhenNamespaceExists(ctx, c, objs[i])
				if err != nil {
					once.Do(func() { firstErr = err })
					return
				}
				if ok {
					created.Add(1)
				}
			}
		})
	}
	wg.Wait()
	return int(created.Load()), firstErr
}

// createWhenNamespaceExists creates obj, retrying while its namespace is
// missing; it reports whether this call created it.
func createWhenNamespaceExists(ctx context.Context, c client.Client, obj client.Object) (bool, error) {
	var created bool
	err := wait.PollUntilContextTimeout(ctx, 250*time.Millisecond, tenantWait, true, func(ctx context.Context) (bool, error) {
		err := c.Create(ctx, obj.DeepCopyObject().(client.Object))
		switch {
		case err == nil:
			created = true
			return true, nil
		case apierrors.IsAlreadyExists(err):
			return true, nil
		case apierrors.IsNotFound(err) && obj.GetNamespace() != "":
			return false, nil // the tenant namespace is on its way
		default:
			return false, err
		}
	})
	if err != nil {
		return false, fmt.Errorf("creating %T %s/%s: %w", obj, obj.GetNamespace(), obj.GetName(), err)
	}
	return created, nil
}
