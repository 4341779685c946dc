package chart

import (
	"archive/tar"
	"cmp"
	"compress/gzip"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"path"
	"slices"
	"strings"
	"time"

	"sigs.k8s.io/yaml"
)

// DefaultArchiveTime is the modification time every archive member gets when
// ArchiveOptions.ModTime is zero: the Unix epoch, the value SOURCE_DATE_EPOCH=0 means.
var DefaultArchiveTime = time.Unix(0, 0).UTC()

// ArchiveOptions control WriteArchive. The zero value writes every member with
// DefaultArchiveTime.
type ArchiveOptions struct {
	// ModTime is the modification time of every member, truncated to the second.
	// Zero means DefaultArchiveTime.
	ModTime time.Time
}

// ArchiveName is the file name Helm gives a chart's archive: <name>-<version>.tgz.
func ArchiveName(c *Chart) string {
	return fmt.Sprintf("%s-%s.tgz", c.Name(), c.Metadata.Version)
}

// MarshalMetadata renders metadata as the Chart.yaml Helm writes when it saves a chart:
// keys in alphabetical order, comments gone. A v1 chart keeps its dependencies in
// requirements.yaml, so they are left out.
func MarshalMetadata(md *Metadata) ([]byte, error) {
	if md.APIVersion == APIVersionV1 && md.Dependencies != nil {
		cp := *md
		cp.Dependencies = nil
		md = &cp
	}
	return yaml.Marshal(md)
}

// WriteArchive writes c, with its subcharts, as a gzipped tar chart archive.
//
// The layout is the one Helm writes and reads: every member under a top folder named
// after the chart; Chart.yaml (re-marshalled from the metadata), Chart.lock (v2 charts),
// values.yaml as it was loaded, values.schema.json, the templates, the other files, and
// each subchart as a folder under charts/, whatever form it had in the source.
//
// Unlike Helm's, the bytes depend only on the chart's content: members come in a fixed
// order (the groups above, names sorted by path component within a group, subcharts by
// name and version), and every member has mode 0644, uid and gid 0, no owner names and
// the same modification time. The gzip header carries no name, no time and OS "unknown".
// Files whose names are absolute, unclean or leave the chart folder are refused with an
// *ArchiveError, as are two members with the same name.
func WriteArchive(w io.Writer, c *Chart, opts ArchiveOptions) error {
	if c == nil || c.Metadata == nil {
		return ValidationError("chart.metadata is required")
	}
	if err := c.Validate(); err != nil {
		return fmt.Errorf("chart validation: %w", err)
	}
	members, err := archiveMembers(nil, c, "")
	if err != nil {
		return err
	}
	seen := make(map[string]bool, len(members))
	for _, m := range members {
		if seen[m.name] {
			return &ArchiveError{Member: m.name, Reason: "two files of the chart would be written under this name"}
		}
		seen[m.name] = true
	}

	mtime := opts.ModTime
	if mtime.IsZero() {
		mtime = DefaultArchiveTime
	}
	mtime = mtime.UTC().Truncate(time.Second)

	zw, err := gzip.NewWriterLevel(w, gzip.DefaultCompression)
	if err != nil {
		return err
	}
	zw.OS = 255 // unknown: the same whatever system wrote the archive
	// Helm's header: an extra field (subfield "rr", a link in base64) and the
	// comment "Helm", which tools that sniff archives look for.
	zw.Extra = helmGzipExtra
	zw.Comment = "Helm"
	tw := tar.NewWriter(zw)
	for _, m := range members {
		hd := &tar.Header{
			Typeflag: tar.TypeReg,
			Name:     m.name,
			Mode:     0o644,
			Size:     int64(len(m.data)),
			ModTime:  mtime,
		}
		if err := tw.WriteHeader(hd); err != nil {
			return fmt.Errorf("chart archive member %q: %w", m.name, err)
		}
		if _, err := tw.Write(m.data); err != nil {
			return fmt.Errorf("chart archive member %q: %w", m.name, err)
		}
	}
	if err := tw.Close(); err != nil {
		return err
	}
	return zw.Close()
}

// helmGzipExtra is the gzip extra field Helm writes in a v2 chart's archive.
var helmGzipExtra = gzipSubfield('r', 'r', base64.StdEncoding.EncodeToString([]byte("https://youtu.be/z9Uz1icjwrM\n")))

// gzipSubfield is one extra-field subfield (RFC 1952 2.3.1.1): two ID bytes,
// the little-endian length, the data.
func gzipSubfield(id1, id2 byte, data string) []byte {
	b := []byte{id1, id2, byte(len(data)), byte(len(data) >> 8)}
	return append(b, data...)
}

