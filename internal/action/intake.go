package action

import (
	"context"
	"errors"
	"fmt"

	"github.com/rudderpm/rudder/internal/chart"
	"github.com/rudderpm/rudder/internal/values"
	"github.com/rudderpm/rudder/internal/warn"
)

// IntakeRequest names a chart and the user's values for it.
type IntakeRequest struct {
	// Chart says where the chart comes from and how to load it.
	Chart ChartRequest
	// Values are the user's values: files and URLs (-f), then the --set family.
	Values values.Options
	// ReadValues reads a file or URL that Values names (-f, --set-file); nil
	// refuses them.
	ReadValues func(ctx context.Context, name string) ([]byte, error)
	// Installable refuses a library chart before its dependencies are checked,
	// as install and template do (upgrade refuses it later).
	Installable bool
	// UpdateDependencies, when set, updates the chart's dependencies (as
	// 'dependency update' does) when the check of charts/ fails, and the chart
	// is loaded again; nil leaves the failed check as the error.
	UpdateDependencies *Dependencies
}

// Intake is a chart taken in for an install, an upgrade or a render.
type Intake struct {
	Chart *chart.Chart
	// Values are the user's values, merged: what the release records as its config.
	Values map[string]any
	// Located says where the chart was found, and what was pulled for it.
	Located *LocatedChart
	// Warnings are what the user should be told, in Helm's order: what loading
	// noticed, then a deprecated chart.
	Warnings []warn.Warning
}

// Intake takes a chart in, as install, upgrade and template do: it locates and
// loads the chart, merges the user's values, and checks that the dependencies
// Chart.yaml declares are in charts/. Once the chart is located, a failure still
// returns what was taken in, so that callers can report the download and the
// warnings.
func (s *ChartSource) Intake(ctx context.Context, req IntakeRequest) (*Intake, error) {
	ch, lc, err := s.Load(ctx, req.Chart)
	if lc == nil {
		return nil, err
	}
	in := &Intake{Chart: ch, Located: lc}
	if ch != nil {
		in.Warnings = append(in.Warnings, ch.LoadWarnings...)
	}
	if err != nil {
		return in, err
	}
	var read func(string) ([]byte, error)
	if req.ReadValues != nil {
		read = func(name string) ([]byte, error) { return req.ReadValues(ctx, name) }
	}
	if in.Values, err = req.Values.Merge(read); err != nil {
		return in, err
	}
	if req.Installable {
		if err := CheckInstallable(ch); err != nil {
			return in, err
		}
	}
	if ch.Metadata.Deprecated {
		in.Warnings = append(in.Warnings, warn.Warn("this chart is deprecated"))
	}
	err = checkChartDependencies(ch)
	if err == nil || req.UpdateDependencies == nil {
		return in, err
	}
	if err := req.UpdateDependencies.Update(ctx, lc.Path); err != nil {
		return in, err
	}
	// As Helm does, the chart is taken as it is after the update, not checked again.
	if in.Chart, err = s.loadPath(req.Chart, lc.Path); err != nil {
		return in, fmt.Errorf("failed reloading chart after repo update: %w", err)
	}
	return in, nil
}

// Load locates a chart and loads it with the source's limits. The located chart
// is returned with a loading error.
func (s *ChartSource) Load(ctx context.Context, req ChartRequest) (*chart.Chart, *LocatedChart, error) {
	lc, err := s.Locate(ctx, req)
	if err != nil {
		return nil, nil, err
	}
	ch, err := s.loadPath(req, lc.Path)
	return ch, lc, err
}

// loadPath loads a located chart with the source's limits.
func (s *ChartSource) loadPath(req ChartRequest, path string) (*chart.Chart, error) {
	if req.MapCRDs {
		return s.ChartLimits.LoadMapped(path)
	}
	return s.ChartLimits.Load(path)
}

// checkChartDependencies refuses a chart whose declared dependencies are not in
// charts/, and a v3 chart with more subcharts than it declares.
func checkChartDependencies(ch *chart.Chart) error {
	err := checkV3Subcharts(ch)
	if err == nil && len(ch.Metadata.Dependencies) > 0 {
		err = CheckDependencies(ch)
	}
	if err != nil {
		return fmt.Errorf("an error occurred while checking for chart dependencies. You may need to run 'helm dependency build' to fetch missing dependencies: %w", err)
	}
	return nil
}

// errUnsupportedDependency is Helm's word for a v3 chart's subchart that no
// declared dependency stands for.
var errUnsupportedDependency = errors.New("unsupported chart dependency type")

// checkV3Subcharts refuses a v3 chart with more subcharts in charts/ than
// dependencies in Chart.yaml, as Helm v4.3.1 does: it pairs a v3 chart's
// subcharts with its declared dependencies one for one and finds no dependency
// for the extra ones.
func checkV3Subcharts(ch *chart.Chart) error {
	if ch.Metadata.APIVersion != chart.APIVersionV3 || len(ch.Dependencies()) <= len(ch.Metadata.Dependencies) {
		return nil
	}
	return errUnsupportedDependency
}
