// Command tour runs the README's tour against a fresh local operator and
// writes every command's real output into README.md (make docs), so the
// tour shows nothing a run did not print.
//
// The tour's commands live in hack/tour/tour.txt, in blocks named after the
// README's markers: a line "<!-- tour:NAME -->" right before a fenced block
// makes that block the output of block NAME. Everything outside the fences
// (the prose) is the README's own. With -check, nothing runs: the README's
// tour blocks must show exactly the commands of tour.txt (make verify).
package main

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
)

func main() {
	steps := flag.String("steps", "hack/tour/tour.txt", "the tour's commands")
	readme := flag.String("readme", "README.md", "the README whose tour blocks are written")
	manager := flag.String("manager", "bin/manager", "the manager binary, run in local mode")
	data := flag.String("local-dir", "bin/tour", "the local control plane's data folder, emptied first")
	only := flag.String("only", "", "run the tour but write only this block (for editing one block)")
	reuse := flag.Bool("reuse", false, "start no manager: run against the one already running on -local-dir (while editing the steps)")
	from := flag.String("from", "", "with -reuse: skip the blocks before this one (they ran already)")
	check := flag.Bool("check", false, "run nothing: fail when the README's tour commands differ from the steps file")
	flag.Parse()
	if err := run(*steps, *readme, *manager, *data, *only, *from, *check, *reuse); err != nil {
		fmt.Fprintln(os.Stderr, "tour:", err)
		os.Exit(1)
	}
}

func run(stepsPath, readmePath, manager, data, only, from string, check, reuse bool) error {
	tour, err := parseTourFile(stepsPath)
	if err != nil {
		return err
	}
	doc, err := readReadme(readmePath)
	if err != nil {
		return err
	}
	if check {
		if err := doc.sameCommands(tour, readmePath, stepsPath); err != nil {
			return fmt.Errorf("%w\n%s does not show the commands of %s: edit the steps, then run make docs", err, readmePath, stepsPath)
		}
		return nil
	}
	if err := doc.matches(tour); err != nil {
		return err
	}
	if from != "" {
		if !reuse {
			return fmt.Errorf("-from needs -reuse: the blocks before it must have run on that cluster")
		}
		tour.skipBefore(from)
	}
	repo, err := os.Getwd()
	if err != nil {
		return err
	}
	outputs, runErr := runTour(tour, repo, filepath.Join(repo, manager), filepath.Join(repo, data), reuse)
	if outputs == nil {
		return runErr
	}
	// The README is read again: its prose may have been edited during the run.
	if doc, err = readReadme(readmePath); err != nil {
		return err
	}
	if err := doc.matches(tour); err != nil {
		return err
	}
	text, err := doc.render(tour, outputs, only)
	if err != nil {
		return err
	}
	// The blocks that ran whole are written even when a later one failed.
	if err := os.WriteFile(readmePath, []byte(text), 0o644); err != nil {
		return err
	}
	return runErr
}

// readReadme reads and parses the README's tour blocks.
func readReadme(path string) (*readme, error) {
	text, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	doc, err := parseReadme(string(text))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return doc, nil
}
