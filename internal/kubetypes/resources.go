package kubetypes

import (
	"errors"

	appsv1 "k8s.io/api/apps/v1"
	coordinationv1 "k8s.io/api/coordination/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/client-go/rest"
)

var errNoMeta = errors.New("kubetypes: object has no metadata")

// The resources Rudder reads and writes as Go types. c is a client of the
// resource's group version (from RESTClient, or a clientset's).

func Secrets(c GroupClient, namespace string) Objects[*corev1.Secret, *corev1.SecretList] {
	return objectsOf[corev1.Secret, corev1.SecretList](c, "secrets", namespace)
}

func ConfigMaps(c GroupClient, namespace string) Objects[*corev1.ConfigMap, *corev1.ConfigMapList] {
	return objectsOf[corev1.ConfigMap, corev1.ConfigMapList](c, "configmaps", namespace)
}

func Pods(c GroupClient, namespace string) Objects[*corev1.Pod, *corev1.PodList] {
	return objectsOf[corev1.Pod, corev1.PodList](c, "pods", namespace)
}

func Events(c GroupClient, namespace string) Objects[*corev1.Event, *corev1.EventList] {
	return objectsOf[corev1.Event, corev1.EventList](c, "events", namespace)
}

func Namespaces(c GroupClient) Objects[*corev1.Namespace, *corev1.NamespaceList] {
	return objectsOf[corev1.Namespace, corev1.NamespaceList](c, "namespaces", "")
}

func ReplicaSets(c GroupClient, namespace string) Objects[*appsv1.ReplicaSet, *appsv1.ReplicaSetList] {
	return objectsOf[appsv1.ReplicaSet, appsv1.ReplicaSetList](c, "replicasets", namespace)
}

func Leases(c GroupClient, namespace string) Objects[*coordinationv1.Lease, *coordinationv1.LeaseList] {
	return objectsOf[coordinationv1.Lease, coordinationv1.LeaseList](c, "leases", namespace)
}

// objectsOf is the Objects of resource in namespace, decoding into T and its
// list type L.
func objectsOf[T, L any, PT interface {
	*T
	runtime.Object
}, PL interface {
	*L
	runtime.Object
}](c GroupClient, resource, namespace string) Objects[PT, PL] {
	return Objects[PT, PL]{client: c.RESTClient(), resource: resource, namespace: namespace,
		newObject: func() PT { return new(T) }, newList: func() PL { return new(L) }}
}

// PodLogs is the request for the log of a pod's container.
func PodLogs(c GroupClient, namespace, pod string, opts *corev1.PodLogOptions) *rest.Request {
	return c.RESTClient().Get().Namespace(namespace).Name(pod).Resource("pods").SubResource("log").VersionedParams(opts, ParameterCodec())
}
