package server

import (
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/rudderpm/rudder/internal/atomicfile"
	"github.com/rudderpm/rudder/internal/chart"
	"github.com/rudderpm/rudder/internal/repo"
)

func (s *Server) routes() {
	m := http.NewServeMux()
	m.HandleFunc("GET /index.yaml", s.getIndex)
	m.HandleFunc("GET /charts/{file}", s.getFile)
	m.HandleFunc("GET /api/charts", s.listCharts)
	m.HandleFunc("GET /api/charts/{name}", s.listCharts)
	m.HandleFunc("GET /api/charts/{name}/{version}", s.listCharts)
	m.HandleFunc("POST /api/charts", s.postChart)
	m.HandleFunc("POST /api/prov", s.postProv)
	m.HandleFunc("DELETE /api/charts/{name}/{version}", s.deleteChart)
	m.HandleFunc("GET /health", func(w http.ResponseWriter, _ *http.Request) {
		writeJSON(w, http.StatusOK, map[string]bool{"healthy": true})
	})
	s.mux = m
}

// ServeHTTP checks credentials, then routes. Writes need credentials, or
// Options.AllowAnonymousWrites on a server without them.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	read := r.Method == http.MethodGet || r.Method == http.MethodHead
	switch {
	case s.opts.Username != "" || s.opts.Password != "":
		if !(read && s.opts.AnonymousGet) && !s.authorized(r) {
			w.Header().Set("WWW-Authenticate", `Basic realm="rudder"`)
			refuse(w, r, http.StatusUnauthorized, "unauthorized")
			return
		}
	case !read && !s.opts.AllowAnonymousWrites:
		refuse(w, r, http.StatusForbidden, "writes are disabled: this server has no credentials set and does not allow anonymous writes; "+
			"its operator can set a username and password, or allow anonymous writes")
		return
	}
	s.mux.ServeHTTP(w, r)
}

func (s *Server) authorized(r *http.Request) bool {
	u, p, ok := r.BasicAuth()
	return ok && subtle.ConstantTimeCompare([]byte(u), []byte(s.opts.Username)) == 1 &&
		subtle.ConstantTimeCompare([]byte(p), []byte(s.opts.Password)) == 1
}

func (s *Server) getIndex(w http.ResponseWriter, _ *http.Request) {
	w.Header().Set("Content-Type", "application/x-yaml")
	_, _ = w.Write(s.Index())
}

