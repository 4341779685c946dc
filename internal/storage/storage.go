package storage

import (
	"cmp"
	"context"
	"errors"
	"slices"

	"k8s.io/apimachinery/pkg/labels"

	"github.com/rudderpm/rudder/internal/release"
)

// Storage is the release history on top of a Driver, with Helm's semantics.
type Storage struct {
	driver Driver
	opts   Options
}

// Options configure a Storage. The zero value is ready to use.
type Options struct {
	// OnUnreadable is told of each record left out of a listing because it
	// cannot be decoded (Helm skips those silently); nil ignores them.
	OnUnreadable func(*RecordError)
}

// New makes a Storage over d.
func New(d Driver, opts Options) *Storage { return &Storage{driver: d, opts: opts} }

// Driver is the driver underneath.
func (s *Storage) Driver() Driver { return s.driver }

// Get returns one revision of the release name, or ErrReleaseNotFound.
func (s *Storage) Get(ctx context.Context, name string, version int) (*release.Release, error) {
	return s.driver.Get(ctx, name, version)
}

// CreateOptions adjust Create. The zero value keeps all history.
type CreateOptions struct {
	// MaxHistory, when positive, bounds the revisions kept, counting the new
	// one: older revisions are pruned first (see Prune).
	MaxHistory int
}

// Create stores a new revision, or fails with ErrReleaseExists. With
// MaxHistory it first prunes the release's history to make room.
func (s *Storage) Create(ctx context.Context, rel *release.Release, opts CreateOptions) error {
	if err := checkRelease(rel); err != nil {
		return err
	}
	if opts.MaxHistory > 0 {
		if err := s.Prune(ctx, rel.Name, opts.MaxHistory-1); err != nil && !errors.Is(err, ErrReleaseNotFound) {
			return err
		}
	}
	return s.driver.Create(ctx, rel)
}

// Update replaces an existing revision, or fails with ErrReleaseNotFound.
func (s *Storage) Update(ctx context.Context, rel *release.Release) error {
	return s.driver.Update(ctx, rel)
}

// Delete removes one revision and returns it, or fails with ErrReleaseNotFound.
func (s *Storage) Delete(ctx context.Context, name string, version int) (*release.Release, error) {
	return s.driver.Delete(ctx, name, version)
}

// ListOptions choose the releases List returns. The zero value lists all.
type ListOptions struct {
	// Selector matches the records' labels: the user's and the system
	// labels (name, owner, status, version, createdAt, modifiedAt), as
	// helm list --selector does. Nil matches all.
	Selector labels.Selector
	// Filter keeps the releases it returns true for; nil keeps all.
	Filter func(*release.Release) bool
}

// ListReleases returns every revision of every release the options choose,
// ordered by namespace, name and revision.
func (s *Storage) ListReleases(ctx context.Context, opts ListOptions) ([]*release.Release, error) {
	rels, err := s.list(ctx, opts.Selector)
	if err != nil {
		return nil, err
	}
	if opts.Filter != nil {
		rels = slices.DeleteFunc(rels, func(r *release.Release) bool { return !opts.Filter(r) })
	}
	slices.SortStableFunc(rels, func(a, b *release.Release) int {
		return cmp.Or(cmp.Compare(a.Namespace, b.Namespace), cmp.Compare(a.Name, b.Name), cmp.Compare(a.Version, b.Version))
	})
	return rels, nil
}

// ListDeployed returns the revisions in the deployed state.
func (s *Storage) ListDeployed(ctx context.Context) ([]*release.Release, error) {
	return s.listStatus(ctx, release.StatusDeployed)
}

// ListUninstalled returns the revisions in the uninstalled state.
func (s *Storage) ListUninstalled(ctx context.Context) ([]*release.Release, error) {
	return s.listStatus(ctx, release.StatusUninstalled)
}

func (s *Storage) listStatus(ctx context.Context, status release.Status) ([]*release.Release, error) {
	return s.ListReleases(ctx, ListOptions{
		Selector: labels.SelectorFromValidatedSet(labels.Set{labelStatus: string(status)}),
		// The record's JSON is the truth; its status label only finds it.
		Filter: func(r *release.Release) bool { return r.Info != nil && r.Info.Status == status },
	})
}

