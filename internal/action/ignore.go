package action

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/rudderpm/rudder/internal/kube"
	"github.com/rudderpm/rudder/internal/manifest"
	"github.com/rudderpm/rudder/internal/values"
)

// IgnoreRule leaves fields out of drift detection and correction, as Flux's
// driftDetection.ignore does: Paths are JSON pointers (RFC 6901) into the
// objects Target selects (nil: every object of the release). The pointer ""
// leaves a whole object out.
type IgnoreRule struct {
	Paths  []string
	Target *manifest.Selector
}

// ignoreSet is a list of IgnoreRules with their selectors compiled.
type ignoreSet []compiledIgnore

type compiledIgnore struct {
	match *manifest.Matcher
	paths [][]string // decoded pointers; an empty one is the whole object
}

// compileIgnores checks rules: their selectors and pointers.
func compileIgnores(rules []IgnoreRule) (ignoreSet, error) {
	out := make(ignoreSet, 0, len(rules))
	for i, r := range rules {
		c := compiledIgnore{}
		if r.Target != nil {
			m, err := r.Target.Compile()
			if err != nil {
				return nil, fmt.Errorf("ignore rule %d: target: %w", i+1, err)
			}
			c.match = m
		}
		for _, p := range r.Paths {
			tokens, err := parsePointer(p)
			if err != nil {
				return nil, fmt.Errorf("ignore rule %d: %w", i+1, err)
			}
			c.paths = append(c.paths, tokens)
		}
		out = append(out, c)
	}
	return out, nil
}

// CheckIgnoreRules tells whether rules are valid, so that a mistake is reported
// before any drift is looked at.
func CheckIgnoreRules(rules []IgnoreRule) error {
	_, err := compileIgnores(rules)
	return err
}

// pathsFor returns the pointers that apply to a desired object; whole reports
// that the object is left out altogether.
func (s ignoreSet) pathsFor(r *kube.Resource) (paths [][]string, whole bool) {
	if len(s) == 0 {
		return nil, false
	}
	id := manifest.IDOf(r.Object.Object)
	id.Namespace = r.Namespace()
	for _, c := range s {
		if !c.match.Matches(id) {
			continue
		}
		for _, p := range c.paths {
			if len(p) == 0 {
				return nil, true
			}
			paths = append(paths, p)
		}
	}
	return paths, false
}

// keep returns the resources not left out whole.
func (s ignoreSet) keep(rs []*kube.Resource) []*kube.Resource {
	if len(s) == 0 {
		return rs
	}
	out := make([]*kube.Resource, 0, len(rs))
	for _, r := range rs {
		if _, whole := s.pathsFor(r); !whole {
			out = append(out, r)
		}
	}
	return out
}

// parsePointer splits a JSON pointer into its unescaped tokens.
func parsePointer(p string) ([]string, error) {
	if p == "" {
		return nil, nil
	}
	if !strings.HasPrefix(p, "/") {
		return nil, fmt.Errorf("path %q is not a JSON pointer: it must start with '/'", p)
	}
	tokens := strings.Split(p[1:], "/")
	for i, t := range tokens {
		tokens[i] = strings.ReplaceAll(strings.ReplaceAll(t, "~1", "/"), "~0", "~")
	}
	return tokens, nil
}

// withoutPaths returns obj without the fields at paths; what it shares with obj
// is not changed.
func withoutPaths(obj map[string]any, paths [][]string) map[string]any {
	var out any = obj
	for _, p := range paths {
		out = removeAt(out, p)
	}
	m, _ := out.(map[string]any)
	return m
}

// removeAt returns v without the field at path, copying what it changes.
func removeAt(v any, path []string) any {
	if len(path) == 0 {
		return v
	}
	switch x := v.(type) {
	case map[string]any:
		child, ok := x[path[0]]
		if !ok {
			return v
		}
		m := make(map[string]any, len(x))
		for k, e := range x {
			m[k] = e
		}
		if len(path) == 1 {
			delete(m, path[0])
		} else {
			m[path[0]] = removeAt(child, path[1:])
		}
		return m
	case []any:
		i, err := strconv.Atoi(path[0])
		if err != nil || i < 0 || i >= len(x) {
			return v
		}
		if len(path) == 1 {
			return append(append([]any{}, x[:i]...), x[i+1:]...)
		}
		s := append([]any{}, x...)
		s[i] = removeAt(x[i], path[1:])
		return s
	}
	return v
}

// lookupAt returns the value at path in v.
func lookupAt(v any, path []string) (any, bool) {
	for _, t := range path {
		switch x := v.(type) {
		case map[string]any:
			var ok bool
			if v, ok = x[t]; !ok {
				return nil, false
			}
		case []any:
			i, err := strconv.Atoi(t)
			if err != nil || i < 0 || i >= len(x) {
				return nil, false
			}
			v = x[i]
		default:
			return nil, false
		}
	}
	return v, true
}

// setAt sets the value at path in obj (changed in place), creating maps on the
// way; a path through a list index that does not exist is left alone.
func setAt(obj map[string]any, path []string, val any) {
	var cur any = obj
	for i, t := range path {
		last := i == len(path)-1
		switch x := cur.(type) {
		case map[string]any:
			if last {
				x[t] = val
				return
			}
			next, ok := x[t]
			if !ok || next == nil {
				next = map[string]any{}
				x[t] = next
			}
			cur = next
		case []any:
			k, err := strconv.Atoi(t)
			if err != nil || k < 0 || k >= len(x) {
				return
			}
			if last {
				x[k] = val
				return
			}
			cur = x[k]
		default:
			return
		}
	}
}

// keepLive makes desired carry the live values of the ignored paths (and lack
// the fields live lacks), so that applying it leaves them as they are.
func keepLive(desired, live map[string]any, paths [][]string) map[string]any {
	out := values.DeepCopy(desired)
	for _, p := range paths {
		if v, ok := lookupAt(live, p); ok {
			setAt(out, p, values.DeepCopyValue(v))
		} else {
			out = withoutPaths(out, [][]string{p})
		}
	}
	return out
}
