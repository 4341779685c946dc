package lint

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing/fstest"

	"sigs.k8s.io/yaml"

	"github.com/rudderpm/rudder/internal/chart"
	"github.com/rudderpm/rudder/internal/warn"
)

// Path lints the chart directory or chart archive (.tgz, .tar.gz) at p, with the
// messages and warnings of Chart. The error says p could not be linted at all: it is
// not a chart, or the archive cannot be read.
func Path(ctx context.Context, p string, o Options) ([]Message, []warn.Warning, error) {
	if isArchive(p) {
		fsys, name, err := openArchive(p, o.ChartLimits)
		if err != nil {
			return nil, nil, err
		}
		// Helm lints an unpacked copy in a temporary folder; messages that name the
		// chart folder name it inside the archive instead.
		msgs, ws := Chart(ctx, fsys, filepath.Join(p, name), o)
		return msgs, ws, nil
	}
	if _, err := os.Stat(filepath.Join(p, chartFileName)); err != nil {
		return nil, nil, fmt.Errorf("unable to check Chart.yaml file in chart: %w", err)
	}
	dir, err := filepath.Abs(p)
	if err != nil {
		return nil, nil, err
	}
	msgs, ws := Chart(ctx, os.DirFS(dir), dir, o)
	return msgs, ws, nil
}

func isArchive(p string) bool {
	return strings.HasSuffix(p, ".tgz") || strings.HasSuffix(p, ".tar.gz")
}

// openArchive reads a chart archive into memory, returning its files with the chart
// folder as root, and the chart's name.
func openArchive(p string, lim chart.Limits) (fs.FS, string, error) {
	f, err := os.Open(p)
	if err != nil {
		return nil, "", fmt.Errorf("unable to open tarball: %w", err)
	}
	defer f.Close()
	files, err := chart.ReadArchive(f, lim)
	if err != nil {
		return nil, "", fmt.Errorf("unable to extract tarball: %w", archiveCause(err))
	}
	name := ""
	for _, file := range files {
		if file.Name == chartFileName {
			md := &chart.Metadata{}
			if err := yaml.Unmarshal(file.Data, md); err != nil {
				return nil, "", fmt.Errorf("unable to extract tarball: cannot load Chart.yaml: %w", withHelmTypes(err))
			}
			name = md.Name
		}
	}
	switch {
	case name == "":
		return nil, "", errors.New("unable to extract tarball: chart name not specified")
	case name == "." || name == "..":
		return nil, "", fmt.Errorf("unable to extract tarball: chart name %q is not allowed", name)
	case name != filepath.Base(name) || strings.Contains(name, "/"):
		return nil, "", fmt.Errorf("unable to extract tarball: chart name %q must not contain path separators", name)
	}
	// fstest.MapFS is a complete in-memory fs.FS; folders are implied by file names.
	mfs := fstest.MapFS{}
	for _, file := range files {
		mfs[file.Name] = &fstest.MapFile{Data: file.Data, Mode: 0o644, ModTime: file.ModTime}
	}
	return mfs, name, nil
}

// archiveCause drops Rudder's wrapping of a gzip or tar reading error, whose own text
// is what Helm reports; refusals of hostile members keep their explanation.
func archiveCause(err error) error {
	var ae *chart.ArchiveError
	if errors.As(err, &ae) {
		return err
	}
	for {
		inner := errors.Unwrap(err)
		if inner == nil {
			return err
		}
		err = inner
	}
}

// SubchartPaths lists the charts found anywhere under the charts/ folder of the chart
// directory p, in lexical walk order: folders holding a Chart.yaml, and chart archives.
// Symbolic links are not followed. A p without charts/ has none.
func SubchartPaths(p string) []string {
	var found []string
	_ = filepath.Walk(filepath.Join(p, "charts"), func(name string, fi os.FileInfo, _ error) error {
		switch {
		case fi == nil:
		case fi.Name() == chartFileName:
			found = append(found, filepath.Dir(name))
		case isArchive(name):
			found = append(found, name)
		}
		return nil
	})
	return found
}
