// Package config embeds the generated manifests the local mode and the tests
// install: CRDs, webhook configurations, the tenants' cluster roles and the
// sample division registry.
package config

import (
	"bufio"
	"bytes"
	"embed"
	"fmt"
	"io"
	"io/fs"
	"path"

	admissionv1 "k8s.io/api/admissionregistration/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	utilyaml "k8s.io/apimachinery/pkg/util/yaml"
	"sigs.k8s.io/yaml"

	governancev1alpha1 "github.com/cunshe/cunshe-operator/api/v1alpha1"
)

//go:embed crd/bases/*.yaml thirdparty/openreports/*.yaml thirdparty/wgpolicyk8s/*.yaml rbac/tenant_roles.yaml rbac/actor_roles.yaml webhook samples/wenzhou-divisions.csv samples/jurisdictions/*/*.yaml samples/lists/review-units.yaml
var files embed.FS

// CRDs returns the generated CustomResourceDefinitions.
func CRDs() ([]*apiextensionsv1.CustomResourceDefinition, error) {
	return decodeDir[apiextensionsv1.CustomResourceDefinition]("crd/bases")
}

// OpenReportsCRDs returns OpenReports' CustomResourceDefinitions
// (openreports.io/v1alpha1 Report and ClusterReport, config/thirdparty),
// which the local mode and the tests install so the operator writes its
// reports there; on a real cluster, OpenReports or Policy Reporter brings them.
func OpenReportsCRDs() ([]*apiextensionsv1.CustomResourceDefinition, error) {
	return decodeDir[apiextensionsv1.CustomResourceDefinition]("thirdparty/openreports")
}

// PolicyReportCRDs returns the wg-policy PolicyReport CRDs
// (wgpolicyk8s.io/v1alpha2 PolicyReport and ClusterPolicyReport,
// config/thirdparty/wgpolicyk8s) that clusters on older Kyverno and Policy
// Reporter releases serve instead of OpenReports; the tests install them.
func PolicyReportCRDs() ([]*apiextensionsv1.CustomResourceDefinition, error) {
	return decodeDir[apiextensionsv1.CustomResourceDefinition]("thirdparty/wgpolicyk8s")
}

// TenantClusterRoles returns the cluster roles every village tenant binds.
func TenantClusterRoles() ([]*rbacv1.ClusterRole, error) {
	return decodeFile[rbacv1.ClusterRole]("rbac/tenant_roles.yaml")
}

// ActorClusterRoles returns the cluster roles of the actors (DESIGN.md) that
// platform ops bind.
func ActorClusterRoles() ([]*rbacv1.ClusterRole, error) {
	return decodeFile[rbacv1.ClusterRole]("rbac/actor_roles.yaml")
}

// Webhooks returns the generated webhook configurations, if any.
func Webhooks() ([]*admissionv1.ValidatingWebhookConfiguration, []*admissionv1.MutatingWebhookConfiguration, error) {
	const file = "webhook/manifests.yaml"
	if _, err := fs.Stat(files, file); err != nil {
		return nil, nil, nil
	}
	validating, err := decodeKind[admissionv1.ValidatingWebhookConfiguration](file, "ValidatingWebhookConfiguration")
	if err != nil {
		return nil, nil, err
	}
	mutating, err := decodeKind[admissionv1.MutatingWebhookConfiguration](file, "MutatingWebhookConfiguration")
	return validating, mutating, err
}

// SampleDivisions opens the Wenzhou division registry shipped as sample data.
func SampleDivisions() io.Reader {
	data, err := files.ReadFile("samples/wenzhou-divisions.csv")
	if err != nil {
		panic(err) // embedded at build time
	}
	return bytes.NewReader(data)
}

// SampleKeys are the public keys of the sample review units (the lists'
// and every preset's), whose private halves are shipped beside them: base64
// key → "<unit>/<key id>". Outside local mode the operator refuses them.
func SampleKeys() (map[string]string, error) {
	paths := []string{"samples/lists/review-units.yaml"}
	for _, p := range Presets() {
		entries, err := fs.Glob(files, path.Join(presetDir, p, "*.yaml"))
		if err != nil {
			return nil, err
		}
		paths = append(paths, entries...)
	}
	keys := map[string]string{}
	for _, f := range paths {
		units, err := decodeKind[governancev1alpha1.ReviewUnit](f, "ReviewUnit")
		if err != nil {
			return nil, err
		}
		for _, u := range units {
			for _, k := range u.Spec.PublicKeys {
				keys[k.Ed25519] = u.Name + "/" + k.ID
			}
		}
	}
	return keys, nil
}

// presetDir holds the presets: one folder per city or province, applied by
// kubectl apply -k or by the local mode's --preset. Only the YAML files are
// embedded, never the sample keys beside them.
const presetDir = "samples/jurisdictions"

// Presets names the presets shipped in config/samples/jurisdictions.
func Presets() []string {
	entries, err := files.ReadDir(presetDir)
	if err != nil {
		return nil
	}
	var names []string
	for _, e := range entries {
		if e.IsDir() {
			names = append(names, e.Name())
		}
	}
	return names
}

// Preset returns the objects of a preset in the order its
// kustomization.yaml lists its files (Jurisdiction first).
func Preset(name string) ([]*unstructured.Unstructured, error) {
	dir := path.Join(presetDir, name)
	var k struct{ Resources []string }
	data, err := files.ReadFile(path.Join(dir, "kustomization.yaml"))
	if err != nil {
		return nil, fmt.Errorf("no preset %q (known: %v): %w", name, Presets(), err)
	}
	if err := yaml.Unmarshal(data, &k); err != nil {
		return nil, fmt.Errorf("reading preset %s: %w", name, err)
	}
	var out []*unstructured.Unstructured
	for _, file := range k.Resources {
		objs, err := decodeKind[unstructured.Unstructured](path.Join(dir, file), "")
		if err != nil {
			return nil, err
		}
		out = append(out, objs...)
	}
	return out, nil
}

func decodeDir[T any](dir string) ([]*T, error) {
	entries, err := files.ReadDir(dir)
	if err != nil {
		return nil, err
	}
	var out []*T
	for _, e := range entries {
		objs, err := decodeFile[T](path.Join(dir, e.Name()))
		if err != nil {
			return nil, err
		}
		out = append(out, objs...)
	}
	return out, nil
}

func decodeFile[T any](file string) ([]*T, error) {
	return decodeKind[T](file, "")
}

// decodeKind decodes the documents of a multi-document YAML file, keeping
// only those of the given kind when kind is not empty.
func decodeKind[T any](file, kind string) ([]*T, error) {
	data, err := files.ReadFile(file)
	if err != nil {
		return nil, err
	}
	reader := utilyaml.NewYAMLReader(bufioReader(data))
	var out []*T
	for {
		doc, err := reader.Read()
		if err == io.EOF {
			return out, nil
		}
		if err != nil {
			return nil, fmt.Errorf("reading %s: %w", file, err)
		}
		var meta struct{ Kind string }
		if err := yaml.Unmarshal(doc, &meta); err != nil {
			return nil, fmt.Errorf("decoding %s: %w", file, err)
		}
		if meta.Kind == "" || (kind != "" && meta.Kind != kind) {
			continue
		}
		obj := new(T)
		if err := yaml.UnmarshalStrict(doc, obj); err != nil {
			return nil, fmt.Errorf("decoding %s: %w", file, err)
		}
		out = append(out, obj)
	}
}

func bufioReader(data []byte) *bufio.Reader { return bufio.NewReader(bytes.NewReader(data)) }
