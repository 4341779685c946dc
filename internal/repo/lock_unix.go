//go:build unix

package repo

import (
	"errors"
	"fmt"
	"os"
	"syscall"
)

// TryLockFile takes an exclusive flock(2) lock on path, created if needed, or
// fails at once with ErrLocked when another process (or another open file) holds
// it. Closing the returned file releases the lock; so does the process's end,
// even by SIGKILL.
func TryLockFile(path string) (*os.File, error) {
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o644)
	if err != nil {
		return nil, err
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		f.Close()
		if errors.Is(err, syscall.EWOULDBLOCK) {
			return nil, ErrLocked
		}
		return nil, fmt.Errorf("lock %s: %w", path, err)
	}
	return f, nil
}
