package lint

import (
	"errors"
	"fmt"
	"strings"

	"sigs.k8s.io/yaml"

	"github.com/rudderpm/rudder/internal/values"
)

const (
	valuesFileName = "values.yaml"
	schemaFileName = "values.schema.json"
)

// values checks that values.yaml parses and, with the user's values over it, satisfies
// values.schema.json. Only the top chart's schema is consulted here, as in Helm; the
// template rule validates the whole tree.
func (l *linter) values(user map[string]any, skipSchema bool) {
	if _, err := l.stat(valuesFileName); err != nil {
		l.check(Info, valuesFileName, errors.New("file does not exist"))
		return
	}
	l.check(Error, valuesFileName, l.validateValues(user, skipSchema))
}

func (l *linter) validateValues(user map[string]any, skipSchema bool) error {
	data, err := l.readFile(valuesFileName)
	var defaults map[string]any
	if err == nil {
		defaults, err = readValues(data)
	}
	if err != nil {
		return fmt.Errorf("unable to parse YAML: %w", err)
	}

	// Helm coalesces tables here, without copying: the user's nested tables receive the
	// chart's defaults. See Options.Values.
	merged, ws := values.CoalesceTables(make(map[string]any, len(user)), user)
	l.warn(ws...)
	merged, ws = values.CoalesceTables(merged, defaults)
	l.warn(ws...)

	schema, err := l.readFile(schemaFileName)
	if len(schema) == 0 {
		return nil
	}
	if err != nil {
		return err
	}
	if skipSchema {
		return nil
	}
	return values.SchemaValidator{}.ValidateFile(schemaFileName, schema, merged)
}

// readValues parses a values document into a map, as Helm's lint reads values.yaml:
// one document, which must be a map (or empty).
func readValues(data []byte) (map[string]any, error) {
	var vals map[string]any
	err := yaml.Unmarshal(data, &vals)
	if err != nil {
		// Helm decodes into its own map type, whose name its message carries.
		err = errors.New(strings.Replace(err.Error(), "Go value of type map[string]interface {}", "Go value of type common.Values", 1))
	}
	if len(vals) == 0 {
		vals = map[string]any{}
	}
	return vals, err
}
