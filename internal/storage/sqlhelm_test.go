package storage

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"maps"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"
	"k8s.io/apimachinery/pkg/labels"

	"github.com/rudderpm/rudder/internal/pgtest"
	"github.com/rudderpm/rudder/internal/release"
)

// helmRows writes records into the sql tables as Helm v4.3.1's sql driver
// does (pkg/storage/driver/sql.go): Create inserts key, type, body, name,
// namespace, version, status, owner and createdAt (lines 492-515), leaving
// modifiedAt to its default of 0, then one custom_labels_v1 row per user
// label (lines 545-570); Update sets body, name, version, status, owner and
// modifiedAt of the row with that key and namespace (lines 596-605) and
// leaves the labels alone.
type helmRows struct {
	t    *testing.T
	conn *pgx.Conn
}

func newHelmRows(t *testing.T, conn string) *helmRows {
	t.Helper()
	c, err := pgx.Connect(context.Background(), conn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close(context.Background()) })
	return &helmRows{t: t, conn: c}
}

func (h *helmRows) create(ns string, f helmFixture, body string, createdAt int) {
	h.t.Helper()
	ctx := context.Background()
	key := Key(f.name, f.version)
	if _, err := h.conn.Exec(ctx, `INSERT INTO releases_v1 (key,type,body,name,namespace,version,status,owner,createdAt) VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9)`,
		key, "helm.sh/release.v1", body, f.name, ns, f.version, string(f.status), "helm", createdAt); err != nil {
		h.t.Fatal(err)
	}
	for k, v := range userLabels(f.labels) {
		if _, err := h.conn.Exec(ctx, `INSERT INTO custom_labels_v1 (releaseKey,releaseNamespace,key,value) VALUES ($1,$2,$3,$4)`,
			key, ns, k, v); err != nil {
			h.t.Fatal(err)
		}
	}
}

// helmRow is a releases_v1 row as Helm's Get and Query read it.
type helmRow struct {
	typ, body, status, owner string
	version                  int
	createdAt, modifiedAt    int
	labels                   map[string]string
}

// row reads a record with the queries Helm's Get (line 309) and
// getReleaseCustomLabels (line 695) use.
func (h *helmRows) row(ns, key string) (helmRow, bool) {
	h.t.Helper()
	ctx := context.Background()
	var r helmRow
	err := h.conn.QueryRow(ctx, `SELECT type, body, status, owner, version, createdAt, modifiedAt FROM releases_v1 WHERE key = $1 AND namespace = $2`,
		key, ns).Scan(&r.typ, &r.body, &r.status, &r.owner, &r.version, &r.createdAt, &r.modifiedAt)
	if errors.Is(err, pgx.ErrNoRows) {
		return r, false
	}
	if err != nil {
		h.t.Fatal(err)
	}
	rows, _ := h.conn.Query(ctx, `SELECT key, value FROM custom_labels_v1 WHERE releaseKey = $1 AND releaseNamespace = $2`, key, ns)
	r.labels = map[string]string{}
	var k, v string
	if _, err := pgx.ForEachRow(rows, []any{&k, &v}, func() error { r.labels[k] = v; return nil }); err != nil {
		h.t.Fatal(err)
	}
	return r, true
}

// deployed is what Helm's storage asks its sql driver for to find the
// deployed revision: Query with name, owner and status (line 398), which
// becomes this query in a namespace.
func (h *helmRows) deployed(ns, name string) []int {
	h.t.Helper()
	rows, _ := h.conn.Query(context.Background(), `SELECT version FROM releases_v1 WHERE name = $1 AND owner = $2 AND status = $3 AND namespace = $4`,
		name, "helm", "deployed", ns)
	vs, err := pgx.CollectRows(rows, pgx.RowTo[int])
	if err != nil {
		h.t.Fatal(err)
	}
	slices.Sort(vs)
	return vs
}

