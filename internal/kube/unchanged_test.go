package kube_test

import (
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"

	"github.com/rudderpm/rudder/internal/kube"
	"github.com/rudderpm/rudder/internal/testenv"
)

// writeCounter counts the requests that may change objects (anything but GET),
// by method and path, as they leave the client.
type writeCounter struct {
	mu     sync.Mutex
	writes []string
	next   http.RoundTripper
}

func (w *writeCounter) RoundTrip(req *http.Request) (*http.Response, error) {
	if req.Method != http.MethodGet {
		w.mu.Lock()
		w.writes = append(w.writes, req.Method+" "+req.URL.Path)
		w.mu.Unlock()
	}
	return w.next.RoundTrip(req)
}

// take returns the writes counted since the last call and forgets them.
func (w *writeCounter) take() []string {
	w.mu.Lock()
	defer w.mu.Unlock()
	out := w.writes
	w.writes = nil
	return out
}

// countingClient is a Client whose requests pass through a writeCounter.
func countingClient(t *testing.T, env *testenv.Env) (*kube.Client, *writeCounter) {
	t.Helper()
	cfg := env.RESTConfig()
	cfg.QPS, cfg.Burst = 0, 0
	wc := &writeCounter{}
	cfg.Wrap(func(rt http.RoundTripper) http.RoundTripper {
		wc.next = rt
		return wc
	})
	c, err := kube.New(cfg, kube.Options{})
	if err != nil {
		t.Fatal(err)
	}
	return c, wc
}

// manyObjects is n ConfigMaps, Services and Deployments each (the benchmark's
// chart), object i of a kind ("configmaps") at generation gen(kind, i).
func manyObjects(n int, gen func(kind string, i int) int) string {
	var b strings.Builder
	for i := range n {
		fmt.Fprintf(&b, `---
apiVersion: v1
kind: ConfigMap
metadata:
  name: cm-%[1]d
data:
  generation: "%[2]d"
`, i, gen("configmaps", i))
		fmt.Fprintf(&b, `---
apiVersion: v1
kind: Service
metadata:
  name: svc-%[1]d
  labels:
    generation: "%[2]d"
spec:
  selector:
    app: app-%[1]d
  ports:
  - port: 80
`, i, gen("services", i))
		fmt.Fprintf(&b, `---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: app-%[1]d
spec:
  replicas: 1
  selector:
    matchLabels:
      app: app-%[1]d
  template:
    metadata:
      labels:
        app: app-%[1]d
        generation: "%[2]d"
    spec:
      containers:
      - name: app
        image: registry.invalid/app:%[2]d
        ports:
        - containerPort: 8080
        env:
        - name: GEN
          value: "%[2]d"
`, i, gen("deployments", i))
	}
	return b.String()
}

// An upgrade sends only the objects whose applied state differs from the live one:
// none when nothing changed (the server's defaults in Services and Deployments do
// not count), one when one did; dropping a field is a change; forcing conflicts
// sends everything.
func TestUpdateSkipsUnchanged(t *testing.T) {
	env := testenv.Start(t)
	t.Parallel()
	ns := env.Namespace(t)
	c, wc := countingClient(t, env)
	ctx := testContext(t)
	const n = 20
	own := func(rs []*kube.Resource) []*kube.Resource {
		kube.SetOwnership(rs, kube.Owner{ReleaseName: "many", ReleaseNamespace: ns})
		return rs
	}
	v1 := own(build(t, c, ns, manyObjects(n, func(string, int) int { return 1 })))
	if _, err := c.Create(ctx, v1, kube.ApplyOptions{}); err != nil {
		t.Fatal(err)
	}
	wc.take()

	res, err := c.Update(ctx, v1, v1, kube.ApplyOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if w := wc.take(); len(w) != 0 || len(res.Unchanged) != 3*n {
		t.Fatalf("nothing changed: writes %v, %d unchanged; want none and %d", w, len(res.Unchanged), 3*n)
	}

	for _, kind := range []string{"configmaps", "services", "deployments"} {
		changed := map[string]int{"configmaps": 3, "services": 7, "deployments": 11}[kind]
		v2 := own(build(t, c, ns, manyObjects(n, func(k string, i int) int {
			if k == kind && i == changed {
				return 2
			}
			return 1
		})))
		res, err := c.Update(ctx, v1, v2, kube.ApplyOptions{})
		if err != nil {
			t.Fatal(err)
		}
		w := wc.take()
		if len(w) != 1 || !strings.Contains(w[0], "/"+kind+"/") || len(res.Updated) != 1 || len(res.Unchanged) != 3*n-1 {
			t.Fatalf("one %s changed: writes %v, updated %v; want one write", kind, w, names(res.Updated))
		}
		// Back to v1 for the next kind: again one write.
		if _, err := c.Update(ctx, v2, v1, kube.ApplyOptions{}); err != nil {
			t.Fatal(err)
		}
		if w := wc.take(); len(w) != 1 {
			t.Fatalf("one %s changed back: writes %v, want one", kind, w)
		}
	}

	// A label dropped from an object is a change (the apply removes it).
	v3 := own(build(t, c, ns, strings.Replace(manyObjects(n, func(string, int) int { return 1 }),
		"  labels:\n    generation: \"1\"\n", "", 1)))
	if _, err := c.Update(ctx, v1, v3, kube.ApplyOptions{}); err != nil {
		t.Fatal(err)
	}
	if w := wc.take(); len(w) != 1 {
		t.Fatalf("a label dropped: writes %v, want one", w)
	}
	svc, err := env.Clientset().CoreV1().Services(ns).Get(ctx, "svc-0", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if _, has := svc.Labels["generation"]; has {
		t.Errorf("svc-0 still has the dropped label: %v", svc.Labels)
	}

	// A value another writer changed behind the release's back is sent again.
	if _, err := env.Clientset().CoreV1().ConfigMaps(ns).Patch(ctx, "cm-5", types.MergePatchType,
		[]byte(`{"metadata":{"labels":{"team":"x"}}}`), metav1.PatchOptions{FieldManager: "someone-else"}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Update(ctx, v3, v3, kube.ApplyOptions{}); err != nil {
		t.Fatal(err)
	}
	if w := wc.take(); len(w) != 0 {
		t.Fatalf("a field of another manager added: writes %v, want none (it is not the release's)", w)
	}
	if _, err := env.Clientset().CoreV1().ConfigMaps(ns).Patch(ctx, "cm-5", types.MergePatchType,
		[]byte(`{"data":{"generation":"drifted"}}`), metav1.PatchOptions{FieldManager: "someone-else"}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Update(ctx, v3, v3, kube.ApplyOptions{}); !apierrors.IsConflict(err) {
		t.Fatalf("a value of the release changed by another manager: err = %v, want the conflict of sending it", err)
	}
	if w := wc.take(); len(w) != 1 {
		t.Fatalf("a value of the release changed by another manager: writes %v, want one", w)
	}
	if _, err := c.Update(ctx, v3, v3, kube.ApplyOptions{ForceConflicts: true}); err != nil {
		t.Fatal(err)
	}
	if w := wc.take(); len(w) != 3*n {
		t.Fatalf("force conflicts: %d writes, want all %d", len(w), 3*n)
	}
	cm, err := env.Clientset().CoreV1().ConfigMaps(ns).Get(ctx, "cm-5", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if cm.Data["generation"] != "1" || cm.Labels["team"] != "x" {
		t.Errorf("cm-5 after forcing: data %v labels %v, want generation 1 and team x kept", cm.Data, cm.Labels)
	}
}
