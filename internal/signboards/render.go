package signboards

import (
	"bytes"
	"encoding/xml"
	"fmt"
	"strings"

	governancev1alpha1 "github.com/cunshe/cunshe-operator/api/v1alpha1"
	"github.com/cunshe/cunshe-operator/internal/rules"
)

// The drawing's geometry, in SVG user units (px).
const (
	boardSize  = 288.0 // the longer side of a board
	boardGap   = 24.0
	margin     = 32.0
	captionH   = 28.0
	headingH   = 40.0
	titleH     = 76.0
	footerLine = 24.0
	minWidth   = 640.0
	// fallbackFonts follow the style's typeface, for viewers without it.
	fallbackFonts = "'Noto Serif CJK SC', 'Source Han Serif SC', 'SimSun', serif"
	uiFonts       = "'Noto Sans CJK SC', 'Source Han Sans SC', 'Microsoft YaHei', sans-serif"
)

// board is one board or sign as drawn.
type board struct {
	text, caption string
	flagged       bool // extra or wrong: outlined in red
}

// RenderSVG draws a village's boards in its township's style: the four
// institution boards on one row, the service signs below, each to scale in
// the style's size, colours and typeface, with the honours kept inside and
// the compliance found by the rule engine (S12–S16) at the foot.
func RenderSVG(set *governancev1alpha1.SignboardSet, style *governancev1alpha1.SignboardStyle, v *governancev1alpha1.Village) []byte {
	report := rules.CheckSignboardSet(set, v, style)
	extra := map[string]int{}
	for _, e := range report.Extra {
		extra[e]++
	}
	// Of boards of one type, the later ones are the extra ones: walk back.
	institutions := make([]board, len(set.Spec.InstitutionBoards))
	for i := len(institutions) - 1; i >= 0; i-- {
		b := set.Spec.InstitutionBoards[i]
		institutions[i] = board{text: b.Text, caption: rules.InstitutionBoardName(b.Type), flagged: take(extra, string(b.Type))}
	}
	signs := make([]board, len(set.Spec.ServiceSigns))
	for i := len(signs) - 1; i >= 0; i-- {
		s := set.Spec.ServiceSigns[i]
		signs[i] = board{text: s.Text, caption: rules.ServiceSignName(s.Type), flagged: take(extra, string(s.Type))}
	}
	w, h := boardDims(style)
	cols := max(len(institutions), len(signs), 1)
	width := max(minWidth, 2*margin+float64(cols)*w+float64(cols-1)*boardGap)
	rowH := headingH + h + captionH
	footer := footerLines(set, report)
	height := titleH + 2*rowH + float64(len(footer))*footerLine + 2*margin

	var b bytes.Buffer
	fmt.Fprintf(&b, `<?xml version="1.0" encoding="UTF-8"?>`+"\n")
	fmt.Fprintf(&b, `<svg xmlns="http://www.w3.org/2000/svg" width="%g" height="%g" viewBox="0 0 %g %g">`+"\n", width, height, width, height)
	fmt.Fprintf(&b, `<rect width="100%%" height="100%%" fill="#F5F5F5"/>`+"\n")
	title(&b, set, style, v)
	y := margin + titleH
	row(&b, "机构牌子（S12）", institutions, style, y, w, h)
	y += rowH
	row(&b, "服务标牌（S13）", signs, style, y, w, h)
	y += rowH
	for _, line := range footer {
		fmt.Fprintf(&b, `<text x="%g" y="%g" font-family="%s" font-size="14" fill="%s">%s</text>`+"\n", margin, y+16, uiFonts, line.colour, esc(line.text))
		y += footerLine
	}
	b.WriteString("</svg>\n")
	return b.Bytes()
}

// take reports whether a board of type t is one of the extra ones left to flag.
func take(extra map[string]int, t string) bool {
	if extra[t] == 0 {
		return false
	}
	extra[t]--
	return true
}

// boardDims scales the style's size so that the longer side is boardSize.
func boardDims(style *governancev1alpha1.SignboardStyle) (w, h float64) {
	if style == nil {
		return boardSize / 4, boardSize
	}
	sw, sh := float64(style.Spec.WidthMM), float64(style.Spec.HeightMM)
	scale := boardSize / max(sw, sh)
	return sw * scale, sh * scale
}

func title(b *bytes.Buffer, set *governancev1alpha1.SignboardSet, style *governancev1alpha1.SignboardStyle, v *governancev1alpha1.Village) {
	fmt.Fprintf(b, `<text x="%g" y="%g" font-family="%s" font-size="22" font-weight="bold" fill="#262626">%s</text>`+"\n",
		margin, margin+20, uiFonts, esc(fmt.Sprintf("%s（%s）机构牌子与服务标牌", v.Spec.Name, v.Spec.Code)))
	sub := fmt.Sprintf("样式 %s：缺失（SignboardStyle %q 不存在）", set.Spec.Style, set.Spec.Style)
	if style != nil {
		s := style.Spec
		sub = fmt.Sprintf("%s统一样式（S15）：%s %d×%d 毫米 · %s · %s · 底色 %s · 字色 %s",
			s.Township.Name, orientationName(s.Orientation), s.WidthMM, s.HeightMM, s.Typeface, s.Material, s.Background, s.Foreground)
	}
	fmt.Fprintf(b, `<text x="%g" y="%g" font-family="%s" font-size="14" fill="#595959">%s</text>`+"\n", margin, margin+48, uiFonts, esc(sub))
}

