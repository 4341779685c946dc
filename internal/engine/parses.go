package engine

import (
	"maps"
	"path"
	"runtime"
	"slices"
	"strings"
	"text/template"
	"text/template/parse"
)

// treeSet parses a chart's template files in the background and adds their trees to
// the template set as execution needs them, so that rendering starts before the last
// file is parsed. The result is the set sequential parsing would build: files that
// define templates (partials, or any text mentioning "define" or "block") all join it,
// in parse order, before anything runs; every other file holds one template named by
// its path, which joins when it is executed, included or named by a template action.
// Anything that could tell the difference makes the set wait for every file first.
//
// Only parse.Parse runs in the background; the set itself is changed and executed by
// the rendering goroutine alone.
type treeSet struct {
	t     *template.Template
	names []string       // parse order
	index map[string]int // file name to its place in names
	trees []map[string]*parse.Tree
	errs  []error
	done  []chan struct{}
	added []bool
	defs  []int // files that may define templates, in parse order
	// tpl holds the trees of the strings tpl has parsed that define no templates, by
	// name and text: charts often pass tpl the same long string (a config file) many times.
	tpl map[[2]string]map[string]*parse.Tree
	// called holds the names {{template}} actions call. Only the trees of those
	// templates count their bodies (see countBodies): include and tpl count their own
	// calls, so the other trees need not.
	called map[string]bool
}

// start parses every file of tpls, those that define templates first.
func (s *treeSet) start(names []string, tpls map[string]renderable, known map[string]any) {
	n := len(names)
	s.names, s.index = names, make(map[string]int, n)
	s.trees, s.errs, s.added = make([]map[string]*parse.Tree, n), make([]error, n), make([]bool, n)
	s.done = make([]chan struct{}, n)
	var rest []int
	for i, name := range names {
		s.index[name] = i
		s.done[i] = make(chan struct{})
		if text := tpls[name].text; strings.HasPrefix(path.Base(name), "_") ||
			strings.Contains(text, "define") || strings.Contains(text, "block") {
			s.defs = append(s.defs, i)
		} else {
			rest = append(rest, i)
		}
	}
	queue := make(chan int, n)
	for _, i := range append(slices.Clone(s.defs), rest...) {
		queue <- i
	}
	close(queue)
	for range min(runtime.GOMAXPROCS(0), n) {
		go func() {
			for i := range queue {
				s.trees[i], s.errs[i] = parse.Parse(names[i], tpls[names[i]].text, "", "", known)
				close(s.done[i])
			}
		}()
	}
}

// prepare adds the defining files. With all, or when a definition could collide with
// or name a file that joins later, it waits for every file and adds them all in order.
func (s *treeSet) prepare(all bool) error {
	for _, i := range s.defs {
		<-s.done[i]
		if s.errs[i] != nil {
			return s.wait()
		}
	}
	for _, i := range s.defs {
		for name, tree := range s.trees[i] {
			if j, ok := s.index[name]; ok && j != i || referencesFile(s, tree.Root) {
				all = true
			}
		}
	}
	if all {
		return s.addAll()
	}
	for _, i := range s.defs {
		s.add(i)
	}
	return nil
}

// referencesFile reports whether a template action under n names one of the files.
func referencesFile(s *treeSet, n parse.Node) bool {
	found := false
	eachTemplateAction(n, func(name string) {
		if _, ok := s.index[name]; ok {
			found = true
		}
	})
	return found
}

// ensure makes the file called name, if it is one still to join, part of the set,
// with the files its template actions name.
func (s *treeSet) ensure(name string) error {
	i, ok := s.index[name]
	if !ok || s.added[i] {
		return nil
	}
	<-s.done[i]
	if s.errs[i] != nil {
		return parseError(name, s.errs[i])
	}
	s.add(i)
	for _, tree := range s.trees[i] {
		if err := s.ensureTree(tree); err != nil {
			return err
		}
	}
	return nil
}

// ensureTree makes part of the set every file a template action of tree names.
func (s *treeSet) ensureTree(tree *parse.Tree) error {
	var err error
	eachTemplateAction(tree.Root, func(ref string) {
		if e := s.ensure(ref); e != nil && err == nil {
			err = e
		}
	})
	return err
}

// addAll waits for every file and adds those not yet in the set, in parse order.
func (s *treeSet) addAll() error {
	if err := s.wait(); err != nil {
		return err
	}
	for i := range s.names {
		if !s.added[i] {
			s.add(i)
		}
	}
	return nil
}

// wait waits for every file and returns the first parse error in parse order.
func (s *treeSet) wait() error {
	for i, name := range s.names {
		<-s.done[i]
		if s.errs[i] != nil {
			return parseError(name, s.errs[i])
		}
	}
	return nil
}

func (s *treeSet) add(i int) {
	s.added[i] = true
	for _, name := range slices.Sorted(maps.Keys(s.trees[i])) {
		_, _ = s.t.AddParseTree(name, s.trees[i][name]) // never fails
	}
	s.noteCalls(s.t, s.trees[i])
}

// noteCalls makes the templates that the {{template}} actions of trees call count
// their bodies: those t holds now, and those that join the set later. The trees must
// have joined t already, as an empty tree is treated apart there.
func (s *treeSet) noteCalls(t *template.Template, trees map[string]*parse.Tree) {
	if s.called == nil {
		s.called = map[string]bool{}
	}
	for _, tree := range trees {
		eachTemplateAction(tree.Root, func(name string) {
			s.called[name] = true
			if called := t.Lookup(name); called != nil && called.Tree != nil {
				countBodies(called.Tree)
			}
		})
	}
	for name, tree := range trees {
		if s.called[name] {
			countBodies(tree)
		}
	}
}

// eachTemplateAction calls f with the name of every {{template}} action under n.
func eachTemplateAction(n parse.Node, f func(name string)) {
	switch n := n.(type) {
	case *parse.ListNode:
		if n != nil {
			for _, c := range n.Nodes {
				eachTemplateAction(c, f)
			}
		}
	case *parse.IfNode:
		eachTemplateAction(n.List, f)
		eachTemplateAction(n.ElseList, f)
	case *parse.RangeNode:
		eachTemplateAction(n.List, f)
		eachTemplateAction(n.ElseList, f)
	case *parse.WithNode:
		eachTemplateAction(n.List, f)
		eachTemplateAction(n.ElseList, f)
	case *parse.TemplateNode:
		f(n.Name)
	}
}

// parseTpl parses a string given to tpl as the template name. A string that
// defines no templates is parsed once per render: executing a tree does not
// change it, and what noteCalls adds to it is added once.
func (s *treeSet) parseTpl(name, text string, known map[string]any) (map[string]*parse.Tree, error) {
	key := [2]string{name, text}
	if trees, ok := s.tpl[key]; ok {
		return trees, nil
	}
	trees, err := parse.Parse(name, text, "", "", known)
	if err != nil || len(trees) != 1 {
		return trees, err
	}
	if s.tpl == nil {
		s.tpl = map[[2]string]map[string]*parse.Tree{}
	}
	s.tpl[key] = trees
	return trees, nil
}
