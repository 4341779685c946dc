//go:build !unix

package server

import "os"

// lockFolder opens the lock file; where there is no flock, folders are not locked.
func lockFolder(path string) (*os.File, error) {
	return os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o644)
}
