package repo

import (
	"cmp"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/Masterminds/semver/v3"
	"sigs.k8s.io/yaml"

	"github.com/rudderpm/rudder/internal/atomicfile"
	"github.com/rudderpm/rudder/internal/chart"
	"github.com/rudderpm/rudder/internal/warn"
)

// APIVersionV1 is the only index.yaml apiVersion.
const APIVersionV1 = "v1"

// Sentinel errors of index handling.
var (
	ErrNoAPIVersion   = errors.New("no API version specified")
	ErrEmptyIndex     = errors.New("empty index.yaml file")
	ErrChartNotFound  = errors.New("chart not found")
	ErrNoChartVersion = errors.New("no chart version found")
)

// ChartVersion is one version of a chart in an index: its Chart.yaml plus where to
// download it and the archive's digest.
type ChartVersion struct {
	*chart.Metadata
	URLs    []string  `json:"urls"`
	Created time.Time `json:"created"`
	Removed bool      `json:"removed,omitempty"`
	Digest  string    `json:"digest,omitempty"`
}

// IndexFile is a repository's index.yaml.
type IndexFile struct {
	ServerInfo  map[string]any             `json:"serverInfo,omitempty"`
	APIVersion  string                     `json:"apiVersion"`
	Generated   time.Time                  `json:"generated"`
	Entries     map[string][]*ChartVersion `json:"entries"`
	PublicKeys  []string                   `json:"publicKeys,omitempty"`
	Annotations map[string]string          `json:"annotations,omitempty"`
}

// NewIndexFile returns an empty index generated at now.
func NewIndexFile(now time.Time) *IndexFile {
	return &IndexFile{APIVersion: APIVersionV1, Generated: now, Entries: map[string][]*ChartVersion{}, PublicKeys: []string{}}
}

// SortEntries orders every chart's versions newest first, as Helm does; versions
// that are not semantic versions go last.
func (i *IndexFile) SortEntries() {
	for _, vs := range i.Entries {
		sortVersions(vs)
	}
}

func sortVersions(vs []*ChartVersion) {
	parsed := make(map[*ChartVersion]*semver.Version, len(vs))
	for _, v := range vs {
		if sv, err := chart.ParseVersion(v.Version); err == nil {
			parsed[v] = sv
		}
	}
	slices.SortStableFunc(vs, func(a, b *ChartVersion) int {
		va, vb := parsed[a], parsed[b]
		switch {
		case va == nil && vb == nil:
			return 0
		case va == nil:
			return 1
		case vb == nil:
			return -1
		}
		return vb.Compare(va)
	})
}

// Add records a chart archive in the index. filename is the archive's path
// relative to the repository root; baseURL, when set, makes the URL absolute.
func (i *IndexFile) Add(md *chart.Metadata, filename, baseURL, digest string, created time.Time) error {
	if md.APIVersion == "" {
		md.APIVersion = "v1"
	}
	if err := md.Validate(); err != nil {
		return fmt.Errorf("chart %s: %w", filename, err)
	}
	u := filename
	if baseURL != "" {
		u = JoinURL(baseURL, filename)
	}
	i.Entries[md.Name] = append(i.Entries[md.Name], &ChartVersion{Metadata: md, URLs: []string{u}, Digest: digest, Created: created})
	return nil
}

// Has tells whether the index has that exact version of the chart.
func (i *IndexFile) Has(name, version string) bool {
	return slices.ContainsFunc(i.Entries[name], func(cv *ChartVersion) bool { return cv.Version == version })
}

// Remove drops a version of a chart and tells whether it was there.
func (i *IndexFile) Remove(name, version string) bool {
	vs := i.Entries[name]
	n := len(vs)
	vs = slices.DeleteFunc(vs, func(cv *ChartVersion) bool { return cv.Version == version })
	if len(vs) == 0 {
		delete(i.Entries, name)
	} else {
		i.Entries[name] = vs
	}
	return len(vs) != n
}

// Get returns the newest version of the chart that the constraint accepts; an
// exact version string wins over a constraint, and "" means the newest stable-or-not
// version (Helm's "*": stable versions only unless the constraint allows pre-releases).
func (i *IndexFile) Get(name, constraint string) (*ChartVersion, error) {
	vs, ok := i.Entries[name]
	if !ok {
		return nil, fmt.Errorf("chart %q: %w", name, ErrChartNotFound)
	}
	return pickVersion(name, constraint, len(vs), func(k int) string { return vs[k].Version }, func(k int) *ChartVersion { return vs[k] })
}

