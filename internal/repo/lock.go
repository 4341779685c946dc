package repo

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// ErrLocked reports a lock file held by someone else.
var ErrLocked = errors.New("locked by another process")

// LockFile takes the lock of TryLockFile, trying again every retry until ctx
// ends.
func LockFile(ctx context.Context, path string, retry time.Duration) (*os.File, error) {
	for {
		f, err := TryLockFile(path)
		if !errors.Is(err, ErrLocked) {
			return f, err
		}
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-time.After(retry):
		}
	}
}

// RepositoriesLockFile is the lock file Helm takes while it changes a
// repositories file: the same path with ".lock" for its extension.
func RepositoriesLockFile(repositoriesFile string) string {
	ext := filepath.Ext(repositoriesFile)
	if ext != "" && len(ext) < len(repositoriesFile) {
		return strings.TrimSuffix(repositoriesFile, ext) + ".lock"
	}
	return repositoriesFile + ".lock"
}
