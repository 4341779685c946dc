package repo

import (
	"bytes"
	"context"
	"fmt"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/rudderpm/rudder/internal/chart"
)

// sortedWarnings orders warnings by chart, keeping each chart's own order: the
// whole parse visits charts in a map's order.
func sortedWarnings(ws []IndexWarning) []string {
	by := map[string][]string{}
	var charts []string
	for _, w := range ws {
		if _, ok := by[w.Chart]; !ok {
			charts = append(charts, w.Chart)
		}
		by[w.Chart] = append(by[w.Chart], w.String())
	}
	slices.Sort(charts)
	var out []string
	for _, c := range charts {
		out = append(out, by[c]...)
	}
	return out
}

// compareBuilds fails when the streaming read of data and the whole parse
// disagree on anything: the cache's bytes, the charts, the warnings, the error.
func compareBuilds(t *testing.T, data []byte) {
	t.Helper()
	wc, wnames, wwarn, werr := parsedIndexCache("r", data)
	gc, gnames, gwarn, gerr := BuildIndexCache("r", data)
	if (werr == nil) != (gerr == nil) || (werr != nil && werr.Error() != gerr.Error()) {
		t.Fatalf("error: stream %v, whole parse %v\n%s", gerr, werr, data)
	}
	if werr != nil {
		return
	}
	if !slices.Equal(gnames, wnames) {
		t.Fatalf("charts: stream %q, whole parse %q\n%s", gnames, wnames, data)
	}
	if g, w := sortedWarnings(gwarn), sortedWarnings(wwarn); !slices.Equal(g, w) {
		t.Fatalf("warnings: stream %q, whole parse %q\n%s", g, w, data)
	}
	if !bytes.Equal(gc.body, wc.body) {
		t.Fatalf("caches differ:\nstream      %s\nwhole parse %s\n%s", dumpCache(gc), dumpCache(wc), data)
	}
}

func dumpCache(c *Cache) string {
	var b strings.Builder
	_ = c.charts(func(ch *cachedChart) bool {
		full, err := c.Chart(ch.name)
		if err != nil {
			fmt.Fprintf(&b, "%s: %v; ", ch.name, err)
			return true
		}
		fmt.Fprintf(&b, "%+v; ", *full)
		return true
	})
	return b.String()
}