// Records that Helm wrote (bodies Helm 4.3.1 encoded, rows as its sql driver
// inserts them) are read and upgraded by Rudder, and the upgrade is written
// as Helm reads it. TestSQLHelmInterop does the same with Helm itself.
func TestSQLReadsAndUpgradesHelmRows(t *testing.T) {
	ctx := t.Context()
	conn := pgtest.Start(t).NewDatabase(t)
	// The records' bodies name the namespace they were written in.
	const ns = "fixtures-secret"
	db := readySQL(t, conn).InNamespace(ns)
	helm := newHelmRows(t, conn)
	for _, f := range helmFixtures {
		helm.create(ns, f, string(readHelmRecord(t, "secret", f).payload), 1_700_000_000+f.version)
	}
	s := New(db, Options{})

	h, err := s.History(ctx, "keel")
	if err != nil {
		t.Fatal(err)
	}
	if got := statuses(h); !slices.Equal(got, []string{"1 superseded", "2 superseded", "3 uninstalled"}) {
		t.Fatalf("Rudder reads Helm's history as %v", got)
	}
	for i, rel := range h {
		checkFixtureRelease(t, "secret", helmFixtures[i], rel)
		if want := userLabels(helmFixtures[i].labels); !maps.Equal(rel.Labels, want) {
			t.Errorf("revision %d: labels %v, want %v", rel.Version, rel.Labels, want)
		}
	}
	l, err := s.ListReleases(ctx, ListOptions{Selector: mustSelector(t, "tier=gold,createdAt=1700000003,!modifiedAt")})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(versions(l), []int{3}) {
		t.Errorf("list by custom label and Helm's createdAt: %v, want [3]", versions(l))
	}
	if _, err := s.Deployed(ctx, "keel-broken"); !errors.Is(err, ErrNoDeployedReleases) {
		t.Errorf("keel-broken failed, yet deployed: %v", err)
	}

	// Rudder upgrades keel: a new revision, the last one superseded.
	last := h[len(h)-1]
	next := upgradeOf(last, "Upgraded by Rudder", map[string]string{"team": "storage", "by": "rudder"})
	if err := s.Create(ctx, next, CreateOptions{MaxHistory: 10}); err != nil {
		t.Fatal(err)
	}
	last.SetStatus(release.StatusSuperseded, "Superseded by Rudder")
	if err := s.Update(ctx, last); err != nil {
		t.Fatal(err)
	}

	r4, ok := helm.row(ns, Key("keel", 4))
	if !ok {
		t.Fatal("Rudder's revision 4 has no row")
	}
	if r4.typ != "helm.sh/release.v1" || r4.owner != "helm" || r4.status != "deployed" || r4.version != 4 ||
		r4.createdAt == 0 || r4.modifiedAt != 0 || !maps.Equal(r4.labels, next.Labels) {
		t.Errorf("revision 4's row: %+v", r4)
	}
	if rel, err := decodeRelease([]byte(r4.body)); err != nil || rel.Info.Description != "Upgraded by Rudder" || rel.Version != 4 {
		t.Errorf("revision 4's body: %v %v", rel, err)
	}
	r3, _ := helm.row(ns, Key("keel", 3))
	if r3.status != "superseded" || r3.createdAt != 1_700_000_003 || r3.modifiedAt == 0 ||
		!maps.Equal(r3.labels, userLabels(helmFixtures[2].labels)) {
		t.Errorf("revision 3's row after Rudder superseded it: %+v", r3)
	}
	if got := helm.deployed(ns, "keel"); !slices.Equal(got, []int{4}) {
		t.Errorf("Helm's query for the deployed revision finds %v, want [4]", got)
	}
}

func mustSelector(t *testing.T, s string) labels.Selector {
	t.Helper()
	sel, err := labels.Parse(s)
	if err != nil {
		t.Fatal(err)
	}
	return sel
}

