package kube

import (
	"context"
	"errors"
	"fmt"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
)

// CRDOptions control InstallCRDs. The zero value waits up to a minute, as Helm does.
type CRDOptions struct {
	// Timeout bounds the wait for created CRDs to be established and served; 0
	// means a minute.
	Timeout time.Duration
	// Concurrency bounds requests in flight; 0 means the Client's.
	Concurrency int
}

// InstallCRDs creates the objects of a chart's crds/ directory that do not exist
// yet, concurrently. Existing ones are left as they are: CRDs are never updated nor
// deleted by Rudder. It then waits until every CustomResourceDefinition it created
// is Established and its kinds appear in discovery, so that Build can map custom
// resources of them. Result.Created lists what it created.
//
// (Helm 4 with --server-side applies the crds/ objects instead, updating CRDs that
// exist; Rudder keeps Helm 3's create-if-absent rule, which the docs of both state.)
func (c *Client) InstallCRDs(ctx context.Context, crds []*Resource, opts CRDOptions) (*Result, error) {
	outcomes := make([]outcome, len(crds))
	errs := make([]error, len(crds))
	limit := c.limit(opts.Concurrency)
	forEach(ctx, indexes(len(crds)), limit, func(ctx context.Context, i int) {
		r := crds[i]
		_, err := c.resourceClient(r).Create(ctx, r.Object, metav1.CreateOptions{FieldManager: c.fieldManager})
		switch {
		case apierrors.IsAlreadyExists(err):
		case err != nil:
			errs[i] = objectError(r, "create", err)
		default:
			outcomes[i] = created
		}
	})
	res := &Result{}
	for i, r := range crds {
		if outcomes[i] == created {
			res.Created = append(res.Created, r)
		}
	}
	if err := ctx.Err(); err != nil {
		return res, err
	}
	if err := join(errs); err != nil {
		return res, err
	}

	timeout := opts.Timeout
	if timeout <= 0 {
		timeout = time.Minute
	}
	wctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	var established []*Resource
	for _, r := range res.Created {
		if r.GVK.Group == "apiextensions.k8s.io" && r.GVK.Kind == "CustomResourceDefinition" {
			established = append(established, r)
		}
	}
	errs = make([]error, len(established))
	forEach(wctx, indexes(len(established)), limit, func(ctx context.Context, i int) {
		errs[i] = c.waitEstablished(ctx, established[i])
	})
	if err := join(errs); err != nil {
		return res, err
	}
	if err := wctx.Err(); err != nil {
		return res, err
	}
	if len(established) > 0 {
		c.refreshDiscovery(ctx)
	}
	return res, nil
}

// waitEstablished polls the CRD until it is Established and its kinds map.
func (c *Client) waitEstablished(ctx context.Context, r *Resource) error {
	var served []schema.GroupVersionKind
	done, err := poll(ctx, func() (bool, error) {
		live, err := c.resourceClient(r).Get(ctx, r.Name(), metav1.GetOptions{})
		if err != nil {
			return false, err
		}
		ok, err := crdEstablished(live)
		if ok {
			served = crdKinds(live)
		}
		return ok, err
	})
	if !done {
		return objectError(r, "wait for established", err)
	}
	// Established means served; discovery may lag a moment behind.
	done, err = poll(ctx, func() (bool, error) {
		for _, gvk := range served {
			if _, err := c.mapping(ctx, gvk); err != nil {
				return false, nil
			}
		}
		return true, nil
	})
	if !done {
		return objectError(r, "wait for discovery", err)
	}
	return nil
}

// crdEstablished reads a CRD's conditions: true once Established, an error when its
// names were refused.
func crdEstablished(crd *unstructured.Unstructured) (bool, error) {
	conds, _, _ := unstructured.NestedSlice(crd.Object, "status", "conditions")
	for _, c := range conds {
		m, ok := c.(map[string]any)
		if !ok {
			continue
		}
		typ, _ := m["type"].(string)
		status, _ := m["status"].(string)
		switch {
		case typ == "Established" && status == "True":
			return true, nil
		case typ == "NamesAccepted" && status == "False":
			msg, _ := m["message"].(string)
			return false, fmt.Errorf("names not accepted: %s", msg)
		}
	}
	return false, nil
}

// crdKinds lists the kinds a CRD serves.
func crdKinds(crd *unstructured.Unstructured) []schema.GroupVersionKind {
	group, _, _ := unstructured.NestedString(crd.Object, "spec", "group")
	kind, _, _ := unstructured.NestedString(crd.Object, "spec", "names", "kind")
	versions, _, _ := unstructured.NestedSlice(crd.Object, "spec", "versions")
	var out []schema.GroupVersionKind
	for _, v := range versions {
		m, ok := v.(map[string]any)
		if !ok {
			continue
		}
		name, _ := m["name"].(string)
		if served, _ := m["served"].(bool); served && name != "" {
			out = append(out, schema.GroupVersionKind{Group: group, Version: name, Kind: kind})
		}
	}
	return out
}

// poll calls check until it reports done, fails, or ctx ends, pausing 50ms at first
// and backing off to half a second. It returns whether check finished, and the
// last error (ctx's when it ended first).
func poll(ctx context.Context, check func() (bool, error)) (bool, error) {
	pause := 50 * time.Millisecond
	for {
		done, err := check()
		if done {
			return true, nil
		}
		if err != nil && !isTransient(err) {
			return false, err
		}
		select {
		case <-ctx.Done():
			if err != nil {
				return false, fmt.Errorf("%w (last error: %v)", ctx.Err(), err)
			}
			return false, ctx.Err()
		case <-time.After(pause):
		}
		pause = min(2*pause, 500*time.Millisecond)
	}
}

// isTransient tells whether an error may go away by itself.
func isTransient(err error) bool {
	return apierrors.IsNotFound(err) || apierrors.IsServerTimeout(err) || apierrors.IsTooManyRequests(err) ||
		apierrors.IsServiceUnavailable(err) || apierrors.IsInternalError(err) || errors.Is(err, context.DeadlineExceeded)
}
