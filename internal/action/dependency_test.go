package action

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/rudderpm/rudder/internal/chart"
)

// writeChartArchive writes the archive of a minimal chart name@version to path.
func writeChartArchive(t *testing.T, path, name, version string) {
	t.Helper()
	c := &chart.Chart{Metadata: &chart.Metadata{APIVersion: "v2", Name: name, Version: version}}
	var buf bytes.Buffer
	if err := chart.WriteArchive(&buf, c, chart.ArchiveOptions{}); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
}

// dependencyFixture is a chart whose dependencies have every status Helm reports.
func dependencyFixture(t *testing.T) string {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "app")
	sub := func(name, version string) string {
		return "apiVersion: v2\nname: " + name + "\nversion: " + version + "\n"
	}
	writeFiles(t, dir, map[string]string{
		"Chart.yaml": `apiVersion: v2
name: app
version: 1.0.0
dependencies:
- {name: okdep, version: ^1.0.0, repository: https://a}
- {name: wrongv, version: ^2.0.0, repository: https://a}
- {name: misn, version: 1.0.0, repository: https://a}
- {name: many, version: 1.x, repository: https://a}
- {name: unp, version: ~0.1, repository: file://x}
- {name: unpwrong, version: 9.9.9, repository: file://x}
- {name: invalid, version: ">>bad", repository: https://a}
- {name: missing, version: 1.0.0, repository: https://a}
- {name: "br[ack", version: 1.0.0, repository: https://a}
- {name: aliased, alias: other, version: 1.0.0, repository: https://a}
- {name: broken, version: 1.0.0, repository: https://a}
- {name: semvmix, version: 1.0.0, repository: https://a}
`,
		// Hidden from the loader, seen by the charts/ listing.
		".helmignore":                 "charts/notachart/\nbroken-*\nsome-notes.txt\n",
		"charts/unp/Chart.yaml":       sub("unp", "0.1.5"),
		"charts/unpwrong/Chart.yaml":  sub("unpwrong", "1.0.0"),
		"charts/invalid/Chart.yaml":   sub("invalid", "1.0.0"),
		"charts/aliased/Chart.yaml":   sub("aliased", "1.0.0"),
		"charts/extra/Chart.yaml":     sub("extra", "1.0.0"),
		"charts/notachart/README":     "not a chart",
		"charts/broken-1.0.0.tgz":     "not an archive",
		"charts/some-notes.txt":       "skipped: neither a folder nor a .tgz",
		"charts/_helpers-ignored.txt": "x",
	})
	charts := filepath.Join(dir, "charts")
	writeChartArchive(t, filepath.Join(charts, "okdep-1.2.0.tgz"), "okdep", "1.2.0")
	writeChartArchive(t, filepath.Join(charts, "wrongv-1.0.0.tgz"), "wrongv", "1.0.0")
	writeChartArchive(t, filepath.Join(charts, "misn-1.0.0.tgz"), "other", "1.0.0")
	writeChartArchive(t, filepath.Join(charts, "many-1.0.0.tgz"), "many", "1.0.0")
	writeChartArchive(t, filepath.Join(charts, "many-1.1.0.tgz"), "many", "1.1.0")
	writeChartArchive(t, filepath.Join(charts, "semvmix-1.0.0.tgz"), "semvmix", "1.0.0")
	writeChartArchive(t, filepath.Join(charts, "semvmix-latest.tgz"), "semvmix", "1.0.0")
	return dir
}