// generatedIndex writes an index as Helm does (sigs.k8s.io/yaml), with the
// values that make its writer quote, fold or block a scalar.
func generatedIndex(t testing.TB, seed uint64, charts, versions int) []byte {
	r := rand.New(rand.NewPCG(seed, 1))
	texts := []string{
		"plain words", "1.0", "true", "null", "~", "a: colon", "a #hash", "#lead", "- dash", "[flow]", "{x}",
		"'single'", `"double"`, "back\\slash", "tab\there", "new\nline", "trailing\n", "  lead space", "ünïcödé ✓",
		"emoji 🚀", "*star", "&amp", "!bang", "%pct", "@at", "`tick", "?q", ":c", "a long description that goes on and on past the eighty columns the writer folds plain scalars at, with words",
		"multi\nline\n\nwith blank\n", "", " ", "yes", "no", "0x1F", "1e3", "2024-01-02", "=", "<<", "|pipe", ">gt",
		"ctl\x01char", "\u00a0nbsp", "end space ",
	}
	// Most values are plain, as in real indexes; one in eight is odd.
	pick := func() string {
		if r.IntN(8) == 0 {
			return texts[r.IntN(len(texts))]
		}
		return fmt.Sprintf("%s %d", []string{"plain", "web", "A chart for Kubernetes", "database"}[r.IntN(4)], r.IntN(100))
	}
	created := time.Date(2024, 1, 2, 3, 4, 5, 0, time.UTC)
	idx := NewIndexFile(created)
	for c := range charts {
		name := fmt.Sprintf("chart-%d", c)
		if c%7 == 3 {
			name = pick()
		}
		for v := range versions {
			version := fmt.Sprintf("%d.%d.%d", r.IntN(3), r.IntN(5), v)
			switch r.IntN(12) {
			case 0:
				version = pick()
			case 1:
				version += "-rc.1"
			}
			md := &chart.Metadata{APIVersion: "v2", Name: name, Version: version, AppVersion: pick(),
				Description: pick(), Home: "https://example.com/" + name, Icon: pick(),
				Keywords: []string{pick(), pick()}, Sources: []string{"https://github.com/x/" + name},
				Deprecated: r.IntN(9) == 0, Type: []string{"", "application", "library", "bad"}[r.IntN(4)],
				KubeVersion: []string{"", ">=1.20.0-0", pick()}[r.IntN(3)],
				Annotations: map[string]string{"category": pick(), "artifacthub.io/changes": pick()},
				Maintainers: []*chart.Maintainer{{Name: pick(), Email: "a@example.com"}, {Name: "B", URL: pick()}},
			}
			if r.IntN(4) == 0 {
				md.Dependencies = []*chart.Dependency{{Name: "dep", Version: "1.x", Repository: "https://repo", Condition: pick(), Tags: []string{pick()}, Enabled: r.IntN(2) == 0},
					{Name: "dep", Alias: []string{"other", "bad alias", "dep"}[r.IntN(3)]}}
			}
			if r.IntN(10) == 0 {
				md.Name = pick()
			}
			digest := fmt.Sprintf("%064x", r.Uint64())
			if r.IntN(8) == 0 {
				digest = pick()
			}
			// Not idx.Add, which refuses invalid metadata: the index may have any.
			idx.Entries[name] = append(idx.Entries[name], &ChartVersion{Metadata: md, Digest: digest,
				URLs:    []string{fmt.Sprintf("https://charts.example.com/%s-%s.tgz", name, version)},
				Created: created.Add(time.Duration(r.IntN(1e6)) * time.Second)})
		}
	}
	b, err := idx.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// indexSamples are indexes written by hand: the layouts and oddities of the
// repository's own index tests, and of indexes in the wild.
var indexSamples = []string{
	"apiVersion: v1\nentries:\n  a:\n  - name: a\n    version: 1.0.0\n    urls:\n    - a-1.0.0.tgz\n  b:\n  - name: b\n    version: 2.0.0\n",
	"apiVersion: v1\nentries:\n  a:\n    - name: a\n      version: 1.0.0\n      urls:\n        - a.tgz\n  b:\n    - name: b\n      version: 2.0.0\ngenerated: \"2024-01-01T00:00:00Z\"\n",
	"# head\napiVersion: v1\nentries:\n  # the first\n\n  a:\n  - name: a\n    # inside\n    version: 1.0.0\n\n  b:\n  - name: b\n    version: 2.0.0\n",
	"apiVersion: v1\nentries:\n  a:\n  - name: a\n    version: 1.0.0\n  a:\n  - name: a\n    version: 2.0.0\n",
	"apiVersion: v1\nentries:\n  a:\n  - name: a\n    version: 1.0.0\n    version: 2.0.0\n",
	"apiVersion: v1\nentries:\n  a:\n  - name: a\n    version: 1.0.0\n    created: yesterday\n",
	"apiVersion: v1\nentries:\n  a:\n  - name: a\n    version: 1.0.0\n    created: 2024-01-02T03:04:05.5+02:00\n  - name: a\n    version: 1.0.1\n    created: 2024-01-02\n",
	"apiVersion: v1\nentries:\n  a:\n  -\n  - null\n  - name: a\n    version: not-a-version\n  - name: ''\n    version: 0.1.0\n",
	"entries:\n  a:\n  - name: a\n    version: 1.0.0\n",
	"apiVersion: v1\nentries:\n  a: []\n  b:\n  c:\n  - name: c\n    version: 1.0.0\n    annotations:\n      x: |\n        - kind: added\n          description: one\n\n        - two\n      y: |-\n        keep\n      z: |+\n        more\n\n    keywords: []\n",
	"apiVersion: v1\nentries:\n  a:\n  - name: a\n    version: 1.0.0\n    description: folded plain\n      over two lines\n    deprecated: yes\n",
	"apiVersion: v1\nentries:\n  a:\n  - &anchor\n    name: a\n    version: 1.0.0\n  - *anchor\n",
	"apiVersion: v1\nentries:\n  a:\n  - name: a\n    version: \"1.0.0\"\n    appVersion: '1.0'\n    description: \"esc \\u00e9 \\\" \\\\ \\n \\t\"\n    dependencies:\n    - name: x\n      import-values:\n      - a\n",
	"apiVersion: v1\nentries:\n  a:\n  - name: a\n    version: 1.0.0\n    maintainers:\n    - name: A\n      email: a@b.c\n    -\n",
	"apiVersion: v1\nentries:\n  a:\n  - name: a\n    version: 1.0.0\n    unknownField: x\n",
	"apiVersion: v1\nentries:\n  a:\n  - name: a\n    version: 1.0.0\n    urls: [a.tgz, b.tgz]\n",
	"apiVersion: v1\nentries:\n  a:\n  - name: a\n    version: 1.0.0\n    digest: ABCDEF\n    removed: true\n    deprecated: false\n",
	"apiVersion: v1\nentries:\n  \"quoted\":\n  - name: quoted\n    version: 1.0.0\n",
	"apiVersion: v1\nentries:\n  a:\n  - name: a\n    version: 1.0.0\n  - name: a\n   version: 2.0.0\n",
	"apiVersion: v1\nentries:\n  a:\n  - name: a\r\n    version: 1.0.0\r\n",
	"apiVersion: v1\r\nentries:\r\n  a:\r\n  - name: a\r\n    version: 1.0.0\r\n",
	"apiVersion: v1\nentries:\n  a:\n  - name: a\n    version: 1.0.0\n---\napiVersion: v1\n",
	"{\"apiVersion\":\"v1\",\"entries\":{\"a\":[{\"name\":\"a\",\"version\":\"0.1.0\"}]}}",
	"apiVersion: v1\nentries:\n  a:\n  - name: a\n    version: 1.0.0\n    home: ~\n    icon: null\n    tags:\n    kubeVersion: NULL\n",
	"",
	"apiVersion: v1\nentries: {}\n",
	"apiVersion: v1\nentries:\n  a:\n  - name: a\n    version: 1.0.0\n    description: x\n  - name: a\n    version: 1.0.0\n",
	"apiVersion: v1\nentries:\n  c:\n  - name: c\n    version: 1.0.0\n  a:\n  - name: a\n    version: 1.0.0\n  b:\n  - name: b\n    version: 0.1.0\n",
}

func TestBuildIndexCacheMatchesWholeParse(t *testing.T) {
	for i, s := range indexSamples {
		t.Run(fmt.Sprint("sample", i), func(t *testing.T) { compareBuilds(t, []byte(s)) })
	}
	for seed := range uint64(20) {
		t.Run(fmt.Sprint("generated", seed), func(t *testing.T) { compareBuilds(t, generatedIndex(t, seed, 12, 6)) })
	}
	// The repository's own test indexes.
	files, _ := filepath.Glob("testdata/*.yaml")
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		t.Run(filepath.Base(f), func(t *testing.T) { compareBuilds(t, b) })
	}
}

