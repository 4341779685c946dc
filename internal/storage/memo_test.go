package storage

import (
	"net/http"
	"strings"
	"sync/atomic"
	"testing"

	"k8s.io/client-go/kubernetes"

	"github.com/rudderpm/rudder/internal/release"
	"github.com/rudderpm/rudder/internal/testenv"
)

// The memo driver keeps every promise of a driver: what it answers from memory
// is what the API server would have answered, as nothing else writes there.
func TestSecretsMemoContract(t *testing.T) {
	testDriverContract(t, kubeFactory(func(env *testenv.Env, ns string, opts DriverOptions) Driver {
		d, _ := NewSecretsMemo(env.Clientset().CoreV1(), ns, opts)
		return d
	}))
}

// listCounter counts the requests that list Secrets.
type listCounter struct {
	next  http.RoundTripper
	lists *atomic.Int32
}

func (c listCounter) RoundTrip(req *http.Request) (*http.Response, error) {
	if req.Method == http.MethodGet && strings.HasSuffix(req.URL.Path, "/secrets") && req.URL.Query().Get("watch") == "" {
		c.lists.Add(1)
	}
	return c.next.RoundTrip(req)
}

// TestSecretsMemoListsOnce: the reads of one release (Last, History,
// Deployed, pruning) cost one list between writes; a write through the driver
// or Forget makes the next read go to the API server, and only those.
func TestSecretsMemoListsOnce(t *testing.T) {
	env := testenv.Start(t)
	ns := env.Namespace(t)
	ctx := t.Context()
	var lists atomic.Int32
	cfg := env.RESTConfig()
	cfg.Wrap(func(rt http.RoundTripper) http.RoundTripper { return listCounter{rt, &lists} })
	counted, err := kubernetes.NewForConfig(cfg)
	if err != nil {
		t.Fatal(err)
	}
	other := NewSecrets(env.Clientset().CoreV1(), ns, DriverOptions{})
	for _, r := range []*release.Release{newRelease("web", 1, release.StatusDeployed), newRelease("web", 2, release.StatusFailed), newRelease("db", 1, release.StatusDeployed)} {
		if err := other.Create(ctx, inNamespace(r, ns)); err != nil {
			t.Fatal(err)
		}
	}
	d, memo := NewSecretsMemo(counted.CoreV1(), ns, DriverOptions{})
	s := New(d, Options{})
	expect := func(step string, lastWeb, listed int) {
		t.Helper()
		last, err := s.Last(ctx, "web")
		if err != nil {
			t.Fatal(err)
		}
		h, err := s.History(ctx, "web")
		if err != nil {
			t.Fatal(err)
		}
		dep, err := s.Deployed(ctx, "web")
		if err != nil {
			t.Fatal(err)
		}
		if err := s.Prune(ctx, "web", 10); err != nil {
			t.Fatal(err)
		}
		if last.Version != lastWeb || len(h) != lastWeb || h[len(h)-1].Version != lastWeb || dep.Version != 1 {
			t.Errorf("%s: last v%d, %d revisions, deployed v%d; want last v%d, %d revisions, deployed v1", step, last.Version, len(h), dep.Version, lastWeb, lastWeb)
		}
		if got := int(lists.Load()); got != listed {
			t.Errorf("%s: %d lists of Secrets so far, want %d", step, got, listed)
		}
	}
	expect("first reads", 2, 1)
	if db, err := s.Last(ctx, "db"); err != nil || db.Version != 1 {
		t.Fatalf("db: %v, %v", db, err)
	}
	expect("another release listed", 2, 2)

	// Written elsewhere: not seen until Forget (the lock taken, in the controller).
	if err := other.Create(ctx, inNamespace(newRelease("web", 3, release.StatusFailed), ns)); err != nil {
		t.Fatal(err)
	}
	expect("written elsewhere", 2, 2)
	memo.Forget()
	expect("after Forget", 3, 3)

	// Written through the memo driver: seen at once.
	if err := s.Create(ctx, inNamespace(newRelease("web", 4, release.StatusFailed), ns), CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	expect("written through it", 4, 4)
}
