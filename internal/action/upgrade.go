package action

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/rudderpm/rudder/internal/chart"
	"github.com/rudderpm/rudder/internal/kube"
	"github.com/rudderpm/rudder/internal/manifest"
	"github.com/rudderpm/rudder/internal/release"
	"github.com/rudderpm/rudder/internal/storage"
	"github.com/rudderpm/rudder/internal/values"
)

// UpgradeOptions control an upgrade. The zero value upgrades for real, keeping the
// previous apply method, reusing the previous values only when none are given, as
// the CLI does by default.
type UpgradeOptions struct {
	LifecycleOptions
	// InstallIfMissing installs the release instead when it has no revision, or
	// only uninstalled ones (upgrade --install): in Namespace, with
	// CreateNamespace and the options an install shares.
	InstallIfMissing bool
	Namespace        string
	CreateNamespace  bool
	TakeOwnership    bool
	// RollbackOnFailure rolls back to the last successful revision if the upgrade
	// fails; it waits for readiness (WaitWatcher) unless Wait says otherwise.
	RollbackOnFailure bool
	// CleanupOnFail deletes objects the failed upgrade created.
	CleanupOnFail bool
	// ReuseValues merges the previous revision's values under the given ones (and
	// renders with the previous revision's chart defaults).
	ReuseValues bool
	// ResetValues ignores the previous revision's values.
	ResetValues bool
	// ResetThenReuseValues merges the previous values under the given ones, with the
	// new chart's defaults.
	ResetThenReuseValues bool
	Labels               map[string]string
	SkipCRDs             bool
	Render               RenderOptions
	// ExpectManifestDigest, if set, refuses the upgrade with ErrStalePlan when the
	// rendered manifest's digest is another (upgrade --plan).
	ExpectManifestDigest string
	// PlanRevision, with ExpectManifestDigest (a plan), is the revision the plan
	// starts from (0: an install); checked under the release's lock, so that no
	// other operation can slip in between the check and the upgrade.
	PlanRevision int
}

// Upgrade moves a release to a new chart or values.
type Upgrade struct {
	Cluster *Cluster
	UpgradeOptions
	Warn func(string)
	// Installing is called when InstallIfMissing turns the upgrade into an
	// install, before it begins; nil tells nobody.
	Installing func()
}

// Run upgrades the release name to ch with the user's values.
func (u *Upgrade) Run(ctx context.Context, name string, ch *chart.Chart, vals map[string]any) (*release.Release, error) {
	run := *u
	run.UpgradeOptions = u.UpgradeOptions.withDefaults()
	return run.run(ctx, name, ch, vals)
}

