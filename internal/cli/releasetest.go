package cli

import (
	"fmt"
	"io"
	"regexp"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/rudderpm/rudder/internal/action"
	"github.com/rudderpm/rudder/internal/release"
)

const testLong = `
The test command runs the tests for a release.

The argument this command takes is the name of a deployed release.
The tests to be run are defined in the chart that was installed.

Tests are the chart's hooks for the "test" event (Pods or Jobs that must
succeed), run one at a time by weight then name; the first that fails stops the
run. The release's status is printed as 'status' prints it, with each test's
last run; with --table, then a table of this run: each test's phase, how long it
took and, when it failed, why. The command fails when a test failed.
`

// notNameFilter is --filter's '!name=' (Helm also takes '! name=').
var notNameFilter = regexp.MustCompile(`^!\s?name=`)

func (a *app) newTestCmd() *cobra.Command {
	var (
		o       action.TestOptions
		filters []string
		table   bool
	)
	cmd := &cobra.Command{
		Use:   "test [RELEASE]",
		Short: "run tests for a release",
		Long:  testLong,
		Args:  exactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			for _, f := range filters {
				if v, ok := strings.CutPrefix(f, "name="); ok {
					o.Include = append(o.Include, v)
				} else if notNameFilter.MatchString(f) {
					o.Exclude = append(o.Exclude, notNameFilter.ReplaceAllLiteralString(f, ""))
				}
			}
			c, err := a.actionCluster(a.settings.Namespace())
			if err != nil {
				return err
			}
			t := &action.Test{Cluster: c, TestOptions: o, Warn: a.warner()}
			res, runErr := t.Run(cmd.Context(), args[0])
			if res == nil {
				return runErr
			}
			out := a.streams.Out
			if err := a.printRelease(out, res.Release, releasePrintOptions{HideNotes: true}); err != nil {
				return err
			}
			if o.Logs {
				fmt.Fprintln(out)
				a.printTestLogs(out, res.Logs)
			}
			if table && len(res.Tests) > 0 {
				fmt.Fprintln(out)
				if err := a.testTable(res).write(out); err != nil {
					return err
				}
			}
			return runErr
		},
	}
	f := cmd.Flags()
	f.DurationVar(&o.Timeout, "timeout", 300*time.Second, "time to wait for any individual Kubernetes operation (like Jobs for hooks)")
	f.BoolVar(&o.Logs, "logs", false, "dump the logs from test pods (this runs after all tests are complete, but before any cleanup)")
	f.BoolVar(&table, "table", false, "after the release's status, print a table of this run's tests: phase, duration and why a test failed")
	f.StringSliceVar(&filters, "filter", []string{}, "specify tests by attribute (currently \"name\") using attribute=value syntax or '!attribute=value' to exclude a test (can specify multiple or separate values with commas: name=test1,name=test2)")
	return cmd
}

// printTestLogs prints each test container's log under a "POD LOGS" line, as
// Helm does. A log that cannot be read (a node that serves none) is a warning,
// not a failure of the command: the tests' outcome decides that.
func (a *app) printTestLogs(w io.Writer, logs []action.ContainerLog) {
	for _, l := range logs {
		if l.Err != nil {
			a.warner()(l.Err.Error())
			continue
		}
		fmt.Fprintf(w, "POD LOGS: %s (%s)\n", l.Pod, l.Name)
		_, _ = w.Write(l.Log)
		fmt.Fprintln(w)
	}
}

// testTable is the summary of a run: one row per test selected, with its phase,
// how long it took and why it failed.
func (a *app) testTable(res *action.TestResult) *table {
	p := a.palette()
	t := &table{}
	t.addRow(p.header("NAME"), p.header("PHASE"), p.header("DURATION"), p.header("REASON"))
	failed := false
	for _, tr := range res.Tests {
		if !tr.Ran {
			why := ""
			if failed {
				why = "an earlier test failed"
			}
			t.addRow(tr.Hook.Name, "NotRun", "", why)
			continue
		}
		failed = failed || tr.Phase == release.HookPhaseFailed
		phase := string(tr.Phase)
		switch tr.Phase {
		case release.HookPhaseSucceeded:
			phase = p.wrap(phase, sgrGreen, sgrReset)
		case release.HookPhaseFailed:
			phase = p.wrap(phase, sgrRed, sgrReset)
		}
		t.addRow(tr.Hook.Name, phase, testDuration(tr.Duration), strings.ReplaceAll(tr.Reason, "\n", " "))
	}
	return t
}

// testDuration shows a test's duration to a tenth of a second under a minute,
// to the second above.
func testDuration(d time.Duration) string {
	if d < time.Minute {
		return d.Round(100 * time.Millisecond).String()
	}
	return d.Round(time.Second).String()
}
