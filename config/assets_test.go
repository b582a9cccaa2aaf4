package config

import (
	"slices"
	"strings"
	"testing"
)

// Every sample unit's key is known, so that none can approve outside local
// mode: the lists' four Wenzhou units and the presets' units.
func TestSampleKeysCoverEverySampleUnit(t *testing.T) {
	keys, err := SampleKeys()
	if err != nil {
		t.Fatal(err)
	}
	names := map[string]bool{}
	for _, where := range keys {
		names[where] = true
	}
	for _, want := range []string{"sjw/sjw-local-only", "zzb/zzb-local-only", "mzj/mzj-local-only", "nyj/nyj-local-only"} {
		if !names[want] {
			t.Errorf("the sample key %s is not known; known: %v", want, keys)
		}
	}
	var presets int
	for where := range names {
		if !strings.HasSuffix(where, "-local-only") {
			t.Errorf("%s: every sample key's ID ends in -local-only", where)
		}
		if !strings.HasPrefix(where, "sjw/") && !strings.HasPrefix(where, "zzb/") && !strings.HasPrefix(where, "mzj/") && !strings.HasPrefix(where, "nyj/") {
			presets++
		}
	}
	if presets == 0 {
		t.Errorf("no preset's unit key is known: %v", keys)
	}
}

// OpenReports' CRDs, which the local mode and the tests install, are
// embedded and decode.
func TestOpenReportsCRDs(t *testing.T) {
	crds, err := OpenReportsCRDs()
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, c := range crds {
		names = append(names, c.Name)
	}
	if want := []string{"clusterreports.openreports.io", "reports.openreports.io"}; !slices.Equal(names, want) {
		t.Errorf("OpenReports CRDs: %v, want %v", names, want)
	}
}

// The wg-policy PolicyReport CRDs, which the tests install, are embedded,
// decode, and serve wgpolicyk8s.io/v1alpha2, the version the operator writes.
func TestPolicyReportCRDs(t *testing.T) {
	crds, err := PolicyReportCRDs()
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, c := range crds {
		names = append(names, c.Name)
		if len(c.Spec.Versions) != 1 || c.Spec.Versions[0].Name != "v1alpha2" || !c.Spec.Versions[0].Served {
			t.Errorf("%s serves %v, want v1alpha2 alone", c.Name, c.Spec.Versions)
		}
	}
	if want := []string{"clusterpolicyreports.wgpolicyk8s.io", "policyreports.wgpolicyk8s.io"}; !slices.Equal(names, want) {
		t.Errorf("PolicyReport CRDs: %v, want %v", names, want)
	}
}
