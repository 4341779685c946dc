package engine

import (
	"errors"
	"fmt"
	"io"
	"strings"
	"text/template/parse"
)

// DefaultMaxRenderSize is the budget of one render when Engine.MaxRenderSize is 0:
// 64 MiB, some sixty times the largest render of Helm's conformance corpus (about
// 1 MB, argo-rollouts with its CRDs; kube-prometheus-stack renders 666 KB). It leaves
// room for the copies later steps make of the output within a gigabyte.
const DefaultMaxRenderSize int64 = 64 << 20

// ErrRenderSize is matched by the error of a render that produced more than its
// budget (Engine.MaxRenderSize).
var ErrRenderSize = errors.New("rendered output exceeds the limit")

// Bounds on templates running inside one another. Each level costs stack, and Go
// ends the process, unrecoverably, when a stack passes a gigabyte.
const (
	// maxCallDepth bounds include and tpl calls running one inside another, whatever
	// their names: Helm stops a template including itself at the same depth.
	maxCallDepth = 1000
	// maxTemplateDepth bounds the {{template}} actions running one inside another
	// across the whole render: text/template stops them at this depth within one
	// execution, but each include or tpl starts a new execution.
	maxTemplateDepth = 100000
	// maxErrorLen bounds the message of an error passed up through include and tpl.
	// Each level quotes the one below, so a deep failure would otherwise take memory
	// growing with the square of the depth.
	maxErrorLen = 64 << 10
)

// guard holds the limits of one render and what the render has used of them. Only the
// rendering goroutine uses it.
type guard struct {
	max    int64 // bytes the render may produce
	used   int64
	calls  int // include and tpl calls running
	bodies int // template bodies called by {{template}} running
	// err is the first limit the render went past. The render is over then: every
	// later step fails with it, include and tpl return nothing (so that no caller wraps
	// it again), and Render reports it with the name of the template.
	err error
}

func newGuard(maxSize int64) *guard {
	if maxSize <= 0 {
		maxSize = DefaultMaxRenderSize
	}
	return &guard{max: maxSize}
}

// sizeError says a render produced more than its budget.
type sizeError struct{ limit int64 }

func (e *sizeError) Error() string {
	return fmt.Sprintf("rendered output exceeds the limit of %d bytes", e.limit)
}

func (e *sizeError) Is(target error) bool { return target == ErrRenderSize }

// nestingError says templates ran inside one another too deeply.
type nestingError struct {
	name  string // the template (or "tpl") that went one level too deep
	what  string
	limit int
}

func (e *nestingError) Error() string {
	return fmt.Sprintf("rendering template has a nested reference name: %s: unable to execute template: %s nested more than %d deep",
		e.name, e.what, e.limit)
}

// cutError is an error whose message grew too long on its way up.
type cutError struct {
	msg string
	err error
}

func (e *cutError) Error() string { return e.msg }
func (e *cutError) Unwrap() error { return e.err }

func (g *guard) fail(err error) error {
	if g.err == nil {
		g.err = err
	}
	return g.err
}

// take spends n bytes of the budget, or fails the render if that would pass it.
func (g *guard) take(n int64) error {
	if g.err != nil {
		return g.err
	}
	if n > g.max-g.used || n < 0 { // n < 0: an estimate that overflowed
		return g.fail(&sizeError{g.max})
	}
	g.used += n
	return nil
}

// report is the error of a render that went past a limit while running template name.
func (g *guard) report(name string) error {
	return fmt.Errorf("template: %s: %w", name, g.err)
}

// writer counts what a template writes to w against the budget, so that a loop
// writing a little at a time stops as soon as the budget is spent.
func (g *guard) writer(w io.Writer) io.Writer { return &budgetWriter{w: w, g: g} }

type budgetWriter struct {
	w io.Writer
	g *guard
}

func (b *budgetWriter) Write(p []byte) (int, error) {
	if err := b.g.take(int64(len(p))); err != nil {
		return 0, err
	}
	return b.w.Write(p)
}

// builder collects the output of an include or tpl call, as writer does.
func (g *guard) builder() *budgetBuilder { return &budgetBuilder{g: g} }

