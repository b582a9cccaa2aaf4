package webhooks

import (
	"context"
	"fmt"
	"time"

	"k8s.io/apimachinery/pkg/api/equality"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/validation/field"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/controller/controllerutil"
	"sigs.k8s.io/controller-runtime/pkg/webhook/admission"

	governancev1alpha1 "github.com/cunshe/cunshe-operator/api/v1alpha1"
	"github.com/cunshe/cunshe-operator/internal/listindex"
	"github.com/cunshe/cunshe-operator/internal/metrics"
	"github.com/cunshe/cunshe-operator/internal/rules"
)

// +kubebuilder:webhook:path=/mutate-governance-cunshe-io-v1alpha1-task,mutating=true,failurePolicy=fail,sideEffects=None,groups=governance.cunshe.io,resources=tasks,verbs=create;update,versions=v1alpha1,name=mtask.governance.cunshe.io,admissionReviewVersions=v1,patch=`{"namespaceSelector":{"matchExpressions":[{"key":"kubernetes.io/metadata.name","operator":"NotIn","values":["kube-system","kube-public","kube-node-lease","cunshe-system"]}]}}`
// +kubebuilder:webhook:path=/validate-governance-cunshe-io-v1alpha1-task,mutating=false,failurePolicy=fail,sideEffects=None,groups=governance.cunshe.io,resources=tasks,verbs=create;update,versions=v1alpha1,name=vtask.governance.cunshe.io,admissionReviewVersions=v1,patch=`{"namespaceSelector":{"matchExpressions":[{"key":"kubernetes.io/metadata.name","operator":"NotIn","values":["kube-system","kube-public","kube-node-lease","cunshe-system"]}]}}`

// TaskDefaulter labels a task with its namespace's department (the identity
// the compliance summary counts under; a client's value is overwritten) and
// gives an emergency without an expiry the default exemption, its title as
// its subject, and the finalizer that holds it until its record exists (S6).
type TaskDefaulter struct {
	Index *listindex.Index
	Now   func() time.Time
}

func (d *TaskDefaulter) Default(ctx context.Context, t *governancev1alpha1.Task) error {
	if t.Labels == nil {
		t.Labels = map[string]string{}
	}
	if dept := d.Index.Department(ctx, t.Namespace); dept != "" {
		t.Labels[governancev1alpha1.LabelDepartment] = dept
	} else {
		delete(t.Labels, governancev1alpha1.LabelDepartment)
	}
	if e := t.Spec.Emergency; e != nil {
		defaultEmergency(t, e, created(t, d.Now))
	}
	return nil
}

// defaultEmergency fills in what an emergency may leave out (S6). The
// finalizer is added while the task lives, not as it is being deleted (the
// operator removes it then, once the record exists).
func defaultEmergency(t *governancev1alpha1.Task, e *governancev1alpha1.Emergency, created time.Time) {
	if e.Expires == nil {
		e.Expires = &metav1.Time{Time: created.Add(rules.DefaultEmergency).Truncate(time.Second)}
	}
	if e.Subject == "" {
		e.Subject = t.Spec.Title
	}
	if t.DeletionTimestamp.IsZero() {
		controllerutil.AddFinalizer(t, governancev1alpha1.FinalizerEmergencyRecord)
	}
}

// created is when the task was created, or now when it is being created.
func created(t *governancev1alpha1.Task, now func() time.Time) time.Time {
	if !t.CreationTimestamp.IsZero() {
		return t.CreationTimestamp.Time
	}
	return now()
}

// TaskValidator refuses any task that is not on the published lists (S1,
// S2, S11, S14, S17) unless it is a bounded emergency (S6), which it admits
// with a warning and records; where the city put the task's counties or
// department in Warn (rules.TaskAction), it admits the lists' findings with
// warnings instead.
type TaskValidator struct {
	readers
	Index *listindex.Index
	Now   func() time.Time
}

func (v *TaskValidator) ValidateCreate(ctx context.Context, t *governancev1alpha1.Task) (admission.Warnings, error) {
	return v.validate(ctx, t, true)
}

func (v *TaskValidator) ValidateUpdate(ctx context.Context, old, t *governancev1alpha1.Task) (admission.Warnings, error) {
	if !t.DeletionTimestamp.IsZero() {
		// On its way out: the operator removes its finalizer once its
		// emergency record exists (S6), and nothing else is left to judge.
		return nil, nil
	}
	if equality.Semantic.DeepEqual(old.Spec, t.Spec) {
		// Nothing asked of a village changed (a label, an annotation): the
		// lists are not applied again, as Kyverno's allowExistingViolations
		// lets an existing violation be relabelled. A task whose item has
		// since retired keeps its standing, which is the audit's (S7).
		return nil, v.departmentLabel(ctx, t)
	}
	return v.validate(ctx, t, false)
}

