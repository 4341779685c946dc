// Package version holds the type of .Capabilities.HelmVersion, named as Helm's
// (typeOf prints "version.BuildInfo").
package version

// BuildInfo describes the Helm-compatible build, as .Capabilities.HelmVersion.
type BuildInfo struct {
	Version           string `json:"version,omitempty"`
	GitCommit         string `json:"git_commit,omitempty"`
	GitTreeState      string `json:"git_tree_state,omitempty"`
	GoVersion         string `json:"go_version,omitempty"`
	KubeClientVersion string `json:"kube_client_version"`
}
