package action

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/rudderpm/rudder/internal/kube"
	"github.com/rudderpm/rudder/internal/manifest"
	"github.com/rudderpm/rudder/internal/release"
	"github.com/rudderpm/rudder/internal/storage"
)

// UninstallOptions control an uninstall. The zero value deletes the objects with
// background propagation, runs the delete hooks and removes the history.
type UninstallOptions struct {
	NoHooks bool
	// DryRun reports what would be deleted without deleting anything.
	DryRun bool
	// IgnoreNotFound makes a missing release no error.
	IgnoreNotFound bool
	// KeepHistory keeps the records, marking the last one uninstalled.
	KeepHistory bool
	// Cascade is the deletion propagation: "background" (""), "orphan" or "foreground".
	Cascade string
	// Wait waits for the objects to be gone unless it is "" or WaitHookOnly.
	Wait WaitStrategy
	// Timeout bounds each wait; 0 means DefaultTimeout.
	Timeout     time.Duration
	Description string
	// LockHeld says the caller holds the release's lock already (an install
	// undoing itself): the uninstall does not take it.
	LockHeld bool
	// DeleteCRDs also deletes the CRDs of the chart's crds/, and with them every
	// object of their kinds, once the release's objects are gone; Helm never
	// deletes them.
	DeleteCRDs bool
}

// UninstallResult is the uninstalled release and what was left in place.
type UninstallResult struct {
	Release *release.Release
	// Info lists objects kept by policy, not owned by the release or unverifiable.
	Info string
}

// Uninstall removes a release: its objects and (unless kept) its history.
type Uninstall struct {
	Cluster *Cluster
	UninstallOptions
	Warn func(string)
}

// Run uninstalls the release name. A nil result with a nil error means the release
// did not exist and IgnoreNotFound was set.
func (u *Uninstall) Run(ctx context.Context, name string) (*UninstallResult, error) {
	run := *u
	run.UninstallOptions = u.UninstallOptions.withDefaults()
	return run.run(ctx, name)
}

