// Package controller is Rudder's second driver beside package cli: reconcilers,
// on controller-runtime, that keep the cluster's releases as Flux's
// helm.toolkit.fluxcd.io/v2 HelmRelease objects declare them, with charts from
// source.toolkit.fluxcd.io/v1 HelmRepository and OCIRepository objects. It uses
// the same use cases as the CLI (package action: Install, Upgrade, Rollback,
// Uninstall, chart sources and the release lock), so a release it manages is an
// ordinary release that `rudder list`, `status` and `history` show, and that a
// `rudder upgrade` in progress keeps it from touching.
//
// The objects are read as unstructured and decoded into the small structs of
// api.go, which name only the fields Rudder implements; the CRDs it installs
// (control.InstallCRDs) accept Flux's whole API, and Flux's own CRDs work as well.
//
//	err := controller.Run(ctx, restConfig, controller.Options{
//		Concurrent: 10,
//		Logger:     logr.FromSlogHandler(handler),
//	})
package controller
