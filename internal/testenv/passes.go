package testenv

import (
	"testing"
	"time"

	"github.com/onsi/gomega"
	ctrlmetrics "sigs.k8s.io/controller-runtime/pkg/metrics"
)

// A test of absence (a converged object costs no writes, a paused rollout
// moves nothing, no second notice) checks after the controller has looked
// at the state, not after a guessed delay: it takes Passes while the
// controller is idle, makes its change, and waits with WaitForPass for a
// pass the controller completed after that. Both read the manager's own
// metrics (controller-runtime's reconcile total and active workers); the
// manager runs in the test's process.

// Passes waits until the named controller runs no reconcile and returns how
// many it has completed: every pass counted later began after this returned,
// so it saw any change the test makes next.
func Passes(t testing.TB, controller string) float64 {
	t.Helper()
	var n float64
	gomega.NewWithT(t).Eventually(func() bool {
		before := reconciles(controller)
		idle := activeWorkers(controller) == 0
		n = reconciles(controller)
		return idle && n == before
	}).WithTimeout(30*time.Second).WithPolling(10*time.Millisecond).Should(gomega.BeTrue(), "controller %s never idle", controller)
	return n
}

// WaitForPass waits until the named controller has completed a pass counted
// after n (Passes) and runs none: what the test then finds is what that
// pass left.
func WaitForPass(t testing.TB, controller string, n float64) {
	t.Helper()
	gomega.NewWithT(t).Eventually(func() bool {
		return reconciles(controller) > n && activeWorkers(controller) == 0
	}).WithTimeout(30*time.Second).WithPolling(10*time.Millisecond).Should(gomega.BeTrue(), "controller %s made no pass", controller)
}

// reconciles is controller_runtime_reconcile_total of the controller,
// summed over results.
func reconciles(controller string) float64 {
	return sumOf("controller_runtime_reconcile_total", controller)
}

// activeWorkers is controller_runtime_active_workers of the controller.
func activeWorkers(controller string) float64 {
	return sumOf("controller_runtime_active_workers", controller)
}

func sumOf(family, controller string) float64 {
	families, err := ctrlmetrics.Registry.Gather()
	if err != nil {
		return -1
	}
	sum := 0.0
	for _, f := range families {
		if f.GetName() != family {
			continue
		}
		for _, m := range f.GetMetric() {
			for _, l := range m.GetLabel() {
				if l.GetName() == "controller" && l.GetValue() == controller {
					sum += m.GetCounter().GetValue() + m.GetGauge().GetValue()
				}
			}
		}
	}
	return sum
}
