// Package control is what a program needs to drive Rudder's controller without
// linking it: the controller's Options (which the CLI binds to flags), the CRDs
// it serves (InstallCRDs) and a request that it reconcile a HelmRelease now
// (RequestReconcile). It imports no controller-runtime and no Prometheus
// client, so the rudder program, which runs the controller only by handing
// over to the rudder-controller program, pays nothing for them at start-up
// (issue 19). Package controller runs the reconcilers with these Options.
//
//	res, err := control.InstallCRDs(ctx, dynamicClient, control.InstallCRDsOptions{})
//	r, err := control.RequestReconcile(ctx, dynamicClient, "apps", "web", time.Now())
//	if err == nil && !r.Ready { ... r.Reason, r.Message ... }
package control
