package kube

import (
	"context"
	"maps"
	"strings"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/runtime/schema"
)

// RelatedPodsKey is the Get group under which related pods are listed.
const RelatedPodsKey = "v1/Pod(related)"

// GetOptions control Get. The zero value fetches objects, without related pods.
type GetOptions struct {
	// Table asks the server for its table rendering of each object (kind Table, the
	// columns kubectl get prints, the object included) instead of the object.
	Table bool
	// RelatedPods also lists the pods selected by Deployments, ReplicaSets,
	// StatefulSets, DaemonSets, Jobs and ReplicationControllers.
	RelatedPods bool
	// Concurrency bounds requests in flight; 0 means the Client's.
	Concurrency int
}

var tableAccept = strings.Join([]string{
	"application/json;as=Table;v=v1;g=meta.k8s.io",
	"application/json;as=Table;v=v1beta1;g=meta.k8s.io",
	"application/json",
}, ",")

// Get reads the live state of the objects (status --show-resources), grouped as
// Helm shows them: by "version/Kind" ("v1/Deployment"), objects in the given order,
// related pods under RelatedPodsKey. Objects that cannot be read are left out; the
// error joins an *ObjectError for each, next to what could be read.
func (c *Client) Get(ctx context.Context, resources []*Resource, opts GetOptions) (map[string][]*unstructured.Unstructured, error) {
	type found struct {
		obj  *unstructured.Unstructured
		pods []*unstructured.Unstructured
		err  error
	}
	got := make([]found, len(resources))
	// Pods are listed once per namespace and selector, by the first object with it.
	firstWithSelector := map[string]int{}
	selectors := make([]map[string]string, len(resources))
	if opts.RelatedPods {
		for i, r := range resources {
			sel := podSelector(r.Object)
			if len(sel) == 0 {
				continue
			}
			key := r.Namespace() + "\x00" + labels.Set(sel).String()
			if _, dup := firstWithSelector[key]; !dup {
				firstWithSelector[key] = i
				selectors[i] = sel
			}
		}
	}
	forEach(ctx, indexes(len(resources)), c.limit(opts.Concurrency), func(ctx context.Context, i int) {
		r := resources[i]
		obj, err := c.read(ctx, r, r.Name(), "", opts.Table)
		if err != nil {
			got[i].err = objectError(r, "get", err)
			return
		}
		got[i].obj = obj
		if selectors[i] == nil {
			return
		}
		pods := &Resource{
			Object:     &unstructured.Unstructured{Object: map[string]any{"metadata": map[string]any{"namespace": r.Namespace()}}},
			GVK:        schema.GroupVersionKind{Version: "v1", Kind: "Pod"},
			GVR:        schema.GroupVersionResource{Version: "v1", Resource: "pods"},
			Namespaced: true,
		}
		list, err := c.read(ctx, pods, "", labels.Set(selectors[i]).String(), opts.Table)
		if err != nil {
			got[i].err = objectError(r, "list related pods", err)
			return
		}
		if opts.Table {
			got[i].pods = []*unstructured.Unstructured{list}
			return
		}
		items, _, _ := unstructured.NestedSlice(list.Object, "items")
		for _, item := range items {
			if m, ok := item.(map[string]any); ok {
				p := &unstructured.Unstructured{Object: m}
				p.SetAPIVersion("v1")
				p.SetKind("Pod")
				got[i].pods = append(got[i].pods, p)
			}
		}
	})
	out := map[string][]*unstructured.Unstructured{}
	var errs []error
	for i, r := range resources {
		if got[i].err != nil {
			errs = append(errs, got[i].err)
		}
		if got[i].obj != nil {
			key := r.GVK.Version + "/" + r.GVK.Kind
			out[key] = append(out[key], got[i].obj)
		}
		if len(got[i].pods) > 0 {
			out[RelatedPodsKey] = append(out[RelatedPodsKey], got[i].pods...)
		}
	}
	if err := ctx.Err(); err != nil {
		errs = append(errs, err)
	}
	return out, join(errs)
}

// read gets one object (name set) or lists the collection, as a table if asked.
func (c *Client) read(ctx context.Context, r *Resource, name, selector string, table bool) (*unstructured.Unstructured, error) {
	req := c.raw.Get().AbsPath(objectPath(r, name))
	if selector != "" {
		req = req.Param("labelSelector", selector)
	}
	if table {
		req = req.SetHeader("Accept", tableAccept).Param("includeObject", string(metav1.IncludeObject))
	}
	data, err := req.Do(ctx).Raw()
	if err != nil {
		return nil, err
	}
	obj := &unstructured.Unstructured{}
	if err := obj.UnmarshalJSON(data); err != nil {
		return nil, err
	}
	return obj, nil
}

// podSelector is the label selector of the pods a workload runs, if any.
func podSelector(obj *unstructured.Unstructured) map[string]string {
	var sel map[string]string
	switch obj.GetKind() {
	case "ReplicaSet", "Deployment", "StatefulSet", "DaemonSet", "Job":
		sel, _, _ = unstructured.NestedStringMap(obj.Object, "spec", "selector", "matchLabels")
	case "ReplicationController":
		sel, _, _ = unstructured.NestedStringMap(obj.Object, "spec", "selector")
	}
	return maps.Clone(sel)
}
