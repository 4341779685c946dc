package repo

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"time"
	"unsafe"

	"github.com/Masterminds/semver/v3"

	"github.com/rudderpm/rudder/internal/atomicfile"
	"github.com/rudderpm/rudder/internal/chart"
)

// The compact cache is a derived, read-optimised copy of a repository's
// index.yaml, written beside it at `repo update` time. It holds only what search
// and chart resolution need, in a flat binary layout that is mapped into memory
// and searched in place, without decoding it into objects:
//
//	magic   "RDRIDX03"
//	uint32  CRC-32C of everything after it (little endian)
//	uvarint size of the index.yaml it was made from
//	varint  its modification time (Unix nanoseconds)
//	uvarint number of charts
//	per chart, sorted by name:
//	  string  name
//	  uvarint number of versions (newest first, as Helm sorts them)
//	  uvarint length of the search part, then per version:
//	          string version, appVersion, description, keywords (space
//	          separated), the name in Chart.yaml when it is not the entry's;
//	          byte flags
//	  the search part again, its ASCII letters lower-cased (so of the same
//	          length, and a record at the same offsets in both)
//	  byte    marks: which runes outside ASCII that lower-case into ASCII
//	          letters the search part holds, 1 (U+0130, to i) and 2 (U+212A,
//	          to k); 4 when a version has a Chart.yaml name of its own
//	  uvarint length of the fetch part, then per version:
//	          digest: byte 0 (none), 1 (then the 32 bytes of a lower-case hex
//	          SHA-256) or 2 (then the string as it was)
//	          uvarint number of URLs, then per URL the uvarint length it shares
//	          with the previous URL and a string, the rest
//	          varint creation time (Unix nanoseconds), if the flags say so
//
// A string is a uvarint length and its bytes. Search reads only the search parts;
// resolving a chart decodes only that chart. The size and modification time let
// readers notice that another program (Helm) rewrote index.yaml since. The
// lower-cased copy lets a search scan for a term without lower-casing every
// chart's text at query time. A file of an older layout has another magic, so
// it is read as stale and rebuilt, never misread.
const cacheMagic = "RDRIDX03"

// Marks of a chart's search part.
const (
	markDottedI  = 1 << iota // it holds U+0130, which lower-cases to "i"
	markKelvin               // it holds U+212A, which lower-cases to "k"
	markOwnNames             // a version has a Chart.yaml name other than the entry's
)

// Version flags of the compact cache.
const (
	flagSemver       = 1 << iota // the version parses as a semantic version
	flagPrerelease               // ... with a pre-release part
	flagAboveZero                // ... greater than 0.0.0 (so accepted by Helm's default ">0.0.0" when stable)
	flagAboveZeroPre             // ... greater than 0.0.0-0 (accepted by --devel's ">0.0.0-0")
	flagDeprecated               // the chart version is marked deprecated
	flagCreated                  // the fetch part records a creation time
)

