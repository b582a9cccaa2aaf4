// Package cli is kubectl-cunshe, the command-line tool of cunshe-operator
// (`kubectl cunshe` once it is on PATH). Each subcommand lives in its own
// file as a newXCommand function that NewRootCommand adds to the tree.
package cli

import (
	"context"
	"errors"
	"fmt"
	"io"

	"github.com/spf13/cobra"
)

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
		newComplianceCommand(),
		newDecideCommand(),
		newDiffCommand(),
		newDigestCommand(),
		newImportDivisionsCommand(),
		newImportSignboardsCommand(),
		newKeygenCommand(),
		newListsCommand(),
		newPortalCommand(),
		newRatifyCommand(),
		newRenderCommand(),
		newReportCommand(),
		newRolloutCommand(),
		newTasksCommand(),
		newValidateCommand(),
		newVersionCommand(),
	)
	return root
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
