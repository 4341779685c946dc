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
	Name  string
	Score int
	// Version has what the search shows and matched: version, app version,
	// description, keywords, chart name and flags, not the download fields
	// (digest, URLs, created), which Cache.Get gives.
	Version *CachedVersion
	rank    int
}

// searchHit is a version that matched, with the fields of its search record.
type searchHit struct {
	SearchResult
	version CachedVersion
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
	// found are the current chart's hits; their versions' strings point into the
	// cache until they are kept.
	var found []searchHit
	for _, c := range caches {
		fields := newFieldMatcher(o, c.Repo)
		var derr error
		err := c.charts(func(ch *cachedChart) bool {
			if fields != nil && !fields.start(ch) {
				return true
			}
			found = found[:0]
			best := -1
			least := 0 // the lowest score a version of the chart can get
			if fields != nil {
				least = fields.least(ch)
			}
			d := decoder{b: ch.search}
			for k := range ch.n {
				from := d.p
				version, appVersion, desc, keywords, chartName := d.str(), d.str(), d.str(), d.str(), d.str()
				flags := d.byte()
				if d.bad {
					derr = errCorrupt
					return false
				}
				if !accept(version, flags) || fields != nil && !fields.within(from, d.p) {
					continue
				}
				name := ch.name
				if chartName != "" {
					name = chartName
				}
				var score int
				if fields != nil {
					score = fields.score(name, desc, keywords)
				} else {
					line = searchLine(line[:0], c.Repo, name, desc, keywords)
					score = match(line)
				}
				if score < 0 || score >= searchMaxScore {
					// Helm indexes each version on its own line, so a later version
					// whose description matches still counts.
					continue
				}
				r := searchHit{SearchResult{Score: score, rank: k},
					CachedVersion{Version: version, AppVersion: appVersion, Description: desc, Keywords: keywords, ChartName: chartName, flags: flags}}
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
				if !o.AllVersions && score == least {
					break // nothing older can beat it
				}
			}
			if len(found) == 0 {
				return true
			}
			full := c.Repo + "/" + ch.name
			vs := make([]CachedVersion, len(found))
			for i, h := range found {
				vs[i] = h.version.clone()
				h.Name, h.Version = full, &vs[i]
				res = append(res, h.SearchResult)
			}
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

// searchLine appends Helm's search line for a version to b: name, repo/name,
// description and keywords, separated by '\v'.
func searchLine(b []byte, repo, name, desc, keywords string) []byte {
	b = append(b, name...)
	b = append(b, '\v')
	b = append(b, repo...)
	b = append(b, '/')
	b = append(b, name...)
	b = append(b, '\v')
	b = append(b, desc...)
	b = append(b, '\v')
	return append(b, keywords...)
}

// fieldMatcher scores versions for a plain term as matcher scores their search
// lines, without building them: as a term without '\v' cannot match across the
// separators, the first match is in the first field that holds the term. The
// name fields, the same for every version of a chart, are scored once per chart,
// and a chart whose name matches needs no look at its versions' other fields.
type fieldMatcher struct {
	term []byte // lower case
	repo string
	set  bool
	// name is the name the name fields were scored for, nameScore their score
	// (or -1) and nameSeps the separators in them.
	name                string
	nameScore, nameSeps int
	buf                 []byte
	// plainASCII: the term is ASCII without '/', so start may look for it in a
	// chart's whole search part; hasI, hasK: it holds an i, a k.
	plainASCII, hasI, hasK bool
	// guided: block is the chart's search part lower-cased as ASCII (as the
	// cache stores it), and the term's next occurrence in it is at next (-1:
	// none).
	guided bool
	block  []byte
	next   int
}

// newFieldMatcher returns a fieldMatcher for the options, or nil when they need
// the whole line: no term, a regular expression, or a term holding a separator.
func newFieldMatcher(o SearchOptions, repo string) *fieldMatcher {
	if o.Term == "" || o.Regexp || strings.Contains(o.Term, "\v") {
		return nil
	}
	m := &fieldMatcher{term: []byte(strings.ToLower(o.Term)), repo: repo, plainASCII: true}
	for _, c := range m.term {
		if c >= utf8.RuneSelf || c == '/' {
			m.plainASCII = false
		}
	}
	m.hasI, m.hasK = bytes.IndexByte(m.term, 'i') >= 0, bytes.IndexByte(m.term, 'k') >= 0
	return m
}

// start prepares the scoring of a chart's versions and reports whether any of
// them can match. When the entry's name fields do not match, it finds the term
// in the chart's whole search part lower-cased as ASCII, which the cache keeps
// beside it, without decoding it: a version whose record holds no occurrence has none in its
// description, keywords or Chart.yaml name either, so within skips it. The
// repository's name is in no search part, so a term with a '/' (which could
// match across "repo/" and a Chart.yaml name) is not looked for this way. Two
// runes outside ASCII lower-case into ASCII letters (İ to i, the Kelvin sign to
// k): a part that holds one (the cache marks it) is not judged by this look
// when the term has that letter.
func (m *fieldMatcher) start(ch *cachedChart) bool {
	m.guided = false
	if m.score(ch.name, "", "") >= 0 || !m.plainASCII {
		return true
	}
	if m.hasI && ch.mark&markDottedI != 0 || m.hasK && ch.mark&markKelvin != 0 {
		return true
	}
	m.block = ch.lower
	m.guided, m.next = true, bytes.Index(m.block, m.term)
	return m.next >= 0
}

// least returns the lowest score a version of the chart that start prepared
// can get: its name fields' score when they match, else that of a match in the
// description, unless a version has a Chart.yaml name of its own, whose name
// fields may match.
func (m *fieldMatcher) least(ch *cachedChart) int {
	switch {
	case ch.mark&markOwnNames != 0:
		return 0
	case m.nameScore >= 0:
		return m.nameScore
	}
	return m.nameSeps + 1
}

// within reports whether the version whose record is search[from:to] may match:
// always, unless start found where the term occurs in the chart's search part.
func (m *fieldMatcher) within(from, to int) bool {
	if !m.guided {
		return true
	}
	if m.next >= 0 && m.next < from {
		m.next = bytes.Index(m.block[from:], m.term)
		if m.next >= 0 {
			m.next += from
		}
	}
	return m.next >= 0 && m.next < to
}

// score returns the version's score: the number of separators before the
// term's first occurrence in its lower-cased search line, or -1.
func (m *fieldMatcher) score(name, desc, keywords string) int {
	if !m.set || name != m.name {
		m.set, m.name = true, name
		line := searchLine(m.buf[:0], m.repo, name, "", "")
		line = line[:len(line)-2] // the name fields alone
		m.nameSeps = bytes.Count(line, []byte{'\v'})
		m.nameScore = -1
		if at, low := m.index(string(line)); at >= 0 {
			m.nameScore = bytes.Count(low[:at], []byte{'\v'})
		}
	}
	if m.nameScore >= 0 {
		return m.nameScore
	}
	if at, low := m.index(desc); at >= 0 {
		return m.nameSeps + 1 + bytes.Count(low[:at], []byte{'\v'})
	}
	if at, low := m.index(keywords); at >= 0 {
		return m.nameSeps + 1 + strings.Count(desc, "\v") + 1 + bytes.Count(low[:at], []byte{'\v'})
	}
	return -1
}

// index lower-cases s as strings.ToLower does and returns where the term first
// occurs in it, and the lower-cased text.
func (m *fieldMatcher) index(s string) (int, []byte) {
	m.buf = append(m.buf[:0], s...)
	low := m.buf
	if !toLowerASCII(low) {
		low = []byte(strings.ToLower(s))
	}
	return bytes.Index(low, m.term), low
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

// lowerASCII appends src to dst with its ASCII letters lower-cased, and reports
// whether src holds bytes outside ASCII, which it copies as they are.
func lowerASCII(dst, src []byte) ([]byte, bool) {
	n := len(dst)
	dst = slices.Grow(dst, len(src))[:n+len(src)]
	b := dst[n:]
	var high uint64
	i := 0
	for ; i+8 <= len(src); i += 8 {
		w := binary.LittleEndian.Uint64(src[i:])
		high |= w
		// As in toLowerASCII, on the low seven bits of each byte, for the
		// bytes whose high bit is clear.
		x := w & 0x7f7f7f7f7f7f7f7f
		upper := (x + 0x3f3f3f3f3f3f3f3f) &^ (x + 0x2525252525252525) &^ w & 0x8080808080808080
		binary.LittleEndian.PutUint64(b[i:], w|upper>>2)
	}
	for ; i < len(src); i++ {
		c := src[i]
		high |= uint64(c)
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		b[i] = c
	}
	return dst, high&0x8080808080808080 != 0
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
