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
	go func() {
		// The first signal cancels the operation, which records its outcome and
		// releases its lock; a second one ends the process at once.
		<-ctx.Done()
		stop()
	}()
	code := cli.Run(ctx, os.Args[1:], cli.OSStreams())
	stop()
	os.Exit(code)
}
