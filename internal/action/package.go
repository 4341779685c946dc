package action

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"time"

	"github.com/Masterminds/semver/v3"

	"github.com/rudderpm/rudder/internal/atomicfile"
	"github.com/rudderpm/rudder/internal/chart"
	"github.com/rudderpm/rudder/internal/warn"
)

// Package writes a chart folder as a versioned chart archive, as `helm package` does,
// except that the archive's bytes depend only on the chart's content (see
// chart.WriteArchive). The zero value packages the chart as it is into the working
// folder.
type Package struct {
	// Version, when set, replaces the chart's version.
	Version string
	// AppVersion, when set, replaces the chart's appVersion.
	AppVersion string
	// Destination is the folder the archive is written to, created if missing.
	// "" and "." mean the working folder, reported as an absolute path; any other
	// value is used (and reported) as given.
	Destination string
	// SourceDateEpoch, when set, is the modification time of every archive member and,
	// as Helm does, replaces the generated time of the Chart.lock files. When nil the
	// members get chart.DefaultArchiveTime and Chart.lock is kept as it is.
	SourceDateEpoch *time.Time
	// Warnings receives what loading the chart noticed; nil drops them.
	Warnings func(warn.Warning)
}

// Run packages the chart folder at dir and returns the path of the archive.
func (p Package) Run(ctx context.Context, dir string) (string, error) {
	if err := ctx.Err(); err != nil {
		return "", err
	}
	if _, err := os.ReadFile(filepath.Join(dir, "Chart.yaml")); err != nil {
		return "", fmt.Errorf("unable to detect chart at %s: %w", filepath.Join(dir, "Chart.yaml"), err)
	}
	ch, err := chart.LoadDir(dir)
	notifyLoaded(p.Warnings, ch)
	if err != nil {
		return "", err
	}
	if ch.Metadata.APIVersion == chart.APIVersionV3 {
		// Helm v4.3.1 creates v3 charts (behind its gate) but packages none.
		return "", ErrChartAPIVersion
	}
	if p.Version != "" {
		ch.Metadata.Version = p.Version
	}
	if _, err := semver.NewVersion(ch.Metadata.Version); err != nil {
		return "", err
	}
	if p.AppVersion != "" {
		ch.Metadata.AppVersion = p.AppVersion
	}
	opts := chart.ArchiveOptions{}
	if p.SourceDateEpoch != nil {
		opts.ModTime = *p.SourceDateEpoch
		stampLocks(ch, p.SourceDateEpoch.UTC().Truncate(time.Second))
	}
	if len(ch.Metadata.Dependencies) > 0 {
		if err := CheckDependencies(ch); err != nil {
			return "", err
		}
	}

	dest := p.Destination
	if dest == "" || dest == "." {
		if dest, err = os.Getwd(); err != nil {
			return "", err
		}
	}
	var buf bytes.Buffer
	if err := chart.WriteArchive(&buf, ch, opts); err != nil {
		return "", fmt.Errorf("failed to save: %w", err)
	}
	name := filepath.Join(dest, chart.ArchiveName(ch))
	if err := writeArchiveFile(name, buf.Bytes()); err != nil {
		return "", fmt.Errorf("failed to save: %w", err)
	}
	return name, nil
}

// stampLocks sets the generated time of every Chart.lock in the tree, which Helm does
// when SOURCE_DATE_EPOCH is set.
func stampLocks(c *chart.Chart, t time.Time) {
	if c.Lock != nil {
		c.Lock.Generated = t
	}
	for _, dep := range c.Dependencies() {
		stampLocks(dep, t)
	}
}

// writeArchiveFile writes data to name through a temporary file in the same folder, so
// that a failure never leaves a truncated archive in place of a good one.
func writeArchiveFile(name string, data []byte) error {
	dir := filepath.Dir(name)
	if fi, err := os.Stat(dir); err != nil {
		if !errors.Is(err, fs.ErrNotExist) {
			return err
		}
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return err
		}
	} else if !fi.IsDir() {
		return fmt.Errorf("is not a directory: %s", dir)
	}
	return atomicfile.Write(name, data, 0o644)
}