// CachedVersion is one chart version as the compact cache keeps it.
type CachedVersion struct {
	Version     string
	AppVersion  string
	Description string
	Keywords    string // space separated, as search matches them
	Digest      string
	URLs        []string
	Created     time.Time // zero when the index has none
	// ChartName is the name in the version's Chart.yaml when it differs from the
	// entry's name, else "".
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

// Cache is a repository's compact cache: its encoded form, decoded on demand.
type Cache struct {
	// Repo is the repository's name.
	Repo string
	body []byte // from the number of charts on; never written to
}

// ErrStaleCache reports a compact cache that no longer matches its index.yaml.
var ErrStaleCache = errors.New("compact cache is stale")

var errCorrupt = errors.New("corrupt compact cache")

// BuildCache derives the compact cache of an index.
func BuildCache(repoName string, idx *IndexFile) *Cache {
	names := make([]string, 0, len(idx.Entries))
	for name, vs := range idx.Entries {
		if len(vs) > 0 {
			names = append(names, name)
		}
	}
	slices.Sort(names)
	var e encoder
	e.uv(uint64(len(names)))
	b := newCacheBuilder()
	for _, name := range names {
		b.chart(&e, name, idx.Entries[name])
	}
	return &Cache{Repo: repoName, body: e.b}
}

// cacheBuilder encodes charts into the compact cache's layout.
type cacheBuilder struct {
	zero, zeroPre *semver.Version
	search, fetch encoder
}

func newCacheBuilder() *cacheBuilder {
	return &cacheBuilder{zero: semver.MustParse("0.0.0"), zeroPre: semver.MustParse("0.0.0-0")}
}

// chart appends the record of a chart (its versions sorted newest first) to e.
func (b *cacheBuilder) chart(e *encoder, name string, vs []*ChartVersion) {
	search, fetch := &b.search, &b.fetch
	search.b, fetch.b = search.b[:0], fetch.b[:0]
	prevURL := ""
	var mark byte
	for _, v := range vs {
		var flags byte
		if sv, err := chart.ParseVersion(v.Version); err == nil {
			flags |= flagSemver
			if sv.Prerelease() != "" {
				flags |= flagPrerelease
			}
			if sv.GreaterThan(b.zero) {
				flags |= flagAboveZero
			}
			if sv.GreaterThan(b.zeroPre) {
				flags |= flagAboveZeroPre
			}
		}
		if v.Deprecated {
			flags |= flagDeprecated
		}
		if !v.Created.IsZero() {
			flags |= flagCreated
		}
		chartName := ""
		if v.Name != name {
			chartName = v.Name
			mark |= markOwnNames
		}
		search.str(v.Version)
		search.str(v.AppVersion)
		search.str(v.Description)
		search.str(strings.Join(v.Keywords, " "))
		search.str(chartName)
		search.b = append(search.b, flags)

		if raw, ok := hexSHA256(v.Digest); ok {
			fetch.b = append(fetch.b, 1)
			fetch.b = append(fetch.b, raw...)
		} else if v.Digest != "" {
			fetch.b = append(fetch.b, 2)
			fetch.str(v.Digest)
		} else {
			fetch.b = append(fetch.b, 0)
		}
		fetch.uv(uint64(len(v.URLs)))
		for _, u := range v.URLs {
			n := commonPrefix(prevURL, u)
			fetch.uv(uint64(n))
			fetch.str(u[n:])
			prevURL = u
		}
		if flags&flagCreated != 0 {
			fetch.b = binary.AppendVarint(fetch.b, v.Created.UnixNano())
		}
	}
	e.str(name)
	e.uv(uint64(len(vs)))
	e.bytes(search.b)
	var high bool
	e.b, high = lowerASCII(e.b, search.b)
	if high && bytes.Contains(search.b, []byte("\u0130")) {
		mark |= markDottedI
	}
	if high && bytes.Contains(search.b, []byte("\u212a")) {
		mark |= markKelvin
	}
	e.b = append(e.b, mark)
	e.bytes(fetch.b)
}

// hexSHA256 returns the bytes of a lower-case hex SHA-256, or false.
func hexSHA256(s string) ([]byte, bool) {
	if len(s) != 64 || strings.ToLower(s) != s {
		return nil, false
	}
	b, err := hex.DecodeString(s)
	return b, err == nil
}

func commonPrefix(a, b string) int {
	n := min(len(a), len(b))
	for i := range n {
		if a[i] != b[i] {
			return i
		}
	}
	return n
}

// WriteCache writes the compact cache of a repository into cacheDir, stamped
// with the size and time of the index.yaml file it describes.
func WriteCache(cacheDir string, c *Cache) error {
	fi, err := os.Stat(filepath.Join(cacheDir, CacheIndexFile(c.Repo)))
	if err != nil {
		return err
	}
	// The head, then the body as it is: the body is not copied.
	head := make([]byte, 0, len(cacheMagic)+4+2*binary.MaxVarintLen64)
	head = append(head, cacheMagic...)
	head = append(head, 0, 0, 0, 0) // the CRC, below
	head = binary.AppendUvarint(head, uint64(fi.Size()))
	head = binary.AppendVarint(head, fi.ModTime().UnixNano())
	sum := crc32.Checksum(head[len(cacheMagic)+4:], castagnoli)
	binary.LittleEndian.PutUint32(head[len(cacheMagic):], crc32.Update(sum, castagnoli, c.body))
	f, err := atomicfile.Create(cacheDir)
	if err != nil {
		return err
	}
	defer f.Discard()
	if _, err := f.Write(head); err != nil {
		return err
	}
	if _, err := f.Write(c.body); err != nil {
		return err
	}
	if err := f.Commit(CacheCompactFile(c.Repo), 0o644); err != nil {
		return err
	}
	if fi, err := os.Stat(filepath.Join(cacheDir, CacheCompactFile(c.Repo))); err == nil {
		// Best effort: without the stamp, readers check the whole checksum.
		_ = atomicfile.Write(filepath.Join(cacheDir, CacheStampFile(c.Repo)), cacheStamp(fi, head), 0o644)
	}
	return nil
}

// cacheStamp records a compact cache file as it was written: its size,
// modification time and checksum. While the file still has them, it is the
// file that was written whole and checked, and readers need not sum it again.
func cacheStamp(fi os.FileInfo, data []byte) []byte {
	b := append([]byte(nil), cacheMagic...)
	b = binary.AppendUvarint(b, uint64(fi.Size()))
	b = binary.AppendVarint(b, fi.ModTime().UnixNano())
	return append(b, data[len(cacheMagic):len(cacheMagic)+4]...)
}

// stampMatches tells whether the stamp file at name records the cache file
// described by fi and data.
func stampMatches(name string, fi os.FileInfo, data []byte) bool {
	if len(data) < len(cacheMagic)+4 {
		return false
	}
	stamp, err := os.ReadFile(name)
	return err == nil && string(stamp) == string(cacheStamp(fi, data))
}

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// ReadCache reads a repository's compact cache. It fails with ErrStaleCache when
// index.yaml changed since the cache was written, or when the cache is missing or
// damaged while the index is there, so the caller can rebuild it with LoadCache.
func ReadCache(cacheDir, repoName string) (*Cache, error) {
	fi, err := os.Stat(filepath.Join(cacheDir, CacheIndexFile(repoName)))
	if err != nil {
		return nil, err
	}
	data, cfi, unmap, err := mapCacheFile(filepath.Join(cacheDir, CacheCompactFile(repoName)))
	if err != nil {
		return nil, fmt.Errorf("repository %q: %w: %w", repoName, ErrStaleCache, err)
	}
	summed := stampMatches(filepath.Join(cacheDir, CacheStampFile(repoName)), cfi, data)
	body, err := cacheBody(data, fi, summed)
	if err != nil {
		unmap()
		return nil, fmt.Errorf("repository %q: %w", repoName, err)
	}
	c := &Cache{Repo: repoName, body: body}
	// Nothing handed out points into the mapping (see versions and Names), so it
	// goes when the cache does.
	runtime.AddCleanup(c, func(unmap func()) { unmap() }, unmap)
	return c, nil
}

// mapCacheFile maps a compact cache file into memory, read-only: a search touches
// its pages where they lie in the page cache, with no copy on the heap for the
// collector to account for. The cache is only ever replaced by a rename, never
// rewritten in place, so the mapping stays whole.
func mapCacheFile(name string) (data []byte, fi os.FileInfo, unmap func(), err error) {
	f, err := os.Open(name)
	if err != nil {
		return nil, nil, nil, err
	}
	defer f.Close()
	fi, err = f.Stat()
	if err != nil {
		return nil, nil, nil, err
	}
	data, _, unmap, err = mapFile(f, fi.Size())
	return data, fi, unmap, err
}

// cacheBody checks a compact cache file's head, and its checksum unless summed,
// against the index.yaml it should describe, and returns its body.
func cacheBody(data []byte, index os.FileInfo, summed bool) ([]byte, error) {
	const head = len(cacheMagic) + 4
	if len(data) < head || string(data[:len(cacheMagic)]) != cacheMagic ||
		!summed && binary.LittleEndian.Uint32(data[len(cacheMagic):]) != crc32.Checksum(data[head:], castagnoli) {
		return nil, fmt.Errorf("%w: %w", ErrStaleCache, errCorrupt)
	}
	d := decoder{b: data, p: head}
	size, mtime := d.uv(), d.v()
	if d.bad {
		return nil, fmt.Errorf("%w: %w", ErrStaleCache, errCorrupt)
	}
	if int64(size) != index.Size() || mtime != index.ModTime().UnixNano() {
		return nil, ErrStaleCache
	}
	return data[d.p:], nil
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
	path := filepath.Join(cacheDir, CacheIndexFile(repoName))
	c, warnings, err := buildFileCache(repoName, path)
	if err != nil {
		return nil, warnings, err
	}
	_ = WriteCache(cacheDir, c) // best effort: a read-only cache folder still works, only slower
	return c, warnings, nil
}

// buildFileCache reads the index file at path into its compact cache, mapped
// rather than copied into memory (see mapFile). Errors of the file are returned
// as they are, those of its content name it, as LoadIndexFile's do.
func buildFileCache(repoName, path string) (*Cache, []IndexWarning, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, nil, err
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return nil, nil, err
	}
	data, drop, unmap, err := mapFile(f, fi.Size())
	if err != nil {
		return nil, nil, err
	}
	defer unmap() // nothing read keeps a reference into data
	c, _, warnings, err := buildIndexCache(repoName, data, drop)
	if err != nil {
		return nil, warnings, fmt.Errorf("error loading %s: %w", path, err)
	}
	return c, warnings, nil
}

