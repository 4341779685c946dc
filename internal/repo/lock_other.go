//go:build !unix

package repo

import "os"

// TryLockFile opens the lock file; where there is no flock(2), nothing is locked.
func TryLockFile(path string) (*os.File, error) {
	return os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o644)
}
