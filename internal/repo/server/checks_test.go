package server

import (
	"bytes"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/rudderpm/rudder/internal/atomicfile"
	"github.com/rudderpm/rudder/internal/chart"
)

// chartArchive packs a chart with this metadata, as `package` would.
func chartArchive(t *testing.T, md *chart.Metadata) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := chart.WriteArchive(&b, &chart.Chart{Metadata: md}, chart.ArchiveOptions{}); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// assertUnchanged checks that the served index is still before and that the
// folder matches it.
func (ts *testServer) assertUnchanged(t *testing.T, before []byte) {
	t.Helper()
	if after := ts.s.Index(); !bytes.Equal(after, before) {
		t.Errorf("the index changed:\n%s", after)
	}
	assertNoStrayFiles(t, ts.dir)
	assertIndexMatchesFolder(t, ts.dir)
}

// Without credentials, writes are refused unless anonymous writes are allowed;
// reads are not.
func TestWritesNeedCredentialsOrConsent(t *testing.T) {
	web := archive(t, "web", "1.0.0", 0)
	closed := start(t, Options{})
	if _, err := closed.s.Upload(web, nil, false); err != nil { // the Go API is not HTTP
		t.Fatal(err)
	}
	for _, req := range []struct{ method, path string }{
		{http.MethodPost, "/api/charts"}, {http.MethodPost, "/api/prov"}, {http.MethodDelete, "/api/charts/web/1.0.0"},
	} {
		status, msg := closed.do(t, req.method, req.path, "", web)
		if status != http.StatusForbidden || !strings.Contains(msg, "writes are disabled") ||
			!strings.Contains(msg, "set a username and password, or allow anonymous writes") {
			t.Errorf("%s %s: %d %s, want 403 saying how to enable writes", req.method, req.path, status, msg)
		}
	}
	if status, _ := closed.do(t, http.MethodGet, "/charts/web-1.0.0.tgz", "", nil); status != http.StatusOK {
		t.Errorf("GET on a read-only server: %d", status)
	}
	if !closed.index(t).Has("web", "1.0.0") {
		t.Error("a refused DELETE deleted")
	}

	open := start(t, Options{AllowAnonymousWrites: true})
	if status, msg := open.do(t, http.MethodPost, "/api/charts", "", web); status != http.StatusCreated {
		t.Errorf("anonymous upload, allowed: %d %s", status, msg)
	}
}

