// Package metrics holds the operator's Prometheus collectors, served on the
// manager's metrics endpoint with controller-runtime's own.
package metrics

import (
	"crypto/tls"
	"crypto/x509"

	"github.com/prometheus/client_golang/prometheus"
	"sigs.k8s.io/controller-runtime/pkg/metrics"

	governancev1alpha1 "github.com/cunshe/cunshe-operator/api/v1alpha1"
)

var (
	// TaskAdmissions counts task admission decisions by the first rule that
	// refused or was warned (or "none") and the action: enforce, or warn
	// where a pilot admitted a task that breaks the lists.
	TaskAdmissions = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "cunshe_task_admissions_total",
		Help: "Task admission decisions (allowed or denied) by the rule that decided (S1, S2, S6, S11, S14, S17; none when allowed on the lists) and the action (enforce; warn: allowed under a pilot's Warn override although the rule would refuse it).",
	}, []string{"decision", "rule", "action"})

	// EmergencyTasks counts emergency tasks admitted (S6).
	EmergencyTasks = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "cunshe_emergency_tasks_total",
		Help: "Emergency tasks admitted outside the lists (S6), by department and category.",
	}, []string{"department", "category"})

	// AuditFindings counts tasks the continuous audit found off the lists, by department and rule (S7).
	AuditFindings = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "cunshe_audit_findings_total",
		Help: "Tasks the continuous audit found no longer on the lists (S7), by department and rule.",
	}, []string{"department", "rule"})

	// DepartmentTasks is each department's tasks by standing (S19).
	DepartmentTasks = prometheus.NewGaugeVec(prometheus.GaugeOpts{
		Name: "cunshe_department_tasks",
		Help: "A department's tasks by phase: Admitted, NonCompliant, Violation, Expired (S7, S19).",
	}, []string{"department", "phase"})

	// DepartmentReports is each department's reports by outcome (S8, S19).
	DepartmentReports = prometheus.NewGaugeVec(prometheus.GaugeOpts{
		Name: "cunshe_department_reports",
		Help: "Villages' reports against a department by phase: open, upheld, dismissed (S8, S19).",
	}, []string{"department", "outcome"})

	// RectificationRemaining is what a county or department has left to
	// rectify before the city's deadline (S18).
	RectificationRemaining = prometheus.NewGaugeVec(prometheus.GaugeOpts{
		Name: "cunshe_rectification_remaining",
		Help: "Work left to rectify by the city's deadline (S18): tasks off the lists, open reports and, for a county, its pending items; by scope (county or department) and name.",
	}, []string{"scope", "name"})

	// RectificationNamed is 1 for a county or department named after the
	// deadline passed with work remaining (S19).
	RectificationNamed = prometheus.NewGaugeVec(prometheus.GaugeOpts{
		Name: "cunshe_rectification_named",
		Help: "1 when the county or department missed the city's rectification deadline with work remaining and is named (S19).",
	}, []string{"scope", "name"})

	// WebhookCertificateExpiry is when the webhook server's certificate
	// expires, so an alert can fire before admission breaks.
	WebhookCertificateExpiry = prometheus.NewGauge(prometheus.GaugeOpts{
		Name: "cunshe_webhook_certificate_expiration_timestamp_seconds",
		Help: "NotAfter of the certificate the webhook server serves, in seconds since the Unix epoch.",
	})
)

// Values of TaskAdmissions' action label (lower case, as Gatekeeper's
// enforcement_action).
const (
	ActionEnforce = "enforce"
	ActionWarn    = "warn"
)

func init() {
	metrics.Registry.MustRegister(TaskAdmissions, EmergencyTasks, AuditFindings, DepartmentTasks, DepartmentReports, RectificationRemaining, RectificationNamed, WebhookCertificateExpiry)
}

// ObserveServingCertificate records the expiry of the certificate the
// webhook server now serves (a certwatcher callback: it runs on every
// reload). A certificate that cannot be parsed leaves the last value.
func ObserveServingCertificate(cert tls.Certificate) {
	leaf := cert.Leaf
	if leaf == nil && len(cert.Certificate) > 0 {
		leaf, _ = x509.ParseCertificate(cert.Certificate[0])
	}
	if leaf != nil {
		WebhookCertificateExpiry.Set(float64(leaf.NotAfter.Unix()))
	}
}

// SetRectification publishes where a county or department stands against
// the deadline (S18, S19); nil (no deadline) removes its series.
func SetRectification(scope, name string, r *governancev1alpha1.Rectification) {
	if r == nil {
		RectificationRemaining.DeleteLabelValues(scope, name)
		RectificationNamed.DeleteLabelValues(scope, name)
		return
	}
	RectificationRemaining.WithLabelValues(scope, name).Set(float64(r.Remaining))
	named := 0.0
	if r.Named {
		named = 1
	}
	RectificationNamed.WithLabelValues(scope, name).Set(named)
}
