package server

import (
	"bytes"
	"context"
	"crypto/subtle"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/rudderpm/rudder/internal/chart"
	"github.com/rudderpm/rudder/internal/repo"
)

// DefaultMaxUploadSize bounds an upload when Options.MaxUploadSize is zero.
const DefaultMaxUploadSize = 20 << 20

// Options configure a Server. Only StorageDir is required.
type Options struct {
	// StorageDir holds the archives, their .prov files and index.yaml.
	StorageDir string
	// BaseURL, when set, makes the index's chart URLs absolute
	// (<BaseURL>/charts/<file>); otherwise they are relative ("charts/<file>").
	BaseURL string
	// Username and Password, when set, protect every route with basic auth
	// (reads too, unless AnonymousGet).
	Username, Password string
	AnonymousGet       bool
	// MaxUploadSize bounds an upload's body; 0 means DefaultMaxUploadSize.
	MaxUploadSize int64
	// AllowOverwrite lets an upload replace an existing version.
	AllowOverwrite bool
	// Now is the clock; nil means time.Now.
	Now func() time.Time
}

// Server is an http.Handler serving a chart repository from a folder.
type Server struct {
	opts Options
	mux  *http.ServeMux

	lock *os.File // held while the server uses the folder

	mu    sync.Mutex
	index *repo.IndexFile
	raw   []byte // index.yaml as served
}

// Errors of the server.
var (
	// ErrExists reports an upload of a version the repository already has.
	ErrExists = errors.New("chart version already exists")
	// ErrFolderInUse reports a storage folder another server is using.
	ErrFolderInUse = errors.New("in use by another server")
)

// lockFile, in the storage folder, is locked by the server using the folder.
const lockFile = ".lock"

