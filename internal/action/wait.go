package action

import (
	"context"
	"time"

	"github.com/rudderpm/rudder/internal/kube"
)

// waitReady waits for a release's objects according to the strategy: nothing for
// WaitHookOnly; Jobs to complete with waitForJobs.
// TODO(rudder): readiness of every object with kstatus, with progress events.
func waitReady(ctx context.Context, c *Cluster, resources []*kube.Resource, strategy WaitStrategy, waitForJobs bool, timeout time.Duration, warn func(string)) error {
	if strategy == WaitHookOnly {
		return nil
	}
	if warn != nil {
		warn("waiting for objects to become ready is not supported yet; only Jobs are awaited with --wait-for-jobs")
	}
	if !waitForJobs {
		return nil
	}
	var jobs []*kube.Resource
	for _, r := range resources {
		if r.GVK.Group == "batch" && r.GVK.Kind == "Job" {
			jobs = append(jobs, r)
		}
	}
	wctx, cancel := timeoutContext(ctx, timeout)
	defer cancel()
	return c.Kube.WaitForCompletion(wctx, jobs)
}
