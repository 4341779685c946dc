// Package action holds Rudder's use cases: Template, Install, Upgrade, Lint, Package,
// Show... Each is a struct holding only what it needs, with options whose zero value is
// valid, and a Run method returning typed results. Actions never print; warnings come
// back as data.
//
//	res, err := action.Template{Options: opts}.Run(ctx, ch, userValues)
//	fmt.Print(res.Stream())
package action
