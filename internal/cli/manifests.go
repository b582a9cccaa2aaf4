package cli

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"reflect"
	"slices"
	"strings"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	utiljson "k8s.io/apimachinery/pkg/util/json"
	utilyaml "k8s.io/apimachinery/pkg/util/yaml"
	sigsjson "sigs.k8s.io/json"
	"sigs.k8s.io/yaml"

	governancev1alpha1 "github.com/cunshe/cunshe-operator/api/v1alpha1"
	"github.com/cunshe/cunshe-operator/internal/rules"
)

// stdinName names standard input in messages.
const stdinName = "<stdin>"

// manifest is one object of a manifest file.
type manifest struct {
	file  string // the path as the user gave it, or <stdin>
	index int    // the document's position among the file's non-empty documents, from 1
	gvk   schema.GroupVersionKind
	// obj is the strictly decoded object: a kind of governance.cunshe.io or
	// a core Namespace. Documents of other groups are not kept.
	obj runtime.Object
	// raw is the object as written, which the API server's schema checks
	// (a field left out is not a field set to its zero value).
	raw map[string]any
}

// name is the object's metadata.name.
func (m manifest) name() string {
	if o, err := meta.Accessor(m.obj); err == nil {
		return o.GetName()
	}
	return ""
}

// ref reads Kind/name, as findings name objects.
func (m manifest) ref() string { return m.gvk.Kind + "/" + m.name() }

// where reads file#document.
func (m manifest) where() string { return fmt.Sprintf("%s#%d", m.file, m.index) }

// governanceKinds maps the kinds of governance.cunshe.io/v1alpha1 to their
// Go types, read from the API package's scheme so that a kind added there
// is known here too.
var governanceKinds = func() map[string]reflect.Type {
	s := runtime.NewScheme()
	if err := governancev1alpha1.AddToScheme(s); err != nil {
		panic(err)
	}
	pkg := reflect.TypeFor[governancev1alpha1.ListItem]().PkgPath()
	kinds := map[string]reflect.Type{}
	for kind, t := range s.KnownTypes(governancev1alpha1.GroupVersion) {
		if t.PkgPath() == pkg { // not metav1's WatchEvent, ListOptions, …
			kinds[kind] = t
		}
	}
	return kinds
}()

// knownKinds lists governanceKinds for messages, lists last.
func knownKinds() string {
	var kinds []string
	for k := range governanceKinds {
		if !strings.HasSuffix(k, "List") {
			kinds = append(kinds, k)
		}
	}
	slices.Sort(kinds)
	return strings.Join(kinds, ", ")
}

var namespaceGVK = corev1.SchemeGroupVersion.WithKind("Namespace")

// documentError is a problem with one document of a file: the input is
// unusable (exit code 2).
type documentError struct {
	file  string
	index int
	ref   string // Kind "name", when known
	err   error
}

func (e *documentError) Error() string {
	where := fmt.Sprintf("%s: 第 %d 个文档 / document %d", e.file, e.index, e.index)
	if e.ref != "" {
		where += " (" + e.ref + ")"
	}
	return where + ": " + e.err.Error()
}

func (e *documentError) Unwrap() error { return e.err }

// readInput reads path, or stdin when path is "-", and returns the name to
// use in messages.
func readInput(stdin io.Reader, path string) (name string, data []byte, err error) {
	if path == "-" {
		data, err = io.ReadAll(stdin)
		name = stdinName
	} else {
		data, err = os.ReadFile(path)
		name = path
	}
	if err != nil {
		return name, nil, fmt.Errorf("无法读取 %s / reading %s: %w", name, name, err)
	}
	return name, data, nil
}