// An index entry is bounded: a 300 KiB upload must not add megabytes to
// index.yaml.
func TestMetadataIsBounded(t *testing.T) {
	ts := start(t, Options{AllowAnonymousWrites: true, MaxMetadataSize: 32 << 10})
	if status, msg := ts.do(t, http.MethodPost, "/api/charts", "", archive(t, "web", "1.0.0", 0)); status != http.StatusCreated {
		t.Fatalf("%d %s", status, msg)
	}
	before := ts.s.Index()
	md := func(mod func(*chart.Metadata)) *chart.Metadata {
		m := &chart.Metadata{APIVersion: "v2", Name: "desc", Version: "1.0.0"}
		mod(m)
		return m
	}
	// YAML aliases make a small Chart.yaml a large index entry.
	var aliases strings.Builder
	aliases.WriteString("apiVersion: v2\nname: annotated\nversion: 1.0.0\nhome: &x " + strings.Repeat("x", 1000) + "\nannotations:\n")
	for i := range 40 {
		fmt.Fprintf(&aliases, "  example.com/a%d: *x\n", i)
	}
	aliasedKeywords := "apiVersion: v2\nname: keyworded\nversion: 1.0.0\nicon: &x " + strings.Repeat("x", 1000) + "\nkeywords: [" + strings.Repeat("*x, ", 40) + "*x]\n"
	bigChartYAML := tgz(t, map[string]string{"commented/Chart.yaml": "apiVersion: v2\nname: commented\nversion: 1.0.0\n" + strings.Repeat("# a comment\n", 3000)})
	tests := []struct {
		name, want string
		archive    []byte
	}{
		{"description", "chart desc version 1.0.0: description of 300 KiB, more than the 8 KiB this server takes",
			chartArchive(t, md(func(m *chart.Metadata) { m.Description = strings.Repeat("a", 300<<10) }))},
		{"aliased annotations", "chart annotated version 1.0.0: its index entry would be 41 KiB, more than the 32 KiB this server takes",
			tgz(t, map[string]string{"annotated/Chart.yaml": aliases.String()})},
		{"aliased keywords", "chart keyworded version 1.0.0: its index entry would be 41",
			tgz(t, map[string]string{"keyworded/Chart.yaml": aliasedKeywords})},
		{"Chart.yaml", "chart commented version 1.0.0: Chart.yaml of 35.2 KiB, more than the 32 KiB this server takes", bigChartYAML},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			status, msg := ts.do(t, http.MethodPost, "/api/charts", "", tt.archive)
			if status != http.StatusRequestEntityTooLarge || !strings.Contains(msg, tt.want) {
				t.Errorf("%d %s, want 413 and %q", status, msg, tt.want)
			}
		})
	}
	ts.assertUnchanged(t, before)

	// Within the limits, a rich entry is taken.
	rich := md(func(m *chart.Metadata) {
		m.Description = strings.Repeat("d", 4<<10)
		m.Annotations = map[string]string{"artifacthub.io/changes": strings.Repeat("- fixed things\n", 1000)}
	})
	if status, msg := ts.do(t, http.MethodPost, "/api/charts", "", chartArchive(t, rich)); status != http.StatusCreated {
		t.Fatalf("an entry within the limits: %d %s", status, msg)
	}
}

// a@1-2.0.0 and a-1@2.0.0 are both stored as a-1-2.0.0.tgz: the second must
// not replace the first's archive under its index entry, forced or not.
func TestFileNameCollision(t *testing.T) {
	ts := start(t, Options{AllowAnonymousWrites: true})
	first := archive(t, "a", "1-2.0.0", 0)
	if status, msg := ts.do(t, http.MethodPost, "/api/charts", "", first); status != http.StatusCreated {
		t.Fatalf("%d %s", status, msg)
	}
	before := ts.s.Index()
	for _, tt := range []struct {
		query, name, version string
	}{{"", "a-1", "2.0.0"}, {"?force", "a-1", "2.0.0"}, {"", "A-1", "2.0.0"}} {
		status, msg := ts.do(t, http.MethodPost, "/api/charts"+tt.query, "", archive(t, tt.name, tt.version, 0))
		want := fmt.Sprintf("chart %s version %s: its archive %s-%s.tgz would replace that of chart a version 1-2.0.0", tt.name, tt.version, tt.name, tt.version)
		if status != http.StatusConflict || !strings.Contains(msg, want) {
			t.Errorf("%s@%s%s: %d %s, want 409 and %q", tt.name, tt.version, tt.query, status, msg, want)
		}
	}
	ts.assertUnchanged(t, before)
	got, err := os.ReadFile(filepath.Join(ts.dir, "a-1-2.0.0.tgz"))
	if err != nil || !bytes.Equal(got, first) {
		t.Errorf("a-1-2.0.0.tgz is no longer chart a 1-2.0.0 (%v)", err)
	}
	// The same version again is still a plain duplicate.
	if status, _ := ts.do(t, http.MethodPost, "/api/charts?force", "", archive(t, "a", "1-2.0.0", 8)); status != http.StatusCreated {
		t.Errorf("forced replacement of the same version: %d", status)
	}
}

