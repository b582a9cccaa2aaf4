package tenant

import (
	"encoding/binary"
	"hash/fnv"
	"io"
	"strconv"
	"strings"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/resourceversion"
	"sigs.k8s.io/controller-runtime/pkg/client"

	governancev1alpha1 "github.com/cunshe/cunshe-operator/api/v1alpha1"
)

// Observed is what the operator keeps of a tenant child: enough to tell
// whether the child is as declared and whether the cache has seen a write,
// in 40 bytes (plus its key and map slot) instead of a whole object.
type Observed struct {
	// Village is the village the child belongs to: its controller, or its
	// village label when someone removed the owner reference.
	Village string
	// ResourceVersion of the copy observed; etcd's are increasing integers.
	ResourceVersion uint64
	// Digest covers all the operator declares of the child: its labels,
	// its controller and its spec (Digest).
	Digest uint64
	// Deleting is set once the child has a deletion timestamp.
	Deleting bool
}

// Observe reduces a child to its Observed record.
func Observe(obj client.Object) Observed {
	return Observed{
		Village:         intern(villageOf(obj)),
		ResourceVersion: ResourceVersion(obj),
		Digest:          Digest(obj),
		Deleting:        !obj.GetDeletionTimestamp().IsZero(),
	}
}

// ResourceVersion reads obj's resourceVersion as the integer etcd makes it
// (0 if it is not one). The record keeps a number to stay small; compare
// with Reached, not with <.
func ResourceVersion(obj client.Object) uint64 {
	rv, _ := strconv.ParseUint(obj.GetResourceVersion(), 10, 64)
	return rv
}

// Reached tells whether the observed copy is at resourceVersion rv or newer,
// compared as apimachinery's resourceversion package defines the order (the
// API server guarantees it since Kubernetes 1.35). It fails when either
// version is not comparable, e.g. the record's is 0 (not an integer).
func (o Observed) Reached(rv string) (bool, error) {
	cmp, err := resourceversion.CompareResourceVersion(strconv.FormatUint(o.ResourceVersion, 10), rv)
	if err != nil {
		return false, err
	}
	return cmp >= 0, nil
}

// Digest hashes what the operator declares of a child, so a declared child
// and an observed one are compared by one number: the values of the
// declared labels (and nothing of labels others add), the controller
// reference and the spec (SpecHash). 64 bits tell a change apart.
func Digest(obj client.Object) uint64 {
	h := fnv.New64a()
	var length [binary.MaxVarintLen64]byte
	field := func(s string) {
		_, _ = h.Write(binary.AppendUvarint(length[:0], uint64(len(s))))
		_, _ = io.WriteString(h, s)
	}
	labels := obj.GetLabels()
	for _, key := range declaredLabelKeys(obj) {
		value, set := labels[key]
		field(strconv.FormatBool(set))
		field(value)
	}
	if owner := metav1.GetControllerOfNoCopy(obj); owner != nil {
		field(owner.APIVersion)
		field(owner.Kind)
		field(owner.Name)
		field(string(owner.UID))
		field(flag(owner.Controller))
		field(flag(owner.BlockOwnerDeletion))
	}
	field(SpecHash(obj))
	return h.Sum64()
}

var (
	childLabelKeys = []string{governancev1alpha1.LabelManagedBy, governancev1alpha1.LabelVillage,
		governancev1alpha1.LabelTownship, governancev1alpha1.LabelCounty, governancev1alpha1.LabelVillageType}
	listsLabelKeys = append(childLabelKeys[:len(childLabelKeys):len(childLabelKeys)], LabelLists)
)

// declaredLabelKeys are the label keys the operator sets on a child (Labels,
// and LabelLists on the lists ConfigMap).
func declaredLabelKeys(obj client.Object) []string {
	if _, isConfigMap := obj.(*corev1.ConfigMap); isConfigMap {
		return listsLabelKeys
	}
	return childLabelKeys
}

func flag(b *bool) string {
	if b == nil {
		return "-"
	}
	return strconv.FormatBool(*b)
}

func villageOf(obj client.Object) string {
	if owner := metav1.GetControllerOfNoCopy(obj); owner != nil && owner.Kind == "Village" &&
		strings.HasPrefix(owner.APIVersion, governancev1alpha1.GroupVersion.Group+"/") {
		return owner.Name
	}
	return obj.GetLabels()[governancev1alpha1.LabelVillage]
}
