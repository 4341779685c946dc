package action

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/rudderpm/rudder/internal/chart"
	"github.com/rudderpm/rudder/internal/repo"
	"github.com/rudderpm/rudder/internal/repo/server"
)

// testChartArchive packages a minimal chart.
func testChartArchive(t *testing.T, name, version string) []byte {
	t.Helper()
	var b bytes.Buffer
	c := &chart.Chart{Metadata: &chart.Metadata{APIVersion: "v2", Name: name, Version: version, Description: name + " chart"}}
	if err := chart.WriteArchive(&b, c, chart.ArchiveOptions{}); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// startRepoServer serves a chart repository holding the given charts on loopback.
func startRepoServer(t *testing.T, charts ...[]byte) (*httptest.Server, *server.Server) {
	t.Helper()
	s, err := server.New(context.Background(), server.Options{StorageDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	for _, c := range charts {
		if _, err := s.Upload(c, nil, false); err != nil {
			t.Fatal(err)
		}
	}
	srv := httptest.NewServer(s)
	t.Cleanup(srv.Close)
	return srv, s
}

func TestRepositories(t *testing.T) {
	ctx := context.Background()
	up, _ := startRepoServer(t, testChartArchive(t, "web", "1.0.0"), testChartArchive(t, "web", "1.1.0"))
	down, _ := startRepoServer(t, testChartArchive(t, "db", "0.1.0"))
	home := t.TempDir()
	r := Repositories{Config: filepath.Join(home, "config", "repositories.yaml"), Cache: filepath.Join(home, "cache")}

	if _, err := r.Update(ctx, nil, UpdateOptions{}); !errors.Is(err, ErrNoRepositories) {
		t.Fatalf("update with nothing configured: %v", err)
	}
	if _, err := r.Add(ctx, &repo.Entry{Name: "a/b", URL: up.URL}, false); err == nil || !strings.Contains(err.Error(), "contains '/'") {
		t.Fatalf("name with a slash: %v", err)
	}
	for _, e := range []*repo.Entry{{Name: "up", URL: up.URL}, {Name: "down", URL: down.URL}} {
		if res, err := r.Add(ctx, e, false); err != nil || res.Unchanged {
			t.Fatalf("add %s: %+v %v", e.Name, res, err)
		}
	}
	if res, err := r.Add(ctx, &repo.Entry{Name: "up", URL: up.URL}, false); err != nil || !res.Unchanged {
		t.Fatalf("same add again: %+v %v", res, err)
	}
	if _, err := r.Add(ctx, &repo.Entry{Name: "up", URL: down.URL}, false); err == nil || !strings.Contains(err.Error(), "already exists") {
		t.Fatalf("add over another repository: %v", err)
	}
	if _, err := r.Add(ctx, &repo.Entry{Name: "nowhere", URL: up.URL + "/nowhere"}, false); err == nil || !strings.Contains(err.Error(), "is not a valid chart repository or cannot be reached") {
		t.Fatalf("add of a missing repository: %v", err)
	}
	if fi, err := os.Stat(r.Config); err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("repositories.yaml: %v %v", fi, err)
	}

	down.Close()
	var started, done int
	res, err := r.Update(ctx, nil, UpdateOptions{Started: func(n int) { started = n }, Done: func(UpdateResult) { done++ }})
	if err != nil {
		t.Fatal(err)
	}
	if started != 2 || done != 2 || len(res) != 2 {
		t.Fatalf("started %d, done %d, results %d; want 2 each", started, done, len(res))
	}
	if res[0].Entry.Name != "up" || res[0].Err != nil || res[1].Entry.Name != "down" || res[1].Err == nil {
		t.Fatalf("results: %+v", res)
	}
	if _, err := r.Update(ctx, []string{"up", "nope"}, UpdateOptions{}); err == nil || !strings.Contains(err.Error(), "no repositories found matching 'nope'") {
		t.Fatalf("update of an unknown name: %v", err)
	}

	hits, notices, err := r.Search(ctx, repo.SearchOptions{Term: "web"})
	if err != nil || len(notices) != 0 {
		t.Fatal(err, notices)
	}
	if len(hits) != 1 || hits[0].Name != "up/web" || hits[0].Version.Version != "1.1.0" {
		t.Fatalf("search: %+v", hits)
	}
	// A repository whose cached index is gone is skipped and reported.
	if err := os.Remove(filepath.Join(r.Cache, repo.CacheIndexFile("down"))); err != nil {
		t.Fatal(err)
	}
	_, notices, err = r.Search(ctx, repo.SearchOptions{})
	if err != nil || len(notices) != 1 || notices[0].Repo != "down" || notices[0].Err == nil {
		t.Fatalf("search with a missing cache: %+v %v", notices, err)
	}

	var removed []string
	err = r.Remove([]string{"down", "nope", "up"}, func(n string) { removed = append(removed, n) })
	if err == nil || !strings.Contains(err.Error(), `no repo named "nope" found`) || strings.Join(removed, ",") != "down" {
		t.Fatalf("remove: %v, removed %v", err, removed)
	}
	list, err := r.List()
	if err != nil || len(list) != 1 || list[0].Name != "up" {
		t.Fatalf("list: %+v %v", list, err)
	}
	if err := r.Remove([]string{"up"}, nil); err != nil {
		t.Fatal(err)
	}
	left, _ := os.ReadDir(r.Cache)
	if len(left) != 0 {
		t.Errorf("cache files left: %v", left)
	}
}

// A chart whose bytes do not match the digest its index promises is refused,
// wherever the index comes from.
func TestChartSourceRefusesDigestMismatch(t *testing.T) {
	ctx := context.Background()
	good := testChartArchive(t, "web", "1.0.0")
	tampered := testChartArchive(t, "web", "1.0.0-tampered")
	var serveTampered atomic.Bool
	created := time.Date(2024, 1, 2, 3, 4, 5, 0, time.UTC)
	idx := repo.NewIndexFile(created)
	digest, _ := repo.Digest(bytes.NewReader(good))
	if err := idx.Add(&chart.Metadata{APIVersion: "v2", Name: "web", Version: "1.0.0"}, "web-1.0.0.tgz", "", digest, created); err != nil {
		t.Fatal(err)
	}
	index, err := idx.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/index.yaml":
			_, _ = w.Write(index)
		case "/web-1.0.0.tgz":
			if serveTampered.Load() {
				_, _ = w.Write(tampered)
			} else {
				_, _ = w.Write(good)
			}
		default:
			http.NotFound(w, r)
		}
	}))
	defer srv.Close()

	home := t.TempDir()
	r := Repositories{Config: filepath.Join(home, "repositories.yaml"), Cache: filepath.Join(home, "cache")}
	if _, err := r.Add(ctx, &repo.Entry{Name: "r", URL: srv.URL}, false); err != nil {
		t.Fatal(err)
	}
	for _, req := range []ChartRequest{{Ref: "r/web"}, {Ref: "web", RepoURL: srv.URL}} {
		t.Run(req.Ref, func(t *testing.T) {
			serveTampered.Store(true)
			src := &ChartSource{RepositoryConfig: r.Config, RepositoryCache: r.Cache, ContentCache: t.TempDir()}
			if _, err := src.Locate(ctx, req); !errors.Is(err, ErrDigestMismatch) {
				t.Fatalf("tampered chart: err = %v, want ErrDigestMismatch", err)
			}
			if entries, _ := os.ReadDir(src.ContentCache); len(entries) != 0 {
				t.Errorf("the refused chart was cached: %v", entries)
			}
			serveTampered.Store(false)
			lc, err := src.Locate(ctx, req)
			if err != nil || lc.Digest != digest {
				t.Fatalf("good chart: %+v %v", lc, err)
			}
		})
	}
}

