package storage

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/selection"

	"github.com/rudderpm/rudder/internal/release"
)

// sqlDefaultNamespace is where a driver reading all namespaces writes a
// release that names none, as Helm's sql driver does.
const sqlDefaultNamespace = "default"

// SQL stores records in PostgreSQL, in the tables of Helm's sql driver
// (HELM_DRIVER=sql): one row of releases_v1 per revision, keyed by the
// record's name and namespace, whose body is the payload and whose columns
// name, owner, status, version, createdAt and modifiedAt are the system
// labels; the user's labels are rows of custom_labels_v1. Helm and Rudder
// read and write each other's rows.
//
// The tables are created on first use if the database lacks them, recorded
// in gorp_migrations as Helm's migrator records them.
type SQL struct {
	db        *sqlDB
	namespace string
	opts      DriverOptions
}

// sqlDB is the connection pool that the drivers of every namespace share.
type sqlDB struct {
	pool *pgxpool.Pool

	mu    sync.Mutex
	ready bool // the schema is known to be in place
}

// OpenSQL makes a driver over the PostgreSQL database that connString names
// (a URL, postgres://user:password@host:port/db?sslmode=disable, or
// keyword=value pairs; what it leaves out comes from the PG* environment
// variables and libpq's defaults, as with Helm). It works in all namespaces;
// InNamespace gives drivers for one. Nothing is connected until the first
// call; Close closes the connections of all of them.
func OpenSQL(connString string, opts DriverOptions) (*SQL, error) {
	cfg, err := pgxpool.ParseConfig(connString)
	if err != nil {
		return nil, fmt.Errorf("sql storage: connection string: %w", err)
	}
	if !strings.Contains(connString, "default_query_exec_mode") {
		// A command runs a few statements: caching them as named prepared
		// statements gains nothing, and breaks behind a pooler in transaction
		// mode (PgBouncer before 1.21), where Helm's lib/pq works.
		cfg.ConnConfig.DefaultQueryExecMode = pgx.QueryExecModeDescribeExec
	}
	pool, err := pgxpool.NewWithConfig(context.Background(), cfg)
	if err != nil {
		return nil, fmt.Errorf("sql storage: %w", err)
	}
	return &SQL{db: &sqlDB{pool: pool}, opts: opts}, nil
}

// InNamespace is a driver over the same database, working in namespace; ""
// reads all namespaces.
func (d *SQL) InNamespace(namespace string) *SQL {
	return &SQL{db: d.db, namespace: namespace, opts: d.opts}
}

// Close closes the database connections, of this driver and of those that
// InNamespace made from the same one.
func (d *SQL) Close() { d.db.pool.Close() }

// Name is SQL, as Helm calls its driver.
func (d *SQL) Name() string { return "SQL" }

// Namespace is the namespace the driver works in; "" for all.
func (d *SQL) Namespace() string { return d.namespace }

// ready connects and makes sure the schema is in place, once.
func (d *SQL) ready(ctx context.Context) error {
	db := d.db
	db.mu.Lock()
	defer db.mu.Unlock()
	if db.ready {
		return nil
	}
	if err := db.pool.Ping(ctx); err != nil {
		return fmt.Errorf("sql storage: connect: %w", err)
	}
	if err := migrateSQL(ctx, db.pool); err != nil {
		return fmt.Errorf("sql storage: %w", err)
	}
	db.ready = true
	return nil
}

// sqlRecord is one row of releases_v1, with its custom labels.
type sqlRecord struct {
	key, namespace, body, name, status, owner string
	version, createdAt, modifiedAt            int
	labels                                    map[string]string
}

// sqlSelect reads records with their custom labels, in one statement so that
// both come from one snapshot.
const sqlSelect = `SELECT r.key, r.namespace, r.body, r.name, r.status, r.owner, r.version, r.createdAt, r.modifiedAt,
	(SELECT json_object_agg(l.key, l.value) FROM custom_labels_v1 l
		WHERE l.releaseKey = r.key AND l.releaseNamespace = r.namespace AND l.key IS NOT NULL)
	FROM releases_v1 r`

