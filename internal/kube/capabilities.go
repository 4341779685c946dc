package kube

import (
	"context"
	"fmt"
	"path"
	"slices"

	"github.com/rudderpm/rudder/internal/engine"
)

// Capabilities describes the cluster to templates (.Capabilities), as Helm does:
// the server's version as it reports it (GitVersion, Major, Minor, unnormalized) and
// the API versions it serves, both group/version ("apps/v1") and group/version/Kind
// ("apps/v1/Deployment") entries, sorted.
//
// When some API groups cannot be discovered (an APIService whose backend is down),
// it returns the capabilities it could gather together with an error for which
// IsGroupDiscoveryFailedError is true; Helm warns and carries on.
func (c *Client) Capabilities(ctx context.Context) (*engine.Capabilities, error) {
	v, err := c.discovery.serverVersion(ctx)
	if err != nil {
		return nil, fmt.Errorf("could not get server version from Kubernetes: %w", err)
	}
	versions, err := c.versionSet(ctx)
	if err != nil && !IsGroupDiscoveryFailedError(err) {
		return nil, fmt.Errorf("could not get apiVersions from Kubernetes: %w", err)
	}
	return &engine.Capabilities{
		KubeVersion: engine.KubeVersion{Version: v.GitVersion, Major: v.Major, Minor: v.Minor},
		APIVersions: versions,
		HelmVersion: engine.DefaultBuildInfo(),
	}, err
}

// versionSet lists the served group versions and group/version/Kind entries. A
// partial discovery failure is returned with what was found.
func (c *Client) versionSet(ctx context.Context) (engine.VersionSet, error) {
	groups, resources, err := c.discovery.groupsAndResources(ctx)
	if err != nil && !IsGroupDiscoveryFailedError(err) {
		return nil, err
	}
	if len(groups) == 0 && len(resources) == 0 {
		return engine.DefaultCapabilities().APIVersions, err
	}
	seen := map[string]bool{}
	var out engine.VersionSet
	add := func(s string) {
		if !seen[s] {
			seen[s] = true
			out = append(out, s)
		}
	}
	for _, g := range groups {
		for _, gv := range g.Versions {
			add(gv.GroupVersion)
		}
	}
	for _, list := range resources {
		for _, r := range list.APIResources {
			add(path.Join(list.GroupVersion, r.Kind))
		}
	}
	slices.Sort(out)
	return out, err
}
