package common

import (
	"slices"
	"strconv"
	"strings"

	k8sversion "k8s.io/apimachinery/pkg/util/version"

	"github.com/rudderpm/rudder/internal/chart/version"
)

// Capabilities describe the cluster a chart is rendered for: .Capabilities in templates.
type Capabilities struct {
	KubeVersion KubeVersion
	APIVersions VersionSet
	HelmVersion version.BuildInfo
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
