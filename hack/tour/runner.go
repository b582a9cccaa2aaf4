package main

import (
	"bufio"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"
)

const (
	defaultTimeout = 3 * time.Minute
	untilTimeout   = 10 * time.Minute
	untilInterval  = 2 * time.Second
)

// runTour runs every step in one bash in a scratch folder that sees the
// repository's config/, docs/ and hack/, and returns what each shown step
// printed, shaped for the README; on a failure, what the blocks that ran
// whole printed, with the error.
func runTour(t *Tour, repo, manager, data string, reuse bool) (map[*Step][]string, error) {
	work, err := os.MkdirTemp("", "cunshe-tour-")
	if err != nil {
		return nil, err
	}
	defer func() { _ = os.RemoveAll(work) }()
	for _, dir := range []string{"config", "docs", "hack", "test"} {
		if err := os.Symlink(filepath.Join(repo, dir), filepath.Join(work, dir)); err != nil {
			return nil, err
		}
	}
	op := &operator{binary: manager, data: data, reuse: reuse}
	sh, err := startShell(work, []string{
		"KUBECONFIG=" + filepath.Join(data, "kubeconfig"),
		"PATH=" + filepath.Join(repo, "bin") + ":" + os.Getenv("PATH"),
		// Every run's API server listens on the same port: kubectl's
		// discovery cache of an earlier cluster would name stale resources.
		"KUBECACHEDIR=" + filepath.Join(work, ".kube-cache"),
	})
	if err != nil {
		return nil, err
	}
	defer sh.close()

	outputs, err := runBlocks(t, sh, op)
	if err != nil {
		if op.cmd != nil {
			err = fmt.Errorf("%w\nthe operator is left running on %s (pid %d) to look at: continue with -reuse -from BLOCK, or stop it with kill -INT -%d",
				err, op.data, op.cmd.Process.Pid, op.cmd.Process.Pid)
		}
		return outputs, err
	}
	op.stop()
	return outputs, nil
}

// runBlocks runs the blocks in order. On a failure it returns the outputs
// of the blocks that ran whole, and marks the failed block and those after
// it as skipped, so that the README keeps their text until a run with
// -reuse -from reaches them.
func runBlocks(t *Tour, sh *shell, op *operator) (map[*Step][]string, error) {
	outputs := map[*Step][]string{}
	for i, b := range t.Blocks {
		if err := runBlock(b, sh, op, outputs); err != nil {
			for _, rest := range t.Blocks[i:] {
				rest.skipped = true
			}
			return outputs, err
		}
	}
	return outputs, nil
}

func runBlock(b *Block, sh *shell, op *operator, outputs map[*Step][]string) error {
	if b.skipped {
		return nil
	}
	fmt.Fprintf(os.Stderr, "tour: == %s\n", b.Name)
	for _, s := range b.Steps {
		if s.IsManager {
			if err := op.start(s.ManagerArgs); err != nil {
				return fmt.Errorf("line %d: %w", s.Line, err)
			}
			continue
		}
		out, err := sh.step(s)
		if err != nil {
			return fmt.Errorf("line %d (%s): %w", s.Line, firstLine(s.Command), err)
		}
		outputs[s] = s.Shape(out)
	}
	return nil
}

func firstLine(s string) string {
	l, _, _ := strings.Cut(s, "\n")
	return l
}

// operator is the manager in local mode, with its own control plane.
type operator struct {
	binary, data string
	reuse        bool // run against the operator already running on data
	cmd          *exec.Cmd
	exited       chan error
}

func (o *operator) log() string { return o.data + ".log" }

// start (re)starts the manager on an empty data folder and waits until its
// API server answers.
func (o *operator) start(args []string) error {
	if o.reuse {
		return nil
	}
	o.stop()
	if err := os.RemoveAll(o.data); err != nil {
		return err
	}
	log, err := os.Create(o.log())
	if err != nil {
		return err
	}
	o.cmd = exec.Command(o.binary, append([]string{"--local-dir=" + o.data}, args...)...)
	o.cmd.Stdout, o.cmd.Stderr = log, log
	o.cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := o.cmd.Start(); err != nil {
		return err
	}
	o.exited = make(chan error, 1)
	go func() { o.exited <- o.cmd.Wait(); _ = log.Close() }()
	fmt.Fprintf(os.Stderr, "tour: started %s (log %s)\n", o.binary, o.log())
	deadline := time.After(10 * time.Minute)
	for {
		select {
		case err := <-o.exited:
			o.cmd = nil
			return fmt.Errorf("the manager exited (%v); see %s", err, o.log())
		case <-deadline:
			return fmt.Errorf("the manager's API server did not answer in 10 minutes; see %s", o.log())
		case <-time.After(time.Second):
		}
		kubeconfig := filepath.Join(o.data, "kubeconfig")
		if _, err := os.Stat(kubeconfig); err != nil {
			continue
		}
		if exec.Command("kubectl", "--kubeconfig", kubeconfig, "get", "--raw", "/readyz").Run() == nil {
			return nil
		}
	}
}

