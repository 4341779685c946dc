package kube

import (
	"fmt"
	"slices"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"

	"github.com/rudderpm/rudder/internal/manifest"
)

// Resource is one object of a manifest, mapped to the API resource that serves it.
type Resource struct {
	// Object is the desired state, sent to the server as is. Build sets the release
	// namespace on namespaced objects that name none; SetOwnership adds Helm's
	// ownership metadata.
	Object *unstructured.Unstructured
	// GVK is the object's group, version and kind.
	GVK schema.GroupVersionKind
	// GVR is the API resource for GVK.
	GVR schema.GroupVersionResource
	// Namespaced tells whether the kind lives in namespaces.
	Namespaced bool
}

// Name is the object's metadata.name.
func (r *Resource) Name() string { return r.Object.GetName() }

// Namespace is the object's namespace; "" for cluster-scoped objects.
func (r *Resource) Namespace() string {
	if !r.Namespaced {
		return ""
	}
	return r.Object.GetNamespace()
}

// Kind is the object's kind.
func (r *Resource) Kind() string { return r.GVK.Kind }

// Key identifies the object across API versions.
func (r *Resource) Key() Key {
	return Key{Group: r.GVK.Group, Kind: r.GVK.Kind, Namespace: r.Namespace(), Name: r.Name()}
}

// String names the object as Kind/namespace/name, or Kind/name when cluster-scoped.
func (r *Resource) String() string { return r.Key().String() }

// describe names the object as Helm's messages do: Kind "name" in namespace "ns".
func (r *Resource) describe() string {
	return fmt.Sprintf("%s %q in namespace %q", r.GVK.Kind, r.Name(), r.Namespace())
}

// Key identifies an object the way Helm matches objects between revisions: by group,
// kind, namespace and name, whatever the API version.
type Key struct {
	Group, Kind, Namespace, Name string
}

// String is Kind/namespace/name, or Kind/name for a cluster-scoped object.
func (k Key) String() string {
	if k.Namespace == "" {
		return k.Kind + "/" + k.Name
	}
	return k.Kind + "/" + k.Namespace + "/" + k.Name
}

// groups splits resources into runs of one kind each, the runs in order, the
// resources of a run in their given order. It returns indexes into resources.
func groups(resources []*Resource, order manifest.KindOrder) [][]int {
	idx := make([]int, len(resources))
	for i := range idx {
		idx[i] = i
	}
	slices.SortStableFunc(idx, func(a, b int) int {
		return order.Compare(resources[a].Kind(), resources[b].Kind())
	})
	var out [][]int
	for i, j := range idx {
		if i == 0 || resources[idx[i-1]].Kind() != resources[j].Kind() {
			out = append(out, nil)
		}
		out[len(out)-1] = append(out[len(out)-1], j)
	}
	return out
}
