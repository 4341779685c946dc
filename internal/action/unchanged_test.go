package action_test

import (
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/rudderpm/rudder/internal/action"
	"github.com/rudderpm/rudder/internal/kube"
	"github.com/rudderpm/rudder/internal/testenv"
)

// objectWrites counts the requests a Client sends that may change objects
// (anything but GET).
type objectWrites struct {
	mu     sync.Mutex
	writes []string
	next   http.RoundTripper
}

func (w *objectWrites) RoundTrip(req *http.Request) (*http.Response, error) {
	if req.Method != http.MethodGet {
		w.mu.Lock()
		w.writes = append(w.writes, req.Method+" "+req.URL.Path)
		w.mu.Unlock()
	}
	return w.next.RoundTrip(req)
}

func (w *objectWrites) take() []string {
	w.mu.Lock()
	defer w.mu.Unlock()
	out := w.writes
	w.writes = nil
	return out
}

// countWrites points the fixture's object client at one whose writes are counted
// (the release store keeps its own client: its Secrets are not counted).
func (f *fixture) countWrites(env *testenv.Env) *objectWrites {
	f.t.Helper()
	cfg := env.RESTConfig()
	cfg.QPS, cfg.Burst = 0, 0
	w := &objectWrites{}
	cfg.Wrap(func(rt http.RoundTripper) http.RoundTripper {
		w.next = rt
		return w
	})
	kc, err := kube.New(cfg, kube.Options{})
	if err != nil {
		f.t.Fatal(err)
	}
	f.kc = kc
	f.c.Server, f.c.Objects, f.c.Waits, f.c.Logs = kc, kc, kc, kc
	return w
}

// A 300-object upgrade that changes one object sends one write; one that changes
// nothing sends none and still records a revision; --force-conflicts sends all.
func TestUpgradeSendsOnlyChangedObjects(t *testing.T) {
	f := newFixture(t)
	w := f.countWrites(testenv.Start(t))
	ch := testChart(t, "1.0.0", map[string]string{"templates/objects.yaml": `
{{- range $i := until 100 }}
---
apiVersion: v1
kind: ConfigMap
metadata:
  name: cm-{{ $i }}
data:
  value: {{ if eq $i (int $.Values.changed) }}{{ $.Values.value | quote }}{{ else }}"v"{{ end }}
---
apiVersion: v1
kind: Service
metadata:
  name: svc-{{ $i }}
spec:
  selector:
    app: app-{{ $i }}
  ports:
  - port: 80
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: app-{{ $i }}
spec:
  replicas: 1
  selector:
    matchLabels:
      app: app-{{ $i }}
  template:
    metadata:
      labels:
        app: app-{{ $i }}
    spec:
      containers:
      - name: app
        image: registry.invalid/app:1
{{- end }}
`})
	f.ok(f.install("many", ch, map[string]any{"changed": 7, "value": "a"}))
	if n := len(w.take()); n < 300 {
		t.Fatalf("install sent %d writes, want at least 300", n)
	}

	f.ok(f.upgrade("many", ch, map[string]any{"changed": 7, "value": "b"}))
	if got := w.take(); !slices.Equal(got, []string{"PATCH /api/v1/namespaces/" + f.ns + "/configmaps/cm-7"}) {
		t.Fatalf("upgrade changing cm-7 sent %v, want one apply of cm-7", got)
	}
	if v, _ := f.configMapValue("cm-7"); v != "b" {
		t.Errorf("cm-7 value = %q, want b", v)
	}

	rel := f.ok(f.upgrade("many", ch, map[string]any{"changed": 7, "value": "b"}))
	if got := w.take(); len(got) != 0 {
		t.Fatalf("upgrade changing nothing sent %v, want nothing", got)
	}
	if want := []string{"1:superseded", "2:superseded", "3:deployed"}; rel.Version != 3 || !slices.Equal(f.statuses("many"), want) {
		t.Errorf("after an upgrade changing nothing: revision %d, history %v; want 3 and %v", rel.Version, f.statuses("many"), want)
	}

	f.ok(f.upgrade("many", ch, map[string]any{"changed": 7, "value": "b"}, func(o *action.UpgradeOptions) { o.ForceConflicts = true }))
	patches := 0
	for _, s := range w.take() {
		if strings.HasPrefix(s, "PATCH ") {
			patches++
		}
	}
	if patches != 300 {
		t.Errorf("upgrade with force conflicts sent %d applies, want all 300", patches)
	}
}
