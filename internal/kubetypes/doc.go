// Package kubetypes knows the Go types of Kubernetes' built-in APIs (those of
// k8s.io/api, the set client-go's kubernetes/scheme registers) and reaches them
// through REST clients that decode into those types.
//
// Registering every built-in type takes milliseconds, so it happens on first use
// (Scheme), not when the program starts: commands that never talk to a cluster
// and never look a built-in type up do not pay for it.
package kubetypes
