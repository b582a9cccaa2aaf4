package cli

import (
	"context"
	"fmt"
	"time"

	"github.com/spf13/cobra"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/cli-runtime/pkg/printers"
	"sigs.k8s.io/controller-runtime/pkg/client"
)

// decidePollInterval is how often decide and ratify read the decision's
// subject while they wait for the operator to list the decision.
var decidePollInterval = 500 * time.Millisecond

// followedDecision is a review unit's decision on a subject whose status the
// operator updates once it lists the decision: a village's report (decide,
// S8) or an emergency exemption (ratify, S6).
type followedDecision struct {
	decision client.Object
	// generatedName: the decision's name was not given, so a taken one is
	// numbered (-2, -3 …) instead of refused.
	generatedName bool
	// refusedZh, refusedEn name the write in a refusal; recorded is said
	// once the decision is stored (under the name it got).
	refusedZh, refusedEn string
	recorded             func() string
	// subject is read into at subjectKey; subjectZh, subjectEn, kind and
	// resource name it in messages and in the kubectl command to watch it.
	subject                              client.Object
	subjectKey                           client.ObjectKey
	subjectZh, subjectEn, kind, resource string
	// lists tells whether the subject read last lists the decision;
	// followed is what is said once it does.
	lists    func() bool
	followed func() []string
}

// recordAndFollow creates the decision and waits (at most timeout; 0 does
// not wait) until its subject lists it. With a printer it prints the
// decision, and the subject once it followed, instead of lines.
func recordAndFollow(cmd *cobra.Command, kube *clusterFlags, print *printFlags, pr printers.ResourcePrinter, timeout time.Duration, d followedDecision) error {
	ctx := cmd.Context()
	c, err := kube.connect(cmd)
	if err != nil {
		return err
	}
	if err := createNamed(ctx, c, d.decision, d.generatedName); err != nil {
		return refused(err, d.refusedZh, d.refusedEn)
	}
	if pr == nil {
		if err := say(cmd, d.recorded()); err != nil {
			return err
		}
	}
	printAlone := func() error {
		if pr == nil {
			return nil
		}
		return print.printObjects(cmd.OutOrStdout(), pr, d.decision)
	}
	if timeout == 0 {
		return printAlone()
	}
	if err := awaitListed(ctx, c, d, timeout); err != nil {
		if err := printAlone(); err != nil {
			return err
		}
		follow := fmt.Sprintf("kubectl get %s -n %s %s -w", d.resource, d.subjectKey.Namespace, d.subjectKey.Name)
		return &exitError{code: ExitFailure, err: fmt.Errorf(
			"意见已提交，但%s %s 在 %s 内未更新（operator 是否在运行？），请勿重复提交；查看：%s"+
				" / the decision is recorded but %s %s did not follow within %s (is the operator running?); do not repeat it. Watch: %s: %w",
			d.subjectZh, d.subjectKey.Name, timeout, follow, d.subjectEn, d.subjectKey.Name, timeout, follow, err)}
	}
	if pr != nil {
		return print.printObjects(cmd.OutOrStdout(), pr, d.decision, d.subject)
	}
	return say(cmd, d.followed()...)
}

// awaitListed reads the subject until its status lists the decision.
func awaitListed(ctx context.Context, c client.Client, d followedDecision, timeout time.Duration) error {
	var lastErr error
	err := wait.PollUntilContextTimeout(ctx, decidePollInterval, timeout, true, func(ctx context.Context) (bool, error) {
		lastErr = getObject(ctx, c, d.subjectKey, d.subject, d.subjectZh, d.kind)
		return lastErr == nil && d.lists(), nil
	})
	if err != nil && lastErr != nil {
		return lastErr
	}
	return err
}
