package chart

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"errors"
	"io"
	"strings"
	"testing"
)

// tarMember is one entry of a test archive.
type tarMember struct {
	hdr  tar.Header
	data string
}

func reg(name, data string) tarMember {
	return tarMember{hdr: tar.Header{Name: name, Typeflag: tar.TypeReg, Mode: 0o644, Size: int64(len(data))}, data: data}
}

// makeArchive writes members as a gzipped tar stream.
func makeArchive(t testing.TB, members ...tarMember) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	tw := tar.NewWriter(zw)
	for _, m := range members {
		hdr := m.hdr
		if err := tw.WriteHeader(&hdr); err != nil {
			t.Fatalf("header %s: %v", hdr.Name, err)
		}
		if _, err := io.WriteString(tw, m.data); err != nil {
			t.Fatalf("data %s: %v", hdr.Name, err)
		}
	}
	if err := tw.Close(); err != nil {
		t.Fatal(err)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

var goodChart = []tarMember{
	reg("mychart/Chart.yaml", "apiVersion: v2\nname: mychart\nversion: 1.0.0\n"),
	reg("mychart/values.yaml", "a: 1\n"),
	reg("mychart/templates/cm.yaml", "kind: ConfigMap\n"),
}

func TestReadArchiveRefusesHostileMembers(t *testing.T) {
	tests := []struct {
		name       string
		members    []tarMember
		limits     Limits
		wantMember string // the tarMember the error must name
	}{
		{name: "parent traversal", members: []tarMember{reg("mychart/../../x", "x")}, wantMember: "mychart/../../x"},
		{name: "traversal through the top folder", members: []tarMember{reg("../x", "x")}, wantMember: "../x"},
		{name: "dot-dot prefixed name", members: []tarMember{reg("mychart/..x", "x")}, wantMember: "mychart/..x"},
		{name: "absolute path", members: []tarMember{reg("/etc/x", "x")}, wantMember: "/etc/x"},
		{name: "absolute path after the top folder", members: []tarMember{reg("mychart//etc/x", "x")}, wantMember: "mychart//etc/x"},
		{name: "drive letter", members: []tarMember{reg("mychart/c:/x", "x")}, wantMember: "mychart/c:/x"},
		{name: "tarMember that is the top folder itself", members: []tarMember{reg("mychart", "x")}, wantMember: "mychart"},
		{name: "Chart.yaml at the root", members: []tarMember{reg("Chart.yaml", "name: x")}, wantMember: "Chart.yaml"},
		{
			name:       "symbolic link",
			members:    []tarMember{{hdr: tar.Header{Name: "mychart/templates/x.yaml", Typeflag: tar.TypeSymlink, Linkname: "/etc/passwd"}}},
			wantMember: "mychart/templates/x.yaml",
		},
		{
			name:       "hard link",
			members:    []tarMember{{hdr: tar.Header{Name: "mychart/values.yaml", Typeflag: tar.TypeLink, Linkname: "../../etc/passwd"}}},
			wantMember: "mychart/values.yaml",
		},
		{
			name:       "character device",
			members:    []tarMember{{hdr: tar.Header{Name: "mychart/dev", Typeflag: tar.TypeChar, Devmajor: 1, Devminor: 3}}},
			wantMember: "mychart/dev",
		},
		{
			name:       "block device",
			members:    []tarMember{{hdr: tar.Header{Name: "mychart/blk", Typeflag: tar.TypeBlock}}},
			wantMember: "mychart/blk",
		},
		{
			name:       "fifo",
			members:    []tarMember{{hdr: tar.Header{Name: "mychart/fifo", Typeflag: tar.TypeFifo}}},
			wantMember: "mychart/fifo",
		},
		{
			name:       "tarMember bigger than the limit",
			members:    append(goodChart[:1:1], reg("mychart/big.bin", strings.Repeat("x", 2048))),
			limits:     Limits{MaxSize: 1024},
			wantMember: "mychart/big.bin",
		},
		{
			name: "members together bigger than the limit",
			members: []tarMember{
				reg("mychart/a", strings.Repeat("a", 600)),
				reg("mychart/b", strings.Repeat("b", 600)),
			},
			limits:     Limits{MaxSize: 1024},
			wantMember: "mychart/b",
		},
		{
			name:       "too many members",
			members:    []tarMember{reg("mychart/1", ""), reg("mychart/2", ""), reg("mychart/3", ""), reg("mychart/4", "")},
			limits:     Limits{MaxMembers: 3},
			wantMember: "mychart/4",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			data := makeArchive(t, append(append([]tarMember{}, tt.members...), goodChart...)...)
			files, err := ReadArchive(bytes.NewReader(data), tt.limits)
			if err == nil {
				t.Fatalf("archive accepted (%d files), want a refusal", len(files))
			}
			var ae *ArchiveError
			if !errors.As(err, &ae) || !errors.Is(err, ErrArchive) {
				t.Fatalf("err = %v (%T), want an *ArchiveError", err, err)
			}
			if ae.Member != tt.wantMember {
				t.Errorf("error names tarMember %q, want %q (%v)", ae.Member, tt.wantMember, err)
			}
			if !strings.Contains(err.Error(), tt.wantMember) {
				t.Errorf("message %q does not name %q", err, tt.wantMember)
			}
			if _, err := LoadArchive(bytes.NewReader(data)); err == nil && tt.limits == (Limits{}) {
				t.Errorf("LoadArchive accepted what ReadArchive refused")
			}
		})
	}
}

