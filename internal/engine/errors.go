package engine

import (
	"errors"
	"fmt"
	"regexp"
	"strings"
	"text/template"
)

var userErr = regexp.MustCompile(userErrStart + `((?s).*)` + userErrEnd)

// parseError turns text/template's parse error into "parse error at (file:line): msg".
func parseError(name string, err error) error {
	parts := strings.Split(err.Error(), ": ")
	if len(parts) == 1 {
		return fmt.Errorf("parse error in (%s): %w", name, err)
	}
	return fmt.Errorf("parse error at (%s): %s", parts[1], parts[len(parts)-1])
}

// execError shortens text/template's execution error. A message from fail or required
// becomes "execution error at (file:line:col): msg"; other errors list each template of
// the include chain with the call that failed, innermost last.
func execError(err error) error {
	var ee template.ExecError
	if !errors.As(err, &ee) {
		return err
	}
	parts := strings.SplitN(err.Error(), ": ", 3)
	if len(parts) != 3 {
		return fmt.Errorf("execution error in (%s): %w", ee.Name, err)
	}
	if m := userErr.FindStringSubmatch(parts[2]); m != nil {
		return fmt.Errorf("execution error at (%s): %s", parts[1], m[1])
	}
	var frames []traceFrame
	for cur := err; cur != nil; cur = errors.Unwrap(cur) {
		f, ok := parseTraceFrame(cur.Error())
		if !ok {
			return err
		}
		if len(frames) == 0 || frames[len(frames)-1] != f {
			frames = append(frames, f)
		}
	}
	var b strings.Builder
	for _, f := range frames {
		b.WriteString(f.String())
	}
	return errors.New(strings.TrimSpace(b.String()))
}

// traceFrame is one level of a template execution error.
type traceFrame struct {
	location string // file:line:col
	call     string // executing "name" at <expr>:
	message  string
}

func (f traceFrame) String() string {
	var b strings.Builder
	if f.location != "" {
		b.WriteString(f.location + "\n  ")
	}
	if f.call != "" {
		b.WriteString(f.call + "\n    ")
	}
	if f.message != "" {
		b.WriteString(f.message + "\n")
	}
	return b.String()
}

// parseTraceFrame reads one text/template error message:
// "template: no template ...", "template: LOC: executing "NAME" at <EXPR>: MSG", or
// "template: LOC: MSG". A nested " template:" tail is dropped from MSG.
func parseTraceFrame(s string) (traceFrame, bool) {
	rest, ok := strings.CutPrefix(s, "template: ")
	if !ok {
		return traceFrame{}, false
	}
	if strings.HasPrefix(rest, "no template ") {
		return traceFrame{message: s}, true
	}
	if loc, after, found := strings.Cut(rest, ": executing \""); found {
		name, afterName, ok := strings.Cut(after, "\"")
		if !ok {
			return traceFrame{}, false
		}
		expr, ok := strings.CutPrefix(afterName, " at <")
		if !ok {
			return traceFrame{}, false
		}
		at, msg, ok := strings.Cut(expr, ">: ")
		if !ok {
			return traceFrame{}, false
		}
		return traceFrame{location: loc, call: `executing "` + name + `" at <` + at + `>:`, message: cutNested(msg)}, true
	}
	i := strings.LastIndex(rest, ": ")
	if i < 0 {
		return traceFrame{}, false
	}
	return traceFrame{location: rest[:i], message: cutNested(rest[i+2:])}, true
}

func cutNested(msg string) string {
	if i := strings.Index(msg, " template:"); i >= 0 {
		return msg[:i]
	}
	return msg
}
