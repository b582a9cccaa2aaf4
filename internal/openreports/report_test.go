package openreports_test

import (
	"testing"

	. "github.com/onsi/gomega"
	"k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/apimachinery/pkg/runtime/schema"

	"github.com/cunshe/cunshe-operator/internal/openreports"
)

// The operator writes reports only where the cluster serves OpenReports'
// Report; a cluster without the CRD turns the feature off, not the operator.
func TestInstalled(t *testing.T) {
	g := NewWithT(t)
	without := meta.NewDefaultRESTMapper(nil)
	g.Expect(openreports.Installed(without)).To(BeFalse())

	with := meta.NewDefaultRESTMapper(nil)
	with.Add(schema.GroupVersionKind{Group: "openreports.io", Version: "v1alpha1", Kind: "Report"}, meta.RESTScopeNamespace)
	g.Expect(openreports.Installed(with)).To(BeTrue())
}
