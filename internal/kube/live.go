package kube

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"sync"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/types"
	sigsjson "sigs.k8s.io/json"
)

// LiveOptions control ReadLive and DryRunApply. The zero value uses the Client's
// concurrency and applies without forcing conflicts.
type LiveOptions struct {
	// Concurrency bounds requests in flight; 0 means the Client's.
	Concurrency int
	// ForceConflicts takes fields other managers own (DryRunApply).
	ForceConflicts bool
}

// ReadLive reads the whole live objects of resources, in their order; an object that
// does not exist is nil. Kinds with many objects in a namespace are listed in one
// request, the others read one by one. The error joins an *ObjectError for each
// object that could not be read.
func (c *Client) ReadLive(ctx context.Context, resources []*Resource, opts LiveOptions) ([]*unstructured.Unstructured, error) {
	out := make([]*unstructured.Unstructured, len(resources))
	errs := make([]error, len(resources))
	type group struct {
		gvr       schema.GroupVersionResource
		namespace string
	}
	groups := map[group][]int{}
	for i, r := range resources {
		g := group{r.GVR, r.Namespace()}
		groups[g] = append(groups[g], i)
	}
	var listed []group
	var single []int
	for g, idx := range groups {
		if len(idx) >= listThreshold {
			listed = append(listed, g)
		} else {
			single = append(single, idx...)
		}
	}
	limit := c.limit(opts.Concurrency)
	var mu sync.Mutex
	forEach(ctx, indexes(len(listed)), limit, func(ctx context.Context, k int) {
		g := listed[k]
		live, err := c.listAll(ctx, g.gvr, g.namespace)
		if err != nil { // a list may be forbidden where gets are not
			mu.Lock()
			single = append(single, groups[g]...)
			mu.Unlock()
			return
		}
		for _, i := range groups[g] {
			out[i] = live[resources[i].Name()]
		}
	})
	forEach(ctx, single, limit, func(ctx context.Context, i int) {
		r := resources[i]
		obj, err := c.resourceClient(r).Get(ctx, r.Name(), metav1.GetOptions{})
		switch {
		case apierrors.IsNotFound(err):
		case err != nil:
			errs[i] = objectError(r, "get", err)
		default:
			out[i] = obj
		}
	})
	if err := ctx.Err(); err != nil {
		errs = append(errs, err)
	}
	return out, join(errs)
}

// listAll lists every object of a resource in a namespace ("" for cluster scope),
// by name. The list is read in one pass into its items, where the dynamic client
// would go over each item's JSON three times more: for a Deployment list that is
// most of an upgrade's reading.
func (c *Client) listAll(ctx context.Context, gvr schema.GroupVersionResource, namespace string) (map[string]*unstructured.Unstructured, error) {
	path := collectionPath(gvr, namespace)
	out := map[string]*unstructured.Unstructured{}
	next := ""
	for {
		req := c.raw.Get().AbsPath(path).Param("limit", strconv.Itoa(listPage))
		if next != "" {
			req = req.Param("continue", next)
		}
		data, err := req.Do(ctx).Raw()
		if err != nil {
			return nil, err
		}
		var list struct {
			APIVersion string `json:"apiVersion"`
			Kind       string `json:"kind"`
			Metadata   struct {
				Continue string `json:"continue"`
			} `json:"metadata"`
			Items []map[string]any `json:"items"`
		}
		if err := sigsjson.UnmarshalCaseSensitivePreserveInts(data, &list); err != nil {
			return nil, fmt.Errorf("list of %s: %w", gvr.Resource, err)
		}
		kind := strings.TrimSuffix(list.Kind, "List")
		for _, item := range list.Items {
			obj := &unstructured.Unstructured{Object: item}
			if obj.GetKind() == "" { // lists may leave them to the list
				obj.SetKind(kind)
			}
			if obj.GetAPIVersion() == "" {
				obj.SetAPIVersion(list.APIVersion)
			}
			out[obj.GetName()] = obj
		}
		if list.Metadata.Continue == "" {
			return out, nil
		}
		next = list.Metadata.Continue
	}
}

// listPage is how many objects one list request asks for.
var listPage = 500

// collectionPath is the path of a resource's objects in a namespace ("" for
// cluster scope, or all namespaces).
func collectionPath(gvr schema.GroupVersionResource, namespace string) string {
	p := "/apis/" + gvr.Group + "/" + gvr.Version
	if gvr.Group == "" {
		p = "/api/" + gvr.Version
	}
	if namespace != "" {
		p += "/namespaces/" + namespace
	}
	return p + "/" + gvr.Resource
}

// DryRun is the outcome of a dry-run apply of one object.
type DryRun struct {
	// Object is the object as the server would store it.
	Object *unstructured.Unstructured
	// Conflict, if not "", is the server's conflict message: the object was applied
	// again with force to show the change, which a real apply makes only with
	// ForceConflicts.
	Conflict string
}

// DryRunApply applies each resource server-side without persisting anything, and
// returns the objects as the server would store them (defaults, mutating webhooks
// and fields other managers own included), in the order of resources. An apply that
// conflicts with another field manager is made again with force, and says so. The
// error joins an *ObjectError for each object the server refused (an invalid
// field); its result has no Object.
func (c *Client) DryRunApply(ctx context.Context, resources []*Resource, opts LiveOptions) ([]DryRun, error) {
	out := make([]DryRun, len(resources))
	errs := make([]error, len(resources))
	forEach(ctx, indexes(len(resources)), c.limit(opts.Concurrency), func(ctx context.Context, i int) {
		r := resources[i]
		obj, err := c.dryRunApply(ctx, r, opts.ForceConflicts)
		if apierrors.IsConflict(err) && !opts.ForceConflicts {
			out[i].Conflict = err.Error()
			obj, err = c.dryRunApply(ctx, r, true)
		}
		if err != nil {
			errs[i] = objectError(r, "dry-run apply", err)
			return
		}
		out[i].Object = obj
	})
	if err := ctx.Err(); err != nil {
		errs = append(errs, err)
	}
	return out, join(errs)
}

func (c *Client) dryRunApply(ctx context.Context, r *Resource, force bool) (*unstructured.Unstructured, error) {
	body, err := r.Object.MarshalJSON()
	if err != nil {
		return nil, err
	}
	req := c.raw.Patch(types.ApplyPatchType).
		AbsPath(objectPath(r, r.Name())).
		Param("fieldManager", c.fieldManager).
		Param("dryRun", metav1.DryRunAll).
		Body(body)
	if force {
		req = req.Param("force", "true")
	}
	raw, err := req.Do(ctx).Raw()
	if err != nil {
		return nil, withServerMessage(err, raw)
	}
	obj := &unstructured.Unstructured{}
	if err := json.Unmarshal(raw, &obj.Object); err != nil {
		return nil, err
	}
	return obj, nil
}

// withServerMessage returns the API server's own Status, carried in the body of a
// refused request, in place of err when the client could only say what kind of
// failure it was ("the server reported a conflict"): the server's message names
// the fields and managers involved.
func withServerMessage(err error, body []byte) error {
	var st metav1.Status
	if json.Unmarshal(body, &st) != nil || st.Kind != "Status" || st.Message == "" {
		return err
	}
	return &apierrors.StatusError{ErrStatus: st}
}