// decodeManifests splits data into YAML (or JSON) documents and decodes
// each kind of governance.cunshe.io, and each core Namespace, strictly:
// unknown and duplicate fields, wrong types, unknown kinds of the group and
// syntax errors are errors that name the document. Documents of other
// groups, and documents that are no Kubernetes object at all (no apiVersion,
// e.g. a list to paste somewhere or a Helm values file), are skipped.
func decodeManifests(file string, data []byte) ([]manifest, error) {
	reader := utilyaml.NewYAMLReader(bufio.NewReader(bytes.NewReader(data)))
	var out []manifest
	index := 0
	for {
		doc, err := reader.Read()
		if errors.Is(err, io.EOF) {
			return out, nil
		}
		if err != nil {
			return nil, &documentError{file: file, index: index + 1, err: fmt.Errorf("无法读取 / reading: %w", err)}
		}
		js, err := yaml.YAMLToJSONStrict(doc)
		if err != nil {
			return nil, &documentError{file: file, index: index + 1, err: fmt.Errorf("YAML 语法错误 / YAML syntax error: %w", err)}
		}
		js = bytes.TrimSpace(js)
		if len(js) == 0 || bytes.Equal(js, []byte("null")) {
			continue // only comments: not a document
		}
		index++
		objs, raws, derr := decodeDocument(js)
		if derr != nil {
			derr.file, derr.index = file, index
			return nil, derr
		}
		for i, obj := range objs {
			out = append(out, manifest{file: file, index: index, gvk: obj.GetObjectKind().GroupVersionKind(), obj: obj, raw: raws[i]})
		}
	}
}

// decodeDocument decodes one document, given as JSON, and returns each
// object with its fields as written. A typed list of the group
// (ListItemList, …) yields its items.
func decodeDocument(js []byte) ([]runtime.Object, []map[string]any, *documentError) {
	objs, derr := decodeObjects(js)
	if derr != nil || len(objs) == 0 {
		return nil, nil, derr
	}
	var raw map[string]any // numbers as the API server reads them: int64 where integral
	if err := utiljson.Unmarshal(js, &raw); err != nil {
		return nil, nil, &documentError{err: err} // decoded strictly above: cannot happen
	}
	if len(objs) == 1 && raw["kind"] == objs[0].GetObjectKind().GroupVersionKind().Kind {
		return objs, []map[string]any{raw}, nil // not a list
	}
	raws := make([]map[string]any, len(objs))
	items, _ := raw["items"].([]any)
	for i := range objs {
		if i < len(items) {
			raws[i], _ = items[i].(map[string]any)
		}
	}
	return objs, raws, nil
}

// decodeObjects decodes one document strictly into the objects it holds.
func decodeObjects(js []byte) ([]runtime.Object, *documentError) {
	if js[0] != '{' {
		return nil, nil // a list or a scalar: not a Kubernetes object
	}
	var head struct {
		APIVersion string `json:"apiVersion"`
		Kind       string `json:"kind"`
		Metadata   struct {
			Name string `json:"name"`
		} `json:"metadata"`
	}
	// Lenient on purpose: the strict decoding below reports what is wrong.
	_ = json.Unmarshal(js, &head)
	ref := ""
	if head.Kind != "" {
		ref = fmt.Sprintf("%s %q", head.Kind, head.Metadata.Name)
	}
	if head.APIVersion == "" {
		if _, ours := governanceKinds[head.Kind]; ours {
			return nil, &documentError{ref: ref, err: errors.New("缺少 apiVersion / apiVersion is missing")}
		}
		return nil, nil // not a Kubernetes object, or not ours (a kustomization.yaml may omit it)
	}
	gv, err := schema.ParseGroupVersion(head.APIVersion)
	if err != nil {
		return nil, &documentError{ref: ref, err: fmt.Errorf("apiVersion %q 无效 / apiVersion %q is invalid", head.APIVersion, head.APIVersion)}
	}
	gvk := gv.WithKind(head.Kind)
	var obj runtime.Object
	switch {
	case gv.Group == governancev1alpha1.GroupVersion.Group && head.Kind == "":
		return nil, &documentError{err: errors.New("缺少 kind / kind is missing")}
	case gv.Group == governancev1alpha1.GroupVersion.Group:
		t, ok := governanceKinds[head.Kind]
		if !ok || gv != governancev1alpha1.GroupVersion {
			return nil, &documentError{ref: ref, err: fmt.Errorf("%s 中没有 %s 这种对象；已知的有 / %s has no kind %s; known kinds are: %s",
				head.APIVersion, head.Kind, head.APIVersion, head.Kind, knownKinds())}
		}
		obj = reflect.New(t).Interface().(runtime.Object)
	case gvk == namespaceGVK:
		obj = &corev1.Namespace{}
	default:
		return nil, nil // another group (or a Helm Chart.yaml): not ours to check
	}
	strict, err := sigsjson.UnmarshalStrict(js, obj)
	if err != nil {
		return nil, &documentError{ref: ref, err: fmt.Errorf("字段类型或取值错误 / wrong field type or value: %s", strings.TrimPrefix(err.Error(), "json: "))}
	}
	if len(strict) > 0 {
		msgs := make([]string, len(strict))
		for i, e := range strict {
			msgs[i] = strictMessage(e)
		}
		return nil, &documentError{ref: ref, err: errors.New(strings.Join(msgs, "; "))}
	}
	obj.GetObjectKind().SetGroupVersionKind(gvk)
	if !meta.IsListType(obj) {
		return []runtime.Object{obj}, nil
	}
	items, err := meta.ExtractList(obj)
	if err != nil {
		return nil, &documentError{ref: ref, err: err}
	}
	itemGVK := gv.WithKind(strings.TrimSuffix(head.Kind, "List"))
	for _, item := range items {
		item.GetObjectKind().SetGroupVersionKind(itemGVK)
	}
	return items, nil
}

