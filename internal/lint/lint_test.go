package lint

import (
	"context"
	"errors"
	"io/fs"
	"maps"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/rudderpm/rudder/internal/engine"
)

// chartFS builds a chart from file contents; a name ending in "/" makes a folder.
func chartFS(files map[string]string) fstest.MapFS {
	fsys := fstest.MapFS{}
	for name, data := range files {
		if strings.HasSuffix(name, "/") {
			fsys[strings.TrimSuffix(name, "/")] = &fstest.MapFile{Mode: fs.ModeDir | 0o755}
			continue
		}
		fsys[name] = &fstest.MapFile{Data: []byte(data), Mode: 0o644}
	}
	return fsys
}

func lintStrings(t *testing.T, files map[string]string, o Options) []string {
	t.Helper()
	msgs, _ := Chart(context.Background(), chartFS(files), "/charts/demo", o)
	return messageTexts(msgs)
}

// messageTexts is each message as the lint command prints it.
func messageTexts(ms []Message) []string {
	var out []string
	for _, m := range ms {
		out = append(out, m.Error())
	}
	return out
}

// demoLinter lints the chart goodChart describes, with files added or replaced.
func demoLinter(files map[string]string) *linter {
	all := map[string]string{"Chart.yaml": goodChart}
	maps.Copy(all, files)
	return &linter{fsys: chartFS(all), dir: "/charts/demo"}
}

// assertMessages compares messages in order.
func assertMessages(t *testing.T, got, want []string) {
	t.Helper()
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("messages:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

const goodChart = "apiVersion: v2\nname: demo\nversion: 0.1.0\nicon: https://example.com/icon.png\n"

func TestMessageText(t *testing.T) {
	cases := []struct {
		m    Message
		want string
	}{
		{Message{Info, "Chart.yaml", errors.New("icon is recommended")}, "[INFO] Chart.yaml: icon is recommended"},
		{Message{Warning, "templates/", errors.New("directory does not exist")}, "[WARNING] templates/: directory does not exist"},
		{Message{Error, "", errors.New("unable to load chart")}, "[ERROR] : unable to load chart"},
		{Message{Severity(7), "x", errors.New("y")}, "[UNKNOWN] x: y"},
	}
	for _, c := range cases {
		if got := c.m.Error(); got != c.want {
			t.Errorf("got %q, want %q", got, c.want)
		}
	}
}

func TestFailed(t *testing.T) {
	info := Message{Info, "a", errors.New("i")}
	warn := Message{Warning, "a", errors.New("w")}
	fail := Message{Error, "a", errors.New("e")}
	cases := []struct {
		name          string
		msgs          []Message
		strict        bool
		failed, noisy bool
	}{
		{"none", nil, false, false, false},
		{"info", []Message{info}, true, false, false},
		{"warning", []Message{info, warn}, false, false, true},
		{"warning strict", []Message{warn}, true, true, true},
		{"error", []Message{fail}, false, true, true},
	}
	for _, c := range cases {
		if got := Failed(c.msgs, c.strict); got != c.failed {
			t.Errorf("%s: Failed = %v, want %v", c.name, got, c.failed)
		}
		if got := HasWarningsOrErrors(c.msgs); got != c.noisy {
			t.Errorf("%s: HasWarningsOrErrors = %v, want %v", c.name, got, c.noisy)
		}
	}
}

func TestGoodChart(t *testing.T) {
	got := lintStrings(t, map[string]string{
		"Chart.yaml":          goodChart,
		"values.yaml":         "name: web\n",
		"templates/cm.yaml":   "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {{ .Values.name }}-{{ .Release.Name }}\n",
		"templates/NOTES.txt": "hello",
	}, Options{})
	assertMessages(t, got, nil)
}

func TestKubeVersionOption(t *testing.T) {
	kv, err := engine.ParseKubeVersion("1.20.0")
	if err != nil {
		t.Fatal(err)
	}
	files := map[string]string{
		"Chart.yaml":         goodChart,
		"values.yaml":        "",
		"templates/job.yaml": "apiVersion: batch/v1beta1\nkind: CronJob\nmetadata:\n  name: {{ .Capabilities.KubeVersion.Minor }}x\n",
	}
	assertMessages(t, lintStrings(t, files, Options{KubeVersion: kv}), nil)
	kv, _ = engine.ParseKubeVersion("1.21.3")
	assertMessages(t, lintStrings(t, files, Options{KubeVersion: kv}), []string{
		"[WARNING] templates/job.yaml: batch/v1beta1 CronJob is deprecated in v1.21+, unavailable in v1.25+; use batch/v1 CronJob",
	})
}

// TestChartWarnings: the lines Helm logs while linting come back in its order, once
// per time Helm meets them: the values rule's merge, then each rule that loads the
// chart (templates, dependencies, and crds when there is a crds/ folder).
func TestChartWarnings(t *testing.T) {
	const reqs = `INFO Warning: Dependencies are handled in Chart.yaml since apiVersion "v2". We recommend migrating dependencies to Chart.yaml.`
	files := map[string]string{
		"Chart.yaml":        goodChart,
		"values.yaml":       "m: {k: 1}\n",
		"requirements.yaml": "dependencies: []\n",
		"templates/a.yaml":  "kind: ConfigMap\nmetadata:\n  name: a\n",
	}
	o := Options{Values: map[string]any{"m": map[string]any{"k": map[string]any{"x": 1}}}}
	tableOverScalar := "INFO warning: destination for m.k is a table. Ignoring non-table value (1)"
	run := func() []string {
		_, ws := Chart(context.Background(), chartFS(files), "/charts/demo", o)
		var got []string
		for _, w := range ws {
			got = append(got, w.Level.String()+" "+w.String())
		}
		return got
	}
	// The values rule merges the chart's defaults under the user's values; the
	// templates rule loads the chart, then coalesces three times (for the declared,
	// if empty, dependencies, then twice to render), each time meeting the conflict.
	inChart := "INFO warning: destination for demo.m.k is a table. Ignoring non-table value (1)"
	assertMessages(t, run(), []string{tableOverScalar, reqs, inChart, inChart, inChart, reqs})
	files["crds/"] = ""
	o.Values = nil
	assertMessages(t, run(), []string{reqs, reqs, reqs})
}
