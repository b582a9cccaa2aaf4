package cli

// The helpers every command shares. Commands depend on this file (and on
// manifests.go, the manifest decoder), never on one another: a command file
// holds its cobra command, its options and what only it does.
//
// Sections: exit codes and usage errors; the clock; connecting (kubectl's
// flags from k8s.io/cli-runtime); reading and writing the cluster; printing
// (-o, tables, manifests); files; key files; the division registry;
// completion.

import (
	"bufio"
	"bytes"
	"cmp"
	"context"
	"crypto/ed25519"
	"crypto/x509"
	"encoding/csv"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"maps"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/schollz/progressbar/v3"
	"github.com/spf13/cobra"
	yamlv3 "go.yaml.in/yaml/v3"
	"golang.org/x/term"
	"golang.org/x/text/width"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	utilruntime "k8s.io/apimachinery/pkg/util/runtime"
	"k8s.io/apimachinery/pkg/util/validation"
	"k8s.io/cli-runtime/pkg/genericclioptions"
	"k8s.io/cli-runtime/pkg/printers"
	"k8s.io/client-go/rest"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/client/apiutil"
	"sigs.k8s.io/yaml"

	governancev1alpha1 "github.com/cunshe/cunshe-operator/api/v1alpha1"
	"github.com/cunshe/cunshe-operator/internal/divisions"
	"github.com/cunshe/cunshe-operator/internal/rules"
)

// ——— Exit codes and usage errors ———

// Exit codes of kubectl-cunshe.
const (
	// ExitOK means the command did what it was asked.
	ExitOK = 0
	// ExitFailure means the command failed for another reason than its
	// input, e.g. an output folder that cannot be written.
	ExitFailure = 1
	// ExitUnusableInput means the command line or the input file is
	// unusable (unknown flag, malformed CSV row, …); nothing was written.
	ExitUnusableInput = 2
)

// exitError carries the exit code an error should end the process with.
type exitError struct {
	code int
	err  error
}

func (e *exitError) Error() string { return e.err.Error() }

func (e *exitError) Unwrap() error { return e.err }

// inputError marks err as the input's fault: exit code 2.
func inputError(err error) error {
	return &exitError{code: ExitUnusableInput, err: err}
}

// usageError marks err as the command line's fault: exit code 2, and a
// pointer to the command's help.
func usageError(cmd *cobra.Command, err error) error {
	return &exitError{code: ExitUnusableInput, err: fmt.Errorf("%w\n运行 / run '%s --help' 查看用法 / for usage", err, cmd.CommandPath())}
}

func unknownCommand(cmd *cobra.Command, name string) error {
	msg := fmt.Sprintf("未知命令 %q / unknown command %q", name, name)
	if s := cmd.SuggestionsFor(name); len(s) > 0 {
		msg += fmt.Sprintf("；是否要用 / did you mean: %s", strings.Join(s, ", "))
	}
	return errors.New(msg)
}

// exactArgs is cobra.ExactArgs with a bilingual usage error naming the
// arguments, e.g. exactArgs("FILE.csv").
func exactArgs(names ...string) cobra.PositionalArgs {
	return func(cmd *cobra.Command, args []string) error {
		if len(args) == len(names) {
			return nil
		}
		if len(names) == 0 {
			return usageError(cmd, fmt.Errorf("不接受参数，收到 %d 个 / takes no arguments, got %d", len(args), len(args)))
		}
		return usageError(cmd, fmt.Errorf("需要 %d 个参数 %s，收到 %d 个 / want %d argument(s) %s, got %d",
			len(names), strings.Join(names, " "), len(args), len(names), strings.Join(names, " "), len(args)))
	}
}

// minimumArgs is cobra.MinimumNArgs(1) with a bilingual usage error naming
// the arguments, e.g. minimumArgs("FILE...").
func minimumArgs(names string) cobra.PositionalArgs {
	return func(cmd *cobra.Command, args []string) error {
		if len(args) > 0 {
			return nil
		}
		return usageError(cmd, fmt.Errorf("需要至少 1 个参数 %s / want at least 1 argument %s", names, names))
	}
}

// requireFlags is cobra's MarkFlagRequired with a bilingual usage error
// (exit code 2).
func requireFlags(cmd *cobra.Command, names ...string) error {
	var missing []string
	for _, n := range names {
		if !cmd.Flags().Changed(n) {
			missing = append(missing, "--"+n)
		}
	}
	if len(missing) == 0 {
		return nil
	}
	return usageError(cmd, fmt.Errorf("缺少必需的参数 %s / required flag(s) %s not set", strings.Join(missing, ", "), strings.Join(missing, ", ")))
}

// ——— The clock ———

// now is the clock of the commands; tests replace it.
var now = time.Now

// ——— Connecting ———

// newClusterClient connects the commands that read and write the cluster;
// tests replace it with a fake client.
var newClusterClient = defaultClusterClient

// defaultClusterClient is a controller-runtime client that knows the
// governance kinds and the core ones (the villages' lists ConfigMaps).
func defaultClusterClient(cfg *rest.Config) (client.Client, error) {
	return client.New(cfg, client.Options{Scheme: clusterScheme})
}

// clusterScheme knows the kinds the commands read, write and print.
var clusterScheme = func() *runtime.Scheme {
	s := runtime.NewScheme()
	utilruntime.Must(governancev1alpha1.AddToScheme(s))
	utilruntime.Must(corev1.AddToScheme(s))
	return s
}()

