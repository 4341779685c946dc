// Package manifest turns rendered templates into the ordered objects of a release.
//
// It splits each template's output into YAML documents, drops empty ones, sets hooks
// apart from ordinary manifests, and sorts both by Helm's install (or uninstall) order
// of kinds, keeping the source template of each document for the "# Source:" headers.
//
//	hooks, manifests, warnings, err := manifest.Sort(rendered, manifest.InstallOrder)
package manifest
