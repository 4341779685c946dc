package action

import (
	"context"
	"encoding/json"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	"github.com/rudderpm/rudder/internal/kube"
	"github.com/rudderpm/rudder/internal/release"
)

// ResourceReader reads the live objects of a manifest; *kube.Client is one.
type ResourceReader interface {
	Build(ctx context.Context, manifest string, opts kube.BuildOptions) ([]*kube.Resource, error)
	Get(ctx context.Context, resources []*kube.Resource, opts kube.GetOptions) (kube.Live, error)
}

// Status reads a revision of a release with the live state of its objects.
type Status struct {
	Releases ReleaseReader
	// Resources reads the live objects; nil leaves them out.
	Resources ResourceReader
	// Revision is the revision to read; 0 (or less) reads the newest.
	Revision int
	// Tables asks the API server for its table rendering of each object (what
	// kubectl get prints) instead of the object itself.
	Tables bool
}

// StatusResult is a revision with the live state of its objects.
type StatusResult struct {
	// Release is the revision; its Info.Resources holds the live objects (or
	// tables) by "version/Kind", the pods of its workloads under
	// kube.RelatedPodsKey, one list per pod selector.
	Release *release.Release
	// Unread are the objects that could not be read (*kube.ObjectError), left
	// out of Info.Resources; Helm says nothing of them.
	Unread []error
}

// Run reads the revision of the release name and, with Resources, its objects.
func (s Status) Run(ctx context.Context, name string) (*StatusResult, error) {
	rel, err := Get{Releases: s.Releases, Revision: s.Revision}.Run(ctx, name)
	if err != nil {
		return nil, err
	}
	res := &StatusResult{Release: rel}
	if s.Resources == nil {
		return res, nil
	}
	objs, err := s.Resources.Build(ctx, rel.Manifest, kube.BuildOptions{Namespace: rel.Namespace})
	if err != nil {
		return nil, err
	}
	live, err := s.Resources.Get(ctx, objs, kube.GetOptions{Table: s.Tables, RelatedPods: true})
	if err != nil {
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		res.Unread = unwrapJoined(err)
	}
	if len(live.Objects) > 0 || len(live.Pods) > 0 {
		if rel.Info == nil {
			rel.Info = &release.Info{}
		}
		if rel.Info.Resources, err = recordedResources(live); err != nil {
			return nil, err
		}
	}
	return res, nil
}

// recordedResources lays live out as Helm's status records it: the objects by
// "version/Kind", the pod lists under kube.RelatedPodsKey.
func recordedResources(live kube.Live) (map[string][]json.RawMessage, error) {
	out := make(map[string][]json.RawMessage, len(live.Objects)+1)
	add := func(key string, obj *unstructured.Unstructured) error {
		raw, err := obj.MarshalJSON()
		if err != nil {
			return err
		}
		out[key] = append(out[key], raw)
		return nil
	}
	for key, objs := range live.Objects {
		for _, obj := range objs {
			if err := add(key, obj); err != nil {
				return nil, err
			}
		}
	}
	for _, p := range live.Pods {
		if err := add(kube.RelatedPodsKey, p.List); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// unwrapJoined splits an errors.Join into its errors.
func unwrapJoined(err error) []error {
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		return j.Unwrap()
	}
	return []error{err}
}
