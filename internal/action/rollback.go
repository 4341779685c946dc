package action

import (
	"context"
	"errors"
	"fmt"
	"time"
	"unicode/utf8"

	"github.com/rudderpm/rudder/internal/kube"
	"github.com/rudderpm/rudder/internal/manifest"
	"github.com/rudderpm/rudder/internal/release"
	"github.com/rudderpm/rudder/internal/storage"
)

// MaxDescriptionLength bounds a user-given rollback description.
const MaxDescriptionLength = 512

// RollbackOptions control a rollback. The zero value rolls back to the previous
// revision with the apply method that revision used, as the CLI does by default.
type RollbackOptions struct {
	LifecycleOptions
	// Version is the revision to roll back to; 0 means the one before the last.
	Version int
	// CleanupOnFail deletes objects the failed rollback created.
	CleanupOnFail bool
}

// Rollback makes an earlier revision current again, as a new revision.
type Rollback struct {
	Cluster *Cluster
	RollbackOptions
	Warn func(string)
}

// Run rolls the release name back and returns the new revision.
func (r *Rollback) Run(ctx context.Context, name string) (*release.Release, error) {
	run := *r
	run.RollbackOptions = r.RollbackOptions.withDefaults()
	return run.run(ctx, name)
}

func (r *Rollback) run(ctx context.Context, name string) (*release.Release, error) {
	o, c := &r.RollbackOptions, r.Cluster
	if n := utf8.RuneCountInString(o.Description); n > MaxDescriptionLength {
		return nil, fmt.Errorf("description must be %d characters or less, got %d", MaxDescriptionLength, n)
	}
	if o.Version < 0 {
		return nil, errors.New("invalid release revision number")
	}
	if err := c.Server.IsReachable(ctx); err != nil {
		return nil, err
	}
	if err := ValidateReleaseName(name); err != nil {
		return nil, fmt.Errorf("prepareRollback: Release name is invalid: %s", name)
	}
	if !o.DryRun.isDry() && !o.LockHeld {
		unlock, err := c.lock(ctx, name, "rollback", r.warn)
		if err != nil {
			return nil, err
		}
		defer unlock()
	}
	current, err := c.Releases.Last(ctx, name)
	if errors.Is(err, storage.ErrReleaseNotFound) {
		return nil, storage.ErrReleaseNotFound // Helm's words, without the name
	}
	if err != nil {
		return nil, err
	}
	if current.Info.Status.IsPending() {
		return nil, ErrPending
	}
	version := o.Version
	if version == 0 {
		version = current.Version - 1
	}
	previous, err := c.Releases.Get(ctx, name, version)
	if errors.Is(err, storage.ErrReleaseNotFound) {
		return nil, fmt.Errorf("release has no %d version", version)
	}
	if err != nil {
		return nil, err
	}
	serverSide, err := o.ServerSide.resolve(previous.ApplyMethod)
	if err != nil {
		return nil, err
	}
	desc := o.Description
	if desc == "" {
		desc = fmt.Sprintf("Rollback to %d", version)
	}
	target := &release.Release{
		Name:      name,
		Namespace: current.Namespace,
		Chart:     previous.Chart,
		Config:    previous.Config,
		Info: &release.Info{
			FirstDeployed:    current.Info.FirstDeployed,
			LastDeployed:     c.now(),
			Status:           release.StatusPendingRollback,
			Notes:            previous.Info.Notes,
			RollbackRevision: version,
			Description:      desc,
		},
		Version:     current.Version + 1,
		Labels:      previous.Labels,
		Manifest:    previous.Manifest,
		Hooks:       previous.Hooks,
		ApplyMethod: applyMethodName(serverSide),
	}
	var batches []manifest.Batch
	if o.Wait == WaitOrdered {
		if batches, err = storedBatches(target); err != nil {
			return nil, err
		}
	}
	if o.DryRun.isDry() {
		return target, nil
	}
	if o.CRDs == CRDsUpgrade && previous.Chart != nil && len(previous.Chart.CRDObjects()) > 0 {
		crds := previous.Chart.CRDObjects()
		if err := c.applyCRDs(ctx, crds, o.LifecycleOptions, r.warn); err != nil {
			return nil, err
		}
	}
	if err := c.Releases.Create(ctx, target, o.createOptions()); err != nil {
		return nil, err
	}
	if err := r.perform(ctx, current, target, batches, serverSide); err != nil {
		return target, err
	}
	return target, nil
}

