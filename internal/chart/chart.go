package chart

import (
	"path"
	"strings"
	"time"

	"github.com/rudderpm/rudder/internal/warn"
)

// Chart API versions understood by Rudder.
const (
	APIVersionV1 = "v1"
	APIVersionV2 = "v2"
	// APIVersionV3 charts load, but Helm v4 does not render them yet.
	APIVersionV3 = "v3"
)

// File is one file of a chart, named by its slash-separated path relative to the chart root.
type File struct {
	Name    string    `json:"name"`
	Data    []byte    `json:"data"`
	ModTime time.Time `json:"modtime,omitzero"`
}

// Chart is a loaded chart. The JSON form is the one Helm stores inside release records.
type Chart struct {
	// Raw holds every file as it was loaded, including Chart.yaml and values.yaml.
	Raw []*File `json:"-"`
	// Metadata is the content of Chart.yaml (plus requirements.yaml for v1 charts).
	Metadata *Metadata `json:"metadata"`
	// Lock is Chart.lock (or requirements.lock), if present.
	Lock *Lock `json:"lock"`
	// Templates are the files under templates/.
	Templates []*File `json:"templates"`
	// Values are the chart's default values from values.yaml.
	Values map[string]any `json:"values"`
	// Schema is values.schema.json, if present.
	Schema        []byte    `json:"schema"`
	SchemaModTime time.Time `json:"schemamodtime"`
	// Files are all the other files (README, LICENSE, crds/, files read by .Files...).
	Files   []*File   `json:"files"`
	ModTime time.Time `json:"modtime,omitzero"`
	// LoadWarnings are what loading noticed about this chart and its subcharts, in
	// the order found (a requirements.yaml in a chart of API version v2). They are
	// not part of the chart: callers show or record them.
	LoadWarnings []warn.Warning `json:"-"`

	parent       *Chart
	dependencies []*Chart
	// archiveOrder: the chart was read from an archive, whose member order
	// Templates and Files keep when it is archived again.
	archiveOrder bool
}

// CRD is a custom resource definition file shipped in a chart's crds/ folder.
type CRD struct {
	// Name is the file's path within its own chart (crds/x.yaml).
	Name string
	// Filename is the file's path from the top chart (top/charts/sub/crds/x.yaml).
	Filename string
	File     *File
}

// Name returns the chart's name, or "" when it has no metadata.
func (c *Chart) Name() string {
	if c.Metadata == nil {
		return ""
	}
	return c.Metadata.Name
}

// AppVersion returns the chart's appVersion.
func (c *Chart) AppVersion() string {
	if c.Metadata == nil {
		return ""
	}
	return c.Metadata.AppVersion
}

// IsRoot tells whether the chart is the top of its tree.
func (c *Chart) IsRoot() bool { return c.parent == nil }

// Parent returns the chart this one is a dependency of, or nil.
func (c *Chart) Parent() *Chart { return c.parent }

// Root returns the top chart of the tree.
func (c *Chart) Root() *Chart {
	for c.parent != nil {
		c = c.parent
	}
	return c
}

// Dependencies returns the subcharts.
func (c *Chart) Dependencies() []*Chart { return c.dependencies }

// SetDependencies replaces the subcharts.
func (c *Chart) SetDependencies(charts ...*Chart) {
	c.dependencies = nil
	c.AddDependency(charts...)
}

// AddDependency appends subcharts, making c their parent.
func (c *Chart) AddDependency(charts ...*Chart) {
	for _, sub := range charts {
		sub.parent = c
		c.dependencies = append(c.dependencies, sub)
	}
}

// IsLibrary tells whether the chart is a library chart (type: library).
func (c *Chart) IsLibrary() bool {
	return c.Metadata != nil && strings.EqualFold(c.Metadata.Type, "library")
}

// ChartPath is the dotted path of the chart from the root: top.sub.subsub.
func (c *Chart) ChartPath() string {
	if c.parent == nil {
		return c.Name()
	}
	return c.parent.ChartPath() + "." + c.Name()
}

// ChartFullPath is the slash path of the chart from the root: top/charts/sub.
func (c *Chart) ChartFullPath() string {
	if c.parent == nil {
		return c.Name()
	}
	return c.parent.ChartFullPath() + "/charts/" + c.Name()
}

// Validate checks the chart's metadata.
func (c *Chart) Validate() error { return c.Metadata.Validate() }

// CRDObjects returns the CRD files of the chart and then of its subcharts, depth first.
func (c *Chart) CRDObjects() []CRD {
	var crds []CRD
	for _, f := range c.Files {
		if isCRDFile(f.Name) {
			crds = append(crds, CRD{Name: f.Name, Filename: path.Join(c.ChartFullPath(), f.Name), File: f})
		}
	}
	for _, dep := range c.dependencies {
		crds = append(crds, dep.CRDObjects()...)
	}
	return crds
}

func isCRDFile(name string) bool {
	if !strings.HasPrefix(name, "crds/") {
		return false
	}
	ext := strings.ToLower(path.Ext(name))
	return ext == ".yaml" || ext == ".yml" || ext == ".json"
}
