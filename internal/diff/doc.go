// Package diff compares two sets of Kubernetes manifests and reports what changed,
// in the formats of the helm-diff plugin (v3.9.14): "diff" (line diff of each object,
// with optional context), "simple", "template", "json", and Rudder's own
// "structured" JSON with a plan.
//
// Objects are keyed as helm-diff keys them, "namespace, name, Kind (group)", so that
// scripts reading its output keep working. Secret data is masked unless asked
// otherwise: a value shows only as changed or unchanged, with its length.
//
//	old, err := diff.Parse(current.Manifest, diff.ParseOptions{Namespace: "default"})
//	new, err := diff.Parse(rendered.Manifest, diff.ParseOptions{Namespace: "default"})
//	report := diff.Compare(old, new, diff.Options{Context: -1})
//	err = report.Write(os.Stdout, diff.FormatDiff, diff.WriteOptions{})
//	fmt.Fprintln(os.Stderr, report.Plan())
//
// The package is pure: no cluster, no files; it works on strings.
package diff