func (u *Upgrade) run(ctx context.Context, name string, ch *chart.Chart, vals map[string]any) (*release.Release, error) {
	o, c := &u.UpgradeOptions, u.Cluster
	if o.InstallIfMissing {
		missing, uninstalled, err := u.missing(ctx, name)
		if err != nil {
			return nil, err
		}
		if missing && o.ExpectManifestDigest != "" && o.PlanRevision != 0 {
			return nil, fmt.Errorf("%w: release %s no longer exists, the plan starts from revision %d", ErrStalePlan, name, o.PlanRevision)
		}
		if missing {
			return u.install(ctx, name, uninstalled, ch, vals)
		}
	}
	if err := c.Server.IsReachable(ctx); err != nil {
		return nil, err
	}
	if err := ValidateReleaseName(name); err != nil {
		return nil, fmt.Errorf("release name is invalid: %s", name)
	}
	if err := CheckInstallable(ch); err != nil {
		return nil, err
	}
	if err := checkLabels(o.Labels); err != nil {
		return nil, err
	}

	if !o.DryRun.isDry() && !o.LockHeld {
		unlock, err := c.lock(ctx, name, "upgrade", u.warn)
		if err != nil {
			return nil, err
		}
		defer unlock()
	}
	last, err := c.Releases.Last(ctx, name)
	if errors.Is(err, storage.ErrReleaseNotFound) {
		return nil, &storage.ReleaseError{Namespace: "", Name: name, Err: storage.ErrNoDeployedReleases}
	}
	if err != nil {
		return nil, err
	}
	if last.Info.Status.IsPending() {
		return nil, ErrPending
	}
	if o.ExpectManifestDigest != "" && last.Version != o.PlanRevision {
		return nil, fmt.Errorf("%w: release %s is at revision %d, the plan starts from %d", ErrStalePlan, name, last.Version, o.PlanRevision)
	}
	current := last
	if last.Info.Status != release.StatusDeployed {
		deployed, err := c.Releases.Deployed(ctx, name)
		switch {
		case err == nil:
			current = deployed
		case errors.Is(err, storage.ErrNoDeployedReleases) &&
			(last.Info.Status == release.StatusFailed || last.Info.Status == release.StatusSuperseded):
		default:
			return nil, err
		}
	}

	// Rendering resolves the chart's dependencies in place (and reused values
	// replace its defaults): work on a copy, so that the caller's chart serves
	// other releases unchanged, at the same time or later.
	ch = ch.Clone()
	vals, err = u.values(ch, current, vals)
	if err != nil {
		return nil, err
	}
	if !o.SkipCRDs && o.CRDs != CRDsSkip && !o.DryRun.isDry() {
		crds, err := enabledCRDs(ch, vals)
		if err != nil {
			return nil, err
		}
		if len(crds) > 0 {
			if err := c.applyCRDs(ctx, crds, o.LifecycleOptions, u.warn); err != nil {
				return nil, err
			}
		}
	}
	caps, err := capabilities(ctx, c.Server, o.Render.Warnings)
	if err != nil {
		return nil, err
	}
	ro := o.Render
	ro.ReleaseName, ro.Namespace, ro.Revision, ro.IsUpgrade = name, current.Namespace, last.Version+1, true
	ro.Capabilities, ro.Lookup = caps, c.Server.Lookup
	r, batches, err := renderRelease(ctx, ch, vals, ro, o.ExpectManifestDigest, o.Wait)
	if err != nil {
		return nil, err
	}
	serverSide, err := o.ServerSide.resolve(last.ApplyMethod)
	if err != nil {
		return nil, err
	}
	next := &release.Release{
		Name:      name,
		Namespace: current.Namespace,
		Chart:     ch,
		Config:    vals,
		Info: &release.Info{
			FirstDeployed: current.Info.FirstDeployed,
			LastDeployed:  c.now(),
			Status:        release.StatusPendingUpgrade,
			Description:   "Preparing upgrade",
			Notes:         r.Notes,
		},
		Version:     last.Version + 1,
		Manifest:    r.Manifest,
		Hooks:       r.Hooks,
		Labels:      mergeLabels(last.Labels, o.Labels),
		ApplyMethod: applyMethodName(serverSide),
	}

	original, err := c.Objects.Build(ctx, current.Manifest, kube.BuildOptions{Namespace: current.Namespace})
	if err != nil {
		return next, fmt.Errorf("unable to build kubernetes objects from current release manifest: %w", err)
	}
	target, err := c.buildOwned(ctx, next, next.Manifest)
	if err != nil {
		return next, fmt.Errorf("unable to build kubernetes objects from new release manifest: %w", err)
	}
	// Objects new to the release must not belong to someone else.
	had := map[kube.Key]bool{}
	for _, r := range original {
		had[r.Key()] = true
	}
	var added []*kube.Resource
	for _, r := range target {
		if !had[r.Key()] {
			added = append(added, r)
		}
	}
	adopted, err := c.Objects.Existing(ctx, added, kube.AdoptOptions{Owner: owner(next), TakeOwnership: o.TakeOwnership})
	if err != nil {
		return nil, fmt.Errorf("unable to continue with update: %w", err)
	}
	original = append(original, adopted...)

	if o.DryRun.isDry() {
		if o.DryRun == DryRunServer {
			if _, err := c.Objects.Update(ctx, original, target, kube.ApplyOptions{Method: applyMethod(serverSide), DryRun: true, ForceConflicts: o.ForceConflicts}); err != nil {
				return next, fmt.Errorf("dry run failed: %w", err)
			}
		}
		next.Info.Description = "Dry run complete"
		if o.Description != "" {
			next.Info.Description = o.Description
		}
		return next, nil
	}

	if err := c.Releases.Create(ctx, next, o.createOptions()); err != nil {
		return nil, err
	}
	created, err := u.perform(ctx, current, next, original, target, batches, serverSide)
	if err != nil {
		return u.fail(ctx, next, created, err)
	}
	return next, nil
}

