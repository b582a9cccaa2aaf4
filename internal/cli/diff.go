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
	"github.com/cunshe/cunshe-operator/internal/rules"
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
	// Funding and FundingWarning tell of an added Admission item's money (S20).
	Funding        *governancev1alpha1.Funding `json:"funding,omitempty"`
	FundingWarning string                      `json:"fundingWarning,omitempty"`
	// CoveredBy names the item of REV2 that carries a removed item's service (S20).
	CoveredBy string `json:"coveredBy,omitempty"`
}

// changedItem is an item both revisions hold with different content.
type changedItem struct {
	Name       string                      `json:"name"`
	List       governancev1alpha1.ListKind `json:"list"`
	FromList   governancev1alpha1.ListKind `json:"fromList,omitempty"` // set when the item moved to another list
	Title      string                      `json:"title"`
	FromDigest string                      `json:"fromDigest"`
	ToDigest   string                      `json:"toDigest"`
	// Funding and FundingWarning tell of an Admission item's money (S20).
	Funding        *governancev1alpha1.Funding `json:"funding,omitempty"`
	FundingWarning string                      `json:"fundingWarning,omitempty"`
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
	// ServicesDropped are the services of removed items that no item of
	// REV2 carries (S20: fewer items, not fewer services).
	ServicesDropped []governancev1alpha1.RetiredService `json:"servicesDropped"`
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
准入事项附经费保障（未写明或不随事转的提示 S20）；退出事项注明由哪项在列事项承接其服务（同一清单、
责任部门相同、名称相似，见 docs/services.md），无事项承接的列入“服务减少”（S20 减事项不减服务）。
退出码：0 比较完成（无论有无差异）；2 版本不存在或参数不可用；1 无法读取集群。

Compares two ListRevisions of the cluster (by number, 3, or name, lists-3):
the items REV2 adds, the items it retires, and the items both hold with a
different digest (changed content), grouped by list, with titles from the
cluster's ListItems. Admission items show their funding, flagged when there
is none or it does not follow the work to the villages (S20); a retired
item names the listed item that still carries its service (same list, a
responsible department in common, a similar title: docs/services.md), and
those no item carries are listed as services dropped (S20: fewer items, not
fewer services). Exit codes: 0 compared (whether or not they differ); 2 a
revision that does not exist, or bad arguments; 1 the cluster cannot be
read.`,
		Example: `  kubectl cunshe diff 2 3
  kubectl cunshe diff lists-2 lists-3 -o json | jq '.added[].title'
  kubectl cunshe diff 2 3 -o json | jq '.servicesDropped[].title'
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
	byName := make(map[string]*governancev1alpha1.ListItem, len(items.Items))
	for i := range items.Items {
		byName[items.Items[i].Name] = &items.Items[i]
	}
	d := compareRevisions(pair[0], pair[1], byName)
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
// list (in the official order) and name, with the services the removed
// items carried and the funding of Admission items (S20).
func compareRevisions(a, b *governancev1alpha1.ListRevision, items map[string]*governancev1alpha1.ListItem) revisionDiff {
	title := func(name string) string {
		if it := items[name]; it != nil {
			return it.Spec.Title
		}
		return "（集群中已无此事项 / no such ListItem in the cluster）"
	}
	d := revisionDiff{
		TypeMeta: resultType("RevisionDiff"),
		From:     revisionRef{Revision: a.Spec.Revision, Name: a.Name, ContentHash: a.Spec.ContentHash},
		To:       revisionRef{Revision: b.Spec.Revision, Name: b.Name, ContentHash: b.Spec.ContentHash},
		Added:    []diffItem{}, Removed: []diffItem{}, Changed: []changedItem{}, ServicesDropped: []governancev1alpha1.RetiredService{},
	}
	funding := func(name string) (*governancev1alpha1.Funding, string) {
		it := items[name]
		if it == nil {
			return nil, ""
		}
		if _, flagged := rules.ItemFunding(&it.Spec); flagged != nil {
			return it.Spec.Funding, rules.Sentence(flagged)
		}
		return it.Spec.Funding, ""
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
			added := diffItem{Name: it.Name, List: it.List, Title: title(it.Name), Digest: it.Digest}
			added.Funding, added.FundingWarning = funding(it.Name)
			d.Added = append(d.Added, added)
		case old.Digest != it.Digest || old.List != it.List:
			ch := changedItem{Name: it.Name, List: it.List, Title: title(it.Name), FromDigest: old.Digest, ToDigest: it.Digest}
			ch.Funding, ch.FundingWarning = funding(it.Name)
			if old.List != it.List {
				ch.FromList = old.List
			}
			d.Changed = append(d.Changed, ch)
		default:
			d.Unchanged++
		}
	}
	covered := map[string]string{}
	for _, s := range rules.RetiredServices(a.Spec.Items, b.Spec.Items, func(name string) *governancev1alpha1.ListItem { return items[name] }) {
		if s.CoveredBy == "" {
			d.ServicesDropped = append(d.ServicesDropped, s)
		}
		covered[s.Item] = s.CoveredBy
	}
	for _, it := range before {
		d.Removed = append(d.Removed, diffItem{Name: it.Name, List: it.List, Title: title(it.Name), Digest: it.Digest, CoveredBy: covered[it.Name]})
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
		return it.List, withFunding([]string{it.Name, it.Title}, it.List, it.Funding, it.FundingWarning)
	})
	section("退出事项", "removed (retired)", "-", len(d.Removed), func(i int) (governancev1alpha1.ListKind, []string) {
		it := d.Removed[i]
		row := []string{it.Name, it.Title}
		if it.CoveredBy != "" {
			row = append(row, fmt.Sprintf("服务由 %[1]s 承接 / service carried by %[1]s", it.CoveredBy))
		}
		return it.List, row
	})
	section("服务减少", "services dropped (S20)", "!", len(d.ServicesDropped), func(i int) (governancev1alpha1.ListKind, []string) {
		s := d.ServicesDropped[i]
		return s.List, []string{s.Item, s.Title, "无在列事项承接此服务 / no listed item carries this service"}
	})
	section("变更事项", "changed", "~", len(d.Changed), func(i int) (governancev1alpha1.ListKind, []string) {
		it := d.Changed[i]
		change := fmt.Sprintf("摘要 / digest %s → %s", shortHash(it.FromDigest), shortHash(it.ToDigest))
		if it.FromList != "" {
			change = fmt.Sprintf("原属 / moved from %s；", listHeading(it.FromList)) + change
		}
		return it.List, withFunding([]string{it.Name, it.Title, change}, it.List, it.Funding, it.FundingWarning)
	})
	fmt.Fprintf(&b, "\n汇总 / summary: 新增 %d，退出 %d，变更 %d，未变 %d，服务减少 %d / %d added, %d removed, %d changed, %d unchanged, %d services dropped\n",
		len(d.Added), len(d.Removed), len(d.Changed), d.Unchanged, len(d.ServicesDropped),
		len(d.Added), len(d.Removed), len(d.Changed), d.Unchanged, len(d.ServicesDropped))
	return b.String()
}

// withFunding adds an Admission item's funding to its row, or the S20 flag
// where its money does not follow the work to the villages.
func withFunding(row []string, list governancev1alpha1.ListKind, f *governancev1alpha1.Funding, warning string) []string {
	switch {
	case list != governancev1alpha1.ListAdmission, warning == "" && f == nil: // not Admission, or no such item in the cluster
		return row
	case f == nil:
		return append(row, "⚠ S20 未写明经费保障 / no funding")
	case warning != "":
		return append(row, fmt.Sprintf("⚠ S20 经费不随事转 / the money stays with the budget: %s（%s）", rules.FundingSourceTitle(f.Source), f.Budget))
	}
	return append(row, fmt.Sprintf("经费 / funding: %s（%s），费随事转 / follows the work", rules.FundingSourceTitle(f.Source), f.Budget))
}
