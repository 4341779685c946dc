package action

import (
	"context"
	"errors"

	"github.com/rudderpm/rudder/internal/repo"
)

// LocateInIndex resolves req.Ref (a chart name) and req.Version (a version or
// constraint) in idx, the index of the repository at req.RepoURL that the caller
// fetched already, and downloads the chart into the content cache, refusing an
// archive whose digest is not the one the index gives. A controller keeps the
// indexes of its repositories in memory and calls this for every release.
func (s *ChartSource) LocateInIndex(ctx context.Context, idx *repo.IndexFile, req ChartRequest) (*LocatedChart, error) {
	if req.RepoURL == "" {
		return nil, errors.New("chart " + req.Ref + ": no repository URL to resolve it in")
	}
	version := req.Version
	if version == "" && req.Devel {
		version = ">0.0.0-0"
	}
	cr, err := repo.ResolveIndex(idx, req.RepoURL, req.Ref, version)
	if err != nil {
		return nil, notFoundAtURL(req.Ref, version, req.RepoURL, err)
	}
	return s.download(ctx, cr.URL, cr.Digest, req.clientOptions(req.RepoURL), req)
}
