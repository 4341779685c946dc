// Package scaffold is the chart that `rudder create` writes: a Deployment behind a
// Service, with an optional Ingress, Gateway API HTTPRoute and HorizontalPodAutoscaler,
// a ServiceAccount, notes and a connection test.
//
// The files are embedded with the chart name replaced by Placeholder, the same marker
// Helm starters use, so the scaffold and starters share one substitution:
//
//	for _, f := range scaffold.Files("demo") {
//		// write f.Data to demo/f.Name
//	}
package scaffold