func (u *Uninstall) run(ctx context.Context, name string) (*UninstallResult, error) {
	c := u.Cluster
	if err := c.Server.IsReachable(ctx); err != nil {
		return nil, err
	}
	if err := ValidateReleaseName(name); err != nil {
		return nil, fmt.Errorf("uninstall: Release name is invalid: %s", name)
	}
	if !u.DryRun && !u.LockHeld {
		unlock, err := c.lock(ctx, name, "uninstall", u.warn)
		if err != nil {
			return nil, err
		}
		defer unlock()
	}
	history, err := c.Releases.History(ctx, name)
	if err == nil && len(history) == 0 || errors.Is(err, storage.ErrReleaseNotFound) {
		err = storage.ErrReleaseNotFound // the message names the release already
	}
	if err != nil {
		if u.IgnoreNotFound && errors.Is(err, storage.ErrReleaseNotFound) {
			return nil, nil
		}
		return nil, fmt.Errorf("uninstall: Release not loaded: %s: %w", name, err)
	}
	rel := history[len(history)-1]

	if u.DryRun {
		_, info, err := u.plan(ctx, rel)
		return &UninstallResult{Release: rel, Info: info}, err
	}
	if rel.Info.Status == release.StatusUninstalled {
		if u.KeepHistory {
			return nil, fmt.Errorf("the release named %q is already deleted", name)
		}
		if err := u.purge(ctx, history); err != nil {
			return nil, fmt.Errorf("uninstall: Failed to purge the release: %w", err)
		}
		return &UninstallResult{Release: rel}, nil
	}

	var batches []manifest.Batch
	if u.Wait == WaitOrdered {
		if batches, err = storedBatches(rel); err != nil {
			return nil, err
		}
	}
	rel.Info.Status = release.StatusUninstalling
	rel.Info.Deleted = c.now()
	rel.Info.Description = "Deletion in progress (or silently failed)"
	res := &UninstallResult{Release: rel}
	hooks := hookRunner{cluster: c, method: kube.ServerSide, timeout: u.Timeout, warn: u.warn}
	if !u.NoHooks {
		if err := hooks.run(ctx, rel, release.HookPreDelete); err != nil {
			return res, err
		}
	}
	if err := c.record(ctx, rel); err != nil {
		u.warn(err.Error())
	}

	owned, info, err := u.plan(ctx, rel)
	res.Info = info
	if err != nil {
		return res, err
	}
	var errs []error
	if u.Wait == WaitOrdered {
		if err := u.deleteOrdered(ctx, rel, owned, batches); err != nil {
			return res, fmt.Errorf("failed to delete release %s: %w", name, err)
		}
	} else if _, err := c.Objects.Delete(ctx, owned, kube.DeleteOptions{Propagation: propagation(u.Cascade)}); err != nil {
		return res, fmt.Errorf("failed to delete release %s: %w", name, err)
	}
	if u.Wait != "" && u.Wait != WaitHookOnly && u.Wait != WaitOrdered {
		wctx, cancel := timeoutContext(ctx, u.Timeout)
		if err := c.Waits.WaitForDelete(wctx, owned, kube.DeleteWaitOptions{}); err != nil {
			errs = append(errs, err)
		}
		cancel()
	}
	if u.DeleteCRDs && rel.Chart != nil {
		if err := u.deleteCRDs(ctx, rel); err != nil {
			errs = append(errs, err)
		}
	}
	if !u.NoHooks {
		if err := hooks.run(ctx, rel, release.HookPostDelete); err != nil {
			errs = append(errs, err)
		}
	}

	rel.Info.Status = release.StatusUninstalled
	rel.Info.Description = "Uninstallation complete"
	if u.Description != "" {
		rel.Info.Description = u.Description
	}
	if !u.KeepHistory {
		if err := u.purge(ctx, history); err != nil {
			errs = append(errs, fmt.Errorf("uninstall: Failed to purge the release: %w", err))
		}
		return res, uninstallErrors(errs)
	}
	if err := c.record(ctx, rel); err != nil {
		errs = append(errs, err)
	}
	// Earlier revisions still marked deployed are superseded now.
	for _, old := range history[:len(history)-1] {
		if old.Info.Status == release.StatusDeployed {
			old.Info.Status = release.StatusSuperseded
			if err := c.record(ctx, old); err != nil {
				errs = append(errs, err)
			}
		}
	}
	return res, uninstallErrors(errs)
}

// plan lists the release's objects to delete: those of its manifest the release owns,
// except those annotated helm.sh/resource-policy: keep. info tells the user what is
// left in place and why.
func (u *Uninstall) plan(ctx context.Context, rel *release.Release) ([]*kube.Resource, string, error) {
	// A release's manifest holds no hooks, so sorting it has nothing to warn about.
	_, manifests, _, err := manifest.Sort(map[string]string{"manifest": rel.Manifest}, manifest.UninstallOrder)
	if err != nil {
		return nil, "", fmt.Errorf("corrupted release record. You must manually delete the resources: %w", err)
	}
	var keep []manifest.Manifest
	var b strings.Builder
	for _, m := range manifests {
		policy, annotated := "", false
		if m.Head.Metadata != nil {
			policy, annotated = m.Head.Metadata.Annotations[kube.ResourcePolicyAnnotation]
		}
		switch {
		case !annotated:
			b.WriteString("\n---\n" + m.Content)
		case strings.ToLower(strings.TrimSpace(policy)) == kube.KeepPolicy:
			keep = append(keep, m)
		}
		// Like Helm, an object with any other resource policy is left alone too.
	}
	var info strings.Builder
	if len(keep) > 0 {
		info.WriteString("These resources were kept due to the resource policy:\n")
		for _, m := range keep {
			fmt.Fprintf(&info, "[%s] %s\n", m.Head.Kind, m.Head.Metadata.Name)
		}
	}
	rs, err := u.Cluster.Objects.Build(ctx, b.String(), kube.BuildOptions{Namespace: rel.Namespace})
	if err != nil {
		return nil, info.String(), fmt.Errorf("unable to build kubernetes objects for delete: %w", err)
	}
	if len(rs) == 0 {
		return nil, info.String(), nil
	}
	own, err := u.Cluster.Objects.CheckOwned(ctx, rs, owner(rel))
	if err != nil {
		return nil, info.String(), fmt.Errorf("unable to verify resource ownership: %w", err)
	}
	if len(own.Unowned) > 0 {
		if info.Len() > 0 {
			info.WriteString("\n")
		}
		fmt.Fprintf(&info, "%d resource(s) were not deleted because they are not owned by this release:\n", len(own.Unowned))
		for _, r := range own.Unowned {
			fmt.Fprintf(&info, "[%s] %s\n", r.Kind(), r.Name())
		}
	}
	if len(own.Unverified) > 0 {
		if info.Len() > 0 {
			info.WriteString("\n")
		}
		fmt.Fprintf(&info, "%d resource(s) were not deleted because their ownership could not be verified:\n", len(own.Unverified))
		for _, uv := range own.Unverified {
			fmt.Fprintf(&info, "[%s] %s: %s\n", uv.Resource.Kind(), uv.Resource.Name(), uv.Err)
		}
	}
	return own.Owned, info.String(), nil
}