func (u *Upgrade) perform(ctx context.Context, current, next *release.Release, original, target []*kube.Resource, batches []manifest.Batch, serverSide bool) ([]*kube.Resource, error) {
	o, c := &u.UpgradeOptions, u.Cluster
	hooks := hookRunner{cluster: c, method: applyMethod(serverSide), timeout: o.Timeout, warn: u.warn}
	if !o.NoHooks {
		if err := hooks.run(ctx, next, release.HookPreUpgrade); err != nil {
			return nil, fmt.Errorf("pre-upgrade hooks failed: %w", err)
		}
	}
	opts := kube.ApplyOptions{
		Method:               applyMethod(serverSide),
		ForceConflicts:       o.ForceConflicts,
		ForceReplace:         o.ForceReplace,
		UpgradeManagedFields: serverSide && current.ApplyMethod != string(release.ApplyMethodServerSide),
	}
	var created []*kube.Resource
	if o.Wait == WaitOrdered {
		var err error
		created, err = c.updateOrdered(ctx, next.Namespace, original, target, batches, opts, o.LifecycleOptions)
		if err != nil {
			return created, err
		}
	} else {
		res, err := c.Objects.Update(ctx, original, target, opts)
		created = res.Created
		if err != nil {
			return created, err
		}
		if err := waitReady(ctx, c, target, o.Wait, o.WaitForJobs, o.Timeout); err != nil {
			return created, err
		}
	}
	if !o.NoHooks {
		if err := hooks.run(ctx, next, release.HookPostUpgrade); err != nil {
			return created, fmt.Errorf("post-upgrade hooks failed: %w", err)
		}
	}
	current.Info.Status = release.StatusSuperseded
	if err := c.record(ctx, current); err != nil {
		u.warn(err.Error())
	}
	next.Info.Status = release.StatusDeployed
	next.Info.Description = "Upgrade complete"
	if o.Description != "" {
		next.Info.Description = o.Description
	}
	return created, c.record(ctx, next)
}

// fail records the failed revision, cleans up what it created with CleanupOnFail and
// rolls back with RollbackOnFailure.
func (u *Upgrade) fail(ctx context.Context, rel *release.Release, created []*kube.Resource, cause error) (*release.Release, error) {
	c := u.Cluster
	rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Minute)
	defer cancel()
	rel.Info.Status = release.StatusFailed
	rel.Info.Description = fmt.Sprintf("Upgrade %q failed: %s", rel.Name, cause)
	if err := c.record(rctx, rel); err != nil {
		cause = errors.Join(cause, err)
	}
	if u.CleanupOnFail && len(created) > 0 {
		if _, err := c.Objects.Delete(rctx, created, kube.DeleteOptions{}); err != nil {
			return rel, fmt.Errorf("an error occurred while cleaning up resources. original upgrade error: %w: unable to cleanup resources: %w", cause, err)
		}
	}
	if !u.RollbackOnFailure {
		return rel, cause
	}
	history, err := c.Releases.History(rctx, rel.Name)
	if err != nil {
		return rel, fmt.Errorf("an error occurred while finding last successful release. original upgrade error: %w: %w", cause, err)
	}
	good := 0
	for _, h := range history {
		if h.Info.Status == release.StatusSuperseded || h.Info.Status == release.StatusDeployed {
			good = max(good, h.Version)
		}
	}
	if good == 0 {
		return rel, fmt.Errorf("unable to find a previously successful release when attempting to rollback. original upgrade error: %w", cause)
	}
	back := u.LifecycleOptions // this process holds the release's lock already
	back.DryRun, back.Description, back.HistoryLimit, back.LockHeld = DryRunNone, "", -1, true
	rb := &Rollback{Cluster: c, Warn: u.Warn, RollbackOptions: RollbackOptions{LifecycleOptions: back, Version: good}}
	if _, err := rb.Run(rctx, rel.Name); err != nil {
		return rel, fmt.Errorf("an error occurred while rolling back the release. original upgrade error: %w: %w", cause, err)
	}
	return rel, fmt.Errorf("release %s failed, and has been rolled back due to rollback-on-failure being set: %w", rel.Name, cause)
}

