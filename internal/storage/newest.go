package storage

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"

	"github.com/rudderpm/rudder/internal/release"
)

// newestReader is a Driver that can return the newest record a selector selects
// while decoding only that one (older ones only when a newer one cannot be read).
// Last and Deployed use it: a chunked record is assembled from its chunks only
// when it is the one asked for.
type newestReader interface {
	// Newest returns the record of the highest version sel selects, or nil if
	// none; records that cannot be decoded are skipped for the next older one and
	// reported by an *UnreadableError returned along with it.
	Newest(ctx context.Context, sel labels.Selector) (*release.Release, error)
}

// Revision is a record as its labels describe it, read without decoding it.
type Revision struct {
	Version int
	Status  release.Status
}

// revisionLister is a Driver that lists records by their labels alone; Prune
// uses it to choose what to delete without decoding any record.
type revisionLister interface {
	// Revisions lists the records sel selects, in no order.
	Revisions(ctx context.Context, sel labels.Selector) ([]Revision, error)
}

// heads lists the records (heads of chunked ones) sel selects, undecoded.
func (d *kubeDriver) heads(ctx context.Context, sel labels.Selector) ([]kubeObject, error) {
	opts := metav1.ListOptions{LabelSelector: ownedBy(sel).String(), Limit: listPageSize}
	var out []kubeObject
	for {
		items, next, err := d.api.list(ctx, d.namespace, opts)
		if err != nil {
			return nil, fmt.Errorf("list %s records in namespace %q: %w", d.api.kind(), d.namespace, err)
		}
		out = append(out, items...)
		if next == "" {
			return out, nil
		}
		opts.Continue = next
	}
}

// Newest implements newestReader: one list, then one record decoded (and its
// chunks read, if it has any).
func (d *kubeDriver) Newest(ctx context.Context, sel labels.Selector) (*release.Release, error) {
	items, err := d.heads(ctx, sel)
	if err != nil {
		return nil, err
	}
	// Newest first; of equal versions (one name in several namespaces) the one
	// listed last, as History's last is.
	idx := make([]int, len(items))
	for i := range idx {
		idx[i] = len(items) - 1 - i
	}
	slices.SortStableFunc(idx, func(a, b int) int {
		return cmp.Compare(labelVersionOf(&items[b]), labelVersionOf(&items[a]))
	})
	var bad []*RecordError
	for _, i := range idx {
		rel, err := d.decode(ctx, &items[i])
		var re *RecordError
		if errors.As(err, &re) {
			bad = append(bad, re)
			continue
		}
		if err != nil {
			return nil, err
		}
		if len(bad) > 0 {
			return rel, &UnreadableError{Records: bad}
		}
		return rel, nil
	}
	if len(bad) > 0 {
		return nil, &UnreadableError{Records: bad}
	}
	return nil, nil
}

// Revisions implements revisionLister.
func (d *kubeDriver) Revisions(ctx context.Context, sel labels.Selector) ([]Revision, error) {
	items, err := d.heads(ctx, sel)
	if err != nil {
		return nil, err
	}
	out := make([]Revision, 0, len(items))
	for i := range items {
		out = append(out, Revision{Version: labelVersionOf(&items[i]), Status: release.Status(items[i].meta.Labels[labelStatus])})
	}
	return out, nil
}

// labelVersionOf is the version label of obj; 0 when it has none or a bad one.
func labelVersionOf(obj *kubeObject) int {
	v, _ := strconv.Atoi(obj.meta.Labels[labelVersion])
	return v
}