// clusterFlags are kubectl's connection flags from k8s.io/cli-runtime
// (--kubeconfig, --context, --cluster, --user, -s/--server, --token, the TLS
// flags, --as, --as-group, --as-uid, --request-timeout, and -n/--namespace on
// the commands that take a namespace), so that the kubeconfig is found and
// overridden exactly as kubectl does it.
type clusterFlags struct {
	*genericclioptions.ConfigFlags
}

// clusterFlagUsage says what kubectl's connection flags do, in both languages.
var clusterFlagUsage = map[string]string{
	"kubeconfig":               "kubeconfig 文件路径 / path to the kubeconfig file",
	"context":                  "使用的 kubeconfig 上下文 / the kubeconfig context to use",
	"cluster":                  "使用的 kubeconfig 集群 / the kubeconfig cluster to use",
	"user":                     "使用的 kubeconfig 用户 / the kubeconfig user to use",
	"namespace":                "命名空间 / the namespace",
	"server":                   "API 服务器的地址和端口 / the address and port of the Kubernetes API server",
	"tls-server-name":          "校验服务器证书所用的名称 / the server name the server's certificate is checked against",
	"insecure-skip-tls-verify": "不校验服务器证书（不安全）/ do not check the server's certificate (insecure)",
	"certificate-authority":    "CA 证书文件 / the certificate authority's file",
	"client-certificate":       "TLS 客户端证书文件 / the client certificate file for TLS",
	"client-key":               "TLS 客户端私钥文件 / the client key file for TLS",
	"token":                    "访问 API 服务器的令牌 / the bearer token for the API server",
	"as":                       "以该用户身份操作 / the user to impersonate",
	"as-group":                 "以该组身份操作，可重复 / a group to impersonate, may repeat",
	"as-uid":                   "以该 UID 身份操作 / the UID to impersonate",
	"as-user-extra":            "模拟用户的附加信息 KEY=VALUE，可重复 / an extra of the impersonated user, KEY=VALUE, may repeat",
	"request-timeout":          "单次请求的超时，0 为不限 / how long one request may take; 0 for ever",
	"disable-compression":      "不压缩 API 服务器的响应 / opt out of response compression",
	"proxy-url":                "访问 API 服务器所用的代理 / the proxy for requests to the API server",
}

// addClusterFlags adds kubectl's connection flags to cmd; namespaced adds
// -n/--namespace too. Village cadres and review-unit members act in their
// own identities, and an administrator may act as one of them with --as.
func addClusterFlags(cmd *cobra.Command, namespaced bool) *clusterFlags {
	f := genericclioptions.NewConfigFlags(false)
	f.CacheDir = nil // the client asks for the kinds it needs: no discovery cache to keep
	f.Timeout = ptr.To("30s")
	if !namespaced {
		f.Namespace = nil
	}
	f.AddFlags(cmd.Flags())
	for name, usage := range clusterFlagUsage {
		if fl := cmd.Flags().Lookup(name); fl != nil {
			fl.Usage = usage
		}
	}
	k := &clusterFlags{f}
	_ = cmd.RegisterFlagCompletionFunc("context", k.completeContexts)
	if namespaced {
		_ = cmd.RegisterFlagCompletionFunc("namespace", completeFromCluster(k, listNamespaceNames))
	}
	return k
}

// defaultClusterFlags reach the cluster of the kubeconfig kubectl would use,
// for a completion on a command that does not connect otherwise.
func defaultClusterFlags() *clusterFlags {
	f := genericclioptions.NewConfigFlags(false)
	f.CacheDir = nil
	return &clusterFlags{f}
}

// restConfig loads the kubeconfig. The API server's warnings (a rule in warn
// mode, a deprecated field) go to stderr, as kubectl prints them.
func (f *clusterFlags) restConfig(cmd *cobra.Command) (*rest.Config, error) {
	cfg, err := f.ToRESTConfig()
	if err != nil {
		return nil, fmt.Errorf("无法加载 kubeconfig / loading the kubeconfig: %w", err)
	}
	cfg.WarningHandler = rest.NewWarningWriter(cmd.ErrOrStderr(), rest.WarningWriterOptions{Deduplicate: true})
	return cfg, nil
}

// connect loads the kubeconfig and connects.
func (f *clusterFlags) connect(cmd *cobra.Command) (client.Client, error) {
	cfg, err := f.restConfig(cmd)
	if err != nil {
		return nil, err
	}
	c, err := newClusterClient(cfg)
	if err != nil {
		return nil, fmt.Errorf("无法连接集群 / connecting to the cluster: %w", err)
	}
	return c, nil
}

// ——— Reading and writing the cluster ———

// getObject gets one object and turns the API's errors into bilingual
// ones; zh and en name the kind, e.g. "清单发布", "ListRollout".
func getObject(ctx context.Context, c client.Reader, key client.ObjectKey, obj client.Object, zh, en string) error {
	err := c.Get(ctx, key, obj)
	name := key.Name
	if key.Namespace != "" {
		name = key.Namespace + "/" + key.Name
	}
	switch {
	case err == nil:
		return nil
	case apierrors.IsNotFound(err):
		return &explainedError{msg: fmt.Sprintf("集群中没有%s %q / %s %q not found in the cluster", zh, name, en, name), err: err}
	default:
		return clusterError(err, "读取"+zh+" "+strconv.Quote(name), "getting "+en+" "+strconv.Quote(name))
	}
}

// explainedError is an API error with a message of our own instead of the
// API's text; apierrors.IsNotFound and the like still see the API error.
type explainedError struct {
	msg string
	err error
}

func (e *explainedError) Error() string { return e.msg }

func (e *explainedError) Unwrap() error { return e.err }

