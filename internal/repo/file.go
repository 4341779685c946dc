package repo

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"sigs.k8s.io/yaml"

	"github.com/rudderpm/rudder/internal/atomicfile"
)

// Entry is one repository of repositories.yaml. The JSON names are Helm's, so Helm
// and Rudder share the file.
type Entry struct {
	Name                  string `json:"name"`
	URL                   string `json:"url"`
	Username              string `json:"username"`
	Password              string `json:"password"`
	CertFile              string `json:"certFile"`
	KeyFile               string `json:"keyFile"`
	CAFile                string `json:"caFile"`
	InsecureSkipTLSVerify bool   `json:"insecure_skip_tls_verify"`
	PassCredentialsAll    bool   `json:"pass_credentials_all"`
}

// File is repositories.yaml: the repositories the user added.
type File struct {
	APIVersion   string    `json:"apiVersion"`
	Generated    time.Time `json:"generated"`
	Repositories []*Entry  `json:"repositories"`
}

// ErrNoFile reports that repositories.yaml does not exist.
var ErrNoFile = errors.New("no repositories file")

// LoadFile reads repositories.yaml. A missing file gives an empty File and an error
// wrapping both ErrNoFile and fs.ErrNotExist.
func LoadFile(path string) (*File, error) {
	f := &File{}
	b, err := os.ReadFile(path)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return f, fmt.Errorf("repositories file %s: %w: %w", path, ErrNoFile, err)
		}
		return f, fmt.Errorf("repositories file %s: %w", path, err)
	}
	if err := yaml.Unmarshal(b, f); err != nil {
		return f, fmt.Errorf("repositories file %s: %w", path, err)
	}
	f.Repositories = slices.DeleteFunc(f.Repositories, func(e *Entry) bool { return e == nil })
	return f, nil
}

// Has tells whether a repository of that name is configured.
func (f *File) Has(name string) bool { return f.Get(name) != nil }

// Get returns the repository of that name, or nil.
func (f *File) Get(name string) *Entry {
	for _, e := range f.Repositories {
		if e.Name == name {
			return e
		}
	}
	return nil
}

// ByURL returns the first repository at url, a trailing slash aside, or nil.
func (f *File) ByURL(url string) *Entry {
	url = strings.TrimSuffix(url, "/")
	for _, e := range f.Repositories {
		if strings.TrimSuffix(e.URL, "/") == url {
			return e
		}
	}
	return nil
}

// Update adds entries, replacing those of the same name in place.
func (f *File) Update(entries ...*Entry) {
	for _, e := range entries {
		if i := slices.IndexFunc(f.Repositories, func(x *Entry) bool { return x.Name == e.Name }); i >= 0 {
			f.Repositories[i] = e
			continue
		}
		f.Repositories = append(f.Repositories, e)
	}
}

// Remove deletes the repository of that name and tells whether it was there.
func (f *File) Remove(name string) bool {
	n := len(f.Repositories)
	f.Repositories = slices.DeleteFunc(f.Repositories, func(e *Entry) bool { return e.Name == name })
	return len(f.Repositories) != n
}

// WriteFile writes the file atomically with the given mode, creating its folder.
func (f *File) WriteFile(path string, mode fs.FileMode) error {
	b, err := yaml.Marshal(f)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	return atomicfile.Write(path, b, mode)
}

// CacheIndexFile is the name of a repository's cached index in the cache folder.
func CacheIndexFile(name string) string { return name + "-index.yaml" }

// CacheChartsFile is the name of the list of a repository's chart names that Helm
// keeps for shell completion.
func CacheChartsFile(name string) string { return name + "-charts.txt" }

// CacheCompactFile is the name of Rudder's compact search cache of a repository.
func CacheCompactFile(name string) string { return name + "-index.rdx" }

// CacheStampFile is the name of the stamp of a repository's compact cache: the
// size, time and checksum it was written with.
func CacheStampFile(name string) string { return name + "-index.rdx.stamp" }
