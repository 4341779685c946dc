package cli

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"regexp"
	"strings"

	"github.com/mattn/go-runewidth"
	"github.com/spf13/cobra"
	"golang.org/x/term"
	"sigs.k8s.io/yaml"

	"github.com/rudderpm/rudder/internal/release"
)

// outputFormat is the value of a command's -o/--output flag.
type outputFormat string

const (
	formatTable outputFormat = "table"
	formatJSON  outputFormat = "json"
	formatYAML  outputFormat = "yaml"
)

// errInvalidFormat is what pflag reports for an unknown -o value (Helm's words).
var errInvalidFormat = errors.New("invalid format type")

func (o *outputFormat) String() string { return string(*o) }
func (o *outputFormat) Type() string   { return "format" }

func (o *outputFormat) Set(s string) error {
	switch f := outputFormat(s); f {
	case formatTable, formatJSON, formatYAML:
		*o = f
		return nil
	}
	return errInvalidFormat
}

// addOutputFlag adds -o/--output to cmd, defaulting to a table.
func addOutputFlag(cmd *cobra.Command, o *outputFormat) {
	*o = formatTable
	cmd.Flags().VarP(o, "output", "o", "prints the output in the specified format. Allowed values: table, json, yaml")
	_ = cmd.RegisterFlagCompletionFunc("output", func(*cobra.Command, []string, string) ([]string, cobra.ShellCompDirective) {
		return []string{
			"json\tOutput result in JSON format",
			"table\tOutput result in human-readable format",
			"yaml\tOutput result in YAML format",
		}, cobra.ShellCompDirectiveNoFileComp
	})
}

// writeJSON writes v as one line of JSON, HTML characters escaped, as Helm does.
func writeJSON(w io.Writer, v any) error {
	if err := json.NewEncoder(w).Encode(v); err != nil {
		return fmt.Errorf("unable to write JSON output: %w", err)
	}
	return nil
}

// writeYAML writes v as YAML by way of its JSON form: keys sorted, as Helm does.
func writeYAML(w io.Writer, v any) error {
	b, err := yaml.Marshal(v)
	if err == nil {
		_, err = w.Write(b)
	}
	if err != nil {
		return fmt.Errorf("unable to write YAML output: %w", err)
	}
	return nil
}

// table lays out rows of cells the way Helm's tables look (gosuri/uitable):
// every cell padded to its column's width (the widest line of the column's
// cells, escape sequences not counted), cells separated by a tab, the last
// column padded too. A cell of several lines takes as many lines; such a cell
// is first cut to the column's width as a whole, so its last line may end in
// "...".
type table struct {
	rows [][]string
	// maxWidth, when not 0, caps every column's width (uitable's MaxColWidth).
	maxWidth int
}

func (t *table) addRow(cells ...any) {
	row := make([]string, len(cells))
	for i, c := range cells {
		if s, ok := c.(string); ok {
			row[i] = s
		} else {
			row[i] = fmt.Sprint(c)
		}
	}
	t.rows = append(t.rows, row)
}

// write writes the table and a newline (a lone newline for no rows).
func (t *table) write(w io.Writer) error {
	var widths []int
	for _, row := range t.rows {
		for i, c := range row {
			if i == len(widths) {
				widths = append(widths, 0)
			}
			cw := 0
			for line := range strings.SplitSeq(c, "\n") {
				cw = max(cw, textWidth(line))
			}
			if t.maxWidth > 0 {
				cw = min(cw, t.maxWidth)
			}
			widths[i] = max(widths[i], cw)
		}
	}
	var b bytes.Buffer
	for r, row := range t.rows {
		if r > 0 {
			b.WriteByte('\n')
		}
		if oneLine(row) {
			for i, c := range row {
				if i > 0 {
					b.WriteByte('\t')
				}
				writeTableCell(&b, c, widths[i])
			}
			continue
		}
		cells := make([][]string, len(row))
		height := 0
		for i, c := range row {
			cells[i] = strings.Split(fitTableCell(c, widths[i]), "\n")
			height = max(height, len(cells[i]))
		}
		for l := range height {
			if l > 0 {
				b.WriteByte('\n')
			}
			for i := range row {
				if i > 0 {
					b.WriteByte('\t')
				}
				if l < len(cells[i]) {
					b.WriteString(fitTableCell(cells[i][l], widths[i]))
				} else if widths[i] > 1 {
					b.WriteString(strings.Repeat(" ", widths[i]))
				} else {
					b.WriteByte(' ')
				}
			}
		}
	}
	b.WriteByte('\n')
	_, err := w.Write(b.Bytes())
	if err != nil {
		return fmt.Errorf("unable to write table output: %w", err)
	}
	return nil
}