type budgetBuilder struct {
	strings.Builder
	g *guard
}

func (b *budgetBuilder) Write(p []byte) (int, error) {
	if err := b.g.take(int64(len(p))); err != nil {
		return 0, err
	}
	return b.Builder.Write(p)
}

// startCall begins an include (of the template name) or a tpl call (name "tpl"). The
// returned value goes to endCall when the call returns, whether it failed or not.
func (g *guard) startCall(name string) (int, error) {
	if g.err != nil {
		return 0, g.err
	}
	if g.calls >= maxCallDepth {
		return 0, g.fail(&nestingError{name: name, what: "include and tpl calls", limit: maxCallDepth})
	}
	g.calls++
	return g.bodies, nil
}

// endCall ends a call begun by startCall and passes its result on. A template that
// fails does not leave its body, so the count of bodies is restored here.
func (g *guard) endCall(bodies int, out string, err error) (string, error) {
	g.calls--
	g.bodies = bodies
	if g.err != nil {
		return "", nil
	}
	if err != nil {
		if msg := err.Error(); len(msg) > maxErrorLen {
			g.err = &cutError{msg: msg[:maxErrorLen/2] + " ... " + msg[len(msg)-maxErrorLen/2:], err: err}
			return "", nil
		}
	}
	return out, err
}

// The functions that count template bodies (see countBodies). They are bound to the
// template set but not known to the parser, so no template can call them itself.
const (
	enterFunc = "rudder_enter_template"
	leaveFunc = "rudder_leave_template"
)

// bodyFuncs returns the functions countBodies makes every template call.
func (g *guard) bodyFuncs() map[string]any {
	return map[string]any{
		enterFunc: func(name string) (string, error) {
			if g.err != nil {
				return "", g.err
			}
			// The outermost body is not nested, so text/template's own limit is met first
			// within one execution.
			if g.bodies > maxTemplateDepth {
				return "", g.fail(&nestingError{name: name, what: "template actions", limit: maxTemplateDepth})
			}
			g.bodies++
			return "", nil
		},
		leaveFunc: func() string {
			g.bodies--
			return ""
		},
	}
}

// countBodies makes tree call enterFunc when its body starts and leaveFunc when it
// ends, so that the guard knows how deeply {{template}} actions nest: text/template
// bounds them within one execution, but each include or tpl starts a new one. A tree
// is changed once; call it after the tree joined a template set, as an empty tree is
// treated apart there.
func countBodies(tree *parse.Tree) {
	root := tree.Root
	if root == nil {
		return
	}
	if len(root.Nodes) > 0 {
		if a, ok := root.Nodes[0].(*parse.ActionNode); ok && isCall(a, enterFunc) {
			return
		}
	}
	enter := callNode(root.Pos, enterFunc, &parse.StringNode{NodeType: parse.NodeString, Pos: root.Pos,
		Quoted: fmt.Sprintf("%q", tree.Name), Text: tree.Name})
	nodes := make([]parse.Node, 0, len(root.Nodes)+2)
	nodes = append(nodes, enter)
	nodes = append(nodes, root.Nodes...)
	root.Nodes = append(nodes, callNode(root.Pos, leaveFunc))
}

// callNode builds the action {{fn args...}}.
func callNode(pos parse.Pos, fn string, args ...parse.Node) *parse.ActionNode {
	id := parse.NewIdentifier(fn).SetPos(pos)
	cmd := &parse.CommandNode{NodeType: parse.NodeCommand, Pos: pos, Args: append([]parse.Node{id}, args...)}
	return &parse.ActionNode{NodeType: parse.NodeAction, Pos: pos,
		Pipe: &parse.PipeNode{NodeType: parse.NodePipe, Pos: pos, Cmds: []*parse.CommandNode{cmd}}}
}

func isCall(a *parse.ActionNode, fn string) bool {
	if a.Pipe == nil || len(a.Pipe.Cmds) != 1 || len(a.Pipe.Cmds[0].Args) == 0 {
		return false
	}
	id, ok := a.Pipe.Cmds[0].Args[0].(*parse.IdentifierNode)
	return ok && id.Ident == fn
}