// listObjects lists objects and turns the API's errors into bilingual ones.
func listObjects(ctx context.Context, c client.Reader, list client.ObjectList, zh, en string, opts ...client.ListOption) error {
	if err := c.List(ctx, list, opts...); err != nil {
		return clusterError(err, "列出"+zh, "listing "+en+"s")
	}
	return nil
}

// clusterError explains an API error of doing zh / en.
func clusterError(err error, zh, en string) error {
	if meta.IsNoMatchError(err) {
		return fmt.Errorf("%s失败：集群未安装该资源（CRD）/ %s: the cluster does not serve the kind (is the CRD installed?): %w", zh, en, err)
	}
	return fmt.Errorf("%s失败 / %s: %w", zh, en, err)
}

// listRevisions returns the cluster's ListRevisions by number.
func listRevisions(ctx context.Context, c client.Reader) ([]governancev1alpha1.ListRevision, error) {
	revs := &governancev1alpha1.ListRevisionList{}
	if err := listObjects(ctx, c, revs, "清单版本", "ListRevision"); err != nil {
		return nil, err
	}
	slices.SortFunc(revs.Items, func(a, b governancev1alpha1.ListRevision) int {
		return cmp.Compare(a.Spec.Revision, b.Spec.Revision)
	})
	return revs.Items, nil
}

// listJurisdictions reads the cities and provinces; a reader who may not
// list them, or a cluster without the kind, sees one unnamed city.
func listJurisdictions(ctx context.Context, c client.Reader) rules.Jurisdictions {
	list := &governancev1alpha1.JurisdictionList{}
	if err := c.List(ctx, list); err != nil {
		return rules.NewJurisdictions(nil)
	}
	return rules.NewJurisdictions(list.Items)
}

// cityRevisions are the revisions of the city a rollout or a flag names
// ("" is the default city), in increasing order.
func cityRevisions(ctx context.Context, c client.Reader, jurisdiction string) ([]governancev1alpha1.ListRevision, rules.Jurisdictions, error) {
	juris := listJurisdictions(ctx, c)
	revs, err := listRevisions(ctx, c)
	if err != nil {
		return nil, juris, err
	}
	city := juris.Resolve(jurisdiction)
	return slices.DeleteFunc(revs, func(r governancev1alpha1.ListRevision) bool { return juris.RevisionCity(&r) != city }), juris, nil
}

// findRevision picks revision arg out of revs: a number (3) or an object
// name (lists-3). It returns nil when none matches.
func findRevision(revs []governancev1alpha1.ListRevision, arg string) *governancev1alpha1.ListRevision {
	n, numErr := strconv.ParseInt(arg, 10, 64)
	for i := range revs {
		if revs[i].Name == arg || (numErr == nil && revs[i].Spec.Revision == n) {
			return &revs[i]
		}
	}
	return nil
}

// countyNames maps county codes to names, as the Villages give them. It
// is best effort: a reader who may not list Villages gets codes only.
func countyNames(ctx context.Context, c client.Reader) map[string]string {
	villages := &governancev1alpha1.VillageList{}
	names := map[string]string{}
	if err := c.List(ctx, villages); err != nil {
		return names
	}
	for _, v := range villages.Items {
		names[v.Spec.County.Code] = v.Spec.County.Name
	}
	return names
}

// countyLabel is a county's code and name, or its code alone when unknown.
func countyLabel(code string, names map[string]string) string {
	if n := names[code]; n != "" {
		return code + " " + n
	}
	return code
}

// villageCode is a 12-digit statistical division code.
var villageCode = regexp.MustCompile(`^[0-9]{12}$`)

// refusalLine closes the lists: what is not on them may be refused (S1, S8).
const refusalLine = "清单之外的事项，村（社区）有权拒绝并向联审单位反映（S1、S8）。"

// findVillage finds a Village by its code or by its name; a name that
// several villages share is a usage error listing them.
func findVillage(ctx context.Context, cmd *cobra.Command, c client.Reader, arg string) (*governancev1alpha1.Village, error) {
	if villageCode.MatchString(arg) {
		v := &governancev1alpha1.Village{}
		if err := getObject(ctx, c, client.ObjectKey{Name: arg}, v, "村社", "Village"); err != nil {
			return nil, err
		}
		return v, nil
	}
	villages := &governancev1alpha1.VillageList{}
	if err := listObjects(ctx, c, villages, "村社", "Village"); err != nil {
		if apierrors.IsForbidden(err) {
			err = fmt.Errorf("%w；请用 12 位区划代码 / use the 12-digit division code", err)
		}
		return nil, err
	}
	var found []*governancev1alpha1.Village
	for i := range villages.Items {
		if villages.Items[i].Spec.Name == arg {
			found = append(found, &villages.Items[i])
		}
	}
	switch len(found) {
	case 0:
		return nil, fmt.Errorf("集群中没有名为 %q 的村社；也可用 12 位区划代码 / no Village named %q in the cluster; a 12-digit division code works too", arg, arg)
	case 1:
		return found[0], nil
	}
	slices.SortFunc(found, func(a, b *governancev1alpha1.Village) int { return strings.Compare(a.Spec.Code, b.Spec.Code) })
	names := make([]string, len(found))
	for i, v := range found {
		names[i] = v.Spec.Code + " " + v.Spec.Name + "（" + v.Spec.County.Name + v.Spec.Township.Name + "）"
	}
	return nil, usageError(cmd, fmt.Errorf("有 %d 个村社名为 %q，请用区划代码 / %d villages are named %q; use the division code:\n  %s",
		len(found), arg, len(found), arg, strings.Join(names, "\n  ")))
}

