package action

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/rudderpm/rudder/internal/kube"
	"github.com/rudderpm/rudder/internal/release"
	"github.com/rudderpm/rudder/internal/storage"
)

// DryRun says how much of an operation is carried out.
type DryRun string

// The dry-run modes, as --dry-run names them.
const (
	// DryRunNone carries the operation out.
	DryRunNone DryRun = "none"
	// DryRunClient renders without talking to the cluster.
	DryRunClient DryRun = "client"
	// DryRunServer renders with the cluster's capabilities and lookups and has the API
	// server validate the objects (admission included) without persisting them.
	DryRunServer DryRun = "server"
)

func (d DryRun) isDry() bool { return d == DryRunClient || d == DryRunServer }

// WaitStrategy says what an operation waits for, as --wait names it.
type WaitStrategy string

// The wait strategies.
const (
	// WaitHookOnly waits for hooks only (the default).
	WaitHookOnly WaitStrategy = "hookOnly"
	// WaitWatcher also waits for every object to be ready, watching their status.
	WaitWatcher WaitStrategy = "watcher"
	// WaitLegacy is Helm 3's polling wait; Rudder treats it as WaitWatcher.
	WaitLegacy WaitStrategy = "legacy"
)

// Cluster is what release operations work with: the API server and the release
// history of the release's namespace.
type Cluster struct {
	Kube     *kube.Client
	Releases *storage.Storage
	// Now is the clock; nil means time.Now.
	Now func() time.Time
}

func (c *Cluster) now() time.Time {
	if c.Now != nil {
		return c.Now()
	}
	return time.Now()
}

// ErrPending is returned when another operation on the release is still in progress.
var ErrPending = errors.New("another operation (install/upgrade/rollback) is in progress")

// record stores a new revision, or updates it; errors are returned for the caller to
// join with what it is reporting.
func (c *Cluster) record(ctx context.Context, rel *release.Release) error {
	if err := c.Releases.Update(ctx, rel); err != nil {
		return fmt.Errorf("recording release %s revision %d: %w", rel.Name, rel.Version, err)
	}
	return nil
}

// timeoutContext bounds ctx by d when d is positive.
func timeoutContext(ctx context.Context, d time.Duration) (context.Context, context.CancelFunc) {
	if d > 0 {
		return context.WithTimeout(ctx, d)
	}
	return context.WithCancel(ctx)
}

// owner is the ownership metadata of a release's objects.
func owner(rel *release.Release) kube.Owner {
	return kube.Owner{ReleaseName: rel.Name, ReleaseNamespace: rel.Namespace}
}

// buildOwned builds a manifest's objects marked as the release's own.
func (c *Cluster) buildOwned(ctx context.Context, rel *release.Release, manifest string) ([]*kube.Resource, error) {
	rs, err := c.Kube.Build(ctx, manifest, kube.BuildOptions{Namespace: rel.Namespace})
	if err != nil {
		return nil, err
	}
	kube.SetOwnership(rs, owner(rel))
	return rs, nil
}