// countingReader counts the bytes read through it.
type countingReader struct {
	r io.Reader
	n int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	return n, err
}

// zeroReader yields n zero bytes without holding them in memory.
type zeroReader struct{ n int64 }

func (z *zeroReader) Read(p []byte) (int, error) {
	if z.n <= 0 {
		return 0, io.EOF
	}
	if int64(len(p)) > z.n {
		p = p[:z.n]
	}
	clear(p)
	z.n -= int64(len(p))
	return len(p), nil
}

func TestReadArchiveStopsAGzipBomb(t *testing.T) {
	// 256 MiB of zeros compress to about 256 KiB; the limit is 1 MiB decompressed.
	const size = 256 << 20
	var buf bytes.Buffer
	zw, err := gzip.NewWriterLevel(&buf, gzip.BestCompression)
	if err != nil {
		t.Fatal(err)
	}
	tw := tar.NewWriter(zw)
	if err := tw.WriteHeader(&tar.Header{Name: "mychart/bomb", Typeflag: tar.TypeReg, Mode: 0o644, Size: size}); err != nil {
		t.Fatal(err)
	}
	if _, err := io.Copy(tw, &zeroReader{n: size}); err != nil {
		t.Fatal(err)
	}
	if err := tw.Close(); err != nil {
		t.Fatal(err)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	compressed := int64(buf.Len())

	cr := &countingReader{r: bytes.NewReader(buf.Bytes())}
	_, err = ReadArchive(cr, Limits{MaxSize: 1 << 20})
	var ae *ArchiveError
	if !errors.As(err, &ae) || ae.Member != "mychart/bomb" {
		t.Fatalf("err = %v, want a refusal naming mychart/bomb", err)
	}
	// Refused without decompressing the whole stream.
	if cr.n > compressed/2 {
		t.Errorf("read %d of %d compressed bytes before refusing", cr.n, compressed)
	}
}

func TestReadArchiveStopsAGzipBombOfManyMembers(t *testing.T) {
	// Many members each under the limit, together far beyond it: the total counts.
	members := []tarMember{}
	for i := range 64 {
		members = append(members, reg("mychart/f"+strings.Repeat("x", i%8)+string(rune('a'+i%26))+string(rune('a'+i/26)), strings.Repeat("z", 64<<10)))
	}
	data := makeArchive(t, members...)
	_, err := ReadArchive(bytes.NewReader(data), Limits{MaxSize: 1 << 20})
	var ae *ArchiveError
	// 16 contents fill the limit exactly; the names count too, so the 16th is refused.
	if !errors.As(err, &ae) || ae.Member != members[15].hdr.Name {
		t.Fatalf("err = %v, want a refusal naming the 16th member %s", err, members[15].hdr.Name)
	}
}

func TestReadArchiveLimitIsInclusive(t *testing.T) {
	// The limit covers the member's name (9 bytes) and its content (9 bytes).
	ok := makeArchive(t, reg("mychart/a", strings.Repeat("a", 9)))
	if _, err := ReadArchive(bytes.NewReader(ok), Limits{MaxSize: 18}); err != nil {
		t.Fatalf("a chart of exactly the limit was refused: %v", err)
	}
	data := makeArchive(t, append([]tarMember{reg("mychart/a", strings.Repeat("a", 10))}, goodChart...)...)
	_, err := ReadArchive(bytes.NewReader(data), Limits{MaxSize: 18})
	var ae *ArchiveError
	if !errors.As(err, &ae) || ae.Member != "mychart/a" {
		t.Fatalf("err = %v, want a refusal naming mychart/a", err)
	}
}

func TestLoadArchiveGood(t *testing.T) {
	inner := makeArchive(t,
		reg("inner/Chart.yaml", "apiVersion: v2\nname: inner\nversion: 0.2.0\n"),
		reg("inner/values.yaml", "iv: 1\n"),
		reg("inner/templates/i.yaml", "kind: Inner\n"),
	)
	sub := makeArchive(t,
		reg("sub/Chart.yaml", "apiVersion: v2\nname: sub\nversion: 0.1.0\n"),
		reg("sub/templates/s.yaml", "kind: Sub\n"),
		reg("sub/charts/inner-0.2.0.tgz", string(inner)),
	)
	data := makeArchive(t,
		tarMember{hdr: tar.Header{Name: "pax_global_header", Typeflag: tar.TypeXGlobalHeader}},
		tarMember{hdr: tar.Header{Name: "mychart/", Typeflag: tar.TypeDir, Mode: 0o755}},
		tarMember{hdr: tar.Header{Name: "mychart/templates/", Typeflag: tar.TypeDir, Mode: 0o755}},
		reg("mychart/Chart.yaml", "apiVersion: v2\nname: mychart\nversion: 1.0.0\n"),
		reg("mychart/values.yaml", "\ufeffa: 1\n"),
		reg("mychart/templates/cm.yaml", "kind: ConfigMap\n"),
		reg("mychart/./templates/./x.yaml", "kind: X\n"),
		reg("mychart/charts/sub-0.1.0.tgz", string(sub)),
		reg("mychart/charts/unpacked/Chart.yaml", "apiVersion: v2\nname: unpacked\nversion: 0.3.0\n"),
		// A regular member whose mode says directory is skipped, as Helm does.
		tarMember{hdr: tar.Header{Name: "mychart/weird", Typeflag: tar.TypeReg, Mode: 0o40755}},
	)
	c, err := LoadArchive(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	if c.Name() != "mychart" || len(c.Templates) != 2 {
		t.Fatalf("loaded %s with %d templates", c.Name(), len(c.Templates))
	}
	for _, f := range c.Files {
		if f.Name == "weird" {
			t.Errorf("a member with a directory mode was loaded as a file")
		}
	}
	if c.Values["a"] == nil {
		t.Errorf("values.yaml with a BOM not read: %v", c.Values)
	}
	var names []string
	for _, d := range c.Dependencies() {
		names = append(names, d.Name())
		if d.Name() == "sub" {
			if len(d.Dependencies()) != 1 || d.Dependencies()[0].Name() != "inner" {
				t.Errorf("nested archive not loaded: %v", d.Dependencies())
			} else if got := d.Dependencies()[0].ChartFullPath(); got != "mychart/charts/sub/charts/inner" {
				t.Errorf("inner path = %s", got)
			}
		}
	}
	if strings.Join(names, ",") != "sub,unpacked" {
		t.Errorf("subcharts = %v, want sub,unpacked", names)
	}
}

func TestLoadArchiveNotAnArchive(t *testing.T) {
	for _, data := range [][]byte{nil, []byte("plain text"), {0x1f, 0x8b, 0x08, 0, 0}, makeArchive(t)} {
		if _, err := LoadArchive(bytes.NewReader(data)); err == nil {
			t.Errorf("LoadArchive(%q) accepted", data)
		}
	}
}

// FuzzLoadArchive checks that no input makes the loader panic or hang.
func FuzzLoadArchive(f *testing.F) {
	f.Add(makeArchive(f, goodChart...))
	f.Add(makeArchive(f, reg("x/Chart.yaml", "apiVersion: v2\nname: x\nversion: 1.0.0\ndependencies: [{name: y}]\n"), reg("x/charts/y-1.tgz", "junk")))
	f.Add(makeArchive(f, reg("x/values.yaml", "a: [1")))
	f.Add([]byte{0x1f, 0x8b, 0x08})
	f.Add([]byte("not gzip at all"))
	f.Fuzz(func(t *testing.T, data []byte) {
		c, err := LoadArchive(bytes.NewReader(data))
		if err == nil && c.Metadata == nil {
			t.Fatal("a chart without metadata was accepted")
		}
	})
}
