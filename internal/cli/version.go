package cli

import (
	"fmt"
	goruntime "runtime"

	"github.com/spf13/cobra"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"

	"github.com/cunshe/cunshe-operator/internal/version"
)

// versionInfo is what `kubectl cunshe version -o json|yaml` prints.
type versionInfo struct {
	metav1.TypeMeta `json:",inline"`
	Version         string `json:"version"`
	GoVersion       string `json:"goVersion"`
	Platform        string `json:"platform"`
}

func (v *versionInfo) DeepCopyObject() runtime.Object { return deepCopyResult(v) }

func newVersionCommand() *cobra.Command {
	var p *printFlags
	cmd := &cobra.Command{
		Use:   "version",
		Short: "显示版本 / print the version",
		Example: "  kubectl cunshe version\n" +
			"  kubectl cunshe version -o json",
		Args: exactArgs(),
		RunE: func(cmd *cobra.Command, _ []string) error {
			pr, err := p.printer(cmd)
			if err != nil {
				return err
			}
			info := &versionInfo{
				TypeMeta:  resultType("Version"),
				Version:   version.Version,
				GoVersion: goruntime.Version(),
				Platform:  goruntime.GOOS + "/" + goruntime.GOARCH,
			}
			if pr != nil {
				return p.printObjects(cmd.OutOrStdout(), pr, info)
			}
			_, err = fmt.Fprintf(cmd.OutOrStdout(), "kubectl-cunshe %s (%s, %s)\n", info.Version, info.GoVersion, info.Platform)
			return err
		},
	}
	p = addPrintFlags(cmd, false)
	return cmd
}
