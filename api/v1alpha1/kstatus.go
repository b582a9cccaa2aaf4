package v1alpha1

import metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

// Health is what the kstatus conditions say for one Ready reason: Flux
// (kstatus), Argo CD (the health scripts in charts/cunshe-operator/health)
// and `kubectl wait` read the same three conditions, so they agree.
type Health struct {
	// Ready: the operator did all the spec asks (kstatus Current).
	Ready bool
	// Reconciling: it is still moving toward the spec (kstatus InProgress).
	Reconciling bool
	// Stalled: it cannot move without a person (kstatus Failed).
	Stalled bool
}

// The healths a reason can have (docs/kstatus.md).
var (
	// HealthCurrent is Ready=True: kstatus Current, Argo CD Healthy.
	HealthCurrent = Health{Ready: true}
	// HealthInProgress is Reconciling=True: kstatus InProgress, Argo CD Progressing.
	HealthInProgress = Health{Reconciling: true}
	// HealthFailed is Stalled=True: kstatus Failed, Argo CD Degraded; a
	// wait that stops on Failed stops at once instead of at its timeout.
	HealthFailed = Health{Stalled: true}
	// HealthWaiting is Ready=False alone: kstatus InProgress, but no
	// progress is expected of the operator (a rollout with no revision to
	// publish yet), so the not-progressing alert does not fire.
	HealthWaiting = Health{}
)

// ReasonRecorded: a list revision is recorded (its Ready reason).
const ReasonRecorded = "Recorded"

// Ready reasons of a Village (TenantReady carries the same reason).
const (
	// ReasonProvisionRetrying: a write of the tenant failed for a reason
	// that may pass (the API server unavailable, a conflict, a timeout).
	ReasonProvisionRetrying = "ProvisionRetrying"
)

// ReadyReasons is the condition table: per kind, the health of each reason
// its Ready condition can carry. The controllers set Ready, Reconciling and
// Stalled from it (internal/status.Summarise) and the Argo CD health
// scripts read those conditions, so no tool reads a kind differently.
var ReadyReasons = map[string]map[string]Health{
	"Village": {
		ReasonProvisioned:          HealthCurrent,
		ReasonProvisionRetrying:    HealthInProgress,
		ReasonNamespaceTerminating: HealthInProgress,
		// The API server refused a child of the tenant: retrying will not
		// help until a person changes the village, the quota or a policy.
		ReasonProvisionFailed: HealthFailed,
	},
	"ListItem": {
		ReasonApproved: HealthCurrent,
		ReasonRetired:  HealthCurrent,
		// Waiting for review units is not the operator's work: a GitOps
		// wait must not sit out its timeout on it (docs/kstatus.md).
		ReasonPending:  HealthCurrent,
		ReasonRejected: HealthFailed,
	},
	"ItemApproval": {
		ReasonCounted: HealthCurrent,
		// A void approval is history (an older digest, a later decision):
		// recorded, and never going to count.
		ReasonVoid: HealthCurrent,
	},
	"ListRevision": {ReasonRecorded: HealthCurrent},
	"ListRollout": {
		RolloutPublished:       HealthCurrent,
		RolloutProgressing:     HealthInProgress,
		RolloutPaused:          HealthInProgress,
		RolloutRevisionPending: HealthInProgress,
		RolloutWriteFailed:     HealthInProgress,
		RolloutNoRevision:      HealthWaiting,
		RolloutAborted:         HealthFailed,
		RolloutInactive:        HealthFailed,
	},
	"Jurisdiction": {
		ReasonReviewComplete: HealthCurrent,
		// Units may be applied after their jurisdiction; it converges when they come.
		ReasonReviewIncomplete: HealthInProgress,
	},
	"PowerFlow":  {ReasonValid: HealthCurrent, ReasonInvalid: HealthFailed},
	"ReviewUnit": {ReasonValid: HealthCurrent, ReasonInvalid: HealthFailed},
	"Disclosure": {ReasonPublished: HealthCurrent, ReasonSuperseded: HealthCurrent},
	"PublicNotice": {
		ReasonInForce:   HealthCurrent,
		ReasonWithdrawn: HealthCurrent,
	},
	"Report": {
		string(ReportFiled):         HealthCurrent,
		string(ReportInvestigating): HealthCurrent,
		string(ReportUpheld):        HealthCurrent,
		string(ReportDismissed):     HealthCurrent,
	},
	"Task": {
		string(TaskAdmitted):     HealthCurrent,
		string(TaskNonCompliant): HealthFailed,
		string(TaskViolation):    HealthFailed,
		string(TaskExpired):      HealthFailed,
	},
	"SignboardSet": {
		ReasonCompliant:       HealthCurrent,
		ReasonNonCompliant:    HealthFailed,
		ReasonVillageNotFound: HealthFailed,
	},
	"SignboardStyle": {
		ReasonCompliant:    HealthCurrent,
		ReasonChecking:     HealthInProgress,
		ReasonNonCompliant: HealthFailed,
		ReasonSetsMissing:  HealthFailed,
	},
	"EmergencyExemption": {
		string(ExemptionActive): HealthCurrent,
		// Waiting for the review units is not the operator's work.
		string(ExemptionAwaitingRatification): HealthCurrent,
		string(ExemptionRatified):             HealthCurrent,
		// Both count against the department (S19) until a unit decides.
		string(ExemptionRejected):   HealthFailed,
		string(ExemptionUnratified): HealthFailed,
	},
	"DepartmentCompliance": {ReasonSummarised: HealthCurrent},
	"CountyCompliance":     {ReasonSummarised: HealthCurrent},
	"TaskInbox":            {ReasonSummarised: HealthCurrent},
}

