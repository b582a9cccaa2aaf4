package cli

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/cunshe/cunshe-operator/internal/golden"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/client/interceptor"

	governancev1alpha1 "github.com/cunshe/cunshe-operator/api/v1alpha1"
)

// Rollouts in the states status shows; each starts from the city's, which
// waits at the promotion of step 2.
var rolloutStates = map[string]func(ro *governancev1alpha1.ListRollout){
	"paused": func(*governancev1alpha1.ListRollout) {},
	"timed-pause": func(ro *governancev1alpha1.ListRollout) {
		ro.Status.CurrentStep, ro.Status.UpdatedVillages = 3, 4
		ro.Status.Counties[2].Updated, ro.Status.Counties[3].Updated = 1, 1
		setConditions(ro, metav1.ConditionFalse, "Paused",
			"在第 3 步暂停，等待放行 / paused at step 3 until promoted. 第 3 版已下发 4/6 个村社 / revision 3 reached 4 of 6 villages", true, false)
	},
	"aborted": func(ro *governancev1alpha1.ListRollout) {
		ro.Annotations = map[string]string{governancev1alpha1.AnnotationAbort: "true"}
		setConditions(ro, metav1.ConditionFalse, "Aborted",
			"已中止，各村社保持现状；kubectl cunshe rollout resume 继续，或 undo 回退 / aborted: villages hold what they have; resume (kubectl cunshe rollout resume) to go on, or undo to go back. 第 3 版已下发 2/6 个村社 / revision 3 reached 2 of 6 villages", false, true)
	},
	"complete": func(ro *governancev1alpha1.ListRollout) {
		ro.Status.CurrentStep, ro.Status.UpdatedVillages, ro.Status.PauseStartedAt = 4, 6, nil
		for i := range ro.Status.Counties {
			ro.Status.Counties[i].Updated = ro.Status.Counties[i].Total
		}
		setConditions(ro, metav1.ConditionTrue, "Published", "第 3 版已下发 6/6 个村社 / revision 3 reached 6 of 6 villages", false, false)
	},
	"new": func(ro *governancev1alpha1.ListRollout) { // applied, not reconciled yet
		ro.Status = governancev1alpha1.ListRolloutStatus{}
	},
	"undone": func(ro *governancev1alpha1.ListRollout) { // spec.revision set, the operator not there yet
		ro.Spec.Revision, ro.Generation = 2, 2
	},
}

func rolloutIn(c *city, state string) *governancev1alpha1.ListRollout {
	ro := c.rollout.DeepCopy()
	rolloutStates[state](ro)
	return ro
}

func TestRolloutStatusGolden(t *testing.T) {
	c := newCity(t)
	for state := range rolloutStates {
		t.Run(state, func(t *testing.T) {
			useCluster(t, interceptor.Funcs{}, c.objects(rolloutIn(c, state))...)
			got := run(t, "", "rollout", "status", "wenzhou")
			if got.code != ExitOK {
				t.Fatalf("exit code %d:\n%s", got.code, got.stderr)
			}
			golden.Check(t, "testdata/rollout/status-"+state+".golden", got.stdout)
		})
	}
	t.Run("county names are best effort", func(t *testing.T) {
		useCluster(t, interceptor.Funcs{List: func(ctx context.Context, cl client.WithWatch, list client.ObjectList, opts ...client.ListOption) error {
			if _, ok := list.(*governancev1alpha1.VillageList); ok {
				return errors.New(`villages.governance.cunshe.io is forbidden: User "ci" cannot list resource "villages"`)
			}
			return cl.List(ctx, list, opts...)
		}}, c.objects(nil)...)
		got := run(t, "", "rollout", "status", "wenzhou")
		if got.code != ExitOK || !strings.Contains(got.stdout, "下发到 330302 / add the villages of 330302\n") || strings.Contains(got.stdout, "鹿城区") {
			t.Errorf("exit code %d, stdout:\n%s\nstderr:\n%s", got.code, got.stdout, got.stderr)
		}
	})
	t.Run("a rollout that is not there", func(t *testing.T) {
		useCluster(t, interceptor.Funcs{}, c.objects(nil)...)
		got := run(t, "", "rollout", "status", "shanghai")
		if got.code != ExitFailure || !strings.Contains(got.stderr, `集群中没有清单发布 "shanghai" / ListRollout "shanghai" not found in the cluster`) {
			t.Errorf("exit code %d, stderr:\n%s", got.code, got.stderr)
		}
	})
}

