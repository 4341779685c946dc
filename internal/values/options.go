package values

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/rudderpm/rudder/internal/chart"
)

// Options are the user's values as given on the command line, in flag order within
// each kind. The zero value means no user values.
type Options struct {
	ValueFiles    []string // -f/--values: YAML files, merged in order
	StringValues  []string // --set-string
	Values        []string // --set
	FileValues    []string // --set-file
	JSONValues    []string // --set-json
	LiteralValues []string // --set-literal
}

// Merge reads and combines the options into one tree of user values, in Helm's
// order, each kind overriding the ones before it:
//
//  1. -f files, in order, deep-merged (maps merge, anything else replaces)
//  2. --set-json
//  3. --set
//  4. --set-string
//  5. --set-file
//  6. --set-literal
//
// read fetches both -f files and --set-file paths; the caller decides what a name
// means ("-" for stdin, URLs, plain paths). Errors from read are returned as they
// are, so they should name the file.
func (o Options) Merge(read func(name string) ([]byte, error)) (map[string]any, error) {
	base := map[string]any{}
	if read == nil && (len(o.ValueFiles) > 0 || len(o.FileValues) > 0) {
		return nil, errors.New("values: no file reader given for -f or --set-file")
	}

	for _, name := range o.ValueFiles {
		data, err := read(name)
		if err != nil {
			return nil, err
		}
		vals, err := chart.ParseValues(data)
		if err != nil {
			return nil, fmt.Errorf("failed to parse %s: %w", name, err)
		}
		base = chart.MergeValues(base, vals)
	}

	for _, s := range o.JSONValues {
		if trimmed := strings.TrimSpace(s); strings.HasPrefix(trimmed, "{") {
			// A bare JSON object is merged over the values as a whole.
			var obj map[string]any
			if err := json.Unmarshal([]byte(trimmed), &obj); err != nil {
				// Helm's words, without the cause, which scripts match on.
				return nil, rewordedError{fmt.Sprintf("failed parsing --set-json data JSON: %s", s), err}
			}
			base = chart.MergeValues(base, obj)
			continue
		}
		if err := ParseSetJSON(s, base); err != nil {
			return nil, rewordedError{fmt.Sprintf("failed parsing --set-json data %s", s), err}
		}
	}

	for _, s := range o.Values {
		if err := ParseSet(s, base); err != nil {
			return nil, fmt.Errorf("failed parsing --set data: %w", err)
		}
	}

	for _, s := range o.StringValues {
		if err := ParseSetString(s, base); err != nil {
			return nil, fmt.Errorf("failed parsing --set-string data: %w", err)
		}
	}

	for _, s := range o.FileValues {
		if err := ParseSetFile(s, base, read); err != nil {
			return nil, fmt.Errorf("failed parsing --set-file data: %w", err)
		}
	}

	for _, s := range o.LiteralValues {
		if err := ParseSetLiteral(s, base); err != nil {
			return nil, fmt.Errorf("failed parsing --set-literal data: %w", err)
		}
	}

	return base, nil
}

// rewordedError reads as text and unwraps to err.
type rewordedError struct {
	text string
	err  error
}

func (e rewordedError) Error() string { return e.text }
func (e rewordedError) Unwrap() error { return e.err }
