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

// RelatedPodsKey is the group under which Helm's status records the pods of a
// release's workloads (Live.Pods), next to the "version/Kind" groups of Live.Objects.
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

// Live is the live state of a manifest's objects, as Get reads it.
type Live struct {
	// Objects are the objects read (or their tables), grouped by "version/Kind"
	// ("v1/Deployment"), each group in the order of the resources given.
	Objects map[string][]*unstructured.Unstructured
	// Pods are the pods of the workloads, with GetOptions.RelatedPods: one entry
	// per namespace and pod selector, in the order of the first workload with it.
	// A workload sharing the selector of an earlier one adds nothing; one that
	// could not be read, or whose pods could not be listed, has no entry.
	Pods []RelatedPods
}

// RelatedPods are the pods a workload's selector matches.
type RelatedPods struct {
	// Workload is the first of the resources with this namespace and selector.
	Workload *Resource
	// Selector is the label selector the pods were listed with ("app=web").
	Selector string
	// List holds the pods: a PodList (empty metadata, each item with its
	// apiVersion and kind, no item when no pod matches), or with GetOptions.Table
	// the server's Table of them.
	List *unstructured.Unstructured
}

var tableAccept = strings.Join([]string{
	"application/json;as=Table;v=v1;g=meta.k8s.io",
	"application/json;as=Table;v=v1beta1;g=meta.k8s.io",
	"application/json",
}, ",")

// Get reads the live state of the objects (status --show-resources) and, if
// asked, the pods of their workloads. Objects that cannot be read are left out;
// the error joins an *ObjectError for each (Op "get", or "list related pods"),
// next to what could be read.
func (c *Client) Get(ctx context.Context, resources []*Resource, opts GetOptions) (Live, error) {
	type found struct {
		obj  *unstructured.Unstructured
		pods *unstructured.Unstructured
		err  error
	}
	got := make([]found, len(resources))
	// Pods are listed once per namespace and selector, by the first object with it.
	selectors := make([]string, len(resources))
	if opts.RelatedPods {
		seen := map[string]bool{}
		for i, r := range resources {
			sel := podSelector(r.Object)
			if len(sel) == 0 {
				continue
			}
			s := labels.Set(sel).String()
			if key := r.Namespace() + "\x00" + s; !seen[key] {
				seen[key] = true
				selectors[i] = s
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
		if selectors[i] == "" {
			return
		}
		pods, err := c.listPods(ctx, r.Namespace(), selectors[i], opts.Table)
		if err != nil {
			got[i].err = objectError(r, "list related pods", err)
			return
		}
		got[i].pods = pods
	})
	live := Live{Objects: map[string][]*unstructured.Unstructured{}}
	var errs []error
	for i, r := range resources {
		if got[i].err != nil {
			errs = append(errs, got[i].err)
		}
		if got[i].obj != nil {
			key := r.GVK.Version + "/" + r.GVK.Kind
			live.Objects[key] = append(live.Objects[key], got[i].obj)
		}
		if got[i].pods != nil {
			live.Pods = append(live.Pods, RelatedPods{Workload: r, Selector: selectors[i], List: got[i].pods})
		}
	}
	if err := ctx.Err(); err != nil {
		errs = append(errs, err)
	}
	return live, join(errs)
}

// listPods lists the pods of namespace ns matching selector: the server's Table,
// or a PodList of whole pods.
func (c *Client) listPods(ctx context.Context, ns, selector string, table bool) (*unstructured.Unstructured, error) {
	pods := &Resource{
		Object:     &unstructured.Unstructured{Object: map[string]any{"metadata": map[string]any{"namespace": ns}}},
		GVK:        schema.GroupVersionKind{Version: "v1", Kind: "Pod"},
		GVR:        schema.GroupVersionResource{Version: "v1", Resource: "pods"},
		Namespaced: true,
	}
	list, err := c.read(ctx, pods, "", selector, table)
	if err != nil || table {
		return list, err
	}
	listed, _, _ := unstructured.NestedSlice(list.Object, "items")
	items := []any{}
	for _, item := range listed {
		if m, ok := item.(map[string]any); ok {
			m["apiVersion"], m["kind"] = "v1", "Pod"
			items = append(items, m)
		}
	}
	return &unstructured.Unstructured{Object: map[string]any{
		"apiVersion": "v1",
		"kind":       "PodList",
		"metadata":   map[string]any{},
		"items":      items,
	}}, nil
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