// sequence serves the rollout in the given states, one per read, then the
// last one for ever; the other kinds come from the fake cluster.
func sequence(states ...*governancev1alpha1.ListRollout) interceptor.Funcs {
	var mu sync.Mutex
	i := 0
	return interceptor.Funcs{Get: func(ctx context.Context, cl client.WithWatch, key client.ObjectKey, obj client.Object, opts ...client.GetOption) error {
		ro, ok := obj.(*governancev1alpha1.ListRollout)
		if !ok {
			return cl.Get(ctx, key, obj, opts...)
		}
		mu.Lock()
		defer mu.Unlock()
		states[min(i, len(states)-1)].DeepCopyInto(ro)
		i++
		return nil
	}}
}

func TestRolloutStatusWatch(t *testing.T) {
	rolloutPollInterval = time.Millisecond
	t.Cleanup(func() { rolloutPollInterval = 2 * time.Second })
	c := newCity(t)
	progressing := func(step, updated int32) *governancev1alpha1.ListRollout {
		ro := c.rollout.DeepCopy()
		ro.Status.CurrentStep, ro.Status.UpdatedVillages = step, updated
		setConditions(ro, metav1.ConditionFalse, "Progressing", "…", true, false)
		return ro
	}
	paused, aborted, complete, undone := rolloutIn(c, "paused"), rolloutIn(c, "aborted"), rolloutIn(c, "complete"), rolloutIn(c, "undone")
	resumedNotSeen := rolloutIn(c, "aborted") // the annotation is gone, the status still says Aborted
	resumedNotSeen.Annotations = nil

	tests := map[string]struct {
		// states are what successive reads of the rollout return.
		states  []*governancev1alpha1.ListRollout
		timeout string
		// wantCode is the exit code.
		wantCode int
		// wantGolden holds stdout, when set.
		wantGolden string
		// wantStdout and wantStderr must appear in their stream.
		wantStdout, wantStderr string
	}{
		"until Ready": {
			states:     []*governancev1alpha1.ListRollout{paused, paused, progressing(2, 2), progressing(3, 4), progressing(3, 4), complete},
			wantGolden: "testdata/rollout/status-watch.golden",
		},
		"Stalled ends the watch": {
			states: []*governancev1alpha1.ListRollout{paused, aborted}, wantCode: ExitFailure,
			wantStdout: "版本 / revision 3 · 步骤 / step 2/4 · 已更新 / updated 2/6 · Ready=False Aborted\n",
			wantStderr: "错误 / error: 清单发布 wenzhou 停滞 / ListRollout wenzhou is stalled: Aborted: 已中止，" +
				"各村社保持现状；kubectl cunshe rollout resume 继续，或 undo 回退 / aborted: villages hold what they have; resume (kubectl cunshe rollout resume) to go on, or undo to go back. 第 3 版已下发 2/6 个村社 / revision 3 reached 2 of 6 villages\n" +
				"继续 / resume: kubectl cunshe rollout resume wenzhou；回退 / go back: kubectl cunshe rollout undo wenzhou\n",
		},
		"already Ready": {
			states: []*governancev1alpha1.ListRollout{complete}, wantStdout: "发布完成 / rollout complete: 第 3 版已下发到 6/6 个村社 / revision 3 reached 6 of 6 villages\n",
		},
		"a Ready status the operator wrote before the undo does not count": {
			states:     []*governancev1alpha1.ListRollout{staleReady(complete), staleReady(complete), complete},
			wantStdout: "版本 / revision 3 · 步骤 / step 4/4 · 已更新 / updated 6/6 · Ready=True Published\n发布完成",
		},
		"an Aborted status the operator wrote before the resume does not count": {
			states: []*governancev1alpha1.ListRollout{resumedNotSeen, paused}, timeout: "50ms", wantCode: ExitFailure,
			wantStderr: "等待超时（50ms）：清单发布 wenzhou 尚未就绪（Paused）/ timed out after 50ms: ListRollout wenzhou is not Ready (Paused)",
		},
		"a pause nobody promotes times out": {
			states: []*governancev1alpha1.ListRollout{undone, paused}, timeout: "50ms", wantCode: ExitFailure,
			wantStdout: "注意 / note: 状态对应第 1 代 spec，最新为第 2 代",
			wantStderr: "等待超时（50ms）：清单发布 wenzhou 尚未就绪（Paused）",
		},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			useCluster(t, sequence(tc.states...), c.objects(nil)...)
			args := []string{"rollout", "status", "wenzhou", "-w"}
			if tc.timeout != "" {
				args = append(args, "--timeout", tc.timeout)
			}
			got := run(t, "", args...)
			if got.code != tc.wantCode {
				t.Errorf("exit code = %d, want %d; stderr:\n%s", got.code, tc.wantCode, got.stderr)
			}
			if tc.wantGolden != "" {
				golden.Check(t, tc.wantGolden, got.stdout)
			}
			if !strings.Contains(got.stdout, tc.wantStdout) {
				t.Errorf("stdout does not contain %q:\n%s", tc.wantStdout, got.stdout)
			}
			if !strings.Contains(got.stderr, tc.wantStderr) {
				t.Errorf("stderr does not contain %q:\n%s", tc.wantStderr, got.stderr)
			}
		})
	}
	t.Run("a negative timeout", func(t *testing.T) {
		got := run(t, "", "rollout", "status", "wenzhou", "-w", "--timeout", "-1s")
		if got.code != ExitUnusableInput || !strings.Contains(got.stderr, "--timeout 不能为负数") {
			t.Errorf("exit code %d, stderr:\n%s", got.code, got.stderr)
		}
	})
}

