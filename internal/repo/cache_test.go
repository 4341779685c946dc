package repo

import (
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"
)

// writeIndexCache puts an index.yaml in a cache folder as `repo update` does.
func writeIndexCache(t *testing.T, dir, name, data string) {
	t.Helper()
	if err := os.WriteFile(filepath.Join(dir, CacheIndexFile(name)), []byte(data), 0o644); err != nil {
		t.Fatal(err)
	}
}

const cacheTestIndex = `apiVersion: v1
entries:
  web:
  - name: web
    version: 1.0.0
    appVersion: "1.25"
    description: A web server
    keywords: [http, proxy]
    digest: abababababababababababababababababababababababababababababababab
    urls: [web-1.0.0.tgz, https://mirror.example.com/web-1.0.0.tgz]
    created: "2024-01-02T03:04:05.123456789Z"
  - name: web
    version: 2.0.0-beta.1
    deprecated: true
    urls: [web-2.0.0-beta.1.tgz]
  - name: web
    version: 0.0.0
    digest: not-hex
    urls: [web-0.0.0.tgz]
  renamed:
  - name: other-name
    version: 0.1.0
    urls: [x.tgz]
  empty: []
`

func TestCacheRoundTrip(t *testing.T) {
	dir := t.TempDir()
	writeIndexCache(t, dir, "r", cacheTestIndex)
	idx, _, err := LoadIndexFile(filepath.Join(dir, CacheIndexFile("r")))
	if err != nil {
		t.Fatal(err)
	}
	built := BuildCache("r", idx)
	if err := WriteCache(dir, built); err != nil {
		t.Fatal(err)
	}
	read, err := ReadCache(dir, "r")
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(built, read) {
		t.Errorf("read back\n%+v\nwant\n%+v", read, built)
	}
	names, err := read.Names()
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(names, " "); got != "renamed web" {
		t.Errorf("charts = %q, want sorted names without empty entries", got)
	}
	web, err := read.Chart("web")
	if err != nil || web == nil || len(web.Versions) != 3 {
		t.Fatalf("web = %+v, %v", web, err)
	}
	v := web.Versions[0]
	if v.Version != "2.0.0-beta.1" || !v.Prerelease() || !v.Deprecated() || !v.IsSemver() || !v.Created.IsZero() {
		t.Errorf("newest = %+v", v)
	}
	v = web.Versions[1]
	if v.AppVersion != "1.25" || v.Keywords != "http proxy" || v.Digest != strings.Repeat("ab", 32) ||
		!v.Created.Equal(time.Date(2024, 1, 2, 3, 4, 5, 123456789, time.UTC)) ||
		!reflect.DeepEqual(v.URLs, []string{"web-1.0.0.tgz", "https://mirror.example.com/web-1.0.0.tgz"}) || v.Prerelease() || v.Deprecated() {
		t.Errorf("1.0.0 = %+v", v)
	}
	if v := web.Versions[2]; v.Digest != "not-hex" || !reflect.DeepEqual(v.URLs, []string{"web-0.0.0.tgz"}) {
		t.Errorf("0.0.0 = %+v", v)
	}
	if r, _ := read.Chart("renamed"); r == nil || r.Versions[0].ChartName != "other-name" {
		t.Errorf("renamed = %+v, want the version's own name kept", r)
	}
	if ch, err := read.Chart("nope"); ch != nil || err != nil {
		t.Errorf("Chart(nope) = %v, %v", ch, err)
	}
}

func TestReadCacheStale(t *testing.T) {
	dir := t.TempDir()
	writeIndexCache(t, dir, "r", cacheTestIndex)
	if _, _, err := LoadCache(dir, "r"); err != nil { // builds and saves the cache
		t.Fatal(err)
	}
	if _, err := ReadCache(dir, "r"); err != nil {
		t.Fatalf("fresh cache: %v", err)
	}

	// Another program (Helm) rewrites index.yaml: the cache no longer matches.
	updated := strings.Replace(cacheTestIndex, "version: 1.0.0", "version: 1.1.0", 1)
	writeIndexCache(t, dir, "r", updated)
	future := time.Now().Add(time.Hour)
	if err := os.Chtimes(filepath.Join(dir, CacheIndexFile("r")), future, future); err != nil {
		t.Fatal(err)
	}
	if _, err := ReadCache(dir, "r"); !errors.Is(err, ErrStaleCache) {
		t.Fatalf("after index.yaml changed: err = %v, want ErrStaleCache", err)
	}
	c, _, err := LoadCache(dir, "r")
	if err != nil {
		t.Fatal(err)
	}
	if v, err := c.Get("web", "1.1.0"); err != nil || v.Version != "1.1.0" {
		t.Fatalf("rebuilt cache: %v %v", v, err)
	}
	if _, err := ReadCache(dir, "r"); err != nil {
		t.Fatalf("LoadCache did not save the rebuilt cache: %v", err)
	}
}