// History returns the revisions of the release name, oldest first, or
// ErrReleaseNotFound when there are none. Over a driver for all namespaces it
// gathers same-named releases of every namespace, as Helm does.
func (s *Storage) History(ctx context.Context, name string) ([]*release.Release, error) {
	return s.history(ctx, name, labels.Set{labelName: name}, ErrReleaseNotFound)
}

// Last returns the newest revision of the release name, whatever its state,
// or ErrReleaseNotFound.
func (s *Storage) Last(ctx context.Context, name string) (*release.Release, error) {
	return s.newest(ctx, name, labels.Set{labelName: name}, ErrReleaseNotFound)
}

// DeployedAll returns the revisions of the release name in the deployed
// state, oldest first, or ErrNoDeployedReleases. There is normally one;
// interrupted or concurrent operations can leave more.
func (s *Storage) DeployedAll(ctx context.Context, name string) ([]*release.Release, error) {
	return s.history(ctx, name, deployedLabels(name), ErrNoDeployedReleases)
}

// Deployed returns the newest deployed revision of the release name, or
// ErrNoDeployedReleases.
func (s *Storage) Deployed(ctx context.Context, name string) (*release.Release, error) {
	return s.newest(ctx, name, deployedLabels(name), ErrNoDeployedReleases)
}

func deployedLabels(name string) labels.Set {
	return labels.Set{labelName: name, labelStatus: string(release.StatusDeployed)}
}

// history returns the revisions of the release name that have the labels
// set, oldest first, or notFound when there are none.
func (s *Storage) history(ctx context.Context, name string, set labels.Set, notFound error) ([]*release.Release, error) {
	if err := checkName(name); err != nil {
		return nil, err
	}
	rels, err := s.list(ctx, labels.SelectorFromValidatedSet(set))
	if err != nil {
		return nil, err
	}
	if len(rels) == 0 {
		return nil, releaseError(s.namespace(), name, 0, notFound)
	}
	sortByVersion(rels)
	return rels, nil
}

// newest returns the newest revision of the release name that has the labels
// set, or notFound: from the driver when it can tell (reporting the records it
// could not read), else from all of them.
func (s *Storage) newest(ctx context.Context, name string, set labels.Set, notFound error) (*release.Release, error) {
	nr, ok := s.driver.(newestReader)
	if !ok {
		rels, err := s.history(ctx, name, set, notFound)
		if err != nil {
			return nil, err
		}
		return rels[len(rels)-1], nil
	}
	if err := checkName(name); err != nil {
		return nil, err
	}
	rel, err := nr.Newest(ctx, labels.SelectorFromValidatedSet(set))
	if err = s.reported(err); err == nil && rel == nil {
		err = releaseError(s.namespace(), name, 0, notFound)
	}
	return rel, err
}

// reported tells OnUnreadable of the records in an *UnreadableError and drops
// it; other errors are returned.
func (s *Storage) reported(err error) error {
	var unreadable *UnreadableError
	if errors.As(err, &unreadable) {
		if s.opts.OnUnreadable != nil {
			for _, r := range unreadable.Records {
				s.opts.OnUnreadable(r)
			}
		}
		return nil
	}
	return err
}

// list asks the driver, reporting the records it could not read.
func (s *Storage) list(ctx context.Context, sel labels.Selector) ([]*release.Release, error) {
	rels, err := s.driver.List(ctx, sel)
	return rels, s.reported(err)
}

// namespace is the driver's namespace, for errors, when it tells it.
func (s *Storage) namespace() string {
	if d, ok := s.driver.(interface{ Namespace() string }); ok {
		return d.Namespace()
	}
	return ""
}

func sortByVersion(rels []*release.Release) {
	slices.SortStableFunc(rels, func(a, b *release.Release) int { return cmp.Compare(a.Version, b.Version) })
}
