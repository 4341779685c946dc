// Command rudder-controller is the rudder command with the controller linked:
// `rudder-controller controller run` reconciles HelmRelease objects, and
// `rudder controller run` hands over to it. The rudder program leaves the
// controller (controller-runtime, Prometheus) out, so that its other commands
// do not pay for initialising it.
package main

import (
	"os"

	"github.com/rudderpm/rudder/internal/cli"
	"github.com/rudderpm/rudder/internal/controller"
)

func main() {
	os.Exit(cli.MainWithController(os.Args[1:], cli.OSStreams(), controller.Run))
}
