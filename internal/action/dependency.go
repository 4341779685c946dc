package action

import (
	"context"
	"os"
	"path/filepath"
	"strings"

	"github.com/Masterminds/semver/v3"

	"github.com/rudderpm/rudder/internal/chart"
	"github.com/rudderpm/rudder/internal/warn"
)

// The statuses of a declared dependency, Helm's words for what charts/ holds for it.
const (
	// DependencyOK: one archive charts/<name>-<version>.tgz holds the chart at a
	// version the constraint accepts.
	DependencyOK = "ok"
	// DependencyUnpacked: no archive, but a subchart (a folder) of that name whose
	// version the constraint accepts.
	DependencyUnpacked = "unpacked"
	// DependencyMissing: nothing in charts/ for it.
	DependencyMissing = "missing"
	// DependencyWrongVersion: the chart found does not satisfy the version constraint.
	DependencyWrongVersion = "wrong version"
	// DependencyInvalidVersion: the constraint or the found chart's version does not parse.
	DependencyInvalidVersion = "invalid version"
	// DependencyMisnamed: the archive named after the dependency holds another chart.
	DependencyMisnamed = "misnamed"
	// DependencyCorrupt: the archive named after the dependency cannot be loaded.
	DependencyCorrupt = "corrupt"
	// DependencyTooManyMatches: several archives with a semantic version match the name.
	DependencyTooManyMatches = "too many matches"
	// DependencyBadPattern: the dependency's name is not usable as a file pattern.
	DependencyBadPattern = "bad pattern"
)

// DependencyStatus is one dependency declared in Chart.yaml and its status.
type DependencyStatus struct {
	Name       string
	Version    string
	Repository string
	Status     string
}

// StrayKind says what is wrong with an entry of charts/.
type StrayKind int

// What can be wrong with an entry of charts/.
const (
	// StrayNotDeclared: a chart that Chart.yaml does not declare.
	StrayNotDeclared StrayKind = iota
	// StrayNotAChart: a folder or .tgz file that does not load as a chart.
	StrayNotAChart
	// StrayUnreadable: an entry that cannot even be examined; Err says why.
	StrayUnreadable
	// StrayListFailed: charts/ itself could not be listed; Err says why.
	StrayListFailed
)

// Stray is an entry of charts/ that no declared dependency accounts for.
type Stray struct {
	// Path is the entry's path, starting with the chart path given to ListDependencies.
	Path string
	Kind StrayKind
	Err  error
}

// DependencyList is what `helm dependency list` reports about a chart.
type DependencyList struct {
	// Declared is false when Chart.yaml has no dependencies at all; the other fields
	// are then empty. An empty but present list counts as declared.
	Declared     bool
	Dependencies []DependencyStatus
	Strays       []Stray
	// Warnings are what loading the chart and the entries of charts/ noticed, in
	// the order Helm logs them.
	Warnings []warn.Warning
}

// ListDependencies loads the chart at chartPath (a folder or an archive) and reports
// the status of each dependency declared in its Chart.yaml, and the entries of its
// charts/ folder no dependency accounts for, computed as Helm does.
func ListDependencies(ctx context.Context, chartPath string) (*DependencyList, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	res := &DependencyList{}
	c, err := loadNoting(&res.Warnings, chartPath)
	if err != nil {
		return nil, err
	}
	if c.Metadata.Dependencies == nil {
		return res, nil
	}
	res.Declared = true
	for _, d := range c.Metadata.Dependencies {
		res.Dependencies = append(res.Dependencies, DependencyStatus{
			Name:       d.Name,
			Version:    d.Version,
			Repository: d.Repository,
			Status:     dependencyStatus(&res.Warnings, chartPath, d, c),
		})
	}
	res.Strays = strayCharts(&res.Warnings, chartPath, c.Metadata.Dependencies)
	return res, nil
}

