package values

import (
	"bytes"
	"errors"
	"fmt"
	"maps"
	"net/url"
	"slices"
	"strings"

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
		if err := v.Validate(c.Schema, vals); err != nil {
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

// Validate checks vals against one JSON Schema document. A values failure is a
// *SchemaError; a schema that is not valid JSON or not a valid schema gives a
// plain error.
func (v SchemaValidator) Validate(schema []byte, vals map[string]any) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("unable to validate schema: %v", r)
		}
	}()

	// UnmarshalJSON keeps numbers as json.Number, so big or precise bounds survive.
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(schema))
	if err != nil {
		return err
	}
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
	if vals == nil {
		vals = map[string]any{}
	}
	plain, _ := plainTree(vals)
	if err := compiled.Validate(plain); err != nil {
		return &SchemaError{err: err}
	}
	return nil
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
