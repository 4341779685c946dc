package chart

import (
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
)

// writeFiles writes files (slash paths relative to dir) and returns dir.
func writeFiles(t *testing.T, dir string, files map[string]string) string {
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
	return dir
}

func rawNames(c *Chart) []string {
	var names []string
	for _, f := range c.Raw {
		names = append(names, f.Name)
	}
	slices.Sort(names)
	return names
}

const minimalChartYAML = "apiVersion: v2\nname: c\nversion: 1.0.0\n"

func TestLoadDirHelmignore(t *testing.T) {
	files := map[string]string{
		"Chart.yaml":           minimalChartYAML,
		"values.yaml":          "a: 1\n",
		"README.md":            "r",
		"keep.txt":             "k",
		"other.txt":            "o",
		"files/a.txt":          "a",
		"files/sub/deep.txt":   "d",
		"templates/cm.yaml":    "kind: ConfigMap\n",
		"templates/.hidden":    "h",
		"templates/sub/.h.yml": "h",
	}
	// templates/.hidden is always left out; the default rule does not reach deeper.
	all := []string{"Chart.yaml", "README.md", "files/a.txt", "files/sub/deep.txt", "keep.txt", "other.txt", "templates/cm.yaml", "templates/sub/.h.yml", "values.yaml"}
	without := func(drop ...string) []string {
		return slices.DeleteFunc(slices.Clone(all), func(s string) bool { return slices.Contains(drop, s) })
	}
	tests := []struct {
		name    string
		ignore  string // "" means no .helmignore at all
		want    []string
		wantErr error
	}{
		{name: "no .helmignore", want: all},
		{name: "base-name glob", ignore: "*.txt\n", want: without("keep.txt", "other.txt", "files/a.txt", "files/sub/deep.txt")},
		{name: "anchored path", ignore: "/files/a.txt\n", want: without("files/a.txt")},
		{name: "path with a slash matches from the root", ignore: "files/sub/deep.txt\n", want: without("files/sub/deep.txt")},
		{name: "directory rule matches at any depth", ignore: "sub/\n", want: without("files/sub/deep.txt", "templates/sub/.h.yml")},
		{name: "directory rule does not match files", ignore: "keep.txt/\n", want: all},
		{name: "comments, blanks and spaces", ignore: "# *.md\n\n   README.md   \n", want: without("README.md")},
		{name: "CRLF line endings", ignore: "README.md\r\nkeep.txt\r\n", want: without("README.md", "keep.txt")},
		{name: "leading BOM", ignore: "\ufeffREADME.md\n", want: without("README.md")},
		{name: "star in one path element", ignore: "files/*/deep.txt\n", want: without("files/sub/deep.txt")},
		{
			// Helm applies a negated rule as "ignore whatever does not match it", so
			// it hides every other file, Chart.yaml included.
			name: "negation hides everything else", ignore: "*.txt\n!keep.txt\n", wantErr: ErrNoChartYAML,
		},
		{name: "double star is refused", ignore: "**/x\n", wantErr: errAny},
		{name: "bad pattern is refused", ignore: "[\n", wantErr: errAny},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := writeFiles(t, t.TempDir(), files)
			if tt.ignore != "" {
				writeFiles(t, dir, map[string]string{".helmignore": tt.ignore})
				if tt.want != nil {
					tt.want = append(slices.Clone(tt.want), ".helmignore")
					slices.Sort(tt.want)
				}
			}
			c, err := LoadDir(dir)
			switch {
			case tt.wantErr == errAny && err != nil:
				return
			case tt.wantErr != nil:
				if !errors.Is(err, tt.wantErr) {
					t.Fatalf("err = %v, want %v", err, tt.wantErr)
				}
				return
			case err != nil:
				t.Fatal(err)
			}
			if got := rawNames(c); !reflect.DeepEqual(got, tt.want) {
				t.Errorf("loaded %q\nwant   %q", got, tt.want)
			}
		})
	}
}

// errAny stands for "some error" in test tables.
var errAny = errors.New("any error")

