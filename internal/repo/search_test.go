package repo

import (
	"fmt"
	"math/rand/v2"
	"regexp"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/Masterminds/semver/v3"

	"github.com/rudderpm/rudder/internal/chart"
)

const searchTestIndex = `apiVersion: v1
entries:
  nginx:
  - name: nginx
    version: 2.0.0
    appVersion: "1.27"
    description: NGINX web server
    keywords: [web, http]
  - name: nginx
    version: 2.1.0-rc.1
    description: NGINX web server (candidate)
  - name: nginx
    version: 1.5.0
    description: NGINX web server
  - name: nginx
    version: 1.4.0
    description: NGINX web server
  proxy:
  - name: proxy
    version: 3.0.0
    description: A reverse proxy
  - name: proxy
    version: 2.0.0
    description: A reverse proxy in front of nginx
  db:
  - name: db
    version: 0.3.0
    description: A database
    keywords: [sql, nginx-free]
  alpha:
  - name: alpha
    version: 0.1.0-alpha.1
    description: Only a pre-release
`

var fixedTime = time.Date(2024, 1, 2, 3, 4, 5, 0, time.UTC)

func chartMeta(name, version, description string, keywords ...string) *chart.Metadata {
	return &chart.Metadata{APIVersion: "v2", Name: name, Version: version, Description: description, Keywords: keywords}
}

func searchCaches(t *testing.T) []*Cache {
	t.Helper()
	idx, _, err := ParseIndex([]byte(searchTestIndex))
	if err != nil {
		t.Fatal(err)
	}
	other, _, err := ParseIndex([]byte("apiVersion: v1\nentries:\n  nginx:\n  - name: nginx\n    version: 9.0.0\n    description: a fork\n"))
	if err != nil {
		t.Fatal(err)
	}
	return []*Cache{BuildCache("main", idx), BuildCache("fork", other)}
}

func hits(res []SearchResult) string {
	var s []string
	for _, r := range res {
		s = append(s, fmt.Sprintf("%s@%s", r.Name, r.Version.Version))
	}
	return strings.Join(s, " ")
}

func TestSearch(t *testing.T) {
	caches := searchCaches(t)
	tests := []struct {
		name string
		o    SearchOptions
		want string
	}{
		{"all, newest stable each", SearchOptions{}, "fork/nginx@9.0.0 main/db@0.3.0 main/nginx@2.0.0 main/proxy@3.0.0"},
		{"devel adds pre-releases", SearchOptions{Devel: true}, "fork/nginx@9.0.0 main/alpha@0.1.0-alpha.1 main/db@0.3.0 main/nginx@2.1.0-rc.1 main/proxy@3.0.0"},
		// The name matches first (score 0), then the repo/name (1), the description
		// (2), the keywords (3). proxy 3.0.0 does not mention nginx; 2.0.0 does, so
		// 2.0.0 is the proxy version found.
		{"scored by field", SearchOptions{Term: "nginx"}, "fork/nginx@9.0.0 main/nginx@2.0.0 main/proxy@2.0.0 main/db@0.3.0"},
		{"case-insensitive", SearchOptions{Term: "NGinX"}, "fork/nginx@9.0.0 main/nginx@2.0.0 main/proxy@2.0.0 main/db@0.3.0"},
		{"repo/name", SearchOptions{Term: "main/"}, "main/db@0.3.0 main/nginx@2.0.0 main/proxy@3.0.0"},
		{"keyword", SearchOptions{Term: "sql"}, "main/db@0.3.0"},
		{"versions", SearchOptions{Term: "nginx", AllVersions: true},
			"fork/nginx@9.0.0 main/nginx@2.0.0 main/nginx@1.5.0 main/nginx@1.4.0 main/proxy@2.0.0 main/db@0.3.0"},
		{"constraint", SearchOptions{Term: "nginx", Constraint: "^1.0.0"}, "main/nginx@1.5.0"},
		{"constraint with versions", SearchOptions{Term: "nginx", Constraint: "~1.4 || >=9", AllVersions: true}, "fork/nginx@9.0.0 main/nginx@1.4.0"},
		{"constraint ignores devel", SearchOptions{Term: "nginx", Constraint: "2.x", Devel: true}, "main/nginx@2.0.0 main/proxy@2.0.0"},
		{"pre-release constraint", SearchOptions{Term: "nginx", Constraint: ">=2.1.0-0"}, "fork/nginx@9.0.0 main/nginx@2.1.0-rc.1"},
		{"regexp", SearchOptions{Term: "^n.inx", Regexp: true}, "fork/nginx@9.0.0 main/nginx@2.0.0"},
		{"regexp is case-sensitive", SearchOptions{Term: "NGINX", Regexp: true}, "main/nginx@2.0.0"},
		{"no match", SearchOptions{Term: "zzz"}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res, err := Search(caches, tt.o)
			if err != nil {
				t.Fatal(err)
			}
			if got := hits(res); got != tt.want {
				t.Errorf("got  %s\nwant %s", got, tt.want)
			}
		})
	}
}

