package action

import (
	"context"
	"time"

	"github.com/rudderpm/rudder/internal/kube"
)

// waitReady waits for a release's objects according to the strategy: nothing for
// WaitHookOnly; readiness by kstatus's rules for WaitWatcher and by Helm 3's for
// WaitLegacy, Jobs complete too with waitForJobs. Progress goes to the cluster's
// WaitEvents; a failure is a *kube.WaitError naming what was not ready and why.
func waitReady(ctx context.Context, c *Cluster, resources []*kube.Resource, strategy WaitStrategy, waitForJobs bool, timeout time.Duration) error {
	if strategy == WaitHookOnly || strategy == "" {
		return nil
	}
	readiness := kube.ReadinessKstatus
	if strategy == WaitLegacy {
		readiness = kube.ReadinessLegacy
	}
	wctx, cancel := timeoutContext(ctx, timeout)
	defer cancel()
	return c.Waits.WaitReady(wctx, resources, kube.WaitOptions{
		Readiness:   readiness,
		WaitForJobs: waitForJobs,
		Events:      c.WaitEvents,
		LiveLogs:    c.WaitLogs,
		Now:         c.Now,
	})
}
