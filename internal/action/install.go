package action

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/rudderpm/rudder/internal/chart"
	"github.com/rudderpm/rudder/internal/engine"
	"github.com/rudderpm/rudder/internal/kube"
	"github.com/rudderpm/rudder/internal/manifest"
	"github.com/rudderpm/rudder/internal/release"
	"github.com/rudderpm/rudder/internal/storage"
)

// InstallOptions control an install. The zero value installs for real, with
// server-side apply, as the CLI does by default; ReleaseName and Namespace must be
// given.
type InstallOptions struct {
	LifecycleOptions
	ReleaseName string
	Namespace   string
	// CreateNamespace creates the release namespace if missing.
	CreateNamespace bool
	// SkipCRDs leaves the chart's crds/ out.
	SkipCRDs bool
	// Replace reuses the name of a release that was uninstalled with history or failed.
	Replace bool
	// TakeOwnership adopts existing objects whatever owns them.
	TakeOwnership bool
	// RollbackOnFailure uninstalls the release if the install fails; it waits for
	// readiness (WaitWatcher) unless Wait says otherwise.
	RollbackOnFailure bool
	// Labels are stored on the release record.
	Labels map[string]string
	// Render passes the rendering options through; ReleaseName, Namespace, Lookup and
	// Capabilities are set by Install.
	Render RenderOptions
	// KubeVersion and APIVersions override the capabilities of a client dry run.
	KubeVersion *engine.KubeVersion
	APIVersions []string
	// ExpectManifestDigest, if set, refuses the install with ErrStalePlan when the
	// rendered manifest's digest is another (upgrade --install --plan).
	ExpectManifestDigest string
}

// Install installs a chart as a new release.
type Install struct {
	// Cluster may be empty for a client dry run.
	Cluster *Cluster
	InstallOptions
	// Warn receives warnings the user should see; nil drops them.
	Warn func(string)
}

// Run installs ch with the user's values (stored in the release as its config). It
// returns the release even on failure, when one was recorded, so callers can show it.
func (i *Install) Run(ctx context.Context, ch *chart.Chart, vals map[string]any) (*release.Release, error) {
	run := *i
	run.InstallOptions = i.InstallOptions.withDefaults()
	return run.run(ctx, ch, vals)
}

func (i *Install) run(ctx context.Context, ch *chart.Chart, vals map[string]any) (*release.Release, error) {
	o := &i.InstallOptions
	serverSide, err := o.ServerSide.resolveNew()
	if err != nil {
		return nil, err
	}
	online := o.DryRun != DryRunClient
	c := i.Cluster
	if err := CheckInstallable(ch); err != nil {
		return nil, err
	}
	if online {
		if err := c.Server.IsReachable(ctx); err != nil {
			return nil, &UnreachableError{Err: err}
		}
	}
	if err := ValidateReleaseName(o.ReleaseName); err != nil {
		return nil, fmt.Errorf("release name check failed: release name %q: %w", o.ReleaseName, err)
	}
	if err := checkLabels(o.Labels); err != nil {
		return nil, err
	}
	if !o.DryRun.isDry() {
		// The release's lock lives in its namespace, so the namespace comes first.
		if o.CreateNamespace {
			if err := c.Server.CreateNamespace(ctx, o.Namespace, kube.ApplyOptions{Method: applyMethod(serverSide)}); err != nil {
				return nil, err
			}
		}
		if !o.LockHeld {
			unlock, err := c.lock(ctx, o.ReleaseName, "install", i.warn)
			if err != nil {
				return nil, err
			}
			defer unlock()
		}
		if err := i.nameAvailable(ctx); err != nil {
			return nil, fmt.Errorf("release name check failed: %w", err)
		}
	}

	// CRDs go first, before the cluster's capabilities are read.
	if crds := ch.CRDObjects(); online && !o.SkipCRDs && o.CRDs != CRDsSkip && len(crds) > 0 {
		if o.DryRun.isDry() {
			i.warn("This chart or one of its subcharts contains CRDs. Rendering may fail or contain inaccuracies.")
		} else if crds, err := enabledCRDs(ch, vals); err != nil {
			return nil, err
		} else if err := c.applyCRDs(ctx, crds, o.LifecycleOptions, i.warn); err != nil {
			return nil, err
		}
	}

	ro := o.Render
	ro.ReleaseName, ro.Namespace, ro.Revision, ro.IsUpgrade = o.ReleaseName, o.Namespace, 1, false
	if online {
		caps, err := capabilities(ctx, c.Server, o.Render.Warnings)
		if err != nil {
			return nil, err
		}
		ro.Capabilities, ro.Lookup = caps, c.Server.Lookup
	} else {
		caps := engine.DefaultCapabilities()
		if o.KubeVersion != nil {
			caps.KubeVersion = *o.KubeVersion
		}
		caps.APIVersions = append(caps.APIVersions, o.APIVersions...)
		ro.Capabilities = caps
	}
	// Rendering resolves the chart's dependencies in place: work on a copy, so
	// that the caller's chart serves other releases unchanged, at the same time
	// or later.
	ch = ch.Clone()
	r, batches, err := renderRelease(ctx, ch, vals, ro, o.ExpectManifestDigest, o.Wait)
	if err != nil {
		return nil, err
	}

	now := c.now()
	rel := &release.Release{
		Name:        o.ReleaseName,
		Namespace:   o.Namespace,
		Chart:       ch,
		Config:      vals,
		Info:        &release.Info{FirstDeployed: now, LastDeployed: now, Status: release.StatusUnknown, Notes: r.Notes},
		Manifest:    r.Manifest,
		Hooks:       r.Hooks,
		Version:     1,
		Labels:      o.Labels,
		ApplyMethod: applyMethodName(serverSide),
	}
	if !online {
		rel.SetStatus(release.StatusPendingInstall, "Dry run complete")
		return rel, nil
	}
	rel.SetStatus(release.StatusPendingInstall, "Initial install underway")

	resources, err := c.buildOwned(ctx, rel, rel.Manifest)
	if err != nil {
		return nil, fmt.Errorf("unable to build kubernetes objects from release manifest: %w", err)
	}
	adopted, err := c.Objects.Existing(ctx, resources, kube.AdoptOptions{Owner: owner(rel), TakeOwnership: o.TakeOwnership})
	if err != nil {
		return nil, fmt.Errorf("unable to continue with install: %w", err)
	}

	if o.DryRun == DryRunServer {
		if err := i.serverDryRun(ctx, resources, adopted, serverSide); err != nil {
			return rel, err
		}
		rel.Info.Description = "Dry run complete"
		return rel, nil
	}

	if o.Replace {
		if err := i.supersedeLast(ctx, rel); err != nil {
			return nil, err
		}
	}
	if err := c.Releases.Create(ctx, rel, o.createOptions()); err != nil {
		return rel, err
	}
	if err := i.perform(ctx, rel, resources, adopted, batches, serverSide); err != nil {
		return i.fail(ctx, rel, err)
	}
	return rel, nil
}

