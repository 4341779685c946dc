package repo

import (
	"bufio"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"
	"unsafe"

	"github.com/Masterminds/semver/v3"
)

// The compact cache is a derived, read-optimised copy of a repository's
// index.yaml, written beside it at `repo update` time. It holds only what search
// and chart resolution need, one record per chart version, in a flat binary
// layout that is read in one system call and decoded without copying strings:
//
//	magic "RDRIDX01"
//	uvarint size of the index.yaml it was made from
//	varint  its modification time (Unix nanoseconds)
//	uvarint number of charts
//	per chart (sorted by name):
//	  string name, uvarint number of versions
//	  per version (newest first, as Helm sorts them):
//	    string version, appVersion, description, keywords (space separated),
//	           digest, URLs (newline separated), created (RFC 3339), chart name
//	           when it differs from the entry's name
//	    byte   flags
//
// A string is a uvarint length and its bytes. The size and modification time let
// readers notice that another program (Helm) rewrote index.yaml since.
const cacheMagic = "RDRIDX01"

// Version flags of the compact cache.
const (
	flagSemver       = 1 << iota // the version parses as a semantic version
	flagPrerelease               // ... with a pre-release part
	flagAboveZero                // ... greater than 0.0.0 (so accepted by Helm's default ">0.0.0" when stable)
	flagAboveZeroPre             // ... greater than 0.0.0-0 (accepted by --devel's ">0.0.0-0")
	flagDeprecated               // the chart version is marked deprecated
)

// CachedVersion is one chart version as the compact cache keeps it.
type CachedVersion struct {
	Version     string
	AppVersion  string
	Description string
	Keywords    string // space separated, as search matches them
	Digest      string
	URLs        []string
	Created     string
	// ChartName is the name in the version's Chart.yaml; usually the entry's name.
	ChartName string
	flags     byte
}

// IsSemver tells whether the version parses as a semantic version.
func (v *CachedVersion) IsSemver() bool { return v.flags&flagSemver != 0 }

// Prerelease tells whether the version has a pre-release part.
func (v *CachedVersion) Prerelease() bool { return v.flags&flagPrerelease != 0 }

// Deprecated tells whether the chart version is marked deprecated.
func (v *CachedVersion) Deprecated() bool { return v.flags&flagDeprecated != 0 }

// CachedChart is a chart and its versions, newest first.
type CachedChart struct {
	Name     string
	Versions []CachedVersion
}

// Cache is a repository's compact cache, loaded.
type Cache struct {
	// Repo is the repository's name.
	Repo   string
	Charts []CachedChart // sorted by name
}

// Chart returns the chart of that name, or nil.
func (c *Cache) Chart(name string) *CachedChart {
	i, ok := slices.BinarySearchFunc(c.Charts, name, func(ch CachedChart, n string) int { return strings.Compare(ch.Name, n) })
	if !ok {
		return nil
	}
	return &c.Charts[i]
}

// Get returns the newest version of a chart that the constraint accepts, as
// IndexFile.Get does.
func (c *Cache) Get(name, constraint string) (*CachedVersion, error) {
	ch := c.Chart(name)
	if ch == nil {
		return nil, fmt.Errorf("chart %q: %w", name, ErrChartNotFound)
	}
	return pickVersion(name, constraint, len(ch.Versions), func(k int) string { return ch.Versions[k].Version },
		func(k int) *CachedVersion { return &ch.Versions[k] })
}

// BuildCache derives the compact cache of an index.
func BuildCache(repoName string, idx *IndexFile) *Cache {
	c := &Cache{Repo: repoName, Charts: make([]CachedChart, 0, len(idx.Entries))}
	zero := semver.MustParse("0.0.0")
	zeroPre := semver.MustParse("0.0.0-0")
	for name, vs := range idx.Entries {
		if len(vs) == 0 {
			continue
		}
		ch := CachedChart{Name: name, Versions: make([]CachedVersion, len(vs))}
		for i, v := range vs {
			cv := CachedVersion{Version: v.Version, AppVersion: v.AppVersion, Description: v.Description,
				Keywords: strings.Join(v.Keywords, " "), Digest: v.Digest, URLs: v.URLs}
			if !v.Created.IsZero() {
				cv.Created = v.Created.Format(time.RFC3339Nano)
			}
			if v.Name != name {
				cv.ChartName = v.Name
			}
			if sv, err := semver.NewVersion(v.Version); err == nil {
				cv.flags |= flagSemver
				if sv.Prerelease() != "" {
					cv.flags |= flagPrerelease
				}
				if sv.GreaterThan(zero) {
					cv.flags |= flagAboveZero
				}
				if sv.GreaterThan(zeroPre) {
					cv.flags |= flagAboveZeroPre
				}
			}
			if v.Deprecated {
				cv.flags |= flagDeprecated
			}
			ch.Versions[i] = cv
		}
		c.Charts = append(c.Charts, ch)
	}
	slices.SortFunc(c.Charts, func(a, b CachedChart) int { return strings.Compare(a.Name, b.Name) })
	return c
}

// ErrStaleCache reports a compact cache that no longer matches its index.yaml.
var ErrStaleCache = errors.New("compact cache is stale")