// New opens (creating it if needed) a storage folder and reconciles its index
// with the archives it holds.
func New(ctx context.Context, o Options) (*Server, error) {
	if o.StorageDir == "" {
		return nil, errors.New("server: no storage folder")
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.MaxUploadSize <= 0 {
		o.MaxUploadSize = DefaultMaxUploadSize
	}
	o.BaseURL = strings.TrimSuffix(o.BaseURL, "/")
	if err := os.MkdirAll(o.StorageDir, 0o755); err != nil {
		return nil, fmt.Errorf("storage folder %s: %w", o.StorageDir, err)
	}
	// Two servers must not share a folder: each keeps the index in memory and
	// would undo the other's changes.
	lock, err := repo.TryLockFile(filepath.Join(o.StorageDir, lockFile))
	if errors.Is(err, repo.ErrLocked) {
		err = ErrFolderInUse
	}
	if err != nil {
		return nil, fmt.Errorf("storage folder %s: %w", o.StorageDir, err)
	}
	s := &Server{opts: o, lock: lock}
	if err := s.reconcile(ctx); err != nil {
		lock.Close()
		return nil, err
	}
	s.routes()
	return s, nil
}

// Close releases the storage folder for another server. The server must not be
// used after.
func (s *Server) Close() error { return s.lock.Close() }

func (s *Server) indexPath() string { return filepath.Join(s.opts.StorageDir, "index.yaml") }

// reconcile loads index.yaml, drops entries whose archive is gone, indexes
// archives the index lacks or that changed after it was written, and removes
// temporary files an interrupted upload left.
func (s *Server) reconcile(ctx context.Context) error {
	idx := repo.NewIndexFile(s.opts.Now())
	var indexTime time.Time
	if b, err := os.ReadFile(s.indexPath()); err == nil {
		if old, _, err := repo.ParseIndex(b); err == nil {
			idx = old
			if fi, err := os.Stat(s.indexPath()); err == nil {
				indexTime = fi.ModTime()
			}
		}
	}
	tmps, _ := filepath.Glob(filepath.Join(s.opts.StorageDir, tmpPrefix+"*"))
	for _, t := range tmps {
		_ = os.Remove(t)
	}
	indexed := map[string]bool{}
	for name, vs := range idx.Entries {
		kept := vs[:0]
		for _, v := range vs {
			if len(v.URLs) == 0 {
				continue
			}
			file := path.Base(v.URLs[0])
			p := filepath.Join(s.opts.StorageDir, file)
			fi, err := os.Stat(p)
			if err != nil {
				continue // gone
			}
			if !fi.ModTime().Before(indexTime) {
				// Written at or after the index: maybe replaced by an upload the
				// index did not record (a crash in between). If so, it is
				// indexed afresh below.
				if d, err := repo.DigestFile(p); err != nil || d != v.Digest {
					continue
				}
			}
			v.URLs = []string{s.chartURL(file)}
			indexed[file] = true
			kept = append(kept, v)
		}
		if len(kept) == 0 {
			delete(idx.Entries, name)
		} else {
			idx.Entries[name] = kept
		}
	}
	archives, err := filepath.Glob(filepath.Join(s.opts.StorageDir, "*.tgz"))
	if err != nil {
		return err
	}
	for _, a := range archives {
		if err := ctx.Err(); err != nil {
			return err
		}
		file := filepath.Base(a)
		if indexed[file] {
			continue
		}
		c, err := chart.LoadFile(a)
		if err != nil {
			continue // not a chart: not served in the index
		}
		digest, err := repo.DigestFile(a)
		if err != nil {
			return err
		}
		if idx.Has(c.Name(), c.Metadata.Version) {
			continue
		}
		fi, _ := os.Stat(a)
		created := s.opts.Now()
		if fi != nil {
			created = fi.ModTime()
		}
		if err := idx.Add(c.Metadata, file, "", digest, created); err != nil {
			continue
		}
		idx.Entries[c.Name()][len(idx.Entries[c.Name()])-1].URLs = []string{s.chartURL(file)}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.index = idx
	return s.saveLocked()
}

func (s *Server) chartURL(file string) string {
	if s.opts.BaseURL != "" {
		return s.opts.BaseURL + "/charts/" + file
	}
	return "charts/" + file
}

// saveLocked writes index.yaml atomically; s.mu is held.
func (s *Server) saveLocked() error {
	s.index.SortEntries()
	s.index.Generated = s.opts.Now()
	b, err := s.index.Marshal()
	if err != nil {
		return err
	}
	if err := s.writeFile("index.yaml", b); err != nil {
		return fmt.Errorf("index %s: %w", s.indexPath(), err)
	}
	s.raw = b
	return nil
}

// Index returns a copy of the current index.yaml.
func (s *Server) Index() []byte {
	s.mu.Lock()
	defer s.mu.Unlock()
	return bytes.Clone(s.raw)
}

// Upload stores a chart archive (and its provenance file, if any) and indexes it.
// An existing version is replaced only with force (or Options.AllowOverwrite).
// It returns the archive's file name.
func (s *Server) Upload(archive, prov []byte, force bool) (string, error) {
	c, err := chart.LoadArchive(bytes.NewReader(archive))
	if err != nil {
		return "", fmt.Errorf("%w: %w", errBadChart, err)
	}
	if err := c.Validate(); err != nil {
		return "", fmt.Errorf("%w: %w", errBadChart, err)
	}
	if prov != nil && !bytes.Contains(prov, []byte("-----BEGIN PGP SIGNED MESSAGE-----")) {
		return "", fmt.Errorf("%w: provenance file is not a clear-signed message", errBadChart)
	}
	file := chart.ArchiveName(c)
	digest, _ := repo.Digest(bytes.NewReader(archive))

	s.mu.Lock()
	defer s.mu.Unlock()
	if s.index.Has(c.Name(), c.Metadata.Version) && !force && !s.opts.AllowOverwrite {
		return "", fmt.Errorf("%s: %w", file, ErrExists)
	}
	if prov != nil {
		if err := s.writeFile(file+".prov", prov); err != nil {
			return "", err
		}
	}
	if err := s.writeFile(file, archive); err != nil {
		return "", err
	}
	if prov == nil {
		// A replaced version must not keep the old version's signature.
		if err := os.Remove(filepath.Join(s.opts.StorageDir, file+".prov")); err != nil && !os.IsNotExist(err) {
			return "", err
		}
	}
	s.index.Remove(c.Name(), c.Metadata.Version)
	if err := s.index.Add(c.Metadata, file, "", digest, s.opts.Now()); err != nil {
		return "", fmt.Errorf("%w: %w", errBadChart, err)
	}
	vs := s.index.Entries[c.Name()]
	vs[len(vs)-1].URLs = []string{s.chartURL(file)}
	return file, s.saveLocked()
}

// UploadProvenance stores a provenance file for an archive the repository has.
func (s *Server) UploadProvenance(prov []byte) (string, error) {
	if !bytes.Contains(prov, []byte("-----BEGIN PGP SIGNED MESSAGE-----")) {
		return "", fmt.Errorf("%w: provenance file is not a clear-signed message", errBadChart)
	}
	// The signed message names the archive: "files:\n  <name>-<version>.tgz: sha256:...".
	file := ""
	for _, line := range strings.Split(string(prov), "\n") {
		line = strings.TrimSpace(line)
		if strings.HasSuffix(strings.SplitN(line, ":", 2)[0], ".tgz") {
			file = strings.SplitN(line, ":", 2)[0]
			break
		}
	}
	if file == "" || strings.ContainsAny(file, `/\`) {
		return "", fmt.Errorf("%w: provenance file names no chart archive", errBadChart)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, err := os.Stat(filepath.Join(s.opts.StorageDir, file)); err != nil {
		return "", fmt.Errorf("%w: %s: no such chart archive", errNotFound, file)
	}
	return file + ".prov", s.writeFile(file+".prov", prov)
}

// Delete removes a chart version, its archive and provenance file.
func (s *Server) Delete(name, version string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	var file string
	for _, v := range s.index.Entries[name] {
		if v.Version == version && len(v.URLs) > 0 {
			file = path.Base(v.URLs[0])
		}
	}
	if file == "" {
		return fmt.Errorf("%w: chart %s version %s", errNotFound, name, version)
	}
	// The files go first: after a crash in between, the start-up reconciliation
	// drops the entry whose archive is gone, so the deletion holds.
	for _, f := range []string{file + ".prov", file} {
		if err := os.Remove(filepath.Join(s.opts.StorageDir, f)); err != nil && !os.IsNotExist(err) {
			return err
		}
	}
	s.index.Remove(name, version)
	return s.saveLocked()
}

// tmpPrefix starts the names of temporary files in the storage folder; those
// left by a crash are removed at start.
const tmpPrefix = ".tmp-"

// writeFile writes a file of the storage folder through a temporary file
// renamed into place, so the file is always whole: the old content or the new.
func (s *Server) writeFile(name string, data []byte) error {
	tmp, err := os.CreateTemp(s.opts.StorageDir, tmpPrefix+"*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Chmod(0o644); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), filepath.Join(s.opts.StorageDir, name))
}

var (
	errBadChart = errors.New("invalid chart")
	errNotFound = errors.New("not found")
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

// ServeHTTP checks credentials, then routes.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if s.opts.Username != "" || s.opts.Password != "" {
		read := r.Method == http.MethodGet || r.Method == http.MethodHead
		if !(read && s.opts.AnonymousGet) && !s.authorized(r) {
			w.Header().Set("WWW-Authenticate", `Basic realm="rudder"`)
			writeJSON(w, http.StatusUnauthorized, map[string]string{"error": "unauthorized"})
			return
		}
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
		writeJSON(w, http.StatusNotFound, map[string]string{"error": "not found"})
		return
	}
	f, err := os.Open(filepath.Join(s.opts.StorageDir, file))
	if err != nil {
		writeJSON(w, http.StatusNotFound, map[string]string{"error": "not found"})
		return
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		writeJSON(w, http.StatusInternalServerError, map[string]string{"error": err.Error()})
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
			writeJSON(w, http.StatusNotFound, map[string]string{"error": "chart not found"})
			return
		}
		writeJSON(w, http.StatusOK, vs)
	default:
		i := slices.IndexFunc(s.index.Entries[name], func(v *repo.ChartVersion) bool { return v.Version == version })
		if i < 0 {
			writeJSON(w, http.StatusNotFound, map[string]string{"error": "chart version not found"})
			return
		}
		writeJSON(w, http.StatusOK, s.index.Entries[name][i])
	}
}

func (s *Server) postChart(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, s.opts.MaxUploadSize)
	var archive, prov []byte
	var err error
	if strings.HasPrefix(r.Header.Get("Content-Type"), "multipart/form-data") {
		archive, prov, err = readForm(r)
	} else {
		archive, err = io.ReadAll(r.Body)
	}
	if err != nil {
		s.fail(w, fmt.Errorf("%w: reading the upload: %w", errBadChart, err))
		return
	}
	if len(archive) == 0 {
		writeJSON(w, http.StatusBadRequest, map[string]string{"error": "no chart archive in the request"})
		return
	}
	if _, err := s.Upload(archive, prov, forced(r)); err != nil {
		s.fail(w, err)
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
	r.Body = http.MaxBytesReader(w, r.Body, s.opts.MaxUploadSize)
	var prov []byte
	var err error
	if strings.HasPrefix(r.Header.Get("Content-Type"), "multipart/form-data") {
		_, prov, err = readForm(r)
	} else {
		prov, err = io.ReadAll(r.Body)
	}
	if err != nil {
		s.fail(w, fmt.Errorf("%w: reading the upload: %w", errBadChart, err))
		return
	}
	if _, err := s.UploadProvenance(prov); err != nil {
		s.fail(w, err)
		return
	}
	writeJSON(w, http.StatusCreated, map[string]bool{"saved": true})
}

func (s *Server) deleteChart(w http.ResponseWriter, r *http.Request) {
	if err := s.Delete(r.PathValue("name"), r.PathValue("version")); err != nil {
		s.fail(w, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]bool{"deleted": true})
}

// readForm reads the "chart" and "prov" parts of a multipart upload.
func readForm(r *http.Request) (archive, prov []byte, err error) {
	mr, err := r.MultipartReader()
	if err != nil {
		return nil, nil, fmt.Errorf("%w: %w", errBadChart, err)
	}
	for {
		p, err := mr.NextPart()
		if errors.Is(err, io.EOF) {
			return archive, prov, nil
		}
		if err != nil {
			return nil, nil, fmt.Errorf("%w: %w", errBadChart, err)
		}
		b, err := io.ReadAll(p)
		if err != nil {
			return nil, nil, fmt.Errorf("%w: %w", errBadChart, err)
		}
		switch p.FormName() {
		case "chart":
			archive = b
		case "prov":
			prov = b
		}
	}
}

func (s *Server) fail(w http.ResponseWriter, err error) {
	var tooBig *http.MaxBytesError
	status := http.StatusInternalServerError
	switch {
	case errors.As(err, &tooBig):
		status = http.StatusRequestEntityTooLarge
	case errors.Is(err, errBadChart):
		status = http.StatusBadRequest
	case errors.Is(err, ErrExists):
		status = http.StatusConflict
	case errors.Is(err, errNotFound):
		status = http.StatusNotFound
	}
	writeJSON(w, status, map[string]string{"error": err.Error()})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}