// cachedChart is a chart of the cache, still encoded.
type cachedChart struct {
	name          string
	n             int
	search, fetch []byte
	// lower is search with its ASCII letters lower-cased; mark says which
	// runes outside ASCII that lower-case into ASCII letters search holds.
	lower []byte
	mark  byte
}

// charts calls fn with every chart of the cache, in name order, until fn
// returns false.
func (c *Cache) charts(fn func(ch *cachedChart) bool) error {
	d := decoder{b: c.body}
	n := d.uv()
	var ch cachedChart
	for i := uint64(0); i < n && !d.bad; i++ {
		ch.name = d.str()
		ch.n = int(min(d.uv(), uint64(len(c.body))))
		ch.search = d.bytes()
		ch.lower = d.next(uint64(len(ch.search)))
		ch.mark = d.byte()
		ch.fetch = d.bytes()
		if d.bad {
			break
		}
		if !fn(&ch) {
			return nil
		}
	}
	runtime.KeepAlive(c) // c.body may be a mapping that goes with c
	if d.bad {
		return fmt.Errorf("repository %q: %w", c.Repo, errCorrupt)
	}
	return nil
}

// Names returns the names of the charts, sorted.
func (c *Cache) Names() ([]string, error) {
	var names []string
	err := c.charts(func(ch *cachedChart) bool {
		names = append(names, strings.Clone(ch.name))
		return true
	})
	return names, err
}

