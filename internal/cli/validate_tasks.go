package cli

import (
	"fmt"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/sets"
	"k8s.io/apimachinery/pkg/util/validation/field"

	governancev1alpha1 "github.com/cunshe/cunshe-operator/api/v1alpha1"
	"github.com/cunshe/cunshe-operator/internal/rules"
)

// offlineRevision is the revision the offline check publishes in every
// city: the items of the folder that evaluate Approved and reach the city,
// held by every village of the folder.
const offlineRevision = 1

// checkTasks runs admission's task rules (S1, S2, S6, S11, S14, S17) on the
// folder's tasks, as if the folder's approved items were published to the
// folder's villages (publishFolder).
func (c *checker) checkTasks(phases []itemPhase, now time.Time) {
	if len(c.tasks) == 0 {
		return
	}
	c.publishFolder(phases)
	for _, m := range c.tasks {
		t := m.obj.(*governancev1alpha1.Task)
		dept, known := c.taskDepartment(t)
		if !known {
			c.add(m, severityInfo, rules.S2, "metadata.namespace", fmt.Sprintf(
				"%s 命名空间 %q 不在所检查的文件中，按任务的部门标签 %q 检查；准入时以命名空间的标签为准 / namespace %q is not among the checked manifests, so the task's department label %q is used; admission reads the namespace's label",
				rules.S2, t.Namespace, dept, t.Namespace, dept))
		}
		admitted := asAdmitted(t, now)
		v := rules.EvaluateTask(admitted, rules.TaskContext{Department: dept, Created: now, Now: now, Area: c.areas[t.Namespace]}, c.snap)
		c.addFieldErrors(m, rules.S1, v.Errs)
		c.addFieldErrors(m, rules.S6, rules.EmergencyRenewal(admitted, dept, c.exemptions, c.tasksBefore(m, dept, now), now))
		c.addWarned(m, v.Warned)
	}
}

// tasksBefore are the tasks of a department that come before m in the
// folder: applied in order, an emergency among them is claimed first (S6).
func (c *checker) tasksBefore(m manifest, dept string, now time.Time) []governancev1alpha1.Task {
	var out []governancev1alpha1.Task
	for _, other := range c.tasks {
		if other.where() == m.where() {
			break
		}
		if t := other.obj.(*governancev1alpha1.Task); t.IsEmergency() {
			if d, _ := c.taskDepartment(t); d == dept {
				out = append(out, *asAdmitted(t, now))
			}
		}
	}
	return out
}

// addWarned adds the findings admission lets in where the city put the
// task's counties or department in Warn (a pilot): warnings, which do not
// fail the check, that say they would be refusals under Enforce.
func (c *checker) addWarned(m manifest, warned field.ErrorList) {
	for _, e := range warned {
		c.add(m, severityWarning, rules.RuleOf(e), e.Field, rules.WarnedText(e))
	}
}

// publishFolder publishes, as revision offlineRevision of every city, the
// folder's items that evaluate Approved and reach the city, held by every
// village of the folder. A village enrolled on the platform (its
// enrolledSince has come) counts as keeping no paper ledgers (S11): its
// records on the platform, which the exemption also needs, are not in a
// folder of manifests.
func (c *checker) publishFolder(phases []itemPhase) {
	juris := c.snap.Juris
	for _, city := range juris.Cities() {
		published := sets.New[string]()
		for _, p := range phases {
			if p.Phase == string(governancev1alpha1.PhaseApproved) && juris.Reaches(c.snap.Items[p.Name].Spec.Jurisdiction, city) {
				published.Insert(p.Name)
			}
		}
		c.snap.Revisions[rules.RevisionKey{City: city, Number: offlineRevision}] = published
	}
	for _, p := range phases {
		if p.Phase == string(governancev1alpha1.PhaseApproved) {
			// The folder's items carry no status; the task rules read the phase.
			c.snap.Items[p.Name].Status.Phase = governancev1alpha1.PhaseApproved
		}
	}
	for _, v := range c.villages {
		held := v.DeepCopy()
		today := juris.Today(juris.CityOf(v.Spec.Code), now())
		held.Status.PublishedRevision, held.Status.PaperLedgerExempt = offlineRevision, rules.Enrolled(v, today)
		c.snap.Villages.Upsert(held)
	}
}

// taskDepartment is the department label of the task's namespace among the
// folder's Namespaces or, when the namespace is not among them (known is
// false), the task's own department label.
func (c *checker) taskDepartment(t *governancev1alpha1.Task) (dept string, known bool) {
	if dept, known = c.namespaces[t.Namespace]; known {
		return dept, true
	}
	return t.Labels[governancev1alpha1.LabelDepartment], false
}

// asAdmitted is the task as admission stores it at now: an emergency that
// names no expiry gets the default one.
func asAdmitted(t *governancev1alpha1.Task, now time.Time) *governancev1alpha1.Task {
	if e := t.Spec.Emergency; e == nil || e.Expires != nil {
		return t
	}
	t = t.DeepCopy()
	t.Spec.Emergency.Expires = &metav1.Time{Time: now.Add(rules.DefaultEmergency)}
	return t
}