func TestLoadDirSymlinks(t *testing.T) {
	outside := writeFiles(t, t.TempDir(), map[string]string{"o.txt": "outside"})
	tests := []struct {
		name    string
		links   map[string]string // link name -> target
		extra   map[string]string
		want    map[string]string // file -> content that must be loaded
		wantErr string
	}{
		{
			name:  "file link is followed and named by the link",
			links: map[string]string{"link.txt": "real.txt"},
			extra: map[string]string{"real.txt": "real"},
			want:  map[string]string{"link.txt": "real", "real.txt": "real"},
		},
		{
			name:  "directory link outside the chart is followed",
			links: map[string]string{"ext": outside},
			want:  map[string]string{"ext/o.txt": "outside"},
		},
		{
			name:    "dangling link is an error",
			links:   map[string]string{"dangling.txt": "nowhere"},
			wantErr: "dangling.txt",
		},
		{
			name:    "dangling link is an error even when ignored",
			links:   map[string]string{"dangling.txt": "nowhere"},
			extra:   map[string]string{".helmignore": "dangling.txt\n"},
			wantErr: "dangling.txt",
		},
		{
			name:    "link loop is refused, not followed forever",
			links:   map[string]string{"loop": "."},
			wantErr: "loop",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := writeFiles(t, t.TempDir(), map[string]string{"Chart.yaml": minimalChartYAML})
			writeFiles(t, dir, tt.extra)
			for link, target := range tt.links {
				if err := os.Symlink(target, filepath.Join(dir, link)); err != nil {
					t.Skipf("symbolic links unavailable: %v", err)
				}
			}
			c, err := LoadDir(dir)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err = %v, want one naming %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			got := map[string]string{}
			for _, f := range c.Files {
				got[f.Name] = string(f.Data)
			}
			for name, data := range tt.want {
				if got[name] != data {
					t.Errorf("file %s = %q, want %q (loaded: %v)", name, got[name], data, got)
				}
			}
		})
	}
}

func TestLoadRequirementsYAML(t *testing.T) {
	const reqs = "dependencies:\n  - name: sub\n    version: 0.1.0\n    repository: file://sub\n    condition: sub.enabled\n"
	tests := []struct {
		name      string
		chartYAML string
		wantFile  bool // requirements.yaml stays visible to .Files
	}{
		{name: "v1 chart", chartYAML: "apiVersion: v1\nname: c\nversion: 1.0.0\n", wantFile: true},
		{name: "no apiVersion means v1", chartYAML: "name: c\nversion: 1.0.0\n", wantFile: true},
		{name: "v2 chart still reads it", chartYAML: minimalChartYAML},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := writeFiles(t, t.TempDir(), map[string]string{
				"Chart.yaml":            tt.chartYAML,
				"requirements.yaml":     reqs,
				"requirements.lock":     "dependencies: []\ndigest: x\n",
				"charts/sub/Chart.yaml": "apiVersion: v1\nname: sub\nversion: 0.1.0\n",
			})
			c, err := LoadDir(dir)
			if err != nil {
				t.Fatal(err)
			}
			if len(c.Metadata.Dependencies) != 1 || c.Metadata.Dependencies[0].Condition != "sub.enabled" {
				t.Errorf("dependencies = %+v, want the one from requirements.yaml", c.Metadata.Dependencies)
			}
			if c.Lock == nil || c.Lock.Digest != "x" {
				t.Errorf("lock = %+v, want requirements.lock", c.Lock)
			}
			inFiles := slices.ContainsFunc(c.Files, func(f *File) bool { return f.Name == "requirements.yaml" })
			if inFiles != tt.wantFile {
				t.Errorf("requirements.yaml in Files = %v, want %v", inFiles, tt.wantFile)
			}
			if len(c.Dependencies()) != 1 || c.Dependencies()[0].Name() != "sub" {
				t.Errorf("subcharts = %v, want sub", c.Dependencies())
			}
		})
	}
}

