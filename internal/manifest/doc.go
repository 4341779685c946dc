// Package manifest turns rendered templates into the ordered objects of a release.
//
// It splits each template's output into YAML documents, drops empty ones, sets hooks
// apart from ordinary manifests, and sorts both by Helm's install (or uninstall) order
// of kinds, keeping the source template of each document for the "# Source:" headers.
//
//	hooks, manifests, warnings, err := manifest.Sort(rendered, manifest.InstallOrder)
//
// For --wait=ordered, Sequence splits the manifests into batches by HIP-0025's
// annotations (resource groups, subchart depends-on), and ParseReadiness reads the
// readiness expressions an object may carry:
//
//	batches, warnings, err := manifest.Sequence(manifests, &manifest.ChartNode{Name: "mychart"})
package manifest