// Concurrent adds take turns on repositories.lock: none is lost.
func TestRepositoriesConcurrentAdds(t *testing.T) {
	srv, _ := startRepoServer(t, testChartArchive(t, "web", "1.0.0"))
	home := t.TempDir()
	r := Repositories{Config: filepath.Join(home, "config", "repositories.yaml"), Cache: filepath.Join(home, "cache")}
	const n = 8
	errs := make(chan error, n)
	for i := range n {
		go func() {
			_, err := r.Add(context.Background(), &repo.Entry{Name: fmt.Sprintf("r%d", i), URL: srv.URL}, false)
			errs <- err
		}()
	}
	for range n {
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
	}
	list, err := r.List()
	if err != nil || len(list) != n {
		t.Fatalf("%d repositories after %d concurrent adds (%v)", len(list), n, err)
	}
}

// An add waiting on a slow repository does not hold repositories.lock: an add of
// another repository meanwhile finishes at once, both are recorded, and a name
// taken during the slow download is not overwritten when it ends.
func TestRepositoriesAddDoesNotLockDuringDownload(t *testing.T) {
	_, fast := startRepoServer(t, testChartArchive(t, "web", "1.0.0"))
	fastSrv := httptest.NewServer(fast)
	t.Cleanup(fastSrv.Close)
	asked := make(chan struct{}, 4)
	slowSrv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		asked <- struct{}{}
		select {
		case <-time.After(3 * time.Second):
		case <-req.Context().Done():
			return
		}
		fast.ServeHTTP(w, req)
	}))
	t.Cleanup(slowSrv.Close)

	home := t.TempDir()
	r := Repositories{Config: filepath.Join(home, "config", "repositories.yaml"), Cache: filepath.Join(home, "cache")}
	ctx := t.Context()
	slowDone := make(chan error, 2)
	go func() {
		_, err := r.Add(ctx, &repo.Entry{Name: "slow", URL: slowSrv.URL}, false)
		slowDone <- err
	}()
	go func() {
		_, err := r.Add(ctx, &repo.Entry{Name: "taken", URL: slowSrv.URL}, false)
		slowDone <- err
	}()
	<-asked
	<-asked // both slow adds are downloading

	start := time.Now()
	for _, name := range []string{"fast", "taken"} {
		if _, err := r.Add(ctx, &repo.Entry{Name: name, URL: fastSrv.URL}, false); err != nil {
			t.Fatalf("add %s: %v", name, err)
		}
	}
	if took := time.Since(start); took > time.Second {
		t.Errorf("the fast adds took %v: they waited for the slow download", took)
	}

	var errs []string
	for range 2 {
		if err := <-slowDone; err != nil {
			errs = append(errs, err.Error())
		}
	}
	if len(errs) != 1 || !strings.Contains(errs[0], "repository name (taken) already exists") {
		t.Fatalf("slow adds: want only the one of the name taken meanwhile to fail, got %q", errs)
	}
	f, err := repo.LoadFile(r.Config)
	if err != nil {
		t.Fatal(err)
	}
	for name, url := range map[string]string{"slow": slowSrv.URL, "fast": fastSrv.URL, "taken": fastSrv.URL} {
		if e := f.Get(name); e == nil || e.URL != url {
			t.Errorf("repository %s: %+v, want URL %s", name, e, url)
		}
	}
	if len(f.Repositories) != 3 {
		t.Errorf("%d repositories, want 3", len(f.Repositories))
	}
}