// Chart returns the chart of that name with all its versions, or nil.
func (c *Cache) Chart(name string) (*CachedChart, error) {
	var found *CachedChart
	var derr error
	err := c.charts(func(ch *cachedChart) bool {
		if ch.name != name {
			return true
		}
		var vs []CachedVersion
		vs, derr = ch.versions()
		found = &CachedChart{Name: name, Versions: vs}
		return false
	})
	if err == nil && derr != nil {
		err = fmt.Errorf("repository %q: %w", c.Repo, derr)
	}
	return found, err
}

// versions decodes all the chart's versions.
func (ch *cachedChart) versions() ([]CachedVersion, error) {
	out := make([]CachedVersion, 0, ch.n)
	s := decoder{b: ch.search}
	f := decoder{b: ch.fetch}
	var prevURL []byte // URLs are stored as the change from the previous one
	for range ch.n {
		var v CachedVersion
		v.Version, v.AppVersion, v.Description, v.Keywords, v.ChartName = s.str(), s.str(), s.str(), s.str(), s.str()
		v.flags = s.byte()
		switch f.byte() {
		case 1:
			v.Digest = hex.EncodeToString(f.next(32))
		case 2:
			v.Digest = f.str()
		}
		nURLs := f.uv()
		if nURLs > uint64(len(ch.fetch)) {
			return nil, errCorrupt
		}
		for range nURLs {
			shared := f.uv()
			rest := f.bytes()
			if shared > uint64(len(prevURL)) {
				return nil, errCorrupt
			}
			prevURL = append(prevURL[:shared], rest...)
			v.URLs = append(v.URLs, string(prevURL))
		}
		if v.flags&flagCreated != 0 {
			v.Created = time.Unix(0, f.v()).UTC()
		}
		if s.bad || f.bad {
			return nil, errCorrupt
		}
		out = append(out, v.clone())
	}
	return out, nil
}

