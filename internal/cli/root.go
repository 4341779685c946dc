package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"runtime/debug"

	"github.com/spf13/cobra"

	"github.com/rudderpm/rudder/internal/chart"
	"github.com/rudderpm/rudder/internal/storage"
)

// Streams are the standard streams and environment a command runs with. Tests supply their own.
type Streams struct {
	In     io.Reader
	Out    io.Writer
	Err    io.Writer
	Getenv func(string) string
	// Args0 is how the program was invoked (os.Args[0]); "" means rudder.
	Args0 string
}

// OSStreams returns the process's own streams and environment.
func OSStreams() Streams {
	return Streams{In: os.Stdin, Out: os.Stdout, Err: os.Stderr, Getenv: os.Getenv, Args0: os.Args[0]}
}

// exitError carries a specific exit code up to Run.
type exitError struct {
	code int
	err  error
}

func (e *exitError) Error() string { return e.err.Error() }
func (e *exitError) Unwrap() error { return e.err }

// app is the state every command shares: streams and global settings.
type app struct {
	streams  Streams
	settings *settings
	cluster  cluster
	// memory backs HELM_DRIVER=memory for the life of the process.
	memory *storage.Memory
	// sql is the database of HELM_DRIVER=sql, opened on first use and closed at the end.
	sql         *storage.SQL
	memoryLocks storage.MemoryLocker
	// cleanup tells Main's signal handling when work is under way that a signal
	// must not cut short; nil when the CLI runs without Main.
	cleanup *cleanupGuard
	// log is the one logger: Helm's log lines on standard error.
	log *slog.Logger
	// getters are the getter plugins, read on first use.
	getters *pluginSchemes
	// args is the command line after the program name.
	args []string
	// runController runs `controller run` in this process; nil (the rudder
	// program) hands that command over to the rudder-controller program.
	runController ControllerFunc
}

// Run executes the command line args and returns the process exit code. It leaves
// signals alone: Main is the process's entry point.
func Run(ctx context.Context, args []string, s Streams) int {
	return run(ctx, args, s, nil, nil)
}

func run(ctx context.Context, args []string, s Streams, g *cleanupGuard, ctl ControllerFunc) (code int) {
	// A memory-mapped chart file shortened by another process faults when read; make
	// that a panic, reported below, rather than a crash.
	defer debug.SetPanicOnFault(debug.SetPanicOnFault(true))
	defer func() {
		// A bug must never show a Go stack trace to the user: report it as an error instead.
		if r := recover(); r != nil {
			fmt.Fprintf(s.Err, "Error: %s\n", panicMessage(r))
			code = 1
		}
	}()
	if s.Getenv == nil {
		s.Getenv = func(string) string { return "" }
	}
	root, a := newRootCmd(s, g)
	a.args, a.runController = args, ctl
	defer a.close()
	a.loadPlugins(root, args)
	root.SetArgs(args)
	if len(args) > 0 && (args[0] == cobra.ShellCompRequestCmd || args[0] == cobra.ShellCompNoDescRequestCmd) {
		root.SetOut(s.Out)
	}
	if c, err := root.ExecuteContextC(ctx); err != nil {
		if errors.Is(err, errReported) {
			return 1
		}
		fmt.Fprintf(s.Err, "Error: %v\n", err)
		printWaitLogs(s.Err, err)
		if isUnknownCommand(c, err) {
			fmt.Fprintf(s.Err, "Run '%s --help' for usage.\n", c.CommandPath())
		}
		if errors.Is(err, chart.ErrTooLarge) {
			fmt.Fprintf(s.Err, "(set %s to a larger size in bytes, such as 200Mi, to allow bigger charts)\n", maxChartSizeEnv)
		}
		var ee *exitError
		if errors.As(err, &ee) {
			return ee.code
		}
		return 1
	}
	return 0
}

// panicMessage words a recovered panic for the user. A memory fault (the panics
// SetPanicOnFault makes carry the faulting address) means a mapped file shrank.
func panicMessage(r any) string {
	if f, ok := r.(interface{ Addr() uintptr }); ok {
		return fmt.Sprintf("a chart file changed on disk while it was being read (fault at %#x); run the command again", f.Addr())
	}
	return fmt.Sprintf("internal error: %v", r)
}

func newRootCmd(s Streams, g *cleanupGuard) (*cobra.Command, *app) {
	a := &app{streams: s, settings: newSettings(s.Getenv), cleanup: g}
	a.log = newLogger(s.Err, func() bool { return a.settings.Debug })
	root := &cobra.Command{
		Use:               a.programName(),
		Short:             "The Kubernetes package manager",
		Long:              rootLong,
		SilenceUsage:      true,
		SilenceErrors:     true,
		PersistentPreRunE: func(c *cobra.Command, _ []string) error { return a.checkDriver(c.Context()) },
	}
	root.SetIn(s.In)
	// Cobra writes its own notices (deprecated flags and commands) to its "out" writer;
	// Helm leaves that writer unset, so they land on stderr. Only help and shell
	// completion answers belong on stdout.
	root.SetOut(s.Err)
	root.SetErr(s.Err)
	help := root.HelpFunc()
	root.SetHelpFunc(func(c *cobra.Command, args []string) {
		c.SetOut(s.Out)
		help(c, args)
	})
	a.settings.addFlags(root.PersistentFlags())
	root.AddCommand(
		a.newDependencyCmd(),
		a.newPackageCmd(),
		a.newCreateCmd(),
		a.newTemplateCmd(),
		a.newShowCmd(),
		a.newVersionCmd(),
		a.newEnvCmd(),
		a.newCompletionCmd(),
		a.newLintCmd(),
		a.newInstallCmd(),
		a.newUpgradeCmd(),
		a.newDiffCmd(),
		a.newRollbackCmd(),
		a.newUninstallCmd(),
		a.newListCmd(),
		a.newHistoryCmd(),
		a.newRepairCmd(),
		a.newStatusCmd(),
		a.newGetCmd(),
		a.newTestCmd(),
		a.newRepoCmd(),
		a.newSearchCmd(),
		a.newServeCmd(),
		a.newPushCmd(),
		a.newPullCmd(),
		a.newRegistryCmd(),
		a.newVerifyCmd(),
		a.newSecretsCmd(),
		a.newControllerCmd(), a.newReconcileCmd(),
		a.newDocsCmd(),
		a.newPluginCmd(),
	)
	a.addCompletions(root)
	return root, a
}

const rootLong = `Rudder manages Kubernetes applications packaged as charts.

It is a drop-in replacement for Helm v4: the same commands, flags, environment
variables and release format, so 'alias helm=rudder' keeps existing workflows working.`