func (i *Install) perform(ctx context.Context, rel *release.Release, resources, adopted []*kube.Resource, batches []manifest.Batch, serverSide bool) error {
	o, c := &i.InstallOptions, i.Cluster
	hooks := hookRunner{cluster: c, method: applyMethod(serverSide), timeout: o.Timeout, warn: i.warn}
	if !o.NoHooks {
		if err := hooks.run(ctx, rel, release.HookPreInstall); err != nil {
			return fmt.Errorf("failed pre-install: %w", err)
		}
	}
	apply := func(ctx context.Context, resources []*kube.Resource) (*kube.Result, error) {
		if len(adopted) == 0 {
			return c.Objects.Create(ctx, resources, kube.ApplyOptions{Method: applyMethod(serverSide), ForceConflicts: o.ForceConflicts})
		}
		return c.Objects.Update(ctx, among(adopted, resources), resources, kube.ApplyOptions{
			Method:                       applyMethod(serverSide),
			ForceConflicts:               o.ForceConflicts,
			ForceReplace:                 o.ForceReplace,
			ThreeWayMergeCustomResources: o.TakeOwnership && !serverSide,
			UpgradeManagedFields:         serverSide,
		})
	}
	if o.Wait == WaitOrdered {
		if err := i.applyOrdered(ctx, rel, resources, batches, apply); err != nil {
			return err
		}
	} else {
		if _, err := apply(ctx, resources); err != nil {
			return err
		}
		if err := i.wait(ctx, resources); err != nil {
			return err
		}
	}
	if !o.NoHooks {
		if err := hooks.run(ctx, rel, release.HookPostInstall); err != nil {
			return fmt.Errorf("failed post-install: %w", err)
		}
	}
	desc := "Install complete"
	if o.Description != "" {
		desc = o.Description
	}
	rel.SetStatus(release.StatusDeployed, desc)
	if err := c.record(ctx, rel); err != nil {
		i.warn(err.Error())
	}
	return nil
}

// serverDryRun has the API server check the objects as the install would apply
// them, changing nothing: created, or updated for those in adopted.
func (i *Install) serverDryRun(ctx context.Context, resources, adopted []*kube.Resource, serverSide bool) error {
	checked, err := i.dryRunnable(ctx, resources, serverSide)
	if err != nil {
		return fmt.Errorf("dry run failed: %w", err)
	}
	opts := kube.ApplyOptions{Method: applyMethod(serverSide), DryRun: true, ForceConflicts: i.ForceConflicts}
	if len(adopted) == 0 {
		_, err = i.Cluster.Objects.Create(ctx, checked, opts)
	} else {
		opts.UpgradeManagedFields = serverSide
		_, err = i.Cluster.Objects.Update(ctx, among(adopted, checked), checked, opts)
	}
	if err != nil {
		return fmt.Errorf("dry run failed: %w", err)
	}
	return nil
}