// Names that cannot be a file name and a URL path segment as they are, or that
// are too long, are refused with 400, and no answer names a file of the server.
func TestUnservableNames(t *testing.T) {
	ts := start(t, Options{AllowAnonymousWrites: true})
	before := ts.s.Index()
	long := strings.Repeat("n", 300)
	tests := []struct{ name, version, want string }{
		{".tmp-x", "1.0.0", `chart name ".tmp-x": this server takes only letters, digits`},
		{"..foo", "1.0.0", `chart name "..foo"`},
		{"-x", "1.0.0", `chart name "-x"`},
		{"a b", "1.0.0", `chart name "a b"`},
		{"a%2fb", "1.0.0", `chart name "a%2fb"`},
		{"naïve", "1.0.0", `chart name "naïve"`},
		{"a:b", "1.0.0", `chart name "a:b"`},
		{long, "1.0.0", fmt.Sprintf(`chart name "%s"...: 300 characters, more than the 128 this server takes`, long[:80])},
		{"web", "1.0.0-" + strings.Repeat("r", 70), "chart web version \"1.0.0-rrr"},
	}
	for _, tt := range tests {
		t.Run(tt.name[:min(len(tt.name), 10)], func(t *testing.T) {
			status, msg := ts.do(t, http.MethodPost, "/api/charts", "", archive(t, tt.name, tt.version, 0))
			if status != http.StatusBadRequest || !strings.Contains(msg, tt.want) {
				t.Errorf("%d %s, want 400 and %q", status, msg, tt.want)
			}
			if strings.Contains(msg, ts.dir) {
				t.Errorf("the answer names the storage folder: %s", msg)
			}
		})
	}
	ts.assertUnchanged(t, before)
}

// An internal error is answered without details; the details go to
// Options.ReportError.
func TestInternalErrorsNameNoPath(t *testing.T) {
	var reported []error
	ts := start(t, Options{AllowAnonymousWrites: true, ReportError: func(err error) { reported = append(reported, err) }})
	// index.yaml cannot be replaced: the upload fails after the chart is checked.
	if err := os.Remove(filepath.Join(ts.dir, "index.yaml")); err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(filepath.Join(ts.dir, "index.yaml", "x"), 0o755); err != nil {
		t.Fatal(err)
	}
	status, msg := ts.do(t, http.MethodPost, "/api/charts", "", archive(t, "web", "1.0.0", 0))
	if status != http.StatusInternalServerError || strings.Contains(msg, ts.dir) || msg != "internal server error" {
		t.Errorf("%d %s, want 500 without a path", status, msg)
	}
	if len(reported) != 1 || !strings.Contains(reported[0].Error(), ts.dir) {
		t.Errorf("reported: %v", reported)
	}
}

