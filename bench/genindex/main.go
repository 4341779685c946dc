// Command genindex writes a large, realistic chart repository index.yaml for
// Rudder's search benchmark (bench/search.sh): by default 2,000 charts of 50
// versions each, 100,000 entries and about 63 MB, laid out as Helm writes them.
// Their URLs point nowhere; -add lists real chart archives too (as the first
// version of their chart, with their digest and a URL relative to the index), so
// that a chart can be resolved and downloaded.
//
//	go run ./bench/genindex -charts 2000 -versions 50 -o /tmp/bench/index.yaml -add web-3.0.0.tgz
package main

import (
	"bufio"
	"crypto/sha256"
	"flag"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"time"

	"github.com/rudderpm/rudder/internal/chart"
)

func main() {
	charts := flag.Int("charts", 2000, "number of charts")
	versions := flag.Int("versions", 50, "versions per chart")
	out := flag.String("o", "index.yaml", "output file")
	var add []string
	flag.Func("add", "a chart archive to list too (repeatable)", func(s string) error { add = append(add, s); return nil })
	flag.Parse()
	extra, err := loadArchives(add)
	if err != nil {
		fmt.Fprintln(os.Stderr, "genindex:", err)
		os.Exit(1)
	}
	if err := write(*out, *charts, *versions, extra); err != nil {
		fmt.Fprintln(os.Stderr, "genindex:", err)
		os.Exit(1)
	}
}

var words = []string{"database", "cache", "proxy", "monitoring", "logging", "queue", "storage",
	"web", "server", "operator", "metrics", "backup", "security", "gateway", "search", "stream"}

// archiveEntry is a real chart archive to list in the index.
type archiveEntry struct {
	md     *chart.Metadata
	file   string // base name: the URL relative to the index
	digest string
}

func loadArchives(files []string) (map[string][]archiveEntry, error) {
	out := map[string][]archiveEntry{}
	for _, f := range files {
		c, err := chart.LoadFile(f)
		if err != nil {
			return nil, err
		}
		data, err := os.ReadFile(f)
		if err != nil {
			return nil, err
		}
		out[c.Name()] = append(out[c.Name()], archiveEntry{md: c.Metadata, file: filepath.Base(f), digest: fmt.Sprintf("%x", sha256.Sum256(data))})
	}
	return out, nil
}

func writeArchiveEntries(w io.Writer, entries []archiveEntry, created time.Time) {
	for _, e := range entries {
		fmt.Fprintf(w, "  - apiVersion: %s\n    appVersion: %q\n", e.md.APIVersion, e.md.AppVersion)
		fmt.Fprintf(w, "    created: \"%s\"\n", created.Format(time.RFC3339Nano))
		fmt.Fprintf(w, "    description: %q\n    digest: %s\n    name: %s\n", e.md.Description, e.digest, e.md.Name)
		fmt.Fprintf(w, "    urls:\n    - %s\n    version: %s\n", e.file, e.md.Version)
	}
}

func write(name string, nCharts, nVersions int, extra map[string][]archiveEntry) error {
	f, err := os.Create(name)
	if err != nil {
		return err
	}
	defer f.Close()
	w := bufio.NewWriterSize(f, 1<<20)
	r := rand.New(rand.NewPCG(1, 2)) // fixed seed: the same file every time
	base := time.Date(2024, 1, 2, 3, 4, 5, 0, time.UTC)
	fmt.Fprintln(w, "apiVersion: v1")
	fmt.Fprintln(w, "entries:")
	for c := range nCharts {
		chart := fmt.Sprintf("%s-%s-%d", words[c%len(words)], words[(c/len(words))%len(words)], c)
		fmt.Fprintf(w, "  %s:\n", chart)
		writeArchiveEntries(w, extra[chart], base)
		delete(extra, chart)
		for v := range nVersions {
			major, minor, patch := (nVersions-v)/20, ((nVersions-v)/5)%4, (nVersions-v)%5
			version := fmt.Sprintf("%d.%d.%d", major, minor, patch)
			if v%10 == 3 {
				version += "-rc.1"
			}
			sum := sha256.Sum256([]byte(chart + version))
			created := base.Add(time.Duration(c*nVersions+v) * time.Minute)
			fmt.Fprintf(w, "  - annotations:\n      category: %s\n", words[r.IntN(len(words))])
			fmt.Fprintf(w, "    apiVersion: v2\n    appVersion: %d.%d.%d\n", 1+major, minor*3, patch)
			fmt.Fprintf(w, "    created: \"%s\"\n", created.Format(time.RFC3339Nano))
			fmt.Fprintf(w, "    description: A %s for %s workloads, with production defaults (%d).\n",
				words[r.IntN(len(words))], words[r.IntN(len(words))], r.IntN(1000))
			fmt.Fprintf(w, "    digest: %x\n", sum)
			fmt.Fprintf(w, "    home: https://charts.example.com/%s\n", chart)
			fmt.Fprintf(w, "    keywords:\n    - %s\n    - %s\n", words[c%len(words)], words[r.IntN(len(words))])
			fmt.Fprintf(w, "    maintainers:\n    - name: Example Maintainers\n      url: https://github.com/example/charts\n")
			fmt.Fprintf(w, "    name: %s\n", chart)
			fmt.Fprintf(w, "    sources:\n    - https://github.com/example/charts/tree/main/%s\n", chart)
			fmt.Fprintf(w, "    urls:\n    - https://charts.example.com/%s-%s.tgz\n", chart, version)
			fmt.Fprintf(w, "    version: %s\n", version)
		}
	}
	for name, entries := range extra {
		fmt.Fprintf(w, "  %s:\n", name)
		writeArchiveEntries(w, entries, base)
	}
	fmt.Fprintf(w, "generated: \"%s\"\n", base.Format(time.RFC3339Nano))
	return w.Flush()
}