// An index as Helm writes it is read by the scanner, chart by chart, not handed
// to the YAML decoder: else the comparison above would prove little.
func TestScannerReadsHelmWrittenIndexes(t *testing.T) {
	for seed := range uint64(5) {
		data := generatedIndex(t, seed, 12, 6)
		_, charts, ok := splitByChart(data)
		if !ok {
			t.Fatalf("seed %d: not split by chart", seed)
		}
		var sc chartScanner
		scanned := 0
		for _, c := range charts {
			if _, _, ok := sc.chart(c); ok {
				scanned++
			}
		}
		// Control characters and the like send a chart to the decoder; most
		// charts must still be scanned.
		if scanned*10 < len(charts)*7 {
			t.Errorf("seed %d: the scanner read %d of %d charts", seed, scanned, len(charts))
		}
	}
	if _, _, _, ok := streamIndexCache("r", generatedIndex(t, 99, 5, 3), nil); !ok {
		t.Error("a Helm-written index was parsed whole, not streamed")
	}
}

// The index Helm v4.3.1 itself writes (helm repo index) is scanned, and read as
// the whole parse reads it.
func TestBuildIndexCacheOnHelmWrittenIndex(t *testing.T) {
	helm := helmPeer(t)
	dir := t.TempDir()
	for i, desc := range []string{"short", "a description long enough that the writer has to fold it over more than one line of the file, as many charts have", "quotes: \"x\" and 'y'", "1.0"} {
		ch := filepath.Join(t.TempDir(), fmt.Sprintf("c%d", i))
		if err := os.MkdirAll(ch, 0o755); err != nil {
			t.Fatal(err)
		}
		meta := fmt.Sprintf("apiVersion: v2\nname: c%d\nversion: 1.%d.0\ndescription: %q\nkeywords: [a, \"true\"]\nannotations:\n  artifacthub.io/changes: |\n    - kind: added\n      description: x\nmaintainers:\n- name: A\n  email: a@example.com\n", i, i, desc)
		if err := os.WriteFile(filepath.Join(ch, "Chart.yaml"), []byte(meta), 0o644); err != nil {
			t.Fatal(err)
		}
		if out, err := exec.Command(helm, "package", ch, "-d", dir).CombinedOutput(); err != nil {
			t.Fatalf("helm package: %v\n%s", err, out)
		}
	}
	if out, err := exec.Command(helm, "repo", "index", dir, "--url", "https://charts.example.com").CombinedOutput(); err != nil {
		t.Fatalf("helm repo index: %v\n%s", err, out)
	}
	data, err := os.ReadFile(filepath.Join(dir, "index.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	compareBuilds(t, data)
	_, charts, ok := splitByChart(data)
	if !ok {
		t.Fatalf("Helm's index is not split by chart:\n%s", data)
	}
	var sc chartScanner
	for _, c := range charts {
		if _, _, ok := sc.chart(c); !ok {
			t.Errorf("the scanner did not read this chart of Helm's index:\n%s", c)
		}
	}
}

func FuzzBuildIndexCache(f *testing.F) {
	for _, s := range indexSamples {
		f.Add([]byte(s))
	}
	for seed := range uint64(4) {
		f.Add(generatedIndex(f, seed, 3, 2))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		compareBuilds(t, data)
	})
}

// helmPeer is Helm v4.3.1, as hack/peer builds and caches it; under -short a
// missing one skips the test.
func helmPeer(t *testing.T) string {
	t.Helper()
	if p := os.Getenv("RUDDER_INTEROP_HELM"); p != "" {
		return p
	}
	out, err := exec.Command("../../hack/peer", "helm").Output()
	if err != nil {
		if testing.Short() {
			t.Skipf("no Helm v4.3.1 peer (hack/peer helm: %v)", err)
		}
		t.Fatalf("hack/peer helm: %v", err)
	}
	return strings.TrimSpace(string(out))
}

// A download that fails, or an index that does not parse, leaves nothing in the
// cache folder: not the index, not the temporary file it was downloaded into.
func TestDownloadIndexLeavesNothingOnError(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/malformed/index.yaml":
			_, _ = w.Write([]byte("apiVersion: v1\nentries:\n  a: [\n"))
		case "/short/index.yaml":
			w.Header().Set("Content-Length", "1000")
			_, _ = w.Write([]byte("apiVersion: v1\n"))
		default:
			http.NotFound(w, r)
		}
	}))
	defer srv.Close()
	dir := t.TempDir()
	for _, path := range []string{"/malformed", "/short", "/missing"} {
		e := &Entry{Name: "r", URL: srv.URL + path}
		d, err := DownloadIndex(context.Background(), e.Name, e.URL, dir, ClientOptions{})
		if err == nil {
			d.Discard()
			t.Fatalf("%s: no error", path)
		}
		if path == "/malformed" && !strings.Contains(err.Error(), "line 3") {
			t.Errorf("%s: error %q does not name the line", path, err)
		}
		if left, _ := os.ReadDir(dir); len(left) != 0 {
			t.Errorf("%s: left in the cache folder: %v", path, left)
		}
	}
}

