package chart

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"testing/fstest"
)

// nestedBomb builds a chart whose subchart archive holds a subchart archive, and so
// on for depth levels, each chart holding a file of size zeros: every archive alone
// is within a budget of 2*size, all of them together are not.
func nestedBomb(t testing.TB, depth, size int) []byte {
	var inner []byte
	for level := depth; level >= 0; level-- {
		name := fmt.Sprintf("c%d", level)
		members := []tarMember{
			reg(name+"/Chart.yaml", "apiVersion: v2\nname: "+name+"\nversion: 1.0.0\n"),
			reg(name+"/zeros", strings.Repeat("\x00", size)),
		}
		if inner != nil {
			members = append(members, reg(fmt.Sprintf("%s/charts/c%d-1.0.0.tgz", name, level+1), string(inner)))
		}
		inner = makeArchive(t, members...)
	}
	return inner
}

func TestNestedArchivesShareOneBudget(t *testing.T) {
	const size = 300 << 10
	data := nestedBomb(t, 4, size) // five charts of 300 KiB each
	lim := Limits{MaxSize: 1 << 20}

	// Each archive alone fits.
	if _, err := ReadArchive(bytes.NewReader(data), lim); err != nil {
		t.Fatalf("the top archive alone was refused: %v", err)
	}
	_, err := lim.LoadArchive(bytes.NewReader(data))
	if !errors.Is(err, ErrTooLarge) || !errors.Is(err, ErrArchive) {
		t.Fatalf("err = %v, want the nested archives refused as too large", err)
	}
	for _, want := range []string{"error unpacking subchart c1-1.0.0.tgz in c0", "c3/zeros", "maximum size 1048576"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not say %q", err, want)
		}
	}
	if _, err := (Limits{MaxSize: 2 << 20}).LoadArchive(bytes.NewReader(data)); err != nil {
		t.Errorf("a budget for the whole chart refused it: %v", err)
	}
}

func TestChartDirectoryAndItsArchivesShareOneBudget(t *testing.T) {
	const size = 400 << 10
	dir := t.TempDir()
	write := func(name, data string) {
		p := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("Chart.yaml", "apiVersion: v2\nname: top\nversion: 1.0.0\n")
	write("zeros", strings.Repeat("\x00", size))
	write("charts/c0-1.0.0.tgz", string(nestedBomb(t, 1, size)))
	lim := Limits{MaxSize: 1 << 20}
	if _, err := lim.LoadDir(dir); !errors.Is(err, ErrTooLarge) {
		t.Fatalf("err = %v, want the subchart archive refused as too large", err)
	}
	if _, err := (Limits{MaxSize: 2 << 20}).LoadDir(dir); err != nil {
		t.Errorf("a budget for the whole chart refused it: %v", err)
	}
}

func TestArchiveMemberNamesSpendTheBudget(t *testing.T) {
	// Fifty empty files with names of 100 KiB: 5 MB of names in a few kilobytes.
	members := append([]tarMember{}, goodChart...)
	for i := range 50 {
		members = append(members, reg(fmt.Sprintf("mychart/%d-%s", i, strings.Repeat("n", 100<<10)), ""))
	}
	data := makeArchive(t, members...)
	if len(data) > 64<<10 {
		t.Fatalf("test archive is %d bytes, want a small one", len(data))
	}
	_, err := ReadArchive(bytes.NewReader(data), Limits{MaxSize: 1 << 20})
	var ae *ArchiveError
	if !errors.As(err, &ae) || !errors.Is(err, ErrTooLarge) {
		t.Fatalf("err = %v, want the names refused as too large", err)
	}
	if len(err.Error()) > 400 {
		t.Errorf("error message is %d bytes long; a long name must be shortened in it", len(err.Error()))
	}
}

func TestMembersOfNestedArchivesCount(t *testing.T) {
	data := nestedBomb(t, 3, 10)
	// Four charts of two or three members each: more than 8 in all.
	if _, err := (Limits{MaxMembers: 8}).LoadArchive(bytes.NewReader(data)); !errors.Is(err, ErrArchive) || !strings.Contains(err.Error(), "more than 8 members") {
		t.Fatalf("err = %v, want a refusal for more than 8 members", err)
	}
	if _, err := (Limits{MaxMembers: 11}).LoadArchive(bytes.NewReader(data)); err != nil {
		t.Fatalf("11 members refused: %v", err)
	}
}

// FuzzLoadFS: a chart folder with any Chart.yaml, values, .helmignore and one more
// file of any name loads or fails without a panic, within its budget.
func FuzzLoadFS(f *testing.F) {
	f.Add("apiVersion: v2\nname: x\nversion: 1.0.0\n", "a: 1\n", "", "templates/a.yaml", []byte("kind: ConfigMap\n"))
	f.Add("apiVersion: v1\nname: x\nversion: 1.0.0\n", "", "*.tgz\n", "requirements.yaml", []byte("dependencies: [{name: y}]\n"))
	f.Add("apiVersion: v2\nname: x\nversion: 1.0.0\n", "", "", "charts/y-1.tgz", nestedBomb(f, 1, 100))
	f.Add("apiVersion: v2\nname: x\nversion: 1.0.0\n", "", "!x\n[", "charts/y/Chart.yaml", []byte("name: y\nversion: 1\n"))
	f.Fuzz(func(t *testing.T, chartYAML, values, ignore, name string, data []byte) {
		fsys := fstest.MapFS{
			"Chart.yaml":  {Data: []byte(chartYAML)},
			"values.yaml": {Data: []byte(values)},
		}
		if ignore != "" {
			fsys[IgnoreFile] = &fstest.MapFile{Data: []byte(ignore)}
		}
		if fs.ValidPath(name) && name != "." {
			fsys[name] = &fstest.MapFile{Data: data}
		}
		c, err := (Limits{MaxSize: 1 << 20}).LoadFS(fsys)
		if err == nil && c.Metadata == nil {
			t.Fatal("a chart without metadata was accepted")
		}
	})
}
