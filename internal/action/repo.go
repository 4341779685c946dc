package action

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"golang.org/x/sync/errgroup"

	"github.com/rudderpm/rudder/internal/repo"
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
func (r Repositories) Add(ctx context.Context, e *repo.Entry, force bool) (*AddResult, error) {
	if strings.Contains(e.Name, "/") {
		return nil, fmt.Errorf("repository name (%s) contains '/', please specify a different name without '/'", e.Name)
	}
	f, err := repo.LoadFile(r.Config)
	if err != nil && !errors.Is(err, repo.ErrNoFile) {
		return nil, err
	}
	if old := f.Get(e.Name); old != nil && !force {
		if *old == *e {
			return &AddResult{Unchanged: true}, nil
		}
		return nil, fmt.Errorf("repository name (%s) already exists, please specify a different name", e.Name)
	}
	o := repo.EntryOptions(e)
	o.Timeout = r.Timeout
	warnings, err := repo.UpdateIndex(ctx, e, r.Cache, o)
	if err != nil {
		return nil, fmt.Errorf("looks like %q is not a valid chart repository or cannot be reached: %w", e.URL, err)
	}
	f.Update(e)
	if err := f.WriteFile(r.Config, 0o600); err != nil {
		return nil, err
	}
	return &AddResult{Warnings: warnings}, nil
}

// ErrNoRepositories reports an empty or missing repositories.yaml.
var ErrNoRepositories = errors.New("no repositories found. You must add one before updating")

// UpdateResult is the outcome for one repository.
type UpdateResult struct {
	Entry    *repo.Entry
	Err      error
	Warnings []repo.IndexWarning
}

// Update refreshes the cached indexes of the named repositories (all when none
// are named), concurrently. A repository that fails does not stop the others;
// its error is in its result.
func (r Repositories) Update(ctx context.Context, names []string) ([]UpdateResult, error) {
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
	res := make([]UpdateResult, len(entries))
	g, ctx := errgroup.WithContext(ctx)
	limit := r.Parallel
	if limit <= 0 {
		limit = 8
	}
	g.SetLimit(limit)
	for i, e := range entries {
		g.Go(func() error {
			o := repo.EntryOptions(e)
			o.Timeout = r.Timeout
			w, err := repo.UpdateIndex(ctx, e, r.Cache, o)
			res[i] = UpdateResult{Entry: e, Err: err, Warnings: w}
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

// Remove forgets repositories and deletes their cached files.
func (r Repositories) Remove(names []string) error {
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

// Search looks for charts in the cached indexes of every configured repository,
// through their compact caches. Repositories whose cache cannot be read are
// skipped and reported in the second result.
func (r Repositories) Search(ctx context.Context, o repo.SearchOptions) ([]repo.SearchResult, []error, error) {
	if err := ctx.Err(); err != nil {
		return nil, nil, err
	}
	f, err := repo.LoadFile(r.Config)
	if err != nil || len(f.Repositories) == 0 {
		return nil, nil, errors.New("no repositories configured")
	}
	var caches []*repo.Cache
	var problems []error
	for _, e := range f.Repositories {
		c, _, err := repo.LoadCache(r.Cache, e.Name)
		if err != nil {
			problems = append(problems, fmt.Errorf("repo %q is corrupt or missing: %w", e.Name, err))
			continue
		}
		caches = append(caches, c)
	}
	res, err := repo.Search(caches, o)
	return res, problems, err
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
	idx, err := repo.IndexDirectory(abs, o.URL, now())
	if err != nil {
		return err
	}
	if o.Merge != "" {
		var old *repo.IndexFile
		if b, err := os.ReadFile(o.Merge); err == nil {
			old, _, err = repo.ParseIndex(b)
			if err != nil {
				return fmt.Errorf("merge failed: %w", err)
			}
		} else if !os.IsNotExist(err) {
			return fmt.Errorf("merge failed: %w", err)
		}
		if old != nil {
			idx.Merge(old)
		}
	}
	idx.SortEntries()
	out := filepath.Join(abs, "index.yaml")
	if o.JSON {
		b, err := jsonIndent(idx)
		if err != nil {
			return err
		}
		return repo.WriteFileAtomic(out, b, 0o644)
	}
	return idx.WriteFile(out, 0o644)
}

// jsonIndent renders v as indented JSON.
func jsonIndent(v any) ([]byte, error) { return json.MarshalIndent(v, "", "  ") }