func TestReadCacheCorrupt(t *testing.T) {
	dir := t.TempDir()
	writeIndexCache(t, dir, "r", cacheTestIndex)
	if _, _, err := LoadCache(dir, "r"); err != nil {
		t.Fatal(err)
	}
	rdx := filepath.Join(dir, CacheCompactFile("r"))
	good, err := os.ReadFile(rdx)
	if err != nil {
		t.Fatal(err)
	}
	cases := map[string][]byte{
		"empty":     {},
		"bad magic": append([]byte("XXXXXXXX"), good[8:]...),
		"huge count": func() []byte {
			b := append([]byte{}, good[:8]...)
			return append(b, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01)
		}(),
	}
	// Every truncation of a good cache is refused, never half read.
	for n := 8; n < len(good); n += max(1, len(good)/40) {
		cases[fmt.Sprintf("truncated at %d", n)] = good[:n]
	}
	for name, data := range cases {
		t.Run(name, func(t *testing.T) {
			if err := os.WriteFile(rdx, data, 0o644); err != nil {
				t.Fatal(err)
			}
			if _, err := ReadCache(dir, "r"); !errors.Is(err, ErrStaleCache) {
				t.Fatalf("err = %v, want ErrStaleCache", err)
			}
			c, _, err := LoadCache(dir, "r")
			if err != nil {
				t.Fatalf("LoadCache did not rebuild: %v", err)
			}
			if ch, err := c.Chart("web"); ch == nil || err != nil {
				t.Fatalf("rebuilt cache: %v %v", ch, err)
			}
		})
	}
}

func TestLoadCacheMissingIndex(t *testing.T) {
	dir := t.TempDir()
	_, _, err := LoadCache(dir, "r")
	if !errors.Is(err, os.ErrNotExist) || errors.Is(err, ErrStaleCache) {
		t.Fatalf("err = %v, want not exist", err)
	}
	writeIndexCache(t, dir, "bad", "apiVersion: v1\nentries:\n  a: [\n")
	_, _, err = LoadCache(dir, "bad")
	if err == nil || !strings.Contains(err.Error(), CacheIndexFile("bad")) || !strings.Contains(err.Error(), "line 3") {
		t.Fatalf("err = %v, want the index file and line", err)
	}
}

// The cache answers Get exactly as the index it was built from.
func TestCacheGetMatchesIndex(t *testing.T) {
	idx, _, err := ParseIndex([]byte(cacheTestIndex))
	if err != nil {
		t.Fatal(err)
	}
	c := BuildCache("r", idx)
	for _, cons := range []string{"", "1.0.0", "2.0.0-beta.1", ">0.0.0-0", "^1", "<1", "~2.0.0-0", "9.9.9", ">=0.0.0", "bad constraint"} {
		for _, name := range []string{"web", "renamed", "nope"} {
			iv, ierr := idx.Get(name, cons)
			cv, cerr := c.Get(name, cons)
			if (ierr == nil) != (cerr == nil) || (ierr != nil && ierr.Error() != cerr.Error()) {
				t.Errorf("Get(%q, %q): index err %v, cache err %v", name, cons, ierr, cerr)
				continue
			}
			if ierr == nil && iv.Version != cv.Version {
				t.Errorf("Get(%q, %q): index %s, cache %s", name, cons, iv.Version, cv.Version)
			}
		}
	}
}

// A damaged body (one that passed the checksum, say, after a bug) gives errors,
// never a panic, whatever is asked of it.
func FuzzCacheBody(f *testing.F) {
	idx, _, err := ParseIndex([]byte(cacheTestIndex))
	if err != nil {
		f.Fatal(err)
	}
	good := BuildCache("r", idx).body
	f.Add(good)
	f.Add(good[:len(good)/2])
	f.Add([]byte{0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01})
	f.Fuzz(func(t *testing.T, body []byte) {
		c := &Cache{Repo: "r", body: body}
		_, _ = c.Names()
		_, _ = c.Chart("web")
		_, _ = c.Get("web", "")
		_, _ = Search([]*Cache{c}, SearchOptions{Term: "web", AllVersions: true})
		_, _ = Search([]*Cache{c}, SearchOptions{Constraint: "^1"})
	})
}

func TestCacheCorruptBody(t *testing.T) {
	idx, _, err := ParseIndex([]byte(cacheTestIndex))
	if err != nil {
		t.Fatal(err)
	}
	good := BuildCache("r", idx).body
	for n := range len(good) {
		c := &Cache{Repo: "r", body: good[:n]}
		if _, err := Search([]*Cache{c}, SearchOptions{AllVersions: true, Devel: true}); !errors.Is(err, errCorrupt) {
			t.Fatalf("body cut at %d of %d: err = %v, want errCorrupt", n, len(good), err)
		}
	}
}

