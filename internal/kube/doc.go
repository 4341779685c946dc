// Package kube is Rudder's adapter to the Kubernetes API server: it turns release
// manifests into API objects and creates, updates, reads and deletes them as Helm 4
// does, but fast.
//
// A Client is built from a *rest.Config (the CLI loads kubeconfig and flags; this
// package does not). It caches discovery in memory, maps kinds through it, and
// refreshes it when a kind is unknown (a CRD just created). It does not throttle
// requests on the client side unless the config asks for it (--qps); objects of one
// kind are sent concurrently, within a bound, kinds one after another in Helm's
// order (manifest.InstallOrder, manifest.UninstallOrder).
//
//	c, err := kube.New(restConfig, kube.Options{})
//	caps, err := c.Capabilities(ctx)                  // .Capabilities for rendering
//	eng := engine.Engine{Lookup: c.Lookup}            // the lookup template function
//
//	// install
//	_, err = c.InstallCRDs(ctx, crds, kube.CRDOptions{})
//	target, err := c.Build(ctx, rel.Manifest, kube.BuildOptions{Namespace: ns})
//	kube.SetOwnership(target, kube.Owner{ReleaseName: name, ReleaseNamespace: ns})
//	adopt, err := c.Existing(ctx, target, kube.AdoptOptions{Owner: owner})
//	if len(adopt) == 0 {
//		res, err = c.Create(ctx, target, kube.ApplyOptions{})
//	} else {
//		res, err = c.Update(ctx, adopt, target, kube.ApplyOptions{UpgradeManagedFields: true})
//	}
//
//	// upgrade, rollback: from the previous revision's objects to the new ones
//	res, err = c.Update(ctx, current, target, kube.ApplyOptions{Method: kube.ClientSide})
//
//	// uninstall
//	own, err := c.CheckOwned(ctx, objs, owner)
//	res, err = c.Delete(ctx, own.Owned, kube.DeleteOptions{})
//	err = c.WaitForDelete(ctx, res.Deleted, kube.DeleteWaitOptions{})
//
// Objects are named Kind/namespace/name in errors (*ObjectError); operations try
// every object and join the errors. Results list what was created, updated, deleted
// or kept, object by object, with the warnings the server returned; nothing is
// printed or logged.
//
// Waiting for readiness (--wait) watches the objects (one informer per kind and
// namespace) and computes their status with kstatus (ReadinessKstatus, Helm 4's
// --wait=watcher) or with Helm 3's rules (ReadinessLegacy); progress flows as
// WaitEvents, and a *WaitError names every object not ready and why:
//
//	err = c.WaitReady(ctx, target, kube.WaitOptions{WaitForJobs: true, Events: progress})
//	var we *kube.WaitError
//	if errors.As(err, &we) { ... we.NotReady ... }
//
// ComputeStatus is the status of one live object, a pure function.
package kube
