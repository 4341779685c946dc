package action

import (
	"context"
	"fmt"

	"github.com/rudderpm/rudder/internal/kube"
	"github.com/rudderpm/rudder/internal/release"
)

// Reapply applies the objects of release name's deployed revision again, as that
// revision applied them and taking fields back from other managers, without
// recording a new revision and without hooks: what a controller does to correct
// drift. It returns the revision re-applied.
func (c *Cluster) Reapply(ctx context.Context, name string) (*release.Release, error) {
	unlock, err := c.lock(ctx, name, "reapply", nil)
	if err != nil {
		return nil, err
	}
	defer unlock()
	rel, err := c.Releases.Deployed(ctx, name)
	if err != nil {
		return nil, fmt.Errorf("release %s: %w", name, err)
	}
	objs, err := c.buildOwned(ctx, rel, rel.Manifest)
	if err != nil {
		return nil, fmt.Errorf("unable to build kubernetes objects from release manifest: %w", err)
	}
	ssa := rel.ApplyMethod == string(release.ApplyMethodServerSide)
	if _, err := c.Objects.Update(ctx, objs, objs, kube.ApplyOptions{Method: applyMethod(ssa), ForceConflicts: ssa}); err != nil {
		return nil, fmt.Errorf("release %s revision %d: %w", name, rel.Version, err)
	}
	return rel, nil
}
