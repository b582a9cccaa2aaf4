package bench

import (
	"testing"

	"github.com/cunshe/cunshe-operator/internal/testenv"
)

// env is the package's one control plane. The benchmarks start the
// operator's manager themselves, when their measurement needs it.
var env *testenv.Env

func TestMain(m *testing.M) {
	testenv.Run(m, testenv.Options{Manager: false, APIServerFlags: testenv.BenchAPIServerFlags}, &env)
}
