package lint

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/rudderpm/rudder/internal/chart"
)

// writeChart writes files under dir.
func writeChart(t *testing.T, dir string, files map[string]string) {
	t.Helper()
	for name, data := range files {
		p := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// writeArchive writes a gzipped tar with the files, in the given order.
func writeArchive(t *testing.T, name string, files [][2]string) {
	t.Helper()
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	tw := tar.NewWriter(zw)
	for _, f := range files {
		if err := tw.WriteHeader(&tar.Header{Name: f[0], Mode: 0o644, Size: int64(len(f[1])), Typeflag: tar.TypeReg}); err != nil {
			t.Fatal(err)
		}
		if _, err := tw.Write([]byte(f[1])); err != nil {
			t.Fatal(err)
		}
	}
	if err := tw.Close(); err != nil {
		t.Fatal(err)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(name, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
}

func TestPathDirectory(t *testing.T) {
	dir := t.TempDir()
	writeChart(t, dir, map[string]string{
		"Chart.yaml":       "apiVersion: v2\nname: demo\nversion: 0.1.0\ndependencies:\n- name: gone\n  repository: \"\"\n",
		"values.yaml":      "",
		"templates/a.yaml": "kind: ConfigMap\nmetadata:\n  name: {{ .Release.Name }}-{{ .Release.Namespace }}\n",
	})
	msgs, _, err := Path(t.Context(), dir, Options{Namespace: "ns"})
	if err != nil {
		t.Fatal(err)
	}
	assertMessages(t, messageTexts(msgs), []string{
		"[INFO] Chart.yaml: icon is recommended",
		"[WARNING] " + dir + ": chart directory is missing these dependencies: gone",
	})
}

func TestPathNotAChart(t *testing.T) {
	dir := t.TempDir()
	_, _, err := Path(t.Context(), dir, Options{})
	want := "unable to check Chart.yaml file in chart: stat " + filepath.Join(dir, "Chart.yaml") + ": no such file or directory"
	if err == nil || err.Error() != want {
		t.Errorf("got %v, want %s", err, want)
	}
}

func TestPathArchive(t *testing.T) {
	dir := t.TempDir()
	good := filepath.Join(dir, "demo-0.1.0.tgz")
	writeArchive(t, good, [][2]string{
		{"demo/Chart.yaml", "apiVersion: v2\nname: demo\nversion: 0.1.0\n"},
		{"demo/templates/a.yaml", "kind: Service\nmetadata:\n  name: Not_Valid\n"},
	})
	msgs, _, err := Path(t.Context(), good, Options{})
	if err != nil {
		t.Fatal(err)
	}
	got := messageTexts(msgs)
	if len(got) != 3 || got[0] != "[INFO] Chart.yaml: icon is recommended" ||
		got[1] != "[INFO] values.yaml: file does not exist" ||
		!strings.HasPrefix(got[2], `[WARNING] templates/a.yaml: object name does not conform to Kubernetes naming requirements: "Not_Valid"`) {
		t.Errorf("messages:\n%s", strings.Join(got, "\n"))
	}

	cases := []struct {
		name  string
		files [][2]string
		want  string
	}{
		{"noname.tgz", [][2]string{{"x/Chart.yaml", "apiVersion: v2\n"}}, "unable to extract tarball: chart name not specified"},
		{"dots.tgz", [][2]string{{"x/Chart.yaml", "name: ..\n"}}, `unable to extract tarball: chart name ".." is not allowed`},
		{"list.tar.gz", [][2]string{{"x/Chart.yaml", "- a\n"}}, "unable to extract tarball: cannot load Chart.yaml: error unmarshaling JSON: while decoding JSON: json: cannot unmarshal array into Go value of type v2.Metadata"},
	}
	for _, c := range cases {
		p := filepath.Join(dir, c.name)
		writeArchive(t, p, c.files)
		if _, _, err := Path(t.Context(), p, Options{}); err == nil || err.Error() != c.want {
			t.Errorf("%s: got %v, want %s", c.name, err, c.want)
		}
	}

	notGzip := filepath.Join(dir, "short.tgz")
	if err := os.WriteFile(notGzip, []byte("hi\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, _, err := Path(t.Context(), notGzip, Options{}); err == nil || err.Error() != "unable to extract tarball: unexpected EOF" {
		t.Errorf("short file: got %v", err)
	}
	if _, _, err := Path(t.Context(), filepath.Join(dir, "absent.tgz"), Options{}); err == nil || !strings.HasPrefix(err.Error(), "unable to open tarball: open ") {
		t.Errorf("absent archive: got %v", err)
	}
}

func TestSubchartPaths(t *testing.T) {
	dir := t.TempDir()
	chartYAML := "apiVersion: v2\nname: x\nversion: 0.1.0\n"
	writeChart(t, dir, map[string]string{
		"Chart.yaml":                      chartYAML,
		"charts/b/Chart.yaml":             chartYAML,
		"charts/a/Chart.yaml":             chartYAML,
		"charts/a/charts/deep/Chart.yaml": chartYAML,
		"charts/c-1.0.0.tgz":              "",
		"charts/d.tar.gz":                 "",
		"charts/README.md":                "",
	})
	got := SubchartPaths(dir)
	want := []string{
		filepath.Join(dir, "charts/a"),
		filepath.Join(dir, "charts/a/charts/deep"),
		filepath.Join(dir, "charts/b"),
		filepath.Join(dir, "charts/c-1.0.0.tgz"),
		filepath.Join(dir, "charts/d.tar.gz"),
	}
	if !slices.Equal(got, want) {
		t.Errorf("got %v\nwant %v", got, want)
	}
	if got := SubchartPaths(filepath.Join(dir, "charts/b")); len(got) != 0 {
		t.Errorf("chart without charts/: %v", got)
	}
}

// lint and template agree on a chart whose subcharts nest a thousand deep: lint
// walked the archive's folders and said "a symbolic link loop?" where there is none,
// while template, reading the archive, rendered it.
func TestPathArchiveNestedTooDeep(t *testing.T) {
	p := filepath.Join(t.TempDir(), "deep-0.1.0.tgz")
	files := [][2]string{{"deep/Chart.yaml", "apiVersion: v2\nname: deep\nversion: 0.1.0\n"}}
	dir := "deep/"
	for range 1000 {
		dir += "charts/sub/"
		files = append(files, [2]string{dir + "Chart.yaml", "apiVersion: v2\nname: sub\nversion: 0.1.0\n"})
	}
	writeArchive(t, p, files)
	want := strings.TrimSuffix(strings.Repeat("charts/sub/", chart.MaxChartNesting+1), "/") + ": charts nested more than 30 deep"

	_, err := chart.Load(p)
	if err == nil || !strings.HasSuffix(err.Error(), want) {
		t.Fatalf("loading: err = %v", err)
	}
	msgs, _, err := Path(t.Context(), p, Options{})
	if err != nil {
		t.Fatal(err)
	}
	found := false
	for _, m := range messageTexts(msgs) {
		found = found || strings.HasSuffix(m, want)
		if strings.Contains(m, "symbolic link") {
			t.Errorf("message mentions a link: %s", m)
		}
	}
	if !found {
		t.Errorf("no message says %q:\n%s", want, strings.Join(messageTexts(msgs), "\n"))
	}
}
