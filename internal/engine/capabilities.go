package engine

//go:generate sh -c "cd ../../hack/gen-apiversions && go run . ../../internal/engine/apiversions.go"

import (
	"fmt"
	"runtime"
	"slices"

	"github.com/rudderpm/rudder/internal/chart/common"
	"github.com/rudderpm/rudder/internal/chart/version"
)

// HelmVersion is the Helm release whose behaviour Rudder implements; charts see it as
// .Capabilities.HelmVersion.
const HelmVersion = "v4.3.1"

// KubeClientVersion is the Kubernetes minor version of the client libraries Rudder uses.
const KubeClientVersion = "v1.37"

// defaultKubeVersion is reported when no cluster is consulted and no version is given.
const defaultKubeVersion = "v1.37.0"

// The types templates see are defined where their names match Helm's (typeOf
// .Capabilities prints "*common.Capabilities", as with Helm).
type (
	// Capabilities describe the cluster a chart is rendered for: .Capabilities.
	Capabilities = common.Capabilities
	// KubeVersion is a Kubernetes version as templates see it.
	KubeVersion = common.KubeVersion
	// VersionSet is a list of API versions and resources.
	VersionSet = common.VersionSet
	// BuildInfo describes the Helm-compatible build: .Capabilities.HelmVersion.
	BuildInfo = version.BuildInfo
)

// ParseKubeVersion parses a Kubernetes version such as 1.31.0 or v1.33.4-gke.1.
func ParseKubeVersion(v string) (*KubeVersion, error) { return common.ParseKubeVersion(v) }

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
