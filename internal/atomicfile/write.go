package atomicfile

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// TempPrefix starts the names of the temporary files: a folder's other files
// should not be named so.
const TempPrefix = ".tmp-"

// File is a temporary file that becomes a file of its folder whole, when
// committed, or goes away, when discarded. It is an *os.File to write (and
// read) until then.
type File struct {
	*os.File
	dir       string
	committed bool
}

// Create creates a temporary file in the folder dir, which must exist. Write
// it, then Commit it under its name; Discard it if that does not happen
// (defer f.Discard() does it, doing nothing after a Commit).
func Create(dir string) (*File, error) {
	f, err := os.CreateTemp(dir, TempPrefix+"*")
	if err != nil {
		return nil, err
	}
	return &File{File: f, dir: dir}, nil
}

// Commit gives the file mode, syncs and closes it, and renames it to name in
// its folder, replacing what was there: a reader sees the old content or the
// new, never a part.
func (f *File) Commit(name string, mode fs.FileMode) error {
	if err := f.Chmod(mode); err != nil {
		return err
	}
	if err := f.Sync(); err != nil {
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	if err := os.Rename(f.Name(), filepath.Join(f.dir, name)); err != nil {
		return err
	}
	f.committed = true
	return nil
}

// Discard closes and removes the temporary file, unless it was committed.
func (f *File) Discard() {
	if f.committed {
		return
	}
	_ = f.Close()
	_ = os.Remove(f.Name())
}

// Write writes data to path with the given mode through a temporary file in the
// same folder, committed once written. The folder must exist. On error the file
// at path is unchanged and no temporary file is left.
func Write(path string, data []byte, mode fs.FileMode) error {
	f, err := Create(filepath.Dir(path))
	if err != nil {
		return err
	}
	defer f.Discard()
	if _, err := f.Write(data); err != nil {
		return err
	}
	return f.Commit(filepath.Base(path), mode)
}

// Clean removes from dir the temporary files of writes that never finished
// (the process was killed before Commit or Discard). Call it only when no
// write into dir is under way.
func Clean(dir string) error {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return err
	}
	for _, e := range entries {
		if e.Type().IsRegular() && strings.HasPrefix(e.Name(), TempPrefix) {
			if err := os.Remove(filepath.Join(dir, e.Name())); err != nil && !errors.Is(err, fs.ErrNotExist) {
				return err
			}
		}
	}
	return nil
}
