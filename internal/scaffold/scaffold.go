package scaffold

import (
	"bytes"
	"embed"

	"github.com/rudderpm/rudder/internal/chart"
)

// Placeholder stands for the chart's name in the scaffold and in starter charts'
// templates and values.
const Placeholder = "<CHARTNAME>"

//go:embed all:chart
var embedded embed.FS

// names are the scaffold's files in the order they are written (and, when they
// already exist, reported).
var names = []string{
	"Chart.yaml",
	"values.yaml",
	".helmignore",
	"templates/ingress.yaml",
	"templates/httproute.yaml",
	"templates/deployment.yaml",
	"templates/service.yaml",
	"templates/serviceaccount.yaml",
	"templates/hpa.yaml",
	"templates/NOTES.txt",
	"templates/_helpers.tpl",
	"templates/tests/test-connection.yaml",
}

// Files returns the scaffold of a chart called name, file names relative to the
// chart's folder. The chart also needs an empty charts/ folder, which is not a file.
func Files(name string) []*chart.File {
	files := make([]*chart.File, 0, len(names))
	for _, n := range names {
		data, err := embedded.ReadFile("chart/" + n)
		if err != nil {
			panic("scaffold: missing embedded file " + n) // a build defect, caught by the tests
		}
		files = append(files, &chart.File{Name: n, Data: ReplaceName(data, name)})
	}
	return files
}

// ReplaceName replaces every Placeholder in data with name.
func ReplaceName(data []byte, name string) []byte {
	return bytes.ReplaceAll(data, []byte(Placeholder), []byte(name))
}
