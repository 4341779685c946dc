//go:build unix

package storage

import (
	"errors"
	"syscall"
)

// processRuns tells whether a process of this machine runs.
func processRuns(pid int) bool {
	return !errors.Is(syscall.Kill(pid, 0), syscall.ESRCH)
}