// villageLabel is a village's name and code, or its code alone.
func villageLabel(v *governancev1alpha1.Village) string {
	if v.Spec.Name == "" {
		return "村社 " + v.Spec.Code
	}
	return v.Spec.Name + "（" + v.Spec.Code + "）"
}

// maxNumbered is how many numbered names (-2, -3, …) a generated name tries.
const maxNumbered = 20

// createNamed creates obj under its name or, when numbered and the name is
// taken, the first free one of name-2 … name-20.
func createNamed(ctx context.Context, c client.Client, obj client.Object, numbered bool) error {
	base := obj.GetName()
	for n := 1; ; n++ {
		if n > 1 {
			obj.SetName(fmt.Sprintf("%s-%d", base, n))
		}
		err := c.Create(ctx, obj)
		if !numbered || n == maxNumbered || !apierrors.IsAlreadyExists(err) {
			return err
		}
	}
}

// refused explains a failed create: the API's refusal (a rule of the
// webhook or the schema, or RBAC) as it gives it, with exit code 1.
func refused(err error, zh, en string) error {
	if apierrors.IsForbidden(err) || apierrors.IsInvalid(err) || apierrors.IsAlreadyExists(err) {
		return &exitError{code: ExitFailure, err: fmt.Errorf("%s被拒绝 / %s was refused: %w", zh, en, err)}
	}
	return clusterError(err, zh, en)
}

// ——— Printing ———

// say prints lines to the command's stdout.
func say(cmd *cobra.Command, lines ...string) error {
	_, err := io.WriteString(cmd.OutOrStdout(), strings.Join(lines, "\n")+"\n")
	return err
}

// shortHash is the first 12 hex digits of a sha256:… digest.
func shortHash(h string) string {
	h = strings.TrimPrefix(h, "sha256:")
	if len(h) > 12 {
		h = h[:12]
	}
	return h
}