// dryRunnable returns the objects the API server can check in a server dry run.
// With --create-namespace and no namespace yet, that is only those outside it: the
// namespace would be made first, and the server knows nothing in it until then.
func (i *Install) dryRunnable(ctx context.Context, resources []*kube.Resource, serverSide bool) ([]*kube.Resource, error) {
	if !i.CreateNamespace {
		return resources, nil
	}
	exists, err := i.Cluster.Server.NamespaceExists(ctx, i.Namespace)
	if exists || err != nil {
		return resources, err
	}
	if err := i.Cluster.Server.CreateNamespace(ctx, i.Namespace, kube.ApplyOptions{Method: applyMethod(serverSide), DryRun: true}); err != nil {
		return nil, err
	}
	var outside []*kube.Resource
	for _, r := range resources {
		if !r.Namespaced {
			outside = append(outside, r)
		}
	}
	if len(outside) < len(resources) {
		i.warn(fmt.Sprintf("namespace %q does not exist yet: the objects to go in it were not checked by the API server", i.Namespace))
	}
	return outside, nil
}

// applyOrdered applies the objects batch by batch (--wait=ordered).
func (i *Install) applyOrdered(ctx context.Context, rel *release.Release, resources []*kube.Resource, batches []manifest.Batch, apply orderedApply) error {
	idx, err := i.Cluster.batchOf(ctx, rel.Namespace, batches)
	if err != nil {
		return err
	}
	_, err = applyBatches(ctx, i.Cluster, splitBatches(resources, idx, len(batches)), apply, i.LifecycleOptions)
	return err
}

// wait waits for the release's objects according to the wait strategy.
func (i *Install) wait(ctx context.Context, resources []*kube.Resource) error {
	return waitReady(ctx, i.Cluster, resources, i.Wait, i.WaitForJobs, i.Timeout)
}

// fail records the failure, and uninstalls the release with RollbackOnFailure.
func (i *Install) fail(ctx context.Context, rel *release.Release, cause error) (*release.Release, error) {
	rel.SetStatus(release.StatusFailed, fmt.Sprintf("Release %q failed: %s", rel.Name, cause))
	// The record must survive an interrupted context: use a fresh one, briefly.
	rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
	defer cancel()
	if !i.RollbackOnFailure {
		if err := i.Cluster.record(rctx, rel); err != nil {
			return rel, errors.Join(cause, err)
		}
		return rel, cause
	}
	u := &Uninstall{Cluster: i.Cluster, UninstallOptions: UninstallOptions{NoHooks: i.NoHooks, Timeout: i.Timeout, LockHeld: true, Wait: orderedOnly(i.Wait)}, Warn: i.Warn}
	if _, err := u.Run(rctx, rel.Name); err != nil {
		return rel, fmt.Errorf("an error occurred while uninstalling the release. original install error: %w: %w", cause, err)
	}
	return rel, fmt.Errorf("release %s failed, and has been uninstalled due to rollback-on-failure being set: %w", rel.Name, cause)
}

// nameAvailable refuses a name in use, unless Replace and its last revision was
// uninstalled or failed.
func (i *Install) nameAvailable(ctx context.Context) error {
	h, err := i.Cluster.Releases.History(ctx, i.ReleaseName)
	if err != nil || len(h) == 0 {
		return nil
	}
	last := h[len(h)-1]
	if st := last.Info.Status; i.Replace && (st == release.StatusUninstalled || st == release.StatusFailed) {
		return nil
	}
	return errors.New("cannot reuse a name that is still in use")
}

// supersedeLast makes the new revision follow the last one of a replaced release.
func (i *Install) supersedeLast(ctx context.Context, rel *release.Release) error {
	last, err := i.Cluster.Releases.Last(ctx, rel.Name)
	if errors.Is(err, storage.ErrReleaseNotFound) {
		return nil
	}
	if err != nil {
		return err
	}
	rel.Version = last.Version + 1
	last.SetStatus(release.StatusSuperseded, "superseded by new release")
	return i.Cluster.record(ctx, last)
}

func (i *Install) warn(msg string) {
	if i.Warn != nil {
		i.Warn(msg)
	}
}

// UnreachableError is an install that stopped because the API server could not
// be reached; Helm also logs it, at level ERROR.
type UnreachableError struct{ Err error }

func (e *UnreachableError) Error() string {
	return "cluster reachability check failed: " + e.Err.Error()
}
func (e *UnreachableError) Unwrap() error { return e.Err }

// renderRelease renders ch for a release, refuses a manifest other than the
// one a plan expects (expectDigest, when set), and for --wait=ordered splits
// its objects into the batches they are applied in.
func renderRelease(ctx context.Context, ch *chart.Chart, vals map[string]any, ro RenderOptions, expectDigest string, wait WaitStrategy) (*Rendered, []manifest.Batch, error) {
	r, err := Render(ctx, ch, vals, ro)
	if err != nil {
		return nil, nil, err
	}
	if expectDigest != "" && digest([]byte(r.Manifest)) != expectDigest {
		return nil, nil, fmt.Errorf("%w: the chart renders differently than when the plan was made", ErrStalePlan)
	}
	if wait != WaitOrdered {
		return r, nil, nil
	}
	batches, ws, err := Sequence(ch, r.Manifests)
	ro.warn(ws)
	if err != nil {
		return nil, nil, err
	}
	return r, batches, nil
}
