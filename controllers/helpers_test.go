package controllers_test

import (
	"testing"

	"sigs.k8s.io/controller-runtime/pkg/client"
)

// impersonate returns a client acting as the given user and groups.
func impersonate(t *testing.T, user string, groups ...string) client.Client {
	t.Helper()
	c, err := env.As(user, groups...)
	if err != nil {
		t.Fatal(err)
	}
	return c
}
