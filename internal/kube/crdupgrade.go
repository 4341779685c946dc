package kube

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/types"
)

// ErrCRDUpgradeRefused is wrapped by the *CRDUpgradeError of a refused upgrade.
var ErrCRDUpgradeRefused = errors.New("CRD upgrade refused")

// CRDUpgradeError lists the changes the preflight refused; nothing was written.
type CRDUpgradeError struct {
	Problems []CRDProblem
}

func (e *CRDUpgradeError) Error() string {
	parts := make([]string, len(e.Problems))
	for i, p := range e.Problems {
		parts[i] = p.String()
	}
	return strings.Join(parts, "; ")
}

func (e *CRDUpgradeError) Unwrap() error { return ErrCRDUpgradeRefused }

// CRDUpgradeOptions control UpgradeCRDs. The zero value refuses unsafe changes
// and waits up to a minute for the CRDs to be established.
type CRDUpgradeOptions struct {
	// Force applies changes the preflight refuses; they are returned as warnings.
	Force bool
	// Timeout bounds the wait for CRDs to be established and served; 0 means a
	// minute.
	Timeout time.Duration
}

// CRDUpgradeResult is what UpgradeCRDs did.
type CRDUpgradeResult struct {
	Result
	// Warnings are the refused changes applied anyway (Force).
	Warnings []CRDProblem
}

// UpgradeCRDs creates the objects of a chart's crds/ directory that do not exist
// and updates those that do (server-side apply, Rudder owning the fields it
// sets), then waits until every CustomResourceDefinition is Established and its
// served kinds appear in discovery. Before writing anything it checks every
// existing CRD against its new definition (see CRDProblem): a refused change
// stops the upgrade with a *CRDUpgradeError unless opts.Force.
func (c *Client) UpgradeCRDs(ctx context.Context, crds []*Resource, opts CRDUpgradeOptions) (*CRDUpgradeResult, error) {
	res := &CRDUpgradeResult{}
	var problems []CRDProblem
	for _, r := range crds {
		if !isCRD(r) {
			continue
		}
		live, err := c.resourceClient(r).Get(ctx, r.Name(), metav1.GetOptions{})
		if apierrors.IsNotFound(err) {
			continue
		}
		if err != nil {
			return res, objectError(r, "get", err)
		}
		objects, err := c.crdObjects(ctx, live, r.Object)
		if err != nil {
			return res, objectError(r, "list objects of", err)
		}
		problems = append(problems, crdProblems(live, r.Object, objects)...)
	}
	if len(problems) > 0 && !opts.Force {
		return res, &CRDUpgradeError{Problems: problems}
	}
	res.Warnings = problems

	for _, r := range crds {
		body, err := r.Object.MarshalJSON()
		if err != nil {
			return res, objectError(r, "apply", err)
		}
		force := true
		_, err = c.resourceClient(r).Patch(ctx, r.Name(), types.ApplyPatchType, body, metav1.PatchOptions{FieldManager: c.fieldManager, Force: &force})
		if err != nil {
			return res, objectError(r, "apply", err)
		}
		res.Updated = append(res.Updated, r)
	}
	timeout := opts.Timeout
	if timeout <= 0 {
		timeout = time.Minute
	}
	wctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	c.refreshDiscovery(ctx)
	for _, r := range crds {
		if isCRD(r) {
			if err := c.waitEstablished(wctx, r); err != nil {
				return res, err
			}
		}
	}
	c.refreshDiscovery(ctx)
	return res, nil
}

func isCRD(r *Resource) bool {
	return r.GVK.Group == "apiextensions.k8s.io" && r.GVK.Kind == "CustomResourceDefinition"
}

// crdObjects lists a CRD's objects at each version that the live CRD serves and
// the desired one keeps serving.
func (c *Client) crdObjects(ctx context.Context, live, desired *unstructured.Unstructured) (map[string][]*unstructured.Unstructured, error) {
	group, _, _ := unstructured.NestedString(live.Object, "spec", "group")
	plural, _, _ := unstructured.NestedString(live.Object, "spec", "names", "plural")
	lv, dv := crdVersions(live), crdVersions(desired)
	out := map[string][]*unstructured.Unstructured{}
	var any string
	for v, l := range lv {
		if l.served {
			any = v
		}
	}
	for v, l := range lv {
		if !l.served || (!dv[v].served && v != any) {
			continue
		}
		list, err := c.dynamic.Resource(schema.GroupVersionResource{Group: group, Version: v, Resource: plural}).List(ctx, metav1.ListOptions{})
		if err != nil {
			return nil, fmt.Errorf("version %s: %w", v, err)
		}
		for i := range list.Items {
			out[v] = append(out[v], &list.Items[i])
		}
	}
	return out, nil
}

// DeleteCRDs deletes the CustomResourceDefinitions among crds (and with them
// every object of their kinds) and waits until they are gone.
func (c *Client) DeleteCRDs(ctx context.Context, crds []*Resource) (*Result, error) {
	var only []*Resource
	for _, r := range crds {
		if isCRD(r) {
			only = append(only, r)
		}
	}
	res, err := c.Delete(ctx, only, DeleteOptions{})
	if err != nil {
		return res, err
	}
	return res, c.WaitForDelete(ctx, only, DeleteWaitOptions{})
}
