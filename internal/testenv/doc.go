// Package testenv gives integration tests a real Kubernetes API server: the
// project's local control plane (package localcluster), one per test binary,
// or an existing cluster named by the environment.
//
// Use it from TestMain, so that one cluster serves the whole package and is
// stopped at the end; it starts only when a test first asks for it:
//
//	func TestMain(m *testing.M) { testenv.Main(m) }
//
//	func TestInstall(t *testing.T) {
//		env := testenv.Start(t)   // skips under -short
//		ns := env.Namespace(t)    // fresh namespace, deleted when t ends
//		cs := env.Clientset()
//		...
//	}
//
// Without Main, Start gives each test a cluster of its own (seconds each).
//
// The binaries are built on first use and cached (hack/cluster build does
// the same ahead of time; CI runs it before the tests). If they cannot be
// built, tests that call Start fail saying so.
//
// Environment:
//
//	RUDDER_TEST_KUBECONFIG=path   use that cluster instead of starting one
//	RUDDER_TEST_CLUSTER=external  use the cluster of $KUBECONFIG (or ~/.kube/config)
//	RUDDER_CLUSTER_CACHE=dir      where the binaries are cached
//
// Pods on the local cluster's fake nodes run to completion or stay running as
// the annotations AnnotationFail, AnnotationUnready, AnnotationRunDuration and
// AnnotationStartDelay say; an external cluster may not honour them.
package testenv
