package localcluster

// Pinned versions of the components. KubernetesVersion matches the client-go
// that Rudder uses (client-go v0.37.2 is Kubernetes v1.37.2); the Kubernetes
// build module in hack/build/kube pins the same version.
const (
	EtcdVersion       = "v3.6.16"
	KubernetesVersion = "v1.37.2"
	KwokVersion       = "v0.7.0"
)

// Annotations on a Pod that the fake nodes honour (see stages.yaml).
const (
	// AnnotationFail set to "true" makes a pod with restartPolicy Never or
	// OnFailure end Failed (its containers exit with code 1) instead of
	// Succeeded. Pods with restartPolicy Always ignore it.
	AnnotationFail = "rudder.test/fail"

	// AnnotationUnready set to "true" keeps a pod Running but never Ready, and
	// never completing, whatever its restartPolicy: a hook or a wait on it
	// times out.
	AnnotationUnready = "rudder.test/unready"

	// AnnotationRunDuration is how long, as a Go duration ("30s"), a pod with
	// restartPolicy Never or OnFailure stays Running before it ends. The
	// default is 1s.
	AnnotationRunDuration = "rudder.test/run-duration"

	// AnnotationStartDelay is how long, as a Go duration ("5s"), a pod stays
	// Pending after it is scheduled before it starts Running (and, for
	// long-running pods, becomes Ready). The default is no delay.
	AnnotationStartDelay = "rudder.test/start-delay"
)

// NodeAnnotation marks the Nodes that kwok manages. Every fake Node created by
// Up carries it with the value "fake".
const NodeAnnotation = "kwok.x-k8s.io/node"
