// Command kube-apiserver is a wrapper that builds the upstream kube-apiserver
// from the k8s.io/kubernetes Go module, since `go install` refuses modules with
// replace directives and no release binaries can be downloaded here.
package main

import (
	"os"

	"k8s.io/component-base/cli"
	"k8s.io/kubernetes/cmd/kube-apiserver/app"
)

func main() {
	os.Exit(cli.Run(app.NewAPIServerCommand()))
}
