package action

import (
	"context"
	"errors"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/rudderpm/rudder/internal/chart"
	"github.com/rudderpm/rudder/internal/release"
	"github.com/rudderpm/rudder/internal/storage"
)

// rev is one revision to store: namespace/name, version, status, deployed
// minutes after a fixed time, and user labels.
type rev struct {
	ns, name string
	version  int
	status   release.Status
	minute   int
	labels   map[string]string
}

var t0 = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

func newStore(t *testing.T, revs ...rev) *storage.Storage {
	t.Helper()
	mem := storage.NewMemory("", storage.DriverOptions{})
	for _, r := range revs {
		rel := &release.Release{
			Name:      r.name,
			Namespace: r.ns,
			Version:   r.version,
			Labels:    r.labels,
			Chart:     &chart.Chart{Metadata: &chart.Metadata{Name: "c", Version: "1.0.0"}},
			Info: &release.Info{
				Status:       r.status,
				LastDeployed: t0.Add(time.Duration(r.minute) * time.Minute),
				Description:  "revision " + strconv.Itoa(r.version),
			},
		}
		if err := mem.InNamespace(r.ns).Create(context.Background(), rel); err != nil {
			t.Fatal(err)
		}
	}
	return storage.New(mem, storage.Options{})
}

// listed names the releases as ns/name.vN.
func listed(rels []*release.Release) string {
	var s []string
	for _, r := range rels {
		s = append(s, r.Namespace+"/"+r.Name+".v"+strconv.Itoa(r.Version))
	}
	return strings.Join(s, " ")
}

func TestList(t *testing.T) {
	store := newStore(t,
		rev{"a", "web", 1, release.StatusSuperseded, 1, nil},
		rev{"a", "web", 2, release.StatusSuperseded, 5, nil},
		rev{"a", "web", 3, release.StatusDeployed, 9, map[string]string{"team": "blue"}},
		rev{"a", "db", 1, release.StatusDeployed, 2, map[string]string{"team": "red"}},
		rev{"a", "db", 2, release.StatusFailed, 3, map[string]string{"team": "red"}},
		rev{"a", "old", 1, release.StatusUninstalled, 7, nil},
		rev{"a", "busy", 1, release.StatusPendingUpgrade, 4, nil},
		rev{"a", "odd", 1, release.StatusUnknown, 4, nil},
		rev{"a", "gone", 1, release.StatusUninstalling, 8, nil},
		rev{"b", "web", 1, release.StatusDeployed, 6, map[string]string{"team": "blue"}},
		rev{"b", "api", 1, release.StatusPendingInstall, 6, nil},
	)
	all := "b/api.v1 a/busy.v1 a/db.v2 a/gone.v1 a/old.v1 a/web.v3 b/web.v1"
	tests := []struct {
		name string
		opts ListOptions
		want string
	}{
		{"latest revisions by name, unknown status left out", ListOptions{}, all},
		{"all states is the default", ListOptions{States: ListAll}, all},
		{"reverse", ListOptions{Sort: SortByNameReverse}, "b/web.v1 a/web.v3 a/old.v1 a/gone.v1 a/db.v2 a/busy.v1 b/api.v1"},
		{"by date, oldest first", ListOptions{Sort: SortByDate}, "a/db.v2 a/busy.v1 b/api.v1 b/web.v1 a/old.v1 a/gone.v1 a/web.v3"},
		{"by date, newest first", ListOptions{Sort: SortByDateReverse}, "a/web.v3 a/gone.v1 a/old.v1 b/web.v1 b/api.v1 a/busy.v1 a/db.v2"},
		{"deployed", ListOptions{States: ListDeployed}, "a/web.v3 b/web.v1"},
		// db's first revision is deployed, but its latest failed.
		{"state of the latest revision only", ListOptions{States: ListDeployed | ListUninstalled}, "a/old.v1 a/web.v3 b/web.v1"},
		{"pending", ListOptions{States: ListPending}, "b/api.v1 a/busy.v1"},
		{"uninstalling", ListOptions{States: ListUninstalling}, "a/gone.v1"},
		{"superseded alone lists old revisions", ListOptions{States: ListSuperseded}, "a/web.v1 a/web.v2"},
		{"superseded with another state lists latest ones", ListOptions{States: ListSuperseded | ListFailed}, "a/db.v2"},
		{"unknown", ListOptions{States: ListUnknown}, "a/odd.v1"},
		{"filter", ListOptions{Filter: "^(w|d)"}, "a/db.v2 a/web.v3 b/web.v1"},
		{"user label", ListOptions{Selector: "team=blue"}, "a/web.v3 b/web.v1"},
		// The record of db's latest revision has status=failed.
		{"system label of the latest revision", ListOptions{Selector: "status=deployed"}, "a/web.v3 b/web.v1"},
		{"selector with filter", ListOptions{Selector: "team!=blue", Filter: "b"}, "a/busy.v1 a/db.v2"},
		{"limit", ListOptions{Limit: 2}, "b/api.v1 a/busy.v1"},
		{"offset and limit", ListOptions{Offset: 2, Limit: 2}, "a/db.v2 a/gone.v1"},
		{"offset to the end", ListOptions{Offset: 6}, "b/web.v1"},
		{"offset past the end", ListOptions{Offset: 7}, ""},
		{"limit 0 is no limit", ListOptions{Limit: 0, Offset: 5}, "a/web.v3 b/web.v1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rels, err := List{Releases: store, Options: tt.opts}.Run(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			if rels == nil {
				t.Error("nil listing; want an empty one")
			}
			if got := listed(rels); got != tt.want {
				t.Errorf("got  %s\nwant %s", got, tt.want)
			}
		})
	}
}

