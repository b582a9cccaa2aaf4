package rules_test

import (
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/validation/field"

	governancev1alpha1 "github.com/cunshe/cunshe-operator/api/v1alpha1"
	"github.com/cunshe/cunshe-operator/internal/rules"
)

func TestTownshipMaintainsItsOwnStyleOnly(t *testing.T) {
	style := &governancev1alpha1.SignboardStyle{ObjectMeta: metav1.ObjectMeta{Name: "330302006"}}
	own := rules.Requester{Username: "wuma-clerk", Groups: []string{"cunshe:townships", "cunshe:township:330302006"}}
	other := rules.Requester{Username: "nanhui-clerk", Groups: []string{"cunshe:townships", "cunshe:township:330302007"}}
	ops := rules.Requester{Username: "ops", Groups: []string{"cunshe:platform-ops"}}
	expectFindings(t, rules.ValidateStyleOwner(style, own), nil)
	expectFindings(t, rules.ValidateStyleOwner(style, ops), nil)
	expectFindings(t, rules.ValidateStyleOwner(style, other), []finding{{field.ErrorTypeForbidden, "metadata.name", "S15",
		`township 330302007 maintains its own signboard style only, not the style of "330302006"`}})
}
