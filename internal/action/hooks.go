package action

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/rudderpm/rudder/internal/kube"
	"github.com/rudderpm/rudder/internal/release"
)

// hookRunner runs a release's hooks for one event.
type hookRunner struct {
	cluster *Cluster
	method  kube.Method
	timeout time.Duration
}

// run runs the hooks of rel for event, lowest weight first (then by name): each is
// created, awaited until its Job or Pod completes, and deleted according to its
// policies. The release record is kept up to date with each hook's last run. The
// first failing hook stops the run; its error names the hook and why it failed.
func (h hookRunner) run(ctx context.Context, rel *release.Release, event release.HookEvent) error {
	var hooks []*release.Hook
	for _, hk := range rel.Hooks {
		if hk.Has(event) {
			hooks = append(hooks, hk)
		}
	}
	slices.SortStableFunc(hooks, func(a, b *release.Hook) int {
		if a.Weight != b.Weight {
			return a.Weight - b.Weight
		}
		return strings.Compare(a.Name, b.Name)
	})
	for i, hk := range hooks {
		if len(hk.DeletePolicies) == 0 {
			hk.DeletePolicies = []release.HookDeletePolicy{release.HookBeforeHookCreation}
		}
		if err := h.deleteByPolicy(ctx, rel, hk, release.HookBeforeHookCreation); err != nil {
			return err
		}
		rs, err := h.cluster.Kube.Build(ctx, hk.Manifest, kube.BuildOptions{Namespace: rel.Namespace})
		if err != nil {
			return fmt.Errorf("unable to build kubernetes object for %s hook %s: %w", event, hk.Path, err)
		}
		hk.LastRun = release.HookExecution{StartedAt: h.cluster.now(), Phase: release.HookPhaseRunning}
		if h.cluster.Releases != nil {
			_ = h.cluster.record(ctx, rel) // best effort: the run goes on without the record
		}
		hk.LastRun.Phase = release.HookPhaseUnknown
		if _, err := h.cluster.Kube.Create(ctx, rs, kube.ApplyOptions{Method: h.method}); err != nil {
			hk.LastRun.CompletedAt = h.cluster.now()
			hk.LastRun.Phase = release.HookPhaseFailed
			return fmt.Errorf("warning: Hook %s %s failed: %w", event, hk.Path, err)
		}
		wctx, cancel := timeoutContext(ctx, h.timeout)
		err = h.cluster.Kube.WaitForCompletion(wctx, rs)
		cancel()
		hk.LastRun.CompletedAt = h.cluster.now()
		if err != nil {
			hk.LastRun.Phase = release.HookPhaseFailed
			_ = h.deleteByPolicy(ctx, rel, hk, release.HookFailed)
			for _, prev := range hooks[:i] {
				_ = h.deleteByPolicy(ctx, rel, prev, release.HookSucceeded)
			}
			return fmt.Errorf("%s hook %s (%s %s): %w", event, hk.Path, hk.Kind, hk.Name, err)
		}
		hk.LastRun.Phase = release.HookPhaseSucceeded
	}
	for i := len(hooks) - 1; i >= 0; i-- {
		if err := h.deleteByPolicy(ctx, rel, hooks[i], release.HookSucceeded); err != nil {
			return err
		}
	}
	return nil
}

// deleteByPolicy deletes a hook's objects, and waits until they are gone, when the
// hook has the policy. CRDs made by hooks are never deleted.
func (h hookRunner) deleteByPolicy(ctx context.Context, rel *release.Release, hk *release.Hook, policy release.HookDeletePolicy) error {
	if hk.Kind == "CustomResourceDefinition" || !slices.Contains(hk.DeletePolicies, policy) {
		return nil
	}
	rs, err := h.cluster.Kube.Build(ctx, hk.Manifest, kube.BuildOptions{Namespace: rel.Namespace})
	if err != nil {
		return fmt.Errorf("unable to build kubernetes object for deleting hook %s: %w", hk.Path, err)
	}
	if _, err := h.cluster.Kube.Delete(ctx, rs, kube.DeleteOptions{}); err != nil {
		return err
	}
	wctx, cancel := timeoutContext(ctx, h.timeout)
	defer cancel()
	return h.cluster.Kube.WaitForDelete(wctx, rs, kube.DeleteWaitOptions{})
}
