package cli

import (
	"bytes"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/x509"
	"encoding/base64"
	"encoding/pem"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"

	"github.com/spf13/cobra"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"sigs.k8s.io/yaml"

	governancev1alpha1 "github.com/cunshe/cunshe-operator/api/v1alpha1"
)

// generatedKey is what `keygen -o json|yaml` prints.
type generatedKey struct {
	metav1.TypeMeta `json:",inline"`
	Unit            string `json:"unit"`
	// KeyFile is where the private key was written.
	KeyFile string `json:"keyFile"`
	// PublicKeyFile is where the public-key entry was written (--output-dir).
	PublicKeyFile string `json:"publicKeyFile,omitempty"`
	// PublicKey is the entry to add to the ReviewUnit's spec.publicKeys.
	PublicKey governancev1alpha1.PublicKey `json:"publicKey"`
}

func (k *generatedKey) DeepCopyObject() runtime.Object { return deepCopyResult(k) }

func newKeygenCommand() *cobra.Command {
	var unit, keyID, dir string
	var p *printFlags
	cmd := &cobra.Command{
		Use:   "keygen --unit UNIT [--key-id ID] [--output-dir DIR] [-o json|yaml]",
		Short: "为联审单位生成签名密钥 / generate a review unit's signing key",
		Long: `为联审单位生成一对 Ed25519 密钥：私钥（PEM，PKCS#8，权限 0600）写入 DIR/UNIT.key，
公钥以 ReviewUnit 的 spec.publicKeys 条目 {id, ed25519} 打印到标准输出，可直接粘贴；
用 --output-dir DIR 时另写 DIR/UNIT.pub.yaml。密钥编号默认为 <单位>-<年份>，并记在私钥文件中，
kubectl cunshe approve 会读取它。已有同名文件时不覆盖。私钥切勿提交到 Git。
-o json|yaml 输出 ReviewUnitKey（单位、文件路径和公钥条目），供程序读取。

Generates an Ed25519 key pair for a review unit: the private key (PEM,
PKCS#8, mode 0600) goes to DIR/UNIT.key; the public key is printed as the
ReviewUnit's spec.publicKeys entry {id, ed25519}, ready to paste, and with
--output-dir DIR also written to DIR/UNIT.pub.yaml. The key id defaults to
<unit>-<year> and is recorded in the key file, where kubectl cunshe approve
reads it. Existing files are never overwritten. Never commit a private key.
-o json|yaml prints a ReviewUnitKey (the unit, the files, the public-key
entry) for programs.`,
		Example: `  kubectl cunshe keygen --unit mzj
  kubectl cunshe keygen --unit mzj --key-id mzj-2027 --output-dir ~/.cunshe/keys
  kubectl cunshe keygen --unit mzj -o json | jq -r .publicKey.ed25519`,
		Args:                  exactArgs(),
		DisableFlagsInUseLine: true, // Use lists them
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := requireFlags(cmd, "unit"); err != nil {
				return err
			}
			if keyID == "" {
				keyID = unit + "-" + strconv.Itoa(now().Year())
			}
			if err := checkUnitAndKeyID(unit, keyID); err != nil {
				return usageError(cmd, err)
			}
			pr, err := p.printer(cmd)
			if err != nil {
				return err
			}
			return keygen(cmd, unit, keyID, dir, func(k *generatedKey, entry []byte) error {
				if pr != nil {
					return p.printObjects(cmd.OutOrStdout(), pr, k)
				}
				_, err := cmd.OutOrStdout().Write(entry)
				return err
			})
		},
	}
	cmd.Flags().StringVar(&unit, "unit", "", "联审单位（ReviewUnit 名称，如 mzj）/ the review unit (ReviewUnit name, e.g. mzj)")
	cmd.Flags().StringVar(&keyID, "key-id", "", "密钥编号，默认 <单位>-<年份> / key id, default <unit>-<year>")
	cmd.Flags().StringVar(&dir, "output-dir", "", "写入私钥与公钥条目的目录，默认当前目录只写私钥 / folder for the key file and the public-key entry (default: the key file in the current folder)")
	p = addPrintFlags(cmd, false)
	// -o named keygen's folder before it was the output format, as in kubectl.
	p.hint = "-o 现为输出格式，写入目录请用 --output-dir DIR / -o is the output format now: use --output-dir DIR for the folder"
	_ = cmd.RegisterFlagCompletionFunc("unit", completeFromCluster(defaultClusterFlags(), listReviewUnitNames))
	_ = cmd.MarkFlagDirname("output-dir")
	return cmd
}

