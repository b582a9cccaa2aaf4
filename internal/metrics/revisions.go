package metrics

import (
	"github.com/prometheus/client_golang/prometheus"
	"sigs.k8s.io/controller-runtime/pkg/metrics"
)

var (
	// RevisionSettled is 1 once a pass of the revision controller found a
	// city's newest revision holding every approved item (or nothing to
	// publish yet), 0 while a changed set waits out the settle window or a
	// cut failed. Tests of absence wait for it instead of guessing the window.
	RevisionSettled = prometheus.NewGaugeVec(prometheus.GaugeOpts{
		Name: "cunshe_list_revision_settled",
		Help: "1 when the revision controller's last pass found the city's newest ListRevision holding every approved, unretired item; 0 while a new revision waits to be cut (S1, S7).",
	}, []string{"jurisdiction"})

	// RevisionItemsWeighed is how many items (in any phase) reaching the
	// city the revision controller's last pass weighed: a pass that saw an
	// item just created reads one more.
	RevisionItemsWeighed = prometheus.NewGaugeVec(prometheus.GaugeOpts{
		Name: "cunshe_list_revision_items_weighed",
		Help: "ListItems in any phase that reach the city, as the revision controller's last pass weighed them.",
	}, []string{"jurisdiction"})
)

func init() {
	metrics.Registry.MustRegister(RevisionSettled, RevisionItemsWeighed)
}

// ObserveRevisionPass records what a pass of the revision controller over
// a city decided: settled first, so that whoever reads the items weighed
// of a pass reads its decision with it, or a later one's.
func ObserveRevisionPass(city string, items int, settled bool) {
	v := 0.0
	if settled {
		v = 1
	}
	RevisionSettled.WithLabelValues(city).Set(v)
	RevisionItemsWeighed.WithLabelValues(city).Set(float64(items))
}