// missing tells whether the release has no revision to upgrade (none, or only
// uninstalled ones); a client dry run does not look.
func (u *Upgrade) missing(ctx context.Context, name string) (missing, uninstalled bool, err error) {
	if u.DryRun == DryRunClient {
		return true, false, nil
	}
	// Helm reads the history first, which checks that the cluster answers;
	// its error is not an upgrade's.
	if err := u.Cluster.Server.IsReachable(ctx); err != nil {
		return false, false, &PreflightError{Err: err}
	}
	last, err := u.Cluster.Releases.Last(ctx, name)
	if errors.Is(err, storage.ErrReleaseNotFound) {
		return true, false, nil
	}
	if err != nil {
		return false, false, err
	}
	uninstalled = last.Info.Status == release.StatusUninstalled
	return uninstalled, uninstalled, nil
}

// install installs the missing release, replacing its uninstalled revisions.
func (u *Upgrade) install(ctx context.Context, name string, replace bool, ch *chart.Chart, vals map[string]any) (*release.Release, error) {
	if u.Installing != nil {
		u.Installing()
	}
	o := &u.UpgradeOptions
	inst := &Install{Cluster: u.Cluster, Warn: u.Warn, InstallOptions: InstallOptions{
		LifecycleOptions:  o.LifecycleOptions,
		ReleaseName:       name,
		Namespace:         o.Namespace,
		CreateNamespace:   o.CreateNamespace,
		SkipCRDs:          o.SkipCRDs,
		Replace:           replace,
		TakeOwnership:     o.TakeOwnership,
		RollbackOnFailure: o.RollbackOnFailure,
		Labels:            o.Labels,
		Render:            o.Render,

		ExpectManifestDigest: o.ExpectManifestDigest,
	}}
	return inst.Run(ctx, ch, vals)
}

// values decides the values of the new revision from the flags, as Helm does.
func (u *Upgrade) values(ch *chart.Chart, current *release.Release, vals map[string]any) (map[string]any, error) {
	switch {
	case u.ResetValues:
		return vals, nil
	case u.ReuseValues:
		old, ws, err := values.Coalesce(current.Chart, current.Config)
		u.Render.warn(ws)
		if err != nil {
			return nil, fmt.Errorf("failed to rebuild old values: %w", err)
		}
		vals, ws = values.CoalesceTables(values.DeepCopy(vals), values.DeepCopy(current.Config))
		u.Render.warn(ws)
		ch.Values = old
		return vals, nil
	case u.ResetThenReuseValues:
		vals, ws := values.CoalesceTables(values.DeepCopy(vals), values.DeepCopy(current.Config))
		u.Render.warn(ws)
		return vals, nil
	case len(vals) == 0 && len(current.Config) > 0:
		return current.Config, nil
	}
	return vals, nil
}

func (u *Upgrade) warn(msg string) {
	if u.Warn != nil {
		u.Warn(msg)
	}
}

// PreflightError is a failure before upgrade --install has decided whether to
// install or upgrade: Helm reports it as it is, not as a failed upgrade.
type PreflightError struct{ Err error }

func (e *PreflightError) Error() string { return e.Err.Error() }
func (e *PreflightError) Unwrap() error { return e.Err }
