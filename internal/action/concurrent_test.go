package action_test

import (
	"maps"
	"slices"
	"strings"
	"testing"

	"github.com/rudderpm/rudder/internal/action"
	"github.com/rudderpm/rudder/internal/chart"
)

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
		inst := &action.Install{Cluster: &action.Cluster{}, InstallOptions: action.InstallOptions{ReleaseName: "r", Namespace: "ns", DryRun: action.DryRunClient}}
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