// oneLine tells whether no cell of row has a line break.
func oneLine(row []string) bool {
	for _, c := range row {
		if strings.IndexByte(c, '\n') >= 0 {
			return false
		}
	}
	return true
}

// writeTableCell writes a cell of one line fitted to width, as fitTableCell
// does, without building the fitted string when s is printable ASCII (the
// common case: a search of a big repository writes thousands of rows).
func writeTableCell(b *bytes.Buffer, s string, width int) {
	if width == 0 || !printableASCII(s) {
		b.WriteString(fitTableCell(fitTableCell(s, width), width))
		return
	}
	if len(s) > width {
		b.WriteString(s[:max(width-3, 1)])
		b.WriteString("...")
		return
	}
	b.WriteString(s)
	for range width - len(s) {
		b.WriteByte(' ')
	}
}

// fitTableCell pads s with spaces to width, or cuts it to width-3 and adds "...".
func fitTableCell(s string, width int) string {
	if width == 0 {
		return s
	}
	w := textWidth(s)
	switch {
	case w == width:
		return s
	case w < width:
		return s + strings.Repeat(" ", width-w)
	case printableASCII(s):
		return s[:max(width-3, 1)] + "..." // as below, without the rune-by-rune walk
	}
	var b strings.Builder
	n := 0
	for _, r := range s {
		b.WriteRune(r)
		rw := runewidth.RuneWidth(r)
		if n+rw >= width-3 {
			break
		}
		n += rw
	}
	return b.String() + "..."
}

// ansiEscape matches terminal escape sequences, which take no room on screen.
var ansiEscape = regexp.MustCompile("[\u001B\u009B][[\\]()#;?]*(?:(?:(?:[a-zA-Z\\d]*(?:;[a-zA-Z\\d]*)*)?\u0007)|(?:(?:\\d{1,4}(?:;\\d{0,4})*)?[\\dA-PRZcf-ntqry=><~]))")

// textWidth is the number of terminal columns s takes.
func textWidth(s string) int {
	if printableASCII(s) {
		return len(s) // the common case, without the costly general one
	}
	return runewidth.StringWidth(ansiEscape.ReplaceAllString(s, ""))
}

// printableASCII tells whether s has only printable ASCII characters, each one
// column wide.
func printableASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < ' ' || s[i] > '~' {
			return false
		}
	}
	return true
}

// Colours, as Helm 4 uses them on a terminal.
const (
	sgrBold   = "\x1b[1m"
	sgrRed    = "\x1b[31m"
	sgrGreen  = "\x1b[32m"
	sgrYellow = "\x1b[33m"
	sgrCyan   = "\x1b[36m"
	sgrReset  = "\x1b[0m"
	sgrNoBold = "\x1b[22m"
)

// palette colours output, or leaves it plain.
type palette struct{ on bool }

// palette says whether output to stdout is coloured: --color (or HELM_COLOR,
// NO_COLOR) never or always; with auto, when stdout is a terminal, TERM is not
// "dumb" and NO_COLOR is not set.
func (a *app) palette() palette {
	switch a.settings.ColorMode {
	case "never":
		return palette{}
	case "always":
		return palette{on: true}
	}
	if a.streams.Getenv("NO_COLOR") != "" || a.streams.Getenv("TERM") == "dumb" {
		return palette{}
	}
	f, ok := a.streams.Out.(*os.File)
	return palette{on: ok && term.IsTerminal(int(f.Fd()))}
}

func (p palette) wrap(s, on, off string) string {
	if !p.on {
		return s
	}
	return on + s + off
}

func (p palette) header(s string) string    { return p.wrap(s, sgrBold, sgrNoBold) }
func (p palette) namespace(s string) string { return p.wrap(s, sgrCyan, sgrReset) }

// status colours a release status: deployed green, failed and unknown red, the
// transient ones yellow, the others (superseded, uninstalled) plain.
func (p palette) status(s release.Status) string {
	switch s {
	case release.StatusDeployed:
		return p.wrap(string(s), sgrGreen, sgrReset)
	case release.StatusFailed, release.StatusUnknown:
		return p.wrap(string(s), sgrRed, sgrReset)
	case release.StatusPendingInstall, release.StatusPendingUpgrade, release.StatusPendingRollback, release.StatusUninstalling:
		return p.wrap(string(s), sgrYellow, sgrReset)
	}
	return string(s)
}
