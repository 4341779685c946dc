package chart

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"errors"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"
)

// testChartFiles is a chart with a lock, a schema, nested templates, extra files and an
// unpacked subchart.
var testChartFiles = map[string]string{
	"Chart.yaml": `# comments are dropped when Chart.yaml is re-marshalled
apiVersion: v2
name: top
version: 1.2.3
appVersion: "2.0"
description: a chart
dependencies:
- name: sub
  version: ^0.1.0
  repository: file://../sub
`,
	"Chart.lock": `dependencies:
- name: sub
  repository: file://../sub
  version: 0.1.0
digest: sha256:0000
generated: "2024-01-02T03:04:05.123456789Z"
`,
	"values.yaml":              "# raw values keep their comments\nreplicas: 2\nsub:\n  enabled: true\n",
	"values.schema.json":       `{"type":"object"}`,
	".helmignore":              "*.bak\n",
	"README.md":                "# top\n",
	"ignored.bak":              "left out by .helmignore\n",
	"files/a-b/x.txt":          "a-b\n",
	"files/a/x.txt":            "a\n",
	"templates/_helpers.tpl":   `{{ define "top.name" }}top{{ end }}`,
	"templates/cm.yaml":        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {{ include \"top.name\" . }}\n",
	"templates/sub/x.yaml":     "# nested\n",
	"charts/sub/Chart.yaml":    "apiVersion: v2\nname: sub\nversion: 0.1.0\n",
	"charts/sub/values.yaml":   "enabled: false\n",
	"charts/sub/templates/a.y": "a: 1\n",
}

// writeTree writes files under dir in the given order, with the given modes, and stamps
// every file with mtime.
func writeTree(t *testing.T, dir string, files map[string]string, order []string, mode os.FileMode, mtime time.Time) {
	t.Helper()
	for _, name := range order {
		p := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(files[name]), mode); err != nil {
			t.Fatal(err)
		}
		if err := os.Chtimes(p, mtime, mtime); err != nil {
			t.Fatal(err)
		}
	}
}

func sortedNames(files map[string]string) []string {
	var names []string
	for n := range files {
		names = append(names, n)
	}
	for i := range names {
		for j := i + 1; j < len(names); j++ {
			if names[j] < names[i] {
				names[i], names[j] = names[j], names[i]
			}
		}
	}
	return names
}

func archive(t *testing.T, c *Chart, opts ArchiveOptions) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := WriteArchive(&buf, c, opts); err != nil {
		t.Fatalf("WriteArchive: %v", err)
	}
	return buf.Bytes()
}

