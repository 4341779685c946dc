package repo

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestParseIndexSkipsInvalidEntries(t *testing.T) {
	idx, warnings, err := ParseIndex([]byte(`apiVersion: v1
entries:
  alpha:
  - name: alpha
    version: 1.0.0
    urls: [alpha-1.0.0.tgz]
  - name: alpha
    version: not-a-version
    urls: [alpha-x.tgz]
  - null
  - name: alpha
    version: 2.0.0-rc.1
    urls: [alpha-2.0.0-rc.1.tgz]
  - name: alpha
    version: 1.5.0
  beta:
  - version: 0.1.0
`))
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, v := range idx.Entries["alpha"] {
		got = append(got, v.Version)
	}
	if want := "2.0.0-rc.1 1.5.0 1.0.0"; strings.Join(got, " ") != want {
		t.Errorf("alpha versions = %v, want %s (valid ones, newest first)", got, want)
	}
	if n := len(idx.Entries["beta"]); n != 0 {
		t.Errorf("beta kept %d entries without a name", n)
	}
	// Helm checks each chart's versions from the last to the first.
	want := []struct{ chart, version, err string }{
		{"alpha", "", "empty entry"},
		{"alpha", "not-a-version", `chart.metadata.version "not-a-version" is invalid`},
		{"beta", "0.1.0", "chart.metadata.name is required"},
	}
	if len(warnings) != len(want) {
		t.Fatalf("warnings = %v, want %d", warnings, len(want))
	}
	for _, w := range want {
		found := false
		for _, g := range warnings {
			if g.Chart == w.chart && g.Version == w.version && strings.Contains(g.Err.Error(), w.err) {
				found = true
			}
		}
		if !found {
			t.Errorf("no warning %+v in %v", w, warnings)
		}
	}
	if warnings[0].Chart == "alpha" && !errors.Is(warnings[0].Err, ErrEmptyEntry) {
		t.Errorf("first alpha warning = %v, want the null entry (the last one) first", warnings[0])
	}
}

func TestParseIndexErrors(t *testing.T) {
	tests := []struct {
		name, data string
		want       error
		wantText   string
	}{
		{name: "empty", data: "  \n", want: ErrEmptyIndex},
		{name: "no apiVersion", data: "entries: {}\n", want: ErrNoAPIVersion},
		{name: "bad yaml", data: "apiVersion: v1\nentries:\n  a: [\n", wantText: "line 3"},
		{name: "wrong type", data: "apiVersion: v1\nentries:\n  a:\n  - name: a\n    version: 1.0.0\n    created: yesterday\n", wantText: "line 6"},
		{name: "entries not a map", data: "apiVersion: v1\nentries: [1, 2]\n", wantText: "line 2"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, _, err := ParseIndex([]byte(tt.data))
			if err == nil {
				t.Fatal("no error")
			}
			if tt.want != nil && !errors.Is(err, tt.want) {
				t.Errorf("err = %v, want %v", err, tt.want)
			}
			if tt.wantText != "" && !strings.Contains(err.Error(), tt.wantText) {
				t.Errorf("err = %v, want it to mention %q", err, tt.wantText)
			}
		})
	}
}

func TestLoadIndexFileNamesFileAndLine(t *testing.T) {
	p := filepath.Join(t.TempDir(), "index.yaml")
	if err := os.WriteFile(p, []byte("apiVersion: v1\nentries:\n  a:\n  - name: a\n    version: 1.0.0\n    urls: [a.tgz]\n  - name: b\n\tversion: 2\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	_, _, err := LoadIndexFile(p)
	if err == nil || !strings.Contains(err.Error(), p) || !strings.Contains(err.Error(), "line 7") {
		t.Fatalf("err = %v, want the file %s and line 7", err, p)
	}
	_, _, err = LoadIndexFile(filepath.Join(t.TempDir(), "missing.yaml"))
	if !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("missing file: err = %v, want not exist", err)
	}
}

func TestParseIndexJSON(t *testing.T) {
	idx, warnings, err := ParseIndex([]byte(`{"apiVersion":"v1","entries":{"a":[{"name":"a","version":"0.1.0","urls":["a-0.1.0.tgz"],"digest":"abc"},{"name":"a","version":"0.2.0"}]}}`))
	if err != nil || len(warnings) != 0 {
		t.Fatal(err, warnings)
	}
	vs := idx.Entries["a"]
	if len(vs) != 2 || vs[0].Version != "0.2.0" || vs[1].Digest != "abc" || vs[0].APIVersion != "v1" {
		t.Errorf("entries = %+v", vs)
	}
}

// The same index in YAML and JSON gives the same model.
func TestParseIndexYAMLMatchesJSON(t *testing.T) {
	y, _, err := ParseIndex([]byte(`apiVersion: v1
entries:
  web:
  - name: web
    version: 1.2.3
    appVersion: "4.5"
    description: A web server
    keywords: [http, proxy]
    maintainers:
    - name: Ann
      email: ann@example.com
    dependencies:
    - name: db
      version: ~1.0
      repository: https://charts.example.com
    urls: [https://charts.example.com/web-1.2.3.tgz]
    created: "2024-01-02T03:04:05Z"
    digest: 0123
    deprecated: true
generated: "2024-01-02T03:04:05Z"
`))
	if err != nil {
		t.Fatal(err)
	}
	b, err := y.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	j, _, err := ParseIndex(b) // Marshal writes YAML through JSON tags
	if err != nil {
		t.Fatal(err)
	}
	jb, err := j.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	if string(b) != string(jb) {
		t.Errorf("round trip differs:\n%s\n---\n%s", b, jb)
	}
	v := y.Entries["web"][0]
	if v.AppVersion != "4.5" || !v.Deprecated || len(v.Dependencies) != 1 || v.Dependencies[0].Repository != "https://charts.example.com" ||
		v.Maintainers[0].Email != "ann@example.com" || v.Created.Year() != 2024 || v.Keywords[1] != "proxy" {
		t.Errorf("parsed %+v", v)
	}
}
