package repo

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"
)

// bigCacheIndex is an index of n charts with ten versions each.
func bigCacheIndex(n int) string {
	var b strings.Builder
	b.WriteString("apiVersion: v1\nentries:\n")
	for i := range n {
		fmt.Fprintf(&b, "  chart-%d:\n", i)
		for v := range 10 {
			fmt.Fprintf(&b, "  - name: chart-%d\n    version: 1.%d.0\n    description: %s\n    urls: [chart-%d-1.%d.0.tgz]\n",
				i, v, strings.Repeat("words ", 20), i, v)
		}
	}
	return b.String()
}

// Reading a compact cache maps it instead of copying it into the heap, so a
// search of a big repository does not make the collector account for it.
func TestReadCacheDoesNotCopyTheFile(t *testing.T) {
	dir := t.TempDir()
	writeIndexCache(t, dir, "r", bigCacheIndex(500))
	if _, _, err := LoadCache(dir, "r"); err != nil {
		t.Fatal(err)
	}
	c, err := ReadCache(dir, "r")
	if err != nil {
		t.Fatal(err)
	}
	size := len(c.body)
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	if _, err := ReadCache(dir, "r"); err != nil {
		t.Fatal(err)
	}
	runtime.ReadMemStats(&after)
	if got := after.TotalAlloc - before.TotalAlloc; got > uint64(size/10) {
		t.Fatalf("ReadCache allocated %d bytes for a cache body of %d", got, size)
	}
}

// What a search or a resolution returns stays valid after the cache it came
// from is gone (and its mapping with it).
func TestCacheResultsOutliveTheCache(t *testing.T) {
	dir := t.TempDir()
	writeIndexCache(t, dir, "r", bigCacheIndex(50))
	if _, _, err := LoadCache(dir, "r"); err != nil {
		t.Fatal(err)
	}
	c, err := ReadCache(dir, "r")
	if err != nil {
		t.Fatal(err)
	}
	res, err := Search([]*Cache{c}, SearchOptions{Term: "chart-7"})
	if err != nil {
		t.Fatal(err)
	}
	v, err := c.Get("chart-3", "1.2.0")
	if err != nil {
		t.Fatal(err)
	}
	names, err := c.Names()
	if err != nil {
		t.Fatal(err)
	}
	c = nil
	for range 3 {
		runtime.GC() // runs the cleanup that unmaps the cache
	}
	if len(res) == 0 || res[0].Version.Version != "1.9.0" || !strings.HasPrefix(res[0].Version.Description, "words words") {
		t.Fatalf("search result after the cache went: %+v", res)
	}
	if v.Version != "1.2.0" || v.URLs[0] != "chart-3-1.2.0.tgz" {
		t.Fatalf("resolved version after the cache went: %+v", v)
	}
	if names[0] != "chart-0" || names[49] != "chart-9" {
		t.Fatalf("names after the cache went: %v", names[:3])
	}
}

// WriteCache stamps the file it wrote; while the cache file keeps that size,
// time and checksum, readers skip summing it. Any other file is summed.
func TestCacheStampSkipsTheSum(t *testing.T) {
	dir := t.TempDir()
	writeIndexCache(t, dir, "r", bigCacheIndex(20))
	if _, _, err := LoadCache(dir, "r"); err != nil {
		t.Fatal(err)
	}
	name := filepath.Join(dir, CacheCompactFile("r"))
	fi, err := os.Stat(name)
	if err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(name)
	if err != nil {
		t.Fatal(err)
	}
	// A change the stamp cannot see (same size, time and recorded checksum)
	// shows that the sum was skipped: the flipped byte is in a description.
	at := strings.Index(string(data), "words words")
	data[at] = 'W'
	if err := os.WriteFile(name, data, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Chtimes(name, fi.ModTime(), fi.ModTime()); err != nil {
		t.Fatal(err)
	}
	if _, err := ReadCache(dir, "r"); err != nil {
		t.Fatalf("stamped cache: %v", err)
	}
	// Without the stamp, the same file is summed and found damaged.
	if err := os.Remove(filepath.Join(dir, CacheStampFile("r"))); err != nil {
		t.Fatal(err)
	}
	if _, err := ReadCache(dir, "r"); !errors.Is(err, ErrStaleCache) {
		t.Fatalf("unstamped damaged cache: err = %v, want ErrStaleCache", err)
	}
	// A cache file rewritten in place gets a new time: the stamp no longer
	// matches, and the sum finds the damage.
	if _, _, err := LoadCache(dir, "r"); err != nil {
		t.Fatal(err)
	}
	data[at] = 'W'
	if err := os.WriteFile(name, data, 0o644); err != nil {
		t.Fatal(err)
	}
	later := fi.ModTime().Add(time.Second)
	if err := os.Chtimes(name, later, later); err != nil {
		t.Fatal(err)
	}
	if _, err := ReadCache(dir, "r"); !errors.Is(err, ErrStaleCache) {
		t.Fatalf("rewritten cache: err = %v, want ErrStaleCache", err)
	}
	if err := RemoveCache(dir, "r"); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(dir, CacheStampFile("r"))); !os.IsNotExist(err) {
		t.Fatalf("RemoveCache left the stamp: %v", err)
	}
}
