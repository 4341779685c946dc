package cli

import (
	"bytes"
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/rudderpm/rudder/internal/chart"
	"github.com/rudderpm/rudder/internal/pgtest"
	"github.com/rudderpm/rudder/internal/release"
	"github.com/rudderpm/rudder/internal/storage"
)

// runSQL runs rudder with HELM_DRIVER=sql on the database conn, and no cluster.
func runSQL(t *testing.T, conn string, args ...string) (stdout, stderr string, code int) {
	t.Helper()
	home := t.TempDir()
	env := map[string]string{
		"HOME":                              home,
		"KUBECONFIG":                        home + "/no-kubeconfig",
		"HELM_DRIVER":                       "sql",
		"HELM_DRIVER_SQL_CONNECTION_STRING": conn,
	}
	var out, errb bytes.Buffer
	code = Run(t.Context(), args, Streams{Out: &out, Err: &errb, Getenv: func(k string) string { return env[k] }})
	return out.String(), errb.String(), code
}

// HELM_DRIVER=sql reads the releases from the database that
// HELM_DRIVER_SQL_CONNECTION_STRING names; reading needs no cluster.
func TestSQLDriverFromEnv(t *testing.T) {
	conn := pgtest.Start(t).NewDatabase(t)
	db, err := storage.OpenSQL(conn, storage.DriverOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	s := storage.New(db.InNamespace("web"), storage.Options{})
	at := time.Date(2026, 5, 4, 3, 2, 1, 0, time.UTC)
	for v, st := range []release.Status{release.StatusSuperseded, release.StatusDeployed} {
		rel := &release.Release{
			Name: "shop", Namespace: "web", Version: v + 1,
			Chart:  &chart.Chart{Metadata: &chart.Metadata{APIVersion: "v2", Name: "shop", Version: "1.0.0"}},
			Config: map[string]any{"replicas": float64(v + 1)},
			Info: &release.Info{Status: st, FirstDeployed: at, LastDeployed: at.Add(time.Duration(v) * time.Minute),
				Description: fmt.Sprintf("revision %d", v+1)},
			Labels: map[string]string{"team": "web"},
		}
		if err := s.Create(context.Background(), rel, storage.CreateOptions{}); err != nil {
			t.Fatal(err)
		}
	}

	out, errs, code := runSQL(t, conn, "list", "-n", "web", "--selector", "team=web", "-q")
	if code != 0 || out != "shop\n" {
		t.Errorf("list: exit %d, %q %s", code, out, errs)
	}
	out, errs, code = runSQL(t, conn, "history", "shop", "-n", "web", "-o", "json")
	if code != 0 || !strings.Contains(out, `"revision":1,`) || !strings.Contains(out, `"status":"deployed"`) {
		t.Errorf("history: exit %d, %s %s", code, out, errs)
	}
	out, errs, code = runSQL(t, conn, "get", "values", "shop", "-n", "web", "-o", "json")
	if code != 0 || strings.TrimSpace(out) != `{"replicas":2}` {
		t.Errorf("get values: exit %d, %q %s", code, out, errs)
	}
	_, errs, code = runSQL(t, conn, "history", "ghost", "-n", "web")
	if code != 1 || errs != "Error: release: not found\n" {
		t.Errorf("history of a missing release: exit %d, %q", code, errs)
	}
}

// A database that cannot be reached is said so, on one line.
func TestSQLDriverUnreachable(t *testing.T) {
	_, errs, code := runSQL(t, "postgres://rudder:s3cret@127.0.0.1:1/releases?sslmode=disable", "list")
	if code != 1 || !strings.HasPrefix(errs, "Error: sql storage: connect: failed to connect to `user=rudder database=releases`") ||
		strings.Count(errs, "\n") != 1 || strings.Contains(errs, "s3cret") {
		t.Errorf("list with no database: exit %d, %q", code, errs)
	}
	_, errs, code = runSQL(t, "port=notaport", "list")
	if code != 1 || errs != "Error: sql storage: connection string: cannot parse `port=notaport`: invalid port\n" {
		t.Errorf("list with a malformed connection string: exit %d, %q", code, errs)
	}
}
