package plugin

import (
	"archive/tar"
	"compress/gzip"
	"errors"
	"fmt"
	"io"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"strings"
)

// Limits bound what unpacking one plugin archive may take; zero values mean the
// defaults.
type Limits struct {
	// MaxSize bounds the archive's bytes, and separately the bytes it unpacks to
	// (default 512 MiB: plugins carry binaries).
	MaxSize int64
	// MaxMembers bounds the number of archive members (default 10000).
	MaxMembers int
}

func (l Limits) withDefaults() Limits {
	if l.MaxSize <= 0 {
		l.MaxSize = 512 << 20
	}
	if l.MaxMembers <= 0 {
		l.MaxMembers = 10000
	}
	return l
}

// ErrArchive is wrapped by every refusal of a hostile or malformed plugin archive.
var ErrArchive = errors.New("illegal plugin archive")

// ArchiveError names the archive member that was refused and why.
type ArchiveError struct {
	Member, Reason string
}

func (e *ArchiveError) Error() string {
	name := e.Member
	if len(name) > 200 {
		name = fmt.Sprintf("%s... (%d bytes)", name[:200], len(name))
	}
	return fmt.Sprintf("plugin archive member %q: %s", name, e.Reason)
}

func (e *ArchiveError) Unwrap() error { return ErrArchive }

var drivePath = regexp.MustCompile(`^[a-zA-Z]:[/\\]`)

// cleanMember checks an archive member's name and returns it as a relative,
// slash-separated path.
func cleanMember(raw string) (string, error) {
	name := strings.ReplaceAll(raw, "\\", "/")
	switch {
	case strings.HasPrefix(name, "/") || drivePath.MatchString(name):
		return "", &ArchiveError{Member: raw, Reason: "absolute paths are not allowed"}
	}
	name = path.Clean(name)
	if name == ".." || strings.HasPrefix(name, "../") {
		return "", &ArchiveError{Member: raw, Reason: "path escapes the plugin's folder"}
	}
	return name, nil
}

// unpack writes a gzipped tar archive into dest, an empty folder. Only folders
// and regular files are allowed; their permission bits are kept, without setuid,
// setgid or sticky bits.
func unpack(r io.Reader, dest string, lim Limits) error {
	lim = lim.withDefaults()
	zr, err := gzip.NewReader(r)
	if err != nil {
		return fmt.Errorf("not a gzipped plugin archive: %w", err)
	}
	defer zr.Close()
	tr := tar.NewReader(zr)
	left, members := lim.MaxSize, 0
	for {
		hd, err := tr.Next()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return fmt.Errorf("reading plugin archive: %w", err)
		}
		if members++; members > lim.MaxMembers {
			return &ArchiveError{Member: hd.Name, Reason: fmt.Sprintf("archive has more than %d members", lim.MaxMembers)}
		}
		if left -= int64(len(hd.Name)); left < 0 {
			return &ArchiveError{Member: hd.Name, Reason: fmt.Sprintf("unpacked plugin is larger than the maximum size %d", lim.MaxSize)}
		}
		switch hd.Typeflag {
		case tar.TypeXGlobalHeader, tar.TypeXHeader:
			continue
		case tar.TypeDir, tar.TypeReg, tar.TypeRegA: //nolint:staticcheck // old archives use TypeRegA
		case tar.TypeSymlink, tar.TypeLink:
			return &ArchiveError{Member: hd.Name, Reason: "links are not allowed in a plugin archive"}
		default:
			return &ArchiveError{Member: hd.Name, Reason: fmt.Sprintf("unsupported member type %q", hd.Typeflag)}
		}
		name, err := cleanMember(hd.Name)
		if err != nil {
			return err
		}
		target := filepath.Join(dest, filepath.FromSlash(name))
		if hd.Typeflag == tar.TypeDir {
			if err := os.MkdirAll(target, 0o755); err != nil {
				return err
			}
			continue
		}
		if hd.Size < 0 || hd.Size > left {
			return &ArchiveError{Member: hd.Name, Reason: fmt.Sprintf("unpacked plugin is larger than the maximum size %d", lim.MaxSize)}
		}
		if err := os.MkdirAll(filepath.Dir(target), 0o755); err != nil {
			return err
		}
		if fi, err := os.Lstat(target); err == nil && !fi.Mode().IsRegular() {
			return &ArchiveError{Member: hd.Name, Reason: "member replaces a folder"}
		}
		f, err := os.OpenFile(target, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, os.FileMode(hd.Mode)&0o755|0o600)
		if err != nil {
			return err
		}
		n, err := io.Copy(f, io.LimitReader(tr, left+1))
		if cerr := f.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			return fmt.Errorf("reading plugin archive member %q: %w", hd.Name, err)
		}
		if left -= n; left < 0 {
			return &ArchiveError{Member: hd.Name, Reason: fmt.Sprintf("unpacked plugin is larger than the maximum size %d", lim.MaxSize)}
		}
	}
}

// pack writes the plugin folder src as a gzipped tar archive whose members sit
// under the folder name top. Links inside src are refused.
func pack(src, top string, w io.Writer) error {
	zw := gzip.NewWriter(w)
	tw := tar.NewWriter(zw)
	err := filepath.WalkDir(src, func(p string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(src, p)
		if err != nil {
			return err
		}
		if d.Name() == ".git" && d.IsDir() {
			return filepath.SkipDir
		}
		info, err := d.Info()
		if err != nil {
			return err
		}
		if !info.IsDir() && !info.Mode().IsRegular() {
			return fmt.Errorf("plugin file %s: only folders and regular files can be packaged", p)
		}
		hd, err := tar.FileInfoHeader(info, "")
		if err != nil {
			return err
		}
		hd.Name = path.Join(top, filepath.ToSlash(rel))
		hd.Uid, hd.Gid, hd.Uname, hd.Gname = 0, 0, "", ""
		if info.IsDir() {
			hd.Name += "/"
		}
		if err := tw.WriteHeader(hd); err != nil {
			return err
		}
		if info.IsDir() {
			return nil
		}
		f, err := os.Open(p)
		if err != nil {
			return err
		}
		defer f.Close()
		_, err = io.Copy(tw, f)
		return err
	})
	if err != nil {
		return err
	}
	if err := tw.Close(); err != nil {
		return err
	}
	return zw.Close()
}
