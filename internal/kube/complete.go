package kube

import (
	"context"
	"errors"
	"fmt"
	"sync"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/fields"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/watch"
	"k8s.io/client-go/tools/cache"
	watchtools "k8s.io/client-go/tools/watch"

	"github.com/rudderpm/rudder/internal/kubetypes"
)

// ErrNotCompleted is wrapped when a Job or Pod ends in failure.
var ErrNotCompleted = errors.New("did not complete")

// CompletionError says that a Job or Pod ended in failure, and why. It wraps
// ErrNotCompleted.
type CompletionError struct {
	Object Key
	// Reason is why, as the object's status tells it: for a Pod, its failed
	// container ("container test exited 1: Error"); for a Job, its Failed
	// condition and what its worst pod says.
	Reason string
}

func (e *CompletionError) Error() string { return e.Object.String() + " failed: " + e.Reason }
func (e *CompletionError) Unwrap() error { return ErrNotCompleted }

// WaitForCompletion waits until every Job has completed and every Pod has succeeded,
// watching rather than polling; other kinds are done as soon as they exist. It fails
// as soon as one of them fails, with a *CompletionError, or when ctx ends. This is
// how hooks are awaited.
func (c *Client) WaitForCompletion(ctx context.Context, resources []*Resource) error {
	for _, r := range resources {
		var done func(*unstructured.Unstructured) (bool, string)
		switch {
		case r.GVK.Group == "batch" && r.GVK.Kind == "Job":
			done = jobDone
		case r.GVK.Group == "" && r.GVK.Kind == "Pod":
			done = podDone
		default:
			continue
		}
		var failed *unstructured.Unstructured
		err := c.watchUntil(ctx, r, func(u *unstructured.Unstructured) (bool, error) {
			ok, reason := done(u)
			if reason != "" {
				failed = u
				return false, &CompletionError{Object: r.Key(), Reason: reason}
			}
			return ok, nil
		})
		var ce *CompletionError
		if errors.As(err, &ce) && r.GVK.Kind == "Job" {
			if detail := c.jobPodsDetail(ctx, failed); detail != "" {
				ce.Reason += "; " + detail
			}
		}
		if err != nil {
			return err
		}
	}
	return nil
}

// jobPodsDetail says what went wrong with the worst pod of a failed Job; "" when
// its pods cannot be read.
func (c *Client) jobPodsDetail(ctx context.Context, job *unstructured.Unstructured) string {
	sel, _, _ := unstructured.NestedStringMap(job.Object, "spec", "selector", "matchLabels")
	if len(sel) == 0 {
		return ""
	}
	list, err := kubetypes.Pods(c.core, job.GetNamespace()).List(ctx, metav1.ListOptions{
		LabelSelector: labels.SelectorFromSet(sel).String(),
	})
	if err != nil {
		return ""
	}
	pods := make([]*corev1.Pod, len(list.Items))
	for i := range list.Items {
		pods[i] = &list.Items[i]
	}
	return podsDetail(pods)
}

// watchUntil watches one object until done says so.
func (c *Client) watchUntil(ctx context.Context, r *Resource, done func(*unstructured.Unstructured) (bool, error)) error {
	ri := c.dynamic.Resource(r.GVR).Namespace(r.Namespace())
	selector := fields.OneTermEqualSelector("metadata.name", r.Name()).String()
	// The informer retries failed reads until ctx ends; the last failure says
	// why a wait timed out when the API server stopped answering.
	var mu sync.Mutex
	var readErr error
	remember := func(err error) {
		if err != nil && ctx.Err() != nil {
			return // the wait is over: not a reason
		}
		mu.Lock()
		readErr = err
		mu.Unlock()
	}
	lw := &cache.ListWatch{
		ListWithContextFunc: func(ctx context.Context, o metav1.ListOptions) (runtime.Object, error) {
			o.FieldSelector = selector
			// The first list asks for resourceVersion "0", which the API server may
			// answer from a stale cache: a hook deleted and created again under the
			// same name could then show its old pod, whose deletion would look like
			// the new one's. Read the first list from etcd instead.
			if o.ResourceVersion == "0" {
				o.ResourceVersion = ""
			}
			l, err := ri.List(ctx, o)
			remember(err)
			return l, err
		},
		WatchFuncWithContext: func(ctx context.Context, o metav1.ListOptions) (watch.Interface, error) {
			o.FieldSelector = selector
			w, err := ri.Watch(ctx, o)
			remember(err)
			return w, err
		},
	}
	var last *unstructured.Unstructured
	_, err := watchtools.UntilWithSync(ctx, lw, &unstructured.Unstructured{}, nil, func(ev watch.Event) (bool, error) {
		switch ev.Type {
		case watch.Deleted:
			return false, fmt.Errorf("%s: deleted while waiting for it to complete", r)
		case watch.Added, watch.Modified:
			u, ok := ev.Object.(*unstructured.Unstructured)
			if !ok {
				return false, nil
			}
			last = u
			return done(u)
		}
		return false, nil
	})
	if err != nil && ctx.Err() != nil {
		state := "not created yet"
		if last != nil {
			state = incompleteState(last)
		}
		mu.Lock()
		if readErr != nil {
			state += "; last error: " + readErr.Error()
		}
		mu.Unlock()
		if errors.Is(ctx.Err(), context.Canceled) {
			return fmt.Errorf("%s: interrupted while waiting for it to complete (%s): %w", r, state, ctx.Err())
		}
		return fmt.Errorf("%s: timed out waiting for the condition (%s): %w", r, state, ctx.Err())
	}
	return err
}

// incompleteState says where a Job or Pod that has not completed stands.
func incompleteState(u *unstructured.Unstructured) string {
	if u.GetKind() == "Pod" {
		if p := podOf(u); p != nil {
			if why, _ := podProblem(p); why != "" {
				return string(p.Status.Phase) + ": " + why
			}
			return orNone(string(p.Status.Phase))
		}
	}
	active, _, _ := unstructured.NestedInt64(u.Object, "status", "active")
	return fmt.Sprintf("%d active pods", active)
}

// jobDone tells whether a Job completed, or why it failed.
func jobDone(u *unstructured.Unstructured) (bool, string) {
	conds, _, _ := unstructured.NestedSlice(u.Object, "status", "conditions")
	for _, c := range conds {
		m, _ := c.(map[string]any)
		if m["status"] != "True" {
			continue
		}
		switch m["type"] {
		case "Complete":
			return true, ""
		case "Failed":
			reason, _ := m["reason"].(string)
			msg, _ := m["message"].(string)
			return false, orNone(joinNonEmpty(": ", reason, msg))
		}
	}
	return false, ""
}

// podDone tells whether a Pod succeeded, or why it failed.
func podDone(u *unstructured.Unstructured) (bool, string) {
	phase, _, _ := unstructured.NestedString(u.Object, "status", "phase")
	switch phase {
	case "Succeeded":
		return true, ""
	case "Failed":
		p := podOf(u)
		if p == nil {
			return false, "phase Failed"
		}
		why, _ := podProblem(p)
		return false, why
	}
	return false, ""
}
