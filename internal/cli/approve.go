package cli

import (
	"bytes"
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/spf13/cobra"
	yamlv3 "go.yaml.in/yaml/v3"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/validation"
	"k8s.io/cli-runtime/pkg/printers"

	governancev1alpha1 "github.com/cunshe/cunshe-operator/api/v1alpha1"
	"github.com/cunshe/cunshe-operator/internal/rules"
)

// maxCommentLength is the API's limit on an approval's comment.
const maxCommentLength = 2048

// approveOptions are approve's flags.
type approveOptions struct {
	unit, keyPath, keyID, decision, comment string
	print                                   *printFlags
}

func newApproveCommand() *cobra.Command {
	var o approveOptions
	cmd := &cobra.Command{
		Use:   "approve --unit UNIT --key KEY.pem [--key-id ID] [--decision Approve|Reject] [--comment TEXT] [-o json|yaml|name] ITEM.yaml...",
		Short: "签署联审意见 / sign a review unit's approval of list items",
		Long: `为各 ITEM.yaml（- 为标准输入）中的每个 ListItem 写出一份经签名的 ItemApproval（S5）到标准输出：
名称为 <事项>.<单位>，摘要由 kubectl cunshe digest 的同一算法算出，签名用单位私钥。
签名的审核意见可由 GitOps 机器人提交：准入时以 ReviewUnit 的公钥验证，机器人无法伪造。
密钥编号默认取自私钥文件（kubectl cunshe keygen 记录的 Key-ID），也可用 --key-id 指定。
默认按 API 的字段顺序输出 YAML；-o json|yaml 按 kubectl 的格式输出（多个时为 v1 List），-o name 列出名称。

Writes a signed ItemApproval (S5) to stdout for every ListItem in the
ITEM.yaml files (- reads stdin), named <item>.<unit>, with the item's
digest (the one kubectl cunshe digest prints) signed with the unit's
private key. A GitOps bot can apply signed approvals: admission verifies
them against the ReviewUnit's public keys, so the bot cannot forge one.
The key id defaults to the Key-ID that kubectl cunshe keygen recorded in
the key file. Signatures are deterministic: signing an unchanged item again
gives the same bytes. The YAML is in the API's field order; -o json|yaml
prints as kubectl does (several approvals as a v1 List), -o name the names.`,
		Example: `  kubectl cunshe approve --unit mzj --key mzj.key items-*.yaml > approvals-mzj.yaml
  kubectl cunshe approve --unit sjw --key sjw.key --decision Reject --comment "依据已废止" item.yaml | kubectl apply -f -`,
		Args:                  minimumArgs("ITEM.yaml..."),
		DisableFlagsInUseLine: true, // Use lists them
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := requireFlags(cmd, "unit", "key"); err != nil {
				return err
			}
			pr, err := o.print.printer(cmd)
			if err != nil {
				return err
			}
			return approve(cmd, o, pr, args)
		},
	}
	f := cmd.Flags()
	f.StringVar(&o.unit, "unit", "", "联审单位（ReviewUnit 名称）/ the review unit (ReviewUnit name)")
	f.StringVar(&o.keyPath, "key", "", "单位私钥文件（PEM，PKCS#8）/ the unit's private key file (PEM, PKCS#8)")
	f.StringVar(&o.keyID, "key-id", "", "密钥编号，默认取自私钥文件 / key id, default: the one in the key file")
	f.StringVar(&o.decision, "decision", string(governancev1alpha1.DecisionApprove), "意见 / decision: Approve|Reject")
	f.StringVar(&o.comment, "comment", "", "审核说明 / comment")
	o.print = addPrintFlags(cmd, true)
	_ = cmd.RegisterFlagCompletionFunc("unit", completeFromCluster(defaultClusterFlags(), listReviewUnitNames))
	_ = cmd.RegisterFlagCompletionFunc("decision", completeWords(governancev1alpha1.DecisionApprove, governancev1alpha1.DecisionReject))
	_ = cmd.MarkFlagFilename("key", "key", "pem")
	return cmd
}

