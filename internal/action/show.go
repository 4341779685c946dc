package action

import (
	"bytes"
	"fmt"
	"strings"

	"k8s.io/client-go/util/jsonpath"
	"sigs.k8s.io/yaml"

	"github.com/rudderpm/rudder/internal/chart"
)

// ShowFormat says which part of a chart Show prints.
type ShowFormat string

// The parts Show prints.
const (
	ShowAll    ShowFormat = "all"
	ShowChart  ShowFormat = "chart"
	ShowValues ShowFormat = "values"
	ShowReadme ShowFormat = "readme"
	ShowCRDs   ShowFormat = "crds"
)

// Show prints information about a chart, as `helm show` does.
type Show struct {
	Format ShowFormat
	// JSONPath filters the values through a JSONPath template instead of printing values.yaml.
	JSONPath string
}

// Run returns the requested information about ch.
func (s Show) Run(ch *chart.Chart) (string, error) {
	var out strings.Builder
	if s.Format == ShowChart || s.Format == ShowAll {
		cf, err := yaml.Marshal(ch.Metadata)
		if err != nil {
			return "", err
		}
		fmt.Fprintf(&out, "%s\n", cf)
	}
	if (s.Format == ShowValues || s.Format == ShowAll) && ch.Values != nil {
		if s.Format == ShowAll {
			out.WriteString("---\n")
		}
		if s.JSONPath != "" {
			jp := jsonpath.New("values")
			if err := jp.Parse(s.JSONPath); err != nil {
				return "", fmt.Errorf("error parsing jsonpath %s: %w", s.JSONPath, err)
			}
			_ = jp.Execute(&out, ch.Values) // like Helm, a path that matches nothing prints nothing
		} else {
			for _, f := range ch.Raw {
				if f.Name == "values.yaml" {
					fmt.Fprintln(&out, string(f.Data))
				}
			}
		}
	}
	if s.Format == ShowReadme || s.Format == ShowAll {
		if readme := findReadme(ch.Files); readme != nil {
			if s.Format == ShowAll {
				out.WriteString("---\n")
			}
			fmt.Fprintf(&out, "%s\n", readme.Data)
		}
	}
	if s.Format == ShowCRDs || s.Format == ShowAll {
		for _, crd := range ch.CRDObjects() {
			if !bytes.HasPrefix(crd.File.Data, []byte("---")) {
				out.WriteString("---\n")
			}
			fmt.Fprintf(&out, "%s\n", crd.File.Data)
		}
	}
	return out.String(), nil
}

// findReadme returns the chart's README: README.md, README.txt or README, any case.
func findReadme(files []*chart.File) *chart.File {
	for _, f := range files {
		for _, n := range []string{"readme.md", "readme.txt", "readme"} {
			if f != nil && strings.EqualFold(f.Name, n) {
				return f
			}
		}
	}
	return nil
}
