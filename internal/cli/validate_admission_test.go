package cli

import (
	"encoding/json"
	"slices"
	"testing"
)

// TestValidateAsWhoApplies: a folder checked --as the user who applies it
// meets admission's rules on the requester (S4, S5); --refuse-sample-keys
// plays a cluster outside local mode (S5). The folder is the clean one of
// validate's goldens: four units with sample keys, items and signed
// approvals, departments and villages.
func TestValidateAsWhoApplies(t *testing.T) {
	const folder = "testdata/validate/clean"
	const findings = "testdata/validate/findings"
	tests := map[string]struct {
		args []string
		// want are findings "severity rule Kind/name" that must be among the report's.
		want []string
		// none are rules that must not be reported as errors.
		none []string
	}{
		"as the folder's author, unsigned approvals are info": {
			args: []string{findings},
			want: []string{"info S5 ItemApproval/l6-collective-asset-lease.zzb"},
		},
		"as a GitOps bot, an unsigned approval is refused": {
			args: []string{findings, "--as", "system:serviceaccount:argocd:argocd-application-controller"},
			want: []string{"error S5 ItemApproval/l6-collective-asset-lease.zzb"},
		},
		"as a member of the unit, the unsigned approval is admitted": {
			args: []string{findings, "--as", "zzb-member", "--as-group", "cunshe:unit:zzb"},
			none: []string{"S5 ItemApproval/l6-collective-asset-lease.zzb"},
		},
		"as another department's clerk, the items are not theirs to propose (S4)": {
			args: []string{folder, "--as", "mzj-clerk", "--as-group", "cunshe:dept:mzj"},
			want: []string{"error S4 ListItem/l1-census-assist"},
		},
		"as a cluster outside local mode, the samples' keys are refused": {
			args: []string{folder, "--refuse-sample-keys"},
			want: []string{"error S5 ReviewUnit/mzj", "error S5 ItemApproval/l1-census-assist.mzj"},
		},
		"as local mode, the samples' keys are accepted": {
			args: []string{folder},
			none: []string{"S5 ReviewUnit/mzj"},
		},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			got := run(t, "", append([]string{"validate", "-o", "json"}, tc.args...)...)
			var report validateReport
			if err := json.Unmarshal([]byte(got.stdout), &report); err != nil {
				t.Fatalf("%v:\n%s%s", err, got.stdout, got.stderr)
			}
			var said []string
			for _, f := range report.Findings {
				said = append(said, f.Severity+" "+f.Rule+" "+f.Object)
			}
			for _, w := range tc.want {
				if !slices.Contains(said, w) {
					t.Errorf("no finding %q among %q", w, said)
				}
			}
			for _, n := range tc.none {
				if slices.Contains(said, "error "+n) || slices.Contains(said, "info "+n) {
					t.Errorf("finding %q among %q", n, said)
				}
			}
		})
	}
}
