package atomicfile

import (
	"os"
	"path/filepath"
	"slices"
	"testing"
)

func names(t *testing.T, dir string) []string {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, e := range entries {
		out = append(out, e.Name())
	}
	return out
}

func TestWrite(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "index.yaml")
	for _, content := range []string{"first", "second, longer"} {
		if err := Write(path, []byte(content), 0o640); err != nil {
			t.Fatal(err)
		}
		got, err := os.ReadFile(path)
		if err != nil || string(got) != content {
			t.Fatalf("read %q, %v; want %q", got, err, content)
		}
	}
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != 0o640 {
		t.Errorf("mode %v, want 0640", fi.Mode().Perm())
	}
	if got := names(t, dir); !slices.Equal(got, []string{"index.yaml"}) {
		t.Errorf("folder holds %v", got)
	}
}

func TestWriteFailureLeavesNothing(t *testing.T) {
	dir := t.TempDir()
	// A folder in the way: the rename fails after the temporary file is written.
	if err := os.Mkdir(filepath.Join(dir, "taken"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := Write(filepath.Join(dir, "taken"), []byte("x"), 0o644); err == nil {
		t.Fatal("wrote over a folder")
	}
	if got := names(t, dir); !slices.Equal(got, []string{"taken"}) {
		t.Errorf("folder holds %v after a failed write", got)
	}
	if err := Write(filepath.Join(dir, "missing", "file"), []byte("x"), 0o644); err == nil {
		t.Error("wrote into a missing folder")
	}
}

func TestCreateCommitDiscard(t *testing.T) {
	dir := t.TempDir()
	kept, err := Create(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer kept.Discard() // after Commit: nothing to do
	dropped, err := Create(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range []*File{kept, dropped} {
		if _, err := f.Write([]byte("chart")); err != nil {
			t.Fatal(err)
		}
	}
	if err := kept.Commit("web-1.0.0.tgz", 0o644); err != nil {
		t.Fatal(err)
	}
	dropped.Discard()
	kept.Discard()
	if got := names(t, dir); !slices.Equal(got, []string{"web-1.0.0.tgz"}) {
		t.Errorf("folder holds %v", got)
	}
	if _, err := Create(filepath.Join(dir, "missing")); err == nil {
		t.Error("created a file in a missing folder")
	}
}

func TestClean(t *testing.T) {
	dir := t.TempDir()
	for _, name := range []string{".tmp-index.yaml-123", ".tmp-web-1.0.0.tgz-9", "index.yaml", ".hidden"} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte("x"), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	if err := Clean(dir); err != nil {
		t.Fatal(err)
	}
	if got := names(t, dir); !slices.Equal(got, []string{".hidden", "index.yaml"}) {
		t.Errorf("after Clean the folder holds %v", got)
	}
	if err := Clean(filepath.Join(dir, "missing")); err == nil {
		t.Error("cleaned a missing folder")
	}
}
