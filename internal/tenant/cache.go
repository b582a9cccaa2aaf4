package tenant

import (
	"unique"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// FieldManager is the name the operator's writes carry in managedFields.
const FieldManager = "cunshe-operator"

// ListsMetadataList is an empty list of the lists ConfigMaps' metadata, the
// form the operator caches them in.
func ListsMetadataList() *metav1.PartialObjectMetadataList {
	list := &metav1.PartialObjectMetadataList{}
	list.SetGroupVersionKind(corev1.SchemeGroupVersion.WithKind("ConfigMapList"))
	return list
}

// TrimMetadata is the cache transform of the tenant's children, which the
// operator caches as metadata only. It shares the strings that repeat
// across a province's children (kinds, label keys and values, owners) and
// drops the managed fields. Of those it keeps one thing, on a child whose
// spec the operator declares (it carries AnnotationSpecHash): the latest
// write to the child's main resource by anyone but the operator, if it is
// not older than the operator's own last write, as a single entry without
// its field set (WrittenByOthers). That is how the operator sees an edit of
// a spec it does not cache.
func TrimMetadata(obj any) (any, error) {
	m, ok := obj.(*metav1.PartialObjectMetadata)
	if !ok {
		return obj, nil
	}
	m.APIVersion, m.Kind = intern(m.APIVersion), intern(m.Kind)
	m.Namespace, m.Name = intern(m.Namespace), intern(m.Name)
	m.Labels, m.Annotations = internMap(m.Labels), internMap(m.Annotations)
	for i := range m.OwnerReferences {
		internOwner(&m.OwnerReferences[i])
	}
	var others []metav1.ManagedFieldsEntry
	if _, declared := m.Annotations[AnnotationSpecHash]; declared {
		if e := lastWriteByOthers(m.ManagedFields); e != nil {
			others = []metav1.ManagedFieldsEntry{{Manager: intern(e.Manager), Operation: e.Operation, Time: e.Time}}
		}
	}
	m.ManagedFields = others
	return m, nil
}

// WrittenByOthers reports whether someone other than the operator has
// written the child's main resource since the operator last did (same
// second included), as TrimMetadata recorded it in the cached metadata.
func WrittenByOthers(cached metav1.Object) bool {
	return len(cached.GetManagedFields()) > 0
}

// lastWriteByOthers is the latest managed-fields entry of the main resource
// (not status) by another manager, unless the operator's own is newer.
func lastWriteByOthers(entries []metav1.ManagedFieldsEntry) *metav1.ManagedFieldsEntry {
	var ours, latest *metav1.ManagedFieldsEntry
	for i := range entries {
		e := &entries[i]
		switch {
		case e.Subresource != "":
		case e.Manager == FieldManager:
			ours = e
		case latest == nil || newer(e, latest):
			latest = e
		}
	}
	if latest == nil || (ours != nil && newer(ours, latest)) {
		return nil
	}
	return latest
}

// newer compares entries by their times, which have whole seconds; an
// entry without one is the oldest.
func newer(a, b *metav1.ManagedFieldsEntry) bool {
	return a.Time != nil && (b.Time == nil || b.Time.Before(a.Time))
}

// intern returns the one shared copy of s: decoding gives every object its
// own copy of every string, and a province's children repeat a few.
func intern(s string) string { return unique.Make(s).Value() }

func internMap(m map[string]string) map[string]string {
	if m == nil {
		return nil
	}
	out := make(map[string]string, len(m))
	for k, v := range m {
		out[intern(k)] = intern(v)
	}
	return out
}

var yes, no = true, false

func internOwner(o *metav1.OwnerReference) {
	o.APIVersion, o.Kind, o.Name = intern(o.APIVersion), intern(o.Kind), intern(o.Name)
	o.UID = unique.Make(o.UID).Value()
	o.Controller, o.BlockOwnerDeletion = sharedBool(o.Controller), sharedBool(o.BlockOwnerDeletion)
}

// sharedBool points at one of two package-wide bools; the cache's readers
// get deep copies, so no one writes through it.
func sharedBool(b *bool) *bool {
	switch {
	case b == nil:
		return nil
	case *b:
		return &yes
	default:
		return &no
	}
}
