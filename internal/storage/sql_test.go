package storage

import (
	"encoding/base64"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/rudderpm/rudder/internal/pgtest"
	"github.com/rudderpm/rudder/internal/release"
)

func TestSQLContract(t *testing.T) {
	testDriverContract(t, func(t *testing.T, clock *fakeClock) drivers {
		db := openSQL(t, pgtest.Start(t).NewDatabase(t), DriverOptions{Now: clock.Now})
		return drivers{
			ns1: "ns1", ns2: "ns2",
			d1: db.InNamespace("ns1"), d2: db.InNamespace("ns2"), all: db,
			clock: clock, sql: true,
		}
	})
}

// openSQL opens a driver on conn for all namespaces, closed when t ends.
func openSQL(t *testing.T, conn string, opts DriverOptions) *SQL {
	t.Helper()
	db, err := OpenSQL(conn, opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(db.Close)
	return db
}

// A row whose body cannot be decoded is named, by table, namespace, release
// and revision; the other revisions stay readable, and it is not deleted.
func TestSQLCorruptBody(t *testing.T) {
	ctx := t.Context()
	conn := pgtest.Start(t).NewDatabase(t)
	d := openSQL(t, conn, DriverOptions{}).InNamespace("web")
	for v, st := range []release.Status{release.StatusSuperseded, release.StatusSuperseded, release.StatusDeployed} {
		mustCreate(t, d, inNamespace(newRelease("demo", v+1, st), "web"))
	}
	for body, want := range map[string]string{
		"%%% not base64": "base64",
		base64.StdEncoding.EncodeToString([]byte{0x1f, 0x8b, 0x08, 0, 1, 2}): "gzip",
		base64.StdEncoding.EncodeToString([]byte(`{"name":`)):                "decode release",
	} {
		sqlExec(t, conn, fmt.Sprintf(`UPDATE releases_v1 SET body = '%s' WHERE key = 'sh.helm.release.v1.demo.v2'`, body))
		_, err := d.Get(ctx, "demo", 2)
		var re *RecordError
		if !errors.As(err, &re) || re.Object != "releases_v1/web/sh.helm.release.v1.demo.v2" || !strings.Contains(err.Error(), want) {
			t.Errorf("get of a corrupt body (%s): %v", want, err)
		}
		var unread []*RecordError
		s := New(d, Options{OnUnreadable: func(e *RecordError) { unread = append(unread, e) }})
		h, err := s.History(ctx, "demo")
		if err != nil || !slices.Equal(versions(h), []int{1, 3}) || len(unread) != 1 || unread[0].Object != re.Object {
			t.Errorf("history beside a corrupt body: %v %v, unreadable %v", versions(h), err, unread)
		}
		if _, err := d.Delete(ctx, "demo", 2); !errors.As(err, &re) {
			t.Errorf("delete of a corrupt record: %v", err)
		}
		if rel, err := d.Get(ctx, "demo", 1); err != nil || rel.Version != 1 {
			t.Errorf("revision 1 beside a corrupt revision 2: %v", err)
		}
	}
	var n int
	c := newHelmRows(t, conn)
	if err := c.conn.QueryRow(ctx, `SELECT count(*) FROM releases_v1`).Scan(&n); err != nil || n != 3 {
		t.Errorf("%d rows left, want 3 (the corrupt one kept): %v", n, err)
	}
}

// A table dropped behind gorp_migrations' back is named, with what to do.
func TestSQLMissingTable(t *testing.T) {
	ctx := t.Context()
	conn := pgtest.Start(t).NewDatabase(t)
	ready := readySQL(t, conn).InNamespace("web")
	sqlExec(t, conn, `DROP TABLE releases_v1`)

	_, err := openSQL(t, conn, DriverOptions{}).InNamespace("web").Get(ctx, "demo", 1)
	if err == nil || !strings.Contains(err.Error(), `table releases_v1 is missing, though gorp_migrations records migration "init" as applied`) {
		t.Errorf("open with releases_v1 dropped: %v", err)
	}
	// A driver that found the table earlier says which read failed.
	_, err = ready.Get(ctx, "demo", 1)
	if err == nil || !strings.Contains(err.Error(), "get releases_v1/web/sh.helm.release.v1.demo.v1: ") ||
		!strings.Contains(err.Error(), `relation "releases_v1" does not exist`) {
		t.Errorf("get with releases_v1 dropped: %v", err)
	}
	_, err = ready.List(ctx, nil)
	if err == nil || !strings.Contains(err.Error(), `list SQL records in namespace "web": `) {
		t.Errorf("list with releases_v1 dropped: %v", err)
	}
}

// A connection string that is malformed, or names no server or database,
// fails with the reason, without the password, and without a panic.
func TestSQLBadConnection(t *testing.T) {
	ctx := t.Context()
	if _, err := OpenSQL("host=127.0.0.1 port=notaport", DriverOptions{}); err == nil ||
		!strings.HasPrefix(err.Error(), "sql storage: connection string: ") {
		t.Errorf("malformed connection string: %v", err)
	}
	srv := pgtest.Start(t)
	for conn, want := range map[string]string{
		"postgres://rudder:s3cret@127.0.0.1:1/releases?sslmode=disable&connect_timeout=5": "connection refused",
		otherDatabase(srv.NewDatabase(t), "nope"):                                         `database "nope" does not exist`,
	} {
		d := openSQL(t, conn, DriverOptions{}).InNamespace("web")
		_, err := d.Get(ctx, "demo", 1)
		if err == nil || !strings.HasPrefix(err.Error(), "sql storage: connect: ") || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: %v, want %q", conn, err, want)
		}
		if err != nil && strings.Contains(err.Error(), "s3cret") {
			t.Errorf("the error shows the password: %v", err)
		}
		if err := d.Create(ctx, inNamespace(newRelease("demo", 1, release.StatusDeployed), "web")); err == nil {
			t.Errorf("%s: create succeeded", conn)
		}
	}
}

// otherDatabase is conn naming database db instead.
func otherDatabase(conn, db string) string {
	return conn + " dbname=" + db
}

// Helm's schema bounds the record key: 90 characters, and 64 for a release
// with labels, whose key custom_labels_v1 keeps.
func TestSQLKeyWidth(t *testing.T) {
	ctx := t.Context()
	d := openSQL(t, pgtest.Start(t).NewDatabase(t), DriverOptions{}).InNamespace("web")
	long := strings.Repeat("a", 50) // a key of 19+50+3 characters
	plain := inNamespace(newRelease(long, 1, release.StatusDeployed), "web")
	if err := d.Create(ctx, plain); err != nil {
		t.Fatalf("a %d-character key without labels: %v", len(Key(long, 1)), err)
	}
	labelled := inNamespace(newRelease(long, 2, release.StatusDeployed), "web")
	labelled.Labels = map[string]string{"team": "a"}
	err := d.Create(ctx, labelled)
	if !errors.Is(err, ErrInvalidKey) || !strings.Contains(err.Error(), "custom_labels_v1.releasekey") {
		t.Errorf("a %d-character key with labels: %v", len(Key(long, 2)), err)
	}
	if _, err := d.Get(ctx, long, 2); !errors.Is(err, ErrReleaseNotFound) {
		t.Errorf("a refused record was stored: %v", err)
	}
	huge := inNamespace(newRelease(strings.Repeat("b", 63), 1_000_000, release.StatusDeployed), "web")
	if err := d.Create(ctx, huge); !errors.Is(err, ErrInvalidKey) || !strings.Contains(err.Error(), "holds 90") {
		t.Errorf("a %d-character key: %v", len(Key(huge.Name, huge.Version)), err)
	}
}
