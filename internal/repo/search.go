package repo

import (
	"bytes"
	"cmp"
	"encoding/binary"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"unicode/utf8"

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
// version, newest first. It scans the caches' search parts in place and decodes
// only the versions it returns.
func Search(caches []*Cache, o SearchOptions) ([]SearchResult, error) {
	accept, err := versionFilter(o)
	if err != nil {
		return nil, err
	}
	match, err := matcher(o)
	if err != nil {
		return nil, err
	}
	var res []SearchResult
	var line []byte
	var found []SearchResult // of the current chart
	var ranks []int
	for _, c := range caches {
		var derr error
		err := c.charts(func(ch *cachedChart) bool {
			found = found[:0]
			best := -1
			d := decoder{b: ch.search}
			for k := range ch.n {
				version, _, desc, keywords, chartName := d.str(), d.str(), d.str(), d.str(), d.str()
				flags := d.byte()
				if d.bad {
					derr = errCorrupt
					return false
				}
				if !accept(version, flags) {
					continue
				}
				name := ch.name
				if chartName != "" {
					name = chartName
				}
				// Helm's search line: name, repo/name, description, keywords.
				line = append(line[:0], name...)
				line = append(line, '\v')
				line = append(line, c.Repo...)
				line = append(line, '/')
				line = append(line, name...)
				line = append(line, '\v')
				line = append(line, desc...)
				line = append(line, '\v')
				line = append(line, keywords...)
				score := match(line)
				if score < 0 || score >= searchMaxScore {
					// Helm indexes each version on its own line, so a later version
					// whose description matches still counts.
					continue
				}
				r := SearchResult{Score: score, rank: k}
				switch {
				case o.AllVersions:
					found = append(found, r)
				case best < 0:
					best = len(found)
					found = append(found, r)
				case score < found[best].Score:
					// Helm keeps, per chart, its best-scored accepted version, the
					// newest among equals.
					found[best] = r
				}
				if !o.AllVersions && score == 0 {
					break // nothing older can beat it
				}
			}
			if len(found) == 0 {
				return true
			}
			ranks = ranks[:0]
			for _, r := range found {
				ranks = append(ranks, r.rank)
			}
			vs, err := ch.versions(ranks)
			if err != nil {
				derr = err
				return false
			}
			full := c.Repo + "/" + ch.name
			for i := range found {
				found[i].Name, found[i].Version = full, &vs[i]
			}
			res = append(res, found...)
			return true
		})
		if err == nil && derr != nil {
			err = fmt.Errorf("repository %q: %w", c.Repo, derr)
		}
		if err != nil {
			return nil, err
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

// matcher returns a function that scores a search line: the number of fields
// before the first match, or -1. The score is counted in the very text searched,
// as lower-casing may change the length of some characters.
func matcher(o SearchOptions) (func(line []byte) int, error) {
	score := func(line []byte, at int) int {
		if at < 0 {
			return -1
		}
		return bytes.Count(line[:at], []byte{'\v'})
	}
	switch {
	case o.Term == "":
		return func([]byte) int { return 0 }, nil
	case o.Regexp:
		re, err := regexp.Compile(o.Term)
		if err != nil {
			return nil, err
		}
		return func(line []byte) int {
			loc := re.FindIndex(line)
			if loc == nil {
				return -1
			}
			return score(line, loc[0])
		}, nil
	}
	term := []byte(strings.ToLower(o.Term))
	return func(line []byte) int {
		if !toLowerASCII(line) {
			lower := []byte(strings.ToLower(string(line)))
			return score(lower, bytes.Index(lower, term))
		}
		return score(line, bytes.Index(line, term))
	}, nil
}

// toLowerASCII lower-cases b in place and reports true if it is all ASCII. On
// false, only the ASCII letters before the first other byte were lower-cased,
// which strings.ToLower leaves as they are.
func toLowerASCII(b []byte) bool {
	i := 0
	// Eight bytes at a time while they are ASCII and hold no upper-case letter.
	for ; i+8 <= len(b); i += 8 {
		w := binary.LittleEndian.Uint64(b[i:])
		if w&0x8080808080808080 != 0 {
			return false
		}
		// A byte has its high bit set in hi when it is >= 'A' and in lo when it
		// is > 'Z'; both fit in seven bits, so no carry crosses bytes.
		hi := w + 0x3f3f3f3f3f3f3f3f // 0x80 - 'A'
		lo := w + 0x2525252525252525 // 0x80 - 'Z' - 1
		if upper := hi &^ lo & 0x8080808080808080; upper != 0 {
			binary.LittleEndian.PutUint64(b[i:], w|upper>>2) // 0x80>>2 is 0x20, the case bit
		}
	}
	for ; i < len(b); i++ {
		c := b[i]
		if c >= utf8.RuneSelf {
			return false
		}
		if 'A' <= c && c <= 'Z' {
			b[i] = c + 'a' - 'A'
		}
	}
	return true
}

// versionFilter turns the options' constraint into a test on cached versions. The
// two defaults are answered from flags computed at cache time, without parsing;
// other constraints are checked once per distinct version string.
func versionFilter(o SearchOptions) (func(version string, flags byte) bool, error) {
	switch {
	case o.Constraint == "" && o.Devel, o.Constraint == ">0.0.0-0":
		return func(_ string, flags byte) bool { return flags&flagAboveZeroPre != 0 }, nil
	case o.Constraint == "", o.Constraint == ">0.0.0":
		return func(_ string, flags byte) bool { return flags&flagAboveZero != 0 && flags&flagPrerelease == 0 }, nil
	}
	cons, err := semver.NewConstraint(o.Constraint)
	if err != nil {
		return nil, fmt.Errorf("an invalid version/constraint format: %w", err)
	}
	checked := map[string]bool{}
	return func(version string, flags byte) bool {
		if flags&flagSemver == 0 {
			return false
		}
		ok, seen := checked[version]
		if !seen {
			sv, err := semver.NewVersion(version)
			ok = err == nil && cons.Check(sv)
			checked[version] = ok
		}
		return ok
	}, nil
}
