package repo

import (
	"cmp"
	"fmt"
	"regexp"
	"slices"
	"strings"

	"github.com/Masterminds/semver/v3"
)

// SearchOptions say what Search looks for. The zero value lists the newest stable
// version of every chart.
type SearchOptions struct {
	// Term is matched against "name, repo/name, description, keywords"; "" matches all.
	Term string
	// Regexp makes Term a regular expression instead of a case-insensitive substring.
	Regexp bool
	// Constraint filters versions; "" means ">0.0.0" (stable versions), or
	// ">0.0.0-0" when Devel is set.
	Constraint string
	Devel      bool
	// AllVersions returns every accepted version, not only each chart's newest.
	AllVersions bool
}

// SearchResult is one chart version found.
type SearchResult struct {
	// Name is "repo/chart".
	Name    string
	Score   int
	Version *CachedVersion
	rank    int
}

// searchMaxScore: a match in the fields past this many separators does not count.
const searchMaxScore = 25

// Search finds chart versions in the given repositories as `helm search repo`
// does: scored by which field matched (name first), then sorted by score, name and
// version, newest first.
func Search(caches []*Cache, o SearchOptions) ([]SearchResult, error) {
	accept, err := versionFilter(o)
	if err != nil {
		return nil, err
	}
	// match returns the score of a line (the number of fields before the first
	// match), or -1. The score is counted in the very string searched: lower-casing
	// may change the length of some characters.
	var match func(line string) int
	score := func(line string, at int) int {
		if at < 0 {
			return -1
		}
		return strings.Count(line[:at], "\v")
	}
	switch {
	case o.Term == "":
		match = func(string) int { return 0 }
	case o.Regexp:
		re, err := regexp.Compile(o.Term)
		if err != nil {
			return nil, err
		}
		match = func(line string) int {
			loc := re.FindStringIndex(line)
			if loc == nil {
				return -1
			}
			return score(line, loc[0])
		}
	default:
		term := strings.ToLower(o.Term)
		match = func(line string) int {
			l := strings.ToLower(line)
			return score(l, strings.Index(l, term))
		}
	}

	var res []SearchResult
	var line strings.Builder
	for _, c := range caches {
		for ci := range c.Charts {
			ch := &c.Charts[ci]
			full := c.Repo + "/" + ch.Name
			best := -1
			for vi := range ch.Versions {
				v := &ch.Versions[vi]
				if !accept(v) {
					continue
				}
				line.Reset()
				name := ch.Name
				if v.ChartName != "" {
					name = v.ChartName
				}
				// Helm's search line: name, repo/name, description, keywords.
				line.WriteString(name)
				line.WriteByte('\v')
				line.WriteString(c.Repo)
				line.WriteByte('/')
				line.WriteString(name)
				line.WriteByte('\v')
				line.WriteString(v.Description)
				line.WriteByte('\v')
				line.WriteString(v.Keywords)
				score := match(line.String())
				if score < 0 || score >= searchMaxScore {
					// Helm indexes each version on its own line, so a later version
					// whose description matches still counts.
					continue
				}
				r := SearchResult{Name: full, Score: score, Version: v, rank: vi}
				switch {
				case o.AllVersions:
					res = append(res, r)
				case best < 0:
					best = len(res)
					res = append(res, r)
				case score < res[best].Score:
					// Helm keeps, per chart, its best-scored accepted version, the
					// newest among equals.
					res[best] = r
				}
				if !o.AllVersions && score == 0 {
					break // nothing older can beat it
				}
			}
		}
	}
	slices.SortStableFunc(res, func(a, b SearchResult) int {
		if c := cmp.Compare(a.Score, b.Score); c != 0 {
			return c
		}
		if c := strings.Compare(a.Name, b.Name); c != 0 {
			return c
		}
		return cmp.Compare(a.rank, b.rank)
	})
	return res, nil
}

// versionFilter turns the options' constraint into a test on cached versions. The
// two defaults are answered from flags computed at cache time, without parsing.
func versionFilter(o SearchOptions) (func(*CachedVersion) bool, error) {
	switch {
	case o.Constraint == "" && o.Devel, o.Constraint == ">0.0.0-0":
		return func(v *CachedVersion) bool { return v.flags&flagAboveZeroPre != 0 }, nil
	case o.Constraint == "", o.Constraint == ">0.0.0":
		return func(v *CachedVersion) bool { return v.flags&flagAboveZero != 0 && v.flags&flagPrerelease == 0 }, nil
	}
	cons, err := semver.NewConstraint(o.Constraint)
	if err != nil {
		return nil, fmt.Errorf("an invalid version/constraint format: %w", err)
	}
	return func(v *CachedVersion) bool {
		if v.flags&flagSemver == 0 {
			return false
		}
		sv, err := semver.NewVersion(v.Version)
		return err == nil && cons.Check(sv)
	}, nil
}
