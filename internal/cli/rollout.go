package cli

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/util/duration"
	"k8s.io/cli-runtime/pkg/printers"
	"sigs.k8s.io/controller-runtime/pkg/client"

	governancev1alpha1 "github.com/cunshe/cunshe-operator/api/v1alpha1"
	"github.com/cunshe/cunshe-operator/internal/publish"
	"github.com/cunshe/cunshe-operator/internal/rules"
	"github.com/cunshe/cunshe-operator/internal/tenant"
)

// rolloutPollInterval is how often `rollout status --watch` reads the
// rollout; tests shorten it.
var rolloutPollInterval = 2 * time.Second

func newRolloutCommand() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "rollout",
		Short: "清单发布：查看、放行、中止、恢复、回退 / drive a ListRollout: status, promote, abort, resume, undo, history",
		Long: `查看和控制 ListRollout（清单发布）：新的清单版本如何分县、分比例、经暂停放行，逐步下发到各村（社区）。
与 kubectl argo rollouts 相似：status 查看进度（-w 等待完成，可用于 CI），promote 放行当前暂停，
abort 中止（各村社保持现状），resume 取消中止，undo 回退到上一版本，history 列出清单版本。

Shows and drives a ListRollout: how a new list revision reaches the
villages county by county, by percentage, through pauses a person
promotes. Like kubectl argo rollouts: status shows the progress (-w waits
for the end, for CI), promote releases the current pause, abort holds the
villages where they are, resume lifts an abort, undo goes back to the
previous revision, history lists the revisions.`,
		Args: cobra.ArbitraryArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if len(args) == 0 {
				return cmd.Help()
			}
			return usageError(cmd, unknownCommand(cmd, args[0]))
		},
	}
	cmd.SuggestionsMinimumDistance = 2
	cmd.AddCommand(
		newRolloutStatusCommand(),
		newRolloutPromoteCommand(),
		newRolloutAbortCommand(),
		newRolloutResumeCommand(),
		newRolloutUndoCommand(),
		newRolloutHistoryCommand(),
	)
	return cmd
}

// rolloutOptions are the flags every rollout subcommand has: kubectl's
// connection flags and -o.
type rolloutOptions struct {
	kube  *clusterFlags
	print *printFlags
}

// addRolloutFlags adds the connection flags and -o to a rollout
// subcommand, and completes its NAME with the cluster's rollouts.
func addRolloutFlags(cmd *cobra.Command) rolloutOptions {
	o := rolloutOptions{kube: addClusterFlags(cmd, false), print: addPrintFlags(cmd, true)}
	cmd.ValidArgsFunction = completeArgs(1, completeFromCluster(o.kube, listRolloutNames))
	return o
}

// getRollout connects and reads the rollout name.
func getRollout(cmd *cobra.Command, k *clusterFlags, name string) (client.Client, *governancev1alpha1.ListRollout, error) {
	ctx := cmd.Context()
	c, err := k.connect(cmd)
	if err != nil {
		return nil, nil, err
	}
	ro := &governancev1alpha1.ListRollout{}
	if err := getObject(ctx, c, client.ObjectKey{Name: name}, ro, "清单发布", "ListRollout"); err != nil {
		return nil, nil, err
	}
	return c, ro, nil
}

// patchRollout sends patch to the rollout as a JSON merge patch.
func patchRollout(ctx context.Context, c client.Client, ro *governancev1alpha1.ListRollout, patch map[string]any) error {
	data, err := json.Marshal(patch)
	if err != nil {
		return err
	}
	if err := c.Patch(ctx, ro, client.RawPatch(types.MergePatchType, data)); err != nil {
		return clusterError(err, "修改清单发布 "+strconv.Quote(ro.Name), "patching ListRollout "+strconv.Quote(ro.Name))
	}
	return nil
}

// annotations is a merge patch of metadata.annotations; a nil value removes
// the annotation.
func annotations(kv map[string]any) map[string]any {
	return map[string]any{"metadata": map[string]any{"annotations": kv}}
}

// rolloutAction is what promote, abort, resume, undo and history do, given
// the printer -o asks for (nil for the text).
type rolloutAction func(cmd *cobra.Command, o rolloutOptions, pr printers.ResourcePrinter, name string) error

// rolloutCommand is the shape of promote, abort, resume and history: NAME,
// the connection flags and -o.
func rolloutCommand(use, short, long, example string, run rolloutAction) *cobra.Command {
	var o rolloutOptions
	cmd := &cobra.Command{
		Use:     use,
		Short:   short,
		Long:    long,
		Example: example,
		Args:    exactArgs("NAME"),
		RunE: func(cmd *cobra.Command, args []string) error {
			pr, err := o.print.printer(cmd)
			if err != nil {
				return err
			}
			return run(cmd, o, pr, args[0])
		},
	}
	o = addRolloutFlags(cmd)
	return cmd
}

