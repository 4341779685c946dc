package storage

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"k8s.io/apimachinery/pkg/labels"

	"github.com/rudderpm/rudder/internal/chart"
	"github.com/rudderpm/rudder/internal/release"
)

// drivers is what one contract test gets from a driver under test: drivers
// over one store in two namespaces, and one reading all namespaces.
type drivers struct {
	ns1, ns2   string
	d1, d2     Driver
	all        Driver
	clock      *fakeClock
	kubernetes bool
	// sql is set for the SQL driver, whose table keeps createdAt on update.
	sql bool
}

// driverFactory makes fresh, empty drivers for t, all on clock.
type driverFactory func(t *testing.T, clock *fakeClock) drivers

// fakeClock is a settable clock for the createdAt and modifiedAt labels.
type fakeClock struct{ unix atomic.Int64 }

func newFakeClock(unix int64) *fakeClock {
	c := &fakeClock{}
	c.unix.Store(unix)
	return c
}

func (c *fakeClock) Now() time.Time { return time.Unix(c.unix.Load(), 0) }
func (c *fakeClock) Set(unix int64) { c.unix.Store(unix) }

// testDriverContract is what every driver must do; run it once per driver.
func testDriverContract(t *testing.T, factory driverFactory) {
	tests := []struct {
		name string
		run  func(t *testing.T, ds drivers)
	}{
		{"CreateGet", contractCreateGet},
		{"CreateExisting", contractCreateExisting},
		{"GetMissing", contractGetMissing},
		{"Update", contractUpdate},
		{"Delete", contractDelete},
		{"History", contractHistory},
		{"Deployed", contractDeployed},
		{"ListSelectorAndFilter", contractList},
		{"Namespaces", contractNamespaces},
		{"InvalidKeysAndLabels", contractInvalid},
		{"UserLabels", contractUserLabels},
		{"TimestampLabels", contractTimestampLabels},
		{"Prune", contractPrune},
		{"ConcurrentCreate", contractConcurrentCreate},
		{"BigRecords", contractBigRecords},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			tt.run(t, factory(t, newFakeClock(1_700_000_000)))
		})
	}
}

var (
	t0     = time.Date(2026, 5, 1, 12, 0, 0, 123456789, time.UTC)
	tChart = &chart.Chart{
		Metadata: &chart.Metadata{APIVersion: "v2", Name: "demo", Version: "1.2.3", AppVersion: "4.5"},
		Templates: []*chart.File{
			{Name: "templates/cm.yaml", Data: []byte("kind: ConfigMap\n")},
		},
		Values: map[string]any{"replicas": float64(1)},
		Files:  []*chart.File{{Name: "README.md", Data: []byte("# demo\n")}},
	}
)

// newRelease is revision version of release name in state status.
func newRelease(name string, version int, status release.Status) *release.Release {
	return &release.Release{
		Name:      name,
		Namespace: "",
		Version:   version,
		Info: &release.Info{
			FirstDeployed: t0,
			LastDeployed:  t0.Add(time.Duration(version) * time.Minute),
			Status:        status,
			Description:   fmt.Sprintf("revision %d", version),
			Notes:         "thanks",
		},
		Chart:    tChart,
		Config:   map[string]any{"replicas": float64(version)},
		Manifest: "---\n# Source: demo/templates/cm.yaml\nkind: ConfigMap\n",
		Hooks: []*release.Hook{{
			Name: "pre", Kind: "Job", Path: "demo/templates/job.yaml", Manifest: "kind: Job\n",
			Events: []release.HookEvent{release.HookPreInstall}, Weight: -5,
			LastRun:        release.HookExecution{StartedAt: t0, CompletedAt: t0.Add(time.Second), Phase: release.HookPhaseSucceeded},
			DeletePolicies: []release.HookDeletePolicy{release.HookBeforeHookCreation},
		}},
		ApplyMethod: string(release.ApplyMethodServerSide),
	}
}

// inNamespace sets rel's namespace to the driver's.
func inNamespace(rel *release.Release, ns string) *release.Release {
	rel.Namespace = ns
	return rel
}

