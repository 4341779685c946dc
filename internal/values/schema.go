package values

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"net/url"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/santhosh-tekuri/jsonschema/v6"

	"github.com/rudderpm/rudder/internal/chart"
)

// SchemaErrorPrefix is the line Helm puts before the text of ValidateAgainstSchema
// when values fail a chart's schema during install, upgrade, template and lint:
//
//	fmt.Errorf("%s\n%w", values.SchemaErrorPrefix, err)
const SchemaErrorPrefix = "values don't meet the specifications of the schema(s) in the following chart(s):"

// ErrRefNotLoaded is wrapped by the error returned when a schema refers to another
// document ($ref or a custom $schema) by a file or network URL and no loader was
// given to fetch it.
var ErrRefNotLoaded = errors.New("referenced schema not loaded: Rudder does not fetch $ref documents from files or the network")

// schemaURL is the address a chart's schema is compiled under. Relative $refs
// resolve against it, so "defs.json" means file:///defs.json (as in Helm).
const schemaURL = "file:///values.schema.json"

// SchemaValidator validates values against JSON Schemas (drafts 4, 6, 7,
// 2019-09 and 2020-12; the standard meta-schemas are built in). The zero value is
// ready to use and never reads a file or touches the network.
type SchemaValidator struct {
	// LoadRef fetches a document a schema refers to by absolute URL, such as
	// "file:///defs.json" or "https://example.com/schema.json". When nil,
	// file, http and https references fail with ErrRefNotLoaded. "urn:"
	// references that LoadRef cannot resolve are accepted as the schema `true`
	// (anything goes), as Helm does.
	LoadRef func(url string) ([]byte, error)
}

// ValidateAgainstSchema checks vals against the chart's values.schema.json and,
// recursively, each subchart's values against the subchart's schema. It uses the
// zero SchemaValidator.
func ValidateAgainstSchema(c *chart.Chart, vals map[string]any) error {
	return SchemaValidator{}.ValidateChart(c, vals)
}

// ValidateSchema checks vals against one JSON Schema document using the zero
// SchemaValidator.
func ValidateSchema(schema []byte, vals map[string]any) error {
	return SchemaValidator{}.Validate(schema, vals)
}

// ValidateChart checks vals (the coalesced values of c) against c's schema, then
// each dependency's slice vals[<name>] against that dependency's schema, down the
// whole tree; a dependency without values is skipped. The error lists every
// failing chart, each as its name and a colon on one line followed by the
// failures, one "- at '<path>': <reason>" line each:
//
//	mychart:
//	- at '/replicas': got string, want integer
//	subchart:
//	- at '': missing property 'name'
//
// Callers rendering a chart put SchemaErrorPrefix on the line before it.
func (v SchemaValidator) ValidateChart(c *chart.Chart, vals map[string]any) error {
	var sb strings.Builder
	v.validateTree(&sb, c, vals)
	if sb.Len() == 0 {
		return nil
	}
	return errors.New(sb.String())
}

func (v SchemaValidator) validateTree(sb *strings.Builder, c *chart.Chart, vals map[string]any) {
	if c.Schema != nil {
		if err := v.ValidateFile(c.ChartFullPath()+"/values.schema.json", c.Schema, vals); err != nil {
			msg := err.Error()
			if !strings.HasSuffix(msg, "\n") {
				// Helm runs a broken schema's message into the next chart's name;
				// end the section so each chart stays on its own lines.
				msg += "\n"
			}
			fmt.Fprintf(sb, "%s:\n%s", c.Name(), msg)
		}
	}
	for _, sub := range c.Dependencies() {
		raw, ok := vals[sub.Name()]
		if !ok || raw == nil {
			continue
		}
		subVals, ok := asMap(raw)
		if !ok {
			fmt.Fprintf(sb, "%s:\ninvalid type for values: expected object (map), got %T\n", sub.Name(), raw)
			continue
		}
		v.validateTree(sb, sub, subVals)
	}
}

// ValidateFile is Validate for a schema read from the file name: when the schema
// itself is broken, the error starts with that name, and with the line and column
// of the fault when the file is not valid JSON ("mychart/values.schema.json:4:35:
// invalid character ..."). A values failure is returned as Validate returns it.
func (v SchemaValidator) ValidateFile(name string, schema []byte, vals map[string]any) error {
	err := v.Validate(schema, vals)
	if _, isValues := errors.AsType[*SchemaError](err); err == nil || isValues {
		return err
	}
	if syntax, ok := errors.AsType[*SchemaSyntaxError](err); ok {
		return fmt.Errorf("%s:%d:%d: %w", name, syntax.Line, syntax.Column, syntax.Err)
	}
	return fmt.Errorf("%s: %w", name, err)
}

// Validate checks vals against one JSON Schema document. A values failure is a
// *SchemaError; a schema that is not valid JSON is a *SchemaSyntaxError; a schema
// that is not a valid schema gives a plain error.
func (v SchemaValidator) Validate(schema []byte, vals map[string]any) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("unable to validate schema: %v", r)
		}
	}()

	if vals == nil {
		vals = map[string]any{}
	}
	plain, _ := plainTree(vals)
	// Certainly valid values need no compiled schema (see quickschema.go); the
	// common schema is read by a quicker parser first.
	doc, quick := quickParse(schema)
	if quick && quickValid(doc, plain.(map[string]any)) {
		return nil
	}
	doc, err = parseSchema(schema)
	if err != nil {
		return err
	}
	if !quick && quickValid(doc, plain.(map[string]any)) {
		return nil
	}
	return v.validateDoc(doc, plain)
}