func TestSearchErrors(t *testing.T) {
	caches := searchCaches(t)
	if _, err := Search(caches, SearchOptions{Term: "(", Regexp: true}); err == nil || !strings.Contains(err.Error(), "error parsing regexp") {
		t.Errorf("bad regexp: %v", err)
	}
	if _, err := Search(caches, SearchOptions{Constraint: "not a constraint"}); err == nil || !strings.Contains(err.Error(), "an invalid version/constraint format") {
		t.Errorf("bad constraint: %v", err)
	}
}

// Lower-casing changes the byte length of some characters; scores must still be
// counted in the searched string, without a panic.
func TestSearchUnicode(t *testing.T) {
	idx, _, err := ParseIndex([]byte("apiVersion: v1\nentries:\n  k:\n  - name: k\n    version: 1.0.0\n    description: \"İİİİİİİİ Kelvin \u212a x\"\n"))
	if err != nil {
		t.Fatal(err)
	}
	res, err := Search([]*Cache{BuildCache("r", idx)}, SearchOptions{Term: "x"})
	if err != nil {
		t.Fatal(err)
	}
	if len(res) != 1 || res[0].Score != 2 {
		t.Fatalf("got %+v, want one hit in the description", res)
	}
}

// TestSearchMatchesReference checks Search against a plain implementation of the
// way `helm search repo` works (every version on a line of its own, scored, sorted
// by score, name and version, then filtered by the constraint) on random indexes.
func TestSearchMatchesReference(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 11))
	words := []string{"web", "db", "Cache", "proxy", "queue", "nginx", "redis", "sql"}
	versions := []string{"0.0.0", "0.1.0", "1.0.0", "1.0.1-rc.1", "1.2.0", "2.0.0-beta", "2.0.0", "v3.1.0", "10.0.0"}
	for round := range 60 {
		var caches []*Cache
		var indexes []*IndexFile
		for ri := range 1 + r.IntN(3) {
			idx := NewIndexFile(fixedTime)
			for c := range 1 + r.IntN(6) {
				name := fmt.Sprintf("%s-%d", words[r.IntN(len(words))], c)
				for _, k := range r.Perm(len(versions))[:1+r.IntN(len(versions))] {
					idx.Entries[name] = append(idx.Entries[name], &ChartVersion{Metadata: chartMeta(name, versions[k],
						words[r.IntN(len(words))]+" "+words[r.IntN(len(words))], words[r.IntN(len(words))])})
				}
			}
			idx.SortEntries()
			repoName := fmt.Sprintf("repo%d", ri)
			caches = append(caches, BuildCache(repoName, idx))
			indexes = append(indexes, idx)
		}
		for _, o := range []SearchOptions{
			{}, {Devel: true}, {AllVersions: true},
			{Term: words[r.IntN(len(words))]}, {Term: "-1"}, {Term: "repo1/"},
			{Term: words[r.IntN(len(words))], AllVersions: true, Devel: true},
			{Term: "c", Constraint: "^1.0.0"}, {Term: "e", Constraint: ">=1.0.0-0 <3", AllVersions: true},
			{Term: "[A-Z]", Regexp: true}, {Term: "(db|sql)$", Regexp: true, AllVersions: true},
		} {
			got, err := Search(caches, o)
			if err != nil {
				t.Fatal(err)
			}
			want := referenceSearch(t, indexes, o)
			if hits(got) != hits(want) {
				t.Fatalf("round %d, %+v:\ngot  %s\nwant %s", round, o, hits(got), hits(want))
			}
		}
	}
}

