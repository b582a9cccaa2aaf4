//go:build nolocal

package main

// The production build (-tags nolocal, the Dockerfile's): no local mode,
// so no --local-* flags and neither envtest nor internal/localcp linked in.

import (
	"context"
	"errors"
	"flag"
)

type localFlags struct{}

func (*localFlags) bind(*flag.FlagSet) {}

func (*localFlags) enabled() bool { return false }

func runLocal(context.Context, flags) error {
	return errors.New("this manager was built without the local mode (-tags nolocal)")
}