// loadNoting loads a chart as chart.Load does and adds its load warnings to ws.
func loadNoting(ws *[]warn.Warning, path string) (*chart.Chart, error) {
	c, err := chart.Load(path)
	if c != nil {
		*ws = append(*ws, c.LoadWarnings...)
	}
	return c, err
}

// dependencyStatus looks first for charts/<name>-<semver>.tgz archives, then at the
// loaded subcharts, as Helm does (archives give "ok", folders "unpacked").
func dependencyStatus(ws *[]warn.Warning, chartPath string, dep *chart.Dependency, parent *chart.Chart) string {
	archives, err := filepath.Glob(filepath.Join(chartPath, "charts", dep.Name+"-*.tgz"))
	switch {
	case err != nil:
		return DependencyBadPattern
	case len(archives) == 1:
		if s := archiveStatus(ws, archives[0], dep); s != "" {
			return s
		}
	case len(archives) > 1:
		// Only archives whose name ends in a strict semantic version count.
		var found []string
		for _, a := range archives {
			v := strings.TrimPrefix(strings.TrimSuffix(filepath.Base(a), ".tgz"), dep.Name+"-")
			if _, err := semver.StrictNewVersion(v); err == nil {
				found = append(found, a)
			}
		}
		switch {
		case len(found) > 1:
			return DependencyTooManyMatches
		case len(found) == 1:
			if s := archiveStatus(ws, found[0], dep); s != "" {
				return s
			}
		}
	}

	var sub *chart.Chart
	for _, c := range parent.Dependencies() {
		if c.Name() == dep.Name {
			sub = c // the last one wins, as in Helm
		}
	}
	if sub == nil {
		return DependencyMissing
	}
	if s := versionStatus(dep.Version, sub.Metadata.Version); s != "" {
		return s
	}
	return DependencyUnpacked
}

// archiveStatus is the status given by one candidate archive, or "" when it is gone.
func archiveStatus(ws *[]warn.Warning, archive string, dep *chart.Dependency) string {
	if _, err := os.Stat(archive); err != nil {
		return ""
	}
	c, err := loadNoting(ws, archive)
	if err != nil {
		return DependencyCorrupt
	}
	if c.Name() != dep.Name {
		return DependencyMisnamed
	}
	if s := versionStatus(dep.Version, c.Metadata.Version); s != "" {
		return s
	}
	return DependencyOK
}

// versionStatus checks a found version against the declared constraint: "" when it
// is accepted.
func versionStatus(constraint, version string) string {
	if version == constraint {
		return ""
	}
	cons, err := semver.NewConstraint(constraint)
	if err != nil {
		return DependencyInvalidVersion
	}
	v, err := semver.NewVersion(version)
	if err != nil {
		return DependencyInvalidVersion
	}
	if !cons.Check(v) {
		return DependencyWrongVersion
	}
	return ""
}

// strayCharts lists the folders and .tgz files of charts/ that are not charts, or are
// charts Chart.yaml does not declare.
func strayCharts(ws *[]warn.Warning, chartPath string, declared []*chart.Dependency) []Stray {
	entries, err := filepath.Glob(filepath.Join(chartPath, "charts", "*"))
	if err != nil {
		return []Stray{{Path: filepath.Join(chartPath, "charts"), Kind: StrayListFailed, Err: err}}
	}
	var strays []Stray
	for _, e := range entries {
		fi, err := os.Stat(e)
		if err != nil {
			strays = append(strays, Stray{Path: e, Kind: StrayUnreadable, Err: err})
			continue
		}
		if !fi.IsDir() && filepath.Ext(e) != ".tgz" {
			continue
		}
		c, err := loadNoting(ws, e)
		if err != nil {
			strays = append(strays, Stray{Path: e, Kind: StrayNotAChart, Err: err})
			continue
		}
		found := false
		for _, d := range declared {
			if d.Name == c.Name() {
				found = true
				break
			}
		}
		if !found {
			strays = append(strays, Stray{Path: e, Kind: StrayNotDeclared})
		}
	}
	return strays
}
