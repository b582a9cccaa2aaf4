package publish

import (
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
)

func TestListsAreStoredAsTextOrGzipped(t *testing.T) {
	for name, size := range map[string]int{"small lists stay text": 10 << 10, "large lists are gzipped": 900 << 10} {
		t.Run(name, func(t *testing.T) {
			entry := "- name: l1-census-assist\n  title: 协助开展人口普查入户登记\n"
			data := strings.Repeat(entry, size/len(entry))
			cm := &corev1.ConfigMap{Data: map[string]string{"stale": "x"}, BinaryData: map[string][]byte{"stale": nil}}
			if err := Store(cm, data); err != nil {
				t.Fatal(err)
			}
			compressed := len(data) > CompressAbove
			if _, text := cm.Data[DataKey]; text == compressed {
				t.Errorf("text key present = %v for %d bytes", text, len(data))
			}
			if _, gz := cm.BinaryData[CompressedKey]; gz != compressed {
				t.Errorf("gzip key present = %v for %d bytes", gz, len(data))
			}
			if len(cm.Data)+len(cm.BinaryData) != 1 {
				t.Errorf("the ConfigMap holds %d keys, want exactly one (nothing stale)", len(cm.Data)+len(cm.BinaryData))
			}
			got, ok, err := Load(cm)
			if err != nil || !ok || got != data {
				t.Errorf("Load: ok=%v err=%v, round trip equal=%v", ok, err, got == data)
			}
		})
	}
	if _, ok, _ := Load(&corev1.ConfigMap{}); ok {
		t.Error("an empty ConfigMap holds no lists")
	}
}
