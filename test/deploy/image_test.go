package deploy_test

import (
	"bufio"
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
)

// dockerfile is what the chart relies on in the Dockerfile's final stage.
type dockerfile struct {
	entrypoint []string // ENTRYPOINT, exec form
	user       string   // USER, "uid:gid"
	buildTags  string   // the manager's `go build -tags`
}

// parseDockerfile reads the last ENTRYPOINT and USER (the final stage's)
// and the tags of the manager's build, joining continued lines.
func parseDockerfile(t *testing.T) dockerfile {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(root, "Dockerfile"))
	if err != nil {
		t.Fatal(err)
	}
	var d dockerfile
	for _, line := range dockerfileInstructions(string(data)) {
		keyword, args, _ := strings.Cut(line, " ")
		args = strings.TrimSpace(args)
		switch strings.ToUpper(keyword) {
		case "ENTRYPOINT":
			if err := json.Unmarshal([]byte(args), &d.entrypoint); err != nil {
				t.Fatalf("Dockerfile: ENTRYPOINT %s is not in exec form: %v", args, err)
			}
		case "USER":
			d.user = args
		case "RUN":
			if m := regexp.MustCompile(`go build .*-tags[ =](\S+).*\./cmd/manager`).FindStringSubmatch(args); m != nil {
				d.buildTags = m[1]
			}
		}
	}
	return d
}

// dockerfileInstructions are the Dockerfile's instructions, one a string,
// without comments and with `\` continuations joined.
func dockerfileInstructions(text string) []string {
	var out []string
	var cur strings.Builder
	sc := bufio.NewScanner(strings.NewReader(text))
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if strings.HasPrefix(line, "#") || (line == "" && cur.Len() == 0) {
			continue
		}
		if cont, ok := strings.CutSuffix(line, `\`); ok {
			cur.WriteString(cont + " ")
			continue
		}
		cur.WriteString(line)
		out = append(out, cur.String())
		cur.Reset()
	}
	return out
}

// makefileImage is the repository of the Makefile's IMG, what `make
// docker-build` tags.
func makefileImage(t *testing.T) string {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(root, "Makefile"))
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile(`(?m)^IMG \?= ([^:\s]+):`).FindSubmatch(data)
	if m == nil {
		t.Fatal("Makefile: no `IMG ?= <repository>:<tag>`")
	}
	return string(m[1])
}

// TestImageMatchesDockerfile checks that the Deployments the chart and
// config/default render start the image `make docker-build` builds as it
// is built: its repository, its entrypoint, its user, and arguments its
// manager accepts (issue 15, item 10).
func TestImageMatchesDockerfile(t *testing.T) {
	image := parseDockerfile(t)
	if image.buildTags != "nolocal" {
		t.Errorf("Dockerfile: the manager is built with -tags %q, want nolocal (no local mode in the image)", image.buildTags)
	}
	manager := buildManager(t, image.buildTags)
	for name, objs := range map[string][]*unstructured.Unstructured{
		"chart, defaults": helmTemplate(t, "cunshe-operator", "cunshe-system"),
		"chart, cert-manager, no portal": helmTemplate(t, "gov", "ops",
			"webhook.certManager.enabled=true", "portal.enabled=false"),
		"chart, the portal's public URL": helmTemplate(t, "gov", "ops", "portal.publicURL=https://cunshe.example.gov.cn"),
		"kustomize":                      kustomizeBuild(t),
	} {
		t.Run(name, func(t *testing.T) {
			d := only[appsv1.Deployment](t, objs, "Deployment")
			c := d.Spec.Template.Spec.Containers[0]
			if repo, _, _ := strings.Cut(c.Image, ":"); repo != makefileImage(t) {
				t.Errorf("image %s, but make docker-build builds %s", c.Image, makefileImage(t))
			}
			if strings.Join(c.Command, " ") != strings.Join(image.entrypoint, " ") {
				t.Errorf("command %q, but the image's ENTRYPOINT is %q", c.Command, image.entrypoint)
			}
			if user := runAs(d.Spec.Template.Spec.SecurityContext); user != image.user {
				t.Errorf("the pod runs as %s, but the image's USER is %s", user, image.user)
			}
			checkManagerAccepts(t, manager, c.Args)
		})
	}
}

// runAs is the pod's runAsUser:runAsGroup.
func runAs(sc *corev1.PodSecurityContext) string {
	if sc == nil || sc.RunAsUser == nil || sc.RunAsGroup == nil {
		return "an unset user"
	}
	return strconv.FormatInt(*sc.RunAsUser, 10) + ":" + strconv.FormatInt(*sc.RunAsGroup, 10)
}

// buildManager builds the manager as the Dockerfile does (its tags) into
// a temporary folder.
func buildManager(t *testing.T, tags string) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "manager")
	cmd := exec.Command("go", "build", "-tags", tags, "-ldflags=-s -w", "-o", bin, "./cmd/manager") // no symbols: a quicker link
	cmd.Dir = root
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build -tags %s ./cmd/manager: %v\n%s", tags, err, out)
	}
	return bin
}

// checkManagerAccepts runs the manager with args and -help: the flag package
// parses every argument first (unknown flags and bad values exit 2), then
// prints the usage and exits 0 without starting anything.
func checkManagerAccepts(t *testing.T, manager string, args []string) {
	t.Helper()
	out, err := exec.Command(manager, append(args, "-help")...).CombinedOutput()
	var exit *exec.ExitError
	if errors.As(err, &exit) {
		first, _, _ := strings.Cut(string(out), "\n")
		t.Errorf("the image's manager refuses the arguments %q: exit code %d: %s", args, exit.ExitCode(), first)
	} else if err != nil {
		t.Fatal(err)
	}
}