func TestListOneNamespace(t *testing.T) {
	mem := storage.NewMemory("", storage.DriverOptions{})
	for _, ns := range []string{"a", "b"} {
		rel := &release.Release{Name: "web", Namespace: ns, Version: 1, Info: &release.Info{Status: release.StatusDeployed}}
		if err := mem.InNamespace(ns).Create(context.Background(), rel); err != nil {
			t.Fatal(err)
		}
	}
	b := storage.New(mem.InNamespace("b"), storage.Options{})
	rels, err := List{Releases: b}.Run(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if got := listed(rels); got != "b/web.v1" {
		t.Errorf("got %s", got)
	}
}

func TestListErrors(t *testing.T) {
	store := newStore(t)
	for _, opts := range []ListOptions{{Filter: "[a"}, {Selector: "a b"}} {
		if _, err := (List{Releases: store, Options: opts}).Run(context.Background()); err == nil {
			t.Errorf("%+v: no error", opts)
		}
	}
}

func TestListSortTies(t *testing.T) {
	// Same name in two namespaces, same second: the order is still fixed.
	store := newStore(t,
		rev{"b", "web", 1, release.StatusDeployed, 1, nil},
		rev{"a", "web", 1, release.StatusDeployed, 1, nil},
	)
	for _, by := range []ListSort{SortByName, SortByDate} {
		rels, err := List{Releases: store, Options: ListOptions{Sort: by}}.Run(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		if got := listed(rels); got != "a/web.v1 b/web.v1" {
			t.Errorf("sort %d: got %s", by, got)
		}
	}
}

func TestHistory(t *testing.T) {
	store := newStore(t,
		rev{"a", "web", 1, release.StatusSuperseded, 1, nil},
		rev{"a", "web", 2, release.StatusSuperseded, 2, nil},
		rev{"a", "web", 3, release.StatusDeployed, 3, nil},
		rev{"a", "db", 1, release.StatusDeployed, 3, nil},
	)
	ns := storage.New(store.Driver().(*storage.Memory).InNamespace("a"), storage.Options{})
	for _, tt := range []struct {
		max  int
		want string
	}{{0, "a/web.v1 a/web.v2 a/web.v3"}, {2, "a/web.v2 a/web.v3"}, {1, "a/web.v3"}, {5, "a/web.v1 a/web.v2 a/web.v3"}, {-1, "a/web.v1 a/web.v2 a/web.v3"}} {
		revs, err := History{Releases: ns, Max: tt.max}.Run(context.Background(), "web")
		if err != nil {
			t.Fatal(err)
		}
		if got := listed(revs); got != tt.want {
			t.Errorf("max %d: got %s, want %s", tt.max, got, tt.want)
		}
	}
	if _, err := (History{Releases: ns}).Run(context.Background(), "missing"); !errors.Is(err, storage.ErrReleaseNotFound) {
		t.Errorf("missing release: %v", err)
	}
	_, err := History{Releases: ns}.Run(context.Background(), "Bad_Name")
	if err == nil || err.Error() != "release name is invalid: Bad_Name" {
		t.Errorf("bad name: %v", err)
	}
}