func referenceSearch(t *testing.T, indexes []*IndexFile, o SearchOptions) []SearchResult {
	type line struct {
		name, text string
		v          *ChartVersion
	}
	var lines []line
	for i, idx := range indexes {
		repoName := fmt.Sprintf("repo%d", i)
		for name, vs := range idx.Entries {
			for _, v := range vs {
				lines = append(lines, line{repoName + "/" + name,
					v.Name + "\v" + repoName + "/" + v.Name + "\v" + v.Description + "\v" + strings.Join(v.Keywords, " "), v})
			}
		}
	}
	type hit struct {
		name  string
		score int
		v     *ChartVersion
	}
	var found []hit
	for _, l := range lines {
		text, at := l.text, 0
		switch {
		case o.Term == "":
		case o.Regexp:
			loc := regexp.MustCompile(o.Term).FindStringIndex(text)
			if loc == nil {
				continue
			}
			at = loc[0]
		default:
			text = strings.ToLower(text)
			at = strings.Index(text, strings.ToLower(o.Term))
			if at < 0 {
				continue
			}
		}
		found = append(found, hit{l.name, strings.Count(text[:at], "\v"), l.v})
	}
	sort.SliceStable(found, func(i, j int) bool {
		a, b := found[i], found[j]
		if a.score != b.score {
			return a.score < b.score
		}
		if a.name != b.name {
			return a.name < b.name
		}
		va, ea := semver.NewVersion(a.v.Version)
		vb, eb := semver.NewVersion(b.v.Version)
		if ea != nil || eb != nil {
			return false
		}
		return va.GreaterThan(vb)
	})
	cons := o.Constraint
	if cons == "" {
		cons = ">0.0.0"
		if o.Devel {
			cons = ">0.0.0-0"
		}
	}
	c, err := semver.NewConstraint(cons)
	if err != nil {
		t.Fatal(err)
	}
	var out []SearchResult
	seen := map[string]bool{}
	for _, h := range found {
		if !o.AllVersions && seen[h.name] {
			continue
		}
		sv, err := semver.NewVersion(h.v.Version)
		if err != nil || !c.Check(sv) {
			continue
		}
		seen[h.name] = true
		out = append(out, SearchResult{Name: h.name, Score: h.score, Version: &CachedVersion{Version: h.v.Version}})
	}
	return out
}

func TestToLowerASCII(t *testing.T) {
	for _, s := range []string{"", "A", "Hello, World! @[`{ AZaz09", strings.Repeat("MiXeD cAsE 123 @[`{~\x7f", 5), "ABCDEFGHIJKLMNOPQRSTUVWXYZ@[", "0123456789ABCDEFGHé", "é"} {
		b := []byte(s)
		ascii := toLowerASCII(b)
		if wantASCII := !strings.ContainsFunc(s, func(r rune) bool { return r >= 0x80 }); ascii != wantASCII {
			t.Errorf("%q: ascii %v", s, ascii)
		}
		if ascii && string(b) != strings.ToLower(s) {
			t.Errorf("%q: %q, want %q", s, b, strings.ToLower(s))
		}
		if !ascii && strings.ToLower(string(b)) != strings.ToLower(s) {
			t.Errorf("%q: left %q, which lower-cases differently", s, b)
		}
	}
	for c := range 128 { // every ASCII byte, in each position of a word
		for pos := range 8 {
			b := []byte("xxxxxxxxxx")
			b[pos] = byte(c)
			want := strings.ToLower(string(b))
			if toLowerASCII(b); string(b) != want {
				t.Fatalf("byte %#x at %d: %q, want %q", c, pos, b, want)
			}
		}
	}
}