func TestListDependencies(t *testing.T) {
	dir := dependencyFixture(t)
	res, err := ListDependencies(context.Background(), dir)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{
		"okdep":    DependencyOK,
		"wrongv":   DependencyWrongVersion,
		"misn":     DependencyMisnamed,
		"many":     DependencyTooManyMatches,
		"unp":      DependencyUnpacked,
		"unpwrong": DependencyWrongVersion,
		"invalid":  DependencyInvalidVersion,
		"missing":  DependencyMissing,
		"br[ack":   DependencyBadPattern,
		"aliased":  DependencyUnpacked,
		"broken":   DependencyCorrupt,
		"semvmix":  DependencyOK,
	}
	if !res.Declared || len(res.Dependencies) != len(want) {
		t.Fatalf("report %+v", res)
	}
	for _, d := range res.Dependencies {
		if d.Status != want[d.Name] {
			t.Errorf("%s: status %q, want %q", d.Name, d.Status, want[d.Name])
		}
	}
	if res.Dependencies[0].Version != "^1.0.0" || res.Dependencies[0].Repository != "https://a" {
		t.Errorf("first row %+v", res.Dependencies[0])
	}

	charts := filepath.Join(dir, "charts")
	wantStrays := []Stray{
		{Path: filepath.Join(charts, "broken-1.0.0.tgz"), Kind: StrayNotAChart},
		{Path: filepath.Join(charts, "extra"), Kind: StrayNotDeclared},
		{Path: filepath.Join(charts, "misn-1.0.0.tgz"), Kind: StrayNotDeclared},
		{Path: filepath.Join(charts, "notachart"), Kind: StrayNotAChart},
	}
	if len(res.Strays) != len(wantStrays) {
		t.Fatalf("strays %+v", res.Strays)
	}
	for i, s := range res.Strays {
		if s.Path != wantStrays[i].Path || s.Kind != wantStrays[i].Kind {
			t.Errorf("stray %d: %+v, want %+v", i, s, wantStrays[i])
		}
	}
}

func TestListDependenciesNoneDeclared(t *testing.T) {
	dir := t.TempDir()
	writeFiles(t, filepath.Join(dir, "none"), map[string]string{"Chart.yaml": "apiVersion: v2\nname: none\nversion: 1.0.0\n"})
	writeFiles(t, filepath.Join(dir, "empty"), map[string]string{"Chart.yaml": "apiVersion: v2\nname: empty\nversion: 1.0.0\ndependencies: []\n"})
	res, err := ListDependencies(context.Background(), filepath.Join(dir, "none"))
	if err != nil || res.Declared {
		t.Errorf("no dependencies: %+v, %v", res, err)
	}
	res, err = ListDependencies(context.Background(), filepath.Join(dir, "empty"))
	if err != nil || !res.Declared || len(res.Dependencies) != 0 {
		t.Errorf("an empty list: %+v, %v", res, err)
	}
	if _, err := ListDependencies(context.Background(), filepath.Join(dir, "nope")); err == nil {
		t.Error("a missing chart is not an error")
	}
}

func TestListDependenciesOfArchive(t *testing.T) {
	dir := dependencyFixture(t)
	// Drop the duplicate subcharts WriteArchive refuses, then list the packaged chart.
	for _, f := range []string{"misn-1.0.0.tgz", "semvmix-latest.tgz", "many-1.1.0.tgz"} {
		if err := os.Remove(filepath.Join(dir, "charts", f)); err != nil {
			t.Fatal(err)
		}
	}
	ch, err := chart.Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := chart.WriteArchive(&buf, ch, chart.ArchiveOptions{}); err != nil {
		t.Fatal(err)
	}
	archive := filepath.Join(t.TempDir(), "app-1.0.0.tgz")
	if err := os.WriteFile(archive, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	res, err := ListDependencies(context.Background(), archive)
	if err != nil {
		t.Fatal(err)
	}
	// Inside an archive every subchart is unpacked; nothing is listed as stray.
	for _, d := range res.Dependencies {
		want := map[string]string{"misn": DependencyMissing, "missing": DependencyMissing, "br[ack": DependencyBadPattern, "broken": DependencyMissing,
			"wrongv": DependencyWrongVersion, "unpwrong": DependencyWrongVersion, "invalid": DependencyInvalidVersion}[d.Name]
		if want == "" {
			want = DependencyUnpacked
		}
		if d.Status != want {
			t.Errorf("%s: %q, want %q", d.Name, d.Status, want)
		}
	}
	if len(res.Strays) != 0 {
		t.Errorf("strays %+v", res.Strays)
	}
}