// keygen writes the key file (and with dir the public-key entry) and shows
// the result.
func keygen(cmd *cobra.Command, unit, keyID, dir string, show func(k *generatedKey, entry []byte) error) error {
	pub, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		return fmt.Errorf("生成密钥失败 / generating the key: %w", err)
	}
	keyFile, err := encodeKeyFile(unit, keyID, priv)
	if err != nil {
		return err
	}
	entry, err := publicKeyEntry(unit, keyID, pub)
	if err != nil {
		return err
	}
	keyPath := filepath.Join(dir, unit+".key")
	pubPath := filepath.Join(dir, unit+".pub.yaml")
	if dir != "" {
		if err := os.MkdirAll(dir, 0o700); err != nil {
			return fmt.Errorf("无法创建目录 / creating the folder %s: %w", dir, err)
		}
		if _, err := os.Lstat(pubPath); err == nil {
			return fmt.Errorf("%s 已存在，不覆盖 / %s exists; it is not overwritten", pubPath, pubPath)
		}
	}
	if err := writeNewFile(keyPath, keyFile, 0o600); err != nil {
		return err
	}
	if dir != "" {
		if err := writeNewFile(pubPath, entry, 0o644); err != nil {
			return err
		}
	}
	_, _ = fmt.Fprintf(cmd.ErrOrStderr(), "私钥已写入 %s（权限 0600），请妥善保管，切勿提交到 Git / private key written to %s (mode 0600): keep it secret, never commit it\n", keyPath, keyPath)
	k := &generatedKey{TypeMeta: resultType("ReviewUnitKey"), Unit: unit, KeyFile: keyPath,
		PublicKey: governancev1alpha1.PublicKey{ID: keyID, Ed25519: base64.StdEncoding.EncodeToString(pub)}}
	if dir != "" {
		k.PublicKeyFile = pubPath
	}
	return show(k, entry)
}

// writeNewFile writes a file that must not exist yet.
func writeNewFile(path string, data []byte, mode os.FileMode) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, mode)
	if errors.Is(err, os.ErrExist) {
		return fmt.Errorf("%s 已存在，不覆盖 / %s exists; it is not overwritten", path, path)
	}
	if err != nil {
		return fmt.Errorf("无法写入 / writing %s: %w", path, err)
	}
	_, err = f.Write(data)
	if err = errors.Join(err, f.Close()); err != nil {
		_ = os.Remove(path)
		return fmt.Errorf("无法写入 / writing %s: %w", path, err)
	}
	return nil
}

// encodeKeyFile renders a private key as PKCS#8 PEM after explanatory
// lines naming the unit and the key id.
func encodeKeyFile(unit, keyID string, key ed25519.PrivateKey) ([]byte, error) {
	der, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		return nil, fmt.Errorf("编码私钥失败 / encoding the private key: %w", err)
	}
	var b bytes.Buffer
	fmt.Fprintf(&b, "kubectl cunshe keygen: 联审单位的 Ed25519 私钥，切勿外传 / a review unit's Ed25519 private key: keep it secret\n")
	fmt.Fprintf(&b, "%s: %s\n%s: %s\n", keyFileUnit, unit, keyFileKeyID, keyID)
	if err := pem.Encode(&b, &pem.Block{Type: "PRIVATE KEY", Bytes: der}); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

// publicKeyEntry renders the spec.publicKeys entry of a unit's key.
func publicKeyEntry(unit, keyID string, pub ed25519.PublicKey) ([]byte, error) {
	// Written by hand to keep the API's field order, id first; the values
	// go through the YAML encoder, which quotes them where needed.
	id, err := yaml.Marshal(keyID)
	if err != nil {
		return nil, err
	}
	key, err := yaml.Marshal(base64.StdEncoding.EncodeToString(pub))
	if err != nil {
		return nil, err
	}
	return fmt.Appendf(nil, "# 粘贴到 ReviewUnit %s 的 spec.publicKeys 下 / paste under spec.publicKeys of ReviewUnit %s\n- id: %s  ed25519: %s",
		unit, unit, id, key), nil
}

// publicKeyOf is the base64 public key the unit's ReviewUnit lists.
func publicKeyOf(key ed25519.PrivateKey) string {
	return base64.StdEncoding.EncodeToString(key.Public().(ed25519.PublicKey))
}
