package repo

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"strings"
	"time"

	yaml "go.yaml.in/yaml/v3"

	"github.com/rudderpm/rudder/internal/chart"
)

// ErrEmptyEntry is the error of an IndexWarning about a null version entry.
var ErrEmptyEntry = errors.New("empty entry")

// IndexWarning is an index entry that was skipped, and why.
type IndexWarning struct {
	Chart   string
	Version string
	Err     error
}

func (w IndexWarning) String() string {
	return fmt.Sprintf("skipping invalid entry for chart %q %q: %v", w.Chart, w.Version, w.Err)
}

// ParseIndex reads an index.yaml (or its JSON form). Entries that fail Helm's
// validation are dropped and reported as warnings; versions are sorted newest first.
func ParseIndex(data []byte) (*IndexFile, []IndexWarning, error) {
	if len(bytes.TrimSpace(data)) == 0 {
		return nil, nil, ErrEmptyIndex
	}
	var idx *IndexFile
	if data[0] == '{' && json.Valid(data) {
		idx = &IndexFile{}
		if err := json.Unmarshal(data, idx); err != nil {
			return nil, nil, err
		}
	} else {
		var doc yamlIndex
		if err := yaml.Unmarshal(data, &doc); err != nil {
			return nil, nil, err
		}
		idx = doc.model()
	}
	var warnings []IndexWarning
	for name, vs := range idx.Entries {
		// Checked from the last version to the first, so warnings come in the
		// order Helm logs them.
		keep := make([]bool, len(vs))
		for k := len(vs) - 1; k >= 0; k-- {
			v := vs[k]
			if v == nil {
				warnings = append(warnings, IndexWarning{Chart: name, Err: ErrEmptyEntry})
				continue
			}
			if v.Metadata == nil {
				v.Metadata = &chart.Metadata{}
			}
			if v.APIVersion == "" {
				v.APIVersion = "v1"
			}
			if err := v.Validate(); err != nil && !strings.HasPrefix(err.Error(), "validation: more than one dependency with name or alias") {
				warnings = append(warnings, IndexWarning{Chart: name, Version: v.Version, Err: err})
				continue
			}
			keep[k] = true
		}
		kept := vs[:0]
		for k, v := range vs {
			if keep[k] {
				kept = append(kept, v)
			}
		}
		idx.Entries[name] = kept
	}
	if idx.Entries == nil {
		idx.Entries = map[string][]*ChartVersion{}
	}
	idx.SortEntries()
	if idx.APIVersion == "" {
		return idx, warnings, ErrNoAPIVersion
	}
	return idx, warnings, nil
}

// LoadIndexFile reads and parses an index file; errors name the file.
func LoadIndexFile(path string) (*IndexFile, []IndexWarning, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, nil, err
	}
	idx, warnings, err := ParseIndex(b)
	if err != nil {
		return nil, warnings, fmt.Errorf("error loading %s: %w", path, err)
	}
	return idx, warnings, nil
}

// yamlIndex mirrors IndexFile with YAML names, so the fast YAML decoder fills
// typed structs directly instead of going through JSON.
type yamlIndex struct {
	ServerInfo  map[string]any                 `yaml:"serverInfo"`
	APIVersion  string                         `yaml:"apiVersion"`
	Generated   yamlTime                       `yaml:"generated"`
	Entries     map[string][]*yamlChartVersion `yaml:"entries"`
	PublicKeys  []string                       `yaml:"publicKeys"`
	Annotations map[string]string              `yaml:"annotations"`
}

type yamlMaintainer struct {
	Name  string `yaml:"name"`
	Email string `yaml:"email"`
	URL   string `yaml:"url"`
}

type yamlDependency struct {
	Name         string   `yaml:"name"`
	Version      string   `yaml:"version"`
	Repository   string   `yaml:"repository"`
	Condition    string   `yaml:"condition"`
	Tags         []string `yaml:"tags"`
	Enabled      bool     `yaml:"enabled"`
	ImportValues []any    `yaml:"import-values"`
	Alias        string   `yaml:"alias"`
}

type yamlChartVersion struct {
	Name         string            `yaml:"name"`
	Home         string            `yaml:"home"`
	Sources      []string          `yaml:"sources"`
	Version      string            `yaml:"version"`
	Description  string            `yaml:"description"`
	Keywords     []string          `yaml:"keywords"`
	Maintainers  []*yamlMaintainer `yaml:"maintainers"`
	Icon         string            `yaml:"icon"`
	APIVersion   string            `yaml:"apiVersion"`
	Condition    string            `yaml:"condition"`
	Tags         string            `yaml:"tags"`
	AppVersion   string            `yaml:"appVersion"`
	Deprecated   bool              `yaml:"deprecated"`
	Annotations  map[string]string `yaml:"annotations"`
	KubeVersion  string            `yaml:"kubeVersion"`
	Dependencies []*yamlDependency `yaml:"dependencies"`
	Type         string            `yaml:"type"`
	URLs         []string          `yaml:"urls"`
	Created      yamlTime          `yaml:"created"`
	Removed      bool              `yaml:"removed"`
	Digest       string            `yaml:"digest"`
}

// yamlTime is a time that says on which line it failed to parse; the YAML
// decoder reports lines only for syntax errors.
type yamlTime struct{ time.Time }

func (t *yamlTime) UnmarshalYAML(n *yaml.Node) error {
	if err := n.Decode(&t.Time); err != nil {
		return fmt.Errorf("yaml: line %d: %w", n.Line, err)
	}
	return nil
}

func (d *yamlIndex) model() *IndexFile {
	idx := &IndexFile{ServerInfo: d.ServerInfo, APIVersion: d.APIVersion, Generated: d.Generated.Time,
		PublicKeys: d.PublicKeys, Annotations: d.Annotations, Entries: make(map[string][]*ChartVersion, len(d.Entries))}
	for name, vs := range d.Entries {
		out := make([]*ChartVersion, len(vs))
		for i, v := range vs {
			if v != nil {
				out[i] = v.model()
			}
		}
		idx.Entries[name] = out
	}
	return idx
}

func (v *yamlChartVersion) model() *ChartVersion {
	md := &chart.Metadata{Name: v.Name, Home: v.Home, Sources: v.Sources, Version: v.Version,
		Description: v.Description, Keywords: v.Keywords, Icon: v.Icon, APIVersion: v.APIVersion,
		Condition: v.Condition, Tags: v.Tags, AppVersion: v.AppVersion, Deprecated: v.Deprecated,
		Annotations: v.Annotations, KubeVersion: v.KubeVersion, Type: v.Type}
	for _, m := range v.Maintainers {
		if m == nil {
			md.Maintainers = append(md.Maintainers, nil)
			continue
		}
		md.Maintainers = append(md.Maintainers, &chart.Maintainer{Name: m.Name, Email: m.Email, URL: m.URL})
	}
	for _, d := range v.Dependencies {
		if d == nil {
			md.Dependencies = append(md.Dependencies, nil)
			continue
		}
		md.Dependencies = append(md.Dependencies, &chart.Dependency{Name: d.Name, Version: d.Version,
			Repository: d.Repository, Condition: d.Condition, Tags: d.Tags, Enabled: d.Enabled,
			ImportValues: d.ImportValues, Alias: d.Alias})
	}
	return &ChartVersion{Metadata: md, URLs: v.URLs, Created: v.Created.Time, Removed: v.Removed, Digest: v.Digest}
}
