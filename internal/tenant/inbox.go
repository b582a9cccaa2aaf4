package tenant

import (
	"cmp"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"slices"

	apimeta "k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	governancev1alpha1 "github.com/cunshe/cunshe-operator/api/v1alpha1"
	"github.com/cunshe/cunshe-operator/internal/rules"
)

// Inbox is the status of village v's TaskInbox: of tasks, those that reach
// it (rules.TaskReaches, reading the item each cites through item and the
// cities in juris) with their standing, by namespace and name, the first
// MaxInboxTasks listed, and the digest of it all. The controller writes
// it; the tests build what they expect with it.
func Inbox(v *governancev1alpha1.Village, tasks []*governancev1alpha1.Task, item func(name string) *governancev1alpha1.ListItem,
	juris rules.Jurisdictions) governancev1alpha1.TaskInboxStatus {
	s := governancev1alpha1.TaskInboxStatus{Village: governancev1alpha1.InboxVillage{Code: v.Spec.Code, Name: v.Spec.Name}, Tasks: []governancev1alpha1.TaskStanding{}}
	place := rules.PlaceOf(v)
	for _, t := range tasks {
		if !rules.TaskReaches(t, item(t.Spec.ItemRef), place, juris) {
			continue
		}
		standing := StandingOf(t)
		s.TasksTotal++
		switch standing.Phase {
		case governancev1alpha1.TaskNonCompliant:
			s.NonCompliant++
		case governancev1alpha1.TaskViolation:
			s.Violations++
		}
		s.Tasks = append(s.Tasks, standing)
	}
	slices.SortFunc(s.Tasks, func(a, b governancev1alpha1.TaskStanding) int {
		return cmp.Or(cmp.Compare(a.Namespace, b.Namespace), cmp.Compare(a.Name, b.Name))
	})
	if len(s.Tasks) > governancev1alpha1.MaxInboxTasks {
		s.Tasks, s.Truncated = s.Tasks[:governancev1alpha1.MaxInboxTasks], true
	}
	s.ContentHash = inboxHash(&s)
	return s
}

// StandingOf is a task as the villages it reaches read it: its department
// (as the audit found it, else its label), type (Work unless it says
// otherwise), item, role, due date, phase, whether it stands under a
// pilot's Warn, emergency exemption, and for a task that is not Admitted
// (or is, under Warn) why.
func StandingOf(t *governancev1alpha1.Task) governancev1alpha1.TaskStanding {
	s := governancev1alpha1.TaskStanding{
		Namespace: t.Namespace, Name: t.Name, Title: t.Spec.Title,
		Department: cmp.Or(t.Status.Department, t.Labels[governancev1alpha1.LabelDepartment]),
		Type:       cmp.Or(t.Spec.Type, governancev1alpha1.TaskWork),
		Item:       t.Spec.ItemRef, Role: t.Spec.VillageRole, Due: t.Spec.Due, Phase: t.Status.Phase,
		Action: t.Status.AdmissionAction,
	}
	if e := t.Spec.Emergency; e != nil {
		s.Emergency = &governancev1alpha1.EmergencyStanding{Category: e.Category}
		if e.Expires != nil {
			expires := metav1.NewTime(e.Expires.UTC())
			s.Emergency.Expires = &expires
		}
	}
	if (s.Phase != governancev1alpha1.TaskAdmitted && s.Phase != "") || s.Action == governancev1alpha1.AdmissionWarn {
		s.Finding = firstFinding(t)
	}
	return s
}

// firstFinding is the audit's first finding or, for a standing that has
// none (an upheld report, an expired emergency), the Ready condition's message.
func firstFinding(t *governancev1alpha1.Task) string {
	if len(t.Status.Findings) > 0 {
		return t.Status.Findings[0]
	}
	if c := apimeta.FindStatusCondition(t.Status.Conditions, governancev1alpha1.ReadyCondition); c != nil {
		return c.Message
	}
	return ""
}

// inboxHash digests what an inbox shows (not its conditions, whose times
// change without what it shows changing): 64 bits tell a change apart.
func inboxHash(s *governancev1alpha1.TaskInboxStatus) string {
	shown := struct {
		Village      governancev1alpha1.InboxVillage
		Total, NC, V int32
		Tasks        []governancev1alpha1.TaskStanding
		Truncated    bool
	}{s.Village, s.TasksTotal, s.NonCompliant, s.Violations, s.Tasks, s.Truncated}
	// Plain API structs always marshal.
	data, _ := json.Marshal(shown)
	sum := sha256.Sum256(data)
	return hex.EncodeToString(sum[:8])
}

// TrimInboxForCache is the cache transform of the TaskInboxes: the
// operator compares an inbox by its contentHash, so the tasks it lists are
// not kept in memory (a city's inboxes would otherwise hold every task's
// standing once per village it reaches).
func TrimInboxForCache(obj any) (any, error) {
	in, ok := obj.(*governancev1alpha1.TaskInbox)
	if !ok {
		return obj, nil
	}
	in.Status.Tasks = nil
	trimMeta(in)
	return in, nil
}