// deleteOrdered deletes the objects batch by batch in reverse order, each gone
// before the next (--wait=ordered).
func (u *Uninstall) deleteOrdered(ctx context.Context, rel *release.Release, owned []*kube.Resource, batches []manifest.Batch) error {
	idx, err := u.Cluster.batchOf(ctx, rel.Namespace, batches)
	if err != nil {
		return err
	}
	return deleteBatches(ctx, u.Cluster, splitBatches(owned, idx, len(batches)), kube.DeleteOptions{Propagation: propagation(u.Cascade)}, u.Timeout)
}

// crdDeleter deletes CRDs and waits until they are gone; *kube.Client is one.
type crdDeleter interface {
	DeleteCRDs(ctx context.Context, crds []*kube.Resource) (*kube.Result, error)
}

// deleteCRDs deletes the CRDs of the release's chart.
func (u *Uninstall) deleteCRDs(ctx context.Context, rel *release.Release) error {
	crds := rel.Chart.CRDObjects()
	if len(crds) == 0 {
		return nil
	}
	d, ok := u.Cluster.Server.(crdDeleter)
	if !ok {
		return errors.New("this cluster client cannot delete CRDs")
	}
	all, err := u.Cluster.buildCRDs(ctx, crds, nil)
	if err != nil {
		return err
	}
	wctx, cancel := timeoutContext(ctx, u.Timeout)
	defer cancel()
	if _, err := d.DeleteCRDs(wctx, all); err != nil {
		return fmt.Errorf("failed to delete CRDs: %w", err)
	}
	return nil
}

func (u *Uninstall) purge(ctx context.Context, history []*release.Release) error {
	for _, r := range history {
		if _, err := u.Cluster.Releases.Delete(ctx, r.Name, r.Version); err != nil {
			return err
		}
	}
	return nil
}

func (u *Uninstall) warn(msg string) {
	if u.Warn != nil {
		u.Warn(msg)
	}
}

func uninstallErrors(errs []error) error {
	if len(errs) == 0 {
		return nil
	}
	msgs := make([]string, len(errs))
	for i, e := range errs {
		msgs[i] = e.Error()
	}
	return fmt.Errorf("uninstallation completed with %d error(s): %s", len(errs), strings.Join(msgs, "; "))
}

// propagation maps --cascade to a deletion propagation policy.
func propagation(cascade string) metav1.DeletionPropagation {
	switch cascade {
	case "orphan":
		return metav1.DeletePropagationOrphan
	case "foreground":
		return metav1.DeletePropagationForeground
	}
	return metav1.DeletePropagationBackground
}