// writeTable writes rows as columns padded to their display width — a
// Chinese character takes two columns of a terminal, which text/tabwriter
// does not know — two spaces apart, each line starting with indent.
func writeTable(w io.Writer, indent string, rows [][]string) error {
	var widths []int
	for _, r := range rows {
		for i, cell := range r {
			if i == len(widths) {
				widths = append(widths, 0)
			}
			widths[i] = max(widths[i], displayWidth(cell))
		}
	}
	var b strings.Builder
	for _, r := range rows {
		line := indent
		for i, cell := range r {
			line += cell
			if i < len(r)-1 {
				line += strings.Repeat(" ", widths[i]-displayWidth(cell)+2)
			}
		}
		b.WriteString(strings.TrimRight(line, " "))
		b.WriteByte('\n')
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// displayWidth is the number of terminal columns s takes.
func displayWidth(s string) int {
	n := 0
	for _, r := range s {
		switch width.LookupRune(r).Kind() {
		case width.EastAsianWide, width.EastAsianFullwidth:
			n += 2
		default:
			n++
		}
	}
	return n
}

const yamlSeparator = "---\n"

type manifestMeta struct {
	Name      string `yaml:"name"`
	Namespace string `yaml:"namespace"`
}

// writeManifest writes one YAML document, starting with a separator so that
// several runs concatenate into one stream.
func writeManifest(cmd *cobra.Command, m any) error {
	var b bytes.Buffer
	b.WriteString(yamlSeparator)
	enc := yamlv3.NewEncoder(&b)
	enc.SetIndent(2)
	if err := enc.Encode(m); err != nil {
		return err
	}
	if err := enc.Close(); err != nil {
		return err
	}
	_, err := cmd.OutOrStdout().Write(b.Bytes())
	return err
}

// resultAPIVersion is the apiVersion of what commands print that is no API
// object (a validation report, a diff, a village's tasks…): documents in
// Kubernetes' shape that no API server serves, like client.authentication.
// k8s.io's ExecCredential. docs/cli.md lists their kinds and fields.
const resultAPIVersion = "cli.cunshe.io/v1alpha1"

// resultType is the apiVersion and kind of a result.
func resultType(kind string) metav1.TypeMeta {
	return metav1.TypeMeta{APIVersion: resultAPIVersion, Kind: kind}
}

// deepCopyResult copies a result through JSON: results are plain data, and
// the printers only copy what they print.
func deepCopyResult[T any](in *T) *T {
	out := new(T)
	data, err := json.Marshal(in)
	if err == nil {
		err = json.Unmarshal(data, out)
	}
	utilruntime.Must(err)
	return out
}

// namedResult is a result that -o name prints as the API objects it is
// about (a rollout's revisions, a village's tasks), one kind/name a line.
type namedResult interface {
	objectRefs() []runtime.Object
}

// objectRef names an object of the governance group for -o name.
func objectRef(kind, namespace, name string) runtime.Object {
	return &metav1.PartialObjectMetadata{
		TypeMeta:   metav1.TypeMeta{APIVersion: governancev1alpha1.GroupVersion.String(), Kind: kind},
		ObjectMeta: metav1.ObjectMeta{Namespace: namespace, Name: name},
	}
}

// printFlags is -o: kubectl's printers from k8s.io/cli-runtime (json, yaml,
// kyaml, name where it fits, go-template and jsonpath with --template).
// Without -o a command prints its text for people.
type printFlags struct {
	flags *genericclioptions.PrintFlags
	// hint follows the error of an unknown format, e.g. where an old use
	// of -o went.
	hint string
}

// addPrintFlags adds -o and the template flags to cmd; withName allows -o
// name, for commands whose output is about named objects.
func addPrintFlags(cmd *cobra.Command, withName bool) *printFlags {
	f := genericclioptions.NewPrintFlags("").WithTypeSetter(clusterScheme)
	if !withName {
		f.NamePrintFlags = nil
	}
	f.AddFlags(cmd)
	formats := f.AllowedFormats()
	cmd.Flags().Lookup("output").Usage = "输出格式，默认为供人阅读的文本 / output format, text for people by default: " + strings.Join(formats, "|")
	cmd.Flags().Lookup("template").Usage = "-o go-template 或 jsonpath 的模板 / the template of -o go-template or jsonpath"
	cmd.Flags().Lookup("allow-missing-template-keys").Usage = "模板中缺少的键不算错误 / ignore keys a template names and the object lacks"
	cmd.Flags().Lookup("show-managed-fields").Usage = "-o json|yaml 时保留 managedFields / keep managedFields in -o json|yaml"
	_ = cmd.RegisterFlagCompletionFunc("output", cobra.FixedCompletions(formats, cobra.ShellCompDirectiveNoFileComp))
	return &printFlags{flags: f}
}

// printer is the printer -o asks for, or nil for the command's text. An
// unknown format is a usage error, to be found before the command acts.
func (p *printFlags) printer(cmd *cobra.Command) (printers.ResourcePrinter, error) {
	f := p.flags
	if *f.OutputFormat == "" && *f.TemplatePrinterFlags.TemplateArgument == "" {
		return nil, nil
	}
	pr, err := f.ToPrinter()
	switch {
	case genericclioptions.IsNoCompatiblePrinterError(err):
		formats := strings.Join(f.AllowedFormats(), ", ")
		err := fmt.Errorf("输出格式 %q 无效，可选 / output format %q is not supported; use one of: %s", *f.OutputFormat, *f.OutputFormat, formats)
		if p.hint != "" {
			err = fmt.Errorf("%w\n%s", err, p.hint)
		}
		return nil, usageError(cmd, err)
	case err != nil:
		return nil, usageError(cmd, fmt.Errorf("输出格式无效 / bad output format: %w", err))
	}
	return pr, nil
}

// printObjects prints objs with pr: one object as itself, several as a v1
// List (as kubectl get prints them), and for -o name one line per object
// (a result's, the objects it is about).
func (p *printFlags) printObjects(w io.Writer, pr printers.ResourcePrinter, objs ...runtime.Object) error {
	if strings.EqualFold(*p.flags.OutputFormat, "name") {
		for _, o := range objs {
			refs := []runtime.Object{o}
			if r, ok := o.(namedResult); ok {
				refs = r.objectRefs()
			}
			for _, ref := range refs {
				if err := pr.PrintObj(ref, w); err != nil {
					return err
				}
			}
		}
		return nil
	}
	if len(objs) == 1 {
		return pr.PrintObj(objs[0], w)
	}
	list := &corev1.List{TypeMeta: metav1.TypeMeta{APIVersion: "v1", Kind: "List"}}
	for _, o := range objs {
		list.Items = append(list.Items, runtime.RawExtension{Object: withKind(o)})
	}
	return pr.PrintObj(list, w)
}

// withKind sets obj's apiVersion and kind, which the client leaves empty on
// typed objects, from the scheme.
func withKind(obj runtime.Object) runtime.Object {
	if obj.GetObjectKind().GroupVersionKind().Empty() {
		if gvk, err := apiutil.GVKForObject(obj, clusterScheme); err == nil {
			obj.GetObjectKind().SetGroupVersionKind(gvk)
		}
	}
	return obj
}

// ——— Files ———

// outputFile is one file a command writes into an output folder.
type outputFile struct {
	name string // base name inside the folder
	data []byte
}

// writeFiles writes files into dir, creating dir when missing. Each file is
// first written to a hidden temporary file in dir and the temporaries are
// renamed into place only once all of them were written, so a failure
// leaves no partial file behind.
func writeFiles(dir string, files []outputFile) (err error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("无法创建输出目录 / creating the output folder: %w", err)
	}
	temps := make([]string, 0, len(files))
	defer func() {
		if err != nil {
			for _, t := range temps {
				_ = os.Remove(t) // already renamed ones are gone: ErrNotExist
			}
		}
	}()
	for _, f := range files {
		// A folder in the way would fail its rename after others succeeded.
		if fi, err := os.Lstat(filepath.Join(dir, f.name)); err == nil && fi.IsDir() {
			return fmt.Errorf("无法写入 %s：同名目录已存在 / cannot write %s: a folder of that name exists",
				filepath.Join(dir, f.name), filepath.Join(dir, f.name))
		}
	}
	for _, f := range files {
		t, err := writeTemp(dir, f)
		if err != nil {
			return err
		}
		temps = append(temps, t)
	}
	for i, f := range files {
		if err := os.Rename(temps[i], filepath.Join(dir, f.name)); err != nil {
			return fmt.Errorf("无法写入 / writing %s: %w", filepath.Join(dir, f.name), err)
		}
	}
	return nil
}

func writeTemp(dir string, f outputFile) (string, error) {
	tmp, err := os.CreateTemp(dir, "."+f.name+".*.tmp")
	if err != nil {
		return "", fmt.Errorf("无法创建临时文件 / creating a temporary file in %s: %w", dir, err)
	}
	_, err = tmp.Write(f.data)
	err = errors.Join(err, tmp.Chmod(0o644), tmp.Close())
	if err != nil {
		_ = os.Remove(tmp.Name())
		return "", fmt.Errorf("无法写入 / writing %s: %w", tmp.Name(), err)
	}
	return tmp.Name(), nil
}

// isTerminal reports whether w is a terminal, e.g. an interactive stderr.
func isTerminal(w io.Writer) bool {
	f, ok := w.(interface{ Fd() uintptr })
	return ok && term.IsTerminal(int(f.Fd()))
}

// newProgressBar returns a bar counting to total on w, shown only when w is
// a terminal: piped or redirected output stays free of control codes.
func newProgressBar(w io.Writer, total int, description string) *progressbar.ProgressBar {
	return progressbar.NewOptions(total,
		progressbar.OptionSetWriter(w),
		progressbar.OptionSetVisibility(isTerminal(w)),
		progressbar.OptionSetDescription(description),
		progressbar.OptionShowCount(),
		progressbar.OptionSetWidth(30),
		progressbar.OptionThrottle(65*time.Millisecond),
		progressbar.OptionClearOnFinish(),
	)
}

// ——— Key files (keygen writes them, approve reads them) ———

// The lines a key file carries before its PEM block (RFC 7468 explanatory
// text, which Go and OpenSSL both skip), so that approve knows the unit and
// the key id without flags. PEM headers would be neater, but OpenSSL refuses
// them on an unencrypted key.
const (
	keyFileUnit  = "Unit"
	keyFileKeyID = "Key-ID"
	// maxKeyIDLength is the API's limit on publicKeys[].id and signature.keyID.
	maxKeyIDLength = 64
)

// unitKey is a review unit's private key as read from its key file.
type unitKey struct {
	unit, keyID string // from the file's explanatory text; may be empty
	key         ed25519.PrivateKey
}

// checkUnitAndKeyID: the unit names a ReviewUnit (and a file), the key id
// fits the API's limits.
func checkUnitAndKeyID(unit, keyID string) error {
	if errs := validation.IsDNS1123Subdomain(unit); len(errs) > 0 {
		return fmt.Errorf("联审单位 %q 不是有效的 ReviewUnit 名称 / review unit %q is not a valid ReviewUnit name: %s", unit, unit, strings.Join(errs, "; "))
	}
	if len(keyID) > maxKeyIDLength || strings.ContainsAny(keyID, " \t\r\n") {
		return fmt.Errorf("密钥编号 %q 须为不含空白、不超过 %d 个字符的字符串 / key id %q must be at most %d characters without spaces",
			keyID, maxKeyIDLength, keyID, maxKeyIDLength)
	}
	return nil
}

// readKeyFile reads a key file written by keygen, or any PKCS#8 PEM file
// holding an Ed25519 key (unit and key id are then unknown).
func readKeyFile(path string) (unitKey, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return unitKey{}, fmt.Errorf("无法读取私钥 / reading the key %s: %w", path, err)
	}
	block, _ := pem.Decode(data)
	if block == nil || block.Type != "PRIVATE KEY" {
		return unitKey{}, fmt.Errorf("%s 不是 PKCS#8 PEM 私钥（-----BEGIN PRIVATE KEY-----）/ %s is not a PKCS#8 PEM private key (-----BEGIN PRIVATE KEY-----)", path, path)
	}
	parsed, err := x509.ParsePKCS8PrivateKey(block.Bytes)
	if err != nil {
		return unitKey{}, fmt.Errorf("%s: 无法解析私钥 / cannot parse the key: %w", path, err)
	}
	key, ok := parsed.(ed25519.PrivateKey)
	if !ok {
		return unitKey{}, fmt.Errorf("%s 不是 Ed25519 私钥（而是 %T）/ %s is not an Ed25519 key (but %T)", path, parsed, path, parsed)
	}
	k := unitKey{key: key}
	k.unit, k.keyID = keyFileLabels(data)
	return k, nil
}

