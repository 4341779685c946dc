package kube_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/rudderpm/rudder/internal/kube"
	"github.com/rudderpm/rudder/internal/testenv"
)

func TestMain(m *testing.M) { testenv.Main(m) }

// cluster starts (or reuses) the test cluster and returns a Client for it and a
// fresh namespace.
func cluster(t *testing.T) (*testenv.Env, *kube.Client, string) {
	t.Helper()
	env := testenv.Start(t)
	t.Parallel()
	return env, newClient(t, env), env.Namespace(t)
}

// newClient returns a Client configured as the CLI does when the user gives no
// --qps: no client-side throttling. (testenv's own config limits it.)
func newClient(t *testing.T, env *testenv.Env) *kube.Client {
	t.Helper()
	cfg := env.RESTConfig()
	cfg.QPS, cfg.Burst = 0, 0
	c, err := kube.New(cfg, kube.Options{})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func testContext(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(t.Context(), time.Minute)
	t.Cleanup(cancel)
	return ctx
}

func build(t *testing.T, c *kube.Client, ns, manifest string) []*kube.Resource {
	t.Helper()
	rs, err := c.Build(testContext(t), manifest, kube.BuildOptions{Namespace: ns})
	if err != nil {
		t.Fatalf("build: %v", err)
	}
	return rs
}

func configMaps(names ...string) string {
	var b strings.Builder
	for _, n := range names {
		fmt.Fprintf(&b, "---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: %s\ndata:\n  key: %s\n", n, n)
	}
	return b.String()
}

func names(rs []*kube.Resource) []string {
	out := []string{}
	for _, r := range rs {
		out = append(out, r.String())
	}
	return out
}

func exists(t *testing.T, env *testenv.Env, ns, name string) bool {
	t.Helper()
	_, err := env.Clientset().CoreV1().ConfigMaps(ns).Get(testContext(t), name, metav1.GetOptions{})
	if apierrors.IsNotFound(err) {
		return false
	}
	if err != nil {
		t.Fatal(err)
	}
	return true
}
