package engine

//go:generate sh -c "cd ../../hack/gen-apiversions && go run . ../../internal/engine/apiversions.go"

import (
	"fmt"
	"runtime"
	"slices"
	"strconv"
	"strings"

	k8sversion "k8s.io/apimachinery/pkg/util/version"
)

// HelmVersion is the Helm release whose behaviour Rudder implements; charts see it as
// .Capabilities.HelmVersion.
const HelmVersion = "v4.3.1"

// KubeClientVersion is the Kubernetes minor version of the client libraries Rudder uses.
const KubeClientVersion = "v1.37"

// defaultKubeVersion is reported when no cluster is consulted and no version is given.
const defaultKubeVersion = "v1.37.0"

// Capabilities describe the cluster a chart is rendered for: .Capabilities in templates.
type Capabilities struct {
	KubeVersion KubeVersion
	APIVersions VersionSet
	HelmVersion BuildInfo
}

// KubeVersion is a Kubernetes version as templates see it.
type KubeVersion struct {
	Version    string // full version as given, with a leading v (v1.33.4-gke.1245000)
	normalized string // v1.33.4, used for constraint checks
	Major      string
	Minor      string
}

// String returns the normalized version (v1.33.4).
func (kv *KubeVersion) String() string {
	if kv.normalized != "" {
		return kv.normalized
	}
	return kv.Version
}

// GitVersion returns the full version.
func (kv *KubeVersion) GitVersion() string { return kv.Version }

// ParseKubeVersion parses a Kubernetes version such as 1.31.0 or v1.33.4-gke.1.
func ParseKubeVersion(v string) (*KubeVersion, error) {
	sv, err := k8sversion.ParseGeneric(v)
	if err != nil {
		return nil, err
	}
	full := v
	if !strings.HasPrefix(full, "v") {
		full = "v" + full
	}
	return &KubeVersion{
		Version:    full,
		normalized: "v" + sv.String(),
		Major:      strconv.FormatUint(uint64(sv.Major()), 10),
		Minor:      strconv.FormatUint(uint64(sv.Minor()), 10),
	}, nil
}

// VersionSet is a list of API versions ("apps/v1") and resources ("apps/v1/Deployment").
type VersionSet []string

// Has tells whether the set contains the API version.
func (v VersionSet) Has(apiVersion string) bool { return slices.Contains(v, apiVersion) }

// BuildInfo describes the Helm-compatible build, as .Capabilities.HelmVersion.
type BuildInfo struct {
	Version           string `json:"version,omitempty"`
	GitCommit         string `json:"git_commit,omitempty"`
	GitTreeState      string `json:"git_tree_state,omitempty"`
	GoVersion         string `json:"go_version,omitempty"`
	KubeClientVersion string `json:"kube_client_version"`
}

// DefaultBuildInfo is what Rudder reports as its Helm-compatible version.
func DefaultBuildInfo() BuildInfo {
	return BuildInfo{Version: HelmVersion, GoVersion: runtime.Version(), KubeClientVersion: KubeClientVersion}
}

// DefaultCapabilities returns the capabilities used when no cluster is consulted: the
// client libraries' Kubernetes version and every API version they know.
func DefaultCapabilities() *Capabilities {
	kv, err := ParseKubeVersion(defaultKubeVersion)
	if err != nil {
		panic(fmt.Sprintf("bad built-in Kubernetes version: %v", err))
	}
	return &Capabilities{
		KubeVersion: *kv,
		APIVersions: slices.Clone(VersionSet(defaultAPIVersions)),
		HelmVersion: DefaultBuildInfo(),
	}
}
