package repo

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"

	"github.com/rudderpm/rudder/internal/atomicfile"
)

// ChartRef is a chart version chosen in a repository: where to download it and
// the digest the index promises.
type ChartRef struct {
	Name, Version string
	URL           string // absolute
	Digest        string // hex SHA-256, "" when the index has none
}

// FetchIndex downloads and parses a repository's index.yaml. The raw bytes are
// returned too, to be cached as they came.
func FetchIndex(ctx context.Context, repoURL string, o ClientOptions) (*IndexFile, []byte, []IndexWarning, error) {
	u, err := ResolveReferenceURL(repoURL, "index.yaml")
	if err != nil {
		return nil, nil, nil, err
	}
	if o.MaxSize == 0 {
		o.MaxSize = DefaultMaxIndexSize
	}
	if o.AuthURL == "" {
		o.AuthURL = repoURL
	}
	raw, err := Get(ctx, u, o)
	if err != nil {
		return nil, nil, nil, err
	}
	idx, warnings, err := ParseIndex(raw)
	if err != nil {
		return nil, nil, warnings, fmt.Errorf("index of %s: %w", repoURL, err)
	}
	return idx, raw, warnings, nil
}

// DownloadedIndex is a repository's index.yaml, downloaded into a temporary
// file of the cache folder and read into its compact cache, ready to be written
// by Write (or thrown away by Discard).
type DownloadedIndex struct {
	// Charts names the index's charts, in name order.
	Charts []string
	// Cache is the compact cache of the index.
	Cache *Cache
	// Warnings are the entries left out, as ParseIndex reports them.
	Warnings []IndexWarning

	file *atomicfile.File // index.yaml as it came, or
	raw  []byte
}

// DownloadIndex downloads the index of repository name at repoURL into a
// temporary file of cacheDir and reads it, once, straight into its compact cache
// (see BuildIndexCache): what repo add and repo update need, without holding
// the file in memory nor a model of every chart version. The errors are
// FetchIndex's. Write or Discard the result.
func DownloadIndex(ctx context.Context, name, repoURL, cacheDir string, o ClientOptions) (*DownloadedIndex, error) {
	u, err := ResolveReferenceURL(repoURL, "index.yaml")
	if err != nil {
		return nil, err
	}
	if o.MaxSize == 0 {
		o.MaxSize = DefaultMaxIndexSize
	}
	if o.AuthURL == "" {
		o.AuthURL = repoURL
	}
	if err := os.MkdirAll(cacheDir, 0o755); err != nil {
		return nil, err
	}
	f, err := atomicfile.Create(cacheDir)
	if err != nil {
		return nil, err
	}
	n, err := getTo(ctx, u, o, f)
	if err != nil {
		f.Discard()
		return nil, err
	}
	data, drop, unmap, err := mapFile(f.File, n)
	if err != nil {
		f.Discard()
		return nil, fmt.Errorf("index of %s: %w", repoURL, err)
	}
	c, charts, warnings, err := buildIndexCache(name, data, drop)
	unmap() // nothing read keeps a reference into data
	if err != nil {
		f.Discard()
		return &DownloadedIndex{Warnings: warnings}, fmt.Errorf("index of %s: %w", repoURL, err)
	}
	return &DownloadedIndex{Charts: charts, Cache: c, Warnings: warnings, file: f}, nil
}

// UpdateIndex downloads the index of a configured repository into cacheDir; see
// DownloadIndex and DownloadedIndex.Write.
func UpdateIndex(ctx context.Context, e *Entry, cacheDir string, o ClientOptions) ([]IndexWarning, error) {
	d, err := DownloadIndex(ctx, e.Name, e.URL, cacheDir, o)
	if err != nil {
		if d != nil {
			return d.Warnings, err
		}
		return nil, err
	}
	defer d.Discard()
	return d.Warnings, d.Write(cacheDir)
}

// WriteIndexCache caches a repository's index, as FetchIndex returned it, in
// cacheDir; see DownloadedIndex.Write.
func WriteIndexCache(cacheDir, name string, idx *IndexFile, raw []byte) error {
	names := make([]string, 0, len(idx.Entries))
	for n := range idx.Entries {
		names = append(names, n)
	}
	slices.Sort(names)
	d := &DownloadedIndex{Charts: names, Cache: BuildCache(name, idx), raw: raw}
	return d.Write(cacheDir)
}

// Write caches the index in cacheDir, the folder it was downloaded into, as
// Helm lays it out (<name>-index.yaml, <name>-charts.txt), with Rudder's
// compact cache beside it.
func (d *DownloadedIndex) Write(cacheDir string) error {
	name := d.Cache.Repo
	if err := os.MkdirAll(cacheDir, 0o755); err != nil {
		return err
	}
	var charts bytes.Buffer
	for _, n := range d.Charts {
		charts.WriteString(n)
		charts.WriteByte('\n')
	}
	if err := atomicfile.Write(filepath.Join(cacheDir, CacheChartsFile(name)), charts.Bytes(), 0o644); err != nil {
		return err
	}
	var err error
	if d.file != nil {
		err = d.file.Commit(CacheIndexFile(name), 0o644)
	} else {
		err = atomicfile.Write(filepath.Join(cacheDir, CacheIndexFile(name)), d.raw, 0o644)
	}
	if err != nil {
		return err
	}
	if err := WriteCache(cacheDir, d.Cache); err != nil {
		return fmt.Errorf("repository %q: compact cache: %w", name, err)
	}
	return nil
}

// Discard removes the downloaded file unless Write committed it.
func (d *DownloadedIndex) Discard() {
	if d.file != nil {
		d.file.Discard()
	}
}

// RemoveCache deletes every cached file of a repository.
func RemoveCache(cacheDir, name string) error {
	for _, f := range []string{CacheIndexFile(name), CacheChartsFile(name), CacheCompactFile(name), CacheStampFile(name)} {
		if err := os.Remove(filepath.Join(cacheDir, f)); err != nil && !os.IsNotExist(err) {
			return err
		}
	}
	return nil
}

// Resolve picks a chart version in a repository's cache and makes its URL absolute.
func (c *Cache) Resolve(repoURL, name, constraint string) (*ChartRef, error) {
	v, err := c.Get(name, constraint)
	if err != nil {
		return nil, err
	}
	return chartRef(repoURL, name, v.Version, v.URLs, v.Digest)
}

// ResolveIndex picks a chart version in an index and makes its URL absolute.
func ResolveIndex(idx *IndexFile, repoURL, name, constraint string) (*ChartRef, error) {
	v, err := idx.Get(name, constraint)
	if err != nil {
		return nil, err
	}
	return chartRef(repoURL, name, v.Version, v.URLs, v.Digest)
}

func chartRef(repoURL, name, version string, urls []string, digest string) (*ChartRef, error) {
	if len(urls) == 0 {
		return nil, fmt.Errorf("chart %q version %q has no downloadable URLs", name, version)
	}
	u, err := ResolveReferenceURL(repoURL, urls[0])
	if err != nil {
		return nil, err
	}
	return &ChartRef{Name: name, Version: version, URL: u, Digest: digest}, nil
}
