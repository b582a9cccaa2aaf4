package publish

import (
	"bytes"
	"compress/gzip"
	"fmt"
	"io"

	corev1 "k8s.io/api/core/v1"
)

// CompressAbove is the size of rendered lists above which a ConfigMap holds
// them gzipped: a ConfigMap holds at most 1 MiB, and a city's lists near
// 1,000 items come close to it as YAML (API.md: "split or compressed").
// Gzip shrinks the lists about fivefold.
const CompressAbove = 512 << 10

// MaxConfigMapData is what one ConfigMap may hold, less room for its metadata.
const MaxConfigMapData = 1<<20 - 16<<10

// Store puts rendered lists into a ConfigMap: as text, or gzipped in
// binaryData when they are large. It replaces whatever the ConfigMap held.
func Store(cm *corev1.ConfigMap, data string) error {
	if len(data) <= CompressAbove {
		cm.Data, cm.BinaryData = map[string]string{DataKey: data}, nil
		return nil
	}
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	if _, err := io.WriteString(zw, data); err != nil {
		return err
	}
	if err := zw.Close(); err != nil {
		return err
	}
	if buf.Len() > MaxConfigMapData {
		return fmt.Errorf("清单压缩后仍有 %d 字节，超过 ConfigMap 上限 / the lists are %d bytes even gzipped, more than a ConfigMap holds", buf.Len(), buf.Len())
	}
	cm.Data, cm.BinaryData = nil, map[string][]byte{CompressedKey: buf.Bytes()}
	return nil
}

// Load reads the lists Store put into a ConfigMap; ok is false when it holds none.
func Load(cm *corev1.ConfigMap) (data string, ok bool, err error) {
	if text, found := cm.Data[DataKey]; found {
		return text, true, nil
	}
	packed, found := cm.BinaryData[CompressedKey]
	if !found {
		return "", false, nil
	}
	zr, err := gzip.NewReader(bytes.NewReader(packed))
	if err != nil {
		return "", true, err
	}
	raw, err := io.ReadAll(zr)
	return string(raw), true, err
}
