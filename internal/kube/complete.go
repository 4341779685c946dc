package kube

import (
	"context"
	"errors"
	"fmt"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/fields"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/watch"
	"k8s.io/client-go/tools/cache"
	watchtools "k8s.io/client-go/tools/watch"
)

// ErrNotCompleted is wrapped when a Job or Pod ends in failure.
var ErrNotCompleted = errors.New("did not complete")

// WaitForCompletion waits until every Job has completed and every Pod has succeeded,
// watching rather than polling; other kinds are done as soon as they exist. It fails
// as soon as one of them fails, naming it, or when ctx ends. This is how hooks are
// awaited.
func (c *Client) WaitForCompletion(ctx context.Context, resources []*Resource) error {
	for _, r := range resources {
		var done func(*unstructured.Unstructured) (bool, error)
		switch {
		case r.GVK.Group == "batch" && r.GVK.Kind == "Job":
			done = jobDone
		case r.GVK.Group == "" && r.GVK.Kind == "Pod":
			done = podDone
		default:
			continue
		}
		if err := c.watchUntil(ctx, r, done); err != nil {
			return err
		}
	}
	return nil
}

// watchUntil watches one object until done says so.
func (c *Client) watchUntil(ctx context.Context, r *Resource, done func(*unstructured.Unstructured) (bool, error)) error {
	ri := c.dynamic.Resource(r.GVR).Namespace(r.Namespace())
	selector := fields.OneTermEqualSelector("metadata.name", r.Name()).String()
	lw := &cache.ListWatch{
		ListWithContextFunc: func(ctx context.Context, o metav1.ListOptions) (runtime.Object, error) {
			o.FieldSelector = selector
			return ri.List(ctx, o)
		},
		WatchFuncWithContext: func(ctx context.Context, o metav1.ListOptions) (watch.Interface, error) {
			o.FieldSelector = selector
			return ri.Watch(ctx, o)
		},
	}
	_, err := watchtools.UntilWithSync(ctx, lw, &unstructured.Unstructured{}, nil, func(ev watch.Event) (bool, error) {
		switch ev.Type {
		case watch.Deleted:
			return false, fmt.Errorf("%s: deleted while waiting for it to complete", r)
		case watch.Added, watch.Modified:
			u, ok := ev.Object.(*unstructured.Unstructured)
			if !ok {
				return false, nil
			}
			ok, err := done(u)
			if err != nil {
				return false, fmt.Errorf("%s: %w", r, err)
			}
			return ok, nil
		}
		return false, nil
	})
	if err != nil && ctx.Err() != nil {
		return fmt.Errorf("%s: timed out waiting for the condition: %w", r, ctx.Err())
	}
	return err
}

func jobDone(u *unstructured.Unstructured) (bool, error) {
	conds, _, _ := unstructured.NestedSlice(u.Object, "status", "conditions")
	for _, c := range conds {
		m, _ := c.(map[string]any)
		if m["status"] != "True" {
			continue
		}
		switch m["type"] {
		case "Complete":
			return true, nil
		case "Failed":
			return false, fmt.Errorf("job %w: %v", ErrNotCompleted, m["reason"])
		}
	}
	return false, nil
}

func podDone(u *unstructured.Unstructured) (bool, error) {
	phase, _, _ := unstructured.NestedString(u.Object, "status", "phase")
	switch phase {
	case "Succeeded":
		return true, nil
	case "Failed":
		return false, fmt.Errorf("pod %w: phase Failed", ErrNotCompleted)
	}
	return false, nil
}
