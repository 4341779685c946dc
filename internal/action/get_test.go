package action

import (
	"context"
	"errors"
	"reflect"
	"testing"
	"time"

	"github.com/rudderpm/rudder/internal/chart"
	"github.com/rudderpm/rudder/internal/release"
	"github.com/rudderpm/rudder/internal/storage"
)

func TestGet(t *testing.T) {
	store := newStore(t,
		rev{"a", "web", 1, release.StatusSuperseded, 1, nil},
		rev{"a", "web", 2, release.StatusFailed, 2, nil},
	)
	ns := storage.New(store.Driver().(*storage.Memory).InNamespace("a"), storage.Options{})
	ctx := context.Background()
	for _, tt := range []struct {
		revision, want int
	}{{0, 2}, {-1, 2}, {1, 1}, {2, 2}} {
		rel, err := Get{Releases: ns, Revision: tt.revision}.Run(ctx, "web")
		if err != nil {
			t.Fatal(err)
		}
		if rel.Version != tt.want {
			t.Errorf("revision %d: got revision %d, want %d", tt.revision, rel.Version, tt.want)
		}
	}
	for _, tt := range []struct {
		name     string
		revision int
	}{{"web", 3}, {"missing", 0}, {"missing", 1}} {
		if _, err := (Get{Releases: ns, Revision: tt.revision}).Run(ctx, tt.name); !errors.Is(err, storage.ErrReleaseNotFound) {
			t.Errorf("%s revision %d: %v, want not found", tt.name, tt.revision, err)
		}
	}
	if _, err := (Get{Releases: ns}).Run(ctx, "Web"); err == nil || err.Error() != "releaseContent: Release name is invalid: Web" {
		t.Errorf("bad name: %v", err)
	}
}

func TestGetValues(t *testing.T) {
	mem := storage.NewMemory("a", storage.DriverOptions{})
	rel := &release.Release{
		Name: "web", Namespace: "a", Version: 1,
		Info: &release.Info{Status: release.StatusDeployed},
		Chart: &chart.Chart{
			Metadata: &chart.Metadata{Name: "c", Version: "1.0.0"},
			Values:   map[string]any{"image": map[string]any{"repo": "nginx", "tag": "1"}, "replicas": 1.0, "drop": "me"},
		},
		Config: map[string]any{"image": map[string]any{"tag": "2"}, "drop": nil},
	}
	if err := mem.Create(context.Background(), rel); err != nil {
		t.Fatal(err)
	}
	bare := &release.Release{Name: "bare", Namespace: "a", Version: 1, Info: &release.Info{Status: release.StatusDeployed}}
	if err := mem.Create(context.Background(), bare); err != nil {
		t.Fatal(err)
	}
	store := storage.New(mem, storage.Options{})
	ctx := context.Background()

	user, _, err := GetValues{Releases: store}.Run(ctx, "web")
	if err != nil {
		t.Fatal(err)
	}
	if want := rel.Config; !reflect.DeepEqual(user, want) {
		t.Errorf("user values %v, want %v", user, want)
	}
	all, _, err := GetValues{Releases: store, All: true}.Run(ctx, "web")
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]any{"image": map[string]any{"repo": "nginx", "tag": "2"}, "replicas": 1.0}
	if !reflect.DeepEqual(all, want) {
		t.Errorf("computed values %v, want %v", all, want)
	}
	// No chart and no values: nothing, not an error.
	if v, _, err := (GetValues{Releases: store, All: true}).Run(ctx, "bare"); err != nil || len(v) != 0 {
		t.Errorf("bare release: %v, %v", v, err)
	}
	if _, _, err := (GetValues{Releases: store, Revision: 4}).Run(ctx, "web"); !errors.Is(err, storage.ErrReleaseNotFound) {
		t.Errorf("missing revision: %v", err)
	}
}

// TestComputedValuesWarnings: computing a revision's values reports what Helm logs
// each time it does so, here a user's scalar over a default table.
func TestComputedValuesWarnings(t *testing.T) {
	rel := &release.Release{
		Name: "web", Namespace: "a", Version: 1,
		Chart: &chart.Chart{
			Metadata: &chart.Metadata{Name: "c", Version: "1.0.0"},
			Values:   map[string]any{"image": map[string]any{"repo": map[string]any{"host": "x"}}},
		},
		Config: map[string]any{"image": map[string]any{"repo": "nginx"}},
	}
	vals, ws, err := ComputedValues(rel)
	if err != nil {
		t.Fatal(err)
	}
	if want := map[string]any{"image": map[string]any{"repo": "nginx"}}; !reflect.DeepEqual(vals, want) {
		t.Errorf("values %v, want %v", vals, want)
	}
	if len(ws) != 1 || ws[0].String() != "warning: cannot overwrite table with non table for c.image.repo (map[host:x])" {
		t.Errorf("warnings %v", ws)
	}
}

func TestMetadata(t *testing.T) {
	deployed := time.Date(2024, 5, 6, 7, 8, 9, 0, time.UTC)
	rel := &release.Release{Name: "web", Namespace: "ns", Version: 3, ApplyMethod: "ssa", Labels: map[string]string{"team": "a"},
		Chart: &chart.Chart{Metadata: &chart.Metadata{Name: "app", Version: "1.2.3", AppVersion: "4.5",
			Annotations: map[string]string{"k": "v"}, Dependencies: []*chart.Dependency{{Name: "db"}}}},
		Info: &release.Info{Status: release.StatusDeployed, LastDeployed: deployed}}
	want := &ReleaseMetadata{Name: "web", Chart: "app", Version: "1.2.3", AppVersion: "4.5", Annotations: map[string]string{"k": "v"},
		Labels: map[string]string{"team": "a"}, Dependencies: []*chart.Dependency{{Name: "db"}}, Namespace: "ns", Revision: 3,
		Status: "deployed", DeployedAt: "2024-05-06T07:08:09Z", ApplyMethod: "ssa"}
	if got := Metadata(rel); !reflect.DeepEqual(got, want) {
		t.Errorf("Metadata = %+v, want %+v", got, want)
	}
	// A record without its chart or info still has a summary.
	bare := Metadata(&release.Release{Name: "old", Version: 1})
	if bare.Chart != "" || bare.Status != "" || bare.DeployedAt != "0001-01-01T00:00:00Z" {
		t.Errorf("bare summary %+v", bare)
	}
}
