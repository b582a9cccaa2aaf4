// Package v1alpha1 contains the governance.cunshe.io/v1alpha1 API: the
// villages, lists, approvals and rollouts that carry out the city's notice
// "六清单一流程" (rules S1–S20).
//
// +kubebuilder:object:generate=true
// +groupName=governance.cunshe.io
package v1alpha1

import (
	"k8s.io/apimachinery/pkg/runtime/schema"
	"sigs.k8s.io/controller-runtime/pkg/scheme"
)

var (
	// GroupVersion is the API group and version of every kind in this package.
	GroupVersion = schema.GroupVersion{Group: "governance.cunshe.io", Version: "v1alpha1"}

	// SchemeBuilder registers the kinds of this package with a runtime.Scheme.
	SchemeBuilder = &scheme.Builder{GroupVersion: GroupVersion}

	// AddToScheme adds the kinds of this package to a runtime.Scheme.
	AddToScheme = SchemeBuilder.AddToScheme
)
