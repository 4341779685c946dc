package action

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// tgz writes a gzipped tar of the given members (name, content), in order.
func tgz(t *testing.T, members ...[2]string) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	tw := tar.NewWriter(zw)
	for _, m := range members {
		if err := tw.WriteHeader(&tar.Header{Name: m[0], Typeflag: tar.TypeReg, Mode: 0o644, Size: int64(len(m[1]))}); err != nil {
			t.Fatal(err)
		}
		if _, err := tw.Write([]byte(m[1])); err != nil {
			t.Fatal(err)
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

// TestPullUntarFailureLeavesNothing: an archive that loads but cannot be unpacked
// (a member that is both a file and a folder) fails without leaving a partly
// unpacked chart, or the folders made for it.
func TestPullUntarFailureLeavesNothing(t *testing.T) {
	dir := t.TempDir()
	archive := filepath.Join(dir, "x-1.0.0.tgz")
	data := tgz(t,
		[2]string{"x/Chart.yaml", "apiVersion: v2\nname: x\nversion: 1.0.0\n"},
		[2]string{"x/values.yaml", "a: 1\n"},
		[2]string{"x/files", "a file"},
		[2]string{"x/files/inside", "under a file"})
	if err := os.WriteFile(archive, data, 0o644); err != nil {
		t.Fatal(err)
	}
	dest := filepath.Join(dir, "out")
	p := Pull{Source: &ChartSource{ContentCache: t.TempDir()}, DestDir: dest, Untar: true, UntarDir: "new/folder"}
	_, err := p.Run(context.Background(), ChartRequest{Ref: archive})
	if err == nil || !strings.HasPrefix(err.Error(), "failed to untar: ") {
		t.Fatalf("err = %v, want failed to untar", err)
	}
	if _, err := os.Stat(dest); !os.IsNotExist(err) {
		entries, _ := filepath.Glob(filepath.Join(dest, "*", "*", "*"))
		t.Fatalf("a failed untar left %s behind (%v): %v", dest, entries, err)
	}

	// The same into a folder that exists: it stays as it was, empty.
	if err := os.MkdirAll(dest, 0o755); err != nil {
		t.Fatal(err)
	}
	p.UntarDir = ""
	if _, err := p.Run(context.Background(), ChartRequest{Ref: archive}); err == nil {
		t.Fatal("the second untar succeeded")
	}
	if entries, _ := os.ReadDir(dest); len(entries) != 0 {
		t.Fatalf("a failed untar left %v in %s", entries, dest)
	}

	// A good archive unpacks into place.
	good := filepath.Join(dir, "good-1.0.0.tgz")
	if err := os.WriteFile(good, tgz(t, [2]string{"good/Chart.yaml", "apiVersion: v2\nname: good\nversion: 1.0.0\n"}, [2]string{"good/templates/a.yaml", "a: b\n"}), 0o644); err != nil {
		t.Fatal(err)
	}
	res, err := p.Run(context.Background(), ChartRequest{Ref: good})
	if err != nil {
		t.Fatal(err)
	}
	if res.Saved != filepath.Join(dest, "good") {
		t.Errorf("saved %s", res.Saved)
	}
	if b, err := os.ReadFile(filepath.Join(dest, "good", "templates", "a.yaml")); err != nil || string(b) != "a: b\n" {
		t.Errorf("templates/a.yaml: %q, %v", b, err)
	}
	if entries, _ := os.ReadDir(dest); len(entries) != 1 {
		t.Errorf("%s holds %v, want only good", dest, entries)
	}
}
