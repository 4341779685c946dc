package action

import (
	"context"
	"errors"
	"fmt"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	"github.com/rudderpm/rudder/internal/kube"
	"github.com/rudderpm/rudder/internal/release"
)

// ReapplyOptions control Reapply. The zero value re-applies every field of every
// object.
type ReapplyOptions struct {
	// Ignore names fields (or whole objects) to leave as they are live: the
	// objects are applied with their live values there, so those fields are
	// neither changed nor dropped. Live must be set with it.
	Ignore []IgnoreRule
	// Live reads the objects as they are live.
	Live LiveReader
}

// Reapply applies the objects of release name's deployed revision again, as that
// revision applied them and taking fields back from other managers, without
// recording a new revision and without hooks: what a controller does to correct
// drift. It returns the revision re-applied.
func (c *Cluster) Reapply(ctx context.Context, name string) (*release.Release, error) {
	return c.ReapplyWith(ctx, name, ReapplyOptions{})
}

// ReapplyWith is Reapply with options.
func (c *Cluster) ReapplyWith(ctx context.Context, name string, o ReapplyOptions) (*release.Release, error) {
	ignores, err := compileIgnores(o.Ignore)
	if err != nil {
		return nil, err
	}
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
	objs = ignores.keep(objs)
	target := objs
	if len(ignores) > 0 {
		if target, err = keepLiveFields(ctx, o.Live, objs, ignores); err != nil {
			return nil, fmt.Errorf("release %s revision %d: %w", name, rel.Version, err)
		}
	}
	ssa := rel.ApplyMethod == string(release.ApplyMethodServerSide)
	if _, err := c.Objects.Update(ctx, objs, target, kube.ApplyOptions{Method: applyMethod(ssa), ForceConflicts: ssa}); err != nil {
		return nil, fmt.Errorf("release %s revision %d: %w", name, rel.Version, err)
	}
	return rel, nil
}

// keepLiveFields returns copies of objs that carry the live values of their
// ignored fields.
func keepLiveFields(ctx context.Context, live LiveReader, objs []*kube.Resource, ignores ignoreSet) ([]*kube.Resource, error) {
	if live == nil {
		return nil, errors.New("fields to ignore need the live objects: no live reader")
	}
	current, err := live.ReadLive(ctx, objs, kube.LiveOptions{})
	if err != nil {
		return nil, err
	}
	out := make([]*kube.Resource, len(objs))
	for i, r := range objs {
		out[i] = r
		paths, _ := ignores.pathsFor(r)
		if len(paths) == 0 || current[i] == nil {
			continue
		}
		cp := *r
		cp.Object = &unstructured.Unstructured{Object: keepLive(r.Object.Object, current[i].Object, paths)}
		out[i] = &cp
	}
	return out, nil
}
