package cli

import (
	"context"
	"errors"
	"fmt"
	"os"
	"time"

	"github.com/spf13/cobra"

	"github.com/rudderpm/rudder/internal/action"
)

// planFlags are upgrade's flags for carrying out a plan saved by
// `diff upgrade --save-plan`.
type planFlags struct {
	file   string
	maxAge time.Duration
	plan   *action.Plan
}

func (p *planFlags) add(cmd *cobra.Command) {
	f := cmd.Flags()
	f.StringVar(&p.file, "plan", "", "carry out the plan saved by \"rudder diff upgrade --save-plan\": its chart and values, refused if the release or its objects changed since")
	f.DurationVar(&p.maxAge, "plan-max-age", 2*time.Hour, "refuse a --plan older than this (0: no limit)")
}

// load reads the plan, if one is given, and returns the chart reference to use:
// the plan's, which a CHART argument must not contradict.
func (p *planFlags) load(args []string, o *installFlags) (string, error) {
	if p.file == "" {
		return args[1], nil
	}
	f, err := os.Open(p.file)
	if err != nil {
		return "", fmt.Errorf("plan %s: %w", p.file, err)
	}
	defer f.Close()
	if p.plan, err = action.ReadPlan(f, p.file); err != nil {
		return "", err
	}
	if len(args) == 2 && args[1] != p.plan.Chart.Ref {
		return "", fmt.Errorf("plan %s is for chart %s, not %s", p.file, p.plan.Chart.Ref, args[1])
	}
	v := o.values
	if len(v.ValueFiles)+len(v.Values)+len(v.StringValues)+len(v.FileValues)+len(v.JSONValues)+len(v.LiteralValues) > 0 {
		return "", errors.New("--plan carries its own values: drop -f and the --set flags")
	}
	o.chartPath.Version = p.plan.Chart.Version
	return p.plan.Chart.Ref, nil
}

// check refuses a plan that does not match the chart loaded, the release, the
// cluster, or is stale; it returns the values to upgrade with.
func (a *app) checkPlan(ctx context.Context, p *action.Plan, name string, in *action.Intake, c *action.Cluster, maxAge time.Duration) (map[string]any, error) {
	if action.ChartDigest(in.Chart) != p.Chart.Digest {
		return nil, fmt.Errorf("%w: chart %s changed since the plan was made", action.ErrStalePlan, p.Chart.Ref)
	}
	cfg, err := a.restConfig()
	if err != nil {
		return nil, err
	}
	kc, err := a.kubeClient()
	if err != nil {
		return nil, err
	}
	err = p.Check(ctx, c, kc, action.PlanCheck{
		Release: name, Namespace: a.settings.Namespace(), Cluster: cfg.Host, Now: time.Now(), MaxAge: maxAge,
	})
	if err != nil {
		return nil, err
	}
	return p.Values, nil
}
