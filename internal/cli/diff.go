package cli

import (
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/spf13/cobra"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"

	governancev1alpha1 "github.com/cunshe/cunshe-operator/api/v1alpha1"
)

// revisionRef names one side of a diff.
type revisionRef struct {
	Revision    int64  `json:"revision"`
	Name        string `json:"name"`
	ContentHash string `json:"contentHash"`
}

// diffItem is an item added to or removed from the lists.
type diffItem struct {
	Name   string                      `json:"name"`
	List   governancev1alpha1.ListKind `json:"list"`
	Title  string                      `json:"title"`
	Digest string                      `json:"digest"`
}

// changedItem is an item both revisions hold with different content.
type changedItem struct {
	Name       string                      `json:"name"`
	List       governancev1alpha1.ListKind `json:"list"`
	FromList   governancev1alpha1.ListKind `json:"fromList,omitempty"` // set when the item moved to another list
	Title      string                      `json:"title"`
	FromDigest string                      `json:"fromDigest"`
	ToDigest   string                      `json:"toDigest"`
}

// revisionDiff is what `kubectl cunshe diff -o json|yaml` prints.
type revisionDiff struct {
	metav1.TypeMeta `json:",inline"`
	From            revisionRef   `json:"from"`
	To              revisionRef   `json:"to"`
	Added           []diffItem    `json:"added"`
	Removed         []diffItem    `json:"removed"`
	Changed         []changedItem `json:"changed"`
	Unchanged       int           `json:"unchanged"`
}

func (d *revisionDiff) DeepCopyObject() runtime.Object { return deepCopyResult(d) }

func newDiffCommand() *cobra.Command {
	var k *clusterFlags
	var p *printFlags
	var city string
	cmd := &cobra.Command{
		Use:   "diff REV1 REV2",
		Short: "比较两个清单版本 / compare two list revisions",
		Long: `比较集群中的两个清单版本（ListRevision，按版本号 3 或名称 lists-3 指定）：REV2 相对 REV1 新增的事项、
退出的事项，以及名称相同而摘要不同（内容已变更）的事项，按清单分组，事项名称取自集群中的 ListItem。
退出码：0 比较完成（无论有无差异）；2 版本不存在或参数不可用；1 无法读取集群。

Compares two ListRevisions of the cluster (by number, 3, or name, lists-3):
the items REV2 adds, the items it retires, and the items both hold with a
different digest (changed content), grouped by list, with titles from the
cluster's ListItems. Exit codes: 0 compared (whether or not they differ);
2 a revision that does not exist, or bad arguments; 1 the cluster cannot
be read.`,
		Example: `  kubectl cunshe diff 2 3
  kubectl cunshe diff lists-2 lists-3 -o json | jq '.added[].title'
  kubectl cunshe diff 2 3 -o yaml`,
		Args: exactArgs("REV1", "REV2"),
		RunE: func(cmd *cobra.Command, args []string) error {
			pr, err := p.printer(cmd)
			if err != nil {
				return err
			}
			return diffRevisions(cmd, k, city, args[0], args[1], func(d *revisionDiff) error {
				if pr != nil {
					return p.printObjects(cmd.OutOrStdout(), pr, d)
				}
				_, err := io.WriteString(cmd.OutOrStdout(), d.text())
				return err
			})
		},
	}
	cmd.Flags().StringVar(&city, "city", "", "比较哪个市的清单版本（4 位代码），默认为默认市 / whose revisions to compare (a 4-digit city code); the default city when empty")
	k = addClusterFlags(cmd, false)
	p = addPrintFlags(cmd, false)
	cmd.ValidArgsFunction = completeArgs(2, completeFromCluster(k, listRevisionCandidates))
	return cmd
}

func diffRevisions(cmd *cobra.Command, k *clusterFlags, city, arg1, arg2 string, show func(*revisionDiff) error) error {
	ctx := cmd.Context()
	c, err := k.connect(cmd)
	if err != nil {
		return err
	}
	revs, _, err := cityRevisions(ctx, c, city)
	if err != nil {
		return err
	}
	var pair [2]*governancev1alpha1.ListRevision
	for i, arg := range []string{arg1, arg2} {
		if pair[i] = findRevision(revs, arg); pair[i] == nil {
			return inputError(fmt.Errorf("集群中没有清单版本 %q / list revision %q not found in the cluster%s", arg, arg, revisionHint(revs)))
		}
	}
	items := &governancev1alpha1.ListItemList{}
	if err := listObjects(ctx, c, items, "清单事项", "ListItem"); err != nil {
		return err
	}
	titles := map[string]string{}
	for _, it := range items.Items {
		titles[it.Name] = it.Spec.Title
	}
	d := compareRevisions(pair[0], pair[1], titles)
	return show(&d)
}

// revisionHint names the revisions there are.
func revisionHint(revs []governancev1alpha1.ListRevision) string {
	if len(revs) == 0 {
		return "；集群中还没有清单版本 / ; no list revision exists yet"
	}
	return fmt.Sprintf("；现有版本 / ; there are revisions %d–%d", revs[0].Spec.Revision, revs[len(revs)-1].Spec.Revision)
}

