package action

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/Masterminds/semver/v3"
	"sigs.k8s.io/yaml"

	"github.com/rudderpm/rudder/internal/atomicfile"
	"github.com/rudderpm/rudder/internal/chart"
	"github.com/rudderpm/rudder/internal/provenance"
	"github.com/rudderpm/rudder/internal/repo"
	"github.com/rudderpm/rudder/internal/warn"
)

// Dependencies fetches a chart's dependencies into its charts/ folder, as `helm
// dependency update` and `build` do. Source must be set; the zero value of the
// other fields refreshes the repositories first and does not verify.
type Dependencies struct {
	Source *ChartSource
	// SkipRefresh uses the cached repository indexes as they are.
	SkipRefresh bool
	// Verify says whether downloaded dependencies are checked against their
	// provenance files and Keyring.
	Verify  Verification
	Keyring string
	// SourceDateEpoch, when set, is the generated time of the lock and the time
	// of the members of archives made from file:// dependencies.
	SourceDateEpoch *time.Time
	// Progress receives Helm's progress lines; nil drops them.
	Progress func(line string)
	// Warnings receives what loading the chart and its local dependencies
	// noticed, as found; nil drops them.
	Warnings func(warn.Warning)
	// Now is the clock; nil means time.Now.
	Now func() time.Time
}

// Verification says when a downloaded chart's provenance file is checked.
type Verification int

// The verification strategies: Helm's dependency update verifies always, its
// dependency build only the charts that have a provenance file.
const (
	VerifyNever Verification = iota
	VerifyIfPossible
	VerifyAlways
)

func (d *Dependencies) say(format string, args ...any) {
	if d.Progress != nil {
		d.Progress(fmt.Sprintf(format, args...))
	}
}

func (d *Dependencies) loaded(c *chart.Chart) { notifyLoaded(d.Warnings, c) }

// LockDigest is Helm's digest of a chart's dependencies and their lock: the
// SHA-256 of the JSON of [declared, locked].
func LockDigest(req, lock []*chart.Dependency) (string, error) {
	b, err := json.Marshal([2][]*chart.Dependency{req, lock})
	if err != nil {
		return "", err
	}
	return "sha256:" + provenance.Digest(b), nil
}

// ErrLockOutOfSync reports a Chart.lock that does not match Chart.yaml.
var ErrLockOutOfSync = errors.New("the lock file (Chart.lock) is out of sync with the dependencies file (Chart.yaml). Please update the dependencies with 'helm dependency update'")

// Update resolves the dependencies' versions anew, downloads them and writes
// Chart.lock.
func (d *Dependencies) Update(ctx context.Context, chartPath string) error {
	c, err := loadChartDir(chartPath)
	d.loaded(c)
	if err != nil {
		return err
	}
	if c.Metadata.Dependencies == nil {
		return nil
	}
	req, err := d.resolveAliases(c.Metadata.Dependencies)
	if err != nil {
		return err
	}
	repos, err := d.repositories(ctx, req)
	if err != nil {
		return err
	}
	locked, err := d.resolve(ctx, chartPath, req, repos)
	if err != nil {
		return err
	}
	if err := d.downloadAll(ctx, chartPath, locked, repos); err != nil {
		return err
	}
	digest, err := LockDigest(req, locked)
	if err != nil {
		return err
	}
	if c.Lock != nil && c.Lock.Digest == digest {
		return nil
	}
	now := time.Now
	if d.Now != nil {
		now = d.Now
	}
	lock := &chart.Lock{Generated: now(), Digest: digest, Dependencies: locked}
	if d.SourceDateEpoch != nil {
		lock.Generated = *d.SourceDateEpoch
	}
	return writeLock(chartPath, lock, c.Metadata.APIVersion == "v1")
}

