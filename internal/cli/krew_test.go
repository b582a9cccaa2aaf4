package cli

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/yaml"
)

// krewPlugin is the part of krew's Plugin (krew.googlecontainers.github.com/
// v1alpha2) a manifest may hold; decoding is strict, so a misspelt field
// fails here as krew would refuse it.
type krewPlugin struct {
	APIVersion string `json:"apiVersion"`
	Kind       string `json:"kind"`
	Metadata   struct {
		Name string `json:"name"`
	} `json:"metadata"`
	Spec struct {
		Version          string         `json:"version"`
		Homepage         string         `json:"homepage"`
		ShortDescription string         `json:"shortDescription"`
		Description      string         `json:"description"`
		Caveats          string         `json:"caveats"`
		Platforms        []krewPlatform `json:"platforms"`
	} `json:"spec"`
}

type krewPlatform struct {
	Selector *metav1.LabelSelector `json:"selector"`
	URI      string                `json:"uri"`
	Sha256   string                `json:"sha256"`
	Bin      string                `json:"bin"`
	Files    []struct {
		From string `json:"from"`
		To   string `json:"to"`
	} `json:"files"`
}

// distPlatforms are the archives make dist builds.
var distPlatforms = []string{"linux/amd64", "linux/arm64", "darwin/amd64", "darwin/arm64", "windows/amd64", "windows/arm64"}

func readKrewManifest(t *testing.T, path string) krewPlugin {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var p krewPlugin
	if err := yaml.UnmarshalStrict(data, &p); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return p
}

// checkKrewManifest checks what krew needs of every manifest: one platform
// per archive, selected by os and arch, its bin (.exe on Windows) and the
// completion hook copied, its archive named for the version and platform.
// sha256 says what each platform's checksum must look like.
func checkKrewManifest(t *testing.T, p krewPlugin, version string, sha256 func(platform string) string) {
	t.Helper()
	if p.APIVersion != "krew.googlecontainers.github.com/v1alpha2" || p.Kind != "Plugin" || p.Metadata.Name != "cunshe" {
		t.Errorf("apiVersion %s, kind %s, name %s", p.APIVersion, p.Kind, p.Metadata.Name)
	}
	if p.Spec.Version != version || p.Spec.ShortDescription == "" || p.Spec.Homepage == "" {
		t.Errorf("version %q (want %q), shortDescription %q, homepage %q", p.Spec.Version, version, p.Spec.ShortDescription, p.Spec.Homepage)
	}
	var seen []string
	for _, pl := range p.Spec.Platforms {
		if pl.Selector == nil || len(pl.Selector.MatchExpressions) > 0 {
			t.Errorf("platform %+v: select by matchLabels os and arch", pl)
			continue
		}
		goos, arch := pl.Selector.MatchLabels["os"], pl.Selector.MatchLabels["arch"]
		platform := goos + "/" + arch
		seen = append(seen, platform)
		bin, hook := "kubectl-cunshe", "kubectl_complete-cunshe"
		if goos == "windows" {
			bin, hook = bin+".exe", hook+".cmd"
		}
		if pl.Bin != bin {
			t.Errorf("%s: bin %q, want %q", platform, pl.Bin, bin)
		}
		var from []string
		for _, f := range pl.Files {
			from = append(from, f.From)
			if f.To != "." {
				t.Errorf("%s: %s goes to %q, want the plugin's folder", platform, f.From, f.To)
			}
		}
		if !slices.Contains(from, bin) || !slices.Contains(from, hook) {
			t.Errorf("%s: files %v, want %s and %s", platform, from, bin, hook)
		}
		archive := fmt.Sprintf("/kubectl-cunshe_%s_%s_%s.tar.gz", version, goos, arch)
		if !strings.HasSuffix(pl.URI, archive) || !strings.HasPrefix(pl.URI, "http") && !strings.HasPrefix(pl.URI, "{{RELEASE_URL}}") {
			t.Errorf("%s: uri %q, want …%s", platform, pl.URI, archive)
		}
		if want := sha256(platform); pl.Sha256 != want {
			t.Errorf("%s: sha256 %q, want %q", platform, pl.Sha256, want)
		}
	}
	slices.Sort(seen)
	want := slices.Sorted(slices.Values(distPlatforms))
	if !slices.Equal(seen, want) {
		t.Errorf("platforms %v, want %v", seen, want)
	}
}

// TestKrewManifest: plugins/cunshe.yaml is a template of a valid krew
// manifest for the six archives make dist builds, and hack/dist.sh renders
// it with the version, the release URL and each archive's sha256.
func TestKrewManifest(t *testing.T) {
	const template = "../../plugins/cunshe.yaml"
	t.Run("the template", func(t *testing.T) {
		checkKrewManifest(t, readKrewManifest(t, template), "{{VERSION}}", func(platform string) string {
			return "{{SHA256_" + strings.ReplaceAll(platform, "/", "_") + "}}"
		})
	})
	t.Run("rendered by hack/dist.sh", func(t *testing.T) {
		if _, err := exec.LookPath("bash"); err != nil {
			t.Skip("no bash")
		}
		dist := t.TempDir()
		var sums strings.Builder
		sum := func(platform string) string { // a distinct fake checksum per archive
			return fmt.Sprintf("%064x", len(platform)*1000+int(platform[0])+int(platform[len(platform)-1]))
		}
		for _, p := range distPlatforms {
			fmt.Fprintf(&sums, "%s  kubectl-cunshe_v1.2.3_%s.tar.gz\n", sum(p), strings.ReplaceAll(p, "/", "_"))
		}
		writeFile(t, dist, "sha256sums", sums.String())
		cmd := exec.Command("bash", "hack/dist.sh", "render")
		cmd.Dir = "../.."
		cmd.Env = append(os.Environ(), "VERSION=v1.2.3", "DIST="+dist, "RELEASE_URL=https://example.com/releases/v1.2.3")
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("hack/dist.sh render: %v\n%s", err, out)
		}
		rendered := filepath.Join(dist, "cunshe.yaml")
		p := readKrewManifest(t, rendered)
		checkKrewManifest(t, p, "v1.2.3", sum)
		data, _ := os.ReadFile(rendered)
		if regexp.MustCompile(`\{\{[A-Za-z_]`).Match(data) {
			t.Errorf("placeholders left:\n%s", data)
		}
		if !strings.HasPrefix(p.Spec.Platforms[0].URI, "https://example.com/releases/v1.2.3/") {
			t.Errorf("uri %q is not under RELEASE_URL", p.Spec.Platforms[0].URI)
		}
	})
	t.Run("a version that is not semver", func(t *testing.T) {
		dist := t.TempDir()
		writeFile(t, dist, "sha256sums", "")
		cmd := exec.Command("bash", "hack/dist.sh", "render")
		cmd.Dir = "../.."
		cmd.Env = append(os.Environ(), "VERSION=eff7d0d-dirty", "DIST="+dist)
		out, err := cmd.CombinedOutput()
		// krew needs semver: the archives are named for v0.0.0-<version>.
		if err == nil || !strings.Contains(string(out), "kubectl-cunshe_v0.0.0-eff7d0d-dirty_linux_amd64.tar.gz") {
			t.Errorf("err %v, output:\n%s", err, out)
		}
	})
}
