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
	return parseIndex(data, splitThreshold)
}

// parseIndex is ParseIndex, decoding YAML documents of splitAt bytes or more chart by
// chart (see parseYAMLIndex).
func parseIndex(data []byte, splitAt int) (*IndexFile, []IndexWarning, error) {
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
		var err error
		if idx, err = parseYAMLIndex(data, splitAt); err != nil {
			return nil, nil, err
		}
	}
	var warnings []IndexWarning
	for name, vs := range idx.Entries {
		kept, w := validateVersions(name, vs)
		warnings = append(warnings, w...)
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

// validateVersions checks a chart's versions as Helm does, dropping and
// reporting those that fail (null entries and invalid metadata). It works in
// place: the versions kept reuse vs.
func validateVersions(name string, vs []*ChartVersion) ([]*ChartVersion, []IndexWarning) {
	var warnings []IndexWarning
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
	return kept, warnings
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

// parseYAMLIndex decodes an index.yaml. The YAML decoder holds the whole
// document as a tree of nodes, about twenty times its size, so a big index in
// the layout Helm writes is decoded one chart at a time (see splitByChart);
// other documents, and any that fail that way, are decoded whole, which also
// gives the errors their right line numbers.
func parseYAMLIndex(data []byte, splitAt int) (*IndexFile, error) {
	if len(data) >= splitAt {
		if idx, ok := parseByChart(data); ok {
			return idx, nil
		}
	}
	var doc yamlIndex
	if err := yaml.Unmarshal(data, &doc); err != nil {
		return nil, err
	}
	return doc.model(), nil
}

// splitThreshold is the size from which ParseIndex decodes an index chart by chart.
const splitThreshold = 4 << 20

func parseByChart(data []byte) (*IndexFile, bool) {
	rest, charts, ok := splitByChart(data)
	if !ok {
		return nil, false
	}
	var doc yamlIndex
	if err := yaml.Unmarshal(rest, &doc); err != nil || doc.Entries != nil {
		return nil, false
	}
	idx := doc.model()
	var buf []byte
	for _, c := range charts {
		buf = append(append(buf[:0], "entries:\n"...), c...)
		var one struct {
			Entries map[string][]*yamlChartVersion `yaml:"entries"`
		}
		if err := yaml.Unmarshal(buf, &one); err != nil || len(one.Entries) != 1 {
			return nil, false
		}
		for name, vs := range one.Entries {
			if _, dup := idx.Entries[name]; dup {
				return nil, false // the whole decoding reports it
			}
			out := make([]*ChartVersion, len(vs))
			for i, v := range vs {
				if v != nil {
					out[i] = v.model()
				}
			}
			idx.Entries[name] = out
		}
	}
	return idx, true
}

// splitByChart cuts an index.yaml laid out as Helm writes it (a top-level
// "entries:" line, each chart a key indented by two spaces alone on its line,
// its versions below) into the document without its entries and the text of
// each chart. It reports false for anything else: several documents, tabs, an
// entry written inline, a different indentation.
func splitByChart(data []byte) (rest []byte, charts [][]byte, ok bool) {
	if bytes.IndexByte(data, '\t') >= 0 || bytes.HasPrefix(data, []byte("---")) || bytes.Contains(data, []byte("\n---")) {
		return nil, nil, false
	}
	rest = make([]byte, 0, 4096)
	inEntries, seenEntries := false, false
	start := -1 // of the current chart's text
	for p := 0; p < len(data); {
		end := bytes.IndexByte(data[p:], '\n')
		if end < 0 {
			end = len(data)
		} else {
			end += p + 1
		}
		line := data[p:end]
		text := bytes.TrimRight(line, " \r\n")
		switch {
		case len(text) > 0 && text[0] != ' ' && text[0] != '#':
			// A top-level key.
			if start >= 0 {
				charts = append(charts, data[start:p])
				start = -1
			}
			inEntries = false
			if string(text) == "entries:" {
				if seenEntries {
					return nil, nil, false
				}
				inEntries, seenEntries = true, true
			} else {
				rest = append(rest, line...)
			}
		case !inEntries:
			rest = append(rest, line...)
		case len(text) > 2 && text[0] == ' ' && text[1] == ' ' && text[2] != ' ' && text[2] != '#' && text[2] != '-':
			// A chart: "  name:" alone on its line.
			if text[len(text)-1] != ':' {
				return nil, nil, false
			}
			if start >= 0 {
				charts = append(charts, data[start:p])
			}
			start = p
		case start < 0 && len(bytes.TrimLeft(text, " ")) > 0 && bytes.TrimLeft(text, " ")[0] != '#':
			return nil, nil, false // content before the first chart
		}
		p = end
	}
	if start >= 0 {
		charts = append(charts, data[start:])
	}
	return rest, charts, seenEntries && len(charts) > 0
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
