package kube_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/rudderpm/rudder/internal/kube"
)

// chart300 is a release of 300 objects of four kinds: 100 ConfigMaps, 100 Secrets,
// 50 ServiceAccounts and 50 Services.
func chart300(rev int) string {
	var b strings.Builder
	for i := range 100 {
		fmt.Fprintf(&b, "---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cm-%d\ndata:\n  rev: %q\n", i, fmt.Sprint(rev))
		fmt.Fprintf(&b, "---\napiVersion: v1\nkind: Secret\nmetadata:\n  name: secret-%d\nstringData:\n  rev: %q\n", i, fmt.Sprint(rev))
	}
	for i := range 50 {
		fmt.Fprintf(&b, "---\napiVersion: v1\nkind: ServiceAccount\nmetadata:\n  name: sa-%d\n  labels: {rev: %q}\n", i, fmt.Sprint(rev))
		fmt.Fprintf(&b, "---\napiVersion: v1\nkind: Service\nmetadata:\n  name: svc-%d\n  labels: {rev: %q}\nspec:\n  ports: [{port: 80}]\n  selector: {app: x%d}\n", i, fmt.Sprint(rev), i)
	}
	return b.String()
}

// TestManyObjects installs, upgrades and uninstalls a 300-object release, with the
// default concurrency and one request at a time for comparison, and logs the
// times (go test -v -run TestManyObjects).
func TestManyObjects(t *testing.T) {
	env, c, _ := cluster(t)
	for _, tc := range []struct {
		name        string
		method      kube.Method
		concurrency int
	}{
		{"ssa/default", kube.ServerSide, 0},
		{"csa/default", kube.ClientSide, 0},
		{"ssa/sequential", kube.ServerSide, 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ns := env.Namespace(t)
			ctx := testContext(t)
			owner := kube.Owner{ReleaseName: "big", ReleaseNamespace: ns}
			opts := kube.ApplyOptions{Method: tc.method, Concurrency: tc.concurrency}

			start := time.Now()
			v1, err := c.Build(ctx, chart300(1), kube.BuildOptions{Namespace: ns})
			if err != nil || len(v1) != 300 {
				t.Fatalf("build: %d objects, %v", len(v1), err)
			}
			kube.SetOwnership(v1, owner)
			built := time.Since(start)

			start = time.Now()
			res, err := c.Create(ctx, v1, opts)
			if err != nil || len(res.Created) != 300 {
				t.Fatalf("create: %d created, %v", len(res.Created), err)
			}
			created := time.Since(start)

			v2, err := c.Build(ctx, chart300(2), kube.BuildOptions{Namespace: ns})
			if err != nil {
				t.Fatal(err)
			}
			kube.SetOwnership(v2, owner)
			start = time.Now()
			res, err = c.Update(ctx, v1, v2, opts)
			if err != nil || len(res.Updated) != 300 {
				t.Fatalf("update: %d updated, %v", len(res.Updated), err)
			}
			updated := time.Since(start)
			cm, err := env.Clientset().CoreV1().ConfigMaps(ns).Get(ctx, "cm-99", metav1.GetOptions{})
			if err != nil || cm.Data["rev"] != "2" {
				t.Fatalf("cm-99 after update: %v, %v", cm.Data, err)
			}

			start = time.Now()
			res, err = c.Delete(ctx, v2, kube.DeleteOptions{Concurrency: tc.concurrency})
			if err != nil || len(res.Deleted) != 300 {
				t.Fatalf("delete: %d deleted, %v", len(res.Deleted), err)
			}
			deleted := time.Since(start)
			start = time.Now()
			if err := c.WaitForDelete(ctx, v2, kube.DeleteWaitOptions{}); err != nil {
				t.Fatal(err)
			}
			gone := time.Since(start)
			t.Logf("300 objects, %s: build %v, create %v, update %v, delete %v, wait for deletion %v",
				tc.name, built.Round(time.Millisecond), created.Round(time.Millisecond), updated.Round(time.Millisecond),
				deleted.Round(time.Millisecond), gone.Round(time.Millisecond))
		})
	}
}
