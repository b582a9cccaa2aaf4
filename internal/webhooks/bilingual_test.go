package webhooks_test

import (
	"context"
	"testing"
	"time"

	. "github.com/onsi/gomega"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	governancev1alpha1 "github.com/cunshe/cunshe-operator/api/v1alpha1"
	"github.com/cunshe/cunshe-operator/internal/testenv"
)

// An emergency without a justification reaches the user in Chinese and
// English with its rule (S6): the schema leaves the field to admission's
// rule, which says how long a sentence must be, instead of refusing it in
// English only. (api/v1alpha1's bilingual test holds the schema's five
// other examples; this one needs the webhook.)
func TestAnEmergencyWithoutAJustificationIsRefusedBilingually(t *testing.T) {
	expires := metav1.NewTime(time.Now().Add(48 * time.Hour).Truncate(time.Second))
	task := &governancev1alpha1.Task{
		ObjectMeta: metav1.ObjectMeta{Name: "unjustified-emergency", Namespace: "dept-tjj"},
		Spec: governancev1alpha1.TaskSpec{Type: governancev1alpha1.TaskWork, Title: "积水点巡查", Due: "2026-12-31",
			Targets: governancev1alpha1.TaskTargets{Villages: []string{"330302006044"}},
			Emergency: &governancev1alpha1.Emergency{Category: governancev1alpha1.EmergencyPublicSafety, Nature: governancev1alpha1.EmergencySudden,
				Issuer:  &governancev1alpha1.EmergencyIssuer{Name: "统计局局长 王强", Level: governancev1alpha1.IssuerDepartment},
				Expires: &expires}},
	}
	err := env.Client.Create(context.Background(), task)
	testenv.ExpectRefused(t, err, "vtask.governance.cunshe.io",
		`Task.governance.cunshe.io "unjustified-emergency" is invalid: spec.emergency.justification: Invalid value: "": `+
			`S6 紧急事由须写明发生了什么、为何需要村（社区）（不少于 10 字，现有 0 字） / `+
			`an emergency's justification says what happened and why villages are needed (at least 10 characters; this one has 0)`)
	NewWithT(t).Expect(apierrors.IsNotFound(env.Client.Get(context.Background(), client.ObjectKeyFromObject(task), task))).To(BeTrue(), "nothing is stored")
}
