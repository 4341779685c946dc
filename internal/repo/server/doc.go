// Package server is a chart repository server in the manner of ChartMuseum: it
// serves index.yaml, chart archives and their .prov files from a folder, accepts
// uploads and deletions through a small JSON API, and keeps index.yaml up to date
// incrementally.
//
//	h, err := server.New(ctx, server.Options{StorageDir: dir})
//	http.ListenAndServe("127.0.0.1:8080", h)
//
// Routes:
//
//	GET    /index.yaml                      the repository index
//	GET    /charts/<name>-<version>.tgz     an archive (and .prov)
//	GET    /api/charts[/<name>[/<version>]] the index entries as JSON
//	POST   /api/charts[?force]              upload: the archive as the body, or a
//	                                        multipart form with "chart" and "prov";
//	                                        an existing version is refused (409)
//	                                        unless forced
//	POST   /api/prov                        upload a provenance file alone
//	DELETE /api/charts/<name>/<version>     delete a version
//	GET    /health                          liveness
//
// Uploads are written to a temporary file and renamed into place, then the index
// is rewritten atomically; on start the index is reconciled with the folder, so a
// crash at any point leaves a readable index that matches the archives.
package server
