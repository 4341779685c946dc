package chart

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"errors"
	"fmt"
	"io"
	"path"
	"regexp"
	"strings"
)

// ArchiveLimits bound what reading an archive may consume. Zero values mean the defaults.
type ArchiveLimits struct {
	// MaxTotal bounds the sum of the members' decompressed sizes (default MaxChartSize).
	MaxTotal int64
	// MaxMembers bounds the number of members (default 100000).
	MaxMembers int
}

// ErrArchive is wrapped by every refusal of a hostile or malformed archive member.
var ErrArchive = errors.New("illegal chart archive")

// ArchiveError names the archive member that was refused and why.
type ArchiveError struct {
	Member string
	Reason string
}

func (e *ArchiveError) Error() string {
	return fmt.Sprintf("chart archive member %q: %s", e.Member, e.Reason)
}

func (e *ArchiveError) Unwrap() error { return ErrArchive }

var windowsDrive = regexp.MustCompile(`^[a-zA-Z]:/`)

// ReadArchive reads the members of a gzipped tar chart archive. Every member must sit
// under one top folder (the chart's name), which is stripped from the returned names.
// Links, devices, absolute paths, paths leaving the chart and members beyond the limits
// are refused with an *ArchiveError.
func ReadArchive(r io.Reader, lim ArchiveLimits) ([]*File, error) {
	if lim.MaxTotal <= 0 {
		lim.MaxTotal = MaxChartSize
	}
	if lim.MaxMembers <= 0 {
		lim.MaxMembers = 100000
	}
	zr, err := gzip.NewReader(r)
	if err != nil {
		return nil, fmt.Errorf("not a gzipped chart archive: %w", err)
	}
	defer zr.Close()

	tr := tar.NewReader(zr)
	remaining := lim.MaxTotal
	var files []*File
	for members := 0; ; members++ {
		hd, err := tr.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("reading chart archive: %w", err)
		}
		if members >= lim.MaxMembers {
			return nil, &ArchiveError{Member: hd.Name, Reason: fmt.Sprintf("archive has more than %d members", lim.MaxMembers)}
		}
		if hd.FileInfo().IsDir() {
			continue // directories, also regular members whose mode says directory, as in Helm
		}
		switch hd.Typeflag {
		case tar.TypeXGlobalHeader, tar.TypeXHeader:
			continue
		case tar.TypeReg, tar.TypeRegA: //nolint:staticcheck // old archives still use TypeRegA
		case tar.TypeSymlink, tar.TypeLink:
			return nil, &ArchiveError{Member: hd.Name, Reason: "links are not allowed in a chart archive"}
		default:
			return nil, &ArchiveError{Member: hd.Name, Reason: fmt.Sprintf("unsupported member type %q", hd.Typeflag)}
		}

		name, err := memberName(hd.Name)
		if err != nil {
			return nil, err
		}
		if hd.Size > remaining || hd.Size < 0 {
			return nil, &ArchiveError{Member: hd.Name, Reason: fmt.Sprintf("decompressed chart is larger than the maximum size %d", lim.MaxTotal)}
		}
		data := make([]byte, 0, hd.Size)
		buf := bytes.NewBuffer(data)
		n, err := io.Copy(buf, io.LimitReader(tr, remaining+1))
		if err != nil {
			return nil, fmt.Errorf("reading chart archive member %q: %w", hd.Name, err)
		}
		if n > remaining {
			return nil, &ArchiveError{Member: hd.Name, Reason: fmt.Sprintf("decompressed chart is larger than the maximum size %d", lim.MaxTotal)}
		}
		remaining -= n
		files = append(files, &File{Name: name, ModTime: hd.ModTime, Data: bytes.TrimPrefix(buf.Bytes(), utf8BOM)})
	}
	if len(files) == 0 {
		return nil, errors.New("no files in chart archive")
	}
	return files, nil
}

// memberName strips the top folder from a member's name and checks what is left.
func memberName(raw string) (string, error) {
	sep := "/"
	if strings.ContainsRune(raw, '\\') {
		sep = "\\"
	}
	parts := strings.Split(raw, sep)
	if parts[0] == "Chart.yaml" {
		return "", &ArchiveError{Member: raw, Reason: "Chart.yaml is not in the chart's folder"}
	}
	name := strings.Join(parts[1:], "/")
	switch {
	case strings.HasPrefix(raw, "/") || path.IsAbs(name):
		return "", &ArchiveError{Member: raw, Reason: "absolute paths are not allowed"}
	case windowsDrive.MatchString(name):
		return "", &ArchiveError{Member: raw, Reason: "drive-qualified paths are not allowed"}
	}
	name = path.Clean(name)
	if name == "." {
		return "", &ArchiveError{Member: raw, Reason: "member lies outside the chart's folder"}
	}
	// Like Helm, refuse any name starting with "..", not only "../".
	if strings.HasPrefix(name, "..") || parts[0] == ".." {
		return "", &ArchiveError{Member: raw, Reason: "path escapes the chart's folder"}
	}
	return name, nil
}