func scanRecord(row pgx.CollectableRow) (sqlRecord, error) {
	var r sqlRecord
	err := row.Scan(&r.key, &r.namespace, &r.body, &r.name, &r.status, &r.owner, &r.version, &r.createdAt, &r.modifiedAt, &r.labels)
	return r, err
}

// object names the record as table/namespace/key, the key naming the release
// and revision.
func (r *sqlRecord) object() string { return sqlObject(r.namespace, r.key) }

func sqlObject(namespace, key string) string {
	return sqlReleasesTable + "/" + namespace + "/" + key
}

// labelSet is what a selector matches: the custom labels and the system
// labels, from their columns. A record never updated has modifiedAt 0 in
// Helm's schema and no modifiedAt label.
func (r *sqlRecord) labelSet() labels.Set {
	set := make(labels.Set, len(r.labels)+6)
	maps.Copy(set, r.labels)
	set[labelName] = r.name
	set[labelOwner] = r.owner
	set[labelStatus] = r.status
	set[labelVersion] = strconv.Itoa(r.version)
	set[labelCreatedAt] = strconv.Itoa(r.createdAt)
	if r.modifiedAt != 0 {
		set[labelModifiedAt] = strconv.Itoa(r.modifiedAt)
	} else {
		delete(set, labelModifiedAt)
	}
	return set
}

func (r *sqlRecord) decode() (*release.Release, error) {
	rel, err := decodeRelease([]byte(r.body))
	if err != nil {
		return nil, &RecordError{Object: r.object(), Err: err}
	}
	rel.Labels = userLabels(r.labels)
	return rel, nil
}

// checkRead refuses a bad key, or a read with no namespace to read in.
func (d *SQL) checkRead(name string, version int) error {
	if err := checkKey(name, version); err != nil {
		return err
	}
	if d.namespace == "" {
		return releaseError("", name, version, ErrNamespaceRequired)
	}
	return nil
}

// Get reads one revision.
func (d *SQL) Get(ctx context.Context, name string, version int) (*release.Release, error) {
	if err := d.checkRead(name, version); err != nil {
		return nil, err
	}
	if err := d.ready(ctx); err != nil {
		return nil, err
	}
	key := Key(name, version)
	rows, _ := d.db.pool.Query(ctx, sqlSelect+` WHERE r.key = $1 AND r.namespace = $2`, key, d.namespace)
	rec, err := pgx.CollectExactlyOneRow(rows, scanRecord)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, releaseError(d.namespace, name, version, ErrReleaseNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("get %s: %w", sqlObject(d.namespace, key), err)
	}
	return rec.decode()
}

// List reads the records that sel selects. Equalities on the name and status
// labels narrow the query; the whole selector is then matched here.
func (d *SQL) List(ctx context.Context, sel labels.Selector) ([]*release.Release, error) {
	sel = ownedBy(sel)
	if err := d.ready(ctx); err != nil {
		return nil, err
	}
	where, args := d.listFilter(sel)
	rows, _ := d.db.pool.Query(ctx, sqlSelect+" WHERE "+where, args...)
	recs, err := pgx.CollectRows(rows, scanRecord)
	if err != nil {
		return nil, fmt.Errorf("list SQL records in namespace %q: %w", d.namespace, err)
	}
	var (
		rels []*release.Release
		bad  []*RecordError
	)
	for i := range recs {
		if !sel.Matches(recs[i].labelSet()) {
			continue
		}
		rel, err := recs[i].decode()
		if err != nil {
			bad = append(bad, err.(*RecordError))
			continue
		}
		rels = append(rels, rel)
	}
	if len(bad) > 0 {
		return rels, &UnreadableError{Records: bad}
	}
	return rels, nil
}

