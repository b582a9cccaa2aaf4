package webhooks

import (
	"context"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"

	"github.com/cunshe/cunshe-operator/internal/listindex"
)

// indexWait is how long a webhook waits for a replica that has just
// started to know the whole city: within the API server's 10 s timeout, so
// the user reads why, not a timeout.
const indexWait = 8 * time.Second

// errStarting is what a task or report is told when the replica that got
// it does not know every village yet. It is not a rule's refusal: judging
// against part of the city would refuse valid tasks for a county "not in
// the registry" (found by the fault suite's failover, issue 14).
var errStarting = apierrors.NewServiceUnavailable("cunshe-operator 刚启动，尚未读完全部村（社区），请稍后重试（并非规则拒绝） / " +
	"cunshe-operator has just started and has not read every village yet; retry in a few seconds (this is not a rule's refusal)")

// waitForIndex returns once the index holds the whole city, or errStarting.
func waitForIndex(ctx context.Context, idx *listindex.Index) error {
	ctx, cancel := context.WithTimeout(ctx, indexWait)
	defer cancel()
	if idx.WaitSynced(ctx) != nil {
		return errStarting
	}
	return nil
}