// printableYAMLByBytes is printableYAML as it was before it took eight bytes at a
// time: the reference its answers are checked against.
func printableYAMLByBytes(text []byte) bool {
	for i := 0; i < len(text); {
		c := text[i]
		if c < utf8.RuneSelf {
			if (c < 0x20 && c != '\n') || c == 0x7f {
				return false
			}
			i++
			continue
		}
		r, n := utf8.DecodeRune(text[i:])
		if r == utf8.RuneError && n <= 1 {
			return false
		}
		if !(r == 0x85 || (r >= 0xA0 && r <= 0xD7FF) || (r >= 0xE000 && r <= 0xFFFD && r != 0xFEFF) || r >= 0x10000) {
			return false
		}
		i += n
	}
	return true
}

// The eight-byte test answers as the byte-by-byte reference on every byte value
// in every position of a word, and on random texts mixing the edges.
func TestPrintableYAMLMatchesByBytes(t *testing.T) {
	for c := 0; c < 256; c++ {
		for pos := 0; pos < 8; pos++ {
			w := []byte("abcdefghij")
			w[pos] = byte(c)
			if got, want := printableYAML(w), printableYAMLByBytes(w); got != want {
				t.Fatalf("byte %#x at %d: printableYAML %v, reference %v", c, pos, got, want)
			}
		}
	}
	edges := []byte{0x00, 0x09, '\n', 0x0d, 0x1f, 0x20, 'a', '~', 0x7f, 0x80, 0xc2, 0x85, 0xa0, 0xe2, 0xef, 0xbb, 0xbf, 0xf0, 0x9f}
	r := rand.New(rand.NewPCG(1, 2))
	for range 200000 {
		text := make([]byte, r.IntN(40))
		for i := range text {
			if r.IntN(4) == 0 {
				text[i] = edges[r.IntN(len(edges))]
			} else {
				text[i] = byte(0x20 + r.IntN(0x5f))
			}
		}
		if got, want := printableYAML(text), printableYAMLByBytes(text); got != want {
			t.Fatalf("%q: printableYAML %v, reference %v", text, got, want)
		}
	}
}

func FuzzPrintableYAML(f *testing.F) {
	f.Add([]byte("name: web\nversion: 1.0.0\n"))
	f.Add([]byte("d\u00e9j\u00e0 \x7f vu"))
	f.Fuzz(func(t *testing.T, text []byte) {
		if got, want := printableYAML(text), printableYAMLByBytes(text); got != want {
			t.Fatalf("%q: printableYAML %v, reference %v", text, got, want)
		}
	})
}