// stop ends the manager as Ctrl-C would, so that it stops its control plane.
func (o *operator) stop() {
	if o.cmd == nil {
		return
	}
	pid := o.cmd.Process.Pid
	_ = syscall.Kill(-pid, syscall.SIGINT)
	kill := time.AfterFunc(60*time.Second, func() { _ = syscall.Kill(-pid, syscall.SIGKILL) })
	err := <-o.exited
	fmt.Fprintf(os.Stderr, "tour: the manager stopped (%v)\n", err)
	kill.Stop()
	o.cmd = nil
}

// shell is one bash the steps run in, one after the other.
type shell struct {
	cmd   *exec.Cmd
	in    io.WriteCloser
	lines chan string
	token string
}

func startShell(dir string, env []string) (*shell, error) {
	b := make([]byte, 8)
	_, _ = rand.Read(b)
	sh := &shell{token: "__tour_" + hex.EncodeToString(b), lines: make(chan string, 1024)}
	sh.cmd = exec.Command("bash", "--noprofile", "--norc")
	sh.cmd.Dir = dir
	sh.cmd.Env = append(os.Environ(), env...)
	sh.cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	pr, pw, err := os.Pipe()
	if err != nil {
		return nil, err
	}
	sh.cmd.Stdout, sh.cmd.Stderr = pw, pw
	if sh.in, err = sh.cmd.StdinPipe(); err != nil {
		return nil, err
	}
	if err := sh.cmd.Start(); err != nil {
		return nil, err
	}
	_ = pw.Close()
	go func() {
		sc := bufio.NewScanner(pr)
		sc.Buffer(make([]byte, 1<<20), 16<<20)
		for sc.Scan() {
			sh.lines <- sc.Text()
		}
		close(sh.lines)
	}()
	return sh, nil
}

func (sh *shell) close() {
	_ = sh.in.Close()
	_ = syscall.Kill(-sh.cmd.Process.Pid, syscall.SIGKILL)
	_ = sh.cmd.Wait()
}

// step runs a step, again until its output matches when it has "until",
// and checks its exit status.
func (sh *shell) step(s *Step) (string, error) {
	timeout := s.Timeout
	if timeout == 0 {
		timeout = defaultTimeout
		if s.Until != nil {
			timeout = untilTimeout
		}
	}
	deadline := time.Now().Add(timeout)
	for {
		out, status, err := sh.exec(s.Command, time.Until(deadline))
		if err != nil {
			return out, err
		}
		if s.Until != nil && !s.Until.MatchString(strings.TrimRight(out, "\n")) {
			if time.Now().After(deadline) {
				return out, fmt.Errorf("no output matched %q in %s; the last:\n%s", s.Until, timeout, out)
			}
			time.Sleep(untilInterval)
			continue
		}
		switch {
		case s.ExpectFail && status == 0:
			return out, fmt.Errorf("expected to fail, it succeeded:\n%s", out)
		case !s.ExpectFail && status != 0:
			return out, fmt.Errorf("exit status %d:\n%s", status, out)
		}
		return out, nil
	}
}

// exec sends one command to the shell and reads its output up to the
// token line that carries its exit status.
func (sh *shell) exec(command string, timeout time.Duration) (string, int, error) {
	script := fmt.Sprintf("{ %s\n} </dev/null 2>&1; printf '\\n%s %%d\\n' $?\n", command, sh.token)
	if _, err := io.WriteString(sh.in, script); err != nil {
		return "", 0, err
	}
	var out []string
	expire := time.After(timeout)
	for {
		select {
		case line, ok := <-sh.lines:
			if !ok {
				return strings.Join(out, "\n"), 0, errors.New("the shell exited")
			}
			if rest, found := strings.CutPrefix(line, sh.token+" "); found {
				status, err := strconv.Atoi(rest)
				return strings.Join(out, "\n"), status, err
			}
			out = append(out, line)
		case <-expire:
			return strings.Join(out, "\n"), 0, fmt.Errorf("no end in %s", timeout)
		}
	}
}
