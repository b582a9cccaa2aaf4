// Command kube-controller-manager wraps the upstream controller-manager so the
// local control plane garbage-collects owned objects and finishes namespace
// deletion, as a real cluster does.
package main

import (
	"os"

	"k8s.io/component-base/cli"
	"k8s.io/kubernetes/cmd/kube-controller-manager/app"
)

func main() {
	os.Exit(cli.Run(app.NewControllerManagerCommand()))
}
