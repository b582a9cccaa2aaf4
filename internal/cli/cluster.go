package cli

import (
	"cmp"
	"context"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"

	"github.com/spf13/cobra"
	"golang.org/x/text/width"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/client-go/rest"
	"sigs.k8s.io/controller-runtime/pkg/client"

	governancev1alpha1 "github.com/cunshe/cunshe-operator/api/v1alpha1"
	"github.com/cunshe/cunshe-operator/internal/rules"
)

// newClusterClient connects the commands that read and write the cluster
// (rollout, diff, lists); tests replace it with a fake client.
var newClusterClient = defaultClusterClient

// defaultClusterClient is a controller-runtime client that knows the
// governance kinds and the core ones (the villages' lists ConfigMaps).
func defaultClusterClient(cfg *rest.Config) (client.Client, error) {
	s := runtime.NewScheme()
	if err := governancev1alpha1.AddToScheme(s); err != nil {
		return nil, err
	}
	if err := corev1.AddToScheme(s); err != nil {
		return nil, err
	}
	return client.New(cfg, client.Options{Scheme: s})
}

// addFlags adds --kubeconfig and --context to cmd.
func (k *kubeOptions) addFlags(cmd *cobra.Command) {
	cmd.Flags().StringVar(&k.kubeconfig, "kubeconfig", "", "kubeconfig 文件路径 / path to the kubeconfig file")
	cmd.Flags().StringVar(&k.context, "context", "", "使用的 kubeconfig 上下文 / the kubeconfig context to use")
}

// addImpersonationFlags adds kubectl's --as and --as-group to cmd: village
// cadres and review-unit members act in their own identities, and an
// administrator may act as one of them.
func (k *kubeOptions) addImpersonationFlags(cmd *cobra.Command) {
	cmd.Flags().StringVar(&k.as, "as", "", "以该用户身份操作 / the user to impersonate")
	cmd.Flags().StringArrayVar(&k.asGroups, "as-group", nil, "以该组身份操作，可重复 / a group to impersonate, may repeat")
}

// connect loads the kubeconfig with kubectl's rules and connects.
func (k kubeOptions) connect() (client.Client, error) {
	cfg, err := k.restConfig()
	if err != nil {
		return nil, err
	}
	c, err := newClusterClient(cfg)
	if err != nil {
		return nil, fmt.Errorf("无法连接集群 / connecting to the cluster: %w", err)
	}
	return c, nil
}

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
