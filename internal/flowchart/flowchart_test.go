package flowchart

import (
	"math"
	"testing"
)

// TestNodeWidthFitsChinese: Graphviz's own estimate is about 3/4 of a CJK
// character, so the node widths are what keeps Chinese inside the boxes.
func TestNodeWidthFitsChinese(t *testing.T) {
	line := "村民（代表）会议决议租赁方案" // 14 full-width characters
	if w := TextWidth(line, 14); w != 14*14 {
		t.Errorf("TextWidth = %g pt, want 196 (one em per character)", w)
	}
	if w := nodeWidth([]string{line, "执行：村党组织"}, 14, 0); w < 196.0/72 {
		t.Errorf("nodeWidth = %g in, narrower than the text", w)
	}
	if w := TextWidth("PowerFlow x", 10); math.Abs(w-11*6) > 1e-9 {
		t.Errorf("TextWidth of ASCII = %g, want 0.6 em per character", w)
	}
}

// Flows drawn at once (the portal's export renders pages in parallel) all succeed.
func TestSVGConcurrently(t *testing.T) {
	dot := []byte("digraph g { a -> b }")
	errs := make(chan error, 4)
	for range 4 {
		go func() {
			_, err := SVG(t.Context(), dot)
			errs <- err
		}()
	}
	for range 4 {
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
	}
}
