package chart

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"path"
	"strings"
)

// IgnoreFile is the name of the file listing paths a chart leaves out when loaded or packaged.
const IgnoreFile = ".helmignore"

// IgnoreRules are the patterns of a .helmignore file.
//
// The syntax is Helm's: one shell glob per line, '#' comments, a trailing '/' matches only
// directories, a leading '/' anchors at the chart root, a pattern without '/' matches the
// base name, and a leading '!' negates. Helm applies a negated pattern as "ignore every
// path that does not match it"; Rudder keeps that behaviour so charts load the same files.
type IgnoreRules struct {
	patterns []ignorePattern
}

type ignorePattern struct {
	glob     string
	negate   bool
	dirOnly  bool
	anchored bool // match the whole path rather than the base name
}

// ParseIgnore reads .helmignore rules. Templates starting with a dot are always ignored.
func ParseIgnore(r io.Reader) (*IgnoreRules, error) {
	rules := &IgnoreRules{}
	s := bufio.NewScanner(r)
	for n := 1; s.Scan(); n++ {
		line := s.Bytes()
		if n == 1 {
			line = bytes.TrimPrefix(line, utf8BOM)
		}
		if err := rules.add(string(line)); err != nil {
			return nil, fmt.Errorf("%s line %d: %w", IgnoreFile, n, err)
		}
	}
	if err := s.Err(); err != nil {
		return nil, fmt.Errorf("%s: %w", IgnoreFile, err)
	}
	return rules, nil
}

// DefaultIgnoreRules are the rules every chart gets on top of its own .helmignore.
func DefaultIgnoreRules() *IgnoreRules {
	r := &IgnoreRules{}
	r.addDefaults()
	return r
}

func (r *IgnoreRules) addDefaults() {
	_ = r.add("templates/.?*")
}

func (r *IgnoreRules) add(rule string) error {
	rule = strings.TrimSpace(rule)
	if rule == "" || strings.HasPrefix(rule, "#") {
		return nil
	}
	if strings.Contains(rule, "**") {
		return errors.New("double-star (**) syntax is not supported")
	}
	if _, err := path.Match(rule, "abc"); err != nil {
		return fmt.Errorf("bad pattern %q: %w", rule, err)
	}
	p := ignorePattern{}
	if rest, ok := strings.CutPrefix(rule, "!"); ok {
		p.negate, rule = true, rest
	}
	if rest, ok := strings.CutSuffix(rule, "/"); ok {
		p.dirOnly, rule = true, rest
	}
	if rest, ok := strings.CutPrefix(rule, "/"); ok {
		p.anchored, rule = true, rest
	} else if strings.Contains(rule, "/") {
		p.anchored = true
	}
	p.glob = rule
	r.patterns = append(r.patterns, p)
	return nil
}

// Ignore tells whether the slash-separated chart-relative path is left out.
func (r *IgnoreRules) Ignore(name string, isDir bool) bool {
	if name == "" || name == "." || name == "./" {
		return false
	}
	for _, p := range r.patterns {
		subject := name
		if !p.anchored {
			subject = path.Base(name)
		}
		matched, _ := path.Match(p.glob, subject)
		if p.negate {
			if (p.dirOnly && !isDir) || !matched {
				return true
			}
			continue
		}
		if p.dirOnly && !isDir {
			continue
		}
		if matched {
			return true
		}
	}
	return false
}