// compareRevisions lists what changed from a to b, each part sorted by
// list (in the official order) and name.
func compareRevisions(a, b *governancev1alpha1.ListRevision, titles map[string]string) revisionDiff {
	title := func(name string) string {
		if t, ok := titles[name]; ok {
			return t
		}
		return "（集群中已无此事项 / no such ListItem in the cluster）"
	}
	d := revisionDiff{
		TypeMeta: resultType("RevisionDiff"),
		From:     revisionRef{Revision: a.Spec.Revision, Name: a.Name, ContentHash: a.Spec.ContentHash},
		To:       revisionRef{Revision: b.Spec.Revision, Name: b.Name, ContentHash: b.Spec.ContentHash},
		Added:    []diffItem{}, Removed: []diffItem{}, Changed: []changedItem{},
	}
	before := map[string]governancev1alpha1.PublishedItem{}
	for _, it := range a.Spec.Items {
		before[it.Name] = it
	}
	for _, it := range b.Spec.Items {
		old, ok := before[it.Name]
		delete(before, it.Name)
		switch {
		case !ok:
			d.Added = append(d.Added, diffItem{Name: it.Name, List: it.List, Title: title(it.Name), Digest: it.Digest})
		case old.Digest != it.Digest || old.List != it.List:
			ch := changedItem{Name: it.Name, List: it.List, Title: title(it.Name), FromDigest: old.Digest, ToDigest: it.Digest}
			if old.List != it.List {
				ch.FromList = old.List
			}
			d.Changed = append(d.Changed, ch)
		default:
			d.Unchanged++
		}
	}
	for _, it := range before {
		d.Removed = append(d.Removed, diffItem{Name: it.Name, List: it.List, Title: title(it.Name), Digest: it.Digest})
	}
	byList := func(l1 governancev1alpha1.ListKind, n1 string, l2 governancev1alpha1.ListKind, n2 string) int {
		if c := listIndex(l1) - listIndex(l2); c != 0 {
			return c
		}
		return strings.Compare(n1, n2)
	}
	sortItems := func(s []diffItem) {
		slices.SortFunc(s, func(x, y diffItem) int { return byList(x.List, x.Name, y.List, y.Name) })
	}
	sortItems(d.Added)
	sortItems(d.Removed)
	slices.SortFunc(d.Changed, func(x, y changedItem) int { return byList(x.List, x.Name, y.List, y.Name) })
	return d
}

// listIndex is a list's place in the official order; unknown lists last.
func listIndex(l governancev1alpha1.ListKind) int {
	if i := slices.Index(governancev1alpha1.Lists, l); i >= 0 {
		return i
	}
	return len(governancev1alpha1.Lists)
}

// listHeading is a list's Chinese title and its kind.
func listHeading(l governancev1alpha1.ListKind) string {
	if t := governancev1alpha1.ListTitles[l]; t != "" {
		return t + " / " + string(l)
	}
	return string(l)
}

func (d revisionDiff) text() string {
	var b strings.Builder
	fmt.Fprintf(&b, "清单版本对比 / list revisions compared: 第 %d 版 (%s) → 第 %d 版 (%s)\n",
		d.From.Revision, d.From.Name, d.To.Revision, d.To.Name)
	fmt.Fprintf(&b, "内容摘要 / content hash: %s → %s\n", shortHash(d.From.ContentHash), shortHash(d.To.ContentHash))
	section := func(zh, en, sign string, n int, rows func(i int) (governancev1alpha1.ListKind, []string)) {
		fmt.Fprintf(&b, "\n%s / %s: %d\n", zh, en, n)
		if n == 0 {
			b.WriteString("  无 / none\n")
			return
		}
		var list governancev1alpha1.ListKind
		var table [][]string
		flush := func() {
			_ = writeTable(&b, "    ", table)
			table = nil
		}
		for i := range n {
			l, row := rows(i)
			if i == 0 || l != list {
				flush()
				list = l
				fmt.Fprintf(&b, "  %s\n", listHeading(l))
			}
			table = append(table, append([]string{sign}, row...))
		}
		flush()
	}
	section("新增事项", "added", "+", len(d.Added), func(i int) (governancev1alpha1.ListKind, []string) {
		it := d.Added[i]
		return it.List, []string{it.Name, it.Title}
	})
	section("退出事项", "removed (retired)", "-", len(d.Removed), func(i int) (governancev1alpha1.ListKind, []string) {
		it := d.Removed[i]
		return it.List, []string{it.Name, it.Title}
	})
	section("变更事项", "changed", "~", len(d.Changed), func(i int) (governancev1alpha1.ListKind, []string) {
		it := d.Changed[i]
		change := fmt.Sprintf("摘要 / digest %s → %s", shortHash(it.FromDigest), shortHash(it.ToDigest))
		if it.FromList != "" {
			change = fmt.Sprintf("原属 / moved from %s；", listHeading(it.FromList)) + change
		}
		return it.List, []string{it.Name, it.Title, change}
	})
	fmt.Fprintf(&b, "\n汇总 / summary: 新增 %d，退出 %d，变更 %d，未变 %d / %d added, %d removed, %d changed, %d unchanged\n",
		len(d.Added), len(d.Removed), len(d.Changed), d.Unchanged, len(d.Added), len(d.Removed), len(d.Changed), d.Unchanged)
	return b.String()
}
