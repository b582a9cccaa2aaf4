package cli

import (
	"fmt"
	"strings"

	"github.com/spf13/cobra"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
)

// itemDigestList is what `kubectl cunshe digest -o json|yaml` prints.
type itemDigestList struct {
	metav1.TypeMeta `json:",inline"`
	Items           []itemDigest `json:"items"`
}

// itemDigest is one ListItem's digest.
type itemDigest struct {
	Name   string `json:"name"`
	Digest string `json:"digest"`
}

func (l *itemDigestList) DeepCopyObject() runtime.Object { return deepCopyResult(l) }

// objectRefs are the ListItems digested.
func (l *itemDigestList) objectRefs() []runtime.Object {
	refs := make([]runtime.Object, len(l.Items))
	for i, d := range l.Items {
		refs[i] = objectRef("ListItem", "", d.Name)
	}
	return refs
}

func newDigestCommand() *cobra.Command {
	var p *printFlags
	cmd := &cobra.Command{
		Use:   "digest FILE...",
		Short: "计算清单事项的规范摘要 / print the canonical digest of list items",
		Long: `打印各 FILE（多文档 YAML，- 为标准输入）中每个 ListItem 的规范摘要：联审单位审核并签名的
正是这个摘要（S5）。摘要不受键的顺序、YAML 格式、集合字段的顺序和 retirement 影响；
事项内容一变，摘要就变，原有审核意见随之失效。FILE 按严格模式解析：未知字段、
未知类型都会报错（退出码 2）。

Prints the canonical digest of every ListItem in the FILEs (multi-document
YAML; - reads stdin): what the review units approve and sign (S5). It does not
depend on key order, YAML formatting, the order of set fields or the
retirement; any other change to an item changes it, and earlier approvals
stop counting. FILE is decoded strictly: an unknown field or kind fails
with exit code 2.`,
		Example: `  kubectl cunshe digest config/samples/lists/items-*.yaml
  kubectl get listitem l1-census-assist -o yaml | kubectl cunshe digest -
  kubectl cunshe digest items.yaml -o json | jq -r '.items[].digest'`,
		Args: minimumArgs("FILE..."),
		RunE: func(cmd *cobra.Command, args []string) error {
			pr, err := p.printer(cmd)
			if err != nil {
				return err
			}
			items, flows, err := readListItems(cmd.InOrStdin(), args)
			if err != nil {
				return inputError(err)
			}
			digests := &itemDigestList{TypeMeta: resultType("ItemDigestList"), Items: make([]itemDigest, len(items))}
			for i, item := range items {
				d, err := flows.digest(item)
				if err != nil {
					return inputError(err)
				}
				digests.Items[i] = itemDigest{Name: item.Name, Digest: d}
			}
			if pr != nil {
				return p.printObjects(cmd.OutOrStdout(), pr, digests)
			}
			var b strings.Builder
			for _, d := range digests.Items {
				fmt.Fprintf(&b, "%s\t%s\n", d.Name, d.Digest)
			}
			_, err = fmt.Fprint(cmd.OutOrStdout(), b.String())
			return err
		},
	}
	p = addPrintFlags(cmd, true)
	return cmd
}
