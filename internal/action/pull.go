package action

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"

	"github.com/rudderpm/rudder/internal/chart"
	"github.com/rudderpm/rudder/internal/repo"
)

// Pull downloads a chart into a folder, as `helm pull` does. The zero value
// (with a Source) saves the archive in the working folder.
type Pull struct {
	Source *ChartSource
	// DestDir is where the archive (or the unpacked chart) goes; "" means ".".
	DestDir string
	// Untar unpacks the chart into UntarDir (relative to DestDir; "" means ".").
	Untar    bool
	UntarDir string
}

// PullResult says what Pull did.
type PullResult struct {
	// Saved is the archive written, or the folder the chart was unpacked into.
	Saved   string
	Located *LocatedChart
}

// Run fetches the chart the request names.
func (p Pull) Run(ctx context.Context, req ChartRequest) (*PullResult, error) {
	lc, err := p.Source.Locate(ctx, req)
	if err != nil {
		return nil, err
	}
	dest := p.DestDir
	if dest == "" {
		dest = "."
	}
	data, err := os.ReadFile(lc.Path)
	if err != nil {
		return nil, err
	}
	if p.Untar {
		ud := p.UntarDir
		if ud == "" {
			ud = "."
		}
		if !filepath.IsAbs(ud) {
			ud = filepath.Join(dest, ud)
		}
		c, err := chart.LoadArchive(bytes.NewReader(data))
		if err != nil {
			return nil, fmt.Errorf("failed to untar: %w", err)
		}
		target := filepath.Join(ud, c.Name())
		if _, err := os.Stat(target); err == nil {
			return nil, fmt.Errorf("failed to untar: a file or directory with the name %s already exists", target)
		}
		// As with Helm, an unpacked chart keeps neither the archive nor its
		// provenance file.
		if err := ExpandArchive(data, ud); err != nil {
			return nil, fmt.Errorf("failed to untar: %w", err)
		}
		return &PullResult{Saved: target, Located: lc}, nil
	}
	if err := os.MkdirAll(dest, 0o755); err != nil {
		return nil, err
	}
	saved := filepath.Join(dest, lc.FileName)
	if err := repo.WriteFileAtomic(saved, data, 0o644); err != nil {
		return nil, err
	}
	if lc.ProvPath != "" {
		if err := copyFile(lc.ProvPath, saved+".prov"); err != nil {
			return nil, err
		}
	}
	return &PullResult{Saved: saved, Located: lc}, nil
}

func copyFile(from, to string) error {
	b, err := os.ReadFile(from)
	if err != nil {
		return err
	}
	return repo.WriteFileAtomic(to, b, 0o644)
}

// ExpandArchive unpacks a chart archive into dir/<chart name>/, refusing members
// that would land outside it.
func ExpandArchive(data []byte, dir string) error {
	files, err := chart.ReadArchive(bytes.NewReader(data), chart.Limits{})
	if err != nil {
		return err
	}
	c, err := chart.LoadFiles(files)
	if err != nil {
		return err
	}
	root := filepath.Join(dir, c.Name())
	for _, f := range files {
		p := filepath.Join(root, filepath.FromSlash(f.Name))
		if rel, err := filepath.Rel(root, p); err != nil || rel == ".." || filepath.IsAbs(rel) || len(rel) > 1 && rel[:2] == ".." {
			return fmt.Errorf("chart archive member %q leaves the chart folder", f.Name)
		}
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			return err
		}
		if err := os.WriteFile(p, f.Data, 0o644); err != nil {
			return err
		}
	}
	return nil
}
