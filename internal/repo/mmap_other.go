//go:build !linux

package repo

import (
	"io"
	"os"
)

// mapFile reads the first size bytes of f (systems without mmap).
func mapFile(f *os.File, size int64) (data []byte, drop func(from, to int), unmap func(), err error) {
	data = make([]byte, size)
	if _, err := f.ReadAt(data, 0); err != nil && err != io.EOF {
		return nil, nil, nil, err
	}
	return data, func(int, int) {}, func() {}, nil
}