func approve(cmd *cobra.Command, o approveOptions, pr printers.ResourcePrinter, paths []string) error {
	decision, err := parseDecision(o.decision)
	if err != nil {
		return usageError(cmd, err)
	}
	if n := utf8.RuneCountInString(o.comment); n > maxCommentLength {
		return usageError(cmd, fmt.Errorf("审核说明过长（%d 字，上限 %d）/ the comment is too long (%d characters, at most %d)",
			n, maxCommentLength, n, maxCommentLength))
	}
	key, err := readKeyFile(o.keyPath)
	if err != nil {
		return inputError(err)
	}
	if key.unit != "" && key.unit != o.unit {
		return inputError(fmt.Errorf("私钥 %s 属于联审单位 %q，不是 %q / key %s belongs to review unit %q, not %q",
			o.keyPath, key.unit, o.unit, o.keyPath, key.unit, o.unit))
	}
	keyID := o.keyID
	if keyID == "" {
		keyID = key.keyID
	}
	if keyID == "" {
		return usageError(cmd, fmt.Errorf("私钥文件中没有密钥编号，请用 --key-id 指定 / the key file names no key id; give one with --key-id"))
	}
	if err := checkUnitAndKeyID(o.unit, keyID); err != nil {
		return usageError(cmd, err)
	}
	items, flows, err := readListItems(cmd.InOrStdin(), paths)
	if err != nil {
		return inputError(err)
	}
	var out bytes.Buffer
	var approvals []runtime.Object
	for _, item := range items {
		digest, err := flows.digest(item)
		if err != nil {
			return inputError(err)
		}
		a := signedApproval(item, digest, o.unit, keyID, decision, o.comment, key)
		if errs := validation.IsDNS1123Subdomain(a.Name); len(errs) > 0 {
			return inputError(fmt.Errorf("审核意见名称 %q 无效 / approval name %q is invalid: %s", a.Name, a.Name, strings.Join(errs, "; ")))
		}
		approvals = append(approvals, a)
		doc, err := approvalYAML(a)
		if err != nil {
			return fmt.Errorf("生成审核意见 %s 失败 / rendering approval %s: %w", a.Name, a.Name, err)
		}
		// Every document starts with a separator, so that the output of several
		// runs (one per unit) concatenates into a valid stream.
		out.WriteString(yamlSeparator)
		out.Write(doc)
	}
	// Everything is signed before the first byte goes out: no half stream.
	if pr != nil {
		return o.print.printObjects(cmd.OutOrStdout(), pr, approvals...)
	}
	_, err = cmd.OutOrStdout().Write(out.Bytes())
	return err
}

// approvalManifest is an ItemApproval as approve writes it: the API's
// field order (item, digest, unit, decision, …), no status, no empty
// metadata. sigs.k8s.io/yaml would sort the keys; yaml.v3 keeps them.
type approvalManifest struct {
	APIVersion string       `yaml:"apiVersion"`
	Kind       string       `yaml:"kind"`
	Metadata   approvalMeta `yaml:"metadata"`
	Spec       approvalSpec `yaml:"spec"`
}

type approvalMeta struct {
	Name string `yaml:"name"`
}

type approvalSpec struct {
	Item      string            `yaml:"item"`
	Digest    string            `yaml:"digest"`
	Unit      string            `yaml:"unit"`
	Decision  string            `yaml:"decision"`
	Comment   string            `yaml:"comment,omitempty"`
	Signature approvalSignature `yaml:"signature"`
}

type approvalSignature struct {
	KeyID string `yaml:"keyID"`
	Value string `yaml:"value"`
}

// approvalYAML renders a signed approval.
func approvalYAML(a *governancev1alpha1.ItemApproval) ([]byte, error) {
	m := approvalManifest{
		APIVersion: a.APIVersion, Kind: a.Kind, Metadata: approvalMeta{Name: a.Name},
		Spec: approvalSpec{Item: a.Spec.Item, Digest: a.Spec.Digest, Unit: a.Spec.Unit, Decision: string(a.Spec.Decision), Comment: a.Spec.Comment,
			Signature: approvalSignature{KeyID: a.Spec.Signature.KeyID, Value: a.Spec.Signature.Value}},
	}
	var b bytes.Buffer
	enc := yamlv3.NewEncoder(&b)
	enc.SetIndent(2)
	if err := enc.Encode(m); err != nil {
		return nil, err
	}
	if err := enc.Close(); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

// signedApproval is the unit's decision on the item's current digest,
// signed by the rule engine.
func signedApproval(item *governancev1alpha1.ListItem, digest, unit, keyID string, decision governancev1alpha1.ApprovalDecision, comment string, key unitKey) *governancev1alpha1.ItemApproval {
	a := &governancev1alpha1.ItemApproval{
		TypeMeta:   metav1.TypeMeta{APIVersion: governancev1alpha1.GroupVersion.String(), Kind: "ItemApproval"},
		ObjectMeta: metav1.ObjectMeta{Name: item.Name + "." + unit},
		Spec: governancev1alpha1.ItemApprovalSpec{
			Item:     item.Name,
			Digest:   digest,
			Unit:     unit,
			Decision: decision,
			Comment:  comment,
		},
	}
	rules.Sign(&a.Spec, keyID, key.key)
	return a
}

// parseDecision accepts Approve or Reject in any case.
func parseDecision(s string) (governancev1alpha1.ApprovalDecision, error) {
	for _, d := range []governancev1alpha1.ApprovalDecision{governancev1alpha1.DecisionApprove, governancev1alpha1.DecisionReject} {
		if strings.EqualFold(s, string(d)) {
			return d, nil
		}
	}
	return "", fmt.Errorf("意见 %q 无效，只能是 Approve 或 Reject / decision %q is invalid: use Approve or Reject", s, s)
}
