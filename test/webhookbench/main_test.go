package webhookbench

import (
	"testing"

	"github.com/cunshe/cunshe-operator/internal/testenv"
)

// env is the package's one control plane; the benchmark starts the webhook
// server itself, with the no-op webhook beside the operator's.
var env *testenv.Env

func TestMain(m *testing.M) {
	testenv.Run(m, testenv.Options{Manager: false}, &env)
}
