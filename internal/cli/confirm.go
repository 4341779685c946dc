package cli

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/spf13/cobra"
	"golang.org/x/term"

	"github.com/rudderpm/rudder/internal/action"
	"github.com/rudderpm/rudder/internal/diff"
)

// confirmFlags are upgrade's flags for showing the diff and asking before applying.
type confirmFlags struct{ on, yes bool }

func (c *confirmFlags) add(cmd *cobra.Command) {
	f := cmd.Flags()
	f.BoolVar(&c.on, "confirm", false, "show what the upgrade would change in the cluster (as \"rudder diff upgrade\") and ask before applying; needs a terminal unless --yes is given")
	f.BoolVar(&c.yes, "yes", false, "with --confirm, show the diff and apply without asking")
}

// errNoTerminal is returned by --confirm when there is nobody to ask.
var errNoTerminal = errors.New("--confirm needs a terminal to ask on (stdin is not one): add --yes to apply after showing the diff, or run \"rudder diff upgrade\" first")

// confirmUpgrade shows the live diff of the upgrade on stderr (stdout stays the
// upgrade's own output) and, unless yes, asks whether to go on. It returns nil only
// when the upgrade should be applied.
func (a *app) confirmUpgrade(cmd *cobra.Command, name string, in *action.Intake, opts action.DiffOptions, o *installFlags, c confirmFlags) error {
	if !c.yes && !a.stdinIsTerminal() {
		return errNoTerminal
	}
	res, err := a.liveDiff(cmd, name, in, opts, o.takeOwnership, o.forceConflicts)
	if err != nil {
		return fmt.Errorf("release %s: diff before confirming: %w", name, err)
	}
	w := a.streams.Err
	if err := res.Write(w, diff.FormatDiff, diff.WriteOptions{Context: -1, Color: a.palette().on}); err != nil {
		return err
	}
	fmt.Fprintln(w, res.Plan())
	if c.yes {
		return nil
	}
	ok, err := askYes(a.streams.In, w, fmt.Sprintf("Upgrade release %q as shown? Only \"yes\" or \"y\" goes on: ", name))
	if err != nil {
		return err
	}
	if !ok {
		return fmt.Errorf("upgrade of release %s cancelled: nothing was applied", name)
	}
	return nil
}

// askYes writes question and reads one line: true for "y" or "yes" in any case.
func askYes(in io.Reader, w io.Writer, question string) (bool, error) {
	fmt.Fprint(w, question)
	line, err := bufio.NewReader(in).ReadString('\n')
	if err != nil && (err != io.EOF || line == "") {
		return false, fmt.Errorf("reading the answer: %w", err)
	}
	switch strings.ToLower(strings.TrimSpace(line)) {
	case "y", "yes":
		return true, nil
	}
	return false, nil
}

// stdinIsTerminal tells whether the user can be asked on stdin.
func (a *app) stdinIsTerminal() bool {
	f, ok := a.streams.In.(interface{ Fd() uintptr })
	return ok && term.IsTerminal(int(f.Fd()))
}