// keyFileLabels reads the Unit and Key-ID lines before the PEM block.
func keyFileLabels(data []byte) (unit, keyID string) {
	sc := bufio.NewScanner(bytes.NewReader(data))
	for sc.Scan() {
		line := sc.Text()
		if strings.HasPrefix(line, "-----BEGIN") {
			break
		}
		name, value, ok := strings.Cut(line, ":")
		if !ok {
			continue
		}
		switch strings.TrimSpace(name) {
		case keyFileUnit:
			unit = strings.TrimSpace(value)
		case keyFileKeyID:
			keyID = strings.TrimSpace(value)
		}
	}
	return unit, keyID
}

// ——— The division registry (import-divisions, import-signboards) ———

// county is one county's rendered manifests.
type county struct {
	code, name string
	villages   int
	manifests  []byte // the county's Villages as multi-document YAML
}

func (c county) fileName() string { return c.code + "-" + c.name + ".yaml" }

// kustomization is the kustomization.yaml written next to the county files.
type kustomization struct {
	APIVersion string `json:"apiVersion"`
	Kind       string `json:"kind"`
	// SortOptions, when set, keeps the resources in the order listed.
	SortOptions *sortOptions `json:"sortOptions,omitempty"`
	Resources   []string     `json:"resources"`
}

type sortOptions struct {
	Order string `json:"order"`
}

// writeDocs writes YAML documents to w as one multi-document YAML, in one
// write.
func writeDocs(w io.Writer, docs [][]byte) error {
	var buf bytes.Buffer
	for i, doc := range docs {
		if i > 0 {
			buf.WriteString(yamlSeparator)
		}
		buf.Write(doc)
	}
	_, err := w.Write(buf.Bytes())
	return err
}

// writeCounties writes the counties' manifests to stdout when dir is "",
// else one file per county into dir (written reports the latter).
// Everything is rendered before the first byte goes out, so a failure never
// leaves half a stream for `kubectl apply -f -`.
func writeCounties(cmd *cobra.Command, dir string, counties []county) (written bool, err error) {
	if dir == "" {
		docs := make([][]byte, len(counties))
		for i, c := range counties {
			docs[i] = c.manifests
		}
		return false, writeDocs(cmd.OutOrStdout(), docs)
	}
	files, err := countyFiles(counties)
	if err != nil {
		return false, inputError(err)
	}
	return true, writeFiles(dir, files)
}

