package v1alpha1_test

import (
	"context"
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/client/apiutil"

	governancev1alpha1 "github.com/cunshe/cunshe-operator/api/v1alpha1"
)

func listItem(name string) *governancev1alpha1.ListItem {
	return &governancev1alpha1.ListItem{
		ObjectMeta: metav1.ObjectMeta{Name: name},
		Spec: governancev1alpha1.ListItemSpec{
			List: governancev1alpha1.ListAdmission, Title: "协助开展人口普查入户登记", VillageRole: governancev1alpha1.RoleAssist,
			Applicant: governancev1alpha1.Applicant{Kind: governancev1alpha1.ApplicantCityDepartment, Name: "tjj"},
			Basis:     governancev1alpha1.Basis{Kind: governancev1alpha1.BasisLaw, Citation: "《全国人口普查条例》第十条"},
		},
	}
}

func powerFlow(name string, actor governancev1alpha1.FlowActor) *governancev1alpha1.PowerFlow {
	return &governancev1alpha1.PowerFlow{
		ObjectMeta: metav1.ObjectMeta{Name: name},
		Spec: governancev1alpha1.PowerFlowSpec{Title: "村级工程项目", Start: "propose", Steps: []governancev1alpha1.FlowStep{
			{ID: "propose", Name: "村党组织提议", Actor: actor},
		}},
	}
}

// withoutField is obj as a manifest that leaves a field out, as a YAML file
// may (the Go client always sends a string field or a struct). path names
// the field; a number in it is an index into a list.
func withoutField(t *testing.T, obj client.Object, path ...any) *unstructured.Unstructured {
	t.Helper()
	gvk, err := apiutil.GVKForObject(obj, env.Client.Scheme())
	if err != nil {
		t.Fatal(err)
	}
	content, err := runtime.DefaultUnstructuredConverter.ToUnstructured(obj)
	if err != nil {
		t.Fatal(err)
	}
	var parent any = content
	for _, key := range path[:len(path)-1] {
		switch k := key.(type) {
		case string:
			parent = parent.(map[string]any)[k]
		case int:
			parent = parent.([]any)[k]
		}
	}
	delete(parent.(map[string]any), path[len(path)-1].(string))
	u := &unstructured.Unstructured{Object: content}
	u.SetGroupVersionKind(gvk)
	return u
}

// TestTheAPIServerRefusesBilingually: what the API server checks itself
// (required fields, allowed values) reaches the user in Chinese and
// English with the rule it enforces, not in the schema's English alone.
// The whole error is checked: nothing English-only comes with it.
func TestTheAPIServerRefusesBilingually(t *testing.T) {
	tests := map[string]struct {
		// obj is an otherwise valid object that breaks one rule.
		obj client.Object
		// want is the whole error a user reads.
		want string
	}{
		"a village with an empty name (S1)": {
			obj: func() client.Object { v := village("330302006060"); v.Spec.Name = ""; return v }(),
			want: `Village.governance.cunshe.io "330302006060" is invalid: spec.name: Required value: ` +
				`S1 村（社区）须写明名称（spec.name），如“鼓楼社区” / a village needs its name (spec.name), e.g. 鼓楼社区`,
		},
		"a village without its name (S1)": {
			obj: withoutField(t, village("330302006061"), "spec", "name"),
			want: `Village.governance.cunshe.io "330302006061" is invalid: spec.name: Required value: ` +
				`S1 村（社区）须写明名称（spec.name），如“鼓楼社区” / a village needs its name (spec.name), e.g. 鼓楼社区`,
		},
		"a village type that is neither Village nor Community (S1)": {
			obj: func() client.Object { v := village("330302006062"); v.Spec.Type = "Town"; return v }(),
			want: `Village.governance.cunshe.io "330302006062" is invalid: spec.type: Invalid value: "Town": ` +
				`S1 村（社区）类型只能是 Village（村）或 Community（社区） / a village's type is Village (村) or Community (社区)`,
		},
		"a village without its type (S1)": {
			obj: withoutField(t, village("330302006063"), "spec", "type"),
			want: `Village.governance.cunshe.io "330302006063" is invalid: spec.type: Required value: ` +
				`S1 村（社区）须写明类型（spec.type）：Village（村）或 Community（社区） / a village needs its type (spec.type): Village (村) or Community (社区)`,
		},
		"a list item without a basis (S3)": {
			obj: withoutField(t, listItem("no-basis"), "spec", "basis"),
			want: `ListItem.governance.cunshe.io "no-basis" is invalid: spec.basis: Required value: ` +
				`S3 事项须写明设立依据（spec.basis）：法律、法规、市级以上文件或群众利益，及其出处 / an item needs its basis (spec.basis): a law, a regulation, a document of the city or above, or residents' interest, with its citation`,
		},
		"a list item whose basis has no kind (S3)": {
			obj: withoutField(t, listItem("basis-without-kind"), "spec", "basis", "kind"),
			want: `ListItem.governance.cunshe.io "basis-without-kind" is invalid: spec.basis.kind: Required value: ` +
				`S3 设立依据须写明类型（basis.kind）：Law、Regulation、CityDocument 或 ResidentInterest / the basis needs its kind (basis.kind): Law, Regulation, CityDocument or ResidentInterest`,
		},
		"a list item whose basis is of no known kind (S3)": {
			obj: func() client.Object { it := listItem("basis-of-no-kind"); it.Spec.Basis.Kind = "Custom"; return it }(),
			want: `ListItem.governance.cunshe.io "basis-of-no-kind" is invalid: spec.basis.kind: Invalid value: "Custom": ` +
				`S3 设立依据的类型只能是 Law（法律）、Regulation（法规）、CityDocument（市级以上文件）或 ResidentInterest（群众利益） / the basis's kind is Law, Regulation, CityDocument or ResidentInterest`,
		},
		"a retirement without a reason (S7)": {
			obj: func() client.Object {
				it := listItem("retired-without-reason")
				it.Spec.Retirement = &governancev1alpha1.Retirement{Effective: "2027-01-01"}
				return it
			}(),
			want: `ListItem.governance.cunshe.io "retired-without-reason" is invalid: spec.retirement.reason: Required value: ` +
				`S7 事项退出清单须写明理由（retirement.reason），如依据已废止 / a retirement needs its reason (retirement.reason), e.g. the basis was repealed`,
		},
		"a flow step of an unknown actor (P1)": {
			obj: powerFlow("unknown-actor", "Mayor"),
			want: `PowerFlow.governance.cunshe.io "unknown-actor" is invalid: spec.steps[0].actor: Invalid value: "Mayor": ` +
				`P1 执行主体只能是 PartyOrganization（村党组织）、VillagersCommittee（村民委员会）、SupervisionCommittee（村务监督委员会）、VillagersAssembly（村民（代表）会议）、EconomicCooperative（村经济合作社）、Township（乡镇（街道））或 Residents（村民（居民）） / a step's actor is PartyOrganization, VillagersCommittee, SupervisionCommittee, VillagersAssembly, EconomicCooperative, Township or Residents`,
		},
		"a flow step without an actor (P1)": {
			obj: withoutField(t, powerFlow("no-actor", governancev1alpha1.ActorTownship), "spec", "steps", 0, "actor"),
			want: `PowerFlow.governance.cunshe.io "no-actor" is invalid: spec.steps[0].actor: Required value: ` +
				`P1 流程步骤须写明执行主体（actor） / a flow step needs its actor`,
		},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			err := env.Client.Create(context.Background(), tc.obj)
			if err == nil || err.Error() != tc.want {
				t.Errorf("refused with:\n%v\nwant:\n%s", err, tc.want)
			}
		})
	}
}