// FuzzParseIndex: any index.yaml parses or fails without a panic, and when it
// parses, the compact cache built from it answers every lookup as the index does.
func FuzzParseIndex(f *testing.F) {
	f.Add([]byte(cacheTestIndex))
	f.Add([]byte("apiVersion: v1\nentries:\n  a:\n  - name: a\n    version: 1.0.0\n    urls: [a-1.0.0.tgz]\n  - name: a\n    version: 1.0.0\n"))
	f.Add([]byte("apiVersion: v1\nentries:\n  b:\n  - version: not-semver\n    digest: zz\n  - version: 2.0.0-rc.1\n    deprecated: true\n"))
	f.Add([]byte("entries: {x: [null, {name: ../x, version: '1'}]}\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		idx, _, err := ParseIndex(data)
		if err != nil {
			return
		}
		c := BuildCache("r", idx)
		names, err := c.Names()
		if err != nil {
			t.Fatalf("a cache built from a parsed index is unreadable: %v", err)
		}
		for _, name := range names {
			for _, cons := range []string{"", ">0.0.0-0", "^1"} {
				iv, ierr := idx.Get(name, cons)
				cv, cerr := c.Get(name, cons)
				if (ierr == nil) != (cerr == nil) {
					t.Fatalf("Get(%q, %q): index err %v, cache err %v", name, cons, ierr, cerr)
				}
				if ierr == nil && iv.Version != cv.Version {
					t.Fatalf("Get(%q, %q): index %s, cache %s", name, cons, iv.Version, cv.Version)
				}
			}
		}
	})
}

// oldLayoutCache returns the file that Rudder before the lower-cased search
// parts wrote for c ("RDRIDX02": per chart its name, number of versions, search
// part and fetch part), stamped for the index.yaml described by index.
func oldLayoutCache(t *testing.T, c *Cache, index os.FileInfo) []byte {
	t.Helper()
	var body encoder
	d := decoder{b: c.body}
	body.uv(d.uv())
	if err := c.charts(func(ch *cachedChart) bool {
		body.str(ch.name)
		body.uv(uint64(ch.n))
		body.bytes(ch.search)
		body.bytes(ch.fetch)
		return true
	}); err != nil {
		t.Fatal(err)
	}
	b := append([]byte("RDRIDX02"), 0, 0, 0, 0)
	b = binary.AppendUvarint(b, uint64(index.Size()))
	b = binary.AppendVarint(b, index.ModTime().UnixNano())
	b = append(b, body.b...)
	binary.LittleEndian.PutUint32(b[8:], crc32.Checksum(b[12:], castagnoli))
	return b
}

// A compact cache written by an older Rudder, whole and stamped for the
// current index.yaml, is read as stale, never misread with the new layout:
// LoadCache rebuilds it, and a search gives what a full parse gives.
func TestOldCacheLayoutIsRebuilt(t *testing.T) {
	dir := t.TempDir()
	writeIndexCache(t, dir, "repo0", cacheTestIndex)
	indexPath := filepath.Join(dir, CacheIndexFile("repo0"))
	idx, _, err := LoadIndexFile(indexPath)
	if err != nil {
		t.Fatal(err)
	}
	fi, err := os.Stat(indexPath)
	if err != nil {
		t.Fatal(err)
	}
	old := oldLayoutCache(t, BuildCache("repo0", idx), fi)
	cachePath := filepath.Join(dir, CacheCompactFile("repo0"))
	if err := os.WriteFile(cachePath, old, 0o644); err != nil {
		t.Fatal(err)
	}
	// The stamp an older Rudder wrote beside it, so the sum is not checked.
	cfi, err := os.Stat(cachePath)
	if err != nil {
		t.Fatal(err)
	}
	stamp := binary.AppendUvarint([]byte("RDRIDX02"), uint64(cfi.Size()))
	stamp = binary.AppendVarint(stamp, cfi.ModTime().UnixNano())
	stamp = append(stamp, old[8:12]...)
	if err := os.WriteFile(filepath.Join(dir, CacheStampFile("repo0")), stamp, 0o644); err != nil {
		t.Fatal(err)
	}

	if _, err := ReadCache(dir, "repo0"); !errors.Is(err, ErrStaleCache) {
		t.Fatalf("old layout: err = %v, want ErrStaleCache", err)
	}
	c, _, err := LoadCache(dir, "repo0")
	if err != nil {
		t.Fatal(err)
	}
	for _, o := range []SearchOptions{{Term: "web"}, {Term: "PROXY", AllVersions: true, Devel: true}, {Term: "other"}, {AllVersions: true}} {
		got, err := Search([]*Cache{c}, o)
		if err != nil {
			t.Fatal(err)
		}
		if want := referenceSearch(t, []*IndexFile{idx}, o); scoredHits(got) != scoredHits(want) || len(got) == 0 {
			t.Errorf("%+v: got %s, want %s", o, scoredHits(got), scoredHits(want))
		}
	}
	data, err := os.ReadFile(cachePath)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(string(data), cacheMagic) {
		t.Errorf("the cache file was not rewritten in the current layout: starts %q", data[:8])
	}
	if _, err := ReadCache(dir, "repo0"); err != nil {
		t.Errorf("rewritten cache: %v", err)
	}
}
