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

// Limits bound what loading one chart may consume. The chart and all its subcharts,
// nested archives included, share one budget: a subchart archive does not get a
// fresh one. Zero values mean the defaults.
type Limits struct {
	// MaxSize bounds the bytes loading may produce: every file's content, the content
	// of nested subchart archives once decompressed, and the names of archive
	// members (default MaxChartSize).
	MaxSize int64
	// MaxMembers bounds the number of archive members, nested archives included
	// (default 100000).
	MaxMembers int
}

// DefaultMaxMembers is the default of Limits.MaxMembers.
const DefaultMaxMembers = 100000

// ErrTooLarge is wrapped by the error for a chart beyond Limits.MaxSize.
var ErrTooLarge = errors.New("chart too large")

// budget is what is left of a chart's Limits while it loads.
type budget struct {
	Limits
	left    int64
	members int
	depth   int // subcharts entered, at most MaxChartNesting
}

func (l Limits) budget() *budget {
	if l.MaxSize <= 0 {
		l.MaxSize = MaxChartSize
	}
	if l.MaxMembers <= 0 {
		l.MaxMembers = DefaultMaxMembers
	}
	return &budget{Limits: l, left: l.MaxSize}
}

// take spends n bytes, reporting false (and spending nothing) when they are not left.
func (b *budget) take(n int64) bool {
	if n < 0 || n > b.left {
		return false
	}
	b.left -= n
	return true
}

// tooLarge is the refusal of an archive member beyond the size budget.
func (b *budget) tooLarge(member string) error {
	return &ArchiveError{Member: member, Reason: fmt.Sprintf("decompressed chart is larger than the maximum size %d", b.MaxSize), Err: ErrTooLarge}
}

// ErrArchive is wrapped by every refusal of a hostile or malformed archive member.
var ErrArchive = errors.New("illegal chart archive")

// ArchiveError names the archive member that was refused and why.
type ArchiveError struct {
	Member string
	Reason string
	// Err, when set, is a sentinel the refusal also matches (ErrTooLarge).
	Err error
}

func (e *ArchiveError) Error() string {
	return fmt.Sprintf("chart archive member %q: %s", truncateName(e.Member), e.Reason)
}

func (e *ArchiveError) Unwrap() []error {
	if e.Err != nil {
		return []error{ErrArchive, e.Err}
	}
	return []error{ErrArchive}
}

var windowsDrive = regexp.MustCompile(`^[a-zA-Z]:/`)

// ReadArchive reads the members of a gzipped tar chart archive. Every member must sit
// under one top folder (the chart's name), which is stripped from the returned names.
// Links, devices, absolute paths, paths leaving the chart and members beyond the limits
// are refused with an *ArchiveError.
func ReadArchive(r io.Reader, lim Limits) ([]*File, error) {
	return readArchive(r, lim.budget())
}

// readArchive reads an archive's members, spending b on their names and content.
func readArchive(r io.Reader, b *budget) ([]*File, error) {
	zr, err := gzip.NewReader(r)
	if err != nil {
		return nil, fmt.Errorf("not a gzipped chart archive: %w", err)
	}
	defer zr.Close()

	tr := tar.NewReader(zr)
	var files []*File
	for {
		hd, err := tr.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("reading chart archive: %w", err)
		}
		if b.members >= b.MaxMembers {
			return nil, &ArchiveError{Member: hd.Name, Reason: fmt.Sprintf("archive has more than %d members", b.MaxMembers)}
		}
		b.members++
		// Names count: a few kilobytes of archive can hold thousands of megabyte-long names.
		if !b.take(int64(len(hd.Name) + len(hd.Linkname))) {
			return nil, b.tooLarge(hd.Name)
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
		if hd.Size > b.left || hd.Size < 0 {
			return nil, b.tooLarge(hd.Name)
		}
		buf := bytes.NewBuffer(make([]byte, 0, hd.Size))
		n, err := io.Copy(buf, io.LimitReader(tr, b.left+1))
		if err != nil {
			return nil, fmt.Errorf("reading chart archive member %q: %w", hd.Name, err)
		}
		if !b.take(n) {
			return nil, b.tooLarge(hd.Name)
		}
		files = append(files, &File{Name: name, ModTime: hd.ModTime, Data: bytes.TrimPrefix(buf.Bytes(), utf8BOM)})
	}
	if len(files) == 0 {
		return nil, errors.New("no files in chart archive")
	}
	return files, nil
}

// truncateName shortens a member name for an error message.
func truncateName(name string) string {
	const keep = 200
	if len(name) <= keep {
		return name
	}
	return fmt.Sprintf("%s... (%d bytes)", name[:keep], len(name))
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
