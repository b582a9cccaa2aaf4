package cli

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	governancev1alpha1 "github.com/cunshe/cunshe-operator/api/v1alpha1"
)

// S6, S19: offline, an emergency exemption of the folder that ended and no
// review unit ratified in the city's time counts against its department, as
// the operator counts it; one a unit ratified does not.
func TestComplianceCountsUnratifiedEmergencies(t *testing.T) {
	exemption := `apiVersion: governance.cunshe.io/v1alpha1
kind: EmergencyExemption
metadata: {name: flood-patrol-7b1d0e22, namespace: dept-mzj, labels: {governance.cunshe.io/department: mzj}}
spec:
  department: mzj
  task: {name: flood-patrol, uid: 7b1d0e22-0000-0000-0000-000000000000}
  subject: 强降雨内涝巡查
  category: PropertySafety
  nature: Sudden
  issuer: {name: 市民政局局长, level: Department}
  justification: 强降雨致内涝，需巡查低洼地带
  scope: {counties: ["330302"]}
  start: "2026-11-01T00:00:00Z"
  expires: "2026-11-08T00:00:00Z"
`
	ratified := `apiVersion: governance.cunshe.io/v1alpha1
kind: EmergencyDecision
metadata: {name: flood-patrol-7b1d0e22.sjw, namespace: dept-mzj, creationTimestamp: "2026-11-10T00:00:00Z"}
spec: {exemption: flood-patrol-7b1d0e22, unit: sjw, outcome: Ratified}
`
	for name, tc := range map[string]struct {
		docs       string
		unratified int32
	}{
		"unratified after 15 days": {docs: exemption, unratified: 1},
		"ratified by a unit":       {docs: exemption + "---\n" + ratified, unratified: 0},
	} {
		t.Run(name, func(t *testing.T) {
			dir := t.TempDir()
			if err := os.CopyFS(dir, os.DirFS(complianceCity)); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(filepath.Join(dir, "emergency.yaml"), []byte(tc.docs), 0o644); err != nil {
				t.Fatal(err)
			}
			got := run(t, "", "compliance", "-f", dir, "--today", "2026-12-07", "-o", "json")
			if got.code != ExitOK {
				t.Fatalf("exit code %d:\n%s", got.code, got.stderr)
			}
			var list struct {
				Items []json.RawMessage `json:"items"`
			}
			if err := json.Unmarshal([]byte(got.stdout), &list); err != nil {
				t.Fatal(err)
			}
			for _, raw := range list.Items {
				var dc governancev1alpha1.DepartmentCompliance
				if json.Unmarshal(raw, &dc) != nil || dc.Kind != "DepartmentCompliance" || dc.Name != "mzj" {
					continue
				}
				if dc.Status.UnratifiedEmergencies != tc.unratified {
					t.Errorf("unratifiedEmergencies = %d, want %d: %+v", dc.Status.UnratifiedEmergencies, tc.unratified, dc.Status)
				}
				return
			}
			t.Fatalf("no DepartmentCompliance mzj in:\n%s", got.stdout)
		})
	}
}