// printRolloutOr prints the rollout with pr, as the API returned it, or
// the lines for people when there is no printer.
func printRolloutOr(cmd *cobra.Command, o rolloutOptions, pr printers.ResourcePrinter, ro *governancev1alpha1.ListRollout, lines ...string) error {
	if pr != nil {
		return o.print.printObjects(cmd.OutOrStdout(), pr, ro)
	}
	return say(cmd, lines...)
}

func newRolloutPromoteCommand() *cobra.Command {
	return rolloutCommand("promote NAME",
		"放行当前暂停 / release the pause the rollout waits at",
		`把注解 governance.cunshe.io/promote 设为新的令牌（当前时间，RFC 3339），放行发布正在等待的暂停步骤。
发布不在暂停步骤时不作修改（退出码 1）：令牌会留到下一个暂停，使其提前失效。
promote 不恢复已中止的发布：先用 rollout resume 取消中止。

Sets the annotation governance.cunshe.io/promote to a fresh token (the time,
RFC 3339), which releases the pause the rollout waits at. When the rollout
is not at a pause nothing is changed (exit code 1): the token would stay
and release the next pause before anyone looked. promote does not resume
an aborted rollout: lift the abort with rollout resume first.`,
		"  kubectl cunshe rollout promote wenzhou",
		rolloutPromote)
}

func rolloutPromote(cmd *cobra.Command, o rolloutOptions, pr printers.ResourcePrinter, name string) error {
	c, ro, err := getRollout(cmd, o.kube, name)
	if err != nil {
		return err
	}
	if ro.Aborted() {
		return &exitError{code: ExitFailure, err: fmt.Errorf(
			"清单发布 %s 已中止：promote 不会恢复已中止的发布，未作修改。先取消中止：kubectl cunshe rollout resume %s（若仍在暂停，再 promote）"+
				" / ListRollout %s is aborted: promote does not resume an aborted rollout; nothing was changed. Lift the abort first: kubectl cunshe rollout resume %s (then promote if it still waits at a pause)",
			name, name, name, name)}
	}
	i := int(ro.Status.CurrentStep)
	if _, ok := ro.PauseStep(); !ok {
		if i >= len(ro.Spec.Steps) {
			return &exitError{code: ExitFailure, err: fmt.Errorf(
				"清单发布 %s 已走完全部步骤，没有需要放行的暂停，未作修改 / ListRollout %s has done all its steps: there is no pause to promote; nothing was changed",
				name, name)}
		}
		zh, en := describeStep(ro.Spec.Steps[i], nil)
		return &exitError{code: ExitFailure, err: fmt.Errorf(
			"清单发布 %s 的第 %d 步（%s）不是暂停，无需放行；此时放行会让后面的暂停提前失效，未作修改"+
				" / step %d of ListRollout %s (%s) is no pause: there is nothing to promote, and a promotion now would release the next pause before it is reached; nothing was changed",
			name, i+1, zh, i+1, name, en)}
	}
	token := now().UTC().Format(time.RFC3339Nano)
	if err := patchRollout(cmd.Context(), c, ro, annotations(map[string]any{governancev1alpha1.AnnotationPromote: token})); err != nil {
		return err
	}
	return printRolloutOr(cmd, o, pr, ro,
		fmt.Sprintf("已放行清单发布 %s 第 %d 步的暂停 / promoted ListRollout %s past the pause of step %d", name, i+1, name, i+1),
		fmt.Sprintf("%s=%s", governancev1alpha1.AnnotationPromote, token))
}

func newRolloutAbortCommand() *cobra.Command {
	return rolloutCommand("abort NAME",
		"中止发布，各村社保持现状 / hold the rollout where it is",
		`把注解 governance.cunshe.io/abort 设为 "true"：operator 不再推进发布，已下发与未下发的村社都保持现有版本。
用 rollout resume 继续，或 rollout undo 回退到上一版本。

Sets the annotation governance.cunshe.io/abort to "true": the operator stops
moving the rollout, and every village keeps the revision it holds. Continue
with rollout resume, or go back to the previous revision with rollout undo.`,
		"  kubectl cunshe rollout abort wenzhou",
		rolloutAbort)
}

func rolloutAbort(cmd *cobra.Command, o rolloutOptions, pr printers.ResourcePrinter, name string) error {
	c, ro, err := getRollout(cmd, o.kube, name)
	if err != nil {
		return err
	}
	if ro.Aborted() {
		return printRolloutOr(cmd, o, pr, ro, fmt.Sprintf("清单发布 %s 已处于中止状态，未作修改 / ListRollout %s is already aborted; nothing was changed", name, name))
	}
	if err := patchRollout(cmd.Context(), c, ro, annotations(map[string]any{governancev1alpha1.AnnotationAbort: "true"})); err != nil {
		return err
	}
	return printRolloutOr(cmd, o, pr, ro,
		fmt.Sprintf("已中止清单发布 %s：各村社保持现有版本 / aborted ListRollout %s: every village keeps the revision it holds", name, name),
		fmt.Sprintf("继续 / resume:   kubectl cunshe rollout resume %s", name),
		fmt.Sprintf("回退 / go back:  kubectl cunshe rollout undo %s", name))
}

