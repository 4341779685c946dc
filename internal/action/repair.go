package action

import (
	"context"
	"fmt"

	"github.com/rudderpm/rudder/internal/kube"
	"github.com/rudderpm/rudder/internal/release"
)

// RepairOptions control a Repair. The zero value re-applies every object of the
// deployed revision, taking back the fields the release owns from whoever
// changed them.
type RepairOptions struct {
	// DryRun asks the server to check the applies without persisting them.
	DryRun bool
}

// Repair puts a release's drifted objects back: the objects of its deployed
// revision are applied again server-side with conflicts forced, so objects that
// were deleted are created and fields changed by hand get the release's values
// again. Fields other managers own and the release does not (an HPA's replicas)
// are left alone. No revision is recorded: the release's record already
// describes these objects, and only the cluster is brought back to it.
type Repair struct {
	Cluster *Cluster
	RepairOptions
	Warn func(string)
}

// RepairResult is what a Repair did.
type RepairResult struct {
	Release *release.Release
	// Created are the objects that were missing, Updated those applied again.
	Created, Updated []string
	// Warnings are the API server's warnings about the applies.
	Warnings []kube.Warning
}

// Run repairs the release name under its lock.
func (r *Repair) Run(ctx context.Context, name string) (*RepairResult, error) {
	c := r.Cluster
	if err := ValidateReleaseName(name); err != nil {
		return nil, fmt.Errorf("release name is invalid: %s", name)
	}
	if !r.DryRun {
		unlock, err := c.lock(ctx, name, "repair", r.Warn)
		if err != nil {
			return nil, err
		}
		defer unlock()
	}
	rel, err := c.Releases.Deployed(ctx, name)
	if err != nil {
		return nil, fmt.Errorf("release %s: %w", name, err)
	}
	objs, err := c.buildOwned(ctx, rel, rel.Manifest)
	if err != nil {
		return nil, fmt.Errorf("release %s: unable to build kubernetes objects from its manifest: %w", name, err)
	}
	res, err := c.Objects.Update(ctx, objs, objs, kube.ApplyOptions{
		Method: kube.ServerSide, ForceConflicts: true, DryRun: r.DryRun,
		UpgradeManagedFields: release.ApplyMethod(rel.ApplyMethod) == release.ApplyMethodClientSide,
	})
	out := &RepairResult{Release: rel}
	if res != nil {
		for _, o := range res.Created {
			out.Created = append(out.Created, o.Key().String())
		}
		for _, o := range res.Updated {
			out.Updated = append(out.Updated, o.Key().String())
		}
		out.Warnings = res.Warnings
	}
	if err != nil {
		return out, fmt.Errorf("release %s: repair: %w", name, err)
	}
	return out, nil
}