// strictMessage explains a strict-decoding error (unknown or duplicate
// field) in both languages.
func strictMessage(err error) string {
	msg := strings.TrimPrefix(err.Error(), "json: ")
	field := msg
	if fe, ok := err.(sigsjson.FieldError); ok {
		field = fmt.Sprintf("%q", fe.FieldPath())
	}
	switch {
	case strings.HasPrefix(msg, "unknown field"):
		return fmt.Sprintf("未知字段 %s / unknown field %s", field, field)
	case strings.HasPrefix(msg, "duplicate field"):
		return fmt.Sprintf("重复字段 %s / duplicate field %s", field, field)
	default:
		return msg
	}
}

// listItemsOf returns the ListItems among ms.
func listItemsOf(ms []manifest) []*governancev1alpha1.ListItem {
	var items []*governancev1alpha1.ListItem
	for _, m := range ms {
		if item, ok := m.obj.(*governancev1alpha1.ListItem); ok {
			items = append(items, item)
		}
	}
	return items
}

// itemFlows are the PowerFlows read beside the items, by name: a
// MicroPower item's digest covers its flow's content (P1).
type itemFlows map[string]*governancev1alpha1.PowerFlowSpec

// digest is the item's digest, with its flow for a MicroPower item; a flow
// that is not among the files is an error, not a digest no unit can use.
func (f itemFlows) digest(item *governancev1alpha1.ListItem) (string, error) {
	if item.Spec.List != governancev1alpha1.ListMicroPower {
		return rules.Digest(&item.Spec, nil), nil
	}
	flow := f[item.Spec.FlowRef]
	if flow == nil {
		return "", fmt.Errorf("P1 小微权力事项 %[1]q 的摘要包含其运行流程图 %[2]q，请一并给出该流程图的文件 / the digest of MicroPower item %[1]q covers its PowerFlow %[2]q: give the flow's file too",
			item.Name, item.Spec.FlowRef)
	}
	return rules.Digest(&item.Spec, flow), nil
}

// readListItems reads the ListItems of the files at paths ("-" is stdin),
// in order, and the PowerFlows among them; no ListItem at all is unusable
// input.
func readListItems(stdin io.Reader, paths []string) ([]*governancev1alpha1.ListItem, itemFlows, error) {
	var items []*governancev1alpha1.ListItem
	flows := itemFlows{}
	var names []string
	for _, path := range paths {
		name, data, err := readInput(stdin, path)
		if err != nil {
			return nil, nil, err
		}
		names = append(names, name)
		ms, err := decodeManifests(name, data)
		if err != nil {
			return nil, nil, err
		}
		items = append(items, listItemsOf(ms)...)
		for _, m := range ms {
			if f, ok := m.obj.(*governancev1alpha1.PowerFlow); ok {
				flows[f.Name] = &f.Spec
			}
		}
	}
	if len(items) == 0 {
		what := strings.Join(names, ", ")
		return nil, nil, fmt.Errorf("%s 中没有 ListItem / %s holds no ListItem", what, what)
	}
	return items, flows, nil
}
