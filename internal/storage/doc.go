// Package storage keeps the history of releases: one record per revision, in
// exactly the format Helm 4 uses, so that Helm and Rudder can read, upgrade and
// roll back each other's releases.
//
// A record is a Secret (the default), a ConfigMap, an entry in memory, or a
// row of a PostgreSQL table (the sql driver, in Helm's schema), named
// sh.helm.release.v1.<release>.v<revision> and labelled with the release's
// name, owner=helm, status and version plus the user's labels. Its payload is
// the release as JSON, gzipped and base64-encoded.
//
// A Driver stores records in one namespace ("" reads across all of them);
// Storage adds what Helm's actions need on top: history, the last and the
// deployed revisions, listing, and pruning old revisions as they are created.
//
//	d, err := storage.Open(os.Getenv("HELM_DRIVER"), storage.Config{
//		Namespace: "web",
//		Core:      clientset.CoreV1(),
//	})
//	if err != nil { ... }
//	s := storage.New(d, storage.Options{})
//	last, err := s.Last(ctx, "frontend")
//	if errors.Is(err, storage.ErrReleaseNotFound) { ... first install ... }
//	next := ...
//	err = s.Create(ctx, next, storage.CreateOptions{MaxHistory: 10})
//
// Every driver passes the same contract tests (contract_test.go): the memory
// driver in unit tests, Secrets and ConfigMaps against a real API server, SQL
// against a real PostgreSQL server (package pgtest).
//
// The sql driver connects on first use and creates Helm's tables if the
// database lacks them:
//
//	db, err := storage.OpenSQL(os.Getenv("HELM_DRIVER_SQL_CONNECTION_STRING"), storage.DriverOptions{})
//	if err != nil { ... }
//	defer db.Close()
//	d, err := storage.Open("sql", storage.Config{Namespace: "web", SQL: db})
//
// A record larger than one Secret or ConfigMap holds (1 MiB) is chunked over
// several objects (chunk.go): Rudder reads it as one record; Helm sees a small
// stub in its place that says so.
package storage
