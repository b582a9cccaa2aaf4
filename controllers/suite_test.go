package controllers_test

import (
	"testing"

	"github.com/cunshe/cunshe-operator/internal/testenv"
)

// env is one real control plane (etcd, kube-apiserver,
// kube-controller-manager) with the operator running, shared by the package.
var env *testenv.Env

func TestMain(m *testing.M) {
	testenv.Run(m, testenv.Options{Manager: true}, &env)
}
