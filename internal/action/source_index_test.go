package action

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"os"
	"testing"
	"time"

	"github.com/rudderpm/rudder/internal/chart"
	"github.com/rudderpm/rudder/internal/repo"
)

// LocateInIndex resolves a version range in an index fetched once and downloads
// the chart, checking its digest; a name the index lacks is a clear error.
func TestLocateInIndex(t *testing.T) {
	ctx := context.Background()
	srv, _ := startRepoServer(t, testChartArchive(t, "web", "1.0.0"), testChartArchive(t, "web", "1.2.0"), testChartArchive(t, "web", "2.0.0"))
	idx, _, _, err := repo.FetchIndex(ctx, srv.URL, repo.ClientOptions{})
	if err != nil {
		t.Fatal(err)
	}
	src := &ChartSource{ContentCache: t.TempDir()}
	lc, err := src.LocateInIndex(ctx, idx, ChartRequest{Ref: "web", Version: ">=1.0.0 <2.0.0", RepoURL: srv.URL})
	if err != nil {
		t.Fatal(err)
	}
	if lc.FileName != "web-1.2.0.tgz" || lc.Digest == "" {
		t.Fatalf("located %+v, want web-1.2.0.tgz with a digest", lc)
	}
	if _, err := os.Stat(lc.Path); err != nil {
		t.Fatalf("the chart is not in the content cache: %v", err)
	}
	if _, err := src.LocateInIndex(ctx, idx, ChartRequest{Ref: "nope", RepoURL: srv.URL}); err == nil {
		t.Fatal("a chart the index lacks was located")
	}
	// A tampered index entry: the download does not match the digest it promises.
	idx.Entries["web"][0].Digest = "0000000000000000000000000000000000000000000000000000000000000000"
	if _, err := src.LocateInIndex(ctx, idx, ChartRequest{Ref: "web", Version: "2.0.0", RepoURL: srv.URL}); !errors.Is(err, ErrDigestMismatch) {
		t.Fatalf("tampered digest: err = %v, want ErrDigestMismatch", err)
	}
}

// A request's Timeout bounds the chart's download: a repository that never
// answers fails the request within it, not within the client's default.
func TestLocateInIndexTimeout(t *testing.T) {
	hang := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { <-r.Context().Done() }))
	defer hang.Close()
	idx := repo.NewIndexFile(time.Now())
	if err := idx.Add(&chart.Metadata{APIVersion: "v2", Name: "web", Version: "1.0.0"}, "web-1.0.0.tgz", hang.URL, "", time.Now()); err != nil {
		t.Fatal(err)
	}
	src := &ChartSource{ContentCache: t.TempDir()}
	began := time.Now()
	_, err := src.LocateInIndex(t.Context(), idx, ChartRequest{Ref: "web", RepoURL: hang.URL, Timeout: 300 * time.Millisecond})
	if err == nil {
		t.Fatal("a chart was located on a repository that never answers")
	}
	if d := time.Since(began); d > 5*time.Second {
		t.Fatalf("the download failed after %v, want about its 300ms timeout: %v", d, err)
	}
}