// sqlColumns are the system labels kept in a text column, which a query can
// compare as the selector does.
var sqlColumns = map[string]string{labelName: "r.name", labelOwner: "r.owner", labelStatus: "r.status"}

// listFilter is the WHERE clause of List: the driver's namespace, and the
// requirements of sel that a text column can check.
func (d *SQL) listFilter(sel labels.Selector) (string, []any) {
	var (
		conds []string
		args  []any
	)
	if d.namespace != "" {
		args = append(args, d.namespace)
		conds = append(conds, "r.namespace = $1")
	}
	reqs, _ := sel.Requirements()
	for _, req := range reqs {
		col, ok := sqlColumns[req.Key()]
		if !ok {
			continue
		}
		switch req.Operator() {
		case selection.Equals, selection.DoubleEquals, selection.In:
			args = append(args, req.ValuesUnsorted())
			conds = append(conds, col+" = ANY($"+strconv.Itoa(len(args))+")")
		}
	}
	if len(conds) == 0 {
		return "true", nil
	}
	return strings.Join(conds, " AND "), args
}

// writeNamespace is where rel's record goes: the driver's namespace, else
// the release's, else default.
func (d *SQL) writeNamespace(rel *release.Release) string {
	switch {
	case d.namespace != "":
		return d.namespace
	case rel.Namespace != "":
		return rel.Namespace
	}
	return sqlDefaultNamespace
}

// checkSQLKey refuses a record Helm's schema cannot hold: the key column is
// 90 characters wide, and custom_labels_v1.releasekey only 64.
func checkSQLKey(ns string, rel *release.Release) error {
	key := Key(rel.Name, rel.Version)
	var problem string
	switch {
	case len(key) > sqlKeyMax:
		problem = fmt.Sprintf("record key %s is %d characters; the sql schema holds %d", key, len(key), sqlKeyMax)
	case len(rel.Labels) > 0 && len(key) > sqlLabelKeyMax:
		problem = fmt.Sprintf("record key %s is %d characters; the sql schema holds %d for a release with labels (%s.releasekey)",
			key, len(key), sqlLabelKeyMax, sqlLabelsTable)
	default:
		return nil
	}
	return releaseError(ns, rel.Name, rel.Version, fmt.Errorf("%w: %s", ErrInvalidKey, problem))
}

// encode checks rel and makes its payload.
func (d *SQL) encode(rel *release.Release) (ns, key, payload string, err error) {
	if err := checkRelease(rel); err != nil {
		return "", "", "", err
	}
	ns = d.writeNamespace(rel)
	if err := checkSQLKey(ns, rel); err != nil {
		return "", "", "", err
	}
	payload, err = encodeRelease(rel)
	if err != nil {
		return "", "", "", releaseError(ns, rel.Name, rel.Version, err)
	}
	return ns, Key(rel.Name, rel.Version), payload, nil
}

// Create writes a new record for rel, with its labels, in one transaction.
func (d *SQL) Create(ctx context.Context, rel *release.Release) error {
	ns, key, payload, err := d.encode(rel)
	if err != nil {
		return err
	}
	if err := d.ready(ctx); err != nil {
		return err
	}
	exists := false
	err = pgx.BeginFunc(ctx, d.db.pool, func(tx pgx.Tx) error {
		tag, err := tx.Exec(ctx, `INSERT INTO releases_v1 (key, type, body, name, namespace, version, status, owner, createdAt)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) ON CONFLICT (key, namespace) DO NOTHING`,
			key, sqlType, payload, rel.Name, ns, rel.Version, string(rel.Info.Status), owner, d.opts.now().Unix())
		if err != nil {
			return err
		}
		if tag.RowsAffected() == 0 {
			exists = true
			return nil
		}
		return insertSQLLabels(ctx, tx, key, ns, rel.Labels)
	})
	if exists {
		return releaseError(ns, rel.Name, rel.Version, ErrReleaseExists)
	}
	if err != nil {
		return fmt.Errorf("create %s: %w", sqlObject(ns, key), err)
	}
	return nil
}

