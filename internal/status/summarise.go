package status

import (
	"reflect"

	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	governancev1alpha1 "github.com/cunshe/cunshe-operator/api/v1alpha1"
)

// Summarise records that the pass observed obj's generation and sets Ready,
// Reconciling and Stalled, all with the reason and message, from the
// kind's condition table: the one place where a reason's health is decided.
func Summarise(obj governancev1alpha1.KStatusObject, reason, message string) {
	h := governancev1alpha1.HealthOf(KindOf(obj), reason)
	*obj.StatusObservedGeneration() = obj.GetGeneration()
	conds := obj.StatusConditions()
	set := func(t string, v bool) {
		meta.SetStatusCondition(conds, metav1.Condition{Type: t, Status: conditionStatus(v), Reason: reason, Message: message, ObservedGeneration: obj.GetGeneration()})
	}
	set(governancev1alpha1.ReadyCondition, h.Ready)
	set(governancev1alpha1.ReconcilingCondition, h.Reconciling)
	set(governancev1alpha1.StalledCondition, h.Stalled)
}

// KindOf is the API kind of a typed object: its Go type's name (the client
// leaves TypeMeta empty on typed objects).
func KindOf(obj any) string {
	t := reflect.TypeOf(obj)
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	return t.Name()
}

func conditionStatus(b bool) metav1.ConditionStatus {
	if b {
		return metav1.ConditionTrue
	}
	return metav1.ConditionFalse
}