// clone returns v with strings of its own, not pointing into the cache.
func (v CachedVersion) clone() CachedVersion {
	v.Version, v.AppVersion, v.Description = strings.Clone(v.Version), strings.Clone(v.AppVersion), strings.Clone(v.Description)
	v.Keywords, v.ChartName, v.Digest = strings.Clone(v.Keywords), strings.Clone(v.ChartName), strings.Clone(v.Digest)
	return v
}

// Get returns the newest version of a chart that the constraint accepts, as
// IndexFile.Get does.
func (c *Cache) Get(name, constraint string) (*CachedVersion, error) {
	ch, err := c.Chart(name)
	if err != nil {
		return nil, err
	}
	if ch == nil {
		return nil, fmt.Errorf("chart %q: %w", name, ErrChartNotFound)
	}
	return pickVersion(name, constraint, len(ch.Versions), func(k int) string { return ch.Versions[k].Version },
		func(k int) *CachedVersion { return &ch.Versions[k] })
}

// encoder appends the cache's encoding.
type encoder struct{ b []byte }

func (e *encoder) uv(v uint64) { e.b = binary.AppendUvarint(e.b, v) }

func (e *encoder) str(s string) {
	e.uv(uint64(len(s)))
	e.b = append(e.b, s...)
}

func (e *encoder) bytes(b []byte) {
	e.uv(uint64(len(b)))
	e.b = append(e.b, b...)
}

// decoder reads the cache's encoding. Past the end or on a bad number it sets bad
// and returns zero values. Strings point into b, which is never written to.
type decoder struct {
	b   []byte
	p   int
	bad bool
}

func (d *decoder) uv() uint64 {
	if d.p < len(d.b) && d.b[d.p] < 0x80 { // one byte: most lengths
		d.p++
		return uint64(d.b[d.p-1])
	}
	v, n := binary.Uvarint(d.b[d.p:])
	if n <= 0 {
		d.bad = true
		return 0
	}
	d.p += n
	return v
}

func (d *decoder) v() int64 {
	v, n := binary.Varint(d.b[d.p:])
	if n <= 0 {
		d.bad = true
		return 0
	}
	d.p += n
	return v
}

func (d *decoder) next(n uint64) []byte {
	if d.bad || uint64(len(d.b)-d.p) < n {
		d.bad = true
		return nil
	}
	b := d.b[d.p : d.p+int(n)]
	d.p += int(n)
	return b
}

func (d *decoder) bytes() []byte { return d.next(d.uv()) }

func (d *decoder) str() string {
	b := d.bytes()
	if len(b) == 0 {
		return ""
	}
	return unsafe.String(&b[0], len(b))
}

func (d *decoder) byte() byte {
	if b := d.next(1); b != nil {
		return b[0]
	}
	return 0
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
