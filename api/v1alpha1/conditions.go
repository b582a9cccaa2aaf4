package v1alpha1

// Condition types. Every kind carries a Ready condition that summarises the
// others, so kstatus-aware tools (Flux, Argo CD) read health without custom code.
const (
	// ReadyCondition summarises the object's other conditions.
	ReadyCondition = "Ready"
	// TenantReadyCondition says whether a Village's tenant namespace and all of
	// its children exist as declared.
	TenantReadyCondition = "TenantReady"
)

// Condition reasons.
const (
	// ReasonProvisioned: every child object of the tenant exists as declared.
	ReasonProvisioned = "Provisioned"
	// ReasonProvisioning: children are being created or repaired.
	ReasonProvisioning = "Provisioning"
	// ReasonNamespaceTerminating: the tenant namespace is being deleted and
	// will be recreated once it is gone.
	ReasonNamespaceTerminating = "NamespaceTerminating"
	// ReasonProvisionFailed: the API server refused a child object.
	ReasonProvisionFailed = "ProvisionFailed"
	// ReasonTenantNotReady: Ready is false because TenantReady is false.
	//
	// Deprecated: Ready carries TenantReady's reason, which says why.
	ReasonTenantNotReady = "TenantNotReady"
)

// Labels and annotations the operator sets on the objects it manages.
const (
	// LabelManagedBy marks every object the operator creates; its caches
	// select on it so that they hold only the operator's own objects.
	LabelManagedBy = "app.kubernetes.io/managed-by"
	// ManagedByValue is the value of LabelManagedBy.
	ManagedByValue = "cunshe-operator"
	// LabelVillage holds the 12-digit code of the village a tenant object belongs to.
	LabelVillage = "governance.cunshe.io/village"
	// LabelTownship holds the 9-digit township code.
	LabelTownship = "governance.cunshe.io/township"
	// LabelCounty holds the 6-digit county code.
	LabelCounty = "governance.cunshe.io/county"
	// LabelVillageType holds Village or Community.
	LabelVillageType = "governance.cunshe.io/village-type"
	// LabelDepartment names the department that owns a namespace (DESIGN: the
	// label, not a free-text field, is the department's identity).
	LabelDepartment = "governance.cunshe.io/department"
)

// Condition types and reasons of the lists.
const (
	// ApprovedCondition says whether a ListItem passed joint review (S5).
	ApprovedCondition = "Approved"
	// CountedCondition says whether an ItemApproval counts for its item's current digest (S5).
	CountedCondition = "Counted"
	// ReasonPending: not every required unit has approved yet.
	ReasonPending = "Pending"
	// ReasonApproved: every required unit approved the current digest.
	ReasonApproved = "Approved"
	// ReasonRejected: a required unit rejected the current digest.
	ReasonRejected = "Rejected"
	// ReasonRetired: the item has left the lists (S7).
	ReasonRetired = "Retired"
	// ReasonCounted: the approval counts for its item's current digest.
	ReasonCounted = "Counted"
	// ReasonVoid: the approval does not count (old digest, superseded, revoked key…).
	ReasonVoid = "Void"
	// ReasonItemNotFound: the approval's item does not exist.
	ReasonItemNotFound = "ItemNotFound"
	// ReasonValid: the object meets its rules.
	ReasonValid = "Valid"
	// ReasonInvalid: the object breaks a rule; the message says which.
	ReasonInvalid = "Invalid"
)

// kstatus condition types; every kind carries them beside Ready, set from
// the condition table ReadyReasons (kstatus.go).
const (
	// ReconcilingCondition is true while the object moves toward its spec.
	ReconcilingCondition = "Reconciling"
	// StalledCondition is true when it cannot move without a person (abort, refusal).
	StalledCondition = "Stalled"
)