// WriteCache writes the compact cache of a repository into cacheDir, stamped
// with the size and time of the index.yaml file it describes.
func WriteCache(cacheDir string, c *Cache) error {
	fi, err := os.Stat(filepath.Join(cacheDir, CacheIndexFile(c.Repo)))
	if err != nil {
		return err
	}
	var b []byte
	b = append(b, cacheMagic...)
	b = binary.AppendUvarint(b, uint64(fi.Size()))
	b = binary.AppendVarint(b, fi.ModTime().UnixNano())
	b = binary.AppendUvarint(b, uint64(len(c.Charts)))
	str := func(s string) {
		b = binary.AppendUvarint(b, uint64(len(s)))
		b = append(b, s...)
	}
	for _, ch := range c.Charts {
		str(ch.Name)
		b = binary.AppendUvarint(b, uint64(len(ch.Versions)))
		for _, v := range ch.Versions {
			str(v.Version)
			str(v.AppVersion)
			str(v.Description)
			str(v.Keywords)
			str(v.Digest)
			str(strings.Join(v.URLs, "\n"))
			str(v.Created)
			str(v.ChartName)
			b = append(b, v.flags)
		}
	}
	return WriteFileAtomic(filepath.Join(cacheDir, CacheCompactFile(c.Repo)), b, 0o644)
}

// ReadCache reads a repository's compact cache. It fails with ErrStaleCache when
// index.yaml changed since the cache was written (or the cache is missing while
// the index is there), so the caller can rebuild it with LoadCache.
func ReadCache(cacheDir, repoName string) (*Cache, error) {
	f, err := os.Open(filepath.Join(cacheDir, CacheIndexFile(repoName)))
	if err != nil {
		return nil, err
	}
	fi, err := f.Stat()
	f.Close()
	if err != nil {
		return nil, err
	}
	data, err := os.ReadFile(filepath.Join(cacheDir, CacheCompactFile(repoName)))
	if err != nil {
		return nil, fmt.Errorf("repository %q: %w: %w", repoName, ErrStaleCache, err)
	}
	c, size, mtime, err := decodeCache(data)
	if err != nil {
		return nil, fmt.Errorf("repository %q: %w: %w", repoName, ErrStaleCache, err)
	}
	if size != fi.Size() || mtime != fi.ModTime().UnixNano() {
		return nil, fmt.Errorf("repository %q: %w", repoName, ErrStaleCache)
	}
	c.Repo = repoName
	return c, nil
}

// LoadCache returns a repository's compact cache, rebuilding it from index.yaml
// (and trying to save it) when it is missing or stale.
func LoadCache(cacheDir, repoName string) (*Cache, []IndexWarning, error) {
	c, err := ReadCache(cacheDir, repoName)
	if err == nil {
		return c, nil, nil
	}
	if !errors.Is(err, ErrStaleCache) {
		return nil, nil, err
	}
	idx, warnings, err := LoadIndexFile(filepath.Join(cacheDir, CacheIndexFile(repoName)))
	if err != nil {
		return nil, warnings, err
	}
	c = BuildCache(repoName, idx)
	_ = WriteCache(cacheDir, c) // best effort: a read-only cache folder still works, only slower
	return c, warnings, nil
}

var errCorrupt = errors.New("corrupt compact cache")

// decodeCache decodes the layout WriteCache writes. Strings point into one
// string built from data, so decoding allocates little beyond the records.
func decodeCache(data []byte) (c *Cache, size, mtime int64, err error) {
	if len(data) < len(cacheMagic) || string(data[:len(cacheMagic)]) != cacheMagic {
		return nil, 0, 0, errCorrupt
	}
	s := unsafe.String(unsafe.SliceData(data), len(data)) // data is never written again
	p := len(cacheMagic)
	fail := false
	uv := func() uint64 {
		v, n := binary.Uvarint(data[p:])
		if n <= 0 {
			fail = true
			return 0
		}
		p += n
		return v
	}
	str := func() string {
		n := uv()
		if fail || uint64(len(data)-p) < n {
			fail = true
			return ""
		}
		r := s[p : p+int(n)]
		p += int(n)
		return r
	}
	size = int64(uv())
	mt, n := binary.Varint(data[p:])
	if n <= 0 {
		return nil, 0, 0, errCorrupt
	}
	p += n
	nCharts := uv()
	if fail || nCharts > uint64(len(data)) {
		return nil, 0, 0, errCorrupt
	}
	c = &Cache{Charts: make([]CachedChart, 0, nCharts)}
	for range nCharts {
		ch := CachedChart{Name: str()}
		nv := uv()
		if fail || nv > uint64(len(data)) {
			return nil, 0, 0, errCorrupt
		}
		ch.Versions = make([]CachedVersion, nv)
		for j := range ch.Versions {
			v := &ch.Versions[j]
			v.Version, v.AppVersion, v.Description, v.Keywords = str(), str(), str(), str()
			v.Digest = str()
			if u := str(); u != "" {
				v.URLs = strings.Split(u, "\n")
			}
			v.Created, v.ChartName = str(), str()
			if fail || p >= len(data) {
				return nil, 0, 0, errCorrupt
			}
			v.flags = data[p]
			p++
		}
		c.Charts = append(c.Charts, ch)
	}
	if fail {
		return nil, 0, 0, errCorrupt
	}
	return c, size, mt, nil
}

// DigestFile returns the hex SHA-256 of a file, the digest index.yaml records.
func DigestFile(name string) (string, error) {
	f, err := os.Open(name)
	if err != nil {
		return "", err
	}
	defer f.Close()
	return Digest(bufio.NewReader(f))
}

// Digest returns the hex SHA-256 of what r yields.
func Digest(r io.Reader) (string, error) {
	h := sha256.New()
	if _, err := io.Copy(h, r); err != nil {
		return "", err
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}