func newRolloutResumeCommand() *cobra.Command {
	return rolloutCommand("resume NAME",
		"取消中止，继续发布 / lift an abort",
		`移除注解 governance.cunshe.io/abort，operator 从中止处继续发布。若当前步骤是暂停，仍需 promote 放行。

Removes the annotation governance.cunshe.io/abort: the operator continues
the rollout from where it stopped. A pause still needs promote.`,
		"  kubectl cunshe rollout resume wenzhou",
		rolloutResume)
}

func rolloutResume(cmd *cobra.Command, o rolloutOptions, pr printers.ResourcePrinter, name string) error {
	c, ro, err := getRollout(cmd, o.kube, name)
	if err != nil {
		return err
	}
	if _, ok := ro.Annotations[governancev1alpha1.AnnotationAbort]; !ok {
		return printRolloutOr(cmd, o, pr, ro, fmt.Sprintf("清单发布 %s 未中止，未作修改 / ListRollout %s is not aborted; nothing was changed", name, name))
	}
	_, paused := ro.PauseStep()
	if err := patchRollout(cmd.Context(), c, ro, annotations(map[string]any{governancev1alpha1.AnnotationAbort: nil})); err != nil {
		return err
	}
	lines := []string{fmt.Sprintf("已恢复清单发布 %s（移除中止注解）/ resumed ListRollout %s (removed the abort annotation)", name, name)}
	if paused {
		i := ro.Status.CurrentStep + 1
		lines = append(lines, fmt.Sprintf("第 %d 步是暂停，放行：kubectl cunshe rollout promote %s / step %d is a pause; promote it with kubectl cunshe rollout promote %s", i, name, i, name))
	}
	return printRolloutOr(cmd, o, pr, ro, lines...)
}

func newRolloutUndoCommand() *cobra.Command {
	var o rolloutOptions
	var to int64
	cmd := &cobra.Command{
		Use:   "undo NAME [--to-revision N]",
		Short: "回退到上一版本 / roll back to the previous revision",
		Long: `把 spec.revision 设为 status.previousRevision（或 --to-revision 指定的版本），并移除中止注解。
回退到上一版本时 operator 跳过各步骤，立即把全部村社改回该版本；回退到其他版本则按步骤逐步下发。
此后 spec.revision 固定为该版本，不再跟随最新版本。版本不存在时不作修改（退出码 2）。

Sets spec.revision to status.previousRevision (or to --to-revision) and
removes the abort annotation. Going back to the previous revision, the
operator skips the steps and returns every village at once; any other
revision goes out step by step. spec.revision then stays pinned and no
longer follows the latest revision. A revision that does not exist changes
nothing (exit code 2).`,
		Example: `  kubectl cunshe rollout undo wenzhou
  kubectl cunshe rollout undo wenzhou --to-revision 3`,
		Args: exactArgs("NAME"),
		RunE: func(cmd *cobra.Command, args []string) error {
			if cmd.Flags().Changed("to-revision") && to < 1 {
				return usageError(cmd, fmt.Errorf("--to-revision 须为正整数，收到 %d / --to-revision must be a positive number, got %d", to, to))
			}
			pr, err := o.print.printer(cmd)
			if err != nil {
				return err
			}
			return rolloutUndo(cmd, o, pr, args[0], to)
		},
	}
	cmd.Flags().Int64Var(&to, "to-revision", 0, "回退到此版本号，默认上一版本 / the revision to go back to; the previous one by default")
	o = addRolloutFlags(cmd)
	_ = cmd.RegisterFlagCompletionFunc("to-revision", completeFromCluster(o.kube, listRevisionCandidates))
	return cmd
}