// sameRelease fails t unless got is want, JSON and labels alike.
func sameRelease(t *testing.T, got, want *release.Release) {
	t.Helper()
	if got == nil {
		t.Fatalf("got no release, want %s v%d", want.Name, want.Version)
	}
	gj, _ := json.Marshal(got)
	wj, _ := json.Marshal(want)
	if string(gj) != string(wj) {
		t.Errorf("release %s v%d:\n got %s\nwant %s", want.Name, want.Version, gj, wj)
	}
	if !maps.Equal(got.Labels, want.Labels) {
		t.Errorf("release %s v%d: labels %v, want %v", want.Name, want.Version, got.Labels, want.Labels)
	}
}

func versions(rels []*release.Release) []int {
	vs := make([]int, len(rels))
	for i, r := range rels {
		vs[i] = r.Version
	}
	return vs
}

func mustCreate(t *testing.T, d Driver, rels ...*release.Release) {
	t.Helper()
	for _, rel := range rels {
		if err := d.Create(context.Background(), rel); err != nil {
			t.Fatalf("create %s v%d: %v", rel.Name, rel.Version, err)
		}
	}
}

func wantErr(t *testing.T, err, sentinel error) {
	t.Helper()
	if !errors.Is(err, sentinel) {
		t.Fatalf("error %v, want %v", err, sentinel)
	}
}

func contractCreateGet(t *testing.T, ds drivers) {
	ctx := context.Background()
	rel := inNamespace(newRelease("alpha", 1, release.StatusDeployed), ds.ns1)
	rel.Labels = map[string]string{"team": "a"}
	mustCreate(t, ds.d1, rel)
	got, err := ds.d1.Get(ctx, "alpha", 1)
	if err != nil {
		t.Fatal(err)
	}
	sameRelease(t, got, rel)
	if got == rel || got.Info == rel.Info || got.Chart == rel.Chart {
		t.Error("Get returned the caller's values, not a copy")
	}
	// Changing what was read does not change what is stored.
	got.Info.Status = release.StatusFailed
	again, _ := ds.d1.Get(ctx, "alpha", 1)
	if again.Info.Status != release.StatusDeployed {
		t.Errorf("stored status changed to %s by a change to a read copy", again.Info.Status)
	}
}

func contractCreateExisting(t *testing.T, ds drivers) {
	ctx := context.Background()
	first := inNamespace(newRelease("alpha", 1, release.StatusDeployed), ds.ns1)
	mustCreate(t, ds.d1, first)
	second := inNamespace(newRelease("alpha", 1, release.StatusFailed), ds.ns1)
	err := ds.d1.Create(ctx, second)
	wantErr(t, err, ErrReleaseExists)
	var re *ReleaseError
	if !errors.As(err, &re) || re.Name != "alpha" || re.Version != 1 {
		t.Errorf("error %#v does not name alpha revision 1", err)
	}
	if want := `"alpha" revision 1: release: already exists`; err.Error() != want {
		t.Errorf("error %q, want %q", err, want)
	}
	got, err := ds.d1.Get(ctx, "alpha", 1)
	if err != nil {
		t.Fatal(err)
	}
	if got.Info.Status != release.StatusDeployed {
		t.Errorf("failed create overwrote the record: status %s", got.Info.Status)
	}
}

func contractGetMissing(t *testing.T, ds drivers) {
	ctx := context.Background()
	s := New(ds.d1, Options{})
	_, err := s.Get(ctx, "ghost", 3)
	wantErr(t, err, ErrReleaseNotFound)
	if want := `"ghost" revision 3: release: not found`; err.Error() != want {
		t.Errorf("error %q, want %q", err, want)
	}
	var re *ReleaseError
	if !errors.As(err, &re) || re.Name != "ghost" || re.Version != 3 || re.Namespace != ds.ns1 {
		t.Errorf("error %#v does not name %s/ghost revision 3", err, ds.ns1)
	}
	_, err = s.History(ctx, "ghost")
	wantErr(t, err, ErrReleaseNotFound)
	_, err = s.Last(ctx, "ghost")
	wantErr(t, err, ErrReleaseNotFound)
	// A revision of another release is not a revision of this one.
	mustCreate(t, ds.d1, inNamespace(newRelease("ghost-town", 3, release.StatusDeployed), ds.ns1))
	_, err = s.Get(ctx, "ghost", 3)
	wantErr(t, err, ErrReleaseNotFound)
	_, err = s.History(ctx, "ghost")
	wantErr(t, err, ErrReleaseNotFound)
}

