package openreports

import (
	"fmt"

	openreportsv1alpha1 "github.com/openreports/reports-api/apis/openreports.io/v1alpha1"
	"k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"sigs.k8s.io/controller-runtime/pkg/client"
)

// Kind is a kind of report object the operator can write its Content as:
// OpenReports' Report, or the wg-policy PolicyReport that clusters on older
// Kyverno and Policy Reporter releases serve instead. Its methods are the
// thin adapters between the one Content and the kind's object; the
// controller reads, compares and writes through them alone.
type Kind interface {
	// GroupVersionKind is the kind's group, version and kind.
	GroupVersionKind() schema.GroupVersionKind
	// New is an empty object of the kind, to read into or to watch.
	New() client.Object
	// Build is the object that says what c says.
	Build(c Content) (client.Object, error)
	// Same tells whether a stored object already says what want says
	// (what others added to it is no difference).
	Same(have, want client.Object) bool
	// Set makes a stored object say what want says, keeping what others added.
	Set(have, want client.Object)
}

// The kinds, in the order the operator prefers them.
var (
	// OpenReports is openreports.io/v1alpha1 Report.
	OpenReports Kind = openReportsKind{}
	// PolicyReports is wgpolicyk8s.io/v1alpha2 PolicyReport.
	PolicyReports Kind = policyReportsKind{}
)

// Choose tells, from what the cluster serves, which kind the operator
// writes: OpenReports wherever its CRD is installed, beside the PolicyReport
// CRD or not; else the PolicyReport; nil for neither. Never both: Policy
// Reporter reads both kinds, so every finding would show and count twice,
// and Kyverno, which switches to OpenReports with --openreportsEnabled,
// writes one or the other too. served lists every kind the cluster serves.
func Choose(mapper meta.RESTMapper) (write Kind, served []Kind, err error) {
	for _, k := range []Kind{OpenReports, PolicyReports} {
		ok, err := Served(mapper, k)
		if err != nil {
			return nil, nil, err
		}
		if ok {
			served = append(served, k)
		}
	}
	if len(served) == 0 {
		return nil, nil, nil
	}
	return served[0], served, nil
}

// Served reports whether the cluster serves a kind (its CRD is installed
// and serves the version), as the RESTMapper finds it.
func Served(mapper meta.RESTMapper, k Kind) (bool, error) {
	gvk := k.GroupVersionKind()
	_, err := mapper.RESTMapping(gvk.GroupKind(), gvk.Version)
	switch {
	case err == nil:
		return true, nil
	case meta.IsNoMatchError(err):
		return false, nil
	}
	return false, fmt.Errorf("looking up %s: %w", gvk, err)
}

// openReportsKind writes OpenReports' typed Report.
type openReportsKind struct{}

func (openReportsKind) GroupVersionKind() schema.GroupVersionKind {
	return schema.GroupVersionKind{Group: openreportsv1alpha1.GroupName, Version: openreportsv1alpha1.GroupVersion.Version, Kind: "Report"}
}

func (openReportsKind) New() client.Object { return &openreportsv1alpha1.Report{} }

func (openReportsKind) Build(c Content) (client.Object, error) { return c.Report(), nil }

func (openReportsKind) Same(have, want client.Object) bool {
	return Same(have.(*openreportsv1alpha1.Report), want.(*openreportsv1alpha1.Report))
}

func (openReportsKind) Set(have, want client.Object) {
	Set(have.(*openreportsv1alpha1.Report), want.(*openreportsv1alpha1.Report))
}

func (openReportsKind) String() string { return "OpenReports Report" }
