package storage

import (
	"context"
	"errors"
	"fmt"
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
	h, err := s.History(ctx, name)
	if err != nil {
		return err
	}
	if len(h) <= keep {
		return nil
	}
	deployed := 0 // no revision is numbered 0
	if d, err := s.Deployed(ctx, name); err == nil {
		deployed = d.Version
	} else if !errors.Is(err, ErrNoDeployedReleases) {
		return err
	}

	var doomed []int
	for _, rel := range h { // oldest first
		if len(h)-len(doomed) == keep {
			break
		}
		if rel.Version != deployed {
			doomed = append(doomed, rel.Version)
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