// helmBinary is a Helm v4.3.1 to test against: $RUDDER_INTEROP_HELM, else the
// one hack/peer helm builds and caches. Under -short a missing one skips t;
// otherwise failing to build it fails t, so that a full run (hack/test) never
// leaves the interop tests out unnoticed.
func helmBinary(t *testing.T) string {
	t.Helper()
	if p := os.Getenv("RUDDER_INTEROP_HELM"); p != "" {
		return p
	}
	out, err := exec.Command("../../hack/peer", "helm").Output()
	if err != nil {
		if testing.Short() {
			t.Skipf("no Helm v4.3.1 (hack/peer helm: %v); set RUDDER_INTEROP_HELM", err)
		}
		t.Fatalf("hack/peer helm: %v", err)
	}
	return strings.TrimSpace(string(out))
}

// discoveryKubeconfig serves what Helm asks of an API server before it
// installs, upgrades or rolls back a chart that makes no objects, and
// returns a kubeconfig for it: the server's version and the discovery
// documents, empty. The release records are in PostgreSQL; any other request
// fails the test.
func discoveryKubeconfig(t *testing.T) string {
	t.Helper()
	docs := map[string]string{
		"/version": `{"major":"1","minor":"33","gitVersion":"v1.33.0"}`,
		"/api":     `{"kind":"APIVersions","versions":["v1"],"serverAddressByClientCIDRs":[]}`,
		"/api/v1":  `{"kind":"APIResourceList","groupVersion":"v1","resources":[]}`,
		"/apis":    `{"kind":"APIGroupList","apiVersion":"v1","groups":[]}`,
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		doc, ok := docs[r.URL.Path]
		if !ok || r.Method != http.MethodGet {
			t.Errorf("Helm asked the API server for %s %s", r.Method, r.URL)
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		w.Write([]byte(doc))
	}))
	t.Cleanup(srv.Close)
	path := filepath.Join(t.TempDir(), "kubeconfig")
	kc := `apiVersion: v1
kind: Config
clusters: [{name: c, cluster: {server: "` + srv.URL + `"}}]
users: [{name: u, user: {}}]
contexts: [{name: c, context: {cluster: c, user: u}}]
current-context: c
`
	if err := os.WriteFile(path, []byte(kc), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// sqlHelm runs Helm with HELM_DRIVER=sql on conn.
func sqlHelm(t *testing.T, bin, conn, kubeconfig string) func(args ...string) string {
	return helmRunner(t, bin, t.TempDir(), "HELM_DRIVER=sql", "HELM_DRIVER_SQL_CONNECTION_STRING="+conn, "KUBECONFIG="+kubeconfig)
}

// helmRunner runs bin with env added and its cache, config and data under
// home, and returns what it printed; it fails t when helm fails.
func helmRunner(t *testing.T, bin, home string, env ...string) func(args ...string) string {
	return func(args ...string) string {
		t.Helper()
		cmd := exec.Command(bin, args...)
		cmd.Env = append(os.Environ(), "HELM_CACHE_HOME="+home+"/cache", "HELM_CONFIG_HOME="+home+"/config", "HELM_DATA_HOME="+home+"/data")
		cmd.Env = append(cmd.Env, env...)
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		out, err := cmd.Output()
		if err != nil {
			t.Fatalf("helm %s: %v\n%s%s", strings.Join(args, " "), err, out, stderr.Bytes())
		}
		return string(out)
	}
}

// keelChart copies testdata/chart to a folder of the test's and fetches
// keel's dependencies with helm; it returns keel's folder.
func keelChart(t *testing.T, helm func(args ...string) string) string {
	t.Helper()
	dir := t.TempDir()
	if err := os.CopyFS(dir, os.DirFS("testdata/chart")); err != nil {
		t.Fatal(err)
	}
	keel := filepath.Join(dir, "keel")
	helm("dependency", "update", keel)
	return keel
}

// objectlessChart is a chart that renders only notes: Helm installs it
// without touching the cluster beyond discovery.
func objectlessChart(t *testing.T) string {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "notes")
	files := map[string]string{
		"Chart.yaml":          "apiVersion: v2\nname: notes\nversion: 0.1.0\nappVersion: \"1.0\"\n",
		"values.yaml":         "greeting: hi\n",
		"templates/NOTES.txt": "notes says {{ .Values.greeting }} at revision {{ .Release.Revision }}.\n",
	}
	for name, data := range files {
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// Helm v4.3.1 and Rudder take turns on one release stored with
// HELM_DRIVER=sql: Helm installs and upgrades, Rudder upgrades, Helm rolls
// back and uninstalls; and the other way round for a release Rudder made.
// Helm needs an API server only for discovery, since the chart makes no
// objects.
func TestSQLHelmInterop(t *testing.T) {
	bin := helmBinary(t)
	ctx := t.Context()
	srv := pgtest.Start(t)
	kubeconfig := discoveryKubeconfig(t)
	chart := objectlessChart(t)

	t.Run("schema made by Rudder", func(t *testing.T) {
		conn := srv.NewDatabase(t)
		readySQL(t, conn)
		before := migratedAt(t, conn)
		// Helm finds its migrations applied; had it run them, CREATE TABLE
		// would have failed on the existing tables.
		sqlHelm(t, bin, conn, kubeconfig)("list", "-A")
		if after := migratedAt(t, conn); !mapsEqualTime(before, after) {
			t.Errorf("Helm migrated again: %v, then %v", before, after)
		}
	})

	conn := srv.NewDatabase(t)
	helm := sqlHelm(t, bin, conn, kubeconfig)

	// Helm makes the schema and writes; Rudder accepts the schema as it is.
	helm("install", "demo", chart, "-n", "web", "--labels", "team=sql")
	want, err := os.ReadFile(helmSchemaGolden)
	if err != nil {
		t.Fatal(err)
	}
	if got := describeSQLSchema(t, conn); got != string(want) {
		t.Errorf("Helm's schema differs from %s:\n got:\n%s\nwant:\n%s", helmSchemaGolden, got, want)
	}
	before := migratedAt(t, conn)
	db := readySQL(t, conn)
	if after := migratedAt(t, conn); !mapsEqualTime(before, after) {
		t.Errorf("Rudder migrated Helm's schema again: %v, then %v", before, after)
	}
	s := New(db.InNamespace("web"), Options{})

	// Helm writes, Rudder reads.
	helm("upgrade", "demo", chart, "-n", "web", "--set", "greeting=hello")
	h, err := s.History(ctx, "demo")
	if err != nil {
		t.Fatal(err)
	}
	if got := statuses(h); !slices.Equal(got, []string{"1 superseded", "2 deployed"}) {
		t.Fatalf("Rudder reads Helm's history as %v", got)
	}
	dep := h[1]
	if dep.Config["greeting"] != "hello" || strings.TrimSpace(dep.Info.Notes) != "notes says hello at revision 2." ||
		!maps.Equal(dep.Labels, map[string]string{"team": "sql"}) || dep.Namespace != "web" {
		t.Errorf("Rudder reads Helm's revision 2 as config %v, notes %q, labels %v, namespace %q",
			dep.Config, dep.Info.Notes, dep.Labels, dep.Namespace)
	}

	// Rudder upgrades (a new revision, the old one superseded), Helm reads.
	next := upgradeOf(dep, "Upgraded by Rudder", map[string]string{"team": "sql", "by": "rudder"})
	if err := s.Create(ctx, next, CreateOptions{MaxHistory: 10}); err != nil {
		t.Fatal(err)
	}
	dep.SetStatus(release.StatusSuperseded, "Superseded by Rudder")
	if err := s.Update(ctx, dep); err != nil {
		t.Fatal(err)
	}
	var hist []struct {
		Revision    int    `json:"revision"`
		Status      string `json:"status"`
		Description string `json:"description"`
	}
	if err := json.Unmarshal([]byte(helm("history", "demo", "-n", "web", "-o", "json")), &hist); err != nil {
		t.Fatal(err)
	}
	if len(hist) != 3 || hist[2].Status != "deployed" || hist[2].Description != "Upgraded by Rudder" ||
		hist[1].Status != "superseded" || hist[1].Description != "Superseded by Rudder" {
		t.Errorf("helm history after Rudder's upgrade: %+v", hist)
	}
	var list []struct{ Name, Namespace, Revision, Status string }
	// (Not with -A: Helm's sql driver then looks for custom labels in
	// namespace "", its own, not the record's (sql.go line 693), and finds none.)
	if err := json.Unmarshal([]byte(helm("list", "-n", "web", "-o", "json", "--selector", "by=rudder")), &list); err != nil {
		t.Fatal(err)
	}
	if len(list) != 1 || list[0].Name != "demo" || list[0].Namespace != "web" || list[0].Revision != "3" || list[0].Status != "deployed" {
		t.Errorf("helm list --selector by=rudder: %+v", list)
	}
	if out := helm("get", "values", "demo", "-n", "web", "-o", "json"); strings.TrimSpace(out) != `{"greeting":"hello"}` {
		t.Errorf("helm get values after Rudder's upgrade: %s", out)
	}

	// Helm carries on from Rudder's revision: rollback, then uninstall keeping history.
	helm("rollback", "demo", "1", "-n", "web")
	h, err = s.History(ctx, "demo")
	if err != nil {
		t.Fatal(err)
	}
	if got := statuses(h); !slices.Equal(got, []string{"1 superseded", "2 superseded", "3 superseded", "4 deployed"}) {
		t.Errorf("Rudder reads Helm's rollback as %v", got)
	}
	if r := h[3]; r.Info.Description != "Rollback to 1" || r.Config["greeting"] != nil || r.Labels["team"] != "sql" {
		t.Errorf("revision 4: %q, config %v, labels %v", r.Info.Description, r.Config, r.Labels)
	}
	helm("uninstall", "demo", "-n", "web", "--keep-history")
	if last, err := s.Last(ctx, "demo"); err != nil || last.Version != 4 || last.Info.Status != release.StatusUninstalled {
		t.Errorf("after helm uninstall --keep-history, Rudder's last revision: %v %v", last, err)
	}

	// A release Rudder made: Helm lists it, upgrades it and uninstalls it.
	fresh := upgradeOf(h[0], "Install complete", map[string]string{"made": "rudder"})
	fresh.Name, fresh.Version, fresh.Namespace = "fresh", 1, "apps"
	fresh.Config = map[string]any{"greeting": "ahoy"}
	apps := New(db.InNamespace("apps"), Options{})
	if err := apps.Create(ctx, fresh, CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	if out := helm("get", "values", "fresh", "-n", "apps", "-o", "json"); strings.TrimSpace(out) != `{"greeting":"ahoy"}` {
		t.Errorf("helm get values fresh: %s", out)
	}
	helm("upgrade", "fresh", chart, "-n", "apps", "--reuse-values", "--set", "replicas=2")
	h, err = apps.History(ctx, "fresh")
	if err != nil {
		t.Fatal(err)
	}
	if got := statuses(h); !slices.Equal(got, []string{"1 superseded", "2 deployed"}) {
		t.Errorf("Rudder reads Helm's upgrade of its release as %v", got)
	}
	if h[1].Labels["made"] != "rudder" || h[1].Config["replicas"] != float64(2) || h[1].Config["greeting"] != "ahoy" {
		t.Errorf("Helm's upgrade of Rudder's release: labels %v, config %v", h[1].Labels, h[1].Config)
	}
	helm("uninstall", "fresh", "-n", "apps")
	if _, err := apps.History(ctx, "fresh"); !errors.Is(err, ErrReleaseNotFound) {
		t.Errorf("history after helm uninstall: %v", err)
	}
	var orphans int
	c := newHelmRows(t, conn)
	if err := c.conn.QueryRow(ctx, `SELECT count(*) FROM custom_labels_v1 WHERE releaseNamespace = 'apps'`).Scan(&orphans); err != nil || orphans != 0 {
		t.Errorf("labels left after helm uninstall: %d (%v)", orphans, err)
	}
}