// HealthOf is the health of a kind's Ready reason; a reason the table
// does not know reads as in progress, never as done.
func HealthOf(kind, reason string) Health {
	if h, ok := ReadyReasons[kind][reason]; ok {
		return h
	}
	return HealthInProgress
}

// KStatusObject is a kind whose status carries observedGeneration and the
// kstatus conditions.
// +kubebuilder:object:generate=false
type KStatusObject interface {
	metav1.Object
	// StatusConditions points at status.conditions.
	StatusConditions() *[]metav1.Condition
	// StatusObservedGeneration points at status.observedGeneration.
	StatusObservedGeneration() *int64
}

// StatusConditions points at status.conditions.
func (v *Village) StatusConditions() *[]metav1.Condition { return &v.Status.Conditions }

// StatusObservedGeneration points at status.observedGeneration.
func (v *Village) StatusObservedGeneration() *int64 { return &v.Status.ObservedGeneration }

// StatusConditions points at status.conditions.
func (i *ListItem) StatusConditions() *[]metav1.Condition { return &i.Status.Conditions }

// StatusObservedGeneration points at status.observedGeneration.
func (i *ListItem) StatusObservedGeneration() *int64 { return &i.Status.ObservedGeneration }

// StatusConditions points at status.conditions.
func (a *ItemApproval) StatusConditions() *[]metav1.Condition { return &a.Status.Conditions }

// StatusObservedGeneration points at status.observedGeneration.
func (a *ItemApproval) StatusObservedGeneration() *int64 { return &a.Status.ObservedGeneration }

// StatusConditions points at status.conditions.
func (r *ListRevision) StatusConditions() *[]metav1.Condition { return &r.Status.Conditions }

// StatusObservedGeneration points at status.observedGeneration.
func (r *ListRevision) StatusObservedGeneration() *int64 { return &r.Status.ObservedGeneration }

// StatusConditions points at status.conditions.
func (ro *ListRollout) StatusConditions() *[]metav1.Condition { return &ro.Status.Conditions }

