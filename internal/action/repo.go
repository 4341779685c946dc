package action

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"golang.org/x/sync/errgroup"

	"github.com/rudderpm/rudder/internal/atomicfile"
	"github.com/rudderpm/rudder/internal/repo"
	"github.com/rudderpm/rudder/internal/warn"
)

// Repositories manages repositories.yaml and the index cache, as the `repo`
// commands do. The zero value is not usable: set both paths.
type Repositories struct {
	Config string // repositories.yaml
	Cache  string // the index cache folder
	// Timeout bounds each index download; 0 means the client's default.
	Timeout time.Duration
	// Parallel bounds concurrent updates; 0 means 8.
	Parallel int
	// Schemes fetches indexes of schemes other than http and https (getter
	// plugins); nil fetches none.
	Schemes repo.SchemeGetter
}

// ErrRepoExists reports an add of a name that exists with another configuration.
var ErrRepoExists = errors.New("repository name already exists")

// AddResult says what Add did.
type AddResult struct {
	// Unchanged is true when the same repository was already configured.
	Unchanged bool
	Warnings  []repo.IndexWarning
}

// Add checks a repository by downloading its index, caches the index and records
// the repository. An existing name is replaced only with force.
//
// repositories.lock is held only while repositories.yaml is read, checked and
// written, never during the download, so concurrent adds (by Rudder or Helm) do
// not lose each other's entries and do not wait for each other's servers.
func (r Repositories) Add(ctx context.Context, e *repo.Entry, force bool) (*AddResult, error) {
	if strings.Contains(e.Name, "/") {
		return nil, fmt.Errorf("repository name (%s) contains '/', please specify a different name without '/'", e.Name)
	}
	// A name already taken needs no download: answer from the file as it is.
	f, err := repo.LoadFile(r.Config)
	if err != nil && !errors.Is(err, repo.ErrNoFile) {
		return nil, err
	}
	if res, err := addConflict(f, e, force); res != nil || err != nil {
		return res, err
	}
	o := repo.EntryOptions(e)
	o.Timeout, o.Schemes = r.Timeout, r.Schemes
	index, err := repo.DownloadIndex(ctx, e.Name, e.URL, r.Cache, o)
	if err != nil {
		return nil, fmt.Errorf("looks like %q is not a valid chart repository or cannot be reached: %w", e.URL, err)
	}
	defer index.Discard()

	if err := os.MkdirAll(filepath.Dir(r.Config), 0o755); err != nil {
		return nil, err
	}
	lctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	lock, err := repo.LockFile(lctx, repo.RepositoriesLockFile(r.Config), 100*time.Millisecond)
	if err != nil {
		return nil, fmt.Errorf("lock %s: %w", repo.RepositoriesLockFile(r.Config), err)
	}
	defer lock.Close()
	// Read again: another add may have written the file during the download.
	f, err = repo.LoadFile(r.Config)
	if err != nil && !errors.Is(err, repo.ErrNoFile) {
		return nil, err
	}
	if res, err := addConflict(f, e, force); res != nil || err != nil {
		return res, err
	}
	if err := index.Write(r.Cache); err != nil {
		return nil, err
	}
	f.Update(e)
	if err := f.WriteFile(r.Config, 0o600); err != nil {
		return nil, err
	}
	return &AddResult{Warnings: index.Warnings}, nil
}

// addConflict checks e against the repositories of f: the same entry already
// there gives an Unchanged result, another entry of that name an error unless
// force; nil and nil mean e may be written.
func addConflict(f *repo.File, e *repo.Entry, force bool) (*AddResult, error) {
	old := f.Get(e.Name)
	if old == nil || force {
		return nil, nil
	}
	if *old == *e {
		return &AddResult{Unchanged: true}, nil
	}
	return nil, fmt.Errorf("repository name (%s) already exists, please specify a different name", e.Name)
}

// ErrNoRepositories reports an empty or missing repositories.yaml.
var ErrNoRepositories = errors.New("no repositories found. You must add one before updating")

// UpdateResult is the outcome for one repository.
type UpdateResult struct {
	Entry    *repo.Entry
	Err      error
	Warnings []repo.IndexWarning
}

// UpdateOptions report the progress of Update. The zero value reports nothing.
type UpdateOptions struct {
	// Started is called once the repositories are chosen, before any download.
	Started func(n int)
	// Done is called as each repository is finished, one call at a time.
	Done func(UpdateResult)
}