// pickVersion chooses among n versions sorted newest first.
func pickVersion[T any](name, constraint string, n int, version func(int) string, get func(int) T) (T, error) {
	var zero T
	if n == 0 {
		return zero, fmt.Errorf("chart %q: %w", name, ErrNoChartVersion)
	}
	if constraint != "" {
		for k := range n {
			if version(k) == constraint {
				return get(k), nil
			}
		}
	}
	c := constraint
	if c == "" {
		c = "*"
	}
	cons, err := semver.NewConstraint(c)
	if err != nil {
		return zero, fmt.Errorf("chart %q: invalid version constraint %q: %w", name, constraint, err)
	}
	for k := range n {
		v, err := semver.NewVersion(version(k))
		if err != nil {
			continue
		}
		if cons.Check(v) {
			return get(k), nil
		}
	}
	return zero, fmt.Errorf("chart %q version %q: %w", name, constraint, ErrNoChartVersion)
}

// Merge adds the versions of f that i does not have.
func (i *IndexFile) Merge(f *IndexFile) {
	names := make([]string, 0, len(f.Entries))
	for n := range f.Entries {
		names = append(names, n)
	}
	slices.Sort(names)
	for _, n := range names {
		for _, cv := range f.Entries[n] {
			if !i.Has(cv.Name, cv.Version) {
				i.Entries[cv.Name] = append(i.Entries[cv.Name], cv)
			}
		}
	}
}

// Marshal renders the index as Helm writes it: YAML with sorted keys.
func (i *IndexFile) Marshal() ([]byte, error) { return yaml.Marshal(i) }

// WriteFile writes the index atomically.
func (i *IndexFile) WriteFile(dest string, mode os.FileMode) error {
	b, err := i.Marshal()
	if err != nil {
		return err
	}
	return atomicfile.Write(dest, b, mode)
}

// IndexDirectory builds an index of the chart archives in dir and its immediate
// subfolders, as `helm repo index` does. Files that are not charts are skipped. The
// warnings are what loading the archives noticed.
func IndexDirectory(dir, baseURL string, now time.Time) (*IndexFile, []warn.Warning, error) {
	archives, err := filepath.Glob(filepath.Join(dir, "*.tgz"))
	if err != nil {
		return nil, nil, err
	}
	more, err := filepath.Glob(filepath.Join(dir, "*", "*.tgz"))
	if err != nil {
		return nil, nil, err
	}
	var ws []warn.Warning
	archives = append(archives, more...)
	index := NewIndexFile(now)
	for _, a := range archives {
		rel, err := filepath.Rel(dir, a)
		if err != nil {
			return nil, ws, err
		}
		c, err := chart.Load(a)
		if c != nil {
			ws = append(ws, c.LoadWarnings...)
		}
		if err != nil {
			continue
		}
		digest, err := DigestFile(a)
		if err != nil {
			return nil, ws, err
		}
		if err := index.Add(c.Metadata, filepath.ToSlash(rel), baseURL, digest, now); err != nil {
			return nil, ws, err
		}
	}
	return index, ws, nil
}

// JoinURL appends a relative path to a base URL, keeping its query.
func JoinURL(base, rel string) string {
	u, err := url.Parse(base)
	if err != nil {
		return strings.TrimSuffix(base, "/") + "/" + rel
	}
	u.Path = path.Join(u.Path, rel)
	if strings.HasSuffix(rel, "/") {
		u.Path += "/"
	}
	return u.String()
}

// ResolveReferenceURL makes a chart URL from an index absolute against the
// repository's URL, which is treated as a folder. The repository URL's query is
// kept, as some repositories sign their URLs.
func ResolveReferenceURL(baseURL, ref string) (string, error) {
	r, err := url.Parse(ref)
	if err != nil {
		return "", fmt.Errorf("chart URL %q: %w", ref, err)
	}
	if r.IsAbs() {
		return ref, nil
	}
	b, err := url.Parse(baseURL)
	if err != nil {
		return "", fmt.Errorf("repository URL %q: %w", baseURL, err)
	}
	b.RawPath = strings.TrimSuffix(b.RawPath, "/") + "/"
	b.Path = strings.TrimSuffix(b.Path, "/") + "/"
	res := b.ResolveReference(r)
	res.RawQuery = b.RawQuery
	return res.String(), nil
}

func compareStrings(a, b string) int { return cmp.Compare(a, b) }
