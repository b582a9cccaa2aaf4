package metrics

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/metrics"

	governancev1alpha1 "github.com/cunshe/cunshe-operator/api/v1alpha1"
)

var (
	rolloutVillages = prometheus.NewDesc("cunshe_list_rollout_villages",
		"Villages of the rollout's city (status.totalVillages).", []string{"rollout"}, nil)
	rolloutUpdated = prometheus.NewDesc("cunshe_list_rollout_updated_villages",
		"Villages holding the revision the rollout rolls out (status.updatedVillages).", []string{"rollout"}, nil)
	rolloutRevision = prometheus.NewDesc("cunshe_list_rollout_revision",
		"The list revision the rollout rolls out (status.currentRevision).", []string{"rollout"}, nil)
	rolloutStep = prometheus.NewDesc("cunshe_list_rollout_step",
		"The step the rollout is at, from 0; the number of steps when done (status.currentStep).", []string{"rollout"}, nil)
	rolloutCondition = prometheus.NewDesc("cunshe_list_rollout_condition",
		"The rollout's kstatus conditions Ready, Reconciling and Stalled: 1 when True, else 0, with the condition's reason.",
		[]string{"rollout", "type", "reason"}, nil)
)

// rolloutConditions are the conditions reported, the ones kstatus reads.
var rolloutConditions = []string{governancev1alpha1.ReadyCondition, governancev1alpha1.ReconcilingCondition, governancev1alpha1.StalledCondition}

// RolloutCollector reports every ListRollout as its status says at scrape
// time, read from the manager's cache: the dashboard and the alerts read a
// rollout as `kubectl get listrollouts` does, and a deleted rollout leaves
// no series behind. As a manager runnable it is registered on the leader
// only (whose rollout controller keeps the cache's ListRollouts), so the
// replicas never report a rollout twice.
type RolloutCollector struct {
	Reader client.Reader
}

// Describe sends the descriptors of every rollout metric.
func (c *RolloutCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{rolloutVillages, rolloutUpdated, rolloutRevision, rolloutStep, rolloutCondition} {
		ch <- d
	}
}

// Collect reads the rollouts; a failed read is logged and reports no
// rollout, so that it never fails the whole scrape.
func (c *RolloutCollector) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	list := &governancev1alpha1.ListRolloutList{}
	if err := c.Reader.List(ctx, list); err != nil {
		ctrl.Log.WithName("metrics").Error(err, "Listing ListRollouts for the metrics")
		return
	}
	for i := range list.Items {
		collectRollout(ch, &list.Items[i])
	}
}

func collectRollout(ch chan<- prometheus.Metric, ro *governancev1alpha1.ListRollout) {
	s := ro.Status
	gauge := func(d *prometheus.Desc, v float64, labels ...string) {
		ch <- prometheus.MustNewConstMetric(d, prometheus.GaugeValue, v, append([]string{ro.Name}, labels...)...)
	}
	gauge(rolloutVillages, float64(s.TotalVillages))
	gauge(rolloutUpdated, float64(s.UpdatedVillages))
	gauge(rolloutRevision, float64(s.CurrentRevision))
	gauge(rolloutStep, float64(s.CurrentStep))
	for _, t := range rolloutConditions {
		for _, cond := range s.Conditions {
			if cond.Type == t {
				gauge(rolloutCondition, boolValue(cond.Status == metav1.ConditionTrue), t, cond.Reason)
			}
		}
	}
}

func boolValue(b bool) float64 {
	if b {
		return 1
	}
	return 0
}

// Start registers the collector with the manager's metrics registry until
// ctx ends (the manager stops or this replica loses the lead). Another
// manager of the same process (a test's) may hold the registration: it
// then reports the rollouts.
func (c *RolloutCollector) Start(ctx context.Context) error {
	err := metrics.Registry.Register(c)
	if already := (prometheus.AlreadyRegisteredError{}); err != nil && !errors.As(err, &already) {
		return fmt.Errorf("registering the rollout metrics: %w", err)
	}
	<-ctx.Done()
	if err == nil {
		metrics.Registry.Unregister(c)
	}
	return nil
}

// NeedLeaderElection: only the leader reports rollouts.
func (c *RolloutCollector) NeedLeaderElection() bool { return true }
