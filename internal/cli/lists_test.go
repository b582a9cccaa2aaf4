package cli

import (
	"context"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/cunshe/cunshe-operator/internal/golden"
	"github.com/cunshe/cunshe-operator/internal/publish"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/client/interceptor"
	"sigs.k8s.io/yaml"

	governancev1alpha1 "github.com/cunshe/cunshe-operator/api/v1alpha1"
)

func TestListsGolden(t *testing.T) {
	c := newCity(t)
	useCluster(t, interceptor.Funcs{}, c.objects(nil)...)
	tests := map[string]struct {
		args   []string
		golden string
	}{
		// Revision 3, a community of 鹿城区: the old-town item, no homestead.
		"a community by name": {args: []string{"鼓楼社区"}, golden: "testdata/lists/gulou.golden"},
		// Revision 2, a village of 永嘉县: the homestead flow branches and
		// loops; no township item reaches it yet.
		"a village by code": {args: []string{"330324108207"}, golden: "testdata/lists/furong.golden"},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			got := run(t, "", append([]string{"lists"}, tc.args...)...)
			if got.code != ExitOK {
				t.Fatalf("exit code %d:\n%s", got.code, got.stderr)
			}
			golden.Check(t, tc.golden, got.stdout)
			if !strings.HasSuffix(got.stdout, "\n清单之外的事项，村（社区）有权拒绝并向联审单位反映（S1、S8）。\n") {
				t.Errorf("the lists do not end with the right to refuse (S1, S8):\n%s", got.stdout)
			}
		})
	}
	t.Run("-o yaml is the ConfigMap's lists.yaml with the village", func(t *testing.T) {
		got := run(t, "", "lists", "芙蓉村", "-o", "yaml")
		var printed heldLists
		if err := yaml.UnmarshalStrict([]byte(got.stdout), &printed); err != nil || got.code != ExitOK {
			t.Fatalf("exit code %d, %v; stdout:\n%s\nstderr:\n%s", got.code, err, got.stdout, got.stderr)
		}
		var held publish.VillageLists
		if err := yaml.UnmarshalStrict([]byte(c.lists["330324108207"].Data["lists.yaml"]), &held); err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(held, printed.VillageLists); diff != "" || printed.Kind != "VillageLists" || printed.Village.Name != "芙蓉村" {
			t.Errorf("%s %s (-held +printed):\n%s", printed.Kind, printed.Village.Name, diff)
		}
	})
}

// TestListsAsACadre: the cunshe-village role reads the village's lists
// ConfigMap and no Village; by code the lists show, without names.
func TestListsAsACadre(t *testing.T) {
	c := newCity(t)
	villages := schema.GroupResource{Group: governancev1alpha1.GroupVersion.Group, Resource: "villages"}
	useCluster(t, interceptor.Funcs{
		Get: func(ctx context.Context, cl client.WithWatch, key client.ObjectKey, obj client.Object, opts ...client.GetOption) error {
			if _, ok := obj.(*governancev1alpha1.Village); ok {
				return apierrors.NewForbidden(villages, key.Name, nil)
			}
			return cl.Get(ctx, key, obj, opts...)
		},
		List: func(ctx context.Context, cl client.WithWatch, list client.ObjectList, opts ...client.ListOption) error {
			if _, ok := list.(*governancev1alpha1.VillageList); ok {
				return apierrors.NewForbidden(villages, "", nil)
			}
			return cl.List(ctx, list, opts...)
		},
	}, c.objects(nil)...)

	got := run(t, "", "lists", "330324108207")
	if got.code != ExitOK {
		t.Fatalf("exit code %d:\n%s", got.code, got.stderr)
	}
	if want := "村社 330324108207（村）\n所属：330324 330324108\n区划代码：330324108207\n清单版本：第 2 版\n"; !strings.HasPrefix(got.stdout, want) {
		t.Errorf("the header is not %q:\n%s", want, got.stdout)
	}
	named := run(t, "", "lists", "芙蓉村")
	if named.code != ExitFailure || named.stdout != "" ||
		!strings.Contains(named.stderr, "列出村社失败 / listing Villages: villages.governance.cunshe.io is forbidden") ||
		!strings.HasSuffix(named.stderr, "；请用 12 位区划代码 / use the 12-digit division code\n") {
		t.Errorf("by name: exit code %d, stderr:\n%s", named.code, named.stderr)
	}
	if !strings.Contains(got.stderr, "无权读取村社登记（Village），名称从略 / may not read Villages: names are left out") {
		t.Errorf("stderr does not say why the names are missing:\n%s", got.stderr)
	}
}

func TestListsCases(t *testing.T) {
	c := newCity(t)
	noConfigMap := func() []client.Object {
		var out []client.Object
		for _, o := range c.objects(nil) {
			if cm, ok := o.(*corev1.ConfigMap); ok && cm.Namespace == "village-330302006045" {
				continue
			}
			out = append(out, o)
		}
		return out
	}
	tests := map[string]struct {
		args []string
		// objects replace the city's when set.
		objects []client.Object
		// wantCode is the exit code.
		wantCode int
		// wantStderr must appear in stderr.
		wantStderr string
	}{
		"a village that holds no revision yet": {
			args: []string{"武阳村"}, wantCode: ExitFailure,
			wantStderr: "错误 / error: 武阳村（330328102227）尚未收到清单版本 / 武阳村（330328102227） holds no list revision yet (ConfigMap village-330328102227/cunshe-lists)\n",
		},
		"a name two villages share": {
			args: []string{"三星村"}, wantCode: ExitUnusableInput,
			wantStderr: `有 2 个村社名为 "三星村"，请用区划代码 / 2 villages are named "三星村"; use the division code:
  330303014215 三星村（龙湾区天河街道）
  330324002247 三星村（永嘉县北城街道）
运行 / run 'kubectl cunshe lists --help'`,
		},
		"a name nobody has": {
			args: []string{"桃花源村"}, wantCode: ExitFailure,
			wantStderr: `集群中没有名为 "桃花源村" 的村社；也可用 12 位区划代码 / no Village named "桃花源村" in the cluster; a 12-digit division code works too`,
		},
		"a code nobody has": {
			args: []string{"330302006999"}, wantCode: ExitFailure,
			wantStderr: `集群中没有村社 "330302006999" / Village "330302006999" not found in the cluster`,
		},
		"a tenant without its ConfigMap": {
			args: []string{"330302006045"}, objects: noConfigMap(), wantCode: ExitFailure,
			wantStderr: `集群中没有村社清单 ConfigMap "village-330302006045/cunshe-lists" / lists ConfigMap "village-330302006045/cunshe-lists" not found in the cluster（墨池社区（330302006045）的租户可能尚未开通`,
		},
		"an unknown output format": {
			args: []string{"鼓楼社区", "-o", "wide"}, wantCode: ExitUnusableInput,
			wantStderr: `输出格式 "wide" 无效`,
		},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			objs := tc.objects
			if objs == nil {
				objs = c.objects(nil)
			}
			useCluster(t, interceptor.Funcs{}, objs...)
			got := run(t, "", append([]string{"lists"}, tc.args...)...)
			if got.code != tc.wantCode {
				t.Errorf("exit code = %d, want %d; stderr:\n%s", got.code, tc.wantCode, got.stderr)
			}
			if got.stdout != "" {
				t.Errorf("stdout is not empty:\n%s", got.stdout)
			}
			if !strings.Contains(got.stderr, tc.wantStderr) {
				t.Errorf("stderr does not contain %q:\n%s", tc.wantStderr, got.stderr)
			}
		})
	}
}
