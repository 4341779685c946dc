// Package release is Rudder's model of a release: one installed instance of a chart,
// its revisions, and the hooks it runs. The JSON form of its types is Helm's release
// format, so releases written by Helm and Rudder are interchangeable.
//
//	for _, h := range rel.Hooks { if h.Has(release.HookPreInstall) { ... } }
package release
