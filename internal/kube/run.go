package kube

import (
	"context"

	"golang.org/x/sync/errgroup"

	"github.com/rudderpm/rudder/internal/manifest"
)

// inGroups calls fn for each resource, one kind after another in order, with at most
// limit calls in flight within a kind. It returns fn's error for each resource, by
// index; when ctx ends it starts nothing more and also returns ctx's error.
func inGroups(ctx context.Context, resources []*Resource, order manifest.KindOrder, limit int, fn func(ctx context.Context, i int, r *Resource) error) ([]error, error) {
	errs := make([]error, len(resources))
	for _, group := range groups(resources, order) {
		if err := ctx.Err(); err != nil {
			return errs, err
		}
		forEach(ctx, group, limit, func(ctx context.Context, i int) {
			errs[i] = fn(ctx, i, resources[i])
		})
	}
	return errs, ctx.Err()
}

// forEach calls fn for each index, at most limit at a time, and returns when all
// calls have; it starts no more calls once ctx ends.
func forEach(ctx context.Context, idx []int, limit int, fn func(ctx context.Context, i int)) {
	var g errgroup.Group
	g.SetLimit(limit)
	for _, i := range idx {
		if ctx.Err() != nil {
			break
		}
		g.Go(func() error {
			fn(ctx, i)
			return nil
		})
	}
	_ = g.Wait()
}

// indexes returns 0..n-1.
func indexes(n int) []int {
	idx := make([]int, n)
	for i := range idx {
		idx[i] = i
	}
	return idx
}
