package action

import (
	"cmp"
	"context"
	"regexp"
	"slices"
	"strings"

	"k8s.io/apimachinery/pkg/labels"

	"github.com/rudderpm/rudder/internal/release"
	"github.com/rudderpm/rudder/internal/storage"
)

// ReleaseLister lists release records; *storage.Storage is one.
type ReleaseLister interface {
	ListReleases(ctx context.Context, opts storage.ListOptions) ([]*release.Release, error)
}

// ListStates is a set of release statuses, as bits.
type ListStates uint

// The statuses List can select. ListUnknown stands for "unknown" and any status
// Rudder does not know.
const (
	ListDeployed ListStates = 1 << iota
	ListUninstalled
	ListUninstalling
	ListPendingInstall
	ListPendingUpgrade
	ListPendingRollback
	ListSuperseded
	ListFailed
	ListUnknown
)

// ListAll is every known status. Releases whose latest revision has an unknown
// status are never listed, as in Helm.
const ListAll = ListDeployed | ListUninstalled | ListUninstalling | ListPendingInstall |
	ListPendingUpgrade | ListPendingRollback | ListSuperseded | ListFailed

// ListPending is the three pending statuses.
const ListPending = ListPendingInstall | ListPendingUpgrade | ListPendingRollback

// listState is the bit of a status.
func listState(s release.Status) ListStates {
	switch s {
	case release.StatusDeployed:
		return ListDeployed
	case release.StatusUninstalled:
		return ListUninstalled
	case release.StatusUninstalling:
		return ListUninstalling
	case release.StatusPendingInstall:
		return ListPendingInstall
	case release.StatusPendingUpgrade:
		return ListPendingUpgrade
	case release.StatusPendingRollback:
		return ListPendingRollback
	case release.StatusSuperseded:
		return ListSuperseded
	case release.StatusFailed:
		return ListFailed
	}
	return ListUnknown
}

// ListSort is the order of a listing.
type ListSort int

// The orders. Dates compare to the second, names break ties (then namespaces).
const (
	// SortByName is A to Z (the default).
	SortByName ListSort = iota
	// SortByNameReverse is Z to A.
	SortByNameReverse
	// SortByDate is the least recently deployed first (helm list --date).
	SortByDate
	// SortByDateReverse is the most recently deployed first (--date --reverse).
	SortByDateReverse
)

// ListOptions choose and order the releases List returns. The zero value lists
// every release, in any status, by name.
type ListOptions struct {
	// States selects releases by the status of their latest revision; 0 is
	// ListAll. Exactly ListSuperseded is special: it lists every superseded
	// revision, since a latest revision is never superseded.
	States ListStates
	// Filter is a regular expression (Go syntax) that names must match; "" matches all.
	Filter string
	// Selector is a label selector the record of the latest revision must
	// match: user labels and the system labels (name, owner, status, version,
	// createdAt, modifiedAt); "" matches all.
	Selector string
	// Sort is the order.
	Sort ListSort
	// Offset skips that many releases of the sorted listing.
	Offset int
	// Limit bounds the releases returned after Offset; 0 or less is no bound.
	Limit int
}

// List lists releases: the latest revision of each, in one namespace or all,
// depending on the store it reads.
type List struct {
	Releases ReleaseLister
	Options  ListOptions
}

// Run returns the releases the options choose. It never returns nil without an
// error: no match is an empty slice.
func (l List) Run(ctx context.Context) ([]*release.Release, error) {
	o := l.Options
	var match func(*release.Release) bool
	if o.Filter != "" {
		re, err := regexp.Compile(o.Filter)
		if err != nil {
			return nil, err
		}
		match = func(r *release.Release) bool { return re.MatchString(r.Name) }
	}
	sel, err := labels.Parse(o.Selector)
	if err != nil {
		return nil, err
	}
	all, err := l.Releases.ListReleases(ctx, storage.ListOptions{Filter: match})
	if err != nil {
		return nil, err
	}
	states := o.States
	if states == 0 {
		states = ListAll
	}
	rels := all
	if states != ListSuperseded {
		rels = latest(rels)
	}
	rels = slices.DeleteFunc(rels, func(r *release.Release) bool {
		return r.Info == nil || states&listState(r.Info.Status) == 0
	})
	if !sel.Empty() && len(rels) > 0 {
		// The selector sees the records' labels, system labels included, which
		// only the store has: ask it which records match.
		selected, err := l.Releases.ListReleases(ctx, storage.ListOptions{Selector: sel, Filter: match})
		if err != nil {
			return nil, err
		}
		keep := make(map[string]bool, len(selected))
		for _, r := range selected {
			keep[revisionKey(r)] = true
		}
		rels = slices.DeleteFunc(rels, func(r *release.Release) bool { return !keep[revisionKey(r)] })
	}
	sortReleases(rels, o.Sort)
	if o.Offset >= len(rels) {
		return []*release.Release{}, nil
	}
	rels = rels[max(o.Offset, 0):]
	if o.Limit > 0 && o.Limit < len(rels) {
		rels = rels[:o.Limit]
	}
	return rels, nil
}

// latest keeps the newest revision of each release of each namespace.
func latest(rels []*release.Release) []*release.Release {
	newest := map[string]*release.Release{}
	for _, r := range rels {
		k := r.Namespace + "/" + r.Name
		if cur, ok := newest[k]; !ok || r.Version >= cur.Version {
			newest[k] = r
		}
	}
	out := make([]*release.Release, 0, len(newest))
	for _, r := range newest {
		out = append(out, r)
	}
	return out
}

func revisionKey(r *release.Release) string {
	return r.Namespace + "/" + storage.Key(r.Name, r.Version)
}

// sortReleases orders rels. Helm's sort is not stable; ties are broken here by
// namespace (and revision, for listings of superseded revisions) so that the
// order is always the same.
func sortReleases(rels []*release.Release, by ListSort) {
	byName := func(a, b *release.Release) int {
		return cmp.Or(strings.Compare(a.Name, b.Name), strings.Compare(a.Namespace, b.Namespace), cmp.Compare(a.Version, b.Version))
	}
	byDate := func(a, b *release.Release) int {
		return cmp.Or(cmp.Compare(deployedUnix(a), deployedUnix(b)), byName(a, b))
	}
	switch by {
	case SortByNameReverse:
		slices.SortFunc(rels, byName)
		slices.Reverse(rels)
	case SortByDate:
		slices.SortFunc(rels, byDate)
	case SortByDateReverse:
		slices.SortFunc(rels, byDate)
		slices.Reverse(rels)
	default:
		slices.SortFunc(rels, byName)
	}
}

func deployedUnix(r *release.Release) int64 {
	if r.Info == nil {
		return 0
	}
	return r.Info.LastDeployed.Unix()
}
