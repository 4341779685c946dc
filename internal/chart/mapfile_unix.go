//go:build unix

package chart

import (
	"os"
	"syscall"
)

// mapFile maps a file read-only into memory. The mapping is never removed: it is only
// used by short-lived commands (see LoadMapped), and ends with the process.
func mapFile(name string) ([]byte, error) {
	f, err := os.Open(name)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return nil, err
	}
	if fi.Size() == 0 {
		return []byte{}, nil
	}
	return syscall.Mmap(int(f.Fd()), 0, int(fi.Size()), syscall.PROT_READ, syscall.MAP_PRIVATE)
}