func rolloutUndo(cmd *cobra.Command, o rolloutOptions, pr printers.ResourcePrinter, name string, to int64) error {
	ctx := cmd.Context()
	c, ro, err := getRollout(cmd, o.kube, name)
	if err != nil {
		return err
	}
	target := to
	if target == 0 {
		target = ro.Status.PreviousRevision
		if target == 0 {
			return inputError(fmt.Errorf("清单发布 %s 没有上一版本可回退，未作修改；用 --to-revision 指定版本 / ListRollout %s has no previous revision to go back to; nothing was changed. Name one with --to-revision",
				name, name))
		}
	}
	revs, juris, err := cityRevisions(ctx, c, ro.Spec.Jurisdiction)
	if err != nil {
		return err
	}
	if findRevision(revs, strconv.FormatInt(target, 10)) == nil {
		name := juris.RevisionName(juris.Resolve(ro.Spec.Jurisdiction), target)
		return inputError(fmt.Errorf("集群中没有第 %d 版清单（ListRevision %s），未作修改 / list revision %d (ListRevision %s) not found in the cluster; nothing was changed",
			target, name, target, name))
	}
	before := ro.DeepCopy() // Patch reads the server's answer into ro
	patch := annotations(map[string]any{governancev1alpha1.AnnotationAbort: nil})
	patch["spec"] = map[string]any{"revision": target}
	if err := patchRollout(ctx, c, ro, patch); err != nil {
		return err
	}
	if pr != nil {
		return o.print.printObjects(cmd.OutOrStdout(), pr, ro)
	}
	ro = before
	var lines []string
	switch target {
	case ro.Status.CurrentRevision:
		lines = append(lines, fmt.Sprintf("清单发布 %s 已在发布第 %d 版 / ListRollout %s already rolls out revision %d", name, target, name, target))
	case ro.Status.PreviousRevision:
		lines = append(lines, fmt.Sprintf("清单发布 %s 回退到第 %d 版：operator 跳过各步骤，立即把全部村社改回该版本 / rolling ListRollout %s back to revision %d: the operator skips the steps and returns every village to it at once",
			name, target, name, target))
	default:
		lines = append(lines, fmt.Sprintf("清单发布 %s 改为发布第 %d 版，按步骤逐步下发 / ListRollout %s now rolls out revision %d, step by step", name, target, name, target))
	}
	if _, ok := ro.Annotations[governancev1alpha1.AnnotationAbort]; ok {
		lines = append(lines, "已移除中止注解 / removed the abort annotation")
	}
	if ro.Spec.Revision == 0 {
		lines = append(lines, fmt.Sprintf(`spec.revision 已固定为 %d，不再跟随最新版本；恢复跟随 / spec.revision is now pinned to %d and no longer follows the latest revision; to follow it again:
  kubectl patch listrollout %s --type merge -p '{"spec":{"revision":0}}'`, target, target, name))
	}
	lines = append(lines, fmt.Sprintf("查看进度 / watch:  kubectl cunshe rollout status %s -w", name))
	return say(cmd, lines...)
}

func newRolloutHistoryCommand() *cobra.Command {
	return rolloutCommand("history NAME",
		"列出清单版本 / list the revisions",
		`列出全部清单版本（ListRevision）：版本号、事项数、内容摘要、持有该版本的村社数（按各村 cunshe-lists ConfigMap
的 governance.cunshe.io/revision 注解计数）与创建时间，并标出发布的当前版本与上一版本。

Lists every ListRevision: its number, item count, content hash, how many
villages hold it (counted from the governance.cunshe.io/revision annotation
of each village's cunshe-lists ConfigMap) and its age, marking the
rollout's current and previous revision.`,
		"  kubectl cunshe rollout history wenzhou\n  kubectl cunshe rollout history wenzhou -o name",
		rolloutHistoryOf)
}

// rolloutHistory is what `rollout history -o json|yaml` prints: the
// rollout's city's revisions and how many villages hold each.
type rolloutHistory struct {
	metav1.TypeMeta `json:",inline"`
	// Rollout is the ListRollout's name.
	Rollout string `json:"rollout"`
	// Revisions are the city's ListRevisions, oldest first.
	Revisions []revisionHistory `json:"revisions"`
	// VillagesWithoutRevision counts the villages that hold no revision yet.
	VillagesWithoutRevision int `json:"villagesWithoutRevision"`
	// UnknownRevisions counts, by revision number, the villages that hold a
	// revision the cluster no longer has.
	UnknownRevisions map[string]int `json:"unknownRevisions,omitempty"`
}

// revisionHistory is one revision of a rollout's history.
type revisionHistory struct {
	Revision    int64       `json:"revision"`
	Name        string      `json:"name"`
	Items       int         `json:"items"`
	ContentHash string      `json:"contentHash"`
	Villages    int         `json:"villages"`
	Created     metav1.Time `json:"created"`
	// Current, Previous and Pinned mark the rollout's status.currentRevision,
	// status.previousRevision and spec.revision.
	Current  bool `json:"current,omitempty"`
	Previous bool `json:"previous,omitempty"`
	Pinned   bool `json:"pinned,omitempty"`
}

func (h *rolloutHistory) DeepCopyObject() runtime.Object { return deepCopyResult(h) }

func (h *rolloutHistory) objectRefs() []runtime.Object {
	refs := make([]runtime.Object, len(h.Revisions))
	for i, r := range h.Revisions {
		refs[i] = objectRef("ListRevision", "", r.Name)
	}
	return refs
}

