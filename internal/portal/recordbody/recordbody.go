// Package recordbody renders the body of a public record (S10) for the
// portal: CommonMark with GitHub's tables, or paragraphs of plain text.
// Residents' browsers run what it returns, so it lives apart from the
// portal: its fuzz target (FuzzHTML) links only goldmark and html/template
// and tries many more bodies per second than it would beside the API types.
package recordbody

import (
	"bytes"
	"html/template"
	"strings"

	"github.com/yuin/goldmark"
	"github.com/yuin/goldmark/extension"
)

// markdown renders CommonMark with GitHub's tables; raw HTML is dropped and
// dangerous link schemes are not linked (goldmark's safe default).
var markdown = goldmark.New(goldmark.WithExtensions(extension.Table, extension.Strikethrough, extension.Linkify))

// HTML is a record's body as a page shows it: Markdown when the record's
// format says so, else paragraphs (blank lines) of escaped text.
func HTML(isMarkdown bool, body string) template.HTML {
	if !isMarkdown {
		var b strings.Builder
		for i, para := range strings.Split(strings.TrimSpace(body), "\n\n") {
			if i > 0 {
				b.WriteString("\n")
			}
			b.WriteString("<p>" + strings.ReplaceAll(template.HTMLEscapeString(para), "\n", "<br>") + "</p>")
		}
		return template.HTML(b.String()) // #nosec G203 -- escaped above
	}
	var b bytes.Buffer
	if err := markdown.Convert([]byte(body), &b); err != nil {
		return template.HTML("<pre>" + template.HTMLEscapeString(body) + "</pre>") // #nosec G203 -- escaped
	}
	return template.HTML(b.String()) // #nosec G203 -- goldmark without WithUnsafe escapes raw HTML
}
