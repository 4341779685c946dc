package controller

import "github.com/rudderpm/rudder/internal/controller/control"

// The controller's settings are declared in package control, which the rudder
// program links without this package (and controller-runtime): its CLI binds
// them to flags and hands them to the rudder-controller program.
type (
	// Options configure Run.
	Options = control.Options
	// AccessOptions say how the controller reaches the clusters its releases
	// live in.
	AccessOptions = control.AccessOptions
)

// DefaultLeaderElectionID is the Lease the controller's replicas compete for.
const DefaultLeaderElectionID = control.DefaultLeaderElectionID
