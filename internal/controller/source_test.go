package controller

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/rudderpm/rudder/internal/chart"
	"github.com/rudderpm/rudder/internal/repo"
)

// indexServer serves an index of web at some versions on loopback, or 500
// while it is failing, and counts the requests.
type indexServer struct {
	mu       sync.Mutex
	versions []string
	failing  bool
	hits     atomic.Int32
}

func (s *indexServer) set(failing bool, versions ...string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.failing, s.versions = failing, versions
}

func (s *indexServer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.hits.Add(1)
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.failing || r.URL.Path != "/index.yaml" {
		http.Error(w, "down for the test", http.StatusInternalServerError)
		return
	}
	idx := repo.NewIndexFile(time.Now())
	for _, v := range s.versions {
		if err := idx.Add(&chart.Metadata{APIVersion: "v2", Name: "web", Version: v}, "web-"+v+".tgz", "", "", time.Now()); err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
	}
	data, err := idx.Marshal()
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	_, _ = w.Write(data)
}

// An expired index whose fetch fails is still answered, with the fetch's
// error (a 500, a refused connection); a failed fetch is not tried again by HelmReleases before an interval
// passes, though the HelmRepository's own refresh tries at once; once the
// repository answers, its new index replaces the old.
func TestIndexStoreKeepsLastGoodIndex(t *testing.T) {
	srv := &indexServer{}
	srv.set(false, "1.0.0")
	hs := httptest.NewServer(srv)
	defer hs.Close()
	const interval = 200 * time.Millisecond
	r := &HelmRepository{ObjectMeta: metav1.ObjectMeta{Namespace: "ns", Name: "charts"},
		Spec: HelmRepositorySpec{URL: hs.URL, Interval: metav1.Duration{Duration: interval}}}
	o := repo.ClientOptions{Timeout: 5 * time.Second}
	var store indexStore
	get := func(refresh bool) (indexSnapshot, error) {
		t.Helper()
		return store.get(t.Context(), r, o, refresh)
	}

	snap, err := get(false)
	if err != nil || !snap.index.Has("web", "1.0.0") {
		t.Fatalf("first fetch: index %v, err %v; want web 1.0.0", snap.index, err)
	}
	srv.set(true)
	time.Sleep(interval)
	snap, err = get(false)
	if err == nil || !strings.Contains(err.Error(), "500") {
		t.Fatalf("expired index, failing repository: err %v, want its 500", err)
	}
	if snap.index == nil || !snap.index.Has("web", "1.0.0") {
		t.Fatalf("expired index, failing repository: index %v, want the last good one", snap.index)
	}
	hits := srv.hits.Load()
	if snap, err = get(false); err == nil || snap.index == nil || srv.hits.Load() != hits {
		t.Fatalf("within an interval of a failed fetch: index %v, err %v, %d new requests; want the last good index, the error, no request", snap.index, err, srv.hits.Load()-hits)
	}
	if snap, err = get(true); err == nil || snap.index == nil || srv.hits.Load() != hits+1 {
		t.Fatalf("refresh of a failing repository: index %v, err %v, %d new requests; want the last good index, the error, one request", snap.index, err, srv.hits.Load()-hits)
	}

	srv.set(false, "1.0.0", "1.1.0")
	if snap, err = get(true); err != nil || !snap.index.Has("web", "1.1.0") {
		t.Fatalf("the repository recovered: index %v, err %v; want the new index", snap.index, err)
	}
	if snap, err = get(false); err != nil || !snap.index.Has("web", "1.1.0") {
		t.Fatalf("after recovery: index %v, err %v; want the new index", snap.index, err)
	}

	// A repository that is gone (connection refused) is the same.
	hs.Close()
	time.Sleep(interval)
	if snap, err = get(false); err == nil || !strings.Contains(err.Error(), "refused") || snap.index == nil || !snap.index.Has("web", "1.1.0") {
		t.Fatalf("the repository is gone: index %v, err %v; want the last good index and the refused connection", snap.index, err)
	}

	// Another URL has no last good index.
	r.Spec.URL = hs.URL + "/moved"
	if snap, err = get(false); err == nil || snap.index != nil {
		t.Fatalf("a new URL that fails: index %v, err %v; want no index and the error", snap.index, err)
	}
}
