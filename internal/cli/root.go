// Package cli is kubectl-cunshe, the command-line tool of cunshe-operator
// (`kubectl cunshe` once it is on PATH). Each subcommand lives in its own
// file as a newXCommand function that NewRootCommand adds to the tree.
package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/spf13/cobra"
)

// Exit codes of kubectl-cunshe.
const (
	// ExitOK means the command did what it was asked.
	ExitOK = 0
	// ExitFailure means the command failed for another reason than its
	// input, e.g. an output folder that cannot be written.
	ExitFailure = 1
	// ExitUnusableInput means the command line or the input file is
	// unusable (unknown flag, malformed CSV row, …); nothing was written.
	ExitUnusableInput = 2
)

// exitError carries the exit code an error should end the process with.
type exitError struct {
	code int
	err  error
}

func (e *exitError) Error() string { return e.err.Error() }

func (e *exitError) Unwrap() error { return e.err }

// inputError marks err as the input's fault: exit code 2.
func inputError(err error) error {
	return &exitError{code: ExitUnusableInput, err: err}
}

// usageError marks err as the command line's fault: exit code 2, and a
// pointer to the command's help.
func usageError(cmd *cobra.Command, err error) error {
	return &exitError{code: ExitUnusableInput, err: fmt.Errorf("%w\n运行 / run '%s --help' 查看用法 / for usage", err, cmd.CommandPath())}
}

// NewRootCommand returns the kubectl-cunshe command tree. Subcommands read
// and write through cmd.InOrStdin, cmd.OutOrStdout and cmd.ErrOrStderr, so
// tests run the tree in-process with buffers.
func NewRootCommand() *cobra.Command {
	root := &cobra.Command{
		Use:   "kubectl-cunshe",
		Short: "村社治理工具 / tools for cunshe-operator's village governance",
		Long: "kubectl cunshe 管理本市（或全省各市）村（社区）的登记与清单。\n" +
			"kubectl cunshe manages the registry and lists of a city's (or a province's cities') villages and communities.",
		Annotations: map[string]string{cobra.CommandDisplayNameAnnotation: "kubectl cunshe"},
		// A root that runs turns an unknown subcommand into a usage error
		// (exit 2) instead of cobra's help text with exit 0.
		Args: cobra.ArbitraryArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if len(args) == 0 {
				return cmd.Help()
			}
			return usageError(cmd, unknownCommand(cmd, args[0]))
		},
		SilenceErrors: true, // Execute prints them, bilingual
		SilenceUsage:  true, // a failed import is no reason to print usage
	}
	root.CompletionOptions.HiddenDefaultCmd = true
	root.SuggestionsMinimumDistance = 2
	root.SetFlagErrorFunc(func(cmd *cobra.Command, err error) error {
		return usageError(cmd, fmt.Errorf("参数错误 / bad flag: %w", err))
	})
	root.AddCommand(
		newApproveCommand(),
		newDecideCommand(),
		newDiffCommand(),
		newDigestCommand(),
		newImportDivisionsCommand(),
		newImportSignboardsCommand(),
		newKeygenCommand(),
		newListsCommand(),
		newPortalCommand(),
		newRenderCommand(),
		newReportCommand(),
		newRolloutCommand(),
		newTasksCommand(),
		newValidateCommand(),
		newVersionCommand(),
	)
	return root
}

func unknownCommand(cmd *cobra.Command, name string) error {
	msg := fmt.Sprintf("未知命令 %q / unknown command %q", name, name)
	if s := cmd.SuggestionsFor(name); len(s) > 0 {
		msg += fmt.Sprintf("；是否要用 / did you mean: %s", strings.Join(s, ", "))
	}
	return errors.New(msg)
}

// exactArgs is cobra.ExactArgs with a bilingual usage error naming the
// arguments, e.g. exactArgs("FILE.csv").
func exactArgs(names ...string) cobra.PositionalArgs {
	return func(cmd *cobra.Command, args []string) error {
		if len(args) == len(names) {
			return nil
		}
		if len(names) == 0 {
			return usageError(cmd, fmt.Errorf("不接受参数，收到 %d 个 / takes no arguments, got %d", len(args), len(args)))
		}
		return usageError(cmd, fmt.Errorf("需要 %d 个参数 %s，收到 %d 个 / want %d argument(s) %s, got %d",
			len(names), strings.Join(names, " "), len(args), len(names), strings.Join(names, " "), len(args)))
	}
}

// minimumArgs is cobra.MinimumNArgs(1) with a bilingual usage error naming
// the arguments, e.g. minimumArgs("FILE...").
func minimumArgs(names string) cobra.PositionalArgs {
	return func(cmd *cobra.Command, args []string) error {
		if len(args) > 0 {
			return nil
		}
		return usageError(cmd, fmt.Errorf("需要至少 1 个参数 %s / want at least 1 argument %s", names, names))
	}
}

// Execute runs kubectl-cunshe with args, prints any error to stderr and
// returns the process's exit code.
func Execute(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	root := NewRootCommand()
	root.SetArgs(args)
	root.SetIn(stdin)
	root.SetOut(stdout)
	root.SetErr(stderr)
	err := root.ExecuteContext(ctx)
	if err == nil {
		return ExitOK
	}
	_, _ = fmt.Fprintf(stderr, "错误 / error: %v\n", err)
	if ee, ok := errors.AsType[*exitError](err); ok {
		return ee.code
	}
	return ExitFailure
}
