// Package atomicfile writes files whole: a reader, or a process started after a
// crash, sees the old content or the new, never a part.
//
// A write goes to a temporary file in the target's folder, which is synced and
// renamed into place. Write does it for data in memory; Create, Commit and
// Discard do it in steps, for data streamed in and checked before it gets its
// name. A crash before the rename leaves the temporary file behind; Clean
// removes such files from a folder.
//
//	if err := atomicfile.Write(filepath.Join(dir, "index.yaml"), data, 0o644); err != nil {
//		return fmt.Errorf("index %s: %w", dir, err)
//	}
//
//	f, err := atomicfile.Create(dir)
//	if err != nil {
//		return err
//	}
//	defer f.Discard()
//	if _, err := io.Copy(f, body); err != nil {
//		return err
//	}
//	return f.Commit(name, 0o644)
package atomicfile
