package storage

import (
	"context"
	"sync/atomic"
	"testing"
	"time"

	"github.com/rudderpm/rudder/internal/release"
	"github.com/rudderpm/rudder/internal/testenv"
)

// countedAPI counts the objects its kubeAPI reads one by one (chunks, for
// records listed already).
type countedAPI struct {
	kubeAPI
	gets atomic.Int64
}

func (a *countedAPI) get(ctx context.Context, ns, name string) (*kubeObject, error) {
	a.gets.Add(1)
	return a.kubeAPI.get(ctx, ns, name)
}

// Last and Deployed assemble only the revision they return from its chunks, and
// pruning reads only the revisions it deletes: with four chunked revisions, Last
// reads the newest's chunks alone, not all four revisions'.
func TestNewestReadsOnlyItsChunks(t *testing.T) {
	env := testenv.Start(t)
	ns := env.Namespace(t)
	d := kubeDrivers(env, ns)["secret"]
	const size = 5 << 20
	for v := 1; v <= 4; v++ {
		status := release.StatusSuperseded
		if v == 3 {
			status = release.StatusDeployed
		} else if v == 4 {
			status = release.StatusFailed
		}
		mustCreate(t, d, inNamespace(bigRelease("big", v, status, size), ns))
	}
	counted := &countedAPI{kubeAPI: d.api}
	d.api = counted
	s := New(d, Options{})
	ctx := t.Context()
	heads := objects(t, d, ns, "owner=helm")
	if len(heads) != 4 {
		t.Fatalf("heads %v, want 4", heads)
	}
	chunks := len(objects(t, d, ns, "name=big,version=4")) - 1
	if chunks < 2 {
		t.Fatalf("revision 4 has %d chunks, want a chunked record", chunks)
	}

	for _, c := range []struct {
		name    string
		read    func() (*release.Release, error)
		version int
	}{
		{"last", func() (*release.Release, error) { return s.Last(ctx, "big") }, 4},
		{"deployed", func() (*release.Release, error) { return s.Deployed(ctx, "big") }, 3},
	} {
		counted.gets.Store(0)
		start := time.Now()
		rel, err := c.read()
		if err != nil {
			t.Fatal(err)
		}
		took := time.Since(start)
		if rel.Version != c.version || len(rel.Manifest) < 1<<20 {
			t.Errorf("%s: revision %d with a %d-byte manifest, want revision %d whole", c.name, rel.Version, len(rel.Manifest), c.version)
		}
		if got := counted.gets.Load(); got != int64(chunks) {
			t.Errorf("%s read %d objects, want the %d chunks of its revision only", c.name, got, chunks)
		}
		t.Logf("%s of 4 chunked %d MiB revisions: %v, %d objects read", c.name, size>>20, took.Round(time.Millisecond), counted.gets.Load())
	}

	counted.gets.Store(0)
	if err := s.Prune(ctx, "big", 2); err != nil {
		t.Fatal(err)
	}
	// Delete reads what it deletes (an unreadable record is kept): the two
	// pruned revisions' heads and chunks, no more.
	if got, want := counted.gets.Load(), int64(2*(chunks+1)); got != want {
		t.Errorf("prune read %d objects, want %d: those of the 2 revisions it deletes", got, want)
	}
	h, err := s.History(ctx, "big")
	if err != nil {
		t.Fatal(err)
	}
	if len(h) != 2 || h[0].Version != 3 || h[1].Version != 4 {
		t.Errorf("after pruning to 2: %d revisions, want 3 and 4", len(h))
	}
}
