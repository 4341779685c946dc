package cli

import (
	"fmt"
	"io"
	"path/filepath"
	"strings"
	"unicode/utf8"

	"github.com/spf13/cobra"

	"github.com/rudderpm/rudder/internal/action"
)

const dependencyLong = `Work with the dependencies of a chart.

A chart declares the charts it depends on in the 'dependencies' list of its
Chart.yaml, and carries them in its charts/ folder, as archives or folders:

    # Chart.yaml
    dependencies:
      - name: postgresql          # the name in the dependency's own Chart.yaml
        version: "~15.2.0"        # a version or a semantic version range
        repository: "https://charts.example.com"
      - name: shared
        version: "1.x"
        repository: "file://../shared"   # a chart folder on disk

A repository is the URL of a chart repository (Rudder fetches <url>/index.yaml),
an oci:// registry reference, a name from 'repo add' written as "@name" or
"alias:name", or a file:// path to a chart folder.
`

const dependencyListLong = `List the dependencies declared in a chart's Chart.yaml with their status:

    ok              an archive in charts/ holds a version the range accepts
    unpacked        a folder in charts/ holds a version the range accepts
    missing         charts/ has nothing for it
    wrong version   charts/ has it, at a version outside the range
    misnamed        the archive named after it holds another chart
    corrupt         the archive named after it cannot be read

CHART is a chart folder or archive, '.' when omitted. Nothing is changed.
Entries of charts/ that are not charts or are not declared are reported too.
`

func (a *app) newDependencyCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:     "dependency update|build|list",
		Aliases: []string{"dep", "dependencies"},
		Short:   "manage a chart's dependencies",
		Long:    dependencyLong,
		Args:    noArgs,
	}
	cmd.AddCommand(a.newDependencyListCmd(), a.newDependencyUpdateCmd(), a.newDependencyBuildCmd())
	return cmd
}

func (a *app) newDependencyListCmd() *cobra.Command {
	var maxColWidth uint
	cmd := &cobra.Command{
		Use:     "list CHART",
		Aliases: []string{"ls"},
		Short:   "list the dependencies for the given chart",
		Long:    dependencyListLong,
		Args:    maximumArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			chartPath := "."
			if len(args) > 0 {
				chartPath = filepath.Clean(args[0])
			}
			res, err := action.ListDependencies(cmd.Context(), chartPath)
			if err != nil {
				return err
			}
			a.warnAll(res.Warnings)
			printDependencyList(a.streams.Out, chartPath, res, maxColWidth)
			return nil
		},
	}
	cmd.Flags().UintVar(&maxColWidth, "max-col-width", 80, "maximum column width for output table")
	return cmd
}

// printDependencyList writes the report as Helm does: a table, a blank line, then a
// warning per stray entry of charts/, all on standard output.
func printDependencyList(w io.Writer, chartPath string, res *action.DependencyList, maxColWidth uint) {
	if !res.Declared {
		fmt.Fprintf(w, "WARNING: no dependencies at %s\n", filepath.Join(chartPath, "charts"))
		return
	}
	rows := [][]string{{"NAME", "VERSION", "REPOSITORY", "STATUS"}}
	for _, d := range res.Dependencies {
		rows = append(rows, []string{d.Name, d.Version, d.Repository, d.Status})
	}
	fmt.Fprintln(w, dependencyTable(rows, maxColWidth))
	fmt.Fprintln(w)
	for _, s := range res.Strays {
		switch s.Kind {
		case action.StrayNotDeclared:
			fmt.Fprintf(w, "WARNING: %q is not in Chart.yaml.\n", s.Path)
		case action.StrayNotAChart:
			fmt.Fprintf(w, "WARNING: %q is not a chart.\n", s.Path)
		case action.StrayUnreadable:
			fmt.Fprintf(w, "Warning: %s\n", s.Err)
		case action.StrayListFailed:
			fmt.Fprintln(w, s.Err)
		}
	}
}

// dependencyTable lays rows out the way Helm's tables are: every cell padded to its
// column's width (capped at maxWidth, 0 meaning no cap), cells longer than that cut
// and ended with "...", columns separated by a tab, no trailing newline.
func dependencyTable(rows [][]string, maxWidth uint) string {
	var widths []int
	for _, row := range rows {
		for i, cell := range row {
			if i == len(widths) {
				widths = append(widths, 0)
			}
			w := utf8.RuneCountInString(cell)
			if maxWidth != 0 && w > int(maxWidth) {
				w = int(maxWidth)
			}
			widths[i] = max(widths[i], w)
		}
	}
	lines := make([]string, len(rows))
	for r, row := range rows {
		cells := make([]string, len(row))
		for i, cell := range row {
			cells[i] = fitCell(cell, widths[i])
		}
		lines[r] = strings.Join(cells, "\t")
	}
	return strings.Join(lines, "\n")
}

// fitCell pads s with spaces to width runes, or cuts it to width runes ending in "...".
func fitCell(s string, width int) string {
	n := utf8.RuneCountInString(s)
	switch {
	case width == 0 || n == width:
		return s
	case n < width:
		return s + strings.Repeat(" ", width-n)
	}
	var b strings.Builder
	w := 0
	for _, r := range s {
		b.WriteRune(r)
		if w+1 >= width-3 {
			break
		}
		w++
	}
	b.WriteString("...")
	return b.String()
}
