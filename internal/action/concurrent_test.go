package action_test

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"golang.org/x/sync/errgroup"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/rudderpm/rudder/internal/action"
	"github.com/rudderpm/rudder/internal/chart"
	"github.com/rudderpm/rudder/internal/kube"
	"github.com/rudderpm/rudder/internal/storage"
	"github.com/rudderpm/rudder/internal/testenv"
)

// TestConcurrentLifecycle drives many releases at once through one Cluster (one
// API client, one release store, one locker), as a controller would: every
// release is installed and upgraded (running a hook, waiting for its objects,
// its status read), then kept, rolled back, or uninstalled with or without its
// history. hack/test also runs it under the race detector.
func TestConcurrentLifecycle(t *testing.T) {
	const (
		releases = 50
		inFlight = 12
	)
	// Not parallel: its load on the API server would slow the other tests'
	// waits; alone, it takes about 15s.
	env := testenv.Start(t)
	ns := env.Namespace(t)
	cfg := env.RESTConfig()
	cfg.QPS, cfg.Burst = 0, 0
	kc, err := kube.New(cfg, kube.Options{})
	if err != nil {
		t.Fatal(err)
	}
	var events atomic.Int64
	c := &action.Cluster{
		Server:     kc,
		Objects:    kc,
		Waits:      kc,
		Logs:       kc,
		WaitEvents: func(kube.WaitEvent) { events.Add(1) },
		Releases:   storage.New(storage.NewSecrets(env.Clientset().CoreV1(), ns, storage.DriverOptions{}), storage.Options{}),
		Locks:      &storage.LeaseLocker{Leases: env.Clientset().CoordinationV1(), Namespace: ns, Holder: "concurrent lifecycle test"},
	}
	name := func(i int) string { return fmt.Sprintf("r%02d", i) }
	ctx, cancel := context.WithTimeout(t.Context(), 5*time.Minute)
	defer cancel()

	// One chart per version, shared by every release, as a controller shares them.
	v1, v2 := sharedChart(t, "1.0.0"), sharedChart(t, "2.0.0")
	withSub := func(i int) bool { return i/4%2 == 0 }
	vals := func(i, rev int) map[string]any {
		return map[string]any{"value": fmt.Sprintf("%s-%d", name(i), rev), "sub": map[string]any{"enabled": withSub(i)}}
	}

	// What happens to release i after its install and upgrade.
	type fate int
	const (
		kept fate = iota
		rolledBack
		uninstalled
		uninstalledKeepingHistory
	)
	fateOf := func(i int) fate { return fate(i % 4) }

	start := time.Now()
	var g errgroup.Group
	g.SetLimit(inFlight)
	for i := range releases {
		g.Go(func() error {
			n := name(i)
			inst := &action.Install{Cluster: c, InstallOptions: action.InstallOptions{ReleaseName: n, Namespace: ns}}
			if _, err := inst.Run(ctx, v1, vals(i, 1)); err != nil {
				return fmt.Errorf("install %s: %w", n, err)
			}
			up := &action.Upgrade{Cluster: c, UpgradeOptions: action.UpgradeOptions{LifecycleOptions: action.LifecycleOptions{Wait: action.WaitWatcher}}}
			if _, err := up.Run(ctx, n, v2, vals(i, 2)); err != nil {
				return fmt.Errorf("upgrade %s: %w", n, err)
			}
			st, err := action.Status{Releases: c.Releases, Resources: kc}.Run(ctx, n)
			if err != nil {
				return fmt.Errorf("status %s: %w", n, err)
			}
			if len(st.Unread) > 0 || len(st.Release.Info.Resources["v1/Service"]) != 1 {
				return fmt.Errorf("status %s: unread %v, objects %v", n, st.Unread, slices.Collect(maps.Keys(st.Release.Info.Resources)))
			}
			switch f := fateOf(i); f {
			case rolledBack:
				rb := &action.Rollback{Cluster: c, RollbackOptions: action.RollbackOptions{Version: 1}}
				if _, err := rb.Run(ctx, n); err != nil {
					return fmt.Errorf("rollback %s: %w", n, err)
				}
			case uninstalled, uninstalledKeepingHistory:
				un := &action.Uninstall{Cluster: c, UninstallOptions: action.UninstallOptions{KeepHistory: f == uninstalledKeepingHistory}}
				if _, err := un.Run(ctx, n); err != nil {
					return fmt.Errorf("uninstall %s: %w", n, err)
				}
			}
			return nil
		})
	}
	if err := g.Wait(); err != nil {
		t.Fatal(err)
	}
	t.Logf("%d releases, %d at a time: %v", releases, inFlight, time.Since(start).Round(time.Millisecond))

	cms := env.Clientset().CoreV1().ConfigMaps(ns)
	for i := range releases {
		n := name(i)
		var wantHistory []string
		wantValue := ""
		switch fateOf(i) {
		case kept:
			wantHistory, wantValue = []string{"1:superseded", "2:deployed"}, n+"-2"
		case rolledBack:
			wantHistory, wantValue = []string{"1:superseded", "2:superseded", "3:deployed"}, n+"-1"
		case uninstalledKeepingHistory:
			wantHistory = []string{"1:superseded", "2:uninstalled"}
		}
		h, err := c.Releases.History(ctx, n)
		if err != nil && !errors.Is(err, storage.ErrReleaseNotFound) {
			t.Fatal(err)
		}
		var got []string
		for _, r := range h {
			got = append(got, fmt.Sprintf("%d:%s", r.Version, r.Info.Status))
		}
		slices.Sort(got)
		if !slices.Equal(got, wantHistory) {
			t.Errorf("%s: history %v, want %v", n, got, wantHistory)
		}
		_, err = cms.Get(ctx, n+"-sub", metav1.GetOptions{})
		if wantSub := wantValue != "" && withSub(i); wantSub != (err == nil) {
			t.Errorf("%s: subchart's ConfigMap there: %v, want %v (%v)", n, err == nil, wantSub, err)
		}
		obj, err := cms.Get(ctx, n+"-cm", metav1.GetOptions{})
		switch {
		case wantValue == "" && !apierrors.IsNotFound(err):
			t.Errorf("%s: ConfigMap still there (%v)", n, err)
		case wantValue != "" && err != nil:
			t.Errorf("%s: ConfigMap: %v", n, err)
		case wantValue != "" && obj.Data["value"] != wantValue:
			t.Errorf("%s: ConfigMap value %q, want %q", n, obj.Data["value"], wantValue)
		}
	}
	if events.Load() == 0 {
		t.Error("no wait events")
	}
	if hooks, err := cms.List(ctx, metav1.ListOptions{}); err != nil {
		t.Fatal(err)
	} else {
		for _, cm := range hooks.Items {
			if strings.HasSuffix(cm.Name, "-hook") {
				t.Errorf("hook %s not deleted", cm.Name)
			}
		}
	}
	leases, err := env.Clientset().CoordinationV1().Leases(ns).List(ctx, metav1.ListOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if len(leases.Items) != 0 {
		t.Errorf("%d release locks still held", len(leases.Items))
	}
}

// sharedChart is a chart of a ConfigMap, a Service, a hook and a subchart
// (whose ConfigMap is <release>-sub) that the value sub.enabled turns off.
func sharedChart(t *testing.T, version string) *chart.Chart {
	t.Helper()
	files := map[string]string{
		"Chart.yaml":        "apiVersion: v2\nname: app\nversion: " + version + "\ndependencies:\n- name: sub\n  version: 0.1.0\n  condition: sub.enabled\n",
		"templates/cm.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {{ .Release.Name }}-cm\ndata:\n  value: {{ .Values.value | quote }}\n",
		"templates/hook.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {{ .Release.Name }}-hook\n  annotations:\n" +
			"    helm.sh/hook: post-install,post-upgrade\n    helm.sh/hook-delete-policy: hook-succeeded\n",
		// A kind the wait watches: ready once it has a cluster IP.
		"templates/svc.yaml":           "apiVersion: v1\nkind: Service\nmetadata:\n  name: {{ .Release.Name }}-svc\nspec:\n  ports: [{port: 80}]\n",
		"values.yaml":                  "value: default\n",
		"charts/sub/Chart.yaml":        "apiVersion: v2\nname: sub\nversion: 0.1.0\n",
		"charts/sub/values.yaml":       "enabled: true\n",
		"charts/sub/templates/cm.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {{ .Release.Name }}-sub\n",
	}
	var fs []*chart.File
	for _, name := range slices.Sorted(maps.Keys(files)) {
		fs = append(fs, &chart.File{Name: name, Data: []byte(files[name])})
	}
	ch, err := chart.LoadFiles(fs)
	if err != nil {
		t.Fatal(err)
	}
	return ch
}

// TestChartServesManyReleases: installing or rendering a chart leaves it as it
// was, so a subchart one release turns off is there for the next.
func TestChartServesManyReleases(t *testing.T) {
	ch := sharedChart(t, "1.0.0")
	for i, enabled := range []bool{false, true, false, true} {
		vals := map[string]any{"sub": map[string]any{"enabled": enabled}}
		inst := &action.Install{Cluster: &action.Cluster{}, InstallOptions: action.InstallOptions{ReleaseName: "r", Namespace: "ns", LifecycleOptions: action.LifecycleOptions{DryRun: action.DryRunClient}}}
		rel, err := inst.Run(t.Context(), ch, vals)
		if err != nil {
			t.Fatal(err)
		}
		if got := strings.Contains(rel.Manifest, "name: r-sub"); got != enabled {
			t.Errorf("install %d with sub.enabled=%v: subchart rendered: %v", i, enabled, got)
		}
		res, err := action.Template{RenderOptions: action.RenderOptions{ReleaseName: "r", Namespace: "ns"}}.Run(t.Context(), ch, vals)
		if err != nil {
			t.Fatal(err)
		}
		if got := strings.Contains(res.Text, "name: r-sub"); got != enabled {
			t.Errorf("template %d with sub.enabled=%v: subchart rendered: %v", i, enabled, got)
		}
	}
	if len(ch.Dependencies()) != 1 || len(ch.Metadata.Dependencies) != 1 || ch.Metadata.Dependencies[0].Enabled {
		t.Errorf("the chart changed: %d subcharts, declarations %+v", len(ch.Dependencies()), ch.Metadata.Dependencies)
	}
}