func fileNames(files []outputFile) []string {
	names := make([]string, len(files))
	for i, f := range files {
		names[i] = f.name
	}
	return names
}

// registryName is how messages name the registry at path.
func registryName(path string) string {
	if path == "-" {
		return "<stdin>"
	}
	return path
}

// readVillages reads and parses the registry at path ("-" is stdin) and
// returns its villages, sorted by code.
func readVillages(stdin io.Reader, path string) ([]governancev1alpha1.Village, error) {
	reg, err := readRegistry(stdin, path)
	if err != nil {
		return nil, err
	}
	return reg.Villages, nil
}

// readRegistry reads and parses the registry at path ("-" is stdin), its
// villages sorted by code so that the output does not depend on the file's
// row order.
func readRegistry(stdin io.Reader, path string) (*divisions.Registry, error) {
	name := registryName(path)
	var data []byte
	var err error
	if path == "-" {
		data, err = io.ReadAll(stdin)
	} else {
		data, err = os.ReadFile(path)
	}
	if err != nil {
		return nil, fmt.Errorf("无法读取登记表 / reading the registry: %w", err)
	}
	data = bytes.TrimPrefix(data, []byte("\uFEFF")) // spreadsheets save UTF-8 CSV with a BOM
	if err := checkUTF8(data); err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	reg, err := divisions.ParseRegistry(bytes.NewReader(data))
	if err != nil {
		return nil, fmt.Errorf("%s: %w%s", name, err, csvHint(err))
	}
	if len(reg.Villages) == 0 {
		// An empty import synced with pruning would delete every Village.
		return nil, fmt.Errorf("%s: 登记表中没有村（社区） / the registry lists no villages", name)
	}
	slices.SortStableFunc(reg.Villages, func(a, b governancev1alpha1.Village) int {
		return strings.Compare(a.Spec.Code, b.Spec.Code)
	})
	return reg, nil
}

// checkUTF8 rejects files in another encoding (GBK, as spreadsheets often
// save them), whose names would otherwise end up garbled in the manifests.
func checkUTF8(data []byte) error {
	if utf8.Valid(data) {
		return nil
	}
	i := 0
	for i < len(data) {
		r, size := utf8.DecodeRune(data[i:])
		if r == utf8.RuneError && size == 1 {
			break
		}
		i += size
	}
	return &divisions.LineError{
		Line: bytes.Count(data[:i], []byte("\n")) + 1,
		Err:  errors.New("文件不是 UTF-8 编码，GBK 文件请先用 iconv -f GBK -t UTF-8 转换 / the file is not UTF-8; convert GBK files with iconv -f GBK -t UTF-8"),
	}
}

// csvHint explains the CSV reader's English-only errors in Chinese too.
func csvHint(err error) string {
	switch {
	case errors.Is(err, csv.ErrFieldCount):
		return "（每行应有 4 列 level,code,name,parent_code / each row needs the 4 columns level,code,name,parent_code）"
	case errors.Is(err, csv.ErrBareQuote), errors.Is(err, csv.ErrQuote):
		return "（引号不成对或位置不对 / a quote is unmatched or misplaced）"
	default:
		return ""
	}
}

// countyFiles names one file per county, <code>-<name>.yaml, and adds the
// kustomization.yaml that lists them.
func countyFiles(counties []county) ([]outputFile, error) {
	files := make([]outputFile, 0, len(counties)+1)
	for _, c := range counties {
		if err := checkFileName("县", "county", c.code, c.name); err != nil {
			return nil, err
		}
		files = append(files, outputFile{name: c.fileName(), data: c.manifests})
	}
	k, err := kustomizationFile(fileNames(files), false)
	if err != nil {
		return nil, err
	}
	// Last, so that it is renamed into place after the files it lists.
	return append(files, k), nil
}