func rolloutHistoryOf(cmd *cobra.Command, o rolloutOptions, pr printers.ResourcePrinter, name string) error {
	ctx := cmd.Context()
	c, ro, err := getRollout(cmd, o.kube, name)
	if err != nil {
		return err
	}
	revs, juris, err := cityRevisions(ctx, c, ro.Spec.Jurisdiction)
	if err != nil {
		return err
	}
	city := juris.Resolve(ro.Spec.Jurisdiction)
	// Metadata only: the annotation is all history needs, and a city's
	// lists ConfigMaps hold megabytes of lists.yaml.
	cms := &metav1.PartialObjectMetadataList{}
	cms.SetGroupVersionKind(corev1.SchemeGroupVersion.WithKind("ConfigMapList"))
	if err := listObjects(ctx, c, cms, "村社清单 ConfigMap", "lists ConfigMap", client.MatchingLabels{tenant.LabelLists: "true"}); err != nil {
		return err
	}
	holders := map[string]int{}
	for _, cm := range cms.Items {
		code := strings.TrimPrefix(cm.Namespace, governancev1alpha1.TenantNamespacePrefix)
		if juris.CityOf(code) == city || (city == "" && juris.None()) {
			holders[cm.Annotations[publish.AnnotationRevision]]++
		}
	}
	h := &rolloutHistory{TypeMeta: resultType("RolloutHistory"), Rollout: name, Revisions: []revisionHistory{}}
	for _, r := range revs {
		n := strconv.FormatInt(r.Spec.Revision, 10)
		h.Revisions = append(h.Revisions, revisionHistory{Revision: r.Spec.Revision, Name: r.Name, Items: len(r.Spec.Items),
			ContentHash: r.Spec.ContentHash, Villages: holders[n], Created: r.CreationTimestamp,
			Current: r.Spec.Revision == ro.Status.CurrentRevision, Previous: r.Spec.Revision == ro.Status.PreviousRevision,
			Pinned: r.Spec.Revision == ro.Spec.Revision})
		delete(holders, n)
	}
	h.VillagesWithoutRevision = holders[""]
	delete(holders, "")
	if len(holders) > 0 {
		h.UnknownRevisions = holders
	}
	if pr != nil {
		return o.print.printObjects(cmd.OutOrStdout(), pr, h)
	}
	text, err := h.text(now())
	if err != nil {
		return err
	}
	_, err = io.WriteString(cmd.OutOrStdout(), text)
	return err
}

// text is the history as a table, ages counted at at.
func (h *rolloutHistory) text(at time.Time) (string, error) {
	if len(h.Revisions) == 0 {
		return "集群中还没有清单版本 / no list revision exists yet\n", nil
	}
	rows := [][]string{{"版本 / REV", "名称 / NAME", "事项 / ITEMS", "内容摘要 / HASH", "持有村社 / VILLAGES", "创建 / AGE", "标记 / MARK"}}
	for _, r := range h.Revisions {
		var marks []string
		if r.Current {
			marks = append(marks, "当前 / current")
		}
		if r.Previous {
			marks = append(marks, "上一版 / previous")
		}
		if r.Pinned {
			marks = append(marks, "固定 / pinned")
		}
		rows = append(rows, []string{strconv.FormatInt(r.Revision, 10), r.Name, strconv.Itoa(r.Items), shortHash(r.ContentHash),
			strconv.Itoa(r.Villages), duration.HumanDuration(at.Sub(r.Created.Time)), strings.Join(marks, ", ")})
	}
	var b strings.Builder
	fmt.Fprintf(&b, "清单版本 / list revisions (ListRollout %s):\n", h.Rollout)
	if err := writeTable(&b, "", rows); err != nil {
		return "", err
	}
	if n := h.VillagesWithoutRevision; n > 0 {
		fmt.Fprintf(&b, "尚未持有任何版本的村社 / villages holding no revision yet: %d\n", n)
	}
	for _, rev := range slices.Sorted(maps.Keys(h.UnknownRevisions)) {
		fmt.Fprintf(&b, "持有不存在的第 %s 版的村社 / villages holding revision %s, which does not exist: %d\n", rev, rev, h.UnknownRevisions[rev])
	}
	return b.String(), nil
}

// rolloutStatusOptions are rollout status's flags.
type rolloutStatusOptions struct {
	rolloutOptions
	watch   bool
	timeout time.Duration
}

