package storage

import (
	"context"
	"errors"
	"fmt"
	"slices"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"
)

// The SQL driver keeps Helm's schema, so that Helm and Rudder share one
// database. Helm creates it with rubenv/sql-migrate, which records each
// migration it applied as a row of gorp_migrations (id, applied_at); Helm
// checks that its two ids are there and otherwise runs the missing
// migrations, whose CREATE TABLE would fail on tables that already exist. So
// Rudder writes the same tables, indexes and grants, and the same rows.
//
// Identifiers are unquoted, as Helm's are: PostgreSQL folds them to lower
// case, so the columns are createdat and releasekey on disk.
const (
	sqlReleasesTable   = "releases_v1"
	sqlLabelsTable     = "custom_labels_v1"
	sqlMigrationsTable = "gorp_migrations"

	// sqlKeyMax is the width of releases_v1.key; sqlLabelKeyMax that of
	// custom_labels_v1.releasekey, which is narrower.
	sqlKeyMax      = 90
	sqlLabelKeyMax = 64
	// sqlType is releases_v1.type of every record, the type of Helm's Secrets.
	sqlType = "helm.sh/release.v1"
)

// sqlMigration is one step of the schema, under the id Helm gives it.
type sqlMigration struct {
	id         string
	statements []string
}

// sqlMigrations are Helm 4's migrations, in the order sql-migrate applies
// them (by id).
var sqlMigrations = []sqlMigration{
	{
		id: "custom_labels",
		statements: []string{
			`CREATE TABLE custom_labels_v1 (
				releaseKey VARCHAR(64),
				releaseNamespace VARCHAR(67),
				key VARCHAR(317),
				value VARCHAR(63)
			)`,
			`CREATE INDEX ON custom_labels_v1 (releaseKey, releaseNamespace)`,
			`GRANT ALL ON custom_labels_v1 TO PUBLIC`,
			`ALTER TABLE custom_labels_v1 ENABLE ROW LEVEL SECURITY`,
		},
	},
	{
		id: "init",
		statements: []string{
			`CREATE TABLE releases_v1 (
				key VARCHAR(90),
				type VARCHAR(64) NOT NULL,
				body TEXT NOT NULL,
				name VARCHAR(64) NOT NULL,
				namespace VARCHAR(64) NOT NULL,
				version INTEGER NOT NULL,
				status TEXT NOT NULL,
				owner TEXT NOT NULL,
				createdAt INTEGER NOT NULL,
				modifiedAt INTEGER NOT NULL DEFAULT 0,
				PRIMARY KEY (key, namespace)
			)`,
			`CREATE INDEX ON releases_v1 (key, namespace)`,
			`CREATE INDEX ON releases_v1 (version)`,
			`CREATE INDEX ON releases_v1 (status)`,
			`CREATE INDEX ON releases_v1 (owner)`,
			`CREATE INDEX ON releases_v1 (createdAt)`,
			`CREATE INDEX ON releases_v1 (modifiedAt)`,
			`GRANT ALL ON releases_v1 TO PUBLIC`,
			`ALTER TABLE releases_v1 ENABLE ROW LEVEL SECURITY`,
		},
	},
}

// sqlMigrationsLock is the advisory lock two Rudders migrating one database
// at once take in turn ("rudder" in ASCII).
const sqlMigrationsLock = 0x726564647572

// migrateSQL brings the database to Helm's schema. When gorp_migrations
// already lists every migration (Helm's, or an earlier Rudder's) it changes
// nothing and needs no privilege beyond reading that table.
func migrateSQL(ctx context.Context, pool *pgxpool.Pool) error {
	applied, err := appliedMigrations(ctx, pool)
	if err == nil && !missingMigrations(applied) {
		return checkSQLTables(ctx, pool)
	}
	if err != nil && !isUndefinedTable(err) {
		return fmt.Errorf("read %s: %w", sqlMigrationsTable, err)
	}

	tx, err := pool.Begin(ctx)
	if err != nil {
		return fmt.Errorf("migrate the release tables: %w", err)
	}
	defer tx.Rollback(ctx) //nolint:errcheck // a no-op after Commit
	if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock($1)`, int64(sqlMigrationsLock)); err != nil {
		return fmt.Errorf("migrate the release tables: lock: %w", err)
	}
	// The table as sql-migrate (through gorp) creates it.
	if _, err := tx.Exec(ctx, `CREATE TABLE IF NOT EXISTS gorp_migrations (id text NOT NULL PRIMARY KEY, applied_at timestamp with time zone)`); err != nil {
		return fmt.Errorf("create %s: %w", sqlMigrationsTable, err)
	}
	// Read again under the lock: another process may have migrated meanwhile.
	if applied, err = appliedMigrations(ctx, tx); err != nil {
		return fmt.Errorf("read %s: %w", sqlMigrationsTable, err)
	}
	for _, m := range sqlMigrations {
		if slices.Contains(applied, m.id) {
			continue
		}
		for _, stmt := range m.statements {
			if _, err := tx.Exec(ctx, stmt); err != nil {
				return fmt.Errorf("migration %q: %w", m.id, err)
			}
		}
		if _, err := tx.Exec(ctx, `INSERT INTO gorp_migrations (id, applied_at) VALUES ($1, now())`, m.id); err != nil {
			return fmt.Errorf("migration %q: record it in %s: %w", m.id, sqlMigrationsTable, err)
		}
	}
	if err := tx.Commit(ctx); err != nil {
		return fmt.Errorf("migrate the release tables: %w", err)
	}
	return checkSQLTables(ctx, pool)
}

type querier interface {
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
}

// appliedMigrations are the ids gorp_migrations lists.
func appliedMigrations(ctx context.Context, q querier) ([]string, error) {
	rows, err := q.Query(ctx, `SELECT id FROM gorp_migrations`)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, pgx.RowTo[string])
}

func missingMigrations(applied []string) bool {
	for _, m := range sqlMigrations {
		if !slices.Contains(applied, m.id) {
			return true
		}
	}
	return false
}

// checkSQLTables tells, once the migrations are recorded, whether the tables
// they made are still there: a dropped table would otherwise fail every
// later query with a less helpful error.
func checkSQLTables(ctx context.Context, pool *pgxpool.Pool) error {
	var releases, labels bool
	err := pool.QueryRow(ctx, `SELECT to_regclass('releases_v1') IS NOT NULL, to_regclass('custom_labels_v1') IS NOT NULL`).Scan(&releases, &labels)
	if err != nil {
		return fmt.Errorf("look for the release tables: %w", err)
	}
	for _, t := range []struct {
		name, migration string
		ok              bool
	}{{sqlReleasesTable, "init", releases}, {sqlLabelsTable, "custom_labels", labels}} {
		if !t.ok {
			return fmt.Errorf("table %s is missing, though %s records migration %q as applied: restore the table, or delete that row so that it is created again",
				t.name, sqlMigrationsTable, t.migration)
		}
	}
	return nil
}

// isUndefinedTable tells whether err is PostgreSQL's undefined_table.
func isUndefinedTable(err error) bool {
	var pgErr *pgconn.PgError
	return errors.As(err, &pgErr) && pgErr.Code == "42P01"
}
