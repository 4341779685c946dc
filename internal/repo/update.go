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

// UpdateIndex downloads the index of a configured repository into cacheDir; see
// WriteIndexCache.
func UpdateIndex(ctx context.Context, e *Entry, cacheDir string, o ClientOptions) ([]IndexWarning, error) {
	idx, raw, warnings, err := FetchIndex(ctx, e.URL, o)
	if err != nil {
		return warnings, err
	}
	return warnings, WriteIndexCache(cacheDir, e.Name, idx, raw)
}

// WriteIndexCache caches a repository's index, as FetchIndex returned it, in
// cacheDir, as Helm lays it out (<name>-index.yaml, <name>-charts.txt), and
// derives Rudder's compact cache beside it.
func WriteIndexCache(cacheDir, name string, idx *IndexFile, raw []byte) error {
	if err := os.MkdirAll(cacheDir, 0o755); err != nil {
		return err
	}
	names := make([]string, 0, len(idx.Entries))
	for n := range idx.Entries {
		names = append(names, n)
	}
	slices.Sort(names)
	var charts bytes.Buffer
	for _, n := range names {
		charts.WriteString(n)
		charts.WriteByte('\n')
	}
	if err := atomicfile.Write(filepath.Join(cacheDir, CacheChartsFile(name)), charts.Bytes(), 0o644); err != nil {
		return err
	}
	if err := atomicfile.Write(filepath.Join(cacheDir, CacheIndexFile(name)), raw, 0o644); err != nil {
		return err
	}
	if err := WriteCache(cacheDir, BuildCache(name, idx)); err != nil {
		return fmt.Errorf("repository %q: compact cache: %w", name, err)
	}
	return nil
}

// RemoveCache deletes every cached file of a repository.
func RemoveCache(cacheDir, name string) error {
	for _, f := range []string{CacheIndexFile(name), CacheChartsFile(name), CacheCompactFile(name)} {
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
