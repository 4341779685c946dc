// Command rudder is a Kubernetes package manager compatible with Helm v4.
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"

	"github.com/rudderpm/rudder/internal/cli"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := cli.Run(ctx, os.Args[1:], cli.OSStreams())
	stop()
	os.Exit(code)
}