// Build downloads the dependencies at the versions Chart.lock records; without
// a lock it is Update.
func (d *Dependencies) Build(ctx context.Context, chartPath string) error {
	c, err := loadChartDir(chartPath)
	d.loaded(c)
	if err != nil {
		return err
	}
	if c.Lock == nil {
		return d.Update(ctx, chartPath)
	}
	req, err := d.resolveAliases(c.Metadata.Dependencies)
	if err != nil {
		return err
	}
	if sum, err := LockDigest(req, c.Lock.Dependencies); err != nil || sum != c.Lock.Digest {
		return ErrLockOutOfSync
	}
	if err := d.checkLockedRepos(c.Lock.Dependencies); err != nil {
		return err
	}
	repos, err := d.repositories(ctx, c.Lock.Dependencies)
	if err != nil {
		return err
	}
	return d.downloadAll(ctx, chartPath, c.Lock.Dependencies, repos)
}

// checkLockedRepos refuses a lock whose chart repositories are not all
// configured (repo add): unlike update, Helm's build fetches from no
// repository it was not told about, even one Chart.yaml names by URL.
func (d *Dependencies) checkLockedRepos(locked []*chart.Dependency) error {
	f, err := repo.LoadFile(d.Source.RepositoryConfig)
	if err != nil && !errors.Is(err, repo.ErrNoFile) {
		return err
	}
	var missing []string
	for _, dep := range locked {
		r := dep.Repository
		if r == "" || strings.HasPrefix(r, "file://") || strings.HasPrefix(r, "oci://") || f.ByURL(r) != nil {
			continue
		}
		missing = append(missing, r)
	}
	if len(missing) > 0 {
		return fmt.Errorf("no repository definition for %s. Please add the missing repos via 'helm repo add'", strings.Join(missing, ", "))
	}
	return nil
}

func loadChartDir(p string) (*chart.Chart, error) {
	fi, err := os.Stat(p)
	if err != nil {
		return nil, fmt.Errorf("could not find %s: %w", p, err)
	}
	if !fi.IsDir() {
		return nil, errors.New("only unpacked charts can be updated")
	}
	return chart.LoadDir(p)
}

func writeLock(chartPath string, lock *chart.Lock, legacy bool) error {
	data, err := yaml.Marshal(lock)
	if err != nil {
		return err
	}
	name := "Chart.lock"
	if legacy {
		name = "requirements.lock"
	}
	dest := filepath.Join(chartPath, name)
	if fi, err := os.Lstat(dest); err == nil && fi.Mode()&os.ModeSymlink != 0 {
		link, _ := os.Readlink(dest)
		return fmt.Errorf("the %s file is a symlink to %q", name, link)
	}
	return os.WriteFile(dest, data, 0o644)
}

// resolveAliases returns copies of deps whose "@name" and "alias:name"
// repositories are replaced by the URLs of the configured repositories, as Helm
// does before it resolves versions and computes the lock's digest; so Chart.lock
// records URLs. Unknown names are left for repositories to report.
func (d *Dependencies) resolveAliases(deps []*chart.Dependency) ([]*chart.Dependency, error) {
	f, err := repo.LoadFile(d.Source.RepositoryConfig)
	if err != nil && !errors.Is(err, repo.ErrNoFile) {
		return nil, err
	}
	out := make([]*chart.Dependency, len(deps))
	for i, dep := range deps {
		c := *dep
		name, ok := strings.CutPrefix(c.Repository, "@")
		if !ok {
			name, ok = strings.CutPrefix(c.Repository, "alias:")
		}
		if e := f.Get(name); ok && e != nil {
			c.Repository = e.URL
		}
		out[i] = &c
	}
	return out, nil
}

// depRepo is where a dependency's repository points.
type depRepo struct {
	entry *repo.Entry     // a configured repository (by name or URL), or one made up for an unmanaged URL
	index *repo.IndexFile // the index of an unmanaged URL
	cache *repo.Cache     // the compact cache of a configured repository
}

