package repo

import (
	"os"
	"syscall"
)

// mapFile maps the first size bytes of f into memory, read-only, so that a big
// index is read from the page cache instead of being copied into the heap.
// drop(from, to) gives back the pages of data[from:to] (they are read again
// from the page cache if touched again), so that a pass over the file keeps
// only a window of it resident; unmap releases all (nothing pointing into data
// may be used after).
func mapFile(f *os.File, size int64) (data []byte, drop func(from, to int), unmap func(), err error) {
	if size == 0 {
		return nil, func(int, int) {}, func() {}, nil
	}
	data, err = syscall.Mmap(int(f.Fd()), 0, int(size), syscall.PROT_READ, syscall.MAP_SHARED)
	if err != nil {
		return nil, nil, nil, err
	}
	page := os.Getpagesize()
	drop = func(from, to int) {
		from = (from + page - 1) / page * page // whole pages only
		to = to / page * page
		if to > from {
			_ = syscall.Madvise(data[from:to], syscall.MADV_DONTNEED)
		}
	}
	return data, drop, func() { _ = syscall.Munmap(data) }, nil
}
