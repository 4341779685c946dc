package action

import (
	"context"
	"fmt"

	"github.com/rudderpm/rudder/internal/release"
)

// HistoryReader reads every revision of a release; *storage.Storage is one.
type HistoryReader interface {
	History(ctx context.Context, name string) ([]*release.Release, error)
}

// History reads the revisions of a release.
type History struct {
	Releases HistoryReader
	// Max keeps only the newest Max revisions; 0 or less keeps them all.
	Max int
}

// Run returns the revisions of the release name, oldest first. A release
// without revisions is an error matching storage.ErrReleaseNotFound.
func (h History) Run(ctx context.Context, name string) ([]*release.Release, error) {
	if ValidateReleaseName(name) != nil {
		return nil, fmt.Errorf("release name is invalid: %s", name)
	}
	revs, err := h.Releases.History(ctx, name)
	if err != nil {
		return nil, err
	}
	if h.Max > 0 && len(revs) > h.Max {
		revs = revs[len(revs)-h.Max:]
	}
	return revs, nil
}
