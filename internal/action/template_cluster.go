package action

import (
	"context"
	"fmt"
	"log/slog"

	"github.com/rudderpm/rudder/internal/chart"
	"github.com/rudderpm/rudder/internal/kube"
	"github.com/rudderpm/rudder/internal/release"
	"github.com/rudderpm/rudder/internal/warn"
)

// TemplateCluster renders against a live cluster, as `helm template --validate`
// (or --dry-run=server) does. The zero value checks ownership before creating,
// applies server-side, and lets existing objects conflict.
type TemplateCluster struct {
	// Cluster answers lookups and capabilities and checks the objects; Server and
	// Objects are needed.
	Cluster *Cluster
	// ServerSide says how the checked objects would be applied; "" means auto
	// (server-side, as for a new release).
	ServerSide ServerSideMode
	// TakeOwnership lets objects owned by someone else through.
	TakeOwnership bool
	// ForceConflicts lets a server-side apply override other field managers.
	ForceConflicts bool
	// SkipCRDs says the chart's CRDs would not be installed: no warning about them.
	SkipCRDs bool
}

// prepare checks that the cluster answers and points rendering at it: its
// capabilities and lookups replace the offline ones.
func (tc *TemplateCluster) prepare(ctx context.Context, ch *chart.Chart, ro *RenderOptions) error {
	if _, err := tc.ServerSide.resolveNew(); err != nil {
		return err
	}
	c := tc.Cluster
	if err := c.Server.IsReachable(ctx); err != nil {
		return &UnreachableError{Err: err}
	}
	if !tc.SkipCRDs && len(ch.CRDObjects()) > 0 {
		ro.warn([]warn.Warning{{Level: slog.LevelWarn, Msg: "This chart or one of its subcharts contains CRDs. Rendering may fail or contain inaccuracies."}})
	}
	caps, err := capabilities(ctx, c.Server, ro.Warnings)
	if err != nil {
		return err
	}
	ro.Capabilities, ro.Lookup = caps, c.Server.Lookup
	return nil
}

// check has the API server check the rendered objects in a dry run, as an
// install with --dry-run=server does: objects that exist already and belong to
// someone else are refused first, unless isUpgrade (they are then expected to
// exist) or TakeOwnership. Nothing is recorded.
func (tc *TemplateCluster) check(ctx context.Context, ro RenderOptions, manifest string) error {
	serverSide, err := tc.ServerSide.resolveNew()
	if err != nil {
		return err
	}
	c := tc.Cluster
	rel := &release.Release{Name: ro.ReleaseName, Namespace: ro.Namespace}
	resources, err := c.buildOwned(ctx, rel, manifest)
	if err != nil {
		return fmt.Errorf("unable to build kubernetes objects from release manifest: %w", err)
	}
	adopted, err := c.Objects.Existing(ctx, resources, kube.AdoptOptions{Owner: owner(rel), TakeOwnership: tc.TakeOwnership || ro.IsUpgrade})
	if err != nil {
		return fmt.Errorf("unable to continue with install: %w", err)
	}
	i := &Install{Cluster: c, InstallOptions: InstallOptions{
		LifecycleOptions: LifecycleOptions{ForceConflicts: tc.ForceConflicts || ro.IsUpgrade},
		ReleaseName:      ro.ReleaseName,
		Namespace:        ro.Namespace,
	}}
	return i.serverDryRun(ctx, resources, adopted, serverSide)
}
