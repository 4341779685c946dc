package server

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"path"
	"path/filepath"
	"strings"

	"github.com/rudderpm/rudder/internal/atomicfile"
	"github.com/rudderpm/rudder/internal/chart"
	"github.com/rudderpm/rudder/internal/repo"
)

// Upload stores a chart archive (and its provenance file, if any) and indexes it.
// An existing version is replaced only with force (or Options.AllowOverwrite).
// It returns the archive's file name.
func (s *Server) Upload(archive, prov []byte, force bool) (string, error) {
	tmp, err := atomicfile.Create(s.opts.StorageDir)
	if err != nil {
		return "", err
	}
	defer tmp.Discard()
	h := sha256.New()
	if _, err := io.MultiWriter(tmp, h).Write(archive); err != nil {
		return "", err
	}
	return s.store(tmp, hex.EncodeToString(h.Sum(nil)), prov, force)
}

// store indexes the chart archive written to tmp, a temporary file of the
// storage folder, and commits it under its name. digest is its SHA-256 in hex.
func (s *Server) store(tmp *atomicfile.File, digest string, prov []byte, force bool) (string, error) {
	c, err := s.load(tmp.File)
	if err != nil {
		return "", err
	}
	if err := c.Validate(); err != nil {
		return "", fmt.Errorf("%w: %w", errBadChart, err)
	}
	name, version := c.Name(), c.Metadata.Version
	if err := checkServable(name, version); err != nil {
		return "", fmt.Errorf("%w: %w", errBadChart, err)
	}
	file := chart.ArchiveName(c)
	entry := &repo.ChartVersion{Metadata: c.Metadata, URLs: []string{s.chartURL(file)}, Digest: digest, Created: s.opts.Now()}
	if err := s.checkMetadata(entry, chartYAMLSize(c)); err != nil {
		return "", err
	}
	if prov != nil {
		p, err := parseProvenance(prov)
		if err == nil {
			err = p.matches(file, digest, name, version)
		}
		if err != nil {
			return "", fmt.Errorf("%w: %w", errBadProvenance, err)
		}
	}

	s.mu.Lock()
	defer s.mu.Unlock()
	if other := s.entryOfFile(file); other != nil && (other.Name != name || other.Version != version) {
		return "", fmt.Errorf("chart %s version %s: its archive %s would replace that of chart %s version %s: %w",
			name, version, file, other.Name, other.Version, ErrFileTaken)
	}
	if s.index.Has(name, version) && !force && !s.opts.AllowOverwrite {
		return "", fmt.Errorf("%s: %w", file, ErrExists)
	}
	if prov != nil {
		if err := s.writeFile(file+".prov", prov); err != nil {
			return "", err
		}
	}
	if err := tmp.Commit(file, 0o644); err != nil {
		return "", err
	}
	if prov == nil {
		// A replaced version must not keep the old version's signature.
		if err := os.Remove(filepath.Join(s.opts.StorageDir, file+".prov")); err != nil && !os.IsNotExist(err) {
			return "", err
		}
	}
	s.index.Remove(name, version)
	s.index.Entries[name] = append(s.index.Entries[name], entry)
	return file, s.saveLocked()
}

// load reads a chart from an uploaded archive. Uploads are loaded one at a
// time: however many arrive together, the memory for decompressed charts is
// that of one. A chart that does not load is errBadChart; a file that cannot be
// read is the server's error.
func (s *Server) load(f *os.File) (*chart.Chart, error) {
	s.loadMu.Lock()
	defer s.loadMu.Unlock()
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		return nil, err
	}
	r := &fileReader{f: f}
	c, err := s.opts.ChartLimits.LoadArchive(r)
	switch {
	case r.err != nil:
		return nil, r.err
	case err != nil:
		return nil, fmt.Errorf("%w: %w", errBadChart, err)
	}
	return c, nil
}

// fileReader reads a file and keeps the error it met, to tell the server's
// errors (which name the file) from the chart's.
type fileReader struct {
	f   *os.File
	err error
}

func (r *fileReader) Read(p []byte) (int, error) {
	n, err := r.f.Read(p)
	if err != nil && !errors.Is(err, io.EOF) {
		r.err = err
	}
	return n, err
}

// entryOfFile returns the index entry whose archive is file or, failing that,
// one whose archive's name differs from it only in case (the same file on
// macOS and Windows); s.mu is held.
func (s *Server) entryOfFile(file string) *repo.ChartVersion {
	var folded *repo.ChartVersion
	for _, vs := range s.index.Entries {
		for _, v := range vs {
			if len(v.URLs) == 0 {
				continue
			}
			switch base := path.Base(v.URLs[0]); {
			case base == file:
				return v
			case strings.EqualFold(base, file):
				folded = v
			}
		}
	}
	return folded
}

// UploadProvenance stores a provenance file for an archive the repository has.
// The file must name that archive with its digest; an existing provenance file
// is replaced only with force (or Options.AllowOverwrite).
func (s *Server) UploadProvenance(prov []byte, force bool) (string, error) {
	p, err := parseProvenance(prov)
	if err != nil {
		return "", fmt.Errorf("%w: %w", errBadProvenance, err)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	entry := s.entryOfFile(p.file)
	if entry == nil || path.Base(entry.URLs[0]) != p.file {
		return "", fmt.Errorf("%w: %s: no such chart archive", errNotFound, quote(p.file))
	}
	if err := p.matches(p.file, entry.Digest, entry.Name, entry.Version); err != nil {
		return "", fmt.Errorf("%w: %w", errBadProvenance, err)
	}
	name := p.file + ".prov"
	if _, err := os.Lstat(filepath.Join(s.opts.StorageDir, name)); err == nil && !force && !s.opts.AllowOverwrite {
		return "", fmt.Errorf("%s: %w", name, ErrProvenanceExists)
	}
	return name, s.writeFile(name, prov)
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
		return fmt.Errorf("%w: chart %s version %s", errNotFound, quote(name), quote(version))
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

// writeFile writes a file of the storage folder whole: the old content or the new.
func (s *Server) writeFile(name string, data []byte) error {
	return atomicfile.Write(filepath.Join(s.opts.StorageDir, name), data, 0o644)
}
