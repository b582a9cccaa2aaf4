package main

import (
	"bufio"
	"fmt"
	"os"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// The steps file, line by line:
//
//	== NAME                a block, written into the README at <!-- tour:NAME -->
//	!manager ARGS…         (re)start the local operator on an empty data folder
//	$ COMMAND              a step: the command, and every following line up to
//	                       the next "$ ", "#|", "==", "!" or "##" line (heredocs)
//	#| DIRECTIVE           shapes the step above (see applyDirective)
//	## comment             ignored
//
// Steps run in one bash, in order, so variables and files carry over.

// Tour is the steps file.
type Tour struct {
	Blocks []*Block
}

// skipBefore marks every step of the blocks before the named one as done
// already: they run no more, and keep the README's output.
func (t *Tour) skipBefore(name string) {
	for _, b := range t.Blocks {
		if b.Name == name {
			return
		}
		b.skipped = true
	}
}

// Block is the commands of one README console block.
type Block struct {
	Name    string
	Steps   []*Step
	skipped bool
}

// Step is one command and how its output is shown.
type Step struct {
	Command string
	// ManagerArgs is set on a "!manager" step, which starts the operator.
	ManagerArgs []string
	IsManager   bool

	Hide       bool // run, but show neither the command nor its output
	Quiet      bool // show the command, not its output
	ExpectFail bool // a refusal: a zero exit status is the error
	Head, Tail int
	Keep       *regexp.Regexp // only matching lines, "…" for each gap
	Subs       []substitution
	Until      *regexp.Regexp // rerun until the output matches
	Timeout    time.Duration
	Line       int // in the steps file, for errors
}

type substitution struct {
	re   *regexp.Regexp
	with string
}

// Visible reports whether the README shows the step.
func (s *Step) Visible() bool { return !s.Hide && !s.IsManager }

func parseTourFile(path string) (*Tour, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer func() { _ = f.Close() }()
	t := &Tour{}
	var block *Block
	var step *Step
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for n := 1; sc.Scan(); n++ {
		line := sc.Text()
		switch {
		case strings.HasPrefix(line, "## "), line == "##":
			continue
		case strings.HasPrefix(line, "== "):
			block = &Block{Name: strings.TrimSpace(line[3:])}
			t.Blocks = append(t.Blocks, block)
			step = nil
		case block == nil:
			if strings.TrimSpace(line) != "" {
				return nil, fmt.Errorf("%s:%d: a step before the first \"== NAME\" block", path, n)
			}
		case strings.HasPrefix(line, "!manager"):
			step = &Step{IsManager: true, ManagerArgs: strings.Fields(line[len("!manager"):]), Line: n}
			block.Steps = append(block.Steps, step)
		case strings.HasPrefix(line, "$ "):
			step = &Step{Command: line[2:], Line: n}
			block.Steps = append(block.Steps, step)
		case strings.HasPrefix(line, "#|"):
			if step == nil || step.IsManager {
				return nil, fmt.Errorf("%s:%d: a directive with no command above it", path, n)
			}
			if err := applyDirective(step, strings.TrimSpace(line[2:])); err != nil {
				return nil, fmt.Errorf("%s:%d: %w", path, n, err)
			}
		case step != nil && !step.IsManager:
			step.Command += "\n" + line
		case strings.TrimSpace(line) != "":
			return nil, fmt.Errorf("%s:%d: text outside a step: %q", path, n, line)
		}
	}
	if err := sc.Err(); err != nil {
		return nil, err
	}
	for _, b := range t.Blocks {
		for _, s := range b.Steps {
			s.Command = strings.TrimRight(s.Command, "\n ")
		}
	}
	return t, nil
}

// applyDirective reads one "#|" line:
//
//	hide | quiet | fails | head N | tail N | keep REGEXP
//	sub REGEXP => TEXT | until REGEXP | timeout DURATION
func applyDirective(s *Step, d string) error {
	name, arg, _ := strings.Cut(d, " ")
	arg = strings.TrimSpace(arg)
	var err error
	switch name {
	case "hide":
		s.Hide = true
	case "quiet":
		s.Quiet = true
	case "fails":
		s.ExpectFail = true
	case "head":
		s.Head, err = strconv.Atoi(arg)
	case "tail":
		s.Tail, err = strconv.Atoi(arg)
	case "keep":
		s.Keep, err = regexp.Compile(arg)
	case "until":
		s.Until, err = regexp.Compile("(?m)" + arg)
	case "timeout":
		s.Timeout, err = time.ParseDuration(arg)
	case "sub":
		from, to, ok := strings.Cut(arg, " => ")
		if !ok {
			return fmt.Errorf("sub needs \"REGEXP => TEXT\", got %q", arg)
		}
		var re *regexp.Regexp
		if re, err = regexp.Compile(from); err == nil {
			s.Subs = append(s.Subs, substitution{re: re, with: to})
		}
	default:
		return fmt.Errorf("unknown directive %q", name)
	}
	return err
}

// Shape turns a command's output into what the README shows.
func (s *Step) Shape(out string) []string {
	lines := strings.Split(strings.TrimRight(out, "\n"), "\n")
	if strings.TrimSpace(out) == "" {
		lines = nil
	}
	for i := range lines {
		for _, sub := range s.Subs {
			lines[i] = sub.re.ReplaceAllString(lines[i], sub.with)
		}
	}
	if s.Keep != nil {
		lines = keepMatching(lines, s.Keep)
	}
	if s.Head > 0 && len(lines) > s.Head {
		lines = append(lines[:s.Head:s.Head], "…")
	}
	if s.Tail > 0 && len(lines) > s.Tail {
		lines = append([]string{"…"}, lines[len(lines)-s.Tail:]...)
	}
	return lines
}

// keepMatching keeps the matching lines and marks each run of dropped ones
// with one "…".
func keepMatching(lines []string, re *regexp.Regexp) []string {
	var out []string
	dropped := false
	for _, l := range lines {
		if re.MatchString(l) {
			if dropped {
				out = append(out, "…")
			}
			out, dropped = append(out, l), false
			continue
		}
		dropped = true
	}
	if dropped {
		out = append(out, "…")
	}
	return out
}