func newRolloutStatusCommand() *cobra.Command {
	var o rolloutStatusOptions
	cmd := &cobra.Command{
		Use:   "status NAME [-w] [--timeout D]",
		Short: "查看发布进度 / show a rollout's progress",
		Long: `显示清单发布的当前版本与上一版本、所在步骤及其内容、已更新村社数、各县进度，以及 Ready、Reconciling、
Stalled 状态条件的原因和说明。

-w/--watch 持续查看，直到 Ready=True（退出码 0）、Stalled=True（如已中止，退出码 1）或超过 --timeout
（退出码 1；0 表示不限时），可用于 CI 流水线。operator 尚未处理最新的 spec 或中止注解时，状态视为过期，继续等待。

Shows the rollout's current and previous revision, the step it is at and
what that step does, how many villages hold the revision, per county, and
its Ready, Reconciling and Stalled conditions with their reasons and
messages.

With -w/--watch it keeps reading until Ready=True (exit code 0),
Stalled=True (e.g. aborted; exit code 1) or --timeout passes (exit code 1;
0 waits forever) — for a CI pipeline. A status the operator has not yet
written for the latest spec or abort annotation is stale: watch waits on.`,
		Example: `  kubectl cunshe rollout status wenzhou
  kubectl cunshe rollout status wenzhou -w --timeout 30m
  kubectl cunshe rollout status wenzhou -o json | jq .status.conditions
  kubectl cunshe rollout status wenzhou -w -o yaml`,
		Args: exactArgs("NAME"),
		RunE: func(cmd *cobra.Command, args []string) error {
			if o.timeout < 0 {
				return usageError(cmd, fmt.Errorf("--timeout 不能为负数 / --timeout cannot be negative: %s", o.timeout))
			}
			pr, err := o.print.printer(cmd)
			if err != nil {
				return err
			}
			return rolloutStatus(cmd, o, pr, args[0])
		},
	}
	cmd.Flags().BoolVarP(&o.watch, "watch", "w", false, "持续查看直到完成或停滞 / watch until Ready or Stalled")
	cmd.Flags().DurationVar(&o.timeout, "timeout", 0, "--watch 的最长等待时间，0 表示不限 / how long --watch waits; 0 for ever")
	o.rolloutOptions = addRolloutFlags(cmd)
	return cmd
}

// rolloutStatus shows the rollout: as text, or with -o as the API returns
// it (kstatus reads its conditions). With -w it then watches.
func rolloutStatus(cmd *cobra.Command, o rolloutStatusOptions, pr printers.ResourcePrinter, name string) error {
	ctx := cmd.Context()
	c, ro, err := getRollout(cmd, o.kube, name)
	if err != nil {
		return err
	}
	// With -o, each progress is the rollout object, and the outcome's line
	// goes to stderr: stdout stays a stream of objects.
	show := func(ro *governancev1alpha1.ListRollout) error {
		return o.print.printObjects(cmd.OutOrStdout(), pr, ro)
	}
	outcome := cmd.ErrOrStderr()
	if pr == nil {
		if err := writeRolloutStatus(cmd.OutOrStdout(), ro, listJurisdictions(ctx, c), countyNames(ctx, c), now()); err != nil {
			return err
		}
		show = func(ro *governancev1alpha1.ListRollout) error {
			_, err := fmt.Fprintln(cmd.OutOrStdout(), progressLine(ro))
			return err
		}
		outcome = cmd.OutOrStdout()
	} else if err := show(ro); err != nil {
		return err
	}
	if !o.watch {
		return nil
	}
	return watchRollout(cmd, c, ro, o.timeout, show, outcome)
}

// watchRollout reads the rollout until it is Ready or Stalled, showing it
// whenever its progress changes, and writes the outcome to outcome.
func watchRollout(cmd *cobra.Command, c client.Reader, ro *governancev1alpha1.ListRollout, timeout time.Duration,
	show func(*governancev1alpha1.ListRollout) error, outcome io.Writer) error {
	ctx := cmd.Context()
	if timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, timeout)
		defer cancel()
	}
	last, lastErr := progressLine(ro), ""
	for {
		if done, err := rolloutOutcome(outcome, ro); done {
			return err
		}
		select {
		case <-ctx.Done():
			if errors.Is(ctx.Err(), context.DeadlineExceeded) && cmd.Context().Err() == nil {
				return &exitError{code: ExitFailure, err: fmt.Errorf("等待超时（%s）：清单发布 %s 尚未就绪（%s）/ timed out after %s: ListRollout %s is not Ready (%s)",
					timeout, ro.Name, ro.ReadyReason(), timeout, ro.Name, ro.ReadyReason())}
			}
			return ctx.Err()
		case <-time.After(rolloutPollInterval):
		}
		next := &governancev1alpha1.ListRollout{}
		if err := c.Get(ctx, client.ObjectKey{Name: ro.Name}, next); err != nil {
			if apierrors.IsNotFound(err) {
				return fmt.Errorf("清单发布 %q 已被删除 / ListRollout %q was deleted", ro.Name, ro.Name)
			}
			if ctx.Err() == nil && err.Error() != lastErr { // the API server may come back: retry until the timeout
				lastErr = err.Error()
				_, _ = fmt.Fprintf(cmd.ErrOrStderr(), "读取失败，稍后重试 / reading failed, retrying: %v\n", err)
			}
			continue
		}
		ro, lastErr = next, ""
		if line := progressLine(ro); line != last {
			last = line
			if err := show(ro); err != nil {
				return err
			}
		}
	}
}