// staleReady is ro after an undo the operator has not seen yet.
func staleReady(ro *governancev1alpha1.ListRollout) *governancev1alpha1.ListRollout {
	ro = ro.DeepCopy()
	ro.Generation = 2
	return ro
}

// sentPatch is one patch a command sent.
type sentPatch struct {
	name  string
	typ   types.PatchType
	patch string
}

// recordPatches records the patches sent and applies them.
func recordPatches(sent *[]sentPatch) interceptor.Funcs {
	return interceptor.Funcs{Patch: func(ctx context.Context, cl client.WithWatch, obj client.Object, patch client.Patch, opts ...client.PatchOption) error {
		data, err := patch.Data(obj)
		if err != nil {
			return err
		}
		*sent = append(*sent, sentPatch{name: obj.GetName(), typ: patch.Type(), patch: string(data)})
		return cl.Patch(ctx, obj, patch, opts...)
	}}
}

func TestRolloutPatches(t *testing.T) {
	c := newCity(t)
	tests := map[string]struct {
		// state is the rollout's, from rolloutStates.
		state string
		args  []string
		// wantCode is the exit code.
		wantCode int
		// wantPatch is the merge patch sent; empty: none.
		wantPatch string
		// mutate turns the rollout as it was into what it must be after.
		mutate func(ro *governancev1alpha1.ListRollout)
		// wantGolden holds stdout, when set.
		wantGolden string
		// wantStdout and wantStderr must appear in their stream.
		wantStdout, wantStderr string
	}{
		"promote a pause": {
			state: "paused", args: []string{"promote", "wenzhou"},
			wantPatch: `{"metadata":{"annotations":{"governance.cunshe.io/promote":"2026-11-26T08:00:00.123456789Z"}}}`,
			mutate: func(ro *governancev1alpha1.ListRollout) {
				ro.Annotations = map[string]string{governancev1alpha1.AnnotationPromote: "2026-11-26T08:00:00.123456789Z"}
			},
			wantGolden: "testdata/rollout/promote.golden",
		},
		"promote a timed pause": {
			state: "timed-pause", args: []string{"promote", "wenzhou"},
			wantPatch: `{"metadata":{"annotations":{"governance.cunshe.io/promote":"2026-11-26T08:00:00.123456789Z"}}}`,
			mutate: func(ro *governancev1alpha1.ListRollout) {
				ro.Annotations = map[string]string{governancev1alpha1.AnnotationPromote: "2026-11-26T08:00:00.123456789Z"}
			},
			wantStdout: "已放行清单发布 wenzhou 第 4 步的暂停 / promoted ListRollout wenzhou past the pause of step 4\n",
		},
		"promote does not resume an aborted rollout": {
			state: "aborted", args: []string{"promote", "wenzhou"}, wantCode: ExitFailure,
			wantStderr: "错误 / error: 清单发布 wenzhou 已中止：promote 不会恢复已中止的发布，未作修改。先取消中止：kubectl cunshe rollout resume wenzhou（若仍在暂停，再 promote）" +
				" / ListRollout wenzhou is aborted: promote does not resume an aborted rollout; nothing was changed. Lift the abort first: kubectl cunshe rollout resume wenzhou (then promote if it still waits at a pause)\n",
		},
		"promote away from a pause would release the next one": {
			state: "undone", args: []string{"promote", "wenzhou"}, wantCode: ExitFailure,
			mutate: func(ro *governancev1alpha1.ListRollout) { ro.Status.CurrentStep = 2 },
			wantStderr: "清单发布 wenzhou 的第 3 步（下发至至少 50% 的村社）不是暂停，无需放行；此时放行会让后面的暂停提前失效，未作修改" +
				" / step 3 of ListRollout wenzhou (bring at least 50% of the villages) is no pause",
		},
		"promote a finished rollout": {
			state: "complete", args: []string{"promote", "wenzhou"}, wantCode: ExitFailure,
			wantStderr: "清单发布 wenzhou 已走完全部步骤，没有需要放行的暂停，未作修改",
		},
		"abort": {
			state: "paused", args: []string{"abort", "wenzhou"},
			wantPatch: `{"metadata":{"annotations":{"governance.cunshe.io/abort":"true"}}}`,
			mutate: func(ro *governancev1alpha1.ListRollout) {
				ro.Annotations = map[string]string{governancev1alpha1.AnnotationAbort: "true"}
			},
			wantGolden: "testdata/rollout/abort.golden",
		},
		"abort twice": {
			state: "aborted", args: []string{"abort", "wenzhou"},
			wantStdout: "清单发布 wenzhou 已处于中止状态，未作修改 / ListRollout wenzhou is already aborted; nothing was changed\n",
		},
		"resume": {
			state: "aborted", args: []string{"resume", "wenzhou"},
			wantPatch:  `{"metadata":{"annotations":{"governance.cunshe.io/abort":null}}}`,
			mutate:     func(ro *governancev1alpha1.ListRollout) { ro.Annotations = nil },
			wantGolden: "testdata/rollout/resume.golden",
		},
		"resume what is not aborted": {
			state: "paused", args: []string{"resume", "wenzhou"},
			wantStdout: "清单发布 wenzhou 未中止，未作修改 / ListRollout wenzhou is not aborted; nothing was changed\n",
		},
		"undo an aborted rollout": {
			state: "aborted", args: []string{"undo", "wenzhou"},
			wantPatch: `{"metadata":{"annotations":{"governance.cunshe.io/abort":null}},"spec":{"revision":2}}`,
			mutate: func(ro *governancev1alpha1.ListRollout) {
				ro.Annotations, ro.Spec.Revision = nil, 2
			},
			wantGolden: "testdata/rollout/undo.golden",
		},
		"undo to a revision": {
			state: "complete", args: []string{"undo", "wenzhou", "--to-revision", "1"},
			wantPatch:  `{"metadata":{"annotations":{"governance.cunshe.io/abort":null}},"spec":{"revision":1}}`,
			mutate:     func(ro *governancev1alpha1.ListRollout) { ro.Spec.Revision = 1 },
			wantStdout: "清单发布 wenzhou 改为发布第 1 版，按步骤逐步下发 / ListRollout wenzhou now rolls out revision 1, step by step\n",
		},
		"undo to a revision that does not exist": {
			state: "paused", args: []string{"undo", "wenzhou", "--to-revision", "9"}, wantCode: ExitUnusableInput,
			wantStderr: "集群中没有第 9 版清单（ListRevision lists-9），未作修改 / list revision 9 (ListRevision lists-9) not found in the cluster; nothing was changed\n",
		},
		"undo without a previous revision": {
			state: "paused", args: []string{"undo", "wenzhou"}, wantCode: ExitUnusableInput,
			mutate:     func(ro *governancev1alpha1.ListRollout) { ro.Status.PreviousRevision = 0 },
			wantStderr: "清单发布 wenzhou 没有上一版本可回退，未作修改；用 --to-revision 指定版本",
		},
		"undo to revision 0": {
			state: "paused", args: []string{"undo", "wenzhou", "--to-revision", "0"}, wantCode: ExitUnusableInput,
			wantStderr: "--to-revision 须为正整数，收到 0",
		},
		"a rollout that is not there": {
			state: "paused", args: []string{"abort", "shanghai"}, wantCode: ExitFailure,
			wantStderr: `集群中没有清单发布 "shanghai" / ListRollout "shanghai" not found in the cluster`,
		},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			before := rolloutIn(c, tc.state)
			if tc.wantPatch == "" && tc.mutate != nil {
				tc.mutate(before) // the state the command starts from
			}
			var sent []sentPatch
			cl := useCluster(t, recordPatches(&sent), c.objects(before)...)
			got := run(t, "", append([]string{"rollout"}, tc.args...)...)
			if got.code != tc.wantCode {
				t.Errorf("exit code = %d, want %d; stderr:\n%s", got.code, tc.wantCode, got.stderr)
			}
			var want []sentPatch
			if tc.wantPatch != "" {
				want = []sentPatch{{name: "wenzhou", typ: types.MergePatchType, patch: tc.wantPatch}}
			}
			if diff := cmp.Diff(want, sent, cmp.AllowUnexported(sentPatch{})); diff != "" {
				t.Errorf("patches sent (-want +got):\n%s", diff)
			}
			after := &governancev1alpha1.ListRollout{}
			if err := cl.Get(t.Context(), client.ObjectKey{Name: "wenzhou"}, after); err != nil {
				t.Fatal(err)
			}
			expected := before.DeepCopy()
			if tc.wantPatch != "" && tc.mutate != nil {
				tc.mutate(expected)
			}
			ignore := cmpopts.IgnoreFields(metav1.ObjectMeta{}, "ResourceVersion", "Generation")
			if diff := cmp.Diff(expected, after, ignore, cmpopts.IgnoreTypes(metav1.TypeMeta{}), cmpopts.EquateEmpty()); diff != "" {
				t.Errorf("the rollout changed beyond the patch (-want +got):\n%s", diff)
			}
			if tc.wantGolden != "" {
				golden.Check(t, tc.wantGolden, got.stdout)
			}
			if !strings.Contains(got.stdout, tc.wantStdout) {
				t.Errorf("stdout does not contain %q:\n%s", tc.wantStdout, got.stdout)
			}
			if !strings.Contains(got.stderr, tc.wantStderr) {
				t.Errorf("stderr does not contain %q:\n%s", tc.wantStderr, got.stderr)
			}
		})
	}
}