// repositories maps each distinct http(s) or @name repository of deps to its
// index, refreshing configured ones unless SkipRefresh.
func (d *Dependencies) repositories(ctx context.Context, deps []*chart.Dependency) (map[string]*depRepo, error) {
	f, err := repo.LoadFile(d.Source.RepositoryConfig)
	if err != nil && !errors.Is(err, repo.ErrNoFile) {
		return nil, err
	}
	out := map[string]*depRepo{}
	var missing []string
	var refresh []*repo.Entry
	var unmanaged []string
	for _, dep := range deps {
		r := dep.Repository
		if r == "" || strings.HasPrefix(r, "file://") || strings.HasPrefix(r, "oci://") || out[r] != nil {
			continue
		}
		if name, ok := strings.CutPrefix(r, "@"); ok || strings.HasPrefix(r, "alias:") {
			if !ok {
				name = strings.TrimPrefix(r, "alias:")
			}
			e := f.Get(name)
			if e == nil {
				missing = append(missing, r)
				continue
			}
			out[r] = &depRepo{entry: e}
			refresh = append(refresh, e)
			continue
		}
		if found := f.ByURL(r); found != nil {
			out[r] = &depRepo{entry: found}
			refresh = append(refresh, found)
			continue
		}
		// An unmanaged repository: its index is read for this run only.
		out[r] = &depRepo{entry: &repo.Entry{URL: r}}
		unmanaged = append(unmanaged, r)
	}
	if len(missing) > 0 {
		return nil, fmt.Errorf("no repository definition for %s. Please add them via 'helm repo add'", strings.Join(missing, ", "))
	}
	if len(unmanaged) > 0 {
		d.say("Getting updates for unmanaged Helm repositories...")
	}
	for _, r := range unmanaged {
		idx, _, _, err := repo.FetchIndex(ctx, r, repo.ClientOptions{Schemes: d.Source.Schemes})
		if err != nil {
			d.say("...Unable to get an update from the %q chart repository:\n\t%s", r, err)
			return nil, fmt.Errorf("looks like %q is not a valid chart repository or cannot be reached: %w", r, err)
		}
		d.say("...Successfully got an update from the %q chart repository", r)
		out[r].index = idx
	}
	if !d.SkipRefresh && len(refresh) > 0 {
		d.say("Hang tight while we grab the latest from your chart repositories...")
		for _, e := range dedupe(refresh) {
			o := repo.EntryOptions(e)
			o.Schemes = d.Source.Schemes
			if _, err := repo.UpdateIndex(ctx, e, d.Source.RepositoryCache, o); err != nil {
				d.say("...Unable to get an update from the %q chart repository (%s):\n\t%s", e.Name, e.URL, err)
				continue
			}
			d.say("...Successfully got an update from the %q chart repository", e.Name)
		}
		d.say("Update Complete. ⎈Happy Helming!⎈")
	}
	for r, dr := range out {
		if dr.index != nil {
			continue
		}
		c, _, err := repo.LoadCache(d.Source.RepositoryCache, dr.entry.Name)
		if err != nil {
			return nil, fmt.Errorf("no cached repository for %s found. (try 'helm repo update'): %w", dr.entry.Name, err)
		}
		out[r].cache = c
	}
	return out, nil
}

func dedupe(es []*repo.Entry) []*repo.Entry {
	seen := map[string]bool{}
	var out []*repo.Entry
	for _, e := range es {
		if !seen[e.Name] {
			seen[e.Name] = true
			out = append(out, e)
		}
	}
	return out
}

