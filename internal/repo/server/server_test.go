package server

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log"
	"mime/multipart"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ProtonMail/go-crypto/openpgp"
	"github.com/ProtonMail/go-crypto/openpgp/clearsign"

	"github.com/rudderpm/rudder/internal/atomicfile"
	"github.com/rudderpm/rudder/internal/chart"
	"github.com/rudderpm/rudder/internal/provenance"
	"github.com/rudderpm/rudder/internal/repo"
)

// archive packages a minimal chart; padding adds a file of that many random
// bytes, to make the archive big.
func archive(t testing.TB, name, version string, padding int) []byte {
	t.Helper()
	c := &chart.Chart{Metadata: &chart.Metadata{APIVersion: "v2", Name: name, Version: version, Description: "the " + name + " chart"}}
	if padding > 0 {
		b := make([]byte, padding)
		_, _ = rand.Read(b)
		c.Files = []*chart.File{{Name: "blob.bin", Data: b}}
	}
	var out bytes.Buffer
	if err := chart.WriteArchive(&out, c, chart.ArchiveOptions{}); err != nil {
		t.Fatal(err)
	}
	return out.Bytes()
}

// sign makes a provenance file for the archive of chart name, version.
func sign(t *testing.T, data []byte, name, version string) []byte {
	t.Helper()
	return signWith(t, data, name+"-"+version+".tgz", fmt.Sprintf("apiVersion: v2\nname: %s\nversion: %s\n", name, version))
}

// signWith makes a provenance file for data as the archive file, holding that Chart.yaml.
func signWith(t *testing.T, data []byte, file, chartYAML string) []byte {
	t.Helper()
	prov, err := provenance.Sign(data, file, []byte(chartYAML), key(t))
	if err != nil {
		t.Fatal(err)
	}
	return prov
}

func key(t *testing.T) *openpgp.Entity {
	t.Helper()
	e, err := testKey()
	if err != nil {
		t.Fatal(err)
	}
	return e
}

