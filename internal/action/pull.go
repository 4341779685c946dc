package action

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/rudderpm/rudder/internal/atomicfile"
	"github.com/rudderpm/rudder/internal/chart"
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
		// Helm unpacks without loading the chart, so what loading warns about is
		// not shown here either.
		c, err := p.Source.ChartLimits.LoadArchive(bytes.NewReader(data))
		if err != nil {
			return nil, fmt.Errorf("failed to untar: %w", err)
		}
		// As with Helm, an unpacked chart keeps neither the archive nor its
		// provenance file.
		target, err := expandChart(c, ud)
		if err != nil {
			return nil, fmt.Errorf("failed to untar: %w", err)
		}
		return &PullResult{Saved: target, Located: lc}, nil
	}
	if err := os.MkdirAll(dest, 0o755); err != nil {
		return nil, err
	}
	saved, err := fileIn(dest, lc.FileName)
	if err != nil {
		return nil, err
	}
	if err := atomicfile.Write(saved, data, 0o644); err != nil {
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
	return atomicfile.Write(to, b, 0o644)
}

// expandChart writes a loaded chart's files into dir/<chart name>/ and returns that
// folder. The files are written into a temporary folder beside it first and moved
// into place at the end, so a failure leaves nothing behind.
func expandChart(c *chart.Chart, dir string) (string, error) {
	target, err := fileIn(dir, c.Name())
	if err != nil {
		return "", fmt.Errorf("chart name: %w", err)
	}
	if _, err := os.Lstat(target); err == nil {
		return "", fmt.Errorf("a file or directory with the name %s already exists", target)
	}
	created, err := mkdirAllCreated(dir)
	if err != nil {
		return "", err
	}
	tmp, err := os.MkdirTemp(dir, ".rudder-untar-")
	if err != nil {
		return "", err
	}
	ok := false
	defer func() {
		os.RemoveAll(tmp)
		if !ok && created != "" {
			os.RemoveAll(created)
		}
	}()
	root := filepath.Join(tmp, c.Name())
	for _, f := range c.Raw {
		if !filepath.IsLocal(filepath.FromSlash(f.Name)) {
			return "", fmt.Errorf("chart archive member %q leaves the chart folder", f.Name)
		}
		p := filepath.Join(root, filepath.FromSlash(f.Name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			return "", err
		}
		if err := os.WriteFile(p, f.Data, 0o644); err != nil {
			return "", err
		}
	}
	if err := os.Rename(root, target); err != nil {
		if errors.Is(err, os.ErrExist) {
			return "", fmt.Errorf("a file or directory with the name %s already exists", target)
		}
		return "", err
	}
	ok = true
	return target, nil
}

// mkdirAllCreated creates dir and its missing parents, returning the topmost folder
// it created ("" when dir existed), so a caller can take back what it made.
func mkdirAllCreated(dir string) (string, error) {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return "", err
	}
	top := ""
	for p := abs; ; p = filepath.Dir(p) {
		if _, err := os.Stat(p); err == nil {
			break
		}
		top = p
		if filepath.Dir(p) == p {
			break
		}
	}
	return top, os.MkdirAll(abs, 0o755)
}
