package repo

import (
	"fmt"
	"runtime"
	"strings"
	"testing"
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
