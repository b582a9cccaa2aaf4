package webhookbench

import (
	"flag"
	"os"
	"testing"

	"github.com/cunshe/cunshe-operator/internal/testenv"
)

// env is the package's one control plane; the benchmark starts the webhook
// server itself, with the no-op webhook beside the operator's.
var env *testenv.Env

// TestMain starts the control plane only when a benchmark is asked for: the
// package has no tests, and `go test ./...` need not pay for one.
func TestMain(m *testing.M) {
	flag.Parse()
	if flag.Lookup("test.bench").Value.String() == "" {
		os.Exit(m.Run())
	}
	testenv.Run(m, testenv.Options{Manager: false, APIServerFlags: testenv.BenchAPIServerFlags}, &env)
}
