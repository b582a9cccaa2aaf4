package rules

import (
	"fmt"
	"strings"
	"sync"

	"github.com/longbridgeapp/opencc"
	"k8s.io/apimachinery/pkg/util/validation/field"
)

// t2s converts traditional and variant characters to standard simplified
// ones with OpenCC's maintained dictionaries (embedded in the module). It
// is built once, on first use: building it parses the dictionaries (~0.2 s).
var t2s = sync.OnceValues(func() (*opencc.OpenCC, error) { return opencc.New("t2s") })

// Simplify returns text in standard simplified characters (OpenCC t2s).
func Simplify(text string) (string, error) {
	cc, err := t2s()
	if err != nil {
		return "", fmt.Errorf("loading the OpenCC t2s dictionaries: %w", err)
	}
	return cc.Convert(text)
}

// TraditionalCharacters lists the characters of text that are not standard
// simplified characters (规范汉字), each as 會→会, in order of appearance and
// once each. Registered place names within text are taken as registered:
// the registry spells a few villages with characters t2s would change
// (牛乾村, 南閤村), and a board must carry the name as registered. A text
// whose t2s conversion differs only as a phrase (no single character
// converts alone) is named whole.
func TraditionalCharacters(text string, placeNames ...string) ([]string, error) {
	for _, name := range placeNames {
		if name != "" {
			text = strings.ReplaceAll(text, name, "　")
		}
	}
	simplified, err := Simplify(text)
	if err != nil || simplified == text {
		return nil, err
	}
	var found []string
	seen := map[rune]bool{}
	for _, r := range text {
		if seen[r] {
			continue
		}
		seen[r] = true
		s, err := Simplify(string(r))
		if err != nil {
			return nil, err
		}
		if s != string(r) {
			found = append(found, string(r)+"→"+s)
		}
	}
	if len(found) == 0 {
		found = append(found, text+"→"+simplified)
	}
	return found, nil
}

// StandardCharacters: a board's text uses standard simplified characters,
// never traditional or variant ones (S15 规范汉字); the registered place
// names are taken as registered.
func StandardCharacters(path *field.Path, text string, placeNames ...string) *field.Error {
	found, err := TraditionalCharacters(text, placeNames...)
	if err != nil {
		return field.InternalError(path, err)
	}
	if len(found) == 0 {
		return nil
	}
	list := strings.Join(found, "、")
	return invalid(path, text, msg(S15, "须用规范汉字，不得使用繁体字或异体字：%s", "must use standard simplified characters; traditional or variant characters: %s", list))
}