func (r *Rollback) perform(ctx context.Context, current, target *release.Release, batches []manifest.Batch, serverSide bool) error {
	o, c := &r.RollbackOptions, r.Cluster
	fail := func(msg string, err error) error {
		rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
		defer cancel()
		target.SetStatus(release.StatusFailed, msg)
		return errors.Join(err, c.record(rctx, current), c.record(rctx, target))
	}
	original, err := c.Objects.Build(ctx, current.Manifest, kube.BuildOptions{Namespace: current.Namespace})
	if err != nil {
		return fail(err.Error(), fmt.Errorf("unable to build kubernetes objects from current release manifest: %w", err))
	}
	desired, err := c.buildOwned(ctx, target, target.Manifest)
	if err != nil {
		return fail(err.Error(), fmt.Errorf("unable to build kubernetes objects from new release manifest: %w", err))
	}
	hooks := hookRunner{cluster: c, method: applyMethod(serverSide), timeout: o.Timeout, warn: r.warn}
	if !o.NoHooks {
		if err := hooks.run(ctx, target, release.HookPreRollback); err != nil {
			return fail(fmt.Sprintf("Rollback %q failed: %s", target.Name, err), err)
		}
	}
	opts := kube.ApplyOptions{
		Method:               applyMethod(serverSide),
		ForceConflicts:       o.ForceConflicts,
		ForceReplace:         o.ForceReplace,
		UpgradeManagedFields: serverSide,
	}
	var created []*kube.Resource
	if o.Wait == WaitOrdered {
		created, err = c.updateOrdered(ctx, target.Namespace, original, desired, batches, opts, o.LifecycleOptions)
	} else {
		var res *kube.Result
		res, err = c.Objects.Update(ctx, original, desired, opts)
		created = res.Created
	}
	if err != nil {
		current.Info.Status = release.StatusSuperseded
		ferr := fail(fmt.Sprintf("Rollback %q failed: %s", target.Name, err), err)
		if o.CleanupOnFail && len(created) > 0 {
			if _, derr := c.Objects.Delete(context.WithoutCancel(ctx), created, kube.DeleteOptions{}); derr != nil {
				return fmt.Errorf("an error occurred while cleaning up resources. original rollback error: %w: unable to cleanup resources: %w", ferr, derr)
			}
		}
		return ferr
	}
	if o.Wait == WaitOrdered {
		err = nil // each batch was waited for as it was applied
	} else {
		err = waitReady(ctx, c, desired, o.Wait, o.WaitForJobs, o.Timeout)
	}
	if err != nil {
		return fail(fmt.Sprintf("Release %q failed: %s", target.Name, err), fmt.Errorf("release %s failed: %w", target.Name, err))
	}
	if !o.NoHooks {
		if err := hooks.run(ctx, target, release.HookPostRollback); err != nil {
			return fail(fmt.Sprintf("Rollback %q failed: %s", target.Name, err), err)
		}
	}
	deployed, err := c.Releases.DeployedAll(ctx, target.Name)
	if err != nil && !errors.Is(err, storage.ErrNoDeployedReleases) {
		return err
	}
	for _, d := range deployed {
		if d.Version == target.Version {
			continue
		}
		d.Info.Status = release.StatusSuperseded
		if err := c.record(ctx, d); err != nil {
			r.warn(err.Error())
		}
	}
	target.Info.Status = release.StatusDeployed
	return c.record(ctx, target)
}

func (r *Rollback) warn(msg string) {
	if r.Warn != nil {
		r.Warn(msg)
	}
}
