package rules

import (
	"k8s.io/apimachinery/pkg/util/validation/field"
)

// TenantState is what the deletion of a village's record (a report, a
// decision on one, a public record) depends on beside the record itself: a
// record goes only with its tenant, and only once it is archived (S8, S10,
// S19), so that deleting a village neither loses its records nor leaves its
// namespace stuck.
type TenantState struct {
	// Terminating: the record's tenant namespace is being deleted (its
	// village was deleted, or platform ops deleted the namespace).
	Terminating bool
	// Archived: an ArchivedRecord holds the record.
	Archived bool
}

// goes reports whether the record may go with its tenant.
func (s TenantState) goes() bool { return s.Terminating && s.Archived }

// awaitingArchive refuses the deletion of a record whose tenant is going
// but which is not archived yet; the village controller archives it, and
// the namespace's next attempt succeeds.
func awaitingArchive(rule, zhKind, enKind, name string) field.ErrorList {
	return field.ErrorList{forbidden(field.NewPath("metadata", "name"), msg(rule,
		"租户命名空间正在删除：%[1]s %[3]q 须先归档（ArchivedRecord），归档后随租户删除",
		"the tenant namespace is being deleted: %[2]s %[3]q is archived first (ArchivedRecord), then goes with it", zhKind, enKind, name))}
}