// validateDoc compiles a parsed schema with the library and validates the plain
// values against it. Every error Validate returns comes from here.
func (v SchemaValidator) validateDoc(doc, plain any) error {
	loader := &refLoader{load: v.LoadRef}
	compiler := jsonschema.NewCompiler()
	compiler.UseLoader(loader)
	if err := compiler.AddResource(schemaURL, doc); err != nil {
		return err
	}
	compiled, err := compiler.Compile(schemaURL)
	if err != nil {
		if loader.refused {
			// The validator's error does not unwrap to the loader's; keep its
			// text but let errors.Is find ErrRefNotLoaded.
			return refusedError{err}
		}
		return err
	}
	if err := compiled.Validate(plain); err != nil {
		return &SchemaError{err: err}
	}
	return nil
}

// SchemaSyntaxError is a schema document that is not valid JSON. Line and Column
// place the fault, both counted from 1; the column counts characters, not bytes.
type SchemaSyntaxError struct {
	Line, Column int
	Err          error
}

func (e *SchemaSyntaxError) Error() string {
	return fmt.Sprintf("line %d, column %d: %v", e.Line, e.Column, e.Err)
}

func (e *SchemaSyntaxError) Unwrap() error { return e.Err }

// parseSchema decodes a schema document as the validator wants it: numbers stay
// json.Number, so big or precise bounds survive. Invalid JSON is a
// *SchemaSyntaxError placing the fault.
func parseSchema(data []byte) (any, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	var doc any
	if err := dec.Decode(&doc); err != nil {
		var syntax *json.SyntaxError
		switch {
		case errors.As(err, &syntax):
			// Offset counts the bytes read, the offending one included.
			return nil, syntaxErrorAt(data, syntax.Offset-1, err)
		case errors.Is(err, io.ErrUnexpectedEOF):
			return nil, syntaxErrorAt(data, int64(len(data)), err)
		case errors.Is(err, io.EOF):
			return nil, syntaxErrorAt(data, int64(len(data)), errors.New("no JSON document: the file is empty"))
		}
		return nil, err
	}
	end := dec.InputOffset()
	if rest := bytes.TrimLeft(data[end:], " \t\r\n"); len(rest) > 0 {
		return nil, syntaxErrorAt(data, int64(len(data)-len(rest)), errors.New("invalid character after top-level value"))
	}
	return doc, nil
}

// syntaxErrorAt places err at byte offset off of data.
func syntaxErrorAt(data []byte, off int64, err error) *SchemaSyntaxError {
	off = max(0, min(off, int64(len(data))))
	before := data[:off]
	line := bytes.Count(before, []byte("\n")) + 1
	lineStart := bytes.LastIndexByte(before, '\n') + 1
	return &SchemaSyntaxError{Line: line, Column: utf8.RuneCount(before[lineStart:]) + 1, Err: err}
}

// SchemaError is values failing a schema. Its text is one "- at '<path>': <reason>"
// line per failure (nested causes indented), ending in a newline.
type SchemaError struct{ err error }

func (e *SchemaError) Error() string {
	msg := strings.TrimPrefix(e.err.Error(), "jsonschema validation failed with '"+schemaURL+"#'\n")
	return msg + "\n"
}

// Unwrap returns the validator's own error (a *jsonschema.ValidationError).
func (e *SchemaError) Unwrap() error { return e.err }

// refusedError is a compile error caused by a reference that was not loaded.
type refusedError struct{ err error }

func (e refusedError) Error() string   { return e.err.Error() }
func (e refusedError) Unwrap() []error { return []error{e.err, ErrRefNotLoaded} }

// refLoader fetches documents a schema refers to, through the optional load func.
type refLoader struct {
	load    func(url string) ([]byte, error)
	refused bool // a file or network reference was met without a load func
}

func (l *refLoader) Load(ref string) (any, error) {
	u, err := url.Parse(ref)
	if err != nil {
		return nil, err
	}
	switch u.Scheme {
	case "urn":
		if l.load != nil {
			if data, err := l.load(ref); err == nil {
				if doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(data)); err == nil {
					return doc, nil
				}
			}
		}
		return true, nil
	case "file", "http", "https":
		if l.load == nil {
			l.refused = true
			return nil, ErrRefNotLoaded
		}
		data, err := l.load(ref)
		if err != nil {
			return nil, err
		}
		return jsonschema.UnmarshalJSON(bytes.NewReader(data))
	default:
		return nil, fmt.Errorf("unsupported URL scheme %q", u.Scheme)
	}
}

// asMap returns v as a plain map when it is one (or a Values).
func asMap(v any) (map[string]any, bool) {
	switch m := v.(type) {
	case map[string]any:
		return m, true
	case Values:
		return m, true
	}
	return nil, false
}

// plainTree returns v with every Values map turned into a plain map[string]any,
// the only map type the validator understands, and whether it changed anything.
// Subtrees without a Values map are shared, not copied.
func plainTree(v any) (any, bool) {
	switch t := v.(type) {
	case Values:
		out, _ := plainTree(map[string]any(t))
		return out, true
	case map[string]any:
		var out map[string]any
		for k, child := range t {
			conv, changed := plainTree(child)
			if !changed {
				continue
			}
			if out == nil {
				out = maps.Clone(t)
			}
			out[k] = conv
		}
		if out == nil {
			return t, false
		}
		return out, true
	case []any:
		var out []any
		for i, child := range t {
			conv, changed := plainTree(child)
			if !changed {
				continue
			}
			if out == nil {
				out = slices.Clone(t)
			}
			out[i] = conv
		}
		if out == nil {
			return t, false
		}
		return out, true
	}
	return v, false
}
