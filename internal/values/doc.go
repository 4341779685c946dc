// Package values computes the values a chart is rendered with.
//
// It implements Helm's rules exactly: coalescing user values over parent and chart
// defaults (maps deep-merge, lists and scalars replace, null deletes), globals flowing
// down to subcharts, dependency conditions, tags and import-values, the --set family
// of parsers, and JSON Schema validation of values.schema.json for a chart and all of
// its subcharts.
//
//	user, err := values.Options{ValueFiles: files, Values: sets}.Merge(read)
//	depWarnings, err := values.ProcessDependencies(ch, user)
//	vals, warnings, err := values.Coalesce(ch, user)
//	if err := values.ValidateAgainstSchema(ch, vals); err != nil { ... }
package values
