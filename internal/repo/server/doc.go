// Package server is a chart repository server in the manner of ChartMuseum: it
// serves index.yaml, chart archives and their .prov files from a folder, accepts
// uploads and deletions through a small JSON API, and keeps index.yaml up to date
// incrementally.
//
//	h, err := server.New(ctx, server.Options{StorageDir: dir, Username: "ci", Password: pw})
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
//	POST   /api/prov[?force]                upload a provenance file alone; an
//	                                        existing one is refused (409) unless
//	                                        forced
//	DELETE /api/charts/<name>/<version>     delete a version
//	GET    /health                          liveness
//
// Writes (uploads and deletions) need the credentials, or, on a server without
// any, Options.AllowAnonymousWrites; otherwise they are refused (403).
//
// Uploads are bounded: in size, in time (a body that trickles in is cut), in
// number at once (more are refused with 503, not queued), in what a chart adds to
// the index, and in the names they bring (a name must be a plain file name and URL
// segment, and two charts may not share an archive file name). A provenance file
// must sign an archive the repository has, with its digest.
//
// Uploads are written to a temporary file as they arrive and renamed into place,
// then the index is rewritten atomically; on start the index is reconciled with
// the folder, so a crash at any point leaves a readable index that matches the
// archives. Internal errors are answered without details, which go to
// Options.ReportError.
package server
