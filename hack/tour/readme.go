package main

import (
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strings"
)

var marker = regexp.MustCompile(`^<!-- tour:([A-Za-z0-9_-]+) -->$`)

// readme is the README cut at its tour blocks: text[i] comes before
// blocks[i], and text[len(blocks)] ends the file.
type readme struct {
	text   []string
	blocks []readmeBlock
}

type readmeBlock struct {
	name  string
	fence string   // the opening fence line, e.g. "```console"
	body  []string // what the block shows now
}

func parseReadme(s string) (*readme, error) {
	lines := strings.Split(s, "\n")
	r := &readme{}
	var text []string
	for i := 0; i < len(lines); i++ {
		m := marker.FindStringSubmatch(lines[i])
		if m == nil {
			text = append(text, lines[i])
			continue
		}
		text = append(text, lines[i])
		if i+1 >= len(lines) || !strings.HasPrefix(lines[i+1], "```") {
			return nil, fmt.Errorf("line %d: %s is not followed by a fenced block", i+1, lines[i])
		}
		b := readmeBlock{name: m[1], fence: lines[i+1]}
		end := slices.Index(lines[i+2:], "```")
		if end < 0 {
			return nil, fmt.Errorf("line %d: the block of %s never closes", i+2, lines[i])
		}
		b.body = lines[i+2 : i+2+end]
		r.text = append(r.text, strings.Join(text, "\n"))
		r.blocks = append(r.blocks, b)
		text = nil
		i += 2 + end // the closing fence
	}
	r.text = append(r.text, strings.Join(text, "\n"))
	return r, nil
}

// matches checks that the README has one marker per block of the tour, in
// the same order.
func (r *readme) matches(t *Tour) error {
	var want, got []string
	for _, b := range t.Blocks {
		if b.visible() {
			want = append(want, b.Name)
		}
	}
	for _, b := range r.blocks {
		got = append(got, b.name)
	}
	if !slices.Equal(want, got) {
		return fmt.Errorf("the README's tour blocks are %v; the steps file's shown blocks are %v", got, want)
	}
	return nil
}

// visible reports whether the block shows any step (a block of setup
// steps only has no marker).
func (b *Block) visible() bool {
	return slices.ContainsFunc(b.Steps, (*Step).Visible)
}

// sameCommands checks that every README block shows exactly its block's
// commands, so an edit of a command in the README alone is caught.
func (r *readme) sameCommands(t *Tour, readmePath, stepsPath string) error {
	if err := r.matches(t); err != nil {
		return err
	}
	var errs []error
	i := 0
	for _, b := range t.Blocks {
		if !b.visible() {
			continue
		}
		want := commandLines(b)
		got := shownCommands(r.blocks[i].body, want)
		if !slices.Equal(want, got) {
			errs = append(errs, fmt.Errorf("block %q: %s shows commands %q, %s has %q", b.Name, readmePath, got, stepsPath, want))
		}
		i++
	}
	return errors.Join(errs...)
}

// commandLines is how a block's commands read in the README: "$ " before
// the first line of each.
func commandLines(b *Block) []string {
	var out []string
	for _, s := range b.Steps {
		if s.Visible() {
			out = append(out, "$ "+s.Command)
		}
	}
	return out
}

// shownCommands finds in a block's body the commands it shows, reading a
// command's continuation lines by the length of the command expected there.
func shownCommands(body, want []string) []string {
	var got []string
	for i := 0; i < len(body); i++ {
		if !strings.HasPrefix(body[i], "$ ") {
			continue
		}
		n := 1
		if k := len(got); k < len(want) && strings.HasPrefix(want[k], body[i]) {
			n = strings.Count(want[k], "\n") + 1
		}
		end := min(i+n, len(body))
		got = append(got, strings.Join(body[i:end], "\n"))
		i = end - 1
	}
	return got
}

// render writes the outputs into the blocks: all of them, or only the one
// named.
func (r *readme) render(t *Tour, outputs map[*Step][]string, only string) (string, error) {
	if err := r.matches(t); err != nil {
		return "", err
	}
	var sb strings.Builder
	i := 0
	for _, b := range t.Blocks {
		if !b.visible() {
			continue
		}
		sb.WriteString(r.text[i])
		sb.WriteString("\n")
		rb := r.blocks[i]
		sb.WriteString(rb.fence + "\n")
		body := rb.body
		if (only == "" || only == b.Name) && !b.skipped {
			body = blockBody(b, outputs)
		}
		for _, l := range body {
			sb.WriteString(l + "\n")
		}
		sb.WriteString("```\n")
		i++
	}
	sb.WriteString(r.text[i])
	return sb.String(), nil
}

func blockBody(b *Block, outputs map[*Step][]string) []string {
	var body []string
	for _, s := range b.Steps {
		if !s.Visible() {
			continue
		}
		body = append(body, strings.Split("$ "+s.Command, "\n")...)
		if !s.Quiet {
			body = append(body, outputs[s]...)
		}
	}
	return body
}
