// Package flowchart draws micro-power flows (PowerFlow, P1) as pictures:
// DOT for Graphviz, laid out and drawn to SVG by Graphviz in WebAssembly.
// The CLI's render command and the portal draw with it, so a flow looks the
// same on paper and on a village's page.
package flowchart

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"

	"github.com/goccy/go-graphviz"
	"golang.org/x/text/width"

	governancev1alpha1 "github.com/cunshe/cunshe-operator/api/v1alpha1"
)

// The look of a flowchart. Graphviz in WebAssembly has no font metrics: it
// estimates text width from Times' ASCII widths, which is about 3/4 of a
// CJK character's. Nodes therefore get a minimum width from TextWidth, and
// the title is a node too, so that no Chinese text runs out of its box.
const (
	flowFont      = "Noto Sans CJK SC,Source Han Sans SC,PingFang SC,Microsoft YaHei,sans-serif"
	flowFontSize  = 14.0
	titleFontSize = 18.0
	nodeMarginX   = 0.2 // inches, each side
	nodeMarginY   = 0.1
)

// DOT renders the flow in Graphviz's DOT language.
func DOT(f *governancev1alpha1.PowerFlow) string {
	var b strings.Builder
	fmt.Fprintf(&b, "digraph %s {\n", dotID(f.Name))
	fmt.Fprintf(&b, "  graph [rankdir=TB, nodesep=0.5, ranksep=0.45, pad=0.2, fontname=%s, bgcolor=white];\n", dotID(flowFont))
	fmt.Fprintf(&b, "  node [fontname=%s, fontsize=%g, shape=box, style=\"rounded,filled\", fillcolor=\"#E6F4FF\", color=\"#1677FF\", penwidth=1.2, margin=\"%g,%g\"];\n",
		dotID(flowFont), flowFontSize, nodeMarginX, nodeMarginY)
	b.WriteString("  edge [color=\"#595959\", arrowsize=0.8];\n")

	title := []string{f.Spec.Title, "小微权力运行流程图 · PowerFlow " + f.Name, "图例：蓝框为办理步骤，橙色折角框【公示】为公开公示环节"}
	fmt.Fprintf(&b, "  %s [shape=plaintext, style=\"\", fontsize=%g, label=%s, width=%.2f];\n",
		dotID("__title"), titleFontSize, dotLabel(title), nodeWidth(title, titleFontSize, 0))
	fmt.Fprintf(&b, "  %s [label=\"开始\", shape=oval, fillcolor=\"#52C41A\", color=\"#389E0D\", fontcolor=white];\n", dotID("__start"))
	fmt.Fprintf(&b, "  %s [label=\"结束\", shape=oval, fillcolor=\"#595959\", color=\"#434343\", fontcolor=white];\n", dotID("__end"))
	for _, s := range f.Spec.Steps {
		actor := governancev1alpha1.ActorNames[s.Actor]
		if actor == "" {
			actor = string(s.Actor)
		}
		if s.PublicNotice {
			lines := []string{"【公示】" + s.Name, "执行：" + actor}
			fmt.Fprintf(&b, "  %s [label=%s, shape=note, style=filled, fillcolor=\"#FFF7E6\", color=\"#FA8C16\", fontcolor=\"#AD4E00\", penwidth=2, width=%.2f];\n",
				dotID(s.ID), dotLabel(lines), nodeWidth(lines, flowFontSize, 0.15))
			continue
		}
		lines := []string{s.Name, "执行：" + actor}
		fmt.Fprintf(&b, "  %s [label=%s, width=%.2f];\n", dotID(s.ID), dotLabel(lines), nodeWidth(lines, flowFontSize, 0))
	}
	fmt.Fprintf(&b, "  %s -> %s [style=invis];\n", dotID("__title"), dotID("__start"))
	fmt.Fprintf(&b, "  %s -> %s;\n", dotID("__start"), dotID(f.Spec.Start))
	for _, s := range f.Spec.Steps {
		for _, n := range s.Next {
			fmt.Fprintf(&b, "  %s -> %s;\n", dotID(s.ID), dotID(n))
		}
		if len(s.Next) == 0 {
			fmt.Fprintf(&b, "  %s -> %s;\n", dotID(s.ID), dotID("__end"))
		}
	}
	b.WriteString("}\n")
	return b.String()
}

// dotID quotes s as a DOT string; backslashes are doubled so that Graphviz
// reads no escape (\N, \G, …) into a name.
func dotID(s string) string {
	s = strings.NewReplacer(`\`, `\\`, `"`, `\"`, "\n", " ", "\r", " ").Replace(s)
	return `"` + s + `"`
}

// dotLabel joins lines with Graphviz's centred line break.
func dotLabel(lines []string) string {
	quoted := make([]string, len(lines))
	for i, l := range lines {
		quoted[i] = strings.TrimSuffix(strings.TrimPrefix(dotID(l), `"`), `"`)
	}
	return `"` + strings.Join(quoted, `\n`) + `"`
}

// nodeWidth is the minimum node width, in inches, that holds the widest
// line at size points, with the node margins and extra inches.
func nodeWidth(lines []string, size, extra float64) float64 {
	widest := 0.0
	for _, l := range lines {
		widest = max(widest, TextWidth(l, size))
	}
	return widest/72 + 2*nodeMarginX + extra
}

// TextWidth estimates the width of s in points: a full em for East Asian
// wide characters, 0.6 em for the others (sans-serif average).
func TextWidth(s string, size float64) float64 {
	ems := 0.0
	for _, r := range s {
		switch width.LookupRune(r).Kind() {
		case width.EastAsianWide, width.EastAsianFullwidth:
			ems++
		default:
			ems += 0.6
		}
	}
	return ems * size
}

// graphvizMu serialises Graphviz: two WebAssembly instances made at once
// fail ("failed to create graphviz context"), as the portal's export found.
var graphvizMu sync.Mutex

// SVG lays out and draws a DOT graph with Graphviz (WebAssembly), one graph
// at a time.
func SVG(ctx context.Context, dot []byte) ([]byte, error) {
	graphvizMu.Lock()
	defer graphvizMu.Unlock()
	g, err := graphviz.New(ctx)
	if err != nil {
		return nil, err
	}
	defer func() { _ = g.Close() }()
	graph, err := graphviz.ParseBytes(dot)
	if err != nil {
		return nil, err
	}
	defer func() { _ = graph.Close() }()
	var buf bytes.Buffer
	if err := g.Render(ctx, graph, graphviz.SVG, &buf); err != nil {
		return nil, err
	}
	if buf.Len() == 0 {
		return nil, errors.New("布局引擎 Graphviz 未输出任何内容 / Graphviz wrote nothing")
	}
	return buf.Bytes(), nil
}