// resolve picks an exact version for each dependency.
func (d *Dependencies) resolve(ctx context.Context, chartPath string, req []*chart.Dependency, repos map[string]*depRepo) ([]*chart.Dependency, error) {
	locked := make([]*chart.Dependency, len(req))
	var missing []string
	for i, dep := range req {
		cons, err := semver.NewConstraint(dep.Version)
		if err != nil {
			return nil, fmt.Errorf("dependency %q has an invalid version/constraint format: %w", dep.Name, err)
		}
		notFound := func() {
			missing = append(missing, fmt.Sprintf("%q (repository %q, version %q)", dep.Name, dep.Repository, dep.Version))
		}
		switch r := dep.Repository; {
		case r == "":
			if _, err := os.Stat(filepath.Join(chartPath, "charts", dep.Name)); err != nil {
				return nil, fmt.Errorf("directory %s not found", filepath.Join(chartPath, "charts", dep.Name))
			}
			locked[i] = &chart.Dependency{Name: dep.Name, Version: dep.Version}
		case strings.HasPrefix(r, "file://"):
			sub, err := chart.LoadDir(localPath(chartPath, r))
			d.loaded(sub)
			if err != nil {
				return nil, err
			}
			v, err := semver.NewVersion(sub.Metadata.Version)
			if err != nil || !cons.Check(v) {
				notFound()
				continue
			}
			locked[i] = &chart.Dependency{Name: dep.Name, Repository: r, Version: sub.Metadata.Version}
		case strings.HasPrefix(r, "oci://"):
			version := dep.Version
			if _, err := semver.NewVersion(version); err != nil {
				if d.Source.Registry == nil {
					return nil, fmt.Errorf("%s: no registry client", r)
				}
				version, err = d.Source.Registry.ResolveVersion(ctx, strings.TrimPrefix(r, "oci://")+"/"+dep.Name, dep.Version)
				if err != nil {
					notFound()
					continue
				}
			}
			locked[i] = &chart.Dependency{Name: dep.Name, Repository: r, Version: version}
		default:
			dr := repos[r]
			var v string
			if dr.index != nil {
				cv, err := dr.index.Get(dep.Name, dep.Version)
				if err == nil {
					v = cv.Version
				}
			} else if cv, err := dr.cache.Get(dep.Name, dep.Version); err == nil {
				v = cv.Version
			}
			if v == "" {
				notFound()
				continue
			}
			locked[i] = &chart.Dependency{Name: dep.Name, Repository: r, Version: v}
		}
	}
	if len(missing) > 0 {
		return nil, fmt.Errorf("can't get a valid version for %d subchart(s): %s. Make sure a matching chart version exists in the repo, or change the version constraint in Chart.yaml", len(missing), strings.Join(missing, ", "))
	}
	return locked, nil
}

// localPath resolves a file:// repository against the chart folder.
func localPath(chartPath, r string) string {
	p := strings.TrimPrefix(r, "file://")
	if filepath.IsAbs(p) {
		return p
	}
	return filepath.Join(chartPath, p)
}