func contractUpdate(t *testing.T, ds drivers) {
	ctx := context.Background()
	s := New(ds.d1, Options{})
	rel := inNamespace(newRelease("alpha", 1, release.StatusPendingInstall), ds.ns1)
	mustCreate(t, ds.d1, rel)
	rel.SetStatus(release.StatusDeployed, "Install complete")
	rel.Manifest += "---\nkind: Secret\n"
	if err := s.Update(ctx, rel); err != nil {
		t.Fatal(err)
	}
	got, err := s.Get(ctx, "alpha", 1)
	if err != nil {
		t.Fatal(err)
	}
	sameRelease(t, got, rel)
	// The status label follows the status.
	deployed, err := s.ListDeployed(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(versions(deployed), []int{1}) {
		t.Errorf("deployed after update: revisions %v, want [1]", versions(deployed))
	}
	pending, err := s.ListReleases(ctx, ListOptions{Selector: labels.SelectorFromSet(labels.Set{"status": "pending-install"})})
	if err != nil {
		t.Fatal(err)
	}
	if len(pending) != 0 {
		t.Errorf("status label still pending-install on %d records", len(pending))
	}

	err = s.Update(ctx, inNamespace(newRelease("alpha", 2, release.StatusDeployed), ds.ns1))
	wantErr(t, err, ErrReleaseNotFound)
	if _, err := s.Get(ctx, "alpha", 2); !errors.Is(err, ErrReleaseNotFound) {
		t.Errorf("update of a missing revision created it (get: %v)", err)
	}
}

func contractDelete(t *testing.T, ds drivers) {
	ctx := context.Background()
	s := New(ds.d1, Options{})
	one := inNamespace(newRelease("alpha", 1, release.StatusSuperseded), ds.ns1)
	two := inNamespace(newRelease("alpha", 2, release.StatusDeployed), ds.ns1)
	two.Labels = map[string]string{"keep": "me"}
	mustCreate(t, ds.d1, one, two)
	got, err := s.Delete(ctx, "alpha", 2)
	if err != nil {
		t.Fatal(err)
	}
	sameRelease(t, got, two)
	_, err = s.Get(ctx, "alpha", 2)
	wantErr(t, err, ErrReleaseNotFound)
	_, err = s.Delete(ctx, "alpha", 2)
	wantErr(t, err, ErrReleaseNotFound)
	h, err := s.History(ctx, "alpha")
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(versions(h), []int{1}) {
		t.Errorf("history after delete: %v, want [1]", versions(h))
	}
}

func contractHistory(t *testing.T, ds drivers) {
	ctx := context.Background()
	s := New(ds.d1, Options{})
	// Out of order, and past 9 so that names do not sort as numbers do.
	for _, v := range []int{3, 11, 1, 10, 2, 9} {
		status := release.StatusSuperseded
		if v == 11 {
			status = release.StatusFailed
		}
		mustCreate(t, ds.d1, inNamespace(newRelease("alpha", v, status), ds.ns1))
	}
	mustCreate(t, ds.d1, inNamespace(newRelease("alphabet", 12, release.StatusDeployed), ds.ns1))
	h, err := s.History(ctx, "alpha")
	if err != nil {
		t.Fatal(err)
	}
	if want := []int{1, 2, 3, 9, 10, 11}; !slices.Equal(versions(h), want) {
		t.Errorf("history revisions %v, want %v", versions(h), want)
	}
	for _, r := range h {
		if r.Name != "alpha" || r.Info.Description != fmt.Sprintf("revision %d", r.Version) {
			t.Errorf("history holds %s v%d %q", r.Name, r.Version, r.Info.Description)
		}
	}
	last, err := s.Last(ctx, "alpha")
	if err != nil {
		t.Fatal(err)
	}
	if last.Version != 11 || last.Info.Status != release.StatusFailed {
		t.Errorf("last is v%d %s, want v11 failed", last.Version, last.Info.Status)
	}
}

func contractDeployed(t *testing.T, ds drivers) {
	ctx := context.Background()
	s := New(ds.d1, Options{})
	mustCreate(t, ds.d1,
		inNamespace(newRelease("alpha", 1, release.StatusSuperseded), ds.ns1),
		inNamespace(newRelease("alpha", 2, release.StatusDeployed), ds.ns1),
		inNamespace(newRelease("alpha", 3, release.StatusFailed), ds.ns1),
		inNamespace(newRelease("beta", 1, release.StatusFailed), ds.ns1),
	)
	d, err := s.Deployed(ctx, "alpha")
	if err != nil {
		t.Fatal(err)
	}
	if d.Version != 2 {
		t.Errorf("deployed is v%d, want v2", d.Version)
	}
	_, err = s.Deployed(ctx, "beta")
	wantErr(t, err, ErrNoDeployedReleases)
	if want := `"beta" has no deployed releases`; err.Error() != want {
		t.Errorf("error %q, want Helm's %q", err, want)
	}
	_, err = s.DeployedAll(ctx, "nobody")
	wantErr(t, err, ErrNoDeployedReleases)

	// An interrupted upgrade can leave two deployed: the newest is the one.
	mustCreate(t, ds.d1, inNamespace(newRelease("alpha", 4, release.StatusDeployed), ds.ns1))
	all, err := s.DeployedAll(ctx, "alpha")
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(versions(all), []int{2, 4}) {
		t.Errorf("all deployed: %v, want [2 4]", versions(all))
	}
	if d, _ := s.Deployed(ctx, "alpha"); d == nil || d.Version != 4 {
		t.Errorf("deployed with two: %v, want v4", d)
	}
}

func contractList(t *testing.T, ds drivers) {
	ctx := context.Background()
	s := New(ds.d1, Options{})
	a1 := inNamespace(newRelease("alpha", 1, release.StatusSuperseded), ds.ns1)
	a2 := inNamespace(newRelease("alpha", 2, release.StatusDeployed), ds.ns1)
	b1 := inNamespace(newRelease("beta", 1, release.StatusUninstalled), ds.ns1)
	c1 := inNamespace(newRelease("gamma", 1, release.StatusFailed), ds.ns1)
	a1.Labels = map[string]string{"team": "a"}
	a2.Labels = map[string]string{"team": "a", "tier": "web"}
	b1.Labels = map[string]string{"team": "b"}
	mustCreate(t, ds.d1, c1, b1, a2, a1)

	key := func(rels []*release.Release) []string {
		var ks []string
		for _, r := range rels {
			ks = append(ks, r.Name+".v"+strconv.Itoa(r.Version))
		}
		return ks
	}
	sel := func(s string) labels.Selector {
		t.Helper()
		sel, err := labels.Parse(s)
		if err != nil {
			t.Fatal(err)
		}
		return sel
	}
	tests := []struct {
		opts ListOptions
		want []string
	}{
		{ListOptions{}, []string{"alpha.v1", "alpha.v2", "beta.v1", "gamma.v1"}},
		{ListOptions{Selector: sel("team=a")}, []string{"alpha.v1", "alpha.v2"}},
		{ListOptions{Selector: sel("team")}, []string{"alpha.v1", "alpha.v2", "beta.v1"}},
		{ListOptions{Selector: sel("!team")}, []string{"gamma.v1"}},
		{ListOptions{Selector: sel("team=a,tier=web")}, []string{"alpha.v2"}},
		// System labels are selectable too, as with helm list --selector.
		{ListOptions{Selector: sel("status in (deployed,failed)")}, []string{"alpha.v2", "gamma.v1"}},
		{ListOptions{Selector: sel("name=beta,owner=helm")}, []string{"beta.v1"}},
		{ListOptions{Selector: sel("version=1,team!=b")}, []string{"alpha.v1", "gamma.v1"}},
		{ListOptions{Filter: func(r *release.Release) bool { return r.Version == 2 }}, []string{"alpha.v2"}},
		{ListOptions{Selector: sel("team=a"), Filter: func(r *release.Release) bool { return r.Info.Status == release.StatusSuperseded }},
			[]string{"alpha.v1"}},
		{ListOptions{Selector: sel("team=nobody")}, nil},
	}
	for _, tt := range tests {
		got, err := s.ListReleases(ctx, tt.opts)
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(key(got), tt.want) {
			t.Errorf("list %v: %v, want %v", tt.opts.Selector, key(got), tt.want)
		}
	}
	deployed, err := s.ListDeployed(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(key(deployed), []string{"alpha.v2"}) {
		t.Errorf("deployed: %v", key(deployed))
	}
	sameRelease(t, deployed[0], a2)
	uninstalled, err := s.ListUninstalled(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(key(uninstalled), []string{"beta.v1"}) {
		t.Errorf("uninstalled: %v", key(uninstalled))
	}
}

func contractNamespaces(t *testing.T, ds drivers) {
	ctx := context.Background()
	in1 := inNamespace(newRelease("alpha", 1, release.StatusDeployed), ds.ns1)
	in2 := inNamespace(newRelease("alpha", 1, release.StatusFailed), ds.ns2)
	mustCreate(t, ds.d1, in1)
	mustCreate(t, ds.d2, in2)

	for _, c := range []struct {
		d    Driver
		want *release.Release
	}{{ds.d1, in1}, {ds.d2, in2}} {
		got, err := c.d.Get(ctx, "alpha", 1)
		if err != nil {
			t.Fatal(err)
		}
		sameRelease(t, got, c.want)
		h, err := New(c.d, Options{}).History(ctx, "alpha")
		if err != nil {
			t.Fatal(err)
		}
		if len(h) != 1 || h[0].Namespace != c.want.Namespace {
			t.Errorf("history in %s: %d records, first in %q", c.want.Namespace, len(h), h[0].Namespace)
		}
	}

	// A driver for all namespaces lists them all, sorted by namespace...
	all := New(ds.all, Options{})
	// (Other tests' records may be there too: look only at this one's.)
	ours := func(r *release.Release) bool { return r.Namespace == ds.ns1 || r.Namespace == ds.ns2 }
	got, err := all.ListReleases(ctx, ListOptions{Selector: labels.SelectorFromSet(labels.Set{"name": "alpha"}), Filter: ours})
	if err != nil {
		t.Fatal(err)
	}
	wantNS := []string{ds.ns1, ds.ns2}
	slices.Sort(wantNS)
	var gotNS []string
	for _, r := range got {
		gotNS = append(gotNS, r.Namespace)
	}
	if !slices.Equal(gotNS, wantNS) {
		t.Errorf("all namespaces: %v, want %v", gotNS, wantNS)
	}
	// ... writes each release to its own namespace ...
	b := inNamespace(newRelease("beta", 1, release.StatusDeployed), ds.ns2)
	if err := all.Create(ctx, b, CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	if got, err := ds.d2.Get(ctx, "beta", 1); err != nil {
		t.Errorf("release written across namespaces is not in %s: %v", ds.ns2, err)
	} else {
		sameRelease(t, got, b)
	}
	if _, err := ds.d1.Get(ctx, "beta", 1); !errors.Is(err, ErrReleaseNotFound) {
		t.Errorf("release written to %s is also in %s: %v", ds.ns2, ds.ns1, err)
	}
	// ... but cannot tell which namespace to read one revision from.
	_, err = all.Get(ctx, "alpha", 1)
	wantErr(t, err, ErrNamespaceRequired)
	_, err = all.Delete(ctx, "alpha", 1)
	wantErr(t, err, ErrNamespaceRequired)
}

func contractInvalid(t *testing.T, ds drivers) {
	ctx := context.Background()
	s := New(ds.d1, Options{})
	for _, k := range []struct {
		name    string
		version int
	}{{"", 1}, {"alpha", 0}, {"alpha", -1}, {"Alpha_1", 1}, {strings.Repeat("a", 64), 1}, {"a,b", 1}} {
		_, err := s.Get(ctx, k.name, k.version)
		wantErr(t, err, ErrInvalidKey)
		_, err = s.Delete(ctx, k.name, k.version)
		wantErr(t, err, ErrInvalidKey)
		rel := inNamespace(newRelease(k.name, k.version, release.StatusDeployed), ds.ns1)
		wantErr(t, s.Create(ctx, rel, CreateOptions{}), ErrInvalidKey)
		wantErr(t, s.Update(ctx, rel), ErrInvalidKey)
	}
	for _, name := range []string{"", "Alpha_1", "a,b"} {
		_, err := s.History(ctx, name)
		wantErr(t, err, ErrInvalidKey)
		_, err = s.Deployed(ctx, name)
		wantErr(t, err, ErrInvalidKey)
	}
	for _, lbs := range []map[string]string{
		{"status": "mine"}, {"owner": "me"}, {"createdAt": "0"}, {"modifiedAt": "0"},
		{"bad key!": "x"}, {"ok": "bad value!"}, {"ok": strings.Repeat("v", 64)},
	} {
		rel := inNamespace(newRelease("alpha", 1, release.StatusDeployed), ds.ns1)
		rel.Labels = lbs
		wantErr(t, s.Create(ctx, rel, CreateOptions{}), ErrInvalidLabel)
	}
	if _, err := s.History(ctx, "alpha"); !errors.Is(err, ErrReleaseNotFound) {
		t.Errorf("a refused release was stored: %v", err)
	}
	noInfo := inNamespace(newRelease("alpha", 1, release.StatusDeployed), ds.ns1)
	noInfo.Info = nil
	if err := s.Create(ctx, noInfo, CreateOptions{}); err == nil {
		t.Error("stored a release without info, which Helm cannot list")
	}
	withResources := inNamespace(newRelease("alpha", 1, release.StatusDeployed), ds.ns1)
	withResources.Info.Resources = map[string][]json.RawMessage{"v1/Pod": {json.RawMessage(`{"kind":"Pod"}`)}}
	if err := s.Create(ctx, withResources, CreateOptions{}); err == nil || !strings.Contains(err.Error(), "info.resources") {
		t.Errorf("stored a release with info.resources, which Helm cannot decode (error %v)", err)
	}
}

func contractUserLabels(t *testing.T, ds drivers) {
	ctx := context.Background()
	s := New(ds.d1, Options{})
	rel := inNamespace(newRelease("alpha", 1, release.StatusDeployed), ds.ns1)
	rel.Labels = map[string]string{"team": "storage", "example.com/tier": "gold", "empty": ""}
	if err := s.Create(ctx, rel, CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	check := func(how string, got *release.Release) {
		t.Helper()
		if !maps.Equal(got.Labels, rel.Labels) {
			t.Errorf("%s: labels %v, want only the user's %v", how, got.Labels, rel.Labels)
		}
	}
	got, err := s.Get(ctx, "alpha", 1)
	if err != nil {
		t.Fatal(err)
	}
	check("get", got)
	h, err := s.History(ctx, "alpha")
	if err != nil {
		t.Fatal(err)
	}
	check("history", h[0])
	// Update replaces the user's labels: one dropped, one changed.
	rel.Labels = map[string]string{"team": "platform"}
	if err := s.Update(ctx, rel); err != nil {
		t.Fatal(err)
	}
	got, err = s.Get(ctx, "alpha", 1)
	if err != nil {
		t.Fatal(err)
	}
	check("get after update", got)
	l, err := s.ListReleases(ctx, ListOptions{Selector: labels.SelectorFromSet(labels.Set{"example.com/tier": "gold"})})
	if err != nil {
		t.Fatal(err)
	}
	if len(l) != 0 {
		t.Errorf("a label removed by update still selects %d records", len(l))
	}
	// No labels at all reads back as none.
	bare := inNamespace(newRelease("bare", 1, release.StatusDeployed), ds.ns1)
	mustCreate(t, ds.d1, bare)
	got, err = s.Get(ctx, "bare", 1)
	if err != nil {
		t.Fatal(err)
	}
	if len(got.Labels) != 0 {
		t.Errorf("labels %v on a release written without any", got.Labels)
	}
}

func contractTimestampLabels(t *testing.T, ds drivers) {
	ctx := context.Background()
	s := New(ds.d1, Options{})
	count := func(selector string) int {
		t.Helper()
		sel, err := labels.Parse(selector)
		if err != nil {
			t.Fatal(err)
		}
		l, err := s.ListReleases(ctx, ListOptions{Selector: sel})
		if err != nil {
			t.Fatal(err)
		}
		return len(l)
	}
	ds.clock.Set(1_700_000_100)
	rel := inNamespace(newRelease("alpha", 1, release.StatusPendingInstall), ds.ns1)
	if err := s.Create(ctx, rel, CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	if n := count("createdAt=1700000100,!modifiedAt"); n != 1 {
		t.Errorf("a new record is not labelled createdAt=1700000100 without modifiedAt (%d match)", n)
	}
	ds.clock.Set(1_700_000_200)
	rel.SetStatus(release.StatusDeployed, "done")
	if err := s.Update(ctx, rel); err != nil {
		t.Fatal(err)
	}
	if n := count("modifiedAt=1700000200"); n != 1 {
		t.Errorf("an updated record is not labelled modifiedAt=1700000200 (%d match)", n)
	}
	// Helm's Secrets and ConfigMaps drop createdAt when a record is replaced;
	// its SQL table keeps the column.
	want := 0
	if ds.sql {
		want = 1
	}
	if n := count("createdAt=1700000100"); n != want {
		t.Errorf("an updated record labelled createdAt=1700000100 %d times, want %d as in Helm", n, want)
	}
	// Integer comparisons work on them, as on any label.
	if n := count("modifiedAt>1700000100,modifiedAt<1700000201"); n != 1 {
		t.Errorf("modifiedAt does not compare as a number (%d match)", n)
	}
}

func contractPrune(t *testing.T, ds drivers) {
	ctx := context.Background()
	tests := []struct {
		name     string
		statuses []release.Status // of revisions 1..n before the new one
		max      int
		want     []int // revisions after creating n+1
	}{
		{"upgrades", []release.Status{"superseded", "superseded", "superseded", "superseded", "deployed"}, 3, []int{4, 5, 6}},
		{"deployed oldest", []release.Status{"deployed", "failed", "failed", "failed"}, 3, []int{1, 4, 5}},
		{"deployed in the middle", []release.Status{"superseded", "deployed", "failed", "failed", "failed"}, 3, []int{2, 5, 6}},
		{"nothing deployed", []release.Status{"failed", "failed", "failed"}, 2, []int{3, 4}},
		{"max one keeps deployed", []release.Status{"superseded", "deployed", "failed"}, 1, []int{2, 4}},
		{"under the limit", []release.Status{"superseded", "deployed"}, 5, []int{1, 2, 3}},
		{"no limit", []release.Status{"superseded", "superseded", "deployed"}, 0, []int{1, 2, 3, 4}},
		{"first revision", nil, 2, []int{1}},
	}
	s := New(ds.d1, Options{})
	for i, tt := range tests {
		name := fmt.Sprintf("prune%d", i)
		for v, st := range tt.statuses {
			mustCreate(t, ds.d1, inNamespace(newRelease(name, v+1, st), ds.ns1))
		}
		next := inNamespace(newRelease(name, len(tt.statuses)+1, release.StatusPendingUpgrade), ds.ns1)
		if err := s.Create(ctx, next, CreateOptions{MaxHistory: tt.max}); err != nil {
			t.Fatalf("%s: %v", tt.name, err)
		}
		h, err := s.History(ctx, name)
		if err != nil {
			t.Fatalf("%s: %v", tt.name, err)
		}
		if !slices.Equal(versions(h), tt.want) {
			t.Errorf("%s: max %d left revisions %v, want %v", tt.name, tt.max, versions(h), tt.want)
		}
	}
	// Prune itself, to zero: only the deployed revision stays.
	for v, st := range []release.Status{"superseded", "deployed", "failed"} {
		mustCreate(t, ds.d1, inNamespace(newRelease("zero", v+1, st), ds.ns1))
	}
	if err := s.Prune(ctx, "zero", 0); err != nil {
		t.Fatal(err)
	}
	if h, _ := s.History(ctx, "zero"); !slices.Equal(versions(h), []int{2}) {
		t.Errorf("prune to 0 left %v, want [2]", versions(h))
	}
	wantErr(t, s.Prune(ctx, "nobody", 1), ErrReleaseNotFound)
}

func contractConcurrentCreate(t *testing.T, ds drivers) {
	ctx := context.Background()
	const n = 8
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			rel := inNamespace(newRelease("race", 1, release.StatusPendingInstall), ds.ns1)
			rel.Info.Description = fmt.Sprintf("writer %d", i)
			errs[i] = ds.d1.Create(ctx, rel)
		})
	}
	wg.Wait()
	winner := -1
	for i, err := range errs {
		switch {
		case err == nil && winner >= 0:
			t.Errorf("writers %d and %d both created revision 1", winner, i)
		case err == nil:
			winner = i
		case !errors.Is(err, ErrReleaseExists):
			t.Errorf("writer %d: %v, want ErrReleaseExists", i, err)
		}
	}
	if winner < 0 {
		t.Fatal("no writer created revision 1")
	}
	got, err := ds.d1.Get(ctx, "race", 1)
	if err != nil {
		t.Fatal(err)
	}
	if want := fmt.Sprintf("writer %d", winner); got.Info.Description != want {
		t.Errorf("stored record is from %q, but %q won", got.Info.Description, want)
	}
}

// contractBigRecords: releases of 5 and 30 MiB of JSON, more than one
// Kubernetes object holds, go through a release's whole life.
func contractBigRecords(t *testing.T, ds drivers) {
	if testing.Short() {
		t.Skip("big records take seconds")
	}
	ctx := context.Background()
	s := New(ds.d1, Options{})
	v1 := inNamespace(bigRelease("big", 1, release.StatusDeployed, 5<<20), ds.ns1)
	mustCreate(t, ds.d1, v1)
	v2 := inNamespace(bigRelease("big", 2, release.StatusPendingUpgrade, 30<<20), ds.ns1)
	v2.Labels = map[string]string{"team": "dashboards"}
	if err := s.Create(ctx, v2, CreateOptions{MaxHistory: 5}); err != nil {
		t.Fatal(err)
	}
	v1.SetStatus(release.StatusSuperseded, "Superseded by big v2")
	v2.SetStatus(release.StatusDeployed, "Upgrade complete")
	for _, rel := range []*release.Release{v1, v2} {
		if err := s.Update(ctx, rel); err != nil {
			t.Fatal(err)
		}
	}
	got, err := s.Get(ctx, "big", 2)
	if err != nil {
		t.Fatal(err)
	}
	sameRelease(t, got, v2)
	h, err := s.History(ctx, "big")
	if err != nil || !slices.Equal(versions(h), []int{1, 2}) {
		t.Fatalf("history %v %v, want [1 2]", versions(h), err)
	}
	sameRelease(t, h[0], v1)
	if dep, err := s.Deployed(ctx, "big"); err != nil || dep.Version != 2 {
		t.Errorf("deployed: %v %v", dep, err)
	}
	team, err := s.ListReleases(ctx, ListOptions{Selector: labels.SelectorFromSet(labels.Set{"team": "dashboards"})})
	if err != nil || !slices.Equal(versions(team), []int{2}) {
		t.Errorf("team=dashboards: %v %v, want [2]", versions(team), err)
	}
	// A rollback: revision 3 is revision 1 again, small history pruned to 2.
	v3 := inNamespace(bigRelease("big", 3, release.StatusDeployed, 5<<20), ds.ns1)
	v3.Info.Description = "Rollback to 1"
	if err := s.Create(ctx, v3, CreateOptions{MaxHistory: 2}); err != nil {
		t.Fatal(err)
	}
	if h, err := s.History(ctx, "big"); err != nil || !slices.Equal(versions(h), []int{2, 3}) {
		t.Errorf("history after rollback %v %v, want [2 3]", versions(h), err)
	}
	// Uninstall.
	for _, v := range []int{2, 3} {
		del, err := s.Delete(ctx, "big", v)
		if err != nil {
			t.Fatal(err)
		}
		if del.Version != v || len(del.Manifest) < 1<<20 {
			t.Errorf("deleted revision %d: returned v%d with a %d-byte manifest", v, del.Version, len(del.Manifest))
		}
	}
	_, err = s.History(ctx, "big")
	wantErr(t, err, ErrReleaseNotFound)
}
