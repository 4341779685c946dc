package action

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"

	"github.com/rudderpm/rudder/internal/engine"
	"github.com/rudderpm/rudder/internal/kube"
	"github.com/rudderpm/rudder/internal/release"
	"github.com/rudderpm/rudder/internal/storage"
	"github.com/rudderpm/rudder/internal/warn"
)

// Cluster is what release operations work with: the API server and the release
// history of the release's namespace, each seen through the small interface the
// operations need. The CLI gives one *kube.Client as Server, Objects, Waits and
// Logs, and one *storage.Storage as Releases. A client dry run of an install needs
// none of them.
type Cluster struct {
	Server   Server
	Objects  Objects
	Waits    Waiter
	Logs     LogReader
	Releases ReleaseStore
	// Locks keeps two operations from changing one release at once; nil means no
	// locking.
	Locks Locker
	// Now is the clock; nil means time.Now.
	Now func() time.Time
	// WaitEvents receives the progress of waits for readiness (--wait); nil
	// means none is reported.
	WaitEvents func(kube.WaitEvent)
	// WaitLogs also reads the last log lines of containers as they fail while
	// waiting, and sends them in WaitEvents (--logs).
	WaitLogs bool
	// HookOutput is where the logs of a hook's containers go when the hook's
	// helm.sh/hook-output-log-policy asks for them; nil means they are not read.
	HookOutput func(c kube.Container) io.Writer
}

// Server is what operations ask of the API server itself; *kube.Client is one.
type Server interface {
	IsReachable(ctx context.Context) error
	Capabilities(ctx context.Context) (*engine.Capabilities, error)
	// Lookup serves the templates' lookup function.
	Lookup(ctx context.Context, apiVersion, kind, namespace, name string) (map[string]any, error)
	NamespaceExists(ctx context.Context, name string) (bool, error)
	CreateNamespace(ctx context.Context, name string, opts kube.ApplyOptions) error
	InstallCRDs(ctx context.Context, crds []*kube.Resource, opts kube.CRDOptions) (*kube.Result, error)
}

// capabilities asks the API server what it serves. An API group the server lists
// but cannot describe (an APIService whose backend is down, as with a stopped
// metrics-server) does not stop the operation: as with Helm, it is a warning, and
// the templates see every group that answered.
func capabilities(ctx context.Context, s Server, warnings func(warn.Warning)) (*engine.Capabilities, error) {
	caps, err := s.Capabilities(ctx)
	if err != nil && caps != nil && kube.IsGroupDiscoveryFailedError(err) {
		notify(warnings,
			warn.Warn("the kubernetes server has an orphaned API service", slog.Any("error", err)),
			warn.Warn("to fix this, kubectl delete apiservice <service-name>"))
		return caps, nil
	}
	return caps, err
}

// Objects builds a release's objects from its manifests, reads who owns them, and
// creates, updates and deletes them; *kube.Client is one.
type Objects interface {
	Build(ctx context.Context, manifest string, opts kube.BuildOptions) ([]*kube.Resource, error)
	Existing(ctx context.Context, resources []*kube.Resource, opts kube.AdoptOptions) ([]*kube.Resource, error)
	CheckOwned(ctx context.Context, resources []*kube.Resource, owner kube.Owner) (*kube.Ownership, error)
	Create(ctx context.Context, resources []*kube.Resource, opts kube.ApplyOptions) (*kube.Result, error)
	Update(ctx context.Context, original, target []*kube.Resource, opts kube.ApplyOptions) (*kube.Result, error)
	Delete(ctx context.Context, resources []*kube.Resource, opts kube.DeleteOptions) (*kube.Result, error)
}

// Waiter waits until objects are ready, complete (hooks, tests) or gone;
// *kube.Client is one.
type Waiter interface {
	WaitReady(ctx context.Context, resources []*kube.Resource, opts kube.WaitOptions) error
	WaitForCompletion(ctx context.Context, resources []*kube.Resource) error
	WaitForDelete(ctx context.Context, resources []*kube.Resource, opts kube.DeleteWaitOptions) error
}

// LogReader reads the logs of the containers of hooks and tests; *kube.Client is
// one.
type LogReader interface {
	Containers(ctx context.Context, r *kube.Resource) ([]kube.Container, error)
	Logs(ctx context.Context, ct kube.Container) (io.ReadCloser, error)
}

// ReleaseStore keeps the revisions of the releases of one namespace;
// *storage.Storage is one.
type ReleaseStore interface {
	ReleaseReader
	HistoryReader
	Deployed(ctx context.Context, name string) (*release.Release, error)
	DeployedAll(ctx context.Context, name string) ([]*release.Release, error)
	Create(ctx context.Context, rel *release.Release, opts storage.CreateOptions) error
	Update(ctx context.Context, rel *release.Release) error
	Delete(ctx context.Context, name string, version int) (*release.Release, error)
}

// Locker takes the lock of a release for an operation; storage.LeaseLocker and
// storage.MemoryLocker are ones.
type Locker interface {
	Lock(ctx context.Context, name, op string) (*storage.Lock, error)
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

// owner is the ownership metadata of a release's objects.
func owner(rel *release.Release) kube.Owner {
	return kube.Owner{ReleaseName: rel.Name, ReleaseNamespace: rel.Namespace}
}

// buildOwned builds a manifest's objects marked as the release's own, without the
// annotation keys the API server refuses.
func (c *Cluster) buildOwned(ctx context.Context, rel *release.Release, manifest string) ([]*kube.Resource, error) {
	manifest, err := forApply(manifest)
	if err != nil {
		return nil, err
	}
	rs, err := c.Objects.Build(ctx, manifest, kube.BuildOptions{Namespace: rel.Namespace})
	if err != nil {
		return nil, err
	}
	kube.SetOwnership(rs, owner(rel))
	return rs, nil
}

// interruptedDescription marks a revision whose operation never finished.
const interruptedDescription = "Interrupted: the operation that created this revision stopped before it finished"

// lock takes the release's lock for op and, holding it, marks as failed a revision
// left pending by an operation that was interrupted (killed, or its machine lost),
// so that the release is never stuck. The returned function releases the lock; it
// works even after ctx is cancelled.
func (c *Cluster) lock(ctx context.Context, name, op string, warn func(string)) (func(), error) {
	if c.Locks == nil {
		return func() {}, nil
	}
	l, err := c.Locks.Lock(ctx, name, op)
	if apierrors.IsNotFound(err) {
		// No namespace, so no release to guard: the operation goes on unlocked and
		// says what is missing in its own words (or succeeds, with --ignore-not-found).
		return func() {}, nil
	}
	if err != nil {
		return nil, err
	}
	if l.Unavailable != "" && warn != nil {
		warn("running without a release lock: " + l.Unavailable)
	}
	unlock := func() {
		uctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
		defer cancel()
		_ = l.Unlock(uctx)
	}
	last, err := c.Releases.Last(ctx, name)
	if errors.Is(err, storage.ErrReleaseNotFound) {
		return unlock, nil
	}
	if err != nil {
		unlock()
		return nil, err
	}
	if !last.Info.Status.IsPending() {
		return unlock, nil
	}
	// A pending revision with nobody holding the lock was interrupted, unless it is
	// very recent and was not made under a lock: then a Helm process, which does not
	// take Rudder's locks, may still be working on it.
	if !l.TookOver && c.now().Sub(last.Info.LastDeployed) < storage.LockDuration {
		unlock()
		return nil, ErrPending
	}
	last.SetStatus(release.StatusFailed, interruptedDescription)
	if err := c.record(ctx, last); err != nil {
		unlock()
		return nil, err
	}
	return unlock, nil
}
