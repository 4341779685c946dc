// Command rudder is a Kubernetes package manager compatible with Helm v4.
package main

import (
	"os"

	"github.com/rudderpm/rudder/internal/cli"
	"github.com/rudderpm/rudder/internal/startup"
)

func main() {
	// Package initialisation ran with the garbage collector off (see startup).
	startup.Resume(os.Getenv)
	// cli.Main owns SIGINT and SIGTERM: which of them waits for cleanup depends
	// on what the command is doing when they arrive.
	os.Exit(cli.Main(os.Args[1:], cli.OSStreams()))
}