func TestLoadAPIVersion(t *testing.T) {
	tests := []struct {
		apiVersion string
		wantErr    bool
	}{
		{apiVersion: "v1"}, {apiVersion: "v2"}, {apiVersion: "v3"}, {apiVersion: ""},
		{apiVersion: "v4", wantErr: true}, {apiVersion: "V2", wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.apiVersion, func(t *testing.T) {
			dir := writeFiles(t, t.TempDir(), map[string]string{
				"Chart.yaml": "apiVersion: " + tt.apiVersion + "\nname: c\nversion: 1.0.0\n",
				// Subcharts are not checked: Helm loads them whatever they say.
				"charts/sub/Chart.yaml": "apiVersion: v9\nname: sub\nversion: 1.0.0\n",
			})
			_, err := Load(dir)
			if tt.wantErr != errors.Is(err, ErrUnsupportedAPIVersion) {
				t.Errorf("err = %v, want unsupported: %v", err, tt.wantErr)
			}
			if !tt.wantErr && err != nil {
				t.Fatal(err)
			}
		})
	}
}

func TestLoadDirEncodings(t *testing.T) {
	dir := writeFiles(t, t.TempDir(), map[string]string{
		"Chart.yaml":        "\ufeff" + minimalChartYAML,
		"values.yaml":       "\ufeffa: 1\nm: {x: 1, b: 1}\n---\nm: {b: 2}\n---\n# nothing\n",
		"templates/cm.yaml": "\ufeffkind: ConfigMap\r\n",
	})
	c, err := LoadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	if c.Name() != "c" {
		t.Errorf("name = %q", c.Name())
	}
	want := map[string]any{"a": int64(1), "m": map[string]any{"x": int64(1), "b": int64(2)}}
	if !reflect.DeepEqual(normalizeNumbers(c.Values), normalizeNumbers(want)) {
		t.Errorf("values = %v, want %v (documents merged in order)", c.Values, want)
	}
	if got := string(c.Templates[0].Data); got != "kind: ConfigMap\r\n" {
		t.Errorf("template = %q: the BOM must go, line endings stay", got)
	}
}

// normalizeNumbers turns every number into float64 so tests need not care how YAML
// integers are typed.
func normalizeNumbers(v any) any {
	switch t := v.(type) {
	case map[string]any:
		out := map[string]any{}
		for k, e := range t {
			out[k] = normalizeNumbers(e)
		}
		return out
	case int64:
		return float64(t)
	case int:
		return float64(t)
	}
	return v
}

// TestLoadWarnings: Helm 2's dependency files in a chart of a later API version are
// reported, the chart's own before its subcharts'; a v1 chart has none.
func TestLoadWarnings(t *testing.T) {
	const deps = "dependencies:\n- name: sub\n  version: 1.0.0\n"
	const lock = "dependencies: []\ndigest: x\n"
	dir := writeFiles(t, t.TempDir(), map[string]string{
		"Chart.yaml":                   minimalChartYAML,
		"requirements.yaml":            deps,
		"requirements.lock":            lock,
		"charts/sub/Chart.yaml":        "apiVersion: v2\nname: sub\nversion: 1.0.0\n",
		"charts/sub/requirements.yaml": "dependencies: []\n",
		"charts/old/Chart.yaml":        "apiVersion: v1\nname: old\nversion: 1.0.0\n",
		"charts/old/requirements.yaml": "dependencies: []\n",
	})
	c, err := LoadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	const reqs = `Warning: Dependencies are handled in Chart.yaml since apiVersion "v2". We recommend migrating dependencies to Chart.yaml.`
	const locking = `Warning: Dependency locking is handled in Chart.lock since apiVersion "v2". We recommend migrating to Chart.lock.`
	var got []string
	for _, w := range c.LoadWarnings {
		got = append(got, w.Level.String()+" "+w.String())
	}
	want := []string{"INFO " + locking, "INFO " + reqs, "INFO " + reqs}
	if !slices.Equal(got, want) {
		t.Errorf("warnings:\n got %q\nwant %q", got, want)
	}
	for _, sub := range c.Dependencies() {
		if sub.Name() == "old" && len(sub.LoadWarnings) != 0 {
			t.Errorf("v1 subchart: warnings %v, want none", sub.LoadWarnings)
		}
	}
}
