package storage

import (
	"context"
	"fmt"
	"os"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/rudderpm/rudder/internal/pgtest"
)

// helmSchemaGolden describes the schema Helm v4.3.1 creates (helm list with
// HELM_DRIVER=sql on an empty database made it; TestSQLHelmInterop checks it
// against a live Helm when one is at hand).
const helmSchemaGolden = "testdata/sql/helm-schema.txt"

// describeSQLSchema describes the tables of the database at conn: columns,
// constraints, indexes, row security, what PUBLIC is granted, and the
// migrations gorp_migrations records. Two databases with the same description
// have the same schema, as far as Helm and Rudder can tell.
func describeSQLSchema(t *testing.T, conn string) string {
	t.Helper()
	ctx := context.Background()
	c, err := pgx.Connect(ctx, conn)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close(ctx)
	var b strings.Builder
	lines := func(query string, args ...any) {
		t.Helper()
		rows, _ := c.Query(ctx, query, args...)
		got, err := pgx.CollectRows(rows, pgx.RowTo[string])
		if err != nil {
			t.Fatalf("describe schema: %v", err)
		}
		for _, l := range got {
			b.WriteString("  " + l + "\n")
		}
	}
	rows, _ := c.Query(ctx, `SELECT c.relname, c.relrowsecurity FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
		WHERE n.nspname = current_schema() AND c.relkind = 'r' ORDER BY c.relname`)
	type table struct {
		name string
		rls  bool
	}
	tables, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (table, error) {
		var t table
		return t, r.Scan(&t.name, &t.rls)
	})
	if err != nil {
		t.Fatalf("describe schema: %v", err)
	}
	for _, tb := range tables {
		fmt.Fprintf(&b, "table %s (row security %v)\n", tb.name, tb.rls)
		lines(`SELECT 'column ' || a.attname || ' ' || format_type(a.atttypid, a.atttypmod)
				|| CASE WHEN a.attnotnull THEN ' not null' ELSE '' END
				|| COALESCE(' default ' || pg_get_expr(d.adbin, d.adrelid), '')
			FROM pg_attribute a LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
			WHERE a.attrelid = $1::regclass AND a.attnum > 0 AND NOT a.attisdropped ORDER BY a.attnum`, tb.name)
		lines(`SELECT 'constraint ' || conname || ' ' || pg_get_constraintdef(oid) FROM pg_constraint
			WHERE conrelid = $1::regclass ORDER BY conname`, tb.name)
		lines(`SELECT 'index ' || indexdef FROM pg_indexes WHERE schemaname = current_schema() AND tablename = $1
			ORDER BY indexname`, tb.name)
		lines(`SELECT 'PUBLIC may ' || string_agg(privilege_type, ', ' ORDER BY privilege_type)
			FROM information_schema.role_table_grants
			WHERE table_schema = current_schema() AND table_name = $1 AND grantee = 'PUBLIC' HAVING count(*) > 0`, tb.name)
	}
	if slices.ContainsFunc(tables, func(tb table) bool { return tb.name == sqlMigrationsTable }) {
		b.WriteString("migrations applied\n")
		lines(`SELECT id FROM gorp_migrations ORDER BY id`)
	}
	return b.String()
}

// migratedAt is when gorp_migrations says each migration was applied.
func migratedAt(t *testing.T, conn string) map[string]time.Time {
	t.Helper()
	ctx := context.Background()
	c, err := pgx.Connect(ctx, conn)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close(ctx)
	rows, _ := c.Query(ctx, `SELECT id, applied_at FROM gorp_migrations`)
	out := map[string]time.Time{}
	var (
		id string
		at time.Time
	)
	if _, err := pgx.ForEachRow(rows, []any{&id, &at}, func() error { out[id] = at; return nil }); err != nil {
		t.Fatal(err)
	}
	return out
}

// sqlExec runs statements on the database at conn, as another client would.
func sqlExec(t *testing.T, conn string, statements ...string) {
	t.Helper()
	ctx := context.Background()
	c, err := pgx.Connect(ctx, conn)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close(ctx)
	for _, s := range statements {
		if _, err := c.Exec(ctx, s); err != nil {
			t.Fatalf("%s: %v", s, err)
		}
	}
}

// readySQL opens a driver on conn and makes it create or check the schema.
func readySQL(t *testing.T, conn string) *SQL {
	t.Helper()
	db := openSQL(t, conn, DriverOptions{})
	if _, err := db.List(t.Context(), nil); err != nil {
		t.Fatal(err)
	}
	return db
}

func TestSQLSchemaIsHelms(t *testing.T) {
	conn := pgtest.Start(t).NewDatabase(t)
	readySQL(t, conn)
	want, err := os.ReadFile(helmSchemaGolden)
	if err != nil {
		t.Fatal(err)
	}
	if got := describeSQLSchema(t, conn); got != string(want) {
		t.Errorf("the schema Rudder creates differs from Helm's (%s):\n got:\n%s\nwant:\n%s", helmSchemaGolden, got, want)
	}
	// Opening it again changes nothing: the migrations are recorded.
	before := migratedAt(t, conn)
	readySQL(t, conn)
	if after := migratedAt(t, conn); !mapsEqualTime(before, after) {
		t.Errorf("a second open migrated again: %v, then %v", before, after)
	}
}

func mapsEqualTime(a, b map[string]time.Time) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if !b[k].Equal(v) {
			return false
		}
	}
	return true
}

// A database that an older Helm set up before custom labels existed has only
// the init migration: Rudder adds the other, as Helm 4 would.
func TestSQLMigratesFromInitOnly(t *testing.T) {
	conn := pgtest.Start(t).NewDatabase(t)
	readySQL(t, conn)
	sqlExec(t, conn, `DROP TABLE custom_labels_v1`, `DELETE FROM gorp_migrations WHERE id = 'custom_labels'`)
	initAt := migratedAt(t, conn)["init"]
	readySQL(t, conn)
	want, err := os.ReadFile(helmSchemaGolden)
	if err != nil {
		t.Fatal(err)
	}
	if got := describeSQLSchema(t, conn); got != string(want) {
		t.Errorf("after adding custom_labels:\n%s\nwant:\n%s", got, want)
	}
	if at := migratedAt(t, conn)["init"]; !at.Equal(initAt) {
		t.Errorf("init was applied again (at %v, first at %v)", at, initAt)
	}
}

// Rudders that start together on an empty database migrate it once.
func TestSQLConcurrentMigration(t *testing.T) {
	conn := pgtest.Start(t).NewDatabase(t)
	const n = 4
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		db := openSQL(t, conn, DriverOptions{})
		wg.Go(func() { _, errs[i] = db.List(t.Context(), nil) })
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Errorf("driver %d: %v", i, err)
		}
	}
	if got := migratedAt(t, conn); len(got) != 2 {
		t.Errorf("migrations recorded: %v", got)
	}
}
