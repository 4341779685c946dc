// Package lint checks that a chart is well formed, with the rules and messages of
// `helm lint`: Chart.yaml fields, values.yaml and its schema, templates rendered in lint
// mode (YAML validity, object names, deprecated API versions, selectors), the crds/
// folder and the declared dependencies.
//
// The rules read the chart through an fs.FS whose root is the chart folder; Path opens
// a directory or a .tgz archive for them, as the command does.
//
//	msgs, warnings, err := lint.Path(ctx, "./mychart", lint.Options{Values: userVals})
//	if err != nil { ... }              // not a chart at all
//	for _, m := range msgs {
//		fmt.Fprintln(w, m)             // [INFO] Chart.yaml: icon is recommended
//	}
//	failed := lint.Failed(msgs, strict)
//
// Nothing here prints: the lines Helm logs while linting (load and coalescing
// warnings, fail and required in templates) are returned as warnings for the caller
// to show.
package lint