// Update refreshes the cached indexes of the named repositories (all when none
// are named), concurrently. A repository that fails does not stop the others;
// its error is in its result. Results are in the order of repositories.yaml.
func (r Repositories) Update(ctx context.Context, names []string, o UpdateOptions) ([]UpdateResult, error) {
	f, err := repo.LoadFile(r.Config)
	if errors.Is(err, repo.ErrNoFile) || (err == nil && len(f.Repositories) == 0) {
		return nil, ErrNoRepositories
	}
	if err != nil {
		return nil, fmt.Errorf("failed loading file: %s: %w", r.Config, err)
	}
	var entries []*repo.Entry
	for _, n := range names {
		if !f.Has(n) {
			return nil, fmt.Errorf("no repositories found matching '%s'.  Nothing will be updated", n)
		}
	}
	for _, e := range f.Repositories {
		if len(names) == 0 || contains(names, e.Name) {
			entries = append(entries, e)
		}
	}
	if o.Started != nil {
		o.Started(len(entries))
	}
	res := make([]UpdateResult, len(entries))
	var g errgroup.Group
	limit := r.Parallel
	if limit <= 0 {
		limit = 8
	}
	g.SetLimit(limit)
	var mu sync.Mutex
	for i, e := range entries {
		g.Go(func() error {
			co := repo.EntryOptions(e)
			co.Timeout, co.Schemes = r.Timeout, r.Schemes
			w, err := repo.UpdateIndex(ctx, e, r.Cache, co)
			res[i] = UpdateResult{Entry: e, Err: err, Warnings: w}
			if o.Done != nil {
				mu.Lock()
				defer mu.Unlock()
				o.Done(res[i])
			}
			return nil
		})
	}
	_ = g.Wait()
	return res, nil
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// Remove forgets repositories and deletes their cached files, one after the
// other; removed, when not nil, is called after each. It stops at the first name
// that is not configured.
func (r Repositories) Remove(names []string, removed func(name string)) error {
	f, err := repo.LoadFile(r.Config)
	if errors.Is(err, repo.ErrNoFile) || (err == nil && len(f.Repositories) == 0) {
		return errors.New("no repositories configured")
	}
	if err != nil {
		return err
	}
	for _, n := range names {
		if !f.Remove(n) {
			return fmt.Errorf("no repo named %q found", n)
		}
		if err := f.WriteFile(r.Config, 0o600); err != nil {
			return err
		}
		if err := repo.RemoveCache(r.Cache, n); err != nil {
			return fmt.Errorf("can't remove index file %s: %w", filepath.Join(r.Cache, repo.CacheIndexFile(n)), err)
		}
		if removed != nil {
			removed(n)
		}
	}
	return nil
}

// List returns the configured repositories.
func (r Repositories) List() ([]*repo.Entry, error) {
	f, err := repo.LoadFile(r.Config)
	if err != nil && !errors.Is(err, repo.ErrNoFile) {
		return nil, err
	}
	return f.Repositories, nil
}

// SearchNotice is something a user should know about one repository's cache
// while searching: it could not be read (Err; the repository was skipped), or
// entries of its index were skipped (Warnings).
type SearchNotice struct {
	Repo     string
	Source   string // the cached index file
	Err      error
	Warnings []repo.IndexWarning
}

// Search looks for charts in the cached indexes of every configured repository,
// through their compact caches (rebuilt from index.yaml when stale).
func (r Repositories) Search(ctx context.Context, o repo.SearchOptions) ([]repo.SearchResult, []SearchNotice, error) {
	if err := ctx.Err(); err != nil {
		return nil, nil, err
	}
	f, err := repo.LoadFile(r.Config)
	if err != nil || len(f.Repositories) == 0 {
		return nil, nil, errors.New("no repositories configured")
	}
	var caches []*repo.Cache
	var notices []SearchNotice
	for _, e := range f.Repositories {
		c, warnings, err := repo.LoadCache(r.Cache, e.Name)
		if err != nil || len(warnings) > 0 {
			notices = append(notices, SearchNotice{Repo: e.Name, Source: filepath.Join(r.Cache, repo.CacheIndexFile(e.Name)), Err: err, Warnings: warnings})
		}
		if err == nil {
			caches = append(caches, c)
		}
	}
	res, err := repo.Search(caches, o)
	return res, notices, err
}

// RepoIndex writes index.yaml for a folder of chart archives, as `helm repo
// index` does. The zero value indexes with relative URLs and no merge.
type RepoIndex struct {
	// URL is the repository's URL, prefixed to chart file names.
	URL string
	// Merge is an existing index whose entries are kept (the new ones win).
	Merge string
	// JSON writes the index as JSON.
	JSON bool
	Now  func() time.Time
	// Warnings receives what loading the archives noticed; nil drops them.
	Warnings func(warn.Warning)
}

// Run writes <dir>/index.yaml.
func (o RepoIndex) Run(ctx context.Context, dir string) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	now := time.Now
	if o.Now != nil {
		now = o.Now
	}
	abs, err := filepath.Abs(dir)
	if err != nil {
		return err
	}
	if fi, err := os.Stat(abs); err != nil {
		return err
	} else if !fi.IsDir() {
		return fmt.Errorf("%s is not a directory", dir)
	}
	idx, ws, err := repo.IndexDirectory(abs, o.URL, now())
	notify(o.Warnings, ws...)
	if err != nil {
		return err
	}
	if o.Merge != "" {
		old, _, err := repo.LoadIndexFile(o.Merge)
		switch {
		case errors.Is(err, fs.ErrNotExist):
			// As Helm does, start the index to merge into.
			old = repo.NewIndexFile(now())
			if err := writeIndex(old, o.Merge, o.JSON); err != nil {
				return fmt.Errorf("merge failed: %w", err)
			}
		case err != nil:
			return fmt.Errorf("merge failed: %w", err)
		}
		idx.Merge(old)
	}
	idx.SortEntries()
	return writeIndex(idx, filepath.Join(abs, "index.yaml"), o.JSON)
}

// writeIndex writes an index file as YAML or, with asJSON, indented JSON.
func writeIndex(idx *repo.IndexFile, path string, asJSON bool) error {
	if asJSON {
		b, err := jsonIndent(idx)
		if err != nil {
			return err
		}
		return atomicfile.Write(path, b, 0o644)
	}
	return idx.WriteFile(path, 0o644)
}

// jsonIndent renders v as indented JSON.
func jsonIndent(v any) ([]byte, error) { return json.MarshalIndent(v, "", "  ") }