// rolloutOutcome says whether a watch is over: Ready=True (nil error) or
// Stalled=True (exit code 1), read as the controller writes them
// (ListRollout.Outcome). A stale status is never an outcome.
func rolloutOutcome(out io.Writer, ro *governancev1alpha1.ListRollout) (bool, error) {
	s := &ro.Status
	switch ro.Outcome() {
	case governancev1alpha1.RolloutComplete:
		_, err := fmt.Fprintf(out, "发布完成 / rollout complete: 第 %d 版已下发到 %d/%d 个村社 / revision %d reached %d of %d villages\n",
			s.CurrentRevision, s.UpdatedVillages, s.TotalVillages, s.CurrentRevision, s.UpdatedVillages, s.TotalVillages)
		return true, err
	case governancev1alpha1.RolloutStalled:
		c := meta.FindStatusCondition(s.Conditions, governancev1alpha1.StalledCondition)
		msg := fmt.Sprintf("清单发布 %s 停滞 / ListRollout %s is stalled: %s: %s", ro.Name, ro.Name, c.Reason, c.Message)
		if ro.Aborted() {
			msg += fmt.Sprintf("\n继续 / resume: kubectl cunshe rollout resume %s；回退 / go back: kubectl cunshe rollout undo %s", ro.Name, ro.Name)
		}
		return true, &exitError{code: ExitFailure, err: errors.New(msg)}
	}
	return false, nil
}

// progressLine is one line of a watch.
func progressLine(ro *governancev1alpha1.ListRollout) string {
	s := &ro.Status
	ready := "Unknown"
	if c := meta.FindStatusCondition(s.Conditions, governancev1alpha1.ReadyCondition); c != nil {
		ready = string(c.Status)
	}
	line := fmt.Sprintf("版本 / revision %d · 步骤 / step %s · 已更新 / updated %d/%d · Ready=%s %s",
		s.CurrentRevision, stepFraction(ro), s.UpdatedVillages, s.TotalVillages, ready, ro.ReadyReason())
	if stale, _ := ro.StaleStatus(); stale {
		line += "（状态过期，等待 operator / stale, waiting for the operator）"
	}
	return line
}

// stepFraction is i/n with i counted from 1, n/n once the steps are done.
func stepFraction(ro *governancev1alpha1.ListRollout) string {
	n := len(ro.Spec.Steps)
	i := min(int(ro.Status.CurrentStep)+1, n)
	return fmt.Sprintf("%d/%d", i, n)
}

// describeStep says what a step does, in Chinese and English.
func describeStep(s governancev1alpha1.RolloutStep, names map[string]string) (zh, en string) {
	switch {
	case len(s.Counties) > 0:
		zhs := make([]string, len(s.Counties))
		for i, c := range s.Counties {
			zhs[i] = countyLabel(c, names)
		}
		return "下发到 " + strings.Join(zhs, "、"), "add the villages of " + strings.Join(s.Counties, ", ")
	case s.Percent != nil:
		return fmt.Sprintf("下发至至少 %d%% 的村社", *s.Percent), fmt.Sprintf("bring at least %d%% of the villages", *s.Percent)
	case s.Pause != nil && s.Pause.Duration != nil:
		d := s.Pause.Duration.Duration
		return fmt.Sprintf("暂停 %s 或至放行", d), fmt.Sprintf("pause for %s or until promoted", d)
	case s.Pause != nil:
		return "暂停，等待放行", "pause until promoted"
	}
	return "（空步骤）", "(empty step)"
}

