package kube

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/util/retry"

	"github.com/rudderpm/rudder/internal/manifest"
)

// DeleteOptions control Delete. The zero value deletes with background propagation
// in manifest.UninstallOrder with the Client's concurrency.
type DeleteOptions struct {
	// Propagation is what happens to dependents (--cascade): metav1.DeletePropagationBackground
	// (the zero value ""), Foreground or Orphan.
	Propagation metav1.DeletionPropagation
	// DryRun sends the deletes with dryRun=All.
	DryRun bool
	// Order is the order of kinds; nil means manifest.UninstallOrder.
	Order manifest.KindOrder
	// Concurrency bounds requests in flight; 0 means the Client's.
	Concurrency int
}

// Delete deletes the objects, kind by kind in opts.Order, objects of one kind
// concurrently. Objects already gone are no error: they are listed in
// Result.Absent. Every object is tried; the error joins an *ObjectError per failure.
// Delete does not wait for objects to disappear (finalizers, foreground
// propagation): WaitForDelete does.
func (c *Client) Delete(ctx context.Context, resources []*Resource, opts DeleteOptions) (*Result, error) {
	order := opts.Order
	if order == nil {
		order = manifest.UninstallOrder
	}
	propagation := opts.Propagation
	if propagation == "" {
		propagation = metav1.DeletePropagationBackground
	}
	sink := &warningSink{}
	outcomes := make([]outcome, len(resources))
	errs, err := inGroups(ctx, resources, order, c.limit(opts.Concurrency), func(ctx context.Context, i int, r *Resource) error {
		var err error
		outcomes[i], err = c.delete(sink.forObject(ctx, r), r, propagation, opts.DryRun)
		return err
	})
	res := &Result{Warnings: sink.warnings()}
	res.collect(resources, outcomes, order)
	if err != nil {
		errs = append(errs, err)
	}
	return res, join(errs)
}

// delete deletes one object; absent when it was not there.
func (c *Client) delete(ctx context.Context, r *Resource, propagation metav1.DeletionPropagation, dryRun bool) (outcome, error) {
	opts := metav1.DeleteOptions{PropagationPolicy: &propagation}
	if dryRun {
		opts.DryRun = []string{metav1.DryRunAll}
	}
	err := retry.RetryOnConflict(retry.DefaultRetry, func() error {
		return c.resourceClient(r).Delete(ctx, r.Name(), opts)
	})
	switch {
	case apierrors.IsNotFound(err):
		return absent, nil
	case err != nil:
		return none, objectError(r, "delete", err)
	}
	return deleted, nil
}

// DeleteWaitOptions control WaitForDelete. The zero value polls every 100ms at
// first, backing off to every second.
type DeleteWaitOptions struct {
	// Interval is the longest pause between looks; 0 means a second.
	Interval time.Duration
	// Concurrency bounds list requests in flight; 0 means the Client's.
	Concurrency int
}

// WaitForDelete returns once none of the objects exists any more, or fails when ctx
// ends, naming those still there. It lists each kind once per namespace per look,
// reading metadata only, instead of getting objects one by one.
func (c *Client) WaitForDelete(ctx context.Context, resources []*Resource, opts DeleteWaitOptions) error {
	type scope struct {
		gvr       schema.GroupVersionResource
		namespace string
	}
	pending := map[scope]map[string]*Resource{}
	for _, r := range resources {
		if r.Name() == "" {
			continue
		}
		s := scope{r.GVR, r.Namespace()}
		if pending[s] == nil {
			pending[s] = map[string]*Resource{}
		}
		pending[s][r.Name()] = r
	}
	maxPause := opts.Interval
	if maxPause <= 0 {
		maxPause = time.Second
	}
	pause := min(100*time.Millisecond, maxPause)
	for {
		scopes := make([]scope, 0, len(pending))
		for s := range pending {
			scopes = append(scopes, s)
		}
		var mu sync.Mutex
		var lastErr error
		forEach(ctx, indexes(len(scopes)), c.limit(opts.Concurrency), func(ctx context.Context, i int) {
			s := scopes[i]
			nri := c.metadata.Resource(s.gvr)
			var list *metav1.PartialObjectMetadataList
			var err error
			if s.namespace == "" {
				list, err = nri.List(ctx, metav1.ListOptions{})
			} else {
				list, err = nri.Namespace(s.namespace).List(ctx, metav1.ListOptions{})
			}
			if apierrors.IsNotFound(err) {
				// The resource type itself is gone (a deleted CRD): so are its objects.
				err, list = nil, &metav1.PartialObjectMetadataList{}
			}
			mu.Lock()
			defer mu.Unlock()
			if err != nil {
				lastErr = err
				return
			}
			present := map[string]bool{}
			for _, item := range list.Items {
				present[item.Name] = true
			}
			for name := range pending[s] {
				if !present[name] {
					delete(pending[s], name)
				}
			}
			if len(pending[s]) == 0 {
				delete(pending, s)
			}
		})
		if len(pending) == 0 {
			return nil
		}
		select {
		case <-ctx.Done():
			var left []string
			for _, byName := range pending {
				for _, r := range byName {
					left = append(left, r.String())
				}
			}
			slices.Sort(left)
			msg := fmt.Sprintf("waiting for deletion of %s: %v", strings.Join(left, ", "), ctx.Err())
			if lastErr != nil {
				msg += fmt.Sprintf(" (last error: %v)", lastErr)
			}
			return fmt.Errorf("%s: %w", msg, ctx.Err())
		case <-time.After(pause):
		}
		pause = min(2*pause, maxPause)
	}
}
