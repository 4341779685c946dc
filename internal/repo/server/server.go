package server

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/http"
	"os"
	"path"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/rudderpm/rudder/internal/atomicfile"
	"github.com/rudderpm/rudder/internal/chart"
	"github.com/rudderpm/rudder/internal/repo"
)

// Defaults of the Options whose zero value means "the default".
const (
	// DefaultMaxUploadSize bounds an upload's body: charts are rarely over 1 MiB.
	DefaultMaxUploadSize = 20 << 20
	// DefaultMaxConcurrentUploads bounds the uploads received at once; more are
	// refused (503) rather than queued. A repository takes few uploads, and each
	// in flight holds a temporary file of up to MaxUploadSize.
	DefaultMaxConcurrentUploads = 8
	// DefaultUploadTimeout bounds the time an upload's body may take to arrive:
	// 20 MiB in two minutes is 1.4 Mbit/s.
	DefaultUploadTimeout = 2 * time.Minute
	// DefaultMaxMetadataSize bounds a chart's Chart.yaml and the entry it adds to
	// index.yaml. Real ones are 1 to 3 KiB (kube-prometheus-stack's, with eight
	// maintainers and six dependencies, is 2.9 KiB); the room left is for
	// Artifact Hub annotations and icons written as data URLs.
	DefaultMaxMetadataSize = 64 << 10
)

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
	// AllowAnonymousWrites lets uploads and deletions through without
	// credentials when no Username and Password are set. Without it (and
	// without credentials) the repository is read-only over HTTP.
	AllowAnonymousWrites bool
	// MaxUploadSize bounds an upload's body; 0 means DefaultMaxUploadSize.
	MaxUploadSize int64
	// MaxConcurrentUploads bounds the uploads in flight; 0 means
	// DefaultMaxConcurrentUploads.
	MaxConcurrentUploads int
	// UploadTimeout bounds the time an upload's body may take to arrive, from
	// the end of its headers; 0 means DefaultUploadTimeout.
	UploadTimeout time.Duration
	// MaxMetadataSize bounds the size of a chart's Chart.yaml and of the entry
	// it adds to index.yaml; 0 means DefaultMaxMetadataSize.
	MaxMetadataSize int64
	// ChartLimits bound what loading a chart may take: its decompressed size,
	// nested subchart archives included, and its number of archive members.
	ChartLimits chart.Limits
	// AllowOverwrite lets an upload replace an existing version, and a
	// provenance upload an existing provenance file.
	AllowOverwrite bool
	// ReportError, when set, receives the errors answered with a bare
	// "500 internal server error": their details (file paths among them) are
	// kept out of responses.
	ReportError func(error)
	// Now is the clock; nil means time.Now.
	Now func() time.Time
}

// Server is an http.Handler serving a chart repository from a folder.
type Server struct {
	opts Options
	mux  *http.ServeMux

	lock *os.File // held while the server uses the folder

	uploads chan struct{} // a token per upload in flight
	loadMu  sync.Mutex    // one upload at a time is loaded into memory

	mu    sync.Mutex
	index *repo.IndexFile
	raw   []byte // index.yaml as served
}

// Errors of the server.
var (
	// ErrExists reports an upload of a version the repository already has.
	ErrExists = errors.New("chart version already exists")
	// ErrFileTaken reports an upload whose archive file name is that of
	// another chart's version (a@1-2.0.0 and a-1@2.0.0 are both a-1-2.0.0.tgz).
	ErrFileTaken = errors.New("file name taken by another chart")
	// ErrProvenanceExists reports a provenance upload for an archive that has
	// one already.
	ErrProvenanceExists = errors.New("provenance file already exists")
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
	if o.MaxConcurrentUploads <= 0 {
		o.MaxConcurrentUploads = DefaultMaxConcurrentUploads
	}
	if o.UploadTimeout <= 0 {
		o.UploadTimeout = DefaultUploadTimeout
	}
	if o.MaxMetadataSize <= 0 {
		o.MaxMetadataSize = DefaultMaxMetadataSize
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
	s := &Server{opts: o, lock: lock, uploads: make(chan struct{}, o.MaxConcurrentUploads)}
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
	_ = atomicfile.Clean(s.opts.StorageDir)
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
		c, err := s.opts.ChartLimits.LoadFile(a)
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