// A provenance file is parsed: it must sign an archive the repository has, with
// that archive's digest and chart, and replaces an existing one only if forced.
func TestProvenanceIsChecked(t *testing.T) {
	ts := start(t, Options{AllowAnonymousWrites: true})
	web := archive(t, "web", "1.0.0", 0)
	other := archive(t, "web", "1.0.0", 8) // the same version, other bytes
	if status, msg := ts.do(t, http.MethodPost, "/api/charts", "", web); status != http.StatusCreated {
		t.Fatalf("%d %s", status, msg)
	}
	good := sign(t, web, "web", "1.0.0")
	tests := []struct {
		name   string
		prov   []byte
		status int
		want   string
	}{
		{"not signed", []byte("files:\n  web-1.0.0.tgz: sha256:00\n"), http.StatusBadRequest, "invalid provenance file: not a clear-signed message"},
		{"other bytes", sign(t, other, "web", "1.0.0"), http.StatusBadRequest, "web-1.0.0.tgz: sha256 sum does not match: the signed digest is"},
		{"other chart", signWith(t, web, "web-1.0.0.tgz", "name: db\nversion: 1.0.0\n"), http.StatusBadRequest,
			`web-1.0.0.tgz: its Chart.yaml is chart "db" version "1.0.0", not web version 1.0.0`},
		{"other file", sign(t, web, "db", "1.0.0"), http.StatusNotFound, `"db-1.0.0.tgz": no such chart archive`},
		{"two files", signTwo(t, web), http.StatusBadRequest, "names 2 files, where a provenance file names one chart archive"},
		{"unknown archive", sign(t, archive(t, "db", "1.0.0", 0), "db", "1.0.0"), http.StatusNotFound, "no such chart archive"},
		{"empty", nil, http.StatusBadRequest, "no provenance file"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			status, msg := ts.do(t, http.MethodPost, "/api/prov", "", tt.prov)
			if status != tt.status || !strings.Contains(msg, tt.want) {
				t.Errorf("%d %s, want %d and %q", status, msg, tt.status, tt.want)
			}
		})
	}
	if _, err := os.Stat(filepath.Join(ts.dir, "web-1.0.0.tgz.prov")); !os.IsNotExist(err) {
		t.Fatalf("a refused provenance file was stored: %v", err)
	}

	if status, msg := ts.do(t, http.MethodPost, "/api/prov", "", good); status != http.StatusCreated {
		t.Fatalf("a good provenance file: %d %s", status, msg)
	}
	again := sign(t, web, "web", "1.0.0") // another key
	if status, msg := ts.do(t, http.MethodPost, "/api/prov", "", again); status != http.StatusConflict ||
		!strings.Contains(msg, "web-1.0.0.tgz.prov: provenance file already exists") {
		t.Errorf("replacing without force: %d %s, want 409", status, msg)
	}
	if got, _ := os.ReadFile(filepath.Join(ts.dir, "web-1.0.0.tgz.prov")); !bytes.Equal(got, good) {
		t.Error("a refused replacement replaced the provenance file")
	}
	if status, msg := ts.do(t, http.MethodPost, "/api/prov?force", "", again); status != http.StatusCreated {
		t.Errorf("replacing with force: %d %s", status, msg)
	}

	// With a chart, the provenance file must sign that chart.
	ct, body := form(t, archive(t, "db", "0.1.0", 0), sign(t, web, "web", "1.0.0"))
	if status, msg := ts.do(t, http.MethodPost, "/api/charts", ct, body); status != http.StatusBadRequest ||
		!strings.Contains(msg, `invalid provenance file: signs "web-1.0.0.tgz", not db-0.1.0.tgz`) {
		t.Errorf("a chart with another's provenance file: %d %s", status, msg)
	}
	if ts.index(t).Has("db", "0.1.0") {
		t.Error("the chart with another's provenance file was indexed")
	}

	overwriting := start(t, Options{AllowAnonymousWrites: true, AllowOverwrite: true})
	ct, body = form(t, web, good)
	overwriting.do(t, http.MethodPost, "/api/charts", ct, body)
	if status, msg := overwriting.do(t, http.MethodPost, "/api/prov", "", again); status != http.StatusCreated {
		t.Errorf("replacing with AllowOverwrite: %d %s", status, msg)
	}
}

// A temporary file the server cannot read is its own failure, not the chart's:
// the error names the file, so it must not be answered as a bad chart (400,
// with the message).
func TestUnreadableUploadIsInternal(t *testing.T) {
	ts := start(t, Options{AllowAnonymousWrites: true})
	tmp, err := atomicfile.Create(ts.dir)
	if err != nil {
		t.Fatal(err)
	}
	defer tmp.Discard()
	if _, err := tmp.Write(archive(t, "web", "1.0.0", 0)); err != nil {
		t.Fatal(err)
	}
	tmp.Close()
	_, err = ts.s.store(tmp, "", nil, false)
	rec := httptest.NewRecorder()
	ts.s.fail(rec, httptest.NewRequest(http.MethodPost, "/api/charts", nil), err)
	if rec.Code != http.StatusInternalServerError || strings.Contains(rec.Body.String(), ts.dir) {
		t.Errorf("%v answered %d %s, want 500 without the path", err, rec.Code, rec.Body)
	}
}
