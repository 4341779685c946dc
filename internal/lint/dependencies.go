package lint

import (
	"fmt"
	"strings"

	"github.com/rudderpm/rudder/internal/chart"
)

// dependencies checks that Chart.yaml's dependencies and the charts under charts/
// agree. ch and loadErr are the chart as loaded.
func (l *linter) dependencies(ch *chart.Chart, loadErr error) {
	l.loaded(ch)
	if loadErr != nil {
		l.check(Error, "", fmt.Errorf("unable to load chart\n\t%w", loadErr))
		return
	}
	l.check(Error, l.dir, checkUndeclaredSubcharts(ch))
	l.check(Error, l.dir, checkUniqueDependencies(ch))
	l.check(Warning, l.dir, checkMissingSubcharts(ch))
}

// checkMissingSubcharts reports dependencies with no chart under charts/.
func checkMissingSubcharts(ch *chart.Chart) error {
	present := map[string]bool{}
	for _, sub := range ch.Dependencies() {
		present[sub.Name()] = true
	}
	var missing []string
	for _, d := range ch.Metadata.Dependencies {
		if !present[d.Name] {
			missing = append(missing, d.Name)
		}
	}
	if len(missing) > 0 {
		return fmt.Errorf("chart directory is missing these dependencies: %s", strings.Join(missing, ","))
	}
	return nil
}

// checkUndeclaredSubcharts reports charts under charts/ that Chart.yaml does not list.
func checkUndeclaredSubcharts(ch *chart.Chart) error {
	declared := map[string]bool{}
	for _, d := range ch.Metadata.Dependencies {
		declared[d.Name] = true
	}
	var missing []string
	for _, sub := range ch.Dependencies() {
		if !declared[sub.Name()] {
			missing = append(missing, sub.Name())
		}
	}
	if len(missing) > 0 {
		return fmt.Errorf("chart metadata is missing these dependencies: %s", strings.Join(missing, ","))
	}
	return nil
}

// checkUniqueDependencies reports two dependencies under one name or alias.
func checkUniqueDependencies(ch *chart.Chart) error {
	seen := map[string]bool{}
	var dups []string
	for _, d := range ch.Metadata.Dependencies {
		key := d.Name
		if d.Alias != "" {
			key = d.Alias
		}
		if seen[key] {
			dups = append(dups, key)
		}
		seen[key] = true
	}
	if len(dups) > 0 {
		return fmt.Errorf("multiple dependencies with name or alias: %s", strings.Join(dups, ","))
	}
	return nil
}