type archiveMember struct {
	name string
	data []byte
}

// archiveMembers appends the members of c, placed under prefix, to ms.
func archiveMembers(ms []archiveMember, c *Chart, prefix string) ([]archiveMember, error) {
	if c.Metadata == nil {
		return nil, ValidationError("chart.metadata is required")
	}
	name := c.Name()
	if err := checkChartName(name); err != nil {
		return nil, err
	}
	base := path.Join(prefix, name)

	chartYAML, err := MarshalMetadata(c.Metadata)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path.Join(base, "Chart.yaml"), err)
	}
	ms = append(ms, archiveMember{path.Join(base, "Chart.yaml"), chartYAML})

	// A v1 chart carries requirements.lock among its files instead.
	if c.Metadata.APIVersion == APIVersionV2 && c.Lock != nil {
		lock, err := yaml.Marshal(c.Lock)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", path.Join(base, "Chart.lock"), err)
		}
		ms = append(ms, archiveMember{path.Join(base, "Chart.lock"), lock})
	}
	for _, f := range c.Raw {
		if f != nil && f.Name == "values.yaml" {
			ms = append(ms, archiveMember{path.Join(base, "values.yaml"), f.Data})
		}
	}
	if c.Schema != nil {
		if !json.Valid(c.Schema) {
			return nil, errors.New("invalid JSON in values.schema.json")
		}
		ms = append(ms, archiveMember{path.Join(base, "values.schema.json"), c.Schema})
	}
	for _, group := range [][]*File{c.Templates, c.Files} {
		files := slices.DeleteFunc(slices.Clone(group), func(f *File) bool { return f == nil })
		if !c.archiveOrder {
			slices.SortStableFunc(files, func(a, b *File) int { return comparePaths(a.Name, b.Name) })
		}
		for _, f := range files {
			if err := checkMemberName(f.Name); err != nil {
				return nil, &ArchiveError{Member: path.Join(base, f.Name), Reason: err.Error()}
			}
			ms = append(ms, archiveMember{path.Join(base, f.Name), f.Data})
		}
	}

	deps := slices.DeleteFunc(slices.Clone(c.Dependencies()), func(d *Chart) bool { return d == nil })
	slices.SortStableFunc(deps, func(a, b *Chart) int {
		return cmp.Or(strings.Compare(a.Name(), b.Name()), strings.Compare(versionOf(a), versionOf(b)))
	})
	for _, dep := range deps {
		if ms, err = archiveMembers(ms, dep, path.Join(base, "charts")); err != nil {
			return nil, err
		}
	}
	return ms, nil
}

func versionOf(c *Chart) string {
	if c.Metadata == nil {
		return ""
	}
	return c.Metadata.Version
}

// checkChartName refuses chart names that would not be a single folder in the archive.
func checkChartName(name string) error {
	switch {
	case name == "":
		return ValidationError("chart.metadata.name is required")
	case name == "." || name == "..":
		return validationErrorf("chart.metadata.name %q is not allowed", name)
	case strings.ContainsAny(name, "/\\\x00"):
		return validationErrorf("chart.metadata.name %q is invalid", name)
	}
	return nil
}

// checkMemberName refuses a chart-relative file name that is not a clean relative
// slash path inside the chart.
func checkMemberName(name string) error {
	switch {
	case name == "":
		return errors.New("empty file name")
	case strings.ContainsRune(name, 0):
		return errors.New("NUL in file name")
	case strings.ContainsRune(name, '\\'):
		return errors.New("backslashes are not allowed in file names")
	case strings.HasPrefix(name, "/") || windowsDrive.MatchString(name):
		return errors.New("absolute paths are not allowed")
	case name == ".." || strings.HasPrefix(name, "../"):
		return errors.New("path escapes the chart's folder")
	case path.Clean(name) != name || name == ".":
		return errors.New("file name is not a clean path")
	}
	return nil
}

// comparePaths orders slash paths component by component, the order in which a
// directory walk visits them (a/x before a-b/x).
func comparePaths(a, b string) int {
	for {
		ha, ta, moreA := strings.Cut(a, "/")
		hb, tb, moreB := strings.Cut(b, "/")
		if c := strings.Compare(ha, hb); c != 0 {
			return c
		}
		switch {
		case !moreA && !moreB:
			return 0
		case !moreA:
			return -1
		case !moreB:
			return 1
		}
		a, b = ta, tb
	}
}