// writeRolloutStatus prints what rollout status shows.
func writeRolloutStatus(w io.Writer, ro *governancev1alpha1.ListRollout, juris rules.Jurisdictions, names map[string]string, at time.Time) error {
	s := &ro.Status
	var b strings.Builder
	fmt.Fprintf(&b, "清单发布 / ListRollout: %s\n", ro.Name)
	revision := func(n int64) string {
		if n == 0 {
			return "无 / none"
		}
		return fmt.Sprintf("%d (%s)", n, juris.RevisionName(juris.Resolve(ro.Spec.Jurisdiction), n))
	}
	target := "跟随最新版本 / follows the latest revision (spec.revision 0)"
	if ro.Spec.Revision != 0 {
		target = fmt.Sprintf("固定为第 %d 版 / pinned to revision %d (spec.revision)", ro.Spec.Revision, ro.Spec.Revision)
	}
	pct := ""
	if s.TotalVillages > 0 {
		pct = fmt.Sprintf(" (%d%%)", int64(s.UpdatedVillages)*100/int64(s.TotalVillages))
	}
	rows := [][]string{
		{"当前版本 / current revision:", revision(s.CurrentRevision)},
		{"上一版本 / previous revision:", revision(s.PreviousRevision)},
		{"发布目标 / target:", target},
		{"步骤 / step:", currentStepText(ro, names, at)},
		{"已更新村社 / updated villages:", fmt.Sprintf("%d/%d%s", s.UpdatedVillages, s.TotalVillages, pct)},
	}
	if err := writeTable(&b, "", rows); err != nil {
		return err
	}
	if len(ro.Spec.Steps) > 0 {
		b.WriteString("\n步骤 / steps:\n")
		rows = rows[:0]
		for i, step := range ro.Spec.Steps {
			mark := " "
			switch {
			case i < int(s.CurrentStep):
				mark = "✓"
			case i == int(s.CurrentStep):
				mark = "▶"
			}
			zh, en := describeStep(step, names)
			rows = append(rows, []string{mark, strconv.Itoa(i + 1), zh + " / " + en})
		}
		if err := writeTable(&b, "  ", rows); err != nil {
			return err
		}
	}
	if len(s.Counties) > 0 {
		b.WriteString("\n各县进度 / counties:\n")
		rows = [][]string{{"县（市、区）/ COUNTY", "已更新 / UPDATED"}}
		for _, c := range s.Counties {
			rows = append(rows, []string{countyLabel(c.Code, names), fmt.Sprintf("%d/%d", c.Updated, c.Total)})
		}
		if err := writeTable(&b, "  ", rows); err != nil {
			return err
		}
	}
	if err := writeConditions(&b, s.Conditions); err != nil {
		return err
	}
	var notes []string
	if stale, why := ro.StaleStatus(); stale {
		notes = append(notes, "注意 / note: "+why)
	}
	_, paused := ro.PauseStep()
	switch {
	case ro.Aborted():
		notes = append(notes,
			"已中止，各村社保持现有版本 / aborted: every village keeps the revision it holds",
			fmt.Sprintf("继续 / resume:   kubectl cunshe rollout resume %s", ro.Name),
			fmt.Sprintf("回退 / go back:  kubectl cunshe rollout undo %s", ro.Name))
	case paused:
		notes = append(notes, fmt.Sprintf("放行 / promote:  kubectl cunshe rollout promote %s", ro.Name))
	}
	if len(notes) > 0 {
		b.WriteString("\n" + strings.Join(notes, "\n") + "\n")
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// writeConditions writes Ready, Reconciling and Stalled as a table; a
// message all three share (the controller sets them together) is written
// once, below the table.
func writeConditions(b *strings.Builder, conditions []metav1.Condition) error {
	b.WriteString("\n状态条件 / conditions:\n")
	var found []metav1.Condition
	for _, t := range []string{governancev1alpha1.ReadyCondition, governancev1alpha1.ReconcilingCondition, governancev1alpha1.StalledCondition} {
		c := meta.FindStatusCondition(conditions, t)
		if c == nil {
			c = &metav1.Condition{Type: t, Status: metav1.ConditionUnknown, Message: "operator 尚未报告 / not reported by the operator yet"}
		}
		found = append(found, *c)
	}
	shared := found[0].Message
	for _, c := range found[1:] {
		if c.Message != shared {
			shared = ""
		}
	}
	rows := [][]string{{"类型 / TYPE", "状态 / STATUS", "原因 / REASON", "说明 / MESSAGE"}}
	if shared != "" {
		rows[0] = rows[0][:3]
	}
	for _, c := range found {
		row := []string{c.Type, string(c.Status), c.Reason}
		if shared == "" {
			row = append(row, c.Message)
		}
		rows = append(rows, row)
	}
	if err := writeTable(b, "  ", rows); err != nil {
		return err
	}
	if shared != "" {
		fmt.Fprintf(b, "  说明 / message: %s\n", shared)
	}
	return nil
}

// currentStepText is the step line: i/n and what step i does.
func currentStepText(ro *governancev1alpha1.ListRollout, names map[string]string, at time.Time) string {
	s := &ro.Status
	n := len(ro.Spec.Steps)
	i := int(s.CurrentStep)
	var text string
	switch {
	case n == 0:
		text = "无分步，一次下发到全部村社 / no steps: every village at once"
	case i >= n:
		text = fmt.Sprintf("%d/%d · 已走完全部步骤 / all steps done", n, n)
	default:
		zh, en := describeStep(ro.Spec.Steps[i], names)
		text = fmt.Sprintf("%d/%d · 第 %d 步：%s / step %d: %s", i+1, n, i+1, zh, i+1, en)
		if left, timed := ro.PauseLeft(at); timed {
			left = left.Round(time.Second)
			text += fmt.Sprintf("（还剩 %s / %s left）", left, left)
		}
	}
	if ro.Aborted() {
		text += "（已中止 / aborted）"
	}
	return text
}