// TestSearchFieldsMatchReference checks the scoring of plain terms field by
// field (and the skipping of whole charts from one look at their search part)
// against Helm's one line per version, scores included, on indexes made to trip
// it: upper case, separators and runes outside ASCII in descriptions (İ and the
// Kelvin sign lower-case into ASCII letters), Chart.yaml names other than the
// entry's, descriptions past 127 bytes, and terms across "repo/name".
func TestSearchFieldsMatchReference(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 5))
	words := []string{"web", "DB", "Kube", "\u212aube", "\u0130ngress", "ingress", "tab\vbed", "proxy/cache", "é", "\xff", "monitor", strings.Repeat("long ", 30)}
	names := []string{"web", "kube-db", "ingress-proxy", "MiXeD"}
	versions := []string{"1.0.0", "1.1.0", "2.0.0-rc.1", "2.0.0"}
	terms := []string{"k", "kube", "i", "ingress", "ngress", "db", "DB", "o/w", "repo0/k", "0/", "b\vb", "tab", "é", "\u212a", "long long", "monitor", "e", "xy/ca", "zzz"}
	for round := range 40 {
		var caches []*Cache
		var indexes []*IndexFile
		for ri := range 1 + r.IntN(2) {
			idx := NewIndexFile(fixedTime)
			for c := range 1 + r.IntN(5) {
				name := fmt.Sprintf("%s-%d", names[r.IntN(len(names))], c)
				for _, k := range r.Perm(len(versions))[:1+r.IntN(len(versions))] {
					vname := name
					if r.IntN(6) == 0 {
						vname = names[r.IntN(len(names))] // a Chart.yaml name other than the entry's
					}
					desc := words[r.IntN(len(words))] + " " + words[r.IntN(len(words))]
					idx.Entries[name] = append(idx.Entries[name], &ChartVersion{Metadata: chartMeta(vname, versions[k], desc, words[r.IntN(len(words))])})
				}
			}
			idx.SortEntries()
			caches = append(caches, BuildCache(fmt.Sprintf("repo%d", ri), idx))
			indexes = append(indexes, idx)
		}
		for _, term := range terms {
			for _, o := range []SearchOptions{{Term: term}, {Term: term, AllVersions: true, Devel: true}} {
				got, err := Search(caches, o)
				if err != nil {
					t.Fatal(err)
				}
				want := referenceSearch(t, indexes, o)
				if scoredHits(got) != scoredHits(want) {
					t.Fatalf("round %d, term %q, %+v:\ngot  %s\nwant %s", round, o.Term, o, scoredHits(got), scoredHits(want))
				}
			}
		}
	}
}

func scoredHits(res []SearchResult) string {
	var s []string
	for _, r := range res {
		s = append(s, fmt.Sprintf("%s@%s:%d", r.Name, r.Version.Version, r.Score))
	}
	return strings.Join(s, " ")
}

func TestLowerASCII(t *testing.T) {
	for _, s := range []string{"", "A", "Hello, World! @[`{ AZaz09", "ABCDEFGHIJKLMNOPQRSTUVWXYZ@[", "\xc1\xdaAZ\xffé Kelvin \u212a İ ÀB", strings.Repeat("MiXeD \x80Z", 9)} {
		got, high := lowerASCII([]byte("x"), []byte(s))
		want, wantHigh := []byte("x"), false
		for _, c := range []byte(s) {
			if 'A' <= c && c <= 'Z' {
				c += 'a' - 'A'
			}
			wantHigh = wantHigh || c >= 0x80
			want = append(want, c)
		}
		if string(got) != string(want) || high != wantHigh {
			t.Errorf("lowerASCII(%q) = %q, %v; want %q", s, got, high, want)
		}
	}
}