func orientationName(o governancev1alpha1.SignboardOrientation) string {
	if o == governancev1alpha1.OrientationHorizontal {
		return "横牌"
	}
	return "竖牌"
}

func row(b *bytes.Buffer, heading string, boards []board, style *governancev1alpha1.SignboardStyle, y, w, h float64) {
	fmt.Fprintf(b, `<text x="%g" y="%g" font-family="%s" font-size="16" font-weight="bold" fill="#262626">%s</text>`+"\n", margin, y+24, uiFonts, esc(heading))
	bg, fg, font, vertical := "#FFFFFF", "#000000", fallbackFonts, true
	if style != nil {
		bg, fg, font = style.Spec.Background, style.Spec.Foreground, "'"+style.Spec.Typeface+"', "+fallbackFonts
		vertical = style.Spec.Orientation != governancev1alpha1.OrientationHorizontal
	}
	for i, bd := range boards {
		x := margin + float64(i)*(w+boardGap)
		top := y + headingH
		stroke, strokeW := "#8C8C8C", 2.0
		if bd.flagged {
			stroke, strokeW = "#CF1322", 4.0
		}
		fmt.Fprintf(b, `<g><rect x="%g" y="%g" width="%.1f" height="%.1f" fill="%s" stroke="%s" stroke-width="%g"/>`+"\n", x, top, w, h, bg, stroke, strokeW)
		if vertical {
			verticalText(b, bd.text, x, top, w, h, fg, font)
		} else {
			horizontalText(b, bd.text, x, top, w, h, fg, font)
		}
		caption := "#595959"
		if bd.flagged {
			caption = "#CF1322"
		}
		// Long captions shrink to the board's width and gap, never into the next one.
		size := min(11, (w+boardGap-4)/float64(max(len([]rune(bd.caption)), 1)))
		fmt.Fprintf(b, `<text x="%.1f" y="%g" text-anchor="middle" font-family="%s" font-size="%.1f" fill="%s">%s</text></g>`+"\n",
			x+w/2, top+h+18, uiFonts, size, caption, esc(bd.caption))
	}
}

// verticalText sets one character under another, centred, as vertical
// boards read, at the largest size that fits the board.
func verticalText(b *bytes.Buffer, text string, x, y, w, h float64, fg, font string) {
	chars := []rune(text)
	pad := w * 0.15
	size := min(w-2*pad, (h-2*pad)/float64(max(len(chars), 1)))
	top := y + (h-size*float64(len(chars)))/2
	fmt.Fprintf(b, `<text font-family="%s" font-size="%.1f" fill="%s" text-anchor="middle">`, esc(font), size, fg)
	for i, r := range chars {
		fmt.Fprintf(b, `<tspan x="%.1f" y="%.1f">%s</tspan>`, x+w/2, top+size*float64(i+1)-size*0.12, esc(string(r)))
	}
	b.WriteString("</text>\n")
}

// horizontalText sets the text on one line, centred.
func horizontalText(b *bytes.Buffer, text string, x, y, w, h float64, fg, font string) {
	n := float64(max(len([]rune(text)), 1))
	pad := h * 0.15
	size := min(h-2*pad, (w-2*pad)/n)
	fmt.Fprintf(b, `<text x="%.1f" y="%.1f" font-family="%s" font-size="%.1f" fill="%s" text-anchor="middle">%s</text>`+"\n",
		x+w/2, y+h/2+size*0.38, esc(font), size, fg, esc(text))
}

type footerText struct{ text, colour string }

// footerLines list the honours (kept inside, S16) and the compliance.
func footerLines(set *governancev1alpha1.SignboardSet, r rules.SignboardReport) []footerText {
	var honours []string
	for _, h := range set.Spec.Honours {
		if h.Display != governancev1alpha1.DisplayInside {
			honours = append(honours, h.Title+"（挂在室外，违反 S16）")
			continue
		}
		honours = append(honours, h.Title)
	}
	lines := []footerText{{"荣誉（室内集中展示，S16）：无", "#595959"}}
	if len(honours) > 0 {
		lines[0].text = "荣誉（室内集中展示，S16）：" + strings.Join(honours, "、")
	}
	if len(r.Errors) == 0 {
		return append(lines, footerText{"✔ 符合 S12–S16 / compliant", "#389E0D"})
	}
	lines = append(lines, footerText{fmt.Sprintf("✘ 不符合规则 / noncompliant：%d 处", len(r.Errors)), "#CF1322"})
	for _, e := range r.Errors {
		zh, en, _ := strings.Cut(e.Error(), " / ") // one language a line, to fit the width
		lines = append(lines, footerText{zh, "#CF1322"})
		if en != "" {
			lines = append(lines, footerText{"    " + en, "#CF1322"})
		}
	}
	return lines
}

func esc(s string) string {
	var b strings.Builder
	_ = xml.EscapeText(&b, []byte(s))
	return b.String()
}