// insertSQLLabels writes the user's labels of a record.
func insertSQLLabels(ctx context.Context, tx pgx.Tx, key, ns string, lbs map[string]string) error {
	if len(lbs) == 0 {
		return nil
	}
	keys := slices.Sorted(maps.Keys(lbs))
	values := make([]string, len(keys))
	for i, k := range keys {
		values[i] = lbs[k]
	}
	_, err := tx.Exec(ctx, `INSERT INTO custom_labels_v1 (releaseKey, releaseNamespace, key, value)
		SELECT $1, $2, k, v FROM unnest($3::text[], $4::text[]) AS l(k, v)`, key, ns, keys, values)
	if err != nil {
		return fmt.Errorf("labels: %w", err)
	}
	return nil
}

// Update replaces rel's record and its labels, keeping createdAt and setting
// modifiedAt.
func (d *SQL) Update(ctx context.Context, rel *release.Release) error {
	ns, key, payload, err := d.encode(rel)
	if err != nil {
		return err
	}
	if err := d.ready(ctx); err != nil {
		return err
	}
	missing := false
	err = pgx.BeginFunc(ctx, d.db.pool, func(tx pgx.Tx) error {
		tag, err := tx.Exec(ctx, `UPDATE releases_v1 SET body = $1, name = $2, version = $3, status = $4, owner = $5, modifiedAt = $6
			WHERE key = $7 AND namespace = $8`,
			payload, rel.Name, rel.Version, string(rel.Info.Status), owner, d.opts.now().Unix(), key, ns)
		if err != nil {
			return err
		}
		if tag.RowsAffected() == 0 {
			missing = true
			return nil
		}
		if _, err := tx.Exec(ctx, `DELETE FROM custom_labels_v1 WHERE releaseKey = $1 AND releaseNamespace = $2`, key, ns); err != nil {
			return fmt.Errorf("labels: %w", err)
		}
		return insertSQLLabels(ctx, tx, key, ns, rel.Labels)
	})
	if missing {
		return releaseError(ns, rel.Name, rel.Version, ErrReleaseNotFound)
	}
	if err != nil {
		return fmt.Errorf("update %s: %w", sqlObject(ns, key), err)
	}
	return nil
}

// Delete removes one revision's record and its labels, returning the release
// it held. A record that cannot be decoded is left in place.
func (d *SQL) Delete(ctx context.Context, name string, version int) (*release.Release, error) {
	if err := d.checkRead(name, version); err != nil {
		return nil, err
	}
	if err := d.ready(ctx); err != nil {
		return nil, err
	}
	key := Key(name, version)
	var rel *release.Release
	err := pgx.BeginFunc(ctx, d.db.pool, func(tx pgx.Tx) error {
		rows, _ := tx.Query(ctx, sqlSelect+` WHERE r.key = $1 AND r.namespace = $2 FOR UPDATE OF r`, key, d.namespace)
		rec, err := pgx.CollectExactlyOneRow(rows, scanRecord)
		if errors.Is(err, pgx.ErrNoRows) {
			return releaseError(d.namespace, name, version, ErrReleaseNotFound)
		}
		if err != nil {
			return err
		}
		if rel, err = rec.decode(); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `DELETE FROM releases_v1 WHERE key = $1 AND namespace = $2`, key, d.namespace); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `DELETE FROM custom_labels_v1 WHERE releaseKey = $1 AND releaseNamespace = $2`, key, d.namespace); err != nil {
			return fmt.Errorf("labels: %w", err)
		}
		return nil
	})
	var (
		relErr *ReleaseError
		recErr *RecordError
	)
	switch {
	case err == nil:
		return rel, nil
	case errors.As(err, &relErr), errors.As(err, &recErr):
		return nil, err
	}
	return nil, fmt.Errorf("delete %s: %w", sqlObject(d.namespace, key), err)
}
