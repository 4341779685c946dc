package diff

import (
	"math"
	"regexp"
	"slices"
	"sort"
	"strings"

	"github.com/aryann/difflib"
)

// Change says what happens to an object.
type Change string

// The changes helm-diff reports; their names are its names.
const (
	Add    Change = "ADD"
	Modify Change = "MODIFY"
	Remove Change = "REMOVE"
	// Adopt: an object that exists but not in the release becomes the release's
	// (live diffs only).
	Adopt Change = "ADOPT"
	// Keep: an object the new revision drops stays, by helm.sh/resource-policy:
	// keep (live diffs only).
	Keep Change = "KEEP"
)

// Op marks a line of a diff.
type Op byte

// A line is in both versions, only in the old one, or only in the new one.
const (
	Same    Op = ' '
	Deleted Op = '-'
	Added   Op = '+'
)

// Line is one line of an object's diff.
type Line struct {
	Op   Op
	Text string
}

// Entry is one changed object.
type Entry struct {
	Key    string
	Kind   string
	Change Change
	// Lines is the whole diff of the object, unchanged lines included; empty when
	// SuppressLines removed every changed line.
	Lines []Line
	// Suppressed is set for kinds in Options.SuppressKinds: the diff is not shown.
	Suppressed bool
}

// Options control Compare. The zero value shows secrets masked, no renames, and every
// line; Context applies only when writing (see WriteOptions).
type Options struct {
	// StripTrailingCR ignores a carriage return at the end of lines.
	StripTrailingCR bool
	// ShowSecrets shows Secret data as it is written instead of masked.
	ShowSecrets bool
	// DecodeSecrets shows Secret data decoded from base64, stringData folded in,
	// instead of masked.
	DecodeSecrets bool
	// SuppressKinds lists kinds whose diffs are replaced by a one-line notice.
	SuppressKinds []string
	// FindRenames, if above 0, pairs a removed object with an added one of the same
	// kind whose diff changes less than this fraction of its lines.
	FindRenames float32
	// SuppressLines drops diff lines matching any of these; an object left with no
	// changed line is still listed, without its diff.
	SuppressLines []*regexp.Regexp
}

// Report is the outcome of a comparison.
type Report struct {
	Entries []Entry
	// Changed tells whether anything changed, before SuppressLines was applied (as
	// helm-diff's exit code reports it).
	Changed bool
}

// Compare reports how the objects of new differ from those of old. Objects present in
// both are compared first (in key order), then removed ones (but not those with
// resource policy "keep"), then added ones.
func Compare(old, new Index, o Options) *Report {
	r := &Report{}
	var gone []string
	for _, k := range sortedKeys(old) {
		if n, ok := new[k]; ok {
			r.add(k, old[k], n, o)
		} else {
			gone = append(gone, k)
		}
	}
	var fresh []string
	for _, k := range sortedKeys(new) {
		if _, ok := old[k]; !ok {
			fresh = append(fresh, k)
		}
	}
	gone, fresh = r.renames(gone, old, fresh, new, o)
	for _, k := range gone {
		if old[k].ResourcePolicy != "keep" {
			r.add(k, old[k], nil, o)
		}
	}
	for _, k := range fresh {
		r.add(k, nil, new[k], o)
	}
	r.Changed = len(r.Entries) > 0
	r.suppressLines(o.SuppressLines)
	return r
}

// renames pairs removed objects with similar added ones, as Options.FindRenames
// asks, and returns the objects left unpaired.
func (r *Report) renames(gone []string, old Index, fresh []string, new Index, o Options) ([]string, []string) {
	if o.FindRenames <= 0 {
		return gone, fresh
	}
	var left []string
	for _, k := range gone {
		before := old[k]
		best, bestFrac := "", float32(math.MaxFloat32)
		for _, nk := range fresh {
			after := new[nk]
			if before.Kind != after.Kind {
				continue
			}
			b, a := masked(before, after, o)
			lines := diffLines(b.Content, a.Content, o.StripTrailingCR)
			n := changedLines(lines)
			if n == 0 || len(lines) == 0 {
				continue
			}
			if frac := float32(n) / float32(len(lines)); frac > 0 && frac < bestFrac {
				best, bestFrac = nk, frac
			}
		}
		if bestFrac < o.FindRenames {
			i := sort.SearchStrings(fresh, best)
			fresh = append(fresh[:i:i], fresh[i+1:]...)
			r.add(k, before, new[best], o)
		} else {
			left = append(left, k)
		}
	}
	return left, fresh
}

// add records the change from old to new (nil: absent), if there is one.
func (r *Report) add(key string, old, new *Object, o Options) {
	if old != nil && new != nil && old.Content == new.Content {
		return
	}
	old, new = masked(old, new, o)
	e := Entry{Key: key}
	var before, after string
	switch {
	case old == nil:
		e.Kind, e.Change, after = new.Kind, Add, new.Content
	case new == nil:
		e.Kind, e.Change, before = old.Kind, Remove, old.Content
	default:
		e.Kind, e.Change, before, after = old.Kind, Modify, old.Content, new.Content
	}
	e.Lines = diffLines(before, after, o.StripTrailingCR)
	if e.Change == Modify && changedLines(e.Lines) == 0 {
		return
	}
	e.Suppressed = slices.Contains(o.SuppressKinds, e.Kind)
	r.Entries = append(r.Entries, e)
}

func (r *Report) suppressLines(res []*regexp.Regexp) {
	if len(res) == 0 {
		return
	}
	for i := range r.Entries {
		e := &r.Entries[i]
		kept := e.Lines[:0:0]
		for _, l := range e.Lines {
			if !matchesAny(res, l.Text) {
				kept = append(kept, l)
			}
		}
		if changedLines(kept) == 0 {
			kept = nil
		}
		e.Lines = kept
	}
}

func matchesAny(res []*regexp.Regexp, s string) bool {
	for _, re := range res {
		if re.MatchString(s) {
			return true
		}
	}
	return false
}

// diffLines diffs two texts line by line with the longest-common-subsequence
// algorithm helm-diff uses, so that hunks come out the same.
func diffLines(before, after string, stripCR bool) []Line {
	recs := difflib.Diff(splitLines(before, stripCR), splitLines(after, stripCR))
	lines := make([]Line, len(recs))
	for i, rec := range recs {
		op := Same
		switch rec.Delta {
		case difflib.LeftOnly:
			op = Deleted
		case difflib.RightOnly:
			op = Added
		}
		lines[i] = Line{Op: op, Text: rec.Payload}
	}
	return lines
}

func splitLines(s string, stripCR bool) []string {
	lines := strings.Split(s, "\n")
	if stripCR {
		for i, l := range lines {
			lines[i] = strings.TrimSuffix(l, "\r")
		}
	}
	return lines
}

func changedLines(lines []Line) int {
	n := 0
	for _, l := range lines {
		if l.Op != Same {
			n++
		}
	}
	return n
}

func sortedKeys[M ~map[string]V, V any](m M) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// Relabel sets the change of the entry with key to c, if there is one.
func (r *Report) Relabel(key string, c Change) {
	for i := range r.Entries {
		if r.Entries[i].Key == key {
			r.Entries[i].Change = c
		}
	}
}

// AddKept records an object the new revision drops but its resource policy keeps.
func (r *Report) AddKept(key, kind string) {
	r.Entries = append(r.Entries, Entry{Key: key, Kind: kind, Change: Keep})
}
