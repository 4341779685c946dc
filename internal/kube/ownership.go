package kube

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"strings"
	"sync"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
)

// Helm's ownership metadata, set on every object of a release.
const (
	ManagedByLabel             = "app.kubernetes.io/managed-by"
	ManagedByHelm              = "Helm"
	ReleaseNameAnnotation      = "meta.helm.sh/release-name"
	ReleaseNamespaceAnnotation = "meta.helm.sh/release-namespace"
)

// The resource policy annotation: objects annotated keep are not deleted when they
// leave a release or the release is uninstalled.
const (
	ResourcePolicyAnnotation = "helm.sh/resource-policy"
	KeepPolicy               = "keep"
)

// Owner is the release objects belong to.
type Owner struct {
	ReleaseName      string
	ReleaseNamespace string
}

// SetOwnership marks each object as owned by the release: the managed-by label and
// the release name and namespace annotations, replacing any values they had.
func SetOwnership(resources []*Resource, owner Owner) {
	for _, r := range resources {
		labels := r.Object.GetLabels()
		if labels == nil {
			labels = map[string]string{}
		}
		labels[ManagedByLabel] = ManagedByHelm
		r.Object.SetLabels(labels)
		ann := maps.Clone(r.Object.GetAnnotations())
		if ann == nil {
			ann = map[string]string{}
		}
		ann[ReleaseNameAnnotation] = owner.ReleaseName
		ann[ReleaseNamespaceAnnotation] = owner.ReleaseNamespace
		r.Object.SetAnnotations(ann)
	}
}

// CheckOwnership tells whether obj carries the release's ownership metadata. The
// error lists every key missing or different, in Helm's words ("invalid ownership
// metadata; label validation error: missing key ...").
func CheckOwnership(obj metav1.Object, owner Owner) error {
	var problems []string
	if err := requireValue(obj.GetLabels(), ManagedByLabel, ManagedByHelm); err != "" {
		problems = append(problems, "label validation error: "+err)
	}
	if err := requireValue(obj.GetAnnotations(), ReleaseNameAnnotation, owner.ReleaseName); err != "" {
		problems = append(problems, "annotation validation error: "+err)
	}
	if err := requireValue(obj.GetAnnotations(), ReleaseNamespaceAnnotation, owner.ReleaseNamespace); err != "" {
		problems = append(problems, "annotation validation error: "+err)
	}
	if len(problems) > 0 {
		return errors.New("invalid ownership metadata; " + strings.Join(problems, "; "))
	}
	return nil
}

func requireValue(m map[string]string, key, want string) string {
	got, ok := m[key]
	switch {
	case !ok:
		return fmt.Sprintf("missing key %q: must be set to %q", key, want)
	case got != want:
		return fmt.Sprintf("key %q must equal %q: current value is %q", key, want, got)
	}
	return ""
}

// OwnershipError says an existing object cannot join the release.
type OwnershipError struct {
	Resource *Resource
	Err      error
}

func (e *OwnershipError) Error() string {
	return e.Resource.describe() + " exists and cannot be imported into the current release: " + e.Err.Error()
}

func (e *OwnershipError) Unwrap() error { return e.Err }

// AdoptOptions control Existing. The zero value checks ownership with DefaultConcurrency.
type AdoptOptions struct {
	// Owner is the release the objects are to belong to.
	Owner Owner
	// TakeOwnership skips the ownership check: every existing object is adopted
	// (--take-ownership).
	TakeOwnership bool
	// Concurrency bounds requests in flight; 0 means the Client's.
	Concurrency int
}

// Existing returns those of resources that already exist, in order: the objects an
// install (or the new objects of an upgrade) will adopt and update instead of
// creating. Objects named by generateName alone are never found.
//
// Unless opts.TakeOwnership, each existing object must already belong to
// opts.Owner; otherwise Existing fails with an *OwnershipError for the first such
// object in order, worded as Helm's ("ConfigMap "x" in namespace "y" exists and
// cannot be imported into the current release: invalid ownership metadata; ...").
// Actions prefix it with "unable to continue with install: ".
func (c *Client) Existing(ctx context.Context, resources []*Resource, opts AdoptOptions) ([]*Resource, error) {
	live := c.inspect(ctx, resources, c.limit(opts.Concurrency))
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	var out []*Resource
	for i, r := range resources {
		l := live[i]
		switch {
		case l.err != nil:
			return nil, l.err
		case l.skip || l.obj == nil:
			continue
		}
		if !opts.TakeOwnership {
			if err := CheckOwnership(l.obj, opts.Owner); err != nil {
				return nil, &OwnershipError{Resource: r, Err: err}
			}
		}
		out = append(out, r)
	}
	return out, nil
}