// checkFileName refuses a county's or city's name that cannot be part of
// a file or folder name.
func checkFileName(levelZh, levelEn, code, name string) error {
	if strings.ContainsAny(name, `/\`) || strings.ContainsFunc(name, unicode.IsControl) {
		return fmt.Errorf("%s %s 的名称 %q 不能用作文件名 / the name %q of %s %s cannot be used in a file name",
			levelZh, code, name, name, levelEn, code)
	}
	return nil
}

// kustomizationFile is a kustomization.yaml listing resources; fifo has
// kustomize apply them in the order listed instead of sorting them by kind.
func kustomizationFile(resources []string, fifo bool) (outputFile, error) {
	k := kustomization{APIVersion: "kustomize.config.k8s.io/v1beta1", Kind: "Kustomization", Resources: resources}
	if fifo {
		k.SortOptions = &sortOptions{Order: "fifo"}
	}
	data, err := yaml.Marshal(k)
	if err != nil {
		return outputFile{}, fmt.Errorf("生成 kustomization.yaml 失败 / rendering kustomization.yaml: %w", err)
	}
	return outputFile{name: "kustomization.yaml", data: data}, nil
}

// ——— Completion (cobra's __complete, which kubectl_complete-cunshe runs) ———

// completionTimeout bounds how long a completion waits for the cluster: a
// shell must not hang on Tab.
const completionTimeout = 5 * time.Second

// clusterCandidates lists completion candidates from the cluster.
type clusterCandidates func(ctx context.Context, c client.Client, cmd *cobra.Command, toComplete string) ([]cobra.Completion, error)

// completeFromCluster completes from the cluster that f reaches (the
// connection flags already on the command line count). A cluster it cannot
// reach completes nothing, silently: Tab is no place for errors.
func completeFromCluster(f *clusterFlags, list clusterCandidates) cobra.CompletionFunc {
	return func(cmd *cobra.Command, _ []string, toComplete string) ([]cobra.Completion, cobra.ShellCompDirective) {
		ctx, cancel := context.WithTimeout(cmd.Context(), completionTimeout)
		defer cancel()
		c, err := f.connect(cmd)
		var out []cobra.Completion
		if err == nil {
			out, err = list(ctx, c, cmd, toComplete)
		}
		if err != nil {
			cobra.CompDebugln(err.Error(), true)
			return nil, cobra.ShellCompDirectiveNoFileComp
		}
		return out, cobra.ShellCompDirectiveNoFileComp
	}
}

// completeArgs completes the first n arguments with complete, and nothing after.
func completeArgs(n int, complete cobra.CompletionFunc) cobra.CompletionFunc {
	return func(cmd *cobra.Command, args []string, toComplete string) ([]cobra.Completion, cobra.ShellCompDirective) {
		if len(args) >= n {
			return nil, cobra.ShellCompDirectiveNoFileComp
		}
		return complete(cmd, args, toComplete)
	}
}

// completeContexts completes --context from the kubeconfig, without the cluster.
func (f *clusterFlags) completeContexts(*cobra.Command, []string, string) ([]cobra.Completion, cobra.ShellCompDirective) {
	cfg, err := f.ToRawKubeConfigLoader().RawConfig()
	if err != nil {
		return nil, cobra.ShellCompDirectiveNoFileComp
	}
	return slices.Sorted(maps.Keys(cfg.Contexts)), cobra.ShellCompDirectiveNoFileComp
}

// listVillageCandidates are the villages' codes, each described by its name,
// county and township; a Chinese prefix completes names instead.
func listVillageCandidates(ctx context.Context, c client.Client, _ *cobra.Command, toComplete string) ([]cobra.Completion, error) {
	villages := &governancev1alpha1.VillageList{}
	if err := c.List(ctx, villages); err != nil {
		return nil, err
	}
	byName := toComplete != "" && (toComplete[0] < '0' || toComplete[0] > '9')
	var out []cobra.Completion
	for _, v := range villages.Items {
		switch {
		case byName && strings.HasPrefix(v.Spec.Name, toComplete):
			out = append(out, cobra.CompletionWithDesc(v.Spec.Name, v.Spec.Code+" "+v.Spec.County.Name+v.Spec.Township.Name))
		case !byName && strings.HasPrefix(v.Spec.Code, toComplete):
			out = append(out, cobra.CompletionWithDesc(v.Spec.Code, v.Spec.Name+"（"+v.Spec.County.Name+v.Spec.Township.Name+"）"))
		}
	}
	slices.Sort(out)
	return slices.Compact(out), nil
}

// listRolloutNames are the ListRollouts' names.
func listRolloutNames(ctx context.Context, c client.Client, _ *cobra.Command, _ string) ([]cobra.Completion, error) {
	list := &governancev1alpha1.ListRolloutList{}
	if err := c.List(ctx, list); err != nil {
		return nil, err
	}
	out := make([]cobra.Completion, 0, len(list.Items))
	for _, ro := range list.Items {
		out = append(out, ro.Name)
	}
	return out, nil
}

// listRevisionCandidates are the revisions' numbers, described by their
// names; a prefix that is no number completes the names.
func listRevisionCandidates(ctx context.Context, c client.Client, _ *cobra.Command, toComplete string) ([]cobra.Completion, error) {
	revs, err := listRevisions(ctx, c)
	if err != nil {
		return nil, err
	}
	byName := toComplete != "" && (toComplete[0] < '0' || toComplete[0] > '9')
	out := make([]cobra.Completion, 0, len(revs))
	for _, r := range revs {
		if byName {
			out = append(out, r.Name)
		} else {
			out = append(out, cobra.CompletionWithDesc(strconv.FormatInt(r.Spec.Revision, 10), r.Name))
		}
	}
	return out, nil
}

// listReviewUnitNames are the ReviewUnits' names, described by their titles.
func listReviewUnitNames(ctx context.Context, c client.Client, _ *cobra.Command, _ string) ([]cobra.Completion, error) {
	list := &governancev1alpha1.ReviewUnitList{}
	if err := c.List(ctx, list); err != nil {
		return nil, err
	}
	out := make([]cobra.Completion, 0, len(list.Items))
	for _, u := range list.Items {
		out = append(out, u.Name)
	}
	return out, nil
}

// listNamespaceNames are the namespaces' names.
func listNamespaceNames(ctx context.Context, c client.Client, _ *cobra.Command, _ string) ([]cobra.Completion, error) {
	list := &metav1.PartialObjectMetadataList{}
	list.SetGroupVersionKind(corev1.SchemeGroupVersion.WithKind("NamespaceList"))
	if err := c.List(ctx, list); err != nil {
		return nil, err
	}
	out := make([]cobra.Completion, 0, len(list.Items))
	for _, ns := range list.Items {
		out = append(out, ns.Name)
	}
	return out, nil
}

// completeWords completes a flag with fixed words, e.g. the reasons of a report.
func completeWords[T ~string](words ...T) cobra.CompletionFunc {
	out := make([]cobra.Completion, len(words))
	for i, w := range words {
		out[i] = string(w)
	}
	return cobra.FixedCompletions(out, cobra.ShellCompDirectiveNoFileComp)
}
