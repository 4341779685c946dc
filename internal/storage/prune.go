package storage

import (
	"context"
	"errors"
	"fmt"
	"slices"

	"k8s.io/apimachinery/pkg/labels"

	"github.com/rudderpm/rudder/internal/release"
)

// Prune deletes revisions of the release name, oldest first, until keep
// remain, as Helm's --history-max does. The newest deployed revision is
// skipped, never deleted: when it is among the oldest, the next ones go in its
// place, and when keep is 0 it alone remains. A negative keep prunes nothing.
// Every deletion is tried; the first failure is returned, counting the others.
func (s *Storage) Prune(ctx context.Context, name string, keep int) error {
	if keep < 0 {
		return nil
	}
	versions, deployed, err := s.revisions(ctx, name)
	if err != nil {
		return err
	}
	if len(versions) <= keep {
		return nil
	}
	var doomed []int
	for _, v := range versions { // oldest first
		if len(versions)-len(doomed) == keep {
			break
		}
		if v != deployed {
			doomed = append(doomed, v)
		}
	}
	var errs []error
	for _, v := range doomed {
		if _, err := s.driver.Delete(ctx, name, v); err != nil {
			errs = append(errs, err)
		}
	}
	switch len(errs) {
	case 0:
		return nil
	case 1:
		return errs[0]
	}
	return fmt.Errorf("prune %q: %d revisions not deleted; the first: %w", name, len(errs), errs[0])
}

// revisions are the versions of the release name, oldest first, and its newest
// deployed one (0 if none): from the records' labels when the driver lists
// them so, without decoding a record.
func (s *Storage) revisions(ctx context.Context, name string) (versions []int, deployed int, err error) {
	rl, ok := s.driver.(revisionLister)
	if !ok {
		h, err := s.History(ctx, name)
		if err != nil {
			return nil, 0, err
		}
		for _, rel := range h {
			versions = append(versions, rel.Version)
		}
		if d, err := s.Deployed(ctx, name); err == nil {
			deployed = d.Version
		} else if !errors.Is(err, ErrNoDeployedReleases) {
			return nil, 0, err
		}
		return versions, deployed, nil
	}
	if err := checkName(name); err != nil {
		return nil, 0, err
	}
	revs, err := rl.Revisions(ctx, labels.SelectorFromValidatedSet(labels.Set{labelName: name}))
	if err != nil {
		return nil, 0, err
	}
	for _, r := range revs {
		if r.Version <= 0 {
			continue
		}
		versions = append(versions, r.Version)
		if r.Status == release.StatusDeployed {
			deployed = max(deployed, r.Version)
		}
	}
	if len(versions) == 0 {
		return nil, 0, releaseError(s.namespace(), name, 0, ErrReleaseNotFound)
	}
	slices.Sort(versions)
	return versions, deployed, nil
}