// Condition types and reasons of tasks and reports (S1, S6, S7, S8).
const (
	// CompliantCondition says whether a task still meets the lists as the
	// audit finds them, or a SignboardSet meets S12–S16.
	CompliantCondition = "Compliant"
	// RectifiedCondition says whether a county or department finished its
	// rectification by the city's deadline (S18), and names it once the
	// deadline has passed with work remaining (S19).
	RectifiedCondition = "Rectified"
	// ViolationCondition is true when a review unit upheld a village's report against the task.
	ViolationCondition = "Violation"
	// ReasonListed: the task is on the published lists.
	ReasonListed = "Listed"
	// ReasonOffLists: the audit found the task off the lists; the message cites the rules.
	ReasonOffLists = "NotListed"
	// ReasonEmergency: an emergency task within its exemption (S6).
	ReasonEmergency = "Emergency"
	// ReasonEmergencyExpired: the emergency exemption has ended (S6).
	ReasonEmergencyExpired = "EmergencyExpired"
	// ReasonAdmittedUnderWarn: the task breaks the lists' rules but stands,
	// because its counties or its department are in Warn (the Jurisdiction's
	// spec.admission.overrides); the message gives the warned findings.
	ReasonAdmittedUnderWarn = "AdmittedUnderWarn"
	// ReasonNoUpheldReport: no report against the task was upheld.
	ReasonNoUpheldReport = "NoUpheldReport"
	// ReasonReportUpheld: a review unit upheld a village's report (S8).
	ReasonReportUpheld = "ReportUpheld"
	// ReasonSummarised: the department summary counts every task and report.
	ReasonSummarised = "Summarised"
)

// Condition reasons of the signboards (S12–S16); a SignboardSet's
// CompliantCondition says whether it meets S12–S16.
const (
	// ReasonCompliant: the set hangs exactly what S12–S16 ask, in the township's style.
	ReasonCompliant = "Compliant"
	// ReasonNonCompliant: the set breaks a rule; the message says which.
	ReasonNonCompliant = "NonCompliant"
	// ReasonVillageNotFound: the set's namespace is no village's tenant.
	ReasonVillageNotFound = "VillageNotFound"
	// ReasonSetsMissing: some villages of the township have no SignboardSet.
	ReasonSetsMissing = "SetsMissing"
	// ReasonChecking: some sets of the township are not yet checked at their current generation.
	ReasonChecking = "Checking"
)

// Condition reasons of the public records (S10) and notices (S8, S19); each
// kind's Ready condition carries them.
const (
	// ReasonPublished: the record stands, published on the village's page.
	ReasonPublished = "Published"
	// ReasonSuperseded: a later record corrects this one; both stay published.
	ReasonSuperseded = "Superseded"
	// ReasonInForce: the notice is shown until a review unit withdraws it.
	ReasonInForce = "InForce"
	// ReasonWithdrawn: a review unit withdrew the notice; it stays on record.
	ReasonWithdrawn = "Withdrawn"
)

// Ready reasons of a Jurisdiction (S5).
const (
	// ReasonReviewComplete: every unit of the joint review exists in the jurisdiction.
	ReasonReviewComplete = "ReviewComplete"
	// ReasonReviewIncomplete: a unit of the joint review is missing, so no item can be approved.
	ReasonReviewIncomplete = "ReviewIncomplete"
)

// Condition types and reasons of S20 (减事项不减服务，减冗余不减经费) on a
// ListItem: whether an Admission item's work is paid for.
const (
	// FundedCondition says whether an Admission item's money follows its
	// work to the village (S20); False flags the item for the review units.
	FundedCondition = "Funded"
	// ReasonFunded: spec.funding names a budget and the money follows the work.
	ReasonFunded = "Funded"
	// ReasonNoFunding: spec.funding is missing: the work is pushed onto villages unpaid.
	ReasonNoFunding = "NoFunding"
	// ReasonFeeStaysWithDepartment: a budget is named but the money does not follow the work.
	ReasonFeeStaysWithDepartment = "FeeStaysWithDepartment"
)

// Condition type and reasons of S11 on a Village: whether it is exempt from
// paper ledgers, and on what evidence.
const (
	// PaperLedgerExemptCondition says whether the village is exempt from
	// paper ledgers (S11); the reason says why, False with NoRecentRecord
	// flags an enrolled village whose platform records stopped.
	PaperLedgerExemptCondition = "PaperLedgerExempt"
	// ReasonRecordsOnPlatform: enrolled, with a platform record within the city's window.
	ReasonRecordsOnPlatform = "RecordsOnPlatform"
	// ReasonNotEnrolled: spec.platform.enrolledSince is unset or still to come.
	ReasonNotEnrolled = "NotEnrolled"
	// ReasonAwaitingFirstRecord: enrolled for less than the window, no record yet.
	ReasonAwaitingFirstRecord = "AwaitingFirstRecord"
	// ReasonNoRecentRecord: enrolled, but no platform record within the window: flagged.
	ReasonNoRecentRecord = "NoRecentRecord"
	// ReasonTenantUnavailable: the village's tenant on the platform is not ready.
	ReasonTenantUnavailable = "TenantUnavailable"
)
