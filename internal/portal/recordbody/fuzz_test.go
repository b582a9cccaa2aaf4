package recordbody_test

// Run with: go test -run '^$' -fuzz=FuzzHTML -fuzztime=20s ./internal/portal/recordbody/

import (
	"html"
	"regexp"
	"strings"
	"testing"

	"github.com/cunshe/cunshe-operator/internal/portal/recordbody"
)

// The HTML a record's body may become on a public page: goldmark's
// CommonMark and GitHub tables, or paragraphs of escaped text.
var (
	bodyTag       = regexp.MustCompile(`<(/?)([a-zA-Z][a-zA-Z0-9]*)((?:\s+[a-zA-Z-]+(?:="[^"<>]*")?)*)\s*/?>|<!--.*?-->|<`)
	bodyAttribute = regexp.MustCompile(`\s+([a-zA-Z-]+)(?:="([^"<>]*)")?`)
	bodyTags      = map[string]bool{"p": true, "br": true, "a": true, "em": true, "strong": true, "code": true, "pre": true, "del": true,
		"h1": true, "h2": true, "h3": true, "h4": true, "h5": true, "h6": true, "ul": true, "ol": true, "li": true, "blockquote": true,
		"hr": true, "img": true, "table": true, "thead": true, "tbody": true, "tr": true, "th": true, "td": true}
	bodyAttributes = map[string]bool{"href": true, "src": true, "alt": true, "title": true, "start": true, "style": true, "class": true}
	// urlScheme is a scheme as a browser reads it (WHATWG URL).
	urlScheme = regexp.MustCompile(`^([a-zA-Z][a-zA-Z0-9+.-]*):`)
	// rasterImage is the one data: address goldmark keeps: a picture that
	// runs nothing (not SVG).
	rasterImage = regexp.MustCompile(`(?i)^data:image/(png|gif|jpeg|webp)`)
)

// FuzzHTML renders any record body (S10), as Markdown and as text:
// it never panics, and a resident's browser finds in it only the tags and
// attributes of formatted text, no raw HTML, and no link or image that runs
// a script (javascript:, vbscript:, data: other than a raster image) however the address is
// spelled with entities, case, controls or whitespace.
func FuzzHTML(f *testing.F) {
	for _, seed := range []string{
		"| 项目 | 金额（元） |\n|---|---:|\n| 上级补助收入 | 186,000.00 |",
		"# 标题\n\n- 一\n- 二\n\n1. [凭证](https://zhcst.wenzhou.gov.cn/a.pdf)\n\n![图](data:image/png;base64,AAAA)",
		"<script>alert(1)</script>\n\n<img src=x onerror=alert(1)>",
		"[x](javascript:alert(1)) [y](JaVaScRiPt:alert(1)) [z](&#106;avascript:alert(1)) [w](<java\tscript:alert(1)>)",
		"www.example.com and zhang@example.com and <http://a.b/c>",
		"```\n<b>code</b>\n```\n\n> 引用 ~~删除~~ **粗** *斜*",
		"[a]: vbscript:msgbox(1)\n\n[link][a]",
	} {
		f.Add(seed, true)
	}
	f.Fuzz(func(t *testing.T, body string, markdown bool) {
		out := string(recordbody.HTML(markdown, body))
		for _, m := range bodyTag.FindAllStringSubmatch(out, -1) {
			switch {
			case m[0] == "<":
				t.Fatalf("a bare '<' in the page: %q\nfrom %q", out, body)
			case strings.HasPrefix(m[0], "<!--"):
				if m[0] != "<!-- raw HTML omitted -->" {
					t.Fatalf("a comment that is not goldmark's %q: %q", "raw HTML omitted", m[0])
				}
			case !bodyTags[strings.ToLower(m[2])]:
				t.Fatalf("tag <%s> in a record's body: %q\nfrom %q", m[2], out, body)
			default:
				requireSafeAttributes(t, m[3], body)
			}
		}
	})
}

func requireSafeAttributes(t *testing.T, attrs, body string) {
	t.Helper()
	for _, a := range bodyAttribute.FindAllStringSubmatch(attrs, -1) {
		name := strings.ToLower(a[1])
		if !bodyAttributes[name] {
			t.Fatalf("attribute %s=%q in a record's body, from %q", a[1], a[2], body)
		}
		if name != "href" && name != "src" {
			continue
		}
		switch scheme := browserScheme(a[2]); {
		case scheme == "javascript" || scheme == "vbscript" || scheme == "livescript",
			scheme == "data" && !rasterImage.MatchString(html.UnescapeString(a[2])):
			t.Fatalf("%s=%q runs a %s: address, from %q", name, a[2], scheme, body)
		}
	}
}

// browserScheme is the scheme a browser finds in an attribute's value: it
// decodes entities, strips leading and trailing controls and spaces, drops
// tabs and newlines anywhere, and lowercases the scheme.
func browserScheme(value string) string {
	v := strings.TrimFunc(html.UnescapeString(value), func(r rune) bool { return r <= ' ' })
	v = strings.NewReplacer("\t", "", "\n", "", "\r", "").Replace(v)
	if m := urlScheme.FindStringSubmatch(v); m != nil {
		return strings.ToLower(m[1])
	}
	return ""
}