func TestRolloutHistory(t *testing.T) {
	c := newCity(t)
	useCluster(t, interceptor.Funcs{}, c.objects(nil)...)
	got := run(t, "", "rollout", "history", "wenzhou")
	if got.code != ExitOK {
		t.Fatalf("exit code %d:\n%s", got.code, got.stderr)
	}
	golden.Check(t, "testdata/rollout/history.golden", got.stdout)

	t.Run("pinned, and a village on a revision that is gone", func(t *testing.T) {
		ro := rolloutIn(c, "undone")
		objs := c.objects(ro)
		for i, o := range objs {
			if cm, ok := o.(*corev1.ConfigMap); ok && cm.Namespace == "village-330328102227" {
				cm = cm.DeepCopy()
				cm.Annotations = map[string]string{"governance.cunshe.io/revision": "7"}
				objs[i] = cm
			}
		}
		objs = append(objs, &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{ // no lists label: not counted
			Name: "copy-of-lists", Namespace: "village-330302006044", Annotations: map[string]string{"governance.cunshe.io/revision": "3"},
		}})
		useCluster(t, interceptor.Funcs{}, objs...)
		got := run(t, "", "rollout", "history", "wenzhou")
		if !strings.Contains(got.stdout, "\n3           lists-3      11            b05a42f4aa15     2  ") {
			t.Errorf("a ConfigMap without the lists label was counted:\n%s", got.stdout)
		}
		for _, want := range []string{"上一版 / previous, 固定 / pinned\n", "持有不存在的第 7 版的村社 / villages holding revision 7, which does not exist: 1\n"} {
			if got.code != ExitOK || !strings.Contains(got.stdout, want) {
				t.Errorf("exit code %d, stdout does not contain %q:\n%s", got.code, want, got.stdout)
			}
		}
		if strings.Contains(got.stdout, "尚未持有任何版本") {
			t.Errorf("every village holds a revision:\n%s", got.stdout)
		}
	})
}

func TestRolloutCommandTree(t *testing.T) {
	tests := map[string]struct {
		args                   []string
		wantCode               int
		wantStdout, wantStderr string
	}{
		"rollout alone prints its help": {args: []string{"rollout"}, wantStdout: "promote"},
		"a typo gets a suggestion": {
			args: []string{"rollout", "promtoe", "wenzhou"}, wantCode: ExitUnusableInput,
			wantStderr: `未知命令 "promtoe" / unknown command "promtoe"；是否要用 / did you mean: promote`,
		},
		"NAME is required": {
			args: []string{"rollout", "undo"}, wantCode: ExitUnusableInput,
			wantStderr: "需要 1 个参数 NAME，收到 0 个 / want 1 argument(s) NAME, got 0",
		},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			got := run(t, "", tc.args...)
			if got.code != tc.wantCode || !strings.Contains(got.stdout, tc.wantStdout) || !strings.Contains(got.stderr, tc.wantStderr) {
				t.Errorf("exit code %d (want %d), stdout:\n%s\nstderr:\n%s", got.code, tc.wantCode, got.stdout, got.stderr)
			}
		})
	}
}