// StatusObservedGeneration points at status.observedGeneration.
func (ro *ListRollout) StatusObservedGeneration() *int64 { return &ro.Status.ObservedGeneration }

// StatusConditions points at status.conditions.
func (j *Jurisdiction) StatusConditions() *[]metav1.Condition { return &j.Status.Conditions }

// StatusObservedGeneration points at status.observedGeneration.
func (j *Jurisdiction) StatusObservedGeneration() *int64 { return &j.Status.ObservedGeneration }

// StatusConditions points at status.conditions.
func (f *PowerFlow) StatusConditions() *[]metav1.Condition { return &f.Status.Conditions }

// StatusObservedGeneration points at status.observedGeneration.
func (f *PowerFlow) StatusObservedGeneration() *int64 { return &f.Status.ObservedGeneration }

// StatusConditions points at status.conditions.
func (u *ReviewUnit) StatusConditions() *[]metav1.Condition { return &u.Status.Conditions }

// StatusObservedGeneration points at status.observedGeneration.
func (u *ReviewUnit) StatusObservedGeneration() *int64 { return &u.Status.ObservedGeneration }

// StatusConditions points at status.conditions.
func (d *Disclosure) StatusConditions() *[]metav1.Condition { return &d.Status.Conditions }

// StatusObservedGeneration points at status.observedGeneration.
func (d *Disclosure) StatusObservedGeneration() *int64 { return &d.Status.ObservedGeneration }

// StatusConditions points at status.conditions.
func (n *PublicNotice) StatusConditions() *[]metav1.Condition { return &n.Status.Conditions }

// StatusObservedGeneration points at status.observedGeneration.
func (n *PublicNotice) StatusObservedGeneration() *int64 { return &n.Status.ObservedGeneration }

// StatusConditions points at status.conditions.
func (r *Report) StatusConditions() *[]metav1.Condition { return &r.Status.Conditions }

// StatusObservedGeneration points at status.observedGeneration.
func (r *Report) StatusObservedGeneration() *int64 { return &r.Status.ObservedGeneration }

// StatusConditions points at status.conditions.
func (t *Task) StatusConditions() *[]metav1.Condition { return &t.Status.Conditions }

// StatusObservedGeneration points at status.observedGeneration.
func (t *Task) StatusObservedGeneration() *int64 { return &t.Status.ObservedGeneration }

// StatusConditions points at status.conditions.
func (s *SignboardSet) StatusConditions() *[]metav1.Condition { return &s.Status.Conditions }

// StatusObservedGeneration points at status.observedGeneration.
func (s *SignboardSet) StatusObservedGeneration() *int64 { return &s.Status.ObservedGeneration }

// StatusConditions points at status.conditions.
func (s *SignboardStyle) StatusConditions() *[]metav1.Condition { return &s.Status.Conditions }

// StatusObservedGeneration points at status.observedGeneration.
func (s *SignboardStyle) StatusObservedGeneration() *int64 { return &s.Status.ObservedGeneration }

// StatusConditions points at status.conditions.
func (d *DepartmentCompliance) StatusConditions() *[]metav1.Condition { return &d.Status.Conditions }

// StatusObservedGeneration points at status.observedGeneration.
func (d *DepartmentCompliance) StatusObservedGeneration() *int64 { return &d.Status.ObservedGeneration }

// StatusConditions points at status.conditions.
func (c *CountyCompliance) StatusConditions() *[]metav1.Condition { return &c.Status.Conditions }

// StatusObservedGeneration points at status.observedGeneration.
func (c *CountyCompliance) StatusObservedGeneration() *int64 { return &c.Status.ObservedGeneration }

// StatusConditions points at status.conditions.
func (e *EmergencyExemption) StatusConditions() *[]metav1.Condition { return &e.Status.Conditions }

// StatusObservedGeneration points at status.observedGeneration.
func (e *EmergencyExemption) StatusObservedGeneration() *int64 { return &e.Status.ObservedGeneration }