// downloadAll fetches the locked dependencies, then replaces the outdated
// archives of charts/ with them.
func (d *Dependencies) downloadAll(ctx context.Context, chartPath string, deps []*chart.Dependency, repos map[string]*depRepo) error {
	charts := filepath.Join(chartPath, "charts")
	if fi, err := os.Stat(charts); err == nil && !fi.IsDir() {
		return fmt.Errorf("%q is not a directory", charts)
	}
	type fetched struct {
		name string
		data []byte
		prov []byte
	}
	var got []fetched
	// A chart named by two dependencies (under two aliases) is fetched once.
	downloaded := map[string]bool{}
	d.say("Saving %d charts", len(deps))
	for _, dep := range deps {
		r := dep.Repository
		switch {
		case r == "":
			d.say("Dependency %s did not declare a repository. Assuming it exists in the charts directory", dep.Name)
			continue
		case strings.HasPrefix(r, "file://"):
			sub, err := chart.LoadDir(localPath(chartPath, r))
			d.loaded(sub)
			if err != nil {
				return err
			}
			opts := chart.ArchiveOptions{}
			if d.SourceDateEpoch != nil {
				opts.ModTime = *d.SourceDateEpoch
			}
			var b bytes.Buffer
			if err := chart.WriteArchive(&b, sub, opts); err != nil {
				return err
			}
			got = append(got, fetched{name: chart.ArchiveName(sub), data: b.Bytes()})
			continue
		}
		req := ChartRequest{Verify: d.Verify == VerifyAlways, Prov: d.Verify == VerifyIfPossible, Keyring: d.Keyring}
		var (
			lc  *LocatedChart
			src string
			err error
		)
		if strings.HasPrefix(r, "oci://") {
			req.Ref = strings.TrimSuffix(r, "/") + "/" + dep.Name + ":" + dep.Version
			src = req.Ref
			if downloaded[src] {
				d.say("Already downloaded %s from repo %s", dep.Name, r)
				continue
			}
			downloaded[src] = true
			d.say("Downloading %s from repo %s", dep.Name, r)
			if lc, err = d.Source.Locate(ctx, req); err == nil {
				d.say("Pulled: %s\nDigest: %s", lc.OCIRef, lc.ManifestDigest)
			}
		} else {
			dr := repos[r]
			var cr *repo.ChartRef
			if dr.index != nil {
				cr, err = repo.ResolveIndex(dr.index, dr.entry.URL, dep.Name, dep.Version)
			} else {
				cr, err = dr.cache.Resolve(dr.entry.URL, dep.Name, dep.Version)
			}
			if err != nil {
				return fmt.Errorf("chart %s not found in %s: %w", dep.Name, r, err)
			}
			src = cr.URL
			if downloaded[src] {
				d.say("Already downloaded %s from repo %s", dep.Name, r)
				continue
			}
			downloaded[src] = true
			d.say("Downloading %s from repo %s", dep.Name, r)
			lc, err = d.Source.download(ctx, cr.URL, cr.Digest, repo.EntryOptions(dr.entry), req)
		}
		if err != nil {
			return fmt.Errorf("could not download %s: %w", src, err)
		}
		if d.Verify == VerifyIfPossible {
			if err := d.verifyIfSigned(lc, src); err != nil {
				return err
			}
		}
		data, err := os.ReadFile(lc.Path)
		if err != nil {
			return err
		}
		got = append(got, fetched{name: lc.FileName, data: data})
	}
	// Every name must be a plain file name inside charts/ before anything changes there.
	for _, f := range got {
		if _, err := fileIn(charts, f.name); err != nil {
			return fmt.Errorf("dependency archive: %w", err)
		}
	}
	if err := os.MkdirAll(charts, 0o755); err != nil {
		return err
	}
	// Delete the archives of declared dependencies that the new set replaces.
	names := map[string]bool{}
	keep := map[string]bool{}
	for _, dep := range deps {
		names[dep.Name] = true
	}
	for _, f := range got {
		keep[f.name] = true
	}
	old, _ := filepath.Glob(filepath.Join(charts, "*.tgz"))
	d.say("Deleting outdated charts")
	for _, o := range old {
		if keep[filepath.Base(o)] {
			continue
		}
		c, err := chart.LoadFile(o)
		d.loaded(c)
		if err != nil || !names[c.Name()] {
			continue
		}
		if err := os.Remove(o); err != nil {
			return err
		}
	}
	for _, f := range got {
		if err := atomicfile.Write(filepath.Join(charts, f.name), f.data, 0o644); err != nil {
			return err
		}
	}
	return nil
}

// verifyIfSigned checks a downloaded chart against its provenance file when it
// has one, and warns when it has none, as Helm's dependency build does.
func (d *Dependencies) verifyIfSigned(lc *LocatedChart, src string) error {
	if lc.ProvPath == "" {
		d.say("WARNING: Verification not found for %s: %s", src, ErrNoProvenance)
		return nil
	}
	data, err := os.ReadFile(lc.Path)
	if err != nil {
		return err
	}
	prov, err := os.ReadFile(lc.ProvPath)
	if err != nil {
		return err
	}
	_, err = verifyBytes(data, prov, lc.FileName, d.Keyring)
	return err
}
