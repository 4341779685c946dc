// Package cli is Rudder's command line: one file per command, each turning flags into an
// action's options, calling the action and printing its result.
//
// It is the only package that reads flags, HELM_* and RUDDER_* environment variables or
// kubeconfig, and the only one that writes to the terminal. It owns exit codes.
//
//	code := cli.Run(ctx, os.Args[1:], cli.OSStreams())
package cli
