package action

import (
	"cmp"
	"context"
	"fmt"
	"io"
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
	// warn receives what goes wrong on the side (hook logs that cannot be read).
	warn func(string)
}

// run runs the hooks of rel for event and then applies their delete and output
// log policies. The first failing hook stops the run; its error names the hook and
// why it failed.
func (h hookRunner) run(ctx context.Context, rel *release.Release, event release.HookEvent) error {
	hooks := hooksFor(rel, event, nil)
	ran, err := h.execute(ctx, rel, event, hooks)
	if cerr := h.finish(ctx, rel, hooks[:ran], err); err == nil {
		err = cerr
	}
	return err
}

// hooksFor selects the hooks of rel for event that keep says to keep (nil keeps
// all), lowest weight first, then by name.
func hooksFor(rel *release.Release, event release.HookEvent, keep func(*release.Hook) bool) []*release.Hook {
	var hooks []*release.Hook
	for _, hk := range rel.Hooks {
		if hk.Has(event) && (keep == nil || keep(hk)) {
			hooks = append(hooks, hk)
		}
	}
	slices.SortStableFunc(hooks, func(a, b *release.Hook) int {
		return cmp.Or(cmp.Compare(a.Weight, b.Weight), strings.Compare(a.Name, b.Name))
	})
	return hooks
}

// execute runs hooks in order: each is created, awaited until its Job or Pod
// completes, its last run kept in the release record. It stops at the first hook
// that fails, after showing that hook's logs if its output log policy says so. It
// returns how many hooks it started (the failed one included): finish applies
// their delete policies.
func (h hookRunner) execute(ctx context.Context, rel *release.Release, event release.HookEvent, hooks []*release.Hook) (int, error) {
	for i, hk := range hooks {
		if len(hk.DeletePolicies) == 0 {
			hk.DeletePolicies = []release.HookDeletePolicy{release.HookBeforeHookCreation}
		}
		if err := h.deleteByPolicy(ctx, rel, hk, release.HookBeforeHookCreation); err != nil {
			return i, err
		}
		rs, err := h.cluster.Objects.Build(ctx, hk.Manifest, kube.BuildOptions{Namespace: rel.Namespace})
		if err != nil {
			return i, fmt.Errorf("unable to build kubernetes object for %s hook %s: %w", event, hk.Path, err)
		}
		hk.LastRun = release.HookExecution{StartedAt: h.cluster.now(), Phase: release.HookPhaseRunning}
		if h.cluster.Releases != nil {
			_ = h.cluster.record(ctx, rel) // best effort: the run goes on without the record
		}
		hk.LastRun.Phase = release.HookPhaseUnknown
		if _, err := h.cluster.Objects.Create(ctx, rs, kube.ApplyOptions{Method: h.method}); err != nil {
			hk.LastRun.CompletedAt = h.cluster.now()
			hk.LastRun.Phase = release.HookPhaseFailed
			return i, fmt.Errorf("warning: Hook %s %s failed: %w", event, hk.Path, err)
		}
		wctx, cancel := timeoutContext(ctx, h.timeout)
		err = h.cluster.Waits.WaitForCompletion(wctx, rs)
		cancel()
		hk.LastRun.CompletedAt = h.cluster.now()
		if err != nil {
			hk.LastRun.Phase = release.HookPhaseFailed
			h.outputLogs(ctx, rel, hk, release.HookOutputOnFailed)
			return i + 1, fmt.Errorf("%s hook %s (%s %s): %w", event, hk.Path, hk.Kind, hk.Name, err)
		}
		hk.LastRun.Phase = release.HookPhaseSucceeded
	}
	return len(hooks), nil
}

// finish applies the policies of the hooks execute ran. When they all succeeded,
// each hook's logs are shown if its output log policy says so, and it is deleted
// if its delete policy says so, last first. When the last one failed (failed is
// its error), it is deleted by hook-failed and the others by hook-succeeded, and
// errors are not reported: failed says what matters.
func (h hookRunner) finish(ctx context.Context, rel *release.Release, ran []*release.Hook, failed error) error {
	if failed != nil {
		if len(ran) == 0 || ran[len(ran)-1].LastRun.Phase != release.HookPhaseFailed {
			return nil // a hook could not even be created: leave things as they are
		}
		_ = h.deleteByPolicy(ctx, rel, ran[len(ran)-1], release.HookFailed)
		for _, prev := range ran[:len(ran)-1] {
			_ = h.deleteByPolicy(ctx, rel, prev, release.HookSucceeded)
		}
		return nil
	}
	for _, hk := range slices.Backward(ran) {
		h.outputLogs(ctx, rel, hk, release.HookOutputOnSucceeded)
		if err := h.deleteByPolicy(ctx, rel, hk, release.HookSucceeded); err != nil {
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
	rs, err := h.cluster.Objects.Build(ctx, hk.Manifest, kube.BuildOptions{Namespace: rel.Namespace})
	if err != nil {
		return fmt.Errorf("unable to build kubernetes object for deleting hook %s: %w", hk.Path, err)
	}
	if _, err := h.cluster.Objects.Delete(ctx, rs, kube.DeleteOptions{}); err != nil {
		return err
	}
	wctx, cancel := timeoutContext(ctx, h.timeout)
	defer cancel()
	return h.cluster.Waits.WaitForDelete(wctx, rs, kube.DeleteWaitOptions{})
}

// outputLogs copies the logs of the containers of a hook's Pod or Job to the
// cluster's HookOutput when the hook's output log policy has policy, as Helm
// does (init containers left out). Logs that cannot be read are warned about.
func (h hookRunner) outputLogs(ctx context.Context, rel *release.Release, hk *release.Hook, policy release.HookOutputLogPolicy) {
	if h.cluster.HookOutput == nil || !slices.Contains(hk.OutputLogPolicies, policy) || (hk.Kind != "Pod" && hk.Kind != "Job") {
		return
	}
	rs, err := h.cluster.Objects.Build(ctx, hk.Manifest, kube.BuildOptions{Namespace: rel.Namespace})
	if err != nil {
		h.warnf("unable to read the logs of hook %s: %v", hk.Path, err)
		return
	}
	for _, r := range rs {
		containers, err := h.cluster.Logs.Containers(ctx, r)
		if err != nil {
			h.warnf("unable to read the logs of hook %s: %v", hk.Path, err)
			continue
		}
		for _, ct := range containers {
			if ct.Init {
				continue
			}
			if err := copyLogs(ctx, h.cluster.Logs, ct, h.cluster.HookOutput(ct)); err != nil {
				h.warnf("hook %s: %v", hk.Path, err)
			}
		}
	}
}

// copyLogs copies a container's logs to w.
func copyLogs(ctx context.Context, kc LogReader, ct kube.Container, w io.Writer) error {
	rc, err := kc.Logs(ctx, ct)
	if err != nil {
		return err
	}
	defer rc.Close()
	if _, err := io.Copy(w, rc); err != nil {
		return fmt.Errorf("unable to copy the logs of pod %s, container %s: %w", ct.Pod, ct.Name, err)
	}
	return nil
}

func (h hookRunner) warnf(format string, args ...any) {
	if h.warn != nil {
		h.warn(fmt.Sprintf(format, args...))
	}
}