func TestWriteArchiveIsReproducible(t *testing.T) {
	names := sortedNames(testChartFiles)
	reversed := make([]string, len(names))
	for i, n := range names {
		reversed[len(names)-1-i] = n
	}

	dirA, dirB := t.TempDir(), t.TempDir()
	writeTree(t, dirA, testChartFiles, names, 0o644, time.Date(2001, 1, 1, 0, 0, 0, 0, time.UTC))
	writeTree(t, dirB, testChartFiles, reversed, 0o600, time.Date(2025, 6, 7, 8, 9, 10, 11, time.Local))
	if err := os.Chmod(filepath.Join(dirB, "README.md"), 0o755); err != nil {
		t.Fatal(err)
	}

	a, err := LoadDir(dirA)
	if err != nil {
		t.Fatal(err)
	}
	b, err := LoadDir(dirB)
	if err != nil {
		t.Fatal(err)
	}
	// Loading order must not matter either: shuffle B's slices.
	reverseFiles(b.Templates)
	reverseFiles(b.Files)

	first, second := archive(t, a, ArchiveOptions{}), archive(t, b, ArchiveOptions{})
	if !bytes.Equal(first, second) {
		t.Fatalf("archives of the same chart differ (%d and %d bytes)", len(first), len(second))
	}
	if again := archive(t, a, ArchiveOptions{}); !bytes.Equal(first, again) {
		t.Fatal("two archives of the same loaded chart differ")
	}

	// A subchart given as an archive (with its own times) packs the same as unpacked.
	dirC := t.TempDir()
	subless := map[string]string{}
	for n, d := range testChartFiles {
		if !strings.HasPrefix(n, "charts/") {
			subless[n] = d
		}
	}
	writeTree(t, dirC, subless, sortedNames(subless), 0o644, time.Now())
	sub, err := LoadDir(filepath.Join(dirA, "charts", "sub"))
	if err != nil {
		t.Fatal(err)
	}
	var subTgz bytes.Buffer
	if err := WriteArchive(&subTgz, sub, ArchiveOptions{ModTime: time.Now()}); err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(filepath.Join(dirC, "charts"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dirC, "charts", "sub-0.1.0.tgz"), subTgz.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	c, err := LoadDir(dirC)
	if err != nil {
		t.Fatal(err)
	}
	if third := archive(t, c, ArchiveOptions{}); !bytes.Equal(first, third) {
		t.Fatal("a subchart packed as an archive gives a different archive than the unpacked subchart")
	}

	// A different time gives different bytes, and the same time the same bytes.
	when := time.Unix(1700000000, 999)
	x, y := archive(t, a, ArchiveOptions{ModTime: when}), archive(t, b, ArchiveOptions{ModTime: when.In(time.FixedZone("x", 3600))})
	if !bytes.Equal(x, y) {
		t.Fatal("archives with the same ModTime differ")
	}
	if bytes.Equal(x, first) {
		t.Fatal("ModTime had no effect")
	}
}

func reverseFiles(fs []*File) {
	for i, j := 0, len(fs)-1; i < j; i, j = i+1, j-1 {
		fs[i], fs[j] = fs[j], fs[i]
	}
}

type member struct {
	hdr  *tar.Header
	data string
}

func readMembers(t *testing.T, data []byte) (*gzip.Header, []member) {
	t.Helper()
	zr, err := gzip.NewReader(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	hdr := zr.Header
	tr := tar.NewReader(zr)
	var ms []member
	for {
		h, err := tr.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		b, err := io.ReadAll(tr)
		if err != nil {
			t.Fatal(err)
		}
		ms = append(ms, member{h, string(b)})
	}
	return &hdr, ms
}

func TestWriteArchiveLayout(t *testing.T) {
	dir := t.TempDir()
	writeTree(t, dir, testChartFiles, sortedNames(testChartFiles), 0o640, time.Now())
	c, err := LoadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	when := time.Date(2020, 2, 3, 4, 5, 6, 0, time.UTC)
	zh, ms := readMembers(t, archive(t, c, ArchiveOptions{ModTime: when}))
	if zh.Name != "" || !zh.ModTime.IsZero() || zh.OS != 255 {
		t.Errorf("gzip header carries variable data: %+v", zh)
	}
	// Helm v4.3.1's fixed extra field and comment (read from an archive it wrote).
	if zh.Comment != "Helm" || string(zh.Extra) != "rr\x28\x00aHR0cHM6Ly95b3V0dS5iZS96OVV6MWljandyTQo=" {
		t.Errorf("gzip header is not Helm's: comment %q, extra %q", zh.Comment, zh.Extra)
	}

	var names []string
	for _, m := range ms {
		names = append(names, m.hdr.Name)
		h := m.hdr
		if h.Typeflag != tar.TypeReg || h.Mode != 0o644 || h.Uid != 0 || h.Gid != 0 || h.Uname != "" || h.Gname != "" || !h.ModTime.Equal(when) {
			t.Errorf("%s: header %+v", h.Name, h)
		}
	}
	want := []string{
		"top/Chart.yaml",
		"top/Chart.lock",
		"top/values.yaml",
		"top/values.schema.json",
		"top/templates/_helpers.tpl",
		"top/templates/cm.yaml",
		"top/templates/sub/x.yaml",
		"top/.helmignore",
		"top/README.md",
		"top/files/a/x.txt",
		"top/files/a-b/x.txt",
		"top/charts/sub/Chart.yaml",
		"top/charts/sub/values.yaml",
		"top/charts/sub/templates/a.y",
	}
	if !reflect.DeepEqual(names, want) {
		t.Errorf("members:\n got %q\nwant %q", names, want)
	}
	if ms[0].data != "apiVersion: v2\nappVersion: \"2.0\"\ndependencies:\n- name: sub\n  repository: file://../sub\n  version: ^0.1.0\ndescription: a chart\nname: top\nversion: 1.2.3\n" {
		t.Errorf("Chart.yaml:\n%s", ms[0].data)
	}
	if ms[1].data != "dependencies:\n- name: sub\n  repository: file://../sub\n  version: 0.1.0\ndigest: sha256:0000\ngenerated: \"2024-01-02T03:04:05.123456789Z\"\n" {
		t.Errorf("Chart.lock:\n%s", ms[1].data)
	}
	if ms[2].data != testChartFiles["values.yaml"] {
		t.Errorf("values.yaml is not written raw:\n%s", ms[2].data)
	}
}

func TestWriteArchiveRoundTrip(t *testing.T) {
	dir := t.TempDir()
	writeTree(t, dir, testChartFiles, sortedNames(testChartFiles), 0o644, time.Now())
	c, err := LoadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	back, err := LoadArchive(bytes.NewReader(archive(t, c, ArchiveOptions{})))
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(c.Metadata, back.Metadata) {
		t.Errorf("metadata: %+v != %+v", back.Metadata, c.Metadata)
	}
	if !reflect.DeepEqual(c.Lock, back.Lock) {
		t.Errorf("lock: %+v != %+v", back.Lock, c.Lock)
	}
	if !reflect.DeepEqual(c.Values, back.Values) || !bytes.Equal(c.Schema, back.Schema) {
		t.Error("values or schema changed")
	}
	if got, want := fileMap(back.Templates), fileMap(c.Templates); !reflect.DeepEqual(got, want) {
		t.Errorf("templates: %v != %v", got, want)
	}
	if got, want := fileMap(back.Files), fileMap(c.Files); !reflect.DeepEqual(got, want) {
		t.Errorf("files: %v != %v", got, want)
	}
	if len(back.Dependencies()) != 1 || back.Dependencies()[0].Name() != "sub" ||
		!reflect.DeepEqual(back.Dependencies()[0].Values, c.Dependencies()[0].Values) {
		t.Errorf("subchart lost: %v", back.Dependencies())
	}
	if _, ok := fileMap(back.Files)["ignored.bak"]; ok {
		t.Error(".helmignore was not honoured")
	}
}

func fileMap(fs []*File) map[string]string {
	m := map[string]string{}
	for _, f := range fs {
		m[f.Name] = string(f.Data)
	}
	return m
}

func TestWriteArchiveRefusesHostileNames(t *testing.T) {
	for _, name := range []string{"../evil", "/etc/passwd", "a/../../b", "a/../b", "./a", "a//b", "a\\b", "", "C:/x", "files/\x00"} {
		c := &Chart{Metadata: &Metadata{APIVersion: "v2", Name: "x", Version: "1.0.0"}}
		c.Files = []*File{{Name: name, Data: []byte("x")}}
		err := WriteArchive(io.Discard, c, ArchiveOptions{})
		if !errors.Is(err, ErrArchive) {
			t.Errorf("file %q: got %v, want an archive error", name, err)
		}
	}
	for _, name := range []string{"../evil", "a/b", "..", "a\\b"} {
		c := &Chart{Metadata: &Metadata{APIVersion: "v2", Name: "x", Version: "1.0.0"}}
		c.AddDependency(&Chart{Metadata: &Metadata{APIVersion: "v2", Name: name, Version: "1.0.0"}})
		if err := WriteArchive(io.Discard, c, ArchiveOptions{}); err == nil {
			t.Errorf("subchart %q: no error", name)
		}
	}
	c := &Chart{Metadata: &Metadata{APIVersion: "v2", Name: "../x", Version: "1.0.0"}}
	if err := WriteArchive(io.Discard, c, ArchiveOptions{}); err == nil {
		t.Error("chart name ../x: no error")
	}
}

func TestWriteArchiveRefusesBadCharts(t *testing.T) {
	tests := map[string]*Chart{
		"no metadata":    {},
		"bad version":    {Metadata: &Metadata{APIVersion: "v2", Name: "x", Version: "one"}},
		"invalid schema": {Metadata: &Metadata{APIVersion: "v2", Name: "x", Version: "1.0.0"}, Schema: []byte("{")},
		"same subchart twice": func() *Chart {
			c := &Chart{Metadata: &Metadata{APIVersion: "v2", Name: "x", Version: "1.0.0"}}
			c.AddDependency(&Chart{Metadata: &Metadata{APIVersion: "v2", Name: "s", Version: "1.0.0"}},
				&Chart{Metadata: &Metadata{APIVersion: "v2", Name: "s", Version: "1.0.0"}})
			return c
		}(),
	}
	for name, c := range tests {
		if err := WriteArchive(io.Discard, c, ArchiveOptions{}); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
}

func TestWriteArchiveV1(t *testing.T) {
	c, err := LoadFiles([]*File{
		{Name: "Chart.yaml", Data: []byte("name: old\nversion: 1.0.0\n")},
		{Name: "requirements.yaml", Data: []byte("dependencies:\n- name: dep\n  repository: https://example.com\n")},
		{Name: "requirements.lock", Data: []byte("dependencies: []\ndigest: x\n")},
	})
	if err != nil {
		t.Fatal(err)
	}
	_, ms := readMembers(t, archive(t, c, ArchiveOptions{}))
	got := map[string]string{}
	for _, m := range ms {
		got[m.hdr.Name] = m.data
	}
	if got["old/Chart.yaml"] != "apiVersion: v1\nname: old\nversion: 1.0.0\n" {
		t.Errorf("Chart.yaml:\n%s", got["old/Chart.yaml"])
	}
	if _, ok := got["old/Chart.lock"]; ok {
		t.Error("a v1 chart got a Chart.lock")
	}
	if _, ok := got["old/requirements.yaml"]; !ok {
		t.Error("requirements.yaml is missing")
	}
	if len(c.Metadata.Dependencies) != 1 {
		t.Error("marshalling dropped the chart's dependencies from the model")
	}
}

func TestArchiveName(t *testing.T) {
	c := &Chart{Metadata: &Metadata{Name: "x", Version: "1.0.0+build"}}
	if got := ArchiveName(c); got != "x-1.0.0+build.tgz" {
		t.Errorf("got %s", got)
	}
}

// TestWriteArchiveKeepsArchivedOrder checks that a subchart read from an archive
// is written back with its members in the archive's order, as Helm writes it,
// while a chart read from a folder is written in path order.
func TestWriteArchiveKeepsArchivedOrder(t *testing.T) {
	var sub bytes.Buffer
	zw := gzip.NewWriter(&sub)
	tw := tar.NewWriter(zw)
	for _, f := range []struct{ name, data string }{
		{"sub/templates/z.yaml", "kind: ConfigMap\n"},
		{"sub/Chart.yaml", "apiVersion: v2\nname: sub\nversion: 0.1.0\n"},
		{"sub/files/b.txt", "b\n"},
		{"sub/templates/a.yaml", "kind: Secret\n"},
		{"sub/README.md", "readme\n"},
		{"sub/files/a.txt", "a\n"},
	} {
		if err := tw.WriteHeader(&tar.Header{Name: f.name, Mode: 0o644, Size: int64(len(f.data)), Typeflag: tar.TypeReg}); err != nil {
			t.Fatal(err)
		}
		if _, err := tw.Write([]byte(f.data)); err != nil {
			t.Fatal(err)
		}
	}
	if err := tw.Close(); err != nil {
		t.Fatal(err)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	writeFileT(t, filepath.Join(dir, "Chart.yaml"), "apiVersion: v2\nname: top\nversion: 1.0.0\n")
	writeFileT(t, filepath.Join(dir, "templates", "b.yaml"), "kind: A\n")
	writeFileT(t, filepath.Join(dir, "templates", "a.yaml"), "kind: B\n")
	writeFileT(t, filepath.Join(dir, "charts", "sub-0.1.0.tgz"), sub.String())
	c, err := LoadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	_, ms := readMembers(t, archive(t, c, ArchiveOptions{}))
	var names []string
	for _, m := range ms {
		names = append(names, m.hdr.Name)
	}
	want := []string{
		"top/Chart.yaml", "top/templates/a.yaml", "top/templates/b.yaml",
		"top/charts/sub/Chart.yaml",
		"top/charts/sub/templates/z.yaml", "top/charts/sub/templates/a.yaml",
		"top/charts/sub/files/b.txt", "top/charts/sub/README.md", "top/charts/sub/files/a.txt",
	}
	if !slices.Equal(names, want) {
		t.Errorf("members\n%s\nwant (Helm's order)\n%s", strings.Join(names, "\n"), strings.Join(want, "\n"))
	}
}

func writeFileT(t *testing.T, name, data string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(name), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(name, []byte(data), 0o644); err != nil {
		t.Fatal(err)
	}
}
