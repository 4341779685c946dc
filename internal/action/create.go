package action

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"regexp"

	"github.com/rudderpm/rudder/internal/chart"
	"github.com/rudderpm/rudder/internal/scaffold"
	"github.com/rudderpm/rudder/internal/warn"
)

// Create writes a new chart folder, as `helm create` does. The zero value writes
// Rudder's own scaffold.
type Create struct {
	// Starter is the path of a chart (folder or archive) to copy instead of the
	// scaffold; its templates and values get the new chart's name in place of
	// scaffold.Placeholder.
	Starter string
	// Warnings receives what loading the starter noticed; nil drops them.
	Warnings func(warn.Warning)
	// APIVersion is the new chart's apiVersion; "" is v2.
	APIVersion string
}

// CreateResult describes a chart Create wrote.
type CreateResult struct {
	// Dir is the chart's folder.
	Dir string
	// Overwritten are the files (absolute paths) that existed and were replaced.
	Overwritten []string
}

// StarterMetadata is the Chart.yaml a chart made from a starter gets; the starter's
// own Chart.yaml is not kept.
func StarterMetadata(name, apiVersion string) *chart.Metadata {
	if apiVersion == "" {
		apiVersion = chart.APIVersionV2
	}
	return &chart.Metadata{
		APIVersion:  apiVersion,
		Name:        name,
		Description: "A Helm chart for Kubernetes", // as Helm writes it over a starter
		Type:        "application",
		Version:     "0.1.0",
		AppVersion:  "0.1.0",
	}
}

const maxChartNameLen = 250

var chartNamePattern = regexp.MustCompile(`^[a-zA-Z0-9._-]+$`)

// ValidateChartName checks the name of a new chart with Helm's rules. Unlike Helm,
// "." and ".." are refused: Helm would write the chart into an existing folder under a
// name its own validation rejects.
func ValidateChartName(name string) error {
	switch {
	case name == "" || len(name) > maxChartNameLen:
		return fmt.Errorf("chart name must be between 1 and %d characters", maxChartNameLen)
	case !chartNamePattern.MatchString(name):
		return fmt.Errorf("chart name must match the regular expression %q", chartNamePattern.String())
	case name == "." || name == "..":
		return fmt.Errorf("chart name %q is not allowed: give the path of the chart's new folder", name)
	}
	return nil
}

// Run creates the chart at path: a folder named after the chart (the last element of
// path) inside path's parent. Files of an existing folder are overwritten, others kept.
// Even on error the result lists the files already overwritten.
func (c Create) Run(ctx context.Context, path string) (*CreateResult, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	// The name is taken before cleaning, so that "x/.." is refused rather than read as
	// x's parent; a trailing separator is ignored (Helm would create x/x for "x/").
	name := filepath.Base(path)
	if err := ValidateChartName(name); err != nil {
		return nil, err
	}
	path = filepath.Clean(path)
	if c.Starter != "" {
		return createFromStarter(name, filepath.Dir(path), c.Starter, c.APIVersion, c.Warnings)
	}

	parent, err := filepath.Abs(filepath.Dir(path))
	if err != nil {
		return nil, err
	}
	if fi, err := os.Stat(parent); err != nil {
		return nil, err
	} else if !fi.IsDir() {
		return nil, fmt.Errorf("no such directory %s", parent)
	}
	dir := filepath.Join(parent, name)
	if fi, err := os.Stat(dir); err == nil && !fi.IsDir() {
		return nil, fmt.Errorf("file %s already exists and is not a directory", dir)
	}

	res := &CreateResult{Dir: dir}
	for _, f := range scaffold.Files(name) {
		if f.Name == "Chart.yaml" && c.APIVersion != "" && c.APIVersion != chart.APIVersionV2 {
			f.Data = bytes.Replace(f.Data, []byte("apiVersion: v2\n"), []byte("apiVersion: "+c.APIVersion+"\n"), 1)
		}
		p := filepath.Join(dir, filepath.FromSlash(f.Name))
		if _, err := os.Stat(p); err == nil {
			res.Overwritten = append(res.Overwritten, p)
		}
		if err := writeChartFile(p, f.Data); err != nil {
			return res, err
		}
	}
	if err := os.MkdirAll(filepath.Join(dir, "charts"), 0o755); err != nil {
		return res, err
	}
	return res, nil
}

// createFromStarter copies the starter chart src to parent/name under new metadata.
func createFromStarter(name, parent, src, apiVersion string, warnings func(warn.Warning)) (*CreateResult, error) {
	st, err := chart.Load(src)
	notifyLoaded(warnings, st)
	if err != nil {
		return nil, fmt.Errorf("could not load %s: %w", src, err)
	}
	st.Metadata = StarterMetadata(name, apiVersion)
	for _, t := range st.Templates {
		t.Data = scaffold.ReplaceName(t.Data, name)
	}
	for _, f := range st.Raw {
		if f.Name == "values.yaml" {
			f.Data = scaffold.ReplaceName(f.Data, name)
			vals, err := chart.ParseValues(f.Data)
			if err != nil {
				return nil, fmt.Errorf("transforming values file: %w", err)
			}
			st.Values = vals
		}
	}

	dir := filepath.Join(parent, name)
	if fi, err := os.Stat(dir); err == nil && !fi.IsDir() {
		return nil, fmt.Errorf("file %s already exists and is not a directory", dir)
	}
	if err := writeChartDir(st, dir); err != nil {
		return nil, err
	}
	abs, err := filepath.Abs(dir)
	if err != nil {
		return nil, err
	}
	return &CreateResult{Dir: abs}, nil
}

// writeChartDir writes a loaded chart back out as a folder, the way Helm saves a
// starter: Chart.yaml from the metadata, values.yaml as loaded, the schema, templates
// and other files, and each subchart as an archive in charts/.
func writeChartDir(c *chart.Chart, dir string) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	cf, err := chart.MarshalMetadata(c.Metadata)
	if err != nil {
		return err
	}
	if err := writeChartFile(filepath.Join(dir, "Chart.yaml"), cf); err != nil {
		return err
	}
	for _, f := range c.Raw {
		if f.Name == "values.yaml" {
			if err := writeChartFile(filepath.Join(dir, "values.yaml"), f.Data); err != nil {
				return err
			}
		}
	}
	if c.Schema != nil {
		if err := writeChartFile(filepath.Join(dir, "values.schema.json"), c.Schema); err != nil {
			return err
		}
	}
	for _, group := range [][]*chart.File{c.Templates, c.Files} {
		for _, f := range group {
			rel := filepath.FromSlash(f.Name)
			if !filepath.IsLocal(rel) {
				return fmt.Errorf("file %q of the starter lies outside the chart", f.Name)
			}
			if err := writeChartFile(filepath.Join(dir, rel), f.Data); err != nil {
				return err
			}
		}
	}
	for _, dep := range c.Dependencies() {
		var buf bytes.Buffer
		if err := chart.WriteArchive(&buf, dep, chart.ArchiveOptions{}); err != nil {
			return fmt.Errorf("saving %s: %w", dep.ChartFullPath(), err)
		}
		if err := writeChartFile(filepath.Join(dir, "charts", chart.ArchiveName(dep)), buf.Bytes()); err != nil {
			return fmt.Errorf("saving %s: %w", dep.ChartFullPath(), err)
		}
	}
	return nil
}

func writeChartFile(name string, data []byte) error {
	if err := os.MkdirAll(filepath.Dir(name), 0o755); err != nil {
		return err
	}
	return os.WriteFile(name, data, 0o644)
}