// signTwo makes a provenance file that lists two archives.
func signTwo(t *testing.T, data []byte) []byte {
	t.Helper()
	msg := "apiVersion: v2\nname: web\nversion: 1.0.0\n\n...\nfiles:\n  web-1.0.0.tgz: sha256:" + provenance.Digest(data) +
		"\n  db-1.0.0.tgz: sha256:" + provenance.Digest(data) + "\n"
	var out bytes.Buffer
	w, err := clearsign.Encode(&out, key(t).PrivateKey, nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := io.WriteString(w, msg); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return out.Bytes()
}

// testKey is a signing key, made once: making one takes a while.
var testKey = sync.OnceValues(func() (*openpgp.Entity, error) {
	return openpgp.NewEntity("repo test", "", "repo@example.com", nil)
})

// testServer is a repository server on loopback.
type testServer struct {
	*httptest.Server
	s   *Server
	dir string
}

func start(t *testing.T, o Options) *testServer {
	t.Helper()
	if o.StorageDir == "" {
		o.StorageDir = t.TempDir()
	}
	s, err := New(context.Background(), o)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	ts := &testServer{Server: httptest.NewServer(s), s: s, dir: o.StorageDir}
	t.Cleanup(ts.Close)
	return ts
}

// do sends a request and returns the status and body.
func (ts *testServer) do(t *testing.T, method, path, contentType string, body []byte, auth ...string) (int, string) {
	t.Helper()
	req, err := http.NewRequest(method, ts.URL+path, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	if len(auth) == 2 {
		req.SetBasicAuth(auth[0], auth[1])
	}
	resp, err := ts.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	var e struct{ Error *string }
	if json.Unmarshal(b, &e) == nil && e.Error != nil {
		return resp.StatusCode, *e.Error // an error's message, unescaped
	}
	return resp.StatusCode, string(b)
}

// form is a multipart upload with a chart and, if not nil, its provenance file.
func form(t *testing.T, archive, prov []byte) (string, []byte) {
	t.Helper()
	var b bytes.Buffer
	w := multipart.NewWriter(&b)
	part, _ := w.CreateFormFile("chart", "chart.tgz")
	_, _ = part.Write(archive)
	if prov != nil {
		part, _ = w.CreateFormFile("prov", "chart.tgz.prov")
		_, _ = part.Write(prov)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return w.FormDataContentType(), b.Bytes()
}

// index fetches and parses the served index.yaml, and checks that it is the
// file on disk.
func (ts *testServer) index(t *testing.T) *repo.IndexFile {
	t.Helper()
	status, body := ts.do(t, http.MethodGet, "/index.yaml", "", nil)
	if status != http.StatusOK {
		t.Fatalf("GET /index.yaml: %d %s", status, body)
	}
	onDisk, err := os.ReadFile(filepath.Join(ts.dir, "index.yaml"))
	if err != nil || string(onDisk) != body {
		t.Fatalf("index.yaml on disk differs from the served one (%v)", err)
	}
	idx, _, err := repo.ParseIndex([]byte(body))
	if err != nil {
		t.Fatal(err)
	}
	return idx
}

func TestUploadDownloadDelete(t *testing.T) {
	ts := start(t, Options{AllowAnonymousWrites: true})
	web := archive(t, "web", "1.0.0", 0)
	prov := sign(t, web, "web", "1.0.0")

	ct, body := form(t, web, prov)
	if status, msg := ts.do(t, http.MethodPost, "/api/charts", ct, body); status != http.StatusCreated {
		t.Fatalf("upload: %d %s", status, msg)
	}
	if status, msg := ts.do(t, http.MethodPost, "/api/charts", "application/gzip", archive(t, "db", "0.1.0", 0)); status != http.StatusCreated {
		t.Fatalf("raw upload: %d %s", status, msg)
	}

	idx := ts.index(t)
	v, err := idx.Get("web", "1.0.0")
	if err != nil {
		t.Fatal(err)
	}
	digest, _ := repo.Digest(bytes.NewReader(web))
	if v.Digest != digest || v.URLs[0] != "charts/web-1.0.0.tgz" || v.Description != "the web chart" {
		t.Errorf("index entry: %+v", v)
	}
	if !idx.Has("db", "0.1.0") {
		t.Error("db not indexed")
	}
	ref, err := repo.ResolveIndex(idx, ts.URL, "web", "")
	if err != nil {
		t.Fatal(err)
	}
	got, err := repo.Get(context.Background(), ref.URL, repo.ClientOptions{})
	if err != nil || !bytes.Equal(got, web) {
		t.Fatalf("download %s: %v", ref.URL, err)
	}
	gotProv, err := repo.Get(context.Background(), ref.URL+".prov", repo.ClientOptions{})
	if err != nil || !bytes.Equal(gotProv, prov) {
		t.Fatalf("download the .prov: %v", err)
	}

	status, js := ts.do(t, http.MethodGet, "/api/charts/web/1.0.0", "", nil)
	var cv repo.ChartVersion
	if status != http.StatusOK || json.Unmarshal([]byte(js), &cv) != nil || cv.Version != "1.0.0" {
		t.Errorf("GET /api/charts/web/1.0.0: %d %s", status, js)
	}

	if status, msg := ts.do(t, http.MethodDelete, "/api/charts/web/1.0.0", "", nil); status != http.StatusOK {
		t.Fatalf("delete: %d %s", status, msg)
	}
	if status, _ := ts.do(t, http.MethodDelete, "/api/charts/web/1.0.0", "", nil); status != http.StatusNotFound {
		t.Errorf("second delete: %d, want 404", status)
	}
	if ts.index(t).Has("web", "1.0.0") {
		t.Error("deleted version still indexed")
	}
	for _, f := range []string{"web-1.0.0.tgz", "web-1.0.0.tgz.prov"} {
		if _, err := os.Stat(filepath.Join(ts.dir, f)); !os.IsNotExist(err) {
			t.Errorf("%s left after delete: %v", f, err)
		}
	}
	for _, p := range []string{"/charts/web-1.0.0.tgz", "/charts/index.yaml", "/charts/..%2findex.yaml", "/api/charts/web"} {
		if status, _ := ts.do(t, http.MethodGet, p, "", nil); status != http.StatusNotFound {
			t.Errorf("GET %s: %d, want 404", p, status)
		}
	}
}

func TestUploadProvenanceAlone(t *testing.T) {
	ts := start(t, Options{AllowAnonymousWrites: true})
	web := archive(t, "web", "1.0.0", 0)
	prov := sign(t, web, "web", "1.0.0")
	if status, msg := ts.do(t, http.MethodPost, "/api/prov", "", prov); status != http.StatusNotFound {
		t.Fatalf("prov of a missing chart: %d %s", status, msg)
	}
	ts.do(t, http.MethodPost, "/api/charts", "", web)
	if status, msg := ts.do(t, http.MethodPost, "/api/prov", "", prov); status != http.StatusCreated {
		t.Fatalf("prov: %d %s", status, msg)
	}
	if status, body := ts.do(t, http.MethodGet, "/charts/web-1.0.0.tgz.prov", "", nil); status != http.StatusOK || body != string(prov) {
		t.Fatalf("GET prov: %d", status)
	}
}

func TestDuplicateUpload(t *testing.T) {
	ts := start(t, Options{AllowAnonymousWrites: true})
	first := archive(t, "web", "1.0.0", 16)
	second := archive(t, "web", "1.0.0", 32) // same version, other bytes
	ct, withProv := form(t, first, sign(t, first, "web", "1.0.0"))
	ts.do(t, http.MethodPost, "/api/charts", ct, withProv)

	status, msg := ts.do(t, http.MethodPost, "/api/charts", "", second)
	if status != http.StatusConflict || !strings.Contains(msg, "already exists") {
		t.Fatalf("duplicate: %d %s, want 409", status, msg)
	}
	d1, _ := repo.Digest(bytes.NewReader(first))
	if v, _ := ts.index(t).Get("web", "1.0.0"); v.Digest != d1 {
		t.Fatal("a refused upload changed the index")
	}
	if status, msg := ts.do(t, http.MethodPost, "/api/charts?force", "", second); status != http.StatusCreated {
		t.Fatalf("forced: %d %s", status, msg)
	}
	d2, _ := repo.Digest(bytes.NewReader(second))
	idx := ts.index(t)
	if v, _ := idx.Get("web", "1.0.0"); v.Digest != d2 || len(idx.Entries["web"]) != 1 {
		t.Fatalf("forced upload: %+v", idx.Entries["web"])
	}
	if _, err := os.Stat(filepath.Join(ts.dir, "web-1.0.0.tgz.prov")); !os.IsNotExist(err) {
		t.Error("the replaced version kept the old version's provenance file")
	}

	overwriting := start(t, Options{AllowOverwrite: true, AllowAnonymousWrites: true})
	overwriting.do(t, http.MethodPost, "/api/charts", "", first)
	if status, msg := overwriting.do(t, http.MethodPost, "/api/charts", "", second); status != http.StatusCreated {
		t.Fatalf("with AllowOverwrite: %d %s", status, msg)
	}
}

func TestBadUploads(t *testing.T) {
	ts := start(t, Options{MaxUploadSize: 64 << 10, AllowAnonymousWrites: true})
	good := archive(t, "web", "1.0.0", 0)
	var notTar bytes.Buffer
	gz := gzipBytes(t, []byte("plain text, not a tar"))
	notTar.Write(gz)
	badVersion := func() []byte {
		// A Chart.yaml with a version that is not semver, packed by hand.
		return tgz(t, map[string]string{"web/Chart.yaml": "apiVersion: v2\nname: web\nversion: one\n"})
	}()
	noChartYAML := tgz(t, map[string]string{"web/values.yaml": "a: 1\n"})
	traversal := tgz(t, map[string]string{"web/Chart.yaml": "apiVersion: v2\nname: web\nversion: 1.0.0\n", "web/../../evil": "x"})
	ct, badProv := form(t, good, []byte("not signed"))

	tests := []struct {
		name, contentType string
		body              []byte
		want              int
		wantMsg           string
	}{
		{"empty", "", nil, http.StatusBadRequest, "no chart archive"},
		{"not gzip", "", []byte("hello"), http.StatusBadRequest, "invalid chart"},
		{"gzip but not tar", "", notTar.Bytes(), http.StatusBadRequest, "invalid chart"},
		{"no Chart.yaml", "", noChartYAML, http.StatusBadRequest, "invalid chart"},
		{"bad version", "", badVersion, http.StatusBadRequest, "invalid chart"},
		{"path traversal", "", traversal, http.StatusBadRequest, "invalid chart"},
		{"provenance not signed", ct, badProv, http.StatusBadRequest, "provenance"},
		{"broken multipart", "multipart/form-data; boundary=zzz", []byte("--zzz\r\nbroken"), http.StatusBadRequest, ""},
		{"too large", "", archive(t, "big", "1.0.0", 128<<10), http.StatusRequestEntityTooLarge, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			status, msg := ts.do(t, http.MethodPost, "/api/charts", tt.contentType, tt.body)
			if status != tt.want || !strings.Contains(msg, tt.wantMsg) {
				t.Errorf("%d %s, want %d and %q", status, msg, tt.want, tt.wantMsg)
			}
		})
	}
	if idx := ts.index(t); len(idx.Entries) != 0 {
		t.Errorf("bad uploads were indexed: %v", idx.Entries)
	}
	assertNoStrayFiles(t, ts.dir)
}

func TestBasicAuth(t *testing.T) {
	ts := start(t, Options{Username: "ann", Password: "s3cret"})
	web := archive(t, "web", "1.0.0", 0)
	for _, auth := range [][]string{nil, {"ann", "wrong"}, {"bob", "s3cret"}} {
		if status, _ := ts.do(t, http.MethodGet, "/index.yaml", "", nil, auth...); status != http.StatusUnauthorized {
			t.Errorf("GET with %v: %d, want 401", auth, status)
		}
		if status, _ := ts.do(t, http.MethodPost, "/api/charts", "", web, auth...); status != http.StatusUnauthorized {
			t.Errorf("POST with %v: %d, want 401", auth, status)
		}
	}
	if status, msg := ts.do(t, http.MethodPost, "/api/charts", "", web, "ann", "s3cret"); status != http.StatusCreated {
		t.Fatalf("POST with credentials: %d %s", status, msg)
	}
	if _, _, _, err := repo.FetchIndex(context.Background(), ts.URL, repo.ClientOptions{Username: "ann", Password: "s3cret"}); err != nil {
		t.Fatalf("fetch with credentials: %v", err)
	}

	anon := start(t, Options{Username: "ann", Password: "s3cret", AnonymousGet: true})
	if status, _ := anon.do(t, http.MethodGet, "/index.yaml", "", nil); status != http.StatusOK {
		t.Errorf("anonymous GET: %d", status)
	}
	if status, _ := anon.do(t, http.MethodPost, "/api/charts", "", web); status != http.StatusUnauthorized {
		t.Errorf("anonymous POST: %d, want 401", status)
	}
	if status, _ := anon.do(t, http.MethodDelete, "/api/charts/web/1.0.0", "", nil); status != http.StatusUnauthorized {
		t.Errorf("anonymous DELETE: %d, want 401", status)
	}
}

func TestTLS(t *testing.T) {
	s, err := New(context.Background(), Options{StorageDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	srv := httptest.NewUnstartedServer(s)
	srv.Config.ErrorLog = log.New(io.Discard, "", 0) // the refused handshake is expected
	srv.StartTLS()
	defer srv.Close()
	caFile := filepath.Join(t.TempDir(), "ca.pem")
	if err := os.WriteFile(caFile, pemCert(srv.Certificate().Raw), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Upload(archive(t, "web", "1.0.0", 0), nil, false); err != nil {
		t.Fatal(err)
	}
	if _, _, _, err := repo.FetchIndex(context.Background(), srv.URL, repo.ClientOptions{}); err == nil || !strings.Contains(err.Error(), "certificate") {
		t.Fatalf("unverified server: %v", err)
	}
	idx, _, _, err := repo.FetchIndex(context.Background(), srv.URL, repo.ClientOptions{CAFile: caFile})
	if err != nil || !idx.Has("web", "1.0.0") {
		t.Fatalf("with the CA: %v", err)
	}
}

// Each upload rewrites the index from the one in memory: earlier entries keep
// their creation times, and a new server on the same folder serves the same index.
func TestIndexIsIncremental(t *testing.T) {
	now := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	clock := func() time.Time { now = now.Add(time.Minute); return now }
	dir := t.TempDir()
	ts := start(t, Options{StorageDir: dir, Now: clock, AllowAnonymousWrites: true})
	ts.do(t, http.MethodPost, "/api/charts", "", archive(t, "web", "1.0.0", 0))
	first := ts.index(t).Entries["web"][0].Created
	ts.do(t, http.MethodPost, "/api/charts", "", archive(t, "web", "1.1.0", 0))
	ts.do(t, http.MethodPost, "/api/charts", "", archive(t, "db", "2.0.0", 0))
	idx := ts.index(t)
	if v, _ := idx.Get("web", "1.0.0"); !v.Created.Equal(first) {
		t.Errorf("web 1.0.0 created %v, then %v", first, v.Created)
	}
	if len(idx.Entries["web"]) != 2 || idx.Entries["web"][0].Version != "1.1.0" {
		t.Errorf("web versions: %+v", idx.Entries["web"])
	}
	before := string(ts.s.Index())
	if _, err := New(context.Background(), Options{StorageDir: dir}); !errors.Is(err, ErrFolderInUse) {
		t.Fatalf("second server on the folder: %v, want ErrFolderInUse", err)
	}
	ts.Close()
	ts.s.Close()
	again, err := New(context.Background(), Options{StorageDir: dir, Now: func() time.Time { return now }})
	if err != nil {
		t.Fatal(err)
	}
	defer again.Close()
	if after := string(again.Index()); after != before {
		t.Errorf("restart changed the index:\n%s\n---\n%s", before, after)
	}
}

// TestInterruptedUpload: a client that disconnects midway leaves nothing behind.
func TestInterruptedUpload(t *testing.T) {
	ts := start(t, Options{AllowAnonymousWrites: true})
	ts.do(t, http.MethodPost, "/api/charts", "", archive(t, "web", "1.0.0", 0))
	before := ts.index(t)
	big := archive(t, "big", "1.0.0", 2<<20)

	conn, err := net.Dial("tcp", ts.Listener.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	fmt.Fprintf(conn, "POST /api/charts HTTP/1.1\r\nHost: x\r\nContent-Type: application/gzip\r\nContent-Length: %d\r\n\r\n", len(big))
	if _, err := conn.Write(big[:len(big)/2]); err != nil {
		t.Fatal(err)
	}
	conn.Close()
	// The next request is served once the interrupted one is done with.
	if status, msg := ts.do(t, http.MethodPost, "/api/charts", "", archive(t, "db", "0.1.0", 0)); status != http.StatusCreated {
		t.Fatalf("upload after the interrupted one: %d %s", status, msg)
	}
	idx := ts.index(t)
	if idx.Has("big", "1.0.0") || !idx.Has("web", "1.0.0") || len(idx.Entries) != len(before.Entries)+1 {
		t.Errorf("entries after an interrupted upload: %v", idx.Entries)
	}
	if _, err := os.Stat(filepath.Join(ts.dir, "big-1.0.0.tgz")); !os.IsNotExist(err) {
		t.Error("partial chart stored")
	}
	waitNoTempFiles(t, ts.dir) // the interrupted upload's, once its handler sees the end
	assertNoStrayFiles(t, ts.dir)
}

// TestReconcileAfterCrash sets up what a crash can leave at each step of an
// upload or a deletion, and checks that a server started on the folder serves an
// index that matches the archives.
func TestReconcileAfterCrash(t *testing.T) {
	dir := t.TempDir()
	ts := start(t, Options{StorageDir: dir, AllowAnonymousWrites: true})
	for _, c := range [][]byte{archive(t, "web", "1.0.0", 0), archive(t, "gone", "1.0.0", 0), archive(t, "swapped", "1.0.0", 8)} {
		if status, msg := ts.do(t, http.MethodPost, "/api/charts", "", c); status != http.StatusCreated {
			t.Fatal(status, msg)
		}
	}
	ts.Close()
	ts.s.Close()
	past := time.Now().Add(-time.Hour)
	if err := os.Chtimes(filepath.Join(dir, "index.yaml"), past, past); err != nil {
		t.Fatal(err)
	}
	// Killed while writing an upload's temporary file.
	if err := os.WriteFile(filepath.Join(dir, ".tmp-123"), []byte("half a chart"), 0o600); err != nil {
		t.Fatal(err)
	}
	// Killed after an upload's rename, before the index was written.
	late := archive(t, "late", "0.1.0", 0)
	if err := os.WriteFile(filepath.Join(dir, "late-0.1.0.tgz"), late, 0o644); err != nil {
		t.Fatal(err)
	}
	// Killed during a deletion, after the archive was removed.
	if err := os.Remove(filepath.Join(dir, "gone-1.0.0.tgz")); err != nil {
		t.Fatal(err)
	}
	// Killed after a forced upload replaced an archive, before the index was written.
	swapped := archive(t, "swapped", "1.0.0", 16)
	if err := os.WriteFile(filepath.Join(dir, "swapped-1.0.0.tgz"), swapped, 0o644); err != nil {
		t.Fatal(err)
	}

	s, err := New(context.Background(), Options{StorageDir: dir})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	idx, _, err := repo.ParseIndex(s.Index())
	if err != nil {
		t.Fatal(err)
	}
	if !idx.Has("web", "1.0.0") || !idx.Has("late", "0.1.0") || idx.Has("gone", "1.0.0") {
		t.Errorf("entries: %v", idx.Entries)
	}
	want, _ := repo.Digest(bytes.NewReader(swapped))
	if v, _ := idx.Get("swapped", "1.0.0"); v == nil || v.Digest != want {
		t.Errorf("swapped archive indexed with a stale digest: %+v", v)
	}
	assertNoStrayFiles(t, dir)
	assertIndexMatchesFolder(t, dir)
}

// assertNoStrayFiles fails on temporary files left in a storage folder.
func assertNoStrayFiles(t *testing.T, dir string) {
	t.Helper()
	entries, _ := os.ReadDir(dir)
	for _, e := range entries {
		if strings.HasPrefix(e.Name(), ".") && e.Name() != lockFile {
			t.Errorf("stray file %s", e.Name())
		}
	}
}

// waitNoTempFiles waits, for a few seconds at most, until the storage folder
// holds no temporary file.
func waitNoTempFiles(t *testing.T, dir string) {
	t.Helper()
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
		if tmps, _ := filepath.Glob(filepath.Join(dir, atomicfile.TempPrefix+"*")); len(tmps) == 0 {
			return
		}
	}
}

// assertIndexMatchesFolder checks that index.yaml parses, that every entry's
// archive is there, loads and has the indexed digest, and that every archive is
// indexed.
func assertIndexMatchesFolder(t *testing.T, dir string) {
	t.Helper()
	idx, _, err := repo.LoadIndexFile(filepath.Join(dir, "index.yaml"))
	if err != nil {
		t.Fatalf("index.yaml: %v", err)
	}
	indexed := map[string]bool{}
	for name, vs := range idx.Entries {
		for _, v := range vs {
			file := filepath.Join(dir, filepath.Base(v.URLs[0]))
			if _, err := chart.LoadFile(file); err != nil {
				t.Errorf("%s %s: archive %s: %v", name, v.Version, file, err)
				continue
			}
			if d, _ := repo.DigestFile(file); d != v.Digest {
				t.Errorf("%s %s: digest %s, index says %s", name, v.Version, d, v.Digest)
			}
			indexed[filepath.Base(file)] = true
		}
	}
	archives, _ := filepath.Glob(filepath.Join(dir, "*.tgz"))
	for _, a := range archives {
		if !indexed[filepath.Base(a)] {
			t.Errorf("archive %s not indexed", filepath.Base(a))
		}
	}
}
