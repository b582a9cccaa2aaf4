package webhooks

import (
	"context"

	"k8s.io/apimachinery/pkg/util/validation/field"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/webhook/admission"

	governancev1alpha1 "github.com/cunshe/cunshe-operator/api/v1alpha1"
	"github.com/cunshe/cunshe-operator/internal/listindex"
	"github.com/cunshe/cunshe-operator/internal/rules"
)

// +kubebuilder:webhook:path=/mutate-governance-cunshe-io-v1alpha1-report,mutating=true,failurePolicy=fail,sideEffects=None,groups=governance.cunshe.io,resources=villagereports,verbs=create,versions=v1alpha1,name=mreport.governance.cunshe.io,admissionReviewVersions=v1,patch=`{"namespaceSelector":{"matchExpressions":[{"key":"kubernetes.io/metadata.name","operator":"NotIn","values":["kube-system","kube-public","kube-node-lease","cunshe-system"]}]}}`
// +kubebuilder:webhook:path=/validate-governance-cunshe-io-v1alpha1-report,mutating=false,failurePolicy=fail,sideEffects=None,groups=governance.cunshe.io,resources=villagereports,verbs=create;update;delete,versions=v1alpha1,name=vreport.governance.cunshe.io,admissionReviewVersions=v1,patch=`{"namespaceSelector":{"matchExpressions":[{"key":"kubernetes.io/metadata.name","operator":"NotIn","values":["kube-system","kube-public","kube-node-lease","cunshe-system"]}]}}`
// +kubebuilder:webhook:path=/mutate-governance-cunshe-io-v1alpha1-reportdecision,mutating=true,failurePolicy=fail,sideEffects=None,groups=governance.cunshe.io,resources=reportdecisions,verbs=create,versions=v1alpha1,name=mreportdecision.governance.cunshe.io,admissionReviewVersions=v1,patch=`{"namespaceSelector":{"matchExpressions":[{"key":"kubernetes.io/metadata.name","operator":"NotIn","values":["kube-system","kube-public","kube-node-lease","cunshe-system"]}]}}`
// +kubebuilder:webhook:path=/validate-governance-cunshe-io-v1alpha1-reportdecision,mutating=false,failurePolicy=fail,sideEffects=None,groups=governance.cunshe.io,resources=reportdecisions,verbs=create;update;delete,versions=v1alpha1,name=vreportdecision.governance.cunshe.io,admissionReviewVersions=v1,patch=`{"namespaceSelector":{"matchExpressions":[{"key":"kubernetes.io/metadata.name","operator":"NotIn","values":["kube-system","kube-public","kube-node-lease","cunshe-system"]}]}}`

// CreatorDefaulter records who created a report or a decision, overwriting
// whatever the client sent.
type CreatorDefaulter[T client.Object] struct{}

func (CreatorDefaulter[T]) Default(ctx context.Context, obj T) error {
	who, err := requester(ctx)
	if err != nil {
		return err
	}
	ann := obj.GetAnnotations()
	if ann == nil {
		ann = map[string]string{}
	}
	ann[governancev1alpha1.AnnotationCreatedBy] = who.Username
	obj.SetAnnotations(ann)
	return nil
}

// ReportValidator admits a report only from a village's own cadres in its
// own tenant (S8), keeps its creator, and keeps it while it is open.
type ReportValidator struct {
	readers
	Index *listindex.Index
}

func (v *ReportValidator) ValidateCreate(ctx context.Context, r *governancev1alpha1.Report) (admission.Warnings, error) {
	who, err := requester(ctx)
	if err != nil {
		return nil, err
	}
	if err := waitForIndex(ctx, v.Index); err != nil {
		return nil, err
	}
	return nil, refusal("villagereports", "Report", r.Name, rules.ValidateReport(r, who, v.Index.Snapshot(ctx)))
}

func (v *ReportValidator) ValidateUpdate(_ context.Context, old, r *governancev1alpha1.Report) (admission.Warnings, error) {
	return nil, forbidden("villagereports", r.Name, creatorKept(old, r))
}

func (v *ReportValidator) ValidateDelete(ctx context.Context, r *governancev1alpha1.Report) (admission.Warnings, error) {
	tenant, err := v.tenantState(ctx, "Report", r)
	if err != nil {
		return nil, err
	}
	return nil, forbidden("villagereports", r.Name, rules.ValidateReportDelete(r, tenant))
}

// ReportDecisionValidator admits a decision only from a member of its
// review unit, on a report beside it (S8); decisions stay on record.
type ReportDecisionValidator struct {
	readers
	Index *listindex.Index
}

func (v *ReportDecisionValidator) ValidateCreate(ctx context.Context, d *governancev1alpha1.ReportDecision) (admission.Warnings, error) {
	who, err := requester(ctx)
	if err != nil {
		return nil, err
	}
	if err := waitForIndex(ctx, v.Index); err != nil {
		return nil, err
	}
	key := client.ObjectKey{Namespace: d.Namespace, Name: d.Spec.Report}
	// A read error counts as "no report": the decision is refused, never wrongly admitted.
	exists := v.cached.Get(ctx, key, &governancev1alpha1.Report{}) == nil ||
		v.live.Get(ctx, key, &governancev1alpha1.Report{}) == nil
	return nil, refusal("reportdecisions", "ReportDecision", d.Name, rules.ValidateReportDecision(d, exists, who, v.Index.Snapshot(ctx)))
}

func (v *ReportDecisionValidator) ValidateUpdate(_ context.Context, old, d *governancev1alpha1.ReportDecision) (admission.Warnings, error) {
	return nil, forbidden("reportdecisions", d.Name, creatorKept(old, d))
}

func (v *ReportDecisionValidator) ValidateDelete(ctx context.Context, d *governancev1alpha1.ReportDecision) (admission.Warnings, error) {
	tenant, err := v.tenantState(ctx, "ReportDecision", d)
	if err != nil {
		return nil, err
	}
	return nil, forbidden("reportdecisions", d.Name, rules.ValidateReportDecisionDelete(d, tenant))
}

// creatorKept refuses rewriting the creator admission recorded (S8).
func creatorKept(old, obj client.Object) field.ErrorList {
	return rules.CreatorKept(rules.S8, old, obj)
}

// refusal is Forbidden when the findings refuse the requester, else Invalid.
func refusal(resource, kind, name string, errs field.ErrorList) error {
	if len(errs) > 0 && errs[0].Type == field.ErrorTypeForbidden {
		return forbidden(resource, name, errs)
	}
	return invalid(kind, name, errs)
}