// departmentLabel refuses a department label that admission did not set.
func (v *TaskValidator) departmentLabel(ctx context.Context, t *governancev1alpha1.Task) error {
	if err := waitForIndex(ctx, v.Index); err != nil {
		return err
	}
	return forbidden("tasks", t.Name, departmentLabelErrs(t, v.Index.Department(ctx, t.Namespace)))
}

func (v *TaskValidator) ValidateDelete(context.Context, *governancev1alpha1.Task) (admission.Warnings, error) {
	return nil, nil
}

func (v *TaskValidator) validate(ctx context.Context, t *governancev1alpha1.Task, creating bool) (admission.Warnings, error) {
	if err := waitForIndex(ctx, v.Index); err != nil {
		return nil, err
	}
	dept := v.Index.Department(ctx, t.Namespace)
	verdict := rules.EvaluateTask(t, rules.TaskContext{Department: dept, Created: created(t, v.Now), Now: v.Now(),
		Area: v.Index.Area(ctx, t.Namespace)}, v.Index.Snapshot(ctx))
	renewal, err := v.renewal(ctx, t, dept)
	if err != nil {
		return nil, err
	}
	// A renewal is refused whatever the city's action: it is no finding of the lists.
	verdict.Errs = append(verdict.Errs, renewal...)
	verdict.Refuse(departmentLabelErrs(t, dept)...)
	recordAdmission(t, dept, verdict, creating)
	if verdict.Allowed() {
		return verdict.Warnings, nil
	}
	if forbiddenOnly(verdict.Errs) {
		return nil, forbidden("tasks", t.Name, verdict.Errs)
	}
	return nil, invalid("Task", t.Name, verdict.Errs)
}

// departmentLabelErrs: a task labelled with another department than its
// namespace's was not through the defaulting webhook; it is refused rather
// than trusted.
func departmentLabelErrs(t *governancev1alpha1.Task, dept string) field.ErrorList {
	if dept == "" || t.Labels[governancev1alpha1.LabelDepartment] == dept {
		return nil
	}
	return field.ErrorList{field.Forbidden(field.NewPath("metadata", "labels").Key(governancev1alpha1.LabelDepartment),
		rules.S2+" 任务的部门标签须由准入服务按命名空间设置 / a task's department label is set by admission from its namespace")}
}

// renewal applies rules.EmergencyRenewal: the department's records are read
// from the API server, since a record written a moment ago must count; its
// emergency tasks, which count until their records exist, from the cache.
func (v *TaskValidator) renewal(ctx context.Context, t *governancev1alpha1.Task, dept string) (field.ErrorList, error) {
	if !t.IsEmergency() || dept == "" {
		return nil, nil
	}
	byDept := client.MatchingLabels{governancev1alpha1.LabelDepartment: dept}
	records := &governancev1alpha1.EmergencyExemptionList{}
	if err := v.live.List(ctx, records, byDept); err != nil {
		return nil, apierrors.NewServiceUnavailable(fmt.Sprintf("读取部门 %s 的紧急豁免记录失败，请重试 / reading department %s's emergency exemptions failed; retry: %v", dept, dept, err))
	}
	tasks := &governancev1alpha1.TaskList{}
	if err := v.cached.List(ctx, tasks, byDept); err != nil {
		return nil, apierrors.NewServiceUnavailable(fmt.Sprintf("读取部门 %s 的任务失败，请重试 / reading department %s's tasks failed; retry: %v", dept, dept, err))
	}
	return rules.EmergencyRenewal(t, dept, records.Items, tasks.Items, v.Now()), nil
}

// forbiddenOnly: refusals of what the task asks (S11, S14, S17, another
// department's item) read as Forbidden; anything else as Invalid.
func forbiddenOnly(errs field.ErrorList) bool {
	for _, e := range errs {
		if e.Type != field.ErrorTypeForbidden {
			return false
		}
	}
	return true
}

// recordAdmission counts the decision by the rule that decided and the
// action taken: enforce, or warn where a warned finding let the task in.
func recordAdmission(t *governancev1alpha1.Task, dept string, v rules.TaskVerdict, creating bool) {
	if !v.Allowed() {
		metrics.TaskAdmissions.WithLabelValues("denied", rules.RuleOf(v.Errs[0]), metrics.ActionEnforce).Inc()
		return
	}
	if v.Action == governancev1alpha1.AdmissionWarn {
		metrics.TaskAdmissions.WithLabelValues("allowed", rules.RuleOf(v.Warned[0]), metrics.ActionWarn).Inc()
		return
	}
	rule := "none"
	if t.IsEmergency() {
		rule = rules.S6
		if creating {
			metrics.EmergencyTasks.WithLabelValues(dept, string(t.Spec.Emergency.Category)).Inc()
		}
	}
	metrics.TaskAdmissions.WithLabelValues("allowed", rule, metrics.ActionEnforce).Inc()
}
