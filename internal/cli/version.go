package cli

import (
	"encoding/json"
	"fmt"
	"runtime"

	"github.com/spf13/cobra"

	"github.com/cunshe/cunshe-operator/internal/version"
)

// versionInfo is what `kubectl cunshe version -o json` prints.
type versionInfo struct {
	Version   string `json:"version"`
	GoVersion string `json:"goVersion"`
	Platform  string `json:"platform"`
}

func newVersionCommand() *cobra.Command {
	var output string
	cmd := &cobra.Command{
		Use:   "version",
		Short: "显示版本 / print the version",
		Example: "  kubectl cunshe version\n" +
			"  kubectl cunshe version -o json",
		Args: exactArgs(),
		RunE: func(cmd *cobra.Command, _ []string) error {
			info := versionInfo{
				Version:   version.Version,
				GoVersion: runtime.Version(),
				Platform:  runtime.GOOS + "/" + runtime.GOARCH,
			}
			switch output {
			case "":
				_, err := fmt.Fprintf(cmd.OutOrStdout(), "kubectl-cunshe %s (%s, %s)\n", info.Version, info.GoVersion, info.Platform)
				return err
			case "json":
				enc := json.NewEncoder(cmd.OutOrStdout())
				enc.SetIndent("", "  ")
				return enc.Encode(info)
			default:
				return usageError(cmd, fmt.Errorf("输出格式 %q 无效，只支持 json / output format %q is not supported, use json", output, output))
			}
		},
	}
	cmd.Flags().StringVarP(&output, "output", "o", "", "输出格式 / output format: json")
	return cmd
}