// Ownership sorts existing objects by whether they belong to a release, before an
// uninstall deletes them.
type Ownership struct {
	// Owned objects carry the release's metadata: safe to delete.
	Owned []*Resource
	// Unowned objects exist but belong elsewhere (or nowhere): to be left alone.
	Unowned []*Resource
	// Unverified objects could not be read (permissions, network); each with why.
	Unverified []Unverified
}

// Unverified is an object whose ownership could not be checked.
type Unverified struct {
	Resource *Resource
	Err      error
}

// CheckOwned reads each object and sorts it by ownership; objects already gone are
// left out. It fails only when ctx ends.
func (c *Client) CheckOwned(ctx context.Context, resources []*Resource, owner Owner) (*Ownership, error) {
	live := c.inspect(ctx, resources, c.concurrency)
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	out := &Ownership{}
	for i, r := range resources {
		l := live[i]
		switch {
		case l.err != nil:
			out.Unverified = append(out.Unverified, Unverified{Resource: r, Err: l.err})
		case l.obj == nil:
		case CheckOwnership(l.obj, owner) == nil:
			out.Owned = append(out.Owned, r)
		default:
			out.Unowned = append(out.Unowned, r)
		}
	}
	return out, nil
}

type liveMeta struct {
	obj  *metav1.PartialObjectMetadata // nil when the object does not exist
	skip bool                          // named by generateName: nothing to look up
	err  error
}

// listThreshold is the number of objects of one kind in one namespace from which
// inspect lists them all in one request instead of getting them one by one.
const listThreshold = 8

// inspect reads the metadata of each object. Kinds with many objects in a namespace
// are listed once (metadata only); the others are read one by one, concurrently. A
// list that is not allowed (RBAC may grant get but not list) falls back to gets.
func (c *Client) inspect(ctx context.Context, resources []*Resource, limit int) []liveMeta {
	out := make([]liveMeta, len(resources))
	type group struct {
		gvr       schema.GroupVersionResource
		namespace string
	}
	groups := map[group][]int{}
	var single []int
	for i, r := range resources {
		switch {
		case r.Name() == "" && r.Object.GetGenerateName() != "":
			out[i].skip = true
			continue
		case r.Name() != "" && r.Object.GetGenerateName() != "":
			out[i].err = errors.New("metadata.name and metadata.generateName cannot both be set")
			continue
		}
		g := group{r.GVR, r.Namespace()}
		groups[g] = append(groups[g], i)
	}
	var listed []group
	for g, idx := range groups {
		if len(idx) >= listThreshold {
			listed = append(listed, g)
		} else {
			single = append(single, idx...)
		}
	}
	var mu sync.Mutex
	forEach(ctx, indexes(len(listed)), limit, func(ctx context.Context, k int) {
		g := listed[k]
		idx := groups[g]
		live, err := c.listMeta(ctx, g.gvr, g.namespace)
		if err != nil {
			mu.Lock()
			single = append(single, idx...)
			mu.Unlock()
			return
		}
		for _, i := range idx {
			out[i].obj = live[resources[i].Name()]
		}
	})
	forEach(ctx, single, limit, func(ctx context.Context, i int) {
		r := resources[i]
		obj, err := c.getMeta(ctx, r)
		switch {
		case apierrors.IsNotFound(err):
		case err != nil:
			out[i].err = fmt.Errorf("could not get information about the resource %s: %w", r.describe(), err)
		default:
			out[i].obj = obj
		}
	})
	return out
}

// listMeta lists the metadata of every object of a resource in a namespace ("" for
// cluster scope), by name.
func (c *Client) listMeta(ctx context.Context, gvr schema.GroupVersionResource, namespace string) (map[string]*metav1.PartialObjectMetadata, error) {
	ri := c.metadata.Resource(gvr)
	out := map[string]*metav1.PartialObjectMetadata{}
	opts := metav1.ListOptions{Limit: 500}
	for {
		var list *metav1.PartialObjectMetadataList
		var err error
		if namespace != "" {
			list, err = ri.Namespace(namespace).List(ctx, opts)
		} else {
			list, err = ri.List(ctx, opts)
		}
		if err != nil {
			return nil, err
		}
		for i := range list.Items {
			out[list.Items[i].Name] = &list.Items[i]
		}
		if list.Continue == "" {
			return out, nil
		}
		opts.Continue = list.Continue
	}
}

func (c *Client) getMeta(ctx context.Context, r *Resource) (*metav1.PartialObjectMetadata, error) {
	nri := c.metadata.Resource(r.GVR)
	if r.Namespaced {
		return nri.Namespace(r.Object.GetNamespace()).Get(ctx, r.Name(), metav1.GetOptions{})
	}
	return nri.Get(ctx, r.Name(), metav1.GetOptions{})
}
