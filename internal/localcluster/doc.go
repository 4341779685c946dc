// Package localcluster runs Rudder's own local Kubernetes control plane: etcd,
// kube-apiserver, kube-controller-manager, kube-scheduler and kwok (fake nodes
// whose pods "run" without containers), all built from Go modules, all on
// loopback, all owned by one directory.
//
// It is test and development tooling, not part of the rudder binary. The
// hack/cluster script drives it for people; package testenv drives it for
// tests.
//
// Build the binaries once (they are cached by version, so a second call
// builds nothing), then start a cluster:
//
//	bins, err := localcluster.Build(ctx, localcluster.BuildOptions{Source: src})
//	...
//	c, err := localcluster.Up(ctx, localcluster.Options{Dir: dir, Binaries: bins})
//	...
//	defer c.Down(ctx, localcluster.DownOptions{})
//	cfg, err := c.RESTConfig()
//
// Pods on the fake nodes follow the stages in stages.yaml: long-running pods
// (restartPolicy Always) become Ready and stay Running; pods with restartPolicy
// Never or OnFailure run briefly and Succeed. The annotations AnnotationFail,
// AnnotationUnready, AnnotationRunDuration and AnnotationStartDelay change that,
// so that hooks, tests and waits can be exercised both ways. Every container
// serves ContainerLogLines as its logs (pods/log reaches kwok's server as the
// nodes' kubelet).
package localcluster
