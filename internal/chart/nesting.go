package chart

import (
	"fmt"
	"strings"
)

// MaxChartNesting bounds how deep subcharts nest: charts/a/charts/b/... folders,
// archives within archives, or both. Helm sets no bound; thirty levels is ten times
// what real charts use, and a chart of folders reaches it before maxDirDepth (two
// folders a level), so a chart too deep is reported as such however it is stored.
const MaxChartNesting = 30

// maxDirDepth bounds how deep folders nest within a chart or chart archive, which also
// stops the folder walk going round a symbolic-link loop.
const maxDirDepth = 64

// checkNesting refuses dir, a folder of a chart whose root sits level subcharts
// down, when it lies more than MaxChartNesting subcharts or maxDirDepth folders deep.
// The error names the first folder too deep.
func checkNesting(dir string, level int) error {
	if dir == "." {
		return nil
	}
	parts := strings.Split(dir, "/")
	for i := 0; i+1 < len(parts) && parts[i] == "charts"; i += 2 {
		if level++; level > MaxChartNesting {
			return fmt.Errorf("%s: charts nested more than %d deep", strings.Join(parts[:i+2], "/"), MaxChartNesting)
		}
	}
	if len(parts) > maxDirDepth {
		return fmt.Errorf("%s: directories nested more than %d deep", strings.Join(parts[:maxDirDepth+1], "/"), maxDirDepth)
	}
	return nil
}