func (s *Server) getFile(w http.ResponseWriter, r *http.Request) {
	file := r.PathValue("file")
	if file == "" || strings.HasPrefix(file, ".") || strings.ContainsAny(file, `/\`) ||
		!(strings.HasSuffix(file, ".tgz") || strings.HasSuffix(file, ".tgz.prov")) {
		refuse(w, r, http.StatusNotFound, "not found")
		return
	}
	f, err := os.Open(filepath.Join(s.opts.StorageDir, file))
	if err != nil {
		refuse(w, r, http.StatusNotFound, "not found")
		return
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if strings.HasSuffix(file, ".tgz") {
		w.Header().Set("Content-Type", "application/gzip")
	} else {
		w.Header().Set("Content-Type", "application/pgp-signature")
	}
	http.ServeContent(w, r, file, fi.ModTime(), f)
}

func (s *Server) listCharts(w http.ResponseWriter, r *http.Request) {
	name, version := r.PathValue("name"), r.PathValue("version")
	s.mu.Lock()
	defer s.mu.Unlock()
	switch {
	case name == "":
		writeJSON(w, http.StatusOK, s.index.Entries)
	case version == "":
		vs, ok := s.index.Entries[name]
		if !ok {
			refuse(w, r, http.StatusNotFound, "chart not found")
			return
		}
		writeJSON(w, http.StatusOK, vs)
	default:
		i := slices.IndexFunc(s.index.Entries[name], func(v *repo.ChartVersion) bool { return v.Version == version })
		if i < 0 {
			refuse(w, r, http.StatusNotFound, "chart version not found")
			return
		}
		writeJSON(w, http.StatusOK, s.index.Entries[name][i])
	}
}

func (s *Server) postChart(w http.ResponseWriter, r *http.Request) {
	done, ok := s.admit(w, r)
	if !ok {
		return
	}
	defer done()
	up, err := s.receive(r, true)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	defer up.discard()
	if up.archive == nil {
		refuse(w, r, http.StatusBadRequest, "no chart archive in the request")
		return
	}
	if _, err := s.store(up.archive, up.digest, up.prov, forced(r)); err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusCreated, map[string]bool{"saved": true})
}

// forced tells whether an upload asks to replace an existing version, with
// "?force" (ChartMuseum's parameter) or "?force=true".
func forced(r *http.Request) bool {
	v, ok := r.URL.Query()["force"]
	if !ok {
		return false
	}
	return len(v) == 0 || v[0] == "" || v[0] == "true" || v[0] == "1"
}

func (s *Server) postProv(w http.ResponseWriter, r *http.Request) {
	done, ok := s.admit(w, r)
	if !ok {
		return
	}
	defer done()
	up, err := s.receive(r, false)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	defer up.discard()
	if up.prov == nil {
		refuse(w, r, http.StatusBadRequest, "no provenance file in the request")
		return
	}
	if _, err := s.UploadProvenance(up.prov, forced(r)); err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusCreated, map[string]bool{"saved": true})
}

func (s *Server) deleteChart(w http.ResponseWriter, r *http.Request) {
	if err := s.Delete(r.PathValue("name"), r.PathValue("version")); err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]bool{"deleted": true})
}

// admit lets an upload in if a slot is free and its declared size is within
// the limit, and bounds the time and size of its body. done frees the slot.
func (s *Server) admit(w http.ResponseWriter, r *http.Request) (done func(), ok bool) {
	if r.ContentLength > s.opts.MaxUploadSize {
		s.fail(w, r, s.tooLarge())
		return nil, false
	}
	select {
	case s.uploads <- struct{}{}:
	default:
		// Refused at once rather than queued: a queue of stalled uploads
		// would hold a connection each.
		w.Header().Set("Retry-After", "10")
		refuse(w, r, http.StatusServiceUnavailable, fmt.Sprintf("busy: %d uploads in progress, the most this server takes at once; try again later", s.opts.MaxConcurrentUploads))
		return nil, false
	}
	rc := http.NewResponseController(w)
	// Where the connection cannot take a deadline (no such server), the
	// http.Server's ReadTimeout is the bound.
	_ = rc.SetReadDeadline(time.Now().Add(s.opts.UploadTimeout))
	r.Body = http.MaxBytesReader(w, r.Body, s.opts.MaxUploadSize)
	return func() {
		_ = rc.SetReadDeadline(time.Time{})
		<-s.uploads
	}, true
}

func (s *Server) tooLarge() error {
	return fmt.Errorf("%w: the upload is larger than the %s this server takes", errTooLarge, byteSize(s.opts.MaxUploadSize))
}

// upload is what a request brought: a chart archive, written to a temporary
// file of the storage folder, and a provenance file.
type upload struct {
	archive *atomicfile.File // nil when none came
	digest  string           // the archive's SHA-256, hex
	prov    []byte
}

func (u *upload) discard() {
	if u.archive != nil {
		u.archive.Discard()
	}
}

// receive reads an upload's body: the archive (withArchive) or the provenance
// file alone, or a multipart form with the parts "chart" and "prov". The
// archive goes to a temporary file, so memory does not grow with it.
func (s *Server) receive(r *http.Request, withArchive bool) (*upload, error) {
	up := &upload{}
	var err error
	switch {
	case strings.HasPrefix(r.Header.Get("Content-Type"), "multipart/form-data"):
		err = s.receiveForm(r, up)
	case withArchive:
		err = s.receiveArchive(r.Body, up)
	default:
		up.prov, err = s.receiveProvenance(r.Body)
	}
	if err != nil {
		up.discard()
		return nil, err
	}
	return up, nil
}

func (s *Server) receiveForm(r *http.Request, up *upload) error {
	mr, err := r.MultipartReader()
	if err != nil {
		return fmt.Errorf("%w: %w", errBadRequest, err)
	}
	for {
		p, err := mr.NextPart()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return s.bodyError(bodyErr{err})
		}
		switch p.FormName() {
		case "chart":
			if up.archive != nil {
				return fmt.Errorf("%w: more than one chart in the request", errBadRequest)
			}
			err = s.receiveArchive(p, up)
		case "prov":
			if up.prov != nil {
				return fmt.Errorf("%w: more than one provenance file in the request", errBadRequest)
			}
			up.prov, err = s.receiveProvenance(p)
		default:
			_, err = io.Copy(io.Discard, bodyReader{p})
		}
		if err != nil {
			return s.bodyError(err)
		}
	}
}

// receiveArchive copies an archive into a temporary file; an empty one is no
// archive.
func (s *Server) receiveArchive(r io.Reader, up *upload) error {
	tmp, err := atomicfile.Create(s.opts.StorageDir)
	if err != nil {
		return err
	}
	h := sha256.New()
	n, err := io.Copy(io.MultiWriter(tmp, h), bodyReader{r})
	if err != nil || n == 0 {
		tmp.Discard()
		return s.bodyError(err)
	}
	up.archive, up.digest = tmp, hex.EncodeToString(h.Sum(nil))
	return nil
}

// receiveProvenance reads a provenance file: a Chart.yaml and a signature.
func (s *Server) receiveProvenance(r io.Reader) ([]byte, error) {
	limit := s.opts.MaxMetadataSize + 16<<10
	b, err := io.ReadAll(io.LimitReader(bodyReader{r}, limit+1))
	if err != nil {
		return nil, s.bodyError(err)
	}
	if int64(len(b)) > limit {
		return nil, fmt.Errorf("%w: the provenance file is larger than the %s this server takes", errTooLarge, byteSize(limit))
	}
	if len(b) == 0 {
		return nil, nil
	}
	return b, nil
}

// bodyReader marks the errors of reading a request body, to tell them from
// those of writing the temporary file.
type bodyReader struct{ r io.Reader }

type bodyErr struct{ err error }

func (e bodyErr) Error() string { return e.err.Error() }
func (e bodyErr) Unwrap() error { return e.err }

func (b bodyReader) Read(p []byte) (int, error) {
	n, err := b.r.Read(p)
	if err != nil && !errors.Is(err, io.EOF) {
		err = bodyErr{err}
	}
	return n, err
}

// bodyError turns an error of reading the request into one for the client;
// others (writing the temporary file) are the server's. nil stays nil.
func (s *Server) bodyError(err error) error {
	var tooBig *http.MaxBytesError
	var netErr net.Error
	var be bodyErr
	switch {
	case err == nil:
		return nil
	case errors.As(err, &tooBig):
		return s.tooLarge()
	case errors.Is(err, os.ErrDeadlineExceeded) || errors.As(err, &netErr) && netErr.Timeout():
		return fmt.Errorf("%w: the upload did not arrive within %v", errTimeout, s.opts.UploadTimeout)
	case errors.As(err, &be):
		return fmt.Errorf("%w: reading the upload: %w", errBadRequest, err)
	}
	return err
}

// fail answers a request with the error's status and message, except that an
// internal error is answered without details (they may name files of the
// server) and given to Options.ReportError.
func (s *Server) fail(w http.ResponseWriter, r *http.Request, err error) {
	status := http.StatusInternalServerError
	switch {
	case errors.Is(err, errTooLarge), errors.Is(err, chart.ErrTooLarge):
		status = http.StatusRequestEntityTooLarge
	case errors.Is(err, errTimeout):
		status = http.StatusRequestTimeout
	case errors.Is(err, errBadChart), errors.Is(err, errBadProvenance), errors.Is(err, errBadRequest):
		status = http.StatusBadRequest
	case errors.Is(err, ErrExists), errors.Is(err, ErrFileTaken), errors.Is(err, ErrProvenanceExists):
		status = http.StatusConflict
	case errors.Is(err, errNotFound):
		status = http.StatusNotFound
	}
	msg := err.Error()
	if status == http.StatusInternalServerError {
		if s.opts.ReportError != nil {
			s.opts.ReportError(err)
		}
		msg = "internal server error"
	}
	refuse(w, r, status, msg)
}

// refuse answers a request with an error. The rest of a body it brought is not
// read: an HTTP/1 connection closes after the answer, so that a client sending
// slowly is not waited for (HTTP/2 needs no such thing: it ends the stream).
func refuse(w http.ResponseWriter, r *http.Request, status int, msg string) {
	if r.ProtoMajor == 1 && r.ContentLength != 0 {
		w.Header().Set("Connection", "close")
	}
	writeJSON(w, status, map[string]string{"error": msg})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}
