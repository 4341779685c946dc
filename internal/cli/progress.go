package cli

// The progress view of --wait (package waitview renders it).
//
// Wiring: actionCluster gives every release operation's action.Cluster the
// callback, and the actions pass it on to kube.WaitOptions.Events whenever they
// wait for readiness (install, upgrade and rollback with --wait):
//
//	// internal/cli/release_cmds.go
//	c := &action.Cluster{..., Waits: kc, WaitEvents: a.waitProgress()}
//	// internal/action/wait.go
//	err := c.Waits.WaitReady(wctx, resources, kube.WaitOptions{
//		Readiness: readiness, WaitForJobs: waitForJobs, Events: c.WaitEvents,
//	})
//
// On a terminal (stderr), the view is redrawn in place: the objects not ready yet,
// why (what holds up their worst pod, wrapped on two lines), their newest warning
// events, and the time spent against --timeout; it shrinks to one line when
// every object is ready, and is cleared when waiting fails (the error says the
// rest). Elsewhere (CI logs, pipes), it prints a timestamped line whenever
// something changes, but only with --progress or --debug: Helm prints nothing
// while it waits, and tools read stderr.

import (
	"errors"
	"io"

	"github.com/spf13/pflag"
	"golang.org/x/term"

	"github.com/rudderpm/rudder/internal/action"
	"github.com/rudderpm/rudder/internal/cli/waitview"
	"github.com/rudderpm/rudder/internal/kube"
)

// addProgressFlag adds --progress to a command that may wait.
func (a *app) addProgressFlag(f *pflag.FlagSet) {
	f.BoolVar(&a.settings.Progress, "progress", false, "show --wait's progress on stderr even when it is not a terminal (as --debug does)")
}

// waitProgress returns the callback that shows --wait's progress on stderr: live
// on a terminal, plain lines otherwise, colored as --color says. One callback may
// serve several waits one after another (an upgrade, then its rollback).
func (a *app) waitProgress() func(kube.WaitEvent) {
	w := a.streams.Err
	if w == nil {
		return nil
	}
	opts := waitview.Options{Namespace: a.settings.Namespace()}
	f, ok := w.(interface{ Fd() uintptr })
	onTerminal := ok && term.IsTerminal(int(f.Fd()))
	if !onTerminal && !a.settings.Progress && !a.settings.Debug {
		// Helm prints nothing while it waits; tools read stderr.
		return nil
	}
	if onTerminal {
		fd := int(f.Fd())
		opts.Live = a.streams.Getenv("TERM") != "dumb"
		opts.Size = func() (int, int) {
			cols, rows, err := term.GetSize(fd)
			if err != nil {
				return 0, 0
			}
			return cols, rows
		}
	}
	opts.Color = a.settings.ColorMode == "always" || a.settings.ColorMode == "auto" && opts.Live
	return waitview.New(w, opts).Handle
}

// addLogsFlag adds --logs, which shows the ends of the logs of containers as
// they fail while --wait waits.
func addLogsFlag(f *pflag.FlagSet, logs *bool) {
	f.BoolVar(logs, "logs", false, "with --wait, show the last log lines of each container that fails while waiting (on a terminal, or with --progress)")
}

// checkLogsFlag refuses --logs when nothing is waited for.
func checkLogsFlag(logs bool, wait string, rollbackOnFailure bool) error {
	if logs && !rollbackOnFailure && (wait == "" || wait == string(action.WaitHookOnly)) {
		return errors.New("--logs needs --wait: logs are shown while waiting for readiness")
	}
	return nil
}

// printWaitLogs prints, after a failed wait's error, the ends of the logs of
// its failing containers (kube.WaitError.LogText), which the error's text
// leaves out so that the release history does not keep them.
func printWaitLogs(w io.Writer, err error) {
	var we *kube.WaitError
	if !errors.As(err, &we) {
		return
	}
	if text := we.LogText(); text != "" {
		_, _ = io.WriteString(w, "The last log lines of the failing containers:\n"+text)
	}
}
