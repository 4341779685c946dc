// Package cli is Rudder's command line: one file per command, each turning flags into an
// action's options, calling the action and printing its result.
//
// It is the only package that reads flags, HELM_* and RUDDER_* environment variables or
// kubeconfig, and the only one that writes to the terminal. It owns exit codes and,
// through Main, the process's signals.
//
//	os.Exit(cli.Main(os.Args[1:], cli.OSStreams())) // the rudder process
//	code := cli.Run(ctx, args, streams)              // in-process, signals left alone
package cli
