package cli

import (
	"bufio"
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
	"strings"
	"time"

	"github.com/spf13/cobra"
	"k8s.io/apimachinery/pkg/util/validation"
	"sigs.k8s.io/yaml"
)

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

// now is the clock of the commands; tests replace it.
var now = time.Now

// unitKey is a review unit's private key as read from its key file.
type unitKey struct {
	unit, keyID string // from the file's explanatory text; may be empty
	key         ed25519.PrivateKey
}

func newKeygenCommand() *cobra.Command {
	var unit, keyID, dir string
	cmd := &cobra.Command{
		Use:   "keygen --unit UNIT [--key-id ID] [-o DIR]",
		Short: "为联审单位生成签名密钥 / generate a review unit's signing key",
		Long: `为联审单位生成一对 Ed25519 密钥：私钥（PEM，PKCS#8，权限 0600）写入 DIR/UNIT.key，
公钥以 ReviewUnit 的 spec.publicKeys 条目 {id, ed25519} 打印到标准输出，可直接粘贴；
用 -o DIR 时另写 DIR/UNIT.pub.yaml。密钥编号默认为 <单位>-<年份>，并记在私钥文件中，
kubectl cunshe approve 会读取它。已有同名文件时不覆盖。私钥切勿提交到 Git。

Generates an Ed25519 key pair for a review unit: the private key (PEM,
PKCS#8, mode 0600) goes to DIR/UNIT.key; the public key is printed as the
ReviewUnit's spec.publicKeys entry {id, ed25519}, ready to paste, and with
-o DIR also written to DIR/UNIT.pub.yaml. The key id defaults to
<unit>-<year> and is recorded in the key file, where kubectl cunshe approve
reads it. Existing files are never overwritten. Never commit a private key.`,
		Example: `  kubectl cunshe keygen --unit mzj
  kubectl cunshe keygen --unit mzj --key-id mzj-2027 -o ~/.cunshe/keys`,
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
			return keygen(cmd, unit, keyID, dir)
		},
	}
	cmd.Flags().StringVar(&unit, "unit", "", "联审单位（ReviewUnit 名称，如 mzj）/ the review unit (ReviewUnit name, e.g. mzj)")
	cmd.Flags().StringVar(&keyID, "key-id", "", "密钥编号，默认 <单位>-<年份> / key id, default <unit>-<year>")
	cmd.Flags().StringVarP(&dir, "output-dir", "o", "", "写入私钥与公钥条目的目录，默认当前目录只写私钥 / folder for the key file and the public-key entry (default: the key file in the current folder)")
	return cmd
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

func keygen(cmd *cobra.Command, unit, keyID, dir string) error {
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
	_, err = cmd.OutOrStdout().Write(entry)
	return err
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

// publicKeyOf is the base64 public key the unit's ReviewUnit lists.
func publicKeyOf(key ed25519.PrivateKey) string {
	return base64.StdEncoding.EncodeToString(key.Public().(ed25519.PublicKey))
}
