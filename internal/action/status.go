package action

import (
	"context"
	"encoding/json"
	"errors"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/labels"

	"github.com/rudderpm/rudder/internal/kube"
	"github.com/rudderpm/rudder/internal/release"
)

// ResourceReader reads the live objects of a manifest; *kube.Client is one.
type ResourceReader interface {
	Build(ctx context.Context, manifest string, opts kube.BuildOptions) ([]*kube.Resource, error)
	Get(ctx context.Context, resources []*kube.Resource, opts kube.GetOptions) (map[string][]*unstructured.Unstructured, error)
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
	// kube.RelatedPodsKey.
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
	if !s.Tables {
		regroupRelatedPods(objs, live, res.Unread)
	}
	if len(live) > 0 {
		if rel.Info == nil {
			rel.Info = &release.Info{}
		}
		rel.Info.Resources = make(map[string][]json.RawMessage, len(live))
		for kind, list := range live {
			for _, obj := range list {
				raw, err := obj.MarshalJSON()
				if err != nil {
					return nil, err
				}
				rel.Info.Resources[kind] = append(rel.Info.Resources[kind], raw)
			}
		}
	}
	return res, nil
}

// regroupRelatedPods turns the related pods, which kube.Get returns one by one
// for whole objects, into what Helm records: one PodList per distinct workload
// selector, in the order of the workloads, empty when no pod matches. (The
// lists' resourceVersion is not known here and is left out.)
func regroupRelatedPods(objs []*kube.Resource, live map[string][]*unstructured.Unstructured, unread []error) {
	pods := live[kube.RelatedPodsKey]
	unlisted := map[string]bool{}
	for _, err := range unread {
		var oe *kube.ObjectError
		if errors.As(err, &oe) && oe.Op == "list related pods" {
			unlisted[oe.Object] = true
		}
	}
	var lists []*unstructured.Unstructured
	seen := map[string]bool{}
	for _, r := range objs {
		sel := workloadSelector(r.Object)
		if len(sel) == 0 {
			continue
		}
		key := r.Namespace() + "\x00" + labels.Set(sel).String()
		if seen[key] {
			continue
		}
		seen[key] = true
		if !readable(live, r) || unlisted[r.String()] {
			continue // the workload could not be read, or its pods listed
		}
		items := []any{}
		for _, p := range pods {
			if p.GetNamespace() == r.Namespace() && labels.SelectorFromSet(sel).Matches(labels.Set(p.GetLabels())) {
				items = append(items, p.Object)
			}
		}
		lists = append(lists, &unstructured.Unstructured{Object: map[string]any{
			"apiVersion": "v1",
			"kind":       "PodList",
			"metadata":   map[string]any{},
			"items":      items,
		}})
	}
	if len(lists) == 0 {
		delete(live, kube.RelatedPodsKey)
		return
	}
	live[kube.RelatedPodsKey] = lists
}

// workloadSelector is the label selector of the pods a workload runs, if any:
// the kinds Helm looks at for related pods.
func workloadSelector(obj *unstructured.Unstructured) map[string]string {
	var sel map[string]string
	switch obj.GetKind() {
	case "ReplicaSet", "Deployment", "StatefulSet", "DaemonSet", "Job":
		sel, _, _ = unstructured.NestedStringMap(obj.Object, "spec", "selector", "matchLabels")
	case "ReplicationController":
		sel, _, _ = unstructured.NestedStringMap(obj.Object, "spec", "selector")
	}
	return sel
}

// readable tells whether kube.Get returned the live object of r.
func readable(live map[string][]*unstructured.Unstructured, r *kube.Resource) bool {
	for _, o := range live[r.GVK.Version+"/"+r.GVK.Kind] {
		if o.GetName() == r.Name() && o.GetNamespace() == r.Namespace() {
			return true
		}
	}
	return false
}

// unwrapJoined splits an errors.Join into its errors.
func unwrapJoined(err error) []error {
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		return j.Unwrap()
	}
	return []error{err}
}
