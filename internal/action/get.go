package action

import (
	"context"
	"fmt"
	"time"

	"github.com/rudderpm/rudder/internal/chart"
	"github.com/rudderpm/rudder/internal/release"
	"github.com/rudderpm/rudder/internal/values"
	"github.com/rudderpm/rudder/internal/warn"
)

// ReleaseReader reads one revision of a release, or its newest;
// *storage.Storage is one.
type ReleaseReader interface {
	Get(ctx context.Context, name string, version int) (*release.Release, error)
	Last(ctx context.Context, name string) (*release.Release, error)
}

// Get reads one revision of a release as it was recorded.
type Get struct {
	Releases ReleaseReader
	// Revision is the revision to read; 0 (or less) reads the newest, whatever its status.
	Revision int
}

// Run returns the revision. A missing release or revision is an error matching
// storage.ErrReleaseNotFound.
func (g Get) Run(ctx context.Context, name string) (*release.Release, error) {
	if ValidateReleaseName(name) != nil {
		return nil, fmt.Errorf("releaseContent: Release name is invalid: %s", name)
	}
	if g.Revision <= 0 {
		return g.Releases.Last(ctx, name)
	}
	return g.Releases.Get(ctx, name, g.Revision)
}

// GetValues reads the values of one revision of a release.
type GetValues struct {
	Releases ReleaseReader
	// Revision is the revision to read; 0 (or less) reads the newest.
	Revision int
	// All returns the computed values: the chart's defaults coalesced with the
	// values the user supplied. Otherwise only the user's are returned.
	All bool
}

// Run returns the values, nil when the user supplied none (and All is false), and
// with All the warnings of computing them (see ComputedValues).
func (g GetValues) Run(ctx context.Context, name string) (map[string]any, []warn.Warning, error) {
	rel, err := Get{Releases: g.Releases, Revision: g.Revision}.Run(ctx, name)
	if err != nil {
		return nil, nil, err
	}
	if !g.All {
		return rel.Config, nil, nil
	}
	return ComputedValues(rel)
}

// ComputedValues are the values a revision was rendered with, as far as its
// record tells: the chart's defaults coalesced with the user's values. (Records
// keep no subcharts, so their defaults are missing, as in Helm.) The warnings are
// coalescing's, which Helm logs again each time it computes them.
func ComputedValues(rel *release.Release) (map[string]any, []warn.Warning, error) {
	if rel.Chart == nil {
		return values.DeepCopy(rel.Config), nil, nil
	}
	vals, ws, err := values.Coalesce(rel.Chart, rel.Config)
	if err != nil {
		return nil, ws, err
	}
	return vals.AsMap(), ws, nil
}

// ReleaseMetadata summarises a revision, as `helm get metadata` shows it; the JSON
// field names are Helm's.
type ReleaseMetadata struct {
	Name         string              `json:"name"`
	Chart        string              `json:"chart"`
	Version      string              `json:"version"`
	AppVersion   string              `json:"appVersion"`
	Annotations  map[string]string   `json:"annotations,omitempty"`
	Labels       map[string]string   `json:"labels,omitempty"`
	Dependencies []*chart.Dependency `json:"dependencies,omitempty"`
	Namespace    string              `json:"namespace"`
	Revision     int                 `json:"revision"`
	Status       string              `json:"status"`
	// DeployedAt is the time of the last deployment in RFC 3339.
	DeployedAt  string `json:"deployedAt"`
	ApplyMethod string `json:"applyMethod,omitempty"`
}

// Metadata summarises rel. Its labels are the user's only: Helm also shows the
// storage's system labels when no revision is given (helm#32404).
func Metadata(rel *release.Release) *ReleaseMetadata {
	m := &ReleaseMetadata{
		Name:        rel.Name,
		Labels:      rel.Labels,
		Namespace:   rel.Namespace,
		Revision:    rel.Version,
		ApplyMethod: rel.ApplyMethod,
	}
	if rel.Chart != nil && rel.Chart.Metadata != nil {
		md := rel.Chart.Metadata
		m.Chart, m.Version, m.AppVersion = md.Name, md.Version, md.AppVersion
		m.Annotations = md.Annotations
		m.Dependencies = md.Dependencies
	}
	var deployed time.Time
	if rel.Info != nil {
		m.Status = string(rel.Info.Status)
		deployed = rel.Info.LastDeployed
	}
	m.DeployedAt = deployed.Format(time.RFC3339)
	return m
}
